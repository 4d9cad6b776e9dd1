using static TorchSharp.torch;

namespace UncertaintyLoss.Internal;

/// <summary>The checks of the losses that take a Dirichlet concentration α directly (belief matching, prior networks).</summary>
internal static partial class Check
{
    /// <summary>The smallest concentration option accepted (β of belief matching's prior, τ of a prior network's target).</summary>
    internal const double MinConcentration = 1e-6;

    /// <summary>The largest concentration option accepted.</summary>
    internal const double MaxConcentration = 1e6;

    /// <summary>A concentration α: not null, not disposed, floating point, shape (N, C, d1..dk) with C at least 2.</summary>
    internal static void Alpha(Tensor? alpha, string name)
    {
        var a = Live(alpha, name);
        if (a.dim() < 2)
            throw Invalid(name, Inv($"{name} of shape (N, C, d1..dk) with at least 2 dimensions"), "shape " + Shape(a));
        Floating(a, name, "convert it with .to(ScalarType.Float32), or apply UL.ClampedExp to the logits (alpha = exp(logits))");
        Classes(a, name);
    }

    /// <summary>
    /// Every concentration must be finite and &gt; 0 (0, negatives, NaN and ±∞ fail) and at most
    /// <paramref name="maxAlpha"/> (the losses pass <see cref="UL.MaxEvidence"/>). NaN fails because a NaN minimum or
    /// maximum is never &gt; 0.
    /// </summary>
    internal static void AlphaRange(double min, double max, string name, double maxAlpha, ScalarType dtype)
    {
        if (double.IsNaN(min) || double.IsNaN(max))
            throw Invalid(name, Inv($"finite, positive {name}"), "NaN", "the network's outputs have diverged; lower the learning rate");
        if (!(min > 0))
            throw Invalid(name, Inv($"positive {name} (every concentration > 0)"), Inv($"a minimum of {Format(min)}"),
                "alpha is a positive transform of the logits, alpha = exp(logits); apply UL.ClampedExp first (losses that take evidence use alpha = evidence + 1)");
        if (double.IsPositiveInfinity(max))
            throw Invalid(name, Inv($"finite {name}"), "+Infinity", InfiniteHint(dtype, "alpha"));
        if (max > maxAlpha)
            throw Invalid(name, Inv($"{name} of at most {Format(maxAlpha)} (UL.MaxEvidence)"), Inv($"a maximum of {Format(max)}"),
                "a concentration this large means the network's outputs have diverged (an unclamped exp of huge logits); use UL.ClampedExp, or lower the learning rate");
    }

    /// <summary>
    /// A concentration option (a prior's β, a target's τ) in [<see cref="MinConcentration"/>, <see cref="MaxConcentration"/>],
    /// the range whose ends are tested finite in Float32 and Float64 with α from 1e-15 to <see cref="UL.MaxEvidence"/>.
    /// </summary>
    internal static void Concentration(double value, string name, string meaning) =>
        InRange(value >= MinConcentration && value <= MaxConcentration, value, name,
            Inv($"{name} ({meaning}) to be between {Format(MinConcentration)} and {Format(MaxConcentration)}"));

    /// <summary>The out-of-distribution marker of a prior network's class-index targets: any value but ignoreIndex.</summary>
    internal static void OutOfDistributionIndex(long outOfDistributionIndex, long ignoreIndex, string name) =>
        InRange(outOfDistributionIndex != ignoreIndex, outOfDistributionIndex, name,
            Inv($"{name} to differ from ignoreIndex = {ignoreIndex} (a position is either ignored or out of distribution)"));
}
