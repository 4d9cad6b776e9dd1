namespace UncertaintyLoss;

/// <summary>
/// The data term of <see cref="UL.EvidentialLoss"/>: the risk of a class-probability vector p ∼ Dir(α) against the
/// target y, integrated over the Dirichlet (Sensoy, Kaplan and Kandemir, NeurIPS 2018, eqs. 3–5).
/// </summary>
/// <remarks>
/// With α = evidence + 1 and S = Σ_j α_j, per position:
/// <list type="bullet">
/// <item><see cref="SquaredError"/>: Σ_j (y_j − α_j/S)² + p_j(1 − p_j)/(S + 1) (eq. 5, <see cref="UL.DirichletMseLoss"/>).</item>
/// <item><see cref="LogLikelihood"/>: Σ_j y_j (ln S − ln α_j), the negative log of the Dirichlet-multinomial marginal
/// likelihood, Type-II maximum likelihood (eq. 3, <see cref="UL.DirichletLogLoss"/>).</item>
/// <item><see cref="CrossEntropy"/>: Σ_j y_j (ψ(S) − ψ(α_j)), the Bayes risk of the cross-entropy (eq. 4,
/// <see cref="UL.DirichletCrossEntropyLoss"/>).</item>
/// </list>
/// Python: torch-uncertainty's <c>DECLoss(loss_type="mse" | "log" | "digamma")</c> (its default is "log").
/// </remarks>
public enum EvidentialRisk
{
    /// <summary>Expected squared error, Sensoy et al. eq. 5 (the Python <c>uncertainty-loss</c> form).</summary>
    SquaredError,

    /// <summary>Negative log marginal likelihood, Sensoy et al. eq. 3: Σ_j y_j (ln S − ln α_j).</summary>
    LogLikelihood,

    /// <summary>Expected cross-entropy, Sensoy et al. eq. 4: Σ_j y_j (ψ(S) − ψ(α_j)).</summary>
    CrossEntropy,
}
