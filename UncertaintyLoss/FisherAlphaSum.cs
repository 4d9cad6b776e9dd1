namespace UncertaintyLoss;

/// <summary>
/// Which Dirichlet strength the Fisher-information regulariser of the max-norm loss subtracts:
/// ½ Σ_{j≠c} (α_j − 1)² (ψ₁(α_j) − ψ₁(A)).
/// </summary>
/// <remarks>See
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/maxnorm.md">maxnorm.md</see>. The
/// Python package <c>uncertainty-loss</c> 0.1.x uses <see cref="All"/>.</remarks>
public enum FisherAlphaSum
{
    /// <summary>A = S = Σ_j α_j over all classes, the true class included (the Python package's choice; default).</summary>
    All = 0,

    /// <summary>
    /// A = α̃₀ = 1 + Σ_{j≠c} α_j, the strength of α̃ = y + (1 − y)⊙α, the Dirichlet with the true class's
    /// evidence removed (Tsiligkaridis 2019, the paper's form).
    /// </summary>
    ExcludingTrueClass = 1,
}
