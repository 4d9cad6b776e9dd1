namespace UncertaintyLoss.Internal.Fused;

/// <summary>The fused classification losses.</summary>
internal enum FusedLossKind
{
    /// <summary><see cref="UL.EvidentialLoss"/>: Dirichlet MSE + λ·KL to the uniform Dirichlet.</summary>
    Evidential,

    /// <summary><see cref="UL.MaxNormLoss"/>: Dirichlet p-norm + λ·Fisher regulariser.</summary>
    MaxNorm,
}
