using System;
using TorchSharp;
using static TorchSharp.torch;

namespace UncertaintyLoss.Demo;

/// <summary>
/// A fixed radial-basis feature layer for 2-D inputs: φ_j(x) = exp(−‖x − c_j‖² / (2σ²)), one feature per centre c_j.
/// Every feature decays to 0 far from all centres, so a network built on it without biases outputs logits → 0 there.
/// The centres are a buffer, not a parameter: they are not trained.
/// </summary>
public sealed class GaussianFeatures : nn.Module<Tensor, Tensor>
{
    private readonly Tensor centres;
    private readonly double scale;

    /// <summary>One feature centred on each of the first <paramref name="count"/> points of <paramref name="points"/> (N × 2, row-major), width σ = <paramref name="width"/>.</summary>
    public GaussianFeatures(float[] points, int count, double width) : base(nameof(GaussianFeatures))
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(2 * count, points.Length, nameof(count));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        centres = tensor(points.AsSpan(0, 2 * count).ToArray(), new long[] { count, 2 });
        scale = 1.0 / (2 * width * width);
        register_buffer("centres", centres);
    }

    /// <summary>Number of features (centres).</summary>
    public long Features => centres.shape[0];

    /// <summary>(N, 2) points → (N, <see cref="Features"/>) feature values in (0, 1].</summary>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return (input.unsqueeze(1) - centres.unsqueeze(0)).square().sum(-1).mul(-scale).exp();
    }
}
