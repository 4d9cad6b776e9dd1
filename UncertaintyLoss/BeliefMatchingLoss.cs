using System;
using UncertaintyLoss.Internal;
using UncertaintyLoss.Internal.Fused;
using static TorchSharp.torch;

namespace UncertaintyLoss;

public static partial class UL
{
    /// <summary>
    /// Belief matching: the expected cross-entropy of the target under Dir(α) plus <paramref name="regFactor"/> times the
    /// KL divergence of Dir(α) from the prior Dir(β, …, β). Takes the concentration α itself (α = exp(logits)), not
    /// evidence.
    /// </summary>
    /// <param name="alpha">The Dirichlet concentration α, every entry finite and &gt; 0 (at most <see cref="MaxEvidence"/>);
    /// the paper uses α = exp(logits) (<see cref="ClampedExp"/>).</param>
    /// <param name="target">Class indices (integer dtype) or class probabilities (floating dtype, alpha's shape).</param>
    /// <param name="regFactor">Weight λ of the KL term (finite, ≥ 0). Default 0.01, the authors' coefficient (their
    /// <c>--coeff</c> default; the authors' README also uses 0.003, 0.001 and 1e-4 for larger models and datasets).</param>
    /// <param name="priorConcentration">The prior's concentration β ∈ [1e-6, 1e6] (default 1, the uniform Dirichlet, the
    /// authors' <c>--prior</c> default).</param>
    /// <param name="reduction">How to reduce the per-position losses.</param>
    /// <param name="weight"><inheritdoc cref="EvidentialLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="EvidentialLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <returns>The reduced loss, ≥ 0.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> Per position, with S = Σ_j α_j and K classes:
    /// L = Σ_j y_j (ψ(S) − ψ(α_j)) + λ·KL(Dir(α) ‖ Dir(β·1)), where
    /// KL = ln Γ(S) − Σ_j ln Γ(α_j) − ln Γ(Kβ) + K ln Γ(β) + Σ_j (α_j − β)(ψ(α_j) − ψ(S)).
    /// It is the negative of the paper's evidence lower bound (the belief-matching objective), with the KL in full.</para>
    /// <para><b>Shape.</b> alpha: (N, C) or (N, C, d1, …, dk); target: (N) or (N, d1, …, dk) of class indices in [0, C), or
    /// alpha's shape for probabilities; output: (N, d1, …, dk) for <see cref="nn.Reduction.None"/>, a scalar otherwise
    /// (weighted and without ignored positions as <c>cross_entropy</c>); weight: (C). The result has alpha's dtype and
    /// device.</para>
    /// <para><b>Reference.</b> Joo, Chung and Seo, "Being Bayesian about Categorical Probability", ICML 2020.</para>
    /// <para><b>Implementation.</b> For contiguous Float32/Float64 CPU α and class-index or probability targets (probability
    /// targets that do not require a gradient), the fused kernel of <see cref="EvidentialLoss"/> computes the loss and its
    /// analytic gradient in one double-precision pass (since issue 18's third session); other inputs compose TorchSharp
    /// operations, and a backward with <c>create_graph</c> through the fused kernel recomputes the gradient through them
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/performance.md">performance.md</see>).</para>
    /// <para><b>Python.</b> tjoo512/belief-matching-framework, <c>loss.py</c>, <c>BeliefMatchingLoss(coeff, prior)</c>:
    /// the same loss on α = exp(logits) (no clamp) with class-index targets and the batch mean only. Its KL leaves out the
    /// constant K ln Γ(β) − ln Γ(Kβ) (−ln Γ(K) at β = 1), so its values are ours minus λ times that constant and its
    /// gradients are ours; no epsilon or clamp
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/belief-matching.md">belief-matching.md</see>).</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="alpha"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="alpha"/> is not floating point, has rank below 2 or fewer than 2
    /// classes, or holds a value that is not finite and &gt; 0 (0, negative, NaN, ±∞) or is above <see cref="MaxEvidence"/>
    /// (checked before any computation, at ignored positions too); or the target, <paramref name="weight"/> or
    /// <paramref name="ignoreIndex"/> is invalid as for <see cref="EvidentialLoss"/>. The value checks are skipped while
    /// <see cref="ValidateValues"/> is off.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="regFactor"/> is negative, NaN or infinite;
    /// <paramref name="priorConcentration"/> is not in [1e-6, 1e6] (NaN included); or <paramref name="reduction"/> is not
    /// a defined value.</exception>
    public static Tensor BeliefMatchingLoss(Tensor alpha, Tensor target, double regFactor = 0.01, double priorConcentration = 1.0,
        nn.Reduction reduction = nn.Reduction.Mean, Tensor? weight = null, long ignoreIndex = -100)
    {
        return BeliefMatchingLossCore(alpha, target, regFactor, priorConcentration, reduction, weight, ignoreIndex, EvidenceActivation.None, 0.0);
    }

    /// <summary><see cref="BeliefMatchingLoss"/> on α = <paramref name="activation"/>(<paramref name="input"/>) (the input itself
    /// for <see cref="EvidenceActivation.None"/>); problems with α are reported against "alpha".</summary>
    internal static Tensor BeliefMatchingLossCore(Tensor input, Tensor target, double regFactor, double priorConcentration,
        nn.Reduction reduction, Tensor? weight, long ignoreIndex, EvidenceActivation activation, double clamp)
    {
        var kind = CheckAlphaLossArguments(input, target, reduction, weight, ignoreIndex);
        Check.RegFactor(regFactor, nameof(regFactor));
        Check.Concentration(priorConcentration, nameof(priorConcentration), "the prior's concentration β");
        if (FusedDirichlet.Applies(input, target, kind, weight, pNorm: 1))
            return FusedDirichlet.Run(input, target, weight, ignoreIndex, reduction, FusedLoss.BeliefMatching(regFactor, priorConcentration).WithActivation(activation, clamp));
        return OnEvidence(input, activation, clamp, alpha =>
        {
            var values = Check.Values(alpha, nameof(alpha), target, kind, nameof(target), weight, ignoreIndex, MaxEvidence, concentration: true);
            return ConcentrationLoss(alpha, target, kind, values, ignoreIndex, weight, reduction, null,
                (a, y) =>
                {
                    var s = a.sum(1, keepdim: true);
                    var psiS = s.digamma();
                    var loss = (y * (psiS - a.digamma())).sum(1);
                    return regFactor > 0 ? loss + regFactor * DirichletKlToSymmetric(a, s, psiS, priorConcentration) : loss;
                });
        });
    }

    /// <summary>KL(Dir(α) ‖ Dir(β·1)) per position, given S = Σα and ψ(S) (keepdim).</summary>
    private static Tensor DirichletKlToSymmetric(Tensor alpha, Tensor s, Tensor psiS, double beta)
    {
        long classes = alpha.shape[1];
        var b = full(1, beta, alpha.dtype, alpha.device);
        var constant = classes * b.lgamma() - (classes * b).lgamma();           // K ln Γ(β) − ln Γ(Kβ)
        var digammaTerm = ((alpha - beta) * (alpha.digamma() - psiS)).sum(1);
        return s.squeeze(1).lgamma() - alpha.lgamma().sum(1) + digammaTerm + constant;
    }

    /// <summary>Metadata and option checks shared by the losses that take α: as <see cref="CheckLossArguments"/>, naming alpha.</summary>
    private static TargetKind CheckAlphaLossArguments(Tensor alpha, Tensor target, nn.Reduction reduction, Tensor? weight, long ignoreIndex)
    {
        Check.Alpha(alpha, nameof(alpha));
        var kind = Check.Target(alpha, target, nameof(target), nameof(alpha));
        Check.Reduction(reduction, nameof(reduction));
        Check.WeightAndIgnoreIndex(alpha, kind, weight, ignoreIndex);
        return kind;
    }

    /// <summary>
    /// The shared body of the losses that take α, inside the public call's dispose scope: compute dtype, target (ignored
    /// positions get α = 1, a valid concentration, so that whatever they held cannot reach the result or the gradient),
    /// per-position loss of (α, dense target), weighted reduction (weight 1 at <paramref name="unitWeight"/>), output dtype.
    /// </summary>
    private static Tensor ConcentrationLoss(Tensor alpha, Tensor target, TargetKind kind, ValueSummary values, long ignoreIndex,
        Tensor? weight, nn.Reduction reduction, Tensor? unitWeight, Func<Tensor, Tensor, Tensor> perPosition)
    {
        using var scope = NewDisposeScope();
        var work = Dirichlet.ToCompute(alpha);
        var t = ClassTarget.Create(work, target, kind, values.AnyIgnored, ignoreIndex, weight);
        var a = t.Evidence(work, fill: 1.0);
        var loss = perPosition(a, Dirichlet.DenseTarget(a, t.Target, t.Kind));
        return Dirichlet.ToOutput(t.Reduce(loss, reduction, unitWeight), alpha).MoveToOuterDisposeScope();
    }
}
