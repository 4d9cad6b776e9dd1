namespace UncertaintyLoss.Internal.Fused;

/// <summary>Which loss a fused call computes, with its options: <see cref="Evidential"/> or <see cref="MaxNorm"/>.</summary>
internal sealed record FusedLoss
{
    private FusedLoss()
    {
    }

    /// <summary>The loss.</summary>
    internal FusedLossKind Kind { get; private init; }

    /// <summary>The regulariser's weight λ (the caller's <c>regFactor</c>, validated).</summary>
    internal double RegFactor { get; private init; }

    /// <summary>The max-norm loss's p (validated, at most <see cref="FusedDirichlet.MaxFusedPNorm"/>); 0 for the
    /// evidential loss, which has none.</summary>
    internal int PNorm { get; private init; }

    /// <summary>The max-norm loss's Fisher strength A; the default for the evidential loss, which has none.</summary>
    internal FisherAlphaSum FisherAlphaSum { get; private init; }

    /// <summary><see cref="UL.EvidentialLoss"/>: Dirichlet MSE + <paramref name="regFactor"/>·KL.</summary>
    internal static FusedLoss Evidential(double regFactor) =>
        new() { Kind = FusedLossKind.Evidential, RegFactor = regFactor };

    /// <summary><see cref="UL.MaxNormLoss"/>: Dirichlet <paramref name="pNorm"/>-norm + <paramref name="regFactor"/>·Fisher
    /// regulariser with strength <paramref name="fisherAlphaSum"/>.</summary>
    internal static FusedLoss MaxNorm(double regFactor, int pNorm, FisherAlphaSum fisherAlphaSum) =>
        new() { Kind = FusedLossKind.MaxNorm, RegFactor = regFactor, PNorm = pNorm, FisherAlphaSum = fisherAlphaSum };
}
