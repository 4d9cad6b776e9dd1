using System.Buffers;
using System.Collections.Generic;

namespace UncertaintyLoss.Internal.Fused;

/// <summary>Per-thread buffers of one tile: class-major evidence and gradient (C·B), and per-position vectors (B).</summary>
internal sealed class Scratch
{
    private readonly List<double[]> rented = new();

    internal Scratch(int classes, int lanes, bool withGradient, bool withActivation = false, bool withFisher = false,
        bool withProbabilities = false, bool withRiskPolygamma = false, bool withPositionTerms = false)
    {
        Evidence = Rent(classes * lanes);
        Probability = withProbabilities ? Rent(classes * lanes) : null;
        RiskDigamma = withRiskPolygamma ? Rent(classes * lanes) : null;
        RiskTrigamma = withRiskPolygamma && withGradient ? Rent(classes * lanes) : null;
        Fisher = withFisher ? new[] { Rent(classes * lanes), Rent(classes * lanes), Rent(classes * lanes), Rent(classes * lanes) } : null;
        Derivative = withGradient && withActivation ? Rent(classes * lanes) : null;
        Gradient = withGradient ? Rent(classes * lanes) : null;
        Extra = Rent(classes * lanes);
        Work1 = Rent(classes * lanes);
        Work2 = Rent(classes * lanes);
        Loss = Rent(lanes);
        Weight = Rent(lanes);
        Target = Rent(lanes);
        RiskScale = withPositionTerms && !withProbabilities ? Rent(lanes) : null;   // the probability-target kernel scales by τ·y
        PositionConstant = withPositionTerms ? Rent(lanes) : null;
    }

    /// <summary>Evidence e[j·B + b] (0 at ignored positions and padding lanes).</summary>
    internal double[] Evidence { get; }

    /// <summary>Class probabilities y[j·B + b] of a probability target (class-major, as <see cref="Evidence"/>; 0 in padding
    /// lanes), else null.</summary>
    internal double[]? Probability { get; }

    /// <summary>ψ(α) of every element, for the cross-entropy risk with a probability target, else null.</summary>
    internal double[]? RiskDigamma { get; }

    /// <summary>ψ₁(α) of every element, for the cross-entropy risk's gradient with a probability target, else null.</summary>
    internal double[]? RiskTrigamma { get; }

    /// <summary>The activation's derivative ∂e_{j,b}/∂x_{j,b} at the input x (class-major, as <see cref="Evidence"/>), when
    /// the pass applies an evidence activation and a gradient is needed; else null.</summary>
    internal double[]? Derivative { get; }

    /// <summary>Kernel output: ∂loss_b/∂e_{j,b}, unweighted; null when no gradient is needed.</summary>
    internal double[]? Gradient { get; }

    /// <summary>Kernel workspace of C·B doubles.</summary>
    internal double[] Extra { get; }

    /// <summary>I-EDL's per-element buffers of C·B doubles (ψ₁(α), ψ₂(α), f(α), f′(α); <see cref="EvidentialKernel"/>), else null.</summary>
    internal double[][]? Fisher { get; }

    /// <summary>Kernel workspace of C·B doubles.</summary>
    internal double[] Work1 { get; }

    /// <summary>Kernel workspace of C·B doubles.</summary>
    internal double[] Work2 { get; }

    /// <summary>Kernel output: loss per position, unweighted.</summary>
    internal double[] Loss { get; }

    /// <summary>w[target] per position; 0 at ignored positions and padding lanes.</summary>
    internal double[] Weight { get; }

    /// <summary>True class per position, as a double (exact: C ≤ 2^20), so that a kernel loads one vector of them
    /// (0 at ignored positions and padding lanes).</summary>
    internal double[] Target { get; }

    /// <summary>The Prior Network loss's weight of the cross-entropy risk per position (τ in distribution, 0 out of
    /// distribution and at ignored positions and padding lanes; index targets), else null.</summary>
    internal double[]? RiskScale { get; }

    /// <summary>The Prior Network loss's constant per position, added to its loss (index targets: set by the job;
    /// probability targets: computed by the kernel), else null.</summary>
    internal double[]? PositionConstant { get; }

    private double[] Rent(int length)
    {
        var a = ArrayPool<double>.Shared.Rent(length);
        rented.Add(a);
        return a;
    }

    internal void Return()
    {
        foreach (var a in rented)
            ArrayPool<double>.Shared.Return(a);
        rented.Clear();
    }
}
