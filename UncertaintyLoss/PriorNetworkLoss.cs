using System;
using UncertaintyLoss.Internal;
using UncertaintyLoss.Internal.Fused;
using static TorchSharp.torch;

namespace UncertaintyLoss;

public static partial class UL
{
    /// <summary>
    /// The reverse-KL Prior Network loss: KL(Dir(α) ‖ Dir(β)) with the target concentration β = 1 + τ·y for
    /// in-distribution positions and the flat β = 1 for out-of-distribution ones. Takes the concentration α itself
    /// (α = exp(logits)), not evidence.
    /// </summary>
    /// <param name="alpha">The Dirichlet concentration α, every entry finite and &gt; 0 (at most <see cref="MaxEvidence"/>);
    /// the paper uses α = exp(logits) (<see cref="ClampedExp"/>).</param>
    /// <param name="target">Class indices (integer dtype; <paramref name="outOfDistributionIndex"/> marks an
    /// out-of-distribution position) or class probabilities (floating dtype, alpha's shape; an all-zero row is out of
    /// distribution).</param>
    /// <param name="targetConcentration">τ ∈ [1e-6, 1e6], the concentration added to the true class (default 100, the
    /// authors' training script's <c>--target_concentration</c>).</param>
    /// <param name="reduction">How to reduce the per-position losses.</param>
    /// <param name="weight">Optional per-class weights of shape (C), as <c>cross_entropy</c>'s: each in-distribution
    /// position's loss is multiplied by weight[target]; out-of-distribution positions have weight 1. Class-index targets
    /// only.</param>
    /// <param name="ignoreIndex"><inheritdoc cref="EvidentialLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <param name="outOfDistributionIndex">The class-index target value that marks an out-of-distribution position
    /// (default −1). Any value but <paramref name="ignoreIndex"/>; a value in [0, C) turns that class into the
    /// out-of-distribution marker.</param>
    /// <returns>The reduced loss, ≥ 0.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> Per position, with β = 1 + τ·y (y the target's probability vector, one-hot for a class index,
    /// 0 out of distribution), S = Σ_j α_j and B = Σ_j β_j:
    /// L = KL(Dir(α) ‖ Dir(β)) = ln Γ(S) − Σ_j ln Γ(α_j) − ln Γ(B) + Σ_j ln Γ(β_j) + Σ_j (α_j − β_j)(ψ(α_j) − ψ(S)).</para>
    /// <para><b>Shape.</b> As <see cref="BeliefMatchingLoss"/>. An index target may hold class indices, ignoreIndex and
    /// outOfDistributionIndex.</para>
    /// <para><b>Reference.</b> Malinin and Gales, "Reverse KL-Divergence Training of Prior Networks: Improved Uncertainty
    /// and Adversarial Robustness", NeurIPS 2019.</para>
    /// <para><b>Implementation.</b> For contiguous Float32/Float64 CPU α and class-index or probability targets (probability
    /// targets that do not require a gradient), the fused kernel of <see cref="EvidentialLoss"/> computes the loss and its
    /// analytic gradient in one double-precision pass (since issue 18's fourth session), as τ·Σ_j y_j (ψ(S) − ψ(α_j)) +
    /// KL(Dir(α) ‖ Dir(1)) + (Σ_j ln Γ(β_j) − ln Γ(B) + ln Γ(C)), the same KL regrouped; other inputs compose TorchSharp
    /// operations, and a backward with <c>create_graph</c> through the fused kernel recomputes the gradient through them
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/performance.md">performance.md</see>).</para>
    /// <para><b>Python.</b> KaosEngineer/PriorNetworks, <c>prior_networks/priornet/dpn_losses.py</c>,
    /// <c>DirichletKLLoss(target_concentration, concentration=1.0, reverse=True)</c>: the same KL, except that it adds
    /// ε = 1e-8 inside ln Γ(α_j), ln Γ(β_j), ψ(α_j) and ψ(S) (values off by up to 1e-6 relative where α is near 0.01). It takes
    /// in-distribution and out-of-distribution batches separately (labels None for the latter) and its training script
    /// returns (mean_in + γ·mean_out)/τ; here one batch holds both, marked per position
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/prior-networks.md">prior-networks.md</see>).</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="alpha"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">As <see cref="BeliefMatchingLoss"/>; a class index outside [0, C) that is neither
    /// <paramref name="ignoreIndex"/> nor <paramref name="outOfDistributionIndex"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetConcentration"/> is not in [1e-6, 1e6] (NaN
    /// included); <paramref name="outOfDistributionIndex"/> equals <paramref name="ignoreIndex"/>; or
    /// <paramref name="reduction"/> is not a defined value.</exception>
    public static Tensor PriorNetworkLoss(Tensor alpha, Tensor target, double targetConcentration = 100.0,
        nn.Reduction reduction = nn.Reduction.Mean, Tensor? weight = null, long ignoreIndex = -100, long outOfDistributionIndex = -1)
    {
        return PriorNetworkLossCore(alpha, target, targetConcentration, reduction, weight, ignoreIndex, outOfDistributionIndex, EvidenceActivation.None, 0.0);
    }

    /// <summary><see cref="PriorNetworkLoss"/> on α = <paramref name="activation"/>(<paramref name="input"/>) (the input itself
    /// for <see cref="EvidenceActivation.None"/>); problems with α are reported against "alpha".</summary>
    internal static Tensor PriorNetworkLossCore(Tensor input, Tensor target, double targetConcentration, nn.Reduction reduction,
        Tensor? weight, long ignoreIndex, long outOfDistributionIndex, EvidenceActivation activation, double clamp)
    {
        var kind = CheckAlphaLossArguments(input, target, reduction, weight, ignoreIndex);
        Check.Concentration(targetConcentration, nameof(targetConcentration), "the target concentration τ");
        Check.OutOfDistributionIndex(outOfDistributionIndex, ignoreIndex, nameof(outOfDistributionIndex));
        if (FusedDirichlet.Applies(input, target, kind, weight, pNorm: 1))
        {
            return FusedDirichlet.Run(input, target, weight, ignoreIndex, reduction,
                FusedLoss.PriorNetwork(targetConcentration, outOfDistributionIndex).WithActivation(activation, clamp));
        }

        return OnEvidence(input, activation, clamp, alpha =>
        {
            using var scope = NewDisposeScope();
            Tensor? outOfDistribution = null;
            var inDistributionTarget = target;
            if (kind == TargetKind.Index)
            {
                // Out-of-distribution positions get a valid class that is not ignoreIndex; their target row is zeroed below.
                var wide = target.to(ScalarType.Int64);
                outOfDistribution = wide.eq(outOfDistributionIndex);
                inDistributionTarget = wide.masked_fill(outOfDistribution, ignoreIndex == 0 ? 1 : 0);
            }

            var values = Check.Values(alpha, nameof(alpha), inDistributionTarget, kind, nameof(target), weight, ignoreIndex, MaxEvidence, concentration: true);
            var ood = outOfDistribution;
            return ConcentrationLoss(alpha, inDistributionTarget, kind, values, ignoreIndex, weight, reduction, ood,
                (a, y) =>
                {
                    if (ood is not null)
                        y = y.masked_fill(ood.unsqueeze(1), 0.0);
                    var beta = 1 + targetConcentration * y;
                    var s = a.sum(1, keepdim: true);
                    var digammaTerm = ((a - beta) * (a.digamma() - s.digamma())).sum(1);
                    return s.squeeze(1).lgamma() - a.lgamma().sum(1) - beta.sum(1).lgamma() + beta.lgamma().sum(1) + digammaTerm;
                }).MoveToOuterDisposeScope();
        });
    }
}
