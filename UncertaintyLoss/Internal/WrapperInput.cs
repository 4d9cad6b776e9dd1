using System;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace UncertaintyLoss.Internal;

/// <summary>
/// Input checks of the wrappers, on metadata only and before the model runs. They check only what the wrapper knows for
/// sure: the input is a live tensor, and, when the model's first layer can be found (the model is a <see cref="Linear"/>
/// or a convolution, or a <see cref="Sequential"/> — nested Sequentials followed — whose first child is one), the shape,
/// dtype and device that layer accepts. A custom <c>forward</c> may reshape, cast or move its input (or read integer
/// tokens), so nothing else is checked.
/// </summary>
internal static class WrapperInput
{
    /// <summary>The model's first layer when it is a Linear layer or a convolution; null when it cannot be found.</summary>
    internal static nn.Module? FirstLayer(nn.Module model)
    {
        nn.Module? layer = model;
        while (layer is Sequential sequential)
            layer = sequential.named_children().Select(c => c.module).FirstOrDefault();
        return layer is Linear or Convolution ? layer : null;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> (or <see cref="ArgumentNullException"/>) naming <c>input</c> when
    /// <paramref name="input"/> is null, disposed, or not accepted by one of <paramref name="firstLayers"/> (nulls are
    /// skipped).</summary>
    internal static void Validate(Tensor? input, params nn.Module?[] firstLayers)
    {
        input = Check.Live(input, nameof(input));
        foreach (var layer in firstLayers)
        {
            switch (layer)
            {
                case Linear linear:
                {
                    long width = linear.weight.shape[1];
                    if (input.dim() < 1 || input.shape[^1] != width)
                        throw Rejected($"input of shape (…, {width}) for the first Linear layer (in_features = {width})", $"shape {Check.Shape(input)}");
                    Against(input, linear.weight, "Linear");
                    break;
                }

                case Convolution conv:
                {
                    int k = conv.kernel_size.Length;
                    string kind = $"Conv{k}d";
                    long dims = input.dim();
                    if ((dims != k + 1 && dims != k + 2) || input.shape[dims - k - 1] != conv.in_channels)
                    {
                        string spatial = k switch { 1 => "L", 2 => "H, W", 3 => "D, H, W", _ => "…" };
                        throw Rejected($"input of shape (N, {conv.in_channels}, {spatial}) or ({conv.in_channels}, {spatial}) for the first {kind} layer (in_channels = {conv.in_channels})", $"shape {Check.Shape(input)}");
                    }

                    Against(input, conv.weight, kind);
                    break;
                }
            }
        }
    }

    private static void Against(Tensor input, Tensor weight, string kind)
    {
        if (input.dtype != weight.dtype)
            throw Rejected($"input of dtype {weight.dtype} (the first {kind} layer's weights)", $"{input.dtype}");
        Check.SameDevice(input, "input", weight, $"the first {kind} layer's");
    }

    private static ArgumentException Rejected(FormattableString expected, FormattableString received) =>
        Check.Invalid("input", Check.Inv(expected), Check.Inv(received));
}
