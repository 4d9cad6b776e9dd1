namespace UncertaintyLoss.Internal.Fused;

/// <summary>The fused classification losses.</summary>
internal enum FusedLossKind
{
    /// <summary><see cref="UL.EvidentialLoss"/>: a Dirichlet risk (squared error, log-likelihood or cross-entropy,
    /// <see cref="FusedLoss.Risk"/>) + λ·KL to the uniform Dirichlet.</summary>
    Evidential,

    /// <summary><see cref="UL.MaxNormLoss"/>: Dirichlet p-norm + λ·Fisher regulariser.</summary>
    MaxNorm,

    /// <summary><see cref="UL.RelaxedEvidentialLoss"/>: squared error of the Dirichlet mean with α = e + prior weight,
    /// + λ·KL to Dir(prior weight, …).</summary>
    Relaxed,

    /// <summary><see cref="UL.FisherEvidentialLoss"/> (I-EDL): EDL's squared error weighted by ψ₁(α_j), − c·ln|I(α)|,
    /// + λ·KL to the uniform Dirichlet.</summary>
    Fisher,

    /// <summary><see cref="UL.RedEvidentialLoss"/> (RED): <see cref="Evidential"/> − w·ν·ln max(e_t, ε) with the vacuity
    /// ν = C/S held constant (<see cref="FusedLoss.CorrectEvidenceWeight"/> = w).</summary>
    Red,

    /// <summary><see cref="UL.PosteriorNetworkLoss"/>: the cross-entropy risk (UCE) − λ·H[Dir(α)], the entropy computed as
    /// the KL of Dir(α) itself (every class) without its constant.</summary>
    PosteriorNetwork,

    /// <summary><see cref="UL.BeliefMatchingLoss"/>: the cross-entropy risk + λ·KL(Dir(α) ‖ Dir(β·1)) over every class, on
    /// the concentration α itself (the kernels' α = e + 0, <see cref="FusedLoss.KlConcentration"/> = β).</summary>
    BeliefMatching,

    /// <summary><see cref="UL.PriorNetworkLoss"/> (reverse KL, issue 18, fourth session): KL(Dir(α) ‖ Dir(1 + τy)) written as
    /// τ·(the cross-entropy risk) + KL(Dir(α) ‖ Dir(1)) over every class + a per-position constant of τ and y, on the
    /// concentration α itself (<see cref="FusedLoss.TargetConcentration"/> = τ; out-of-distribution positions: no risk).</summary>
    PriorNetwork,
}
