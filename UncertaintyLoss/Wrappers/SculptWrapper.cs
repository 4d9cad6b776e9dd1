using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss;

/// <summary>
/// Capsa's Sculpt wrapper: wraps a regression model and adds a <b>risk head</b> — a small MLP of
/// <see cref="NLayers"/> linear layers — whose output, mapped by <see cref="Sculpt.Scale"/>, is a valid scale
/// (yRisk &gt; 0) for <see cref="Distribution"/>. <see cref="forward"/> returns the wrapped model's
/// prediction unchanged; <see cref="ForwardWithRisk"/> returns the prediction and the risk. Train with the original loss
/// plus <c>Distribution.LossFunction(y, yHat, yRisk)</c>, or with the original loss on
/// <c>Distribution.Sample(wrapped.ForwardWithRisk(x))</c>. See
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/wrappers.md">wrappers.md</see>.
/// </summary>
/// <remarks>
/// <para><b>Where the head sits.</b> When the model is an <see cref="Sequential"/> whose last child is a
/// <see cref="Linear"/>, the head reads the <b>features</b> that feed that final layer (the output of the children
/// before it) and has the final layer's output width. For any other model the final layer cannot be found (TorchSharp
/// cannot see inside a custom <c>forward</c>), so the head reads the model's <b>output</b> and needs its width
/// (<c>outputWidth</c>).</para>
/// <para><b>Parameters exist at construction.</b> Unlike Capsa, which creates them at the first call, every parameter of
/// the head is created by the constructor, on the final layer's device and dtype (on the CPU in float32 for the output
/// head): an optimizer can be created from <c>parameters()</c> at once.</para>
/// <para>The wrapped model is registered as the child <c>model</c> (state-dict keys <c>model.*</c>), the head as
/// <c>risk_head</c>: <c>state_dict</c>, <c>save</c>/<c>load</c>, <c>to</c>, <c>train</c>/<c>eval</c> cover both.</para>
/// <para><b>Loading is all or nothing</b>: <see cref="load_state_dict"/> and every <c>load</c> overload check every key,
/// dtype and shape before copying anything (see
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/wrappers.md#loading-and-validation">wrappers.md, "Loading and validation"</see>).</para>
/// </remarks>
public sealed class SculptWrapper : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> model;
    private readonly nn.Module<Tensor, Tensor> riskHead;
    private readonly nn.Module<Tensor, Tensor>[]? body;
    private readonly Linear? finalLayer;
    private readonly nn.Module? firstLayer;

    /// <summary>Wraps <paramref name="model"/> with a risk head of <paramref name="nLayers"/> layers.</summary>
    /// <param name="model">The regression model; output (N, D) (or (N, …, D): the head works on the last dimension).</param>
    /// <param name="distribution">The Sculpt distribution whose scale the head predicts, e.g. <see cref="Sculpt.Normal"/>.</param>
    /// <param name="nLayers">Linear layers in the head (≥ 1), ReLU between them (default 3, as Capsa's example).</param>
    /// <param name="outputWidth">The model's output width D. Needed when the final layer cannot be found (the head then
    /// reads the output); checked against the final layer's width otherwise.</param>
    /// <param name="hiddenWidth">Width of the head's hidden layers (≥ 1); default: the final layer's input width, or
    /// max(32, D) for a head on the output.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="distribution"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nLayers"/>, <paramref name="outputWidth"/> or
    /// <paramref name="hiddenWidth"/> is below 1.</exception>
    /// <exception cref="ArgumentException">The final layer cannot be found and <paramref name="outputWidth"/> is null,
    /// or <paramref name="outputWidth"/> differs from the final layer's output width.</exception>
    public SculptWrapper(nn.Module<Tensor, Tensor> model, ISculptDistribution distribution, int nLayers = 3, long? outputWidth = null, long? hiddenWidth = null)
        : base(CheckArguments(model, distribution, nLayers, outputWidth, hiddenWidth))
    {
        this.model = model;
        Distribution = distribution;
        NLayers = nLayers;
        if (FinalLinear(model) is { } found)
        {
            var children = model.named_children().Select(c => c.module).ToArray();
            body = children.Take(children.Length - 1).Select(AsTensorModule).ToArray();
            finalLayer = found;
            long width = found.out_features;
            if (outputWidth is { } given && given != width)
                throw Check.Invalid(nameof(outputWidth), Check.Inv($"outputWidth to match the final Linear layer's output width {width}"), Check.Format(given));
            OutputWidth = width;
            HeadOnFeatures = true;
            riskHead = Head(found.in_features, hiddenWidth ?? found.in_features, width, nLayers);
            riskHead.to(found.weight!.dtype).to(found.weight!.device);
        }
        else
        {
            long width = outputWidth!.Value;
            OutputWidth = width;
            HeadOnFeatures = false;
            riskHead = Head(width, hiddenWidth ?? Math.Max(32, width), width, nLayers);
        }

        firstLayer = WrapperInput.FirstLayer(model);
        register_module("model", model);
        register_module("risk_head", riskHead);
    }

    /// <summary>The distribution whose scale the risk head predicts.</summary>
    public ISculptDistribution Distribution { get; }

    /// <summary>Linear layers in the risk head.</summary>
    public int NLayers { get; }

    /// <summary>The model's output width D; the risk has the prediction's shape.</summary>
    public long OutputWidth { get; }

    /// <summary>True when the head reads the features that feed the final <see cref="Linear"/> layer; false when it reads
    /// the model's output.</summary>
    public bool HeadOnFeatures { get; }

    /// <summary>The wrapped model (its parameters are shared, not copied).</summary>
    public nn.Module<Tensor, Tensor> Model => model;

    /// <summary>The risk head (raw output; the risk is <see cref="Sculpt.Scale"/> of it).</summary>
    public nn.Module<Tensor, Tensor> RiskHead => riskHead;

    /// <summary>The wrapped model's prediction, unchanged by the wrapper.</summary>
    /// <param name="input">The model's input.</param>
    /// <returns>yHat, the model's output.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="input"/> is disposed, or the model's first layer can be found
    /// (a <see cref="Linear"/> or convolution, alone or first in a <see cref="Sequential"/>) and the input's shape, dtype or
    /// device is not one it accepts.</exception>
    public override Tensor forward(Tensor input)
    {
        WrapperInput.Validate(input, firstLayer);
        using var scope = NewDisposeScope();
        return Predict(input).Prediction.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The prediction and its risk (Capsa's <c>model(x, return_risk=True)</c>): yRisk = softplus(head(h)) + 1e-6, h the
    /// features that feed the final layer (or the output; see <see cref="HeadOnFeatures"/>). The tuple can be passed to
    /// <see cref="ISculptDistribution.Sample"/> as it is.
    /// </summary>
    /// <remarks>Shape: input as the model's; Prediction and Risk (N, …, D), the model's output shape.</remarks>
    /// <param name="input">The model's input.</param>
    /// <returns>(yHat, yRisk), yRisk &gt; 0 the distribution's scale (the standard deviation for Normal).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="input"/> is rejected as by <see cref="forward"/>, or the head
    /// reads the output and the output's last dimension is not <see cref="OutputWidth"/>.</exception>
    public (Tensor Prediction, Tensor Risk) ForwardWithRisk(Tensor input)
    {
        WrapperInput.Validate(input, firstLayer);
        using var scope = NewDisposeScope();
        var (prediction, features) = Predict(input);
        if (!HeadOnFeatures && (prediction.dim() == 0 || prediction.shape[^1] != OutputWidth))
            throw Check.Invalid(nameof(input), Check.Inv($"the model's output to have last dimension outputWidth = {OutputWidth}"), "shape " + Check.Shape(prediction));
        var risk = Sculpt.Scale(riskHead.call(features));
        return (prediction.MoveToOuterDisposeScope(), risk.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Copies <paramref name="source"/> into the model and the head, all or nothing: every key, dtype and shape is checked
    /// first, and a rejected dictionary leaves every parameter and buffer as it was. Unlike TorchSharp's base method, a
    /// dtype mismatch is rejected (not cast) and shapes must be equal (not broadcast).
    /// </summary>
    /// <param name="source">Parameters and persistent buffers, keyed as <c>state_dict()</c>.</param>
    /// <param name="strict">Whether the keys (less <paramref name="skip"/>) must be exactly this module's.</param>
    /// <param name="skip">Keys neither loaded nor counted as missing or unexpected.</param>
    /// <returns>The missing and unexpected keys (empty when <paramref name="strict"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="ArgumentException">Strict and a key is missing or unexpected, or an entry has another dtype or
    /// shape, or is null or disposed; the message names the first such key, with both dtypes or shapes.</exception>
    public override (IList<string> missing_keys, IList<string> unexpected_keyes) load_state_dict(Dictionary<string, Tensor> source, bool strict = true, IList<string>? skip = null) =>
        AllOrNothingLoad.StateDict(this, source, strict, skip);

    /// <summary>
    /// Loads a file written by <c>save</c>, all or nothing: the file is read into temporary tensors (disposed before
    /// returning), checked as by <see cref="load_state_dict"/>, then copied.
    /// </summary>
    /// <param name="location">The file path.</param>
    /// <param name="strict">Whether the file's keys must be exactly this module's.</param>
    /// <param name="skip">Keys not copied (as in TorchSharp, they still count for <paramref name="strict"/>).</param>
    /// <param name="loadedParameters">Filled, after a successful load, with every key of the file and whether this module has it.</param>
    /// <returns>This module.</returns>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="location"/>.</exception>
    /// <exception cref="ArgumentException">As <see cref="load_state_dict"/>, naming <paramref name="location"/>.</exception>
#pragma warning disable RS0026 // Overrides of TorchSharp's overloads: the optional parameters are the base declarations'.
    public override nn.Module load(string location, bool strict = true, IList<string>? skip = null, Dictionary<string, bool>? loadedParameters = null) =>
        AllOrNothingLoad.Path(this, location, strict, skip, loadedParameters);

    /// <summary>Loads what <c>save</c> wrote, from <paramref name="reader"/>, all or nothing (as <see cref="load(string, bool, IList{string}?, Dictionary{string, bool}?)"/>).
    /// The base class's <c>load(Stream)</c> comes here.</summary>
    /// <param name="reader">Reads TorchSharp's state-dict format.</param>
    /// <param name="strict">Whether the stream's keys must be exactly this module's.</param>
    /// <param name="skip">Keys not copied (as in TorchSharp, they still count for <paramref name="strict"/>).</param>
    /// <param name="loadedParameters">Filled, after a successful load, with every key read and whether this module has it.</param>
    /// <returns>This module.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="reader"/> is null.</exception>
    /// <exception cref="ArgumentException">As <see cref="load_state_dict"/>, naming <paramref name="reader"/>.</exception>
    public override nn.Module load(BinaryReader reader, bool strict = true, IList<string>? skip = null, Dictionary<string, bool>? loadedParameters = null)
    {
        AllOrNothingLoad.File(this, reader, strict, skip, loadedParameters, nameof(reader));
        return this;
    }
#pragma warning restore RS0026

    /// <summary>The prediction, and what the head reads.</summary>
    private (Tensor Prediction, Tensor Features) Predict(Tensor input)
    {
        if (body is null || finalLayer is null)
        {
            var output = model.call(input);
            return (output, output);
        }

        var features = input;
        foreach (var layer in body)
            features = layer.call(features);
        return (finalLayer.call(features), features);
    }

    /// <summary>The last child of a Sequential, when it is a Linear layer.</summary>
    private static Linear? FinalLinear(nn.Module<Tensor, Tensor> model) =>
        model is Sequential sequential && sequential.named_children().Select(c => c.module).LastOrDefault() is Linear linear ? linear : null;

    private static nn.Module<Tensor, Tensor> AsTensorModule(nn.Module module) =>
        module as nn.Module<Tensor, Tensor> ?? throw Check.Invalid("model", "every child of the Sequential to map a tensor to a tensor", "a child of type " + module.GetType().Name);

    private static Sequential Head(long inputWidth, long hiddenWidth, long outputWidth, int nLayers)
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        long width = inputWidth;
        for (int i = 0; i < nLayers - 1; i++)
        {
            layers.Add(($"fc{i + 1}", nn.Linear(width, hiddenWidth)));
            layers.Add(($"relu{i + 1}", nn.ReLU()));
            width = hiddenWidth;
        }

        layers.Add(($"fc{nLayers}", nn.Linear(width, outputWidth)));
        return nn.Sequential(layers.ToArray());
    }

    /// <summary>Validates the arguments before the base constructor runs (so before any native call); returns the module name.</summary>
    private static string CheckArguments(nn.Module<Tensor, Tensor>? model, ISculptDistribution? distribution, int nLayers, long? outputWidth, long? hiddenWidth)
    {
        Check.NotNull(model, nameof(model));
        Check.NotNull(distribution, nameof(distribution));
        Check.InRange(nLayers >= 1, nLayers, nameof(nLayers), "at least one layer in the risk head (nLayers >= 1)");
        Check.InRange(outputWidth is null or >= 1, outputWidth, nameof(outputWidth), "a positive output width");
        Check.InRange(hiddenWidth is null or >= 1, hiddenWidth, nameof(hiddenWidth), "a positive hidden width");
        if (outputWidth is null && !(model is Sequential s && s.named_children().Select(c => c.module).LastOrDefault() is Linear))
            throw Check.Invalid(nameof(outputWidth),
                "outputWidth when the model's final layer cannot be found (it is not a Sequential whose last child is a Linear layer)",
                "none", "the risk head reads the model's output, so pass that output's width as outputWidth");
        return "SculptWrapper";
    }
}
