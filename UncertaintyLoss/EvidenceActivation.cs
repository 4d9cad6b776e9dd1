using System;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss;

/// <summary>How a network's raw outputs (logits) become non-negative evidence. See
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/activations.md">activations.md</see>
/// for the trade-offs.</summary>
public enum EvidenceActivation
{
    /// <summary>exp(clamp(x, −clamp, clamp)) (<see cref="UL.ClampedExp"/>): the papers' and the Python package's choice; trains
    /// best, cannot overflow; zero gradient beyond the clamp.</summary>
    Exp = 0,

    /// <summary>softplus(x) = ln(1 + eˣ): smooth, never zero gradient, but evidence grows only linearly, so confident
    /// predictions need large logits.</summary>
    Softplus = 1,

    /// <summary>max(0, x): zero evidence and zero gradient for negative logits, so a class can stop learning ("dead"
    /// classes); reported to fail to train in practice.</summary>
    Relu = 2,

    /// <summary>The input is already evidence: passed through unchanged (must be non-negative).</summary>
    None = 3,
}

public static partial class UL
{
    /// <summary>Maps logits to non-negative evidence with the chosen activation.</summary>
    /// <param name="logits">Raw network outputs, any shape, floating point.</param>
    /// <param name="activation">The activation (default <see cref="EvidenceActivation.Exp"/>).</param>
    /// <param name="clamp">The bound of <see cref="EvidenceActivation.Exp"/> (default 10); ignored by the others.</param>
    /// <returns>Evidence with the input's shape, dtype and device.</returns>
    /// <remarks>
    /// <para><b>Shape.</b> input: any; output: the same.</para>
    /// <para><b>Python.</b> <c>uncertainty_loss.clamped_exp</c> for <see cref="EvidenceActivation.Exp"/>; the other choices are
    /// the ones its README lists ("exp, relu, softplus, etc").</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="logits"/> has been disposed or is not floating point.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="activation"/> is undefined, or <paramref name="clamp"/> is negative or NaN.</exception>
    public static Tensor ToEvidence(Tensor logits, EvidenceActivation activation = EvidenceActivation.Exp, double clamp = 10.0)
    {
        Check.Floating(logits, nameof(logits));
        Check.Defined(activation, nameof(activation));
        Check.Clamp(clamp, nameof(clamp));

        using var scope = NewDisposeScope();
        var evidence = activation switch
        {
            EvidenceActivation.Exp => logits.clamp(-clamp, clamp).exp(),
            // libtorch returns x above its threshold (default 20), where ln(1 + eˣ) − x = ln(1 + e⁻ˣ) is still 2e-9: below
            // Float32's resolution but not Float64's (its ulp at 20 is 4e-15). Float64 switches at 40 (gap 4e-18); the
            // gradient σ(x) likewise.
            EvidenceActivation.Softplus => nn.functional.softplus(logits, 1.0, logits.dtype == ScalarType.Float64 ? 40.0 : 20.0),
            EvidenceActivation.Relu => nn.functional.relu(logits),
            _ => logits.alias(),
        };
        return evidence.MoveToOuterDisposeScope();
    }
}
