using System;
using UncertaintyLoss.Internal;
using UncertaintyLoss.Internal.Fused;
using static TorchSharp.torch;

namespace UncertaintyLoss;

public static partial class UL
{
    /// <summary>
    /// R-EDL, relaxed evidential deep learning: the squared error of the Dirichlet mean without EDL's variance term, with
    /// an adjustable prior weight λ (α = evidence + λ), plus <paramref name="regFactor"/> times the KL divergence of the
    /// misleading evidence from Dir(λ, …, λ).
    /// </summary>
    /// <param name="evidence">Non-negative evidence g(logits); the paper uses softplus (<see cref="EvidenceActivation.Softplus"/>).
    /// α = evidence + <paramref name="priorWeight"/>.</param>
    /// <param name="target">Class indices (integer dtype) or class probabilities (floating dtype, the evidence's shape).</param>
    /// <param name="regFactor">Weight of the KL term; 0 (the default) turns it off. The paper anneals it as EDL,
    /// min(1, epoch/10).</param>
    /// <param name="priorWeight">The prior weight λ ∈ [1e-6, 1e6] that replaces EDL's fixed 1 in α = evidence + λ (and the
    /// class count K in S = Σ evidence + Kλ). Default 0.1, the paper's choice (MNIST and CIFAR-10); λ = 1 gives EDL's
    /// Dirichlet. Read the trained model's uncertainty with the same λ.</param>
    /// <param name="reduction">How to reduce the per-position losses.</param>
    /// <param name="weight"><inheritdoc cref="EvidentialLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="EvidentialLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <returns>The reduced loss.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> Per position, with α = e + λ, S = Σ_j α_j and β = (1 − y)⊙e + λ:
    /// L = Σ_j (y_j − α_j/S)² + regFactor·KL(Dir(β) ‖ Dir(λ·1)), where
    /// KL = ln Γ(Σβ) − ln Γ(Kλ) − Σ_j ln Γ(β_j) + K ln Γ(λ) + Σ_j (β_j − λ)(ψ(β_j) − ψ(Σβ)).
    /// y_j − α_j/S is evaluated as (y_j R_j − (1 − y_j) α_j)/S with R_j = Σ_{k≠j} α_k, which keeps Float32 accurate when
    /// one class holds almost all the evidence.</para>
    /// <para><b>Shape.</b> As <see cref="EvidentialLoss"/>.</para>
    /// <para><b>Reference.</b> Chen, Gao and Xu, "R-EDL: Relaxing Nonessential Settings of Evidential Deep Learning",
    /// ICLR 2024 (MengyuanChen21/ICLR2024-REDL, <c>ModifiedEvidentialN.compute_mse</c> and <c>compute_kl_loss</c> with
    /// lamb1 = 1, lamb2 = λ).</para>
    /// <para><b>Implementation.</b> For contiguous Float32/Float64 CPU evidence and class-index or probability targets (probability targets since issue 18's third session, when they do not require a gradient), a fused kernel
    /// computes the loss and its analytic gradient in one double-precision pass
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/performance.md">performance.md</see>);
    /// other inputs compose
    /// TorchSharp operations. Both paths support gradients of every order: a backward with <c>create_graph</c> through the
    /// fused kernel recomputes the gradient through the composed operations. <see cref="KernelScope"/> and
    /// <see cref="UseFusedKernels"/> choose the path.</para>
    /// <para><b>Python.</b> The authors' code adds 1e-8 inside every ln Γ and ψ of the KL and replaces non-finite KL
    /// terms by 0; here the KL is the exact formula, and evidence outside [0, <see cref="MaxEvidence"/>] is rejected
    /// instead
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/redl.md">redl.md</see>).</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="EvidentialLoss"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="regFactor"/> is negative, NaN or infinite;
    /// <paramref name="priorWeight"/> is not in [1e-6, 1e6] (NaN included); or <paramref name="reduction"/> is not a defined value.</exception>
    public static Tensor RelaxedEvidentialLoss(Tensor evidence, Tensor target, double regFactor = 0.0, double priorWeight = 0.1,
        nn.Reduction reduction = nn.Reduction.Mean, Tensor? weight = null, long ignoreIndex = -100) =>
        RelaxedEvidentialLossCore(evidence, target, regFactor, priorWeight, reduction, weight, ignoreIndex, EvidenceActivation.None, 0.0);

    /// <summary>
    /// <see cref="RelaxedEvidentialLoss"/> on <see cref="ToEvidence"/>(<paramref name="logits"/>, <paramref name="activation"/>,
    /// <paramref name="clamp"/>), with the activation computed inside the loss (see <see cref="EvidentialLossWithLogits"/>).
    /// </summary>
    /// <param name="logits">Raw network outputs, (N, C) or (N, C, d1, …, dk), floating point.</param>
    /// <param name="target"><inheritdoc cref="RelaxedEvidentialLoss" path="/param[@name='target']"/></param>
    /// <param name="regFactor"><inheritdoc cref="RelaxedEvidentialLoss" path="/param[@name='regFactor']"/></param>
    /// <param name="priorWeight"><inheritdoc cref="RelaxedEvidentialLoss" path="/param[@name='priorWeight']"/></param>
    /// <param name="reduction"><inheritdoc cref="RelaxedEvidentialLoss" path="/param[@name='reduction']"/></param>
    /// <param name="weight"><inheritdoc cref="RelaxedEvidentialLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="RelaxedEvidentialLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <param name="activation">How the logits become evidence (default <see cref="EvidenceActivation.Softplus"/>, R-EDL's and
    /// <see cref="RelaxedEvidentialLossModule"/>'s).</param>
    /// <param name="clamp"><inheritdoc cref="EvidentialLossWithLogits" path="/param[@name='clamp']"/></param>
    /// <returns>As <see cref="RelaxedEvidentialLoss"/>, with the logits' dtype and device.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> <see cref="RelaxedEvidentialLoss"/>(<see cref="ToEvidence"/>(logits, activation, clamp), …), to rounding.</para>
    /// <para><b>Shape.</b> logits: as <see cref="RelaxedEvidentialLoss"/>'s evidence; the rest as there.</para>
    /// <para><b>Reference.</b> As <see cref="RelaxedEvidentialLoss"/>; the activations and their trade-offs:
    /// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/activations.md">activations.md</see>.</para>
    /// <para><b>Python.</b> R-EDL's loss on <c>softplus(logits)</c>, the authors' activation.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">As <see cref="EvidentialLossWithLogits"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="RelaxedEvidentialLoss"/>; or <paramref name="activation"/> is
    /// not a defined value, or <paramref name="clamp"/> is negative or NaN.</exception>
    public static Tensor RelaxedEvidentialLossWithLogits(Tensor logits, Tensor target, double regFactor = 0.0, double priorWeight = 0.1,
        nn.Reduction reduction = nn.Reduction.Mean, Tensor? weight = null, long ignoreIndex = -100,
        EvidenceActivation activation = EvidenceActivation.Softplus, double clamp = 10.0)
    {
        CheckLogits(logits, activation, clamp);
        return AgainstLogits(activation, () => RelaxedEvidentialLossCore(logits, target, regFactor, priorWeight, reduction, weight, ignoreIndex, activation, clamp));
    }

    /// <summary><see cref="RelaxedEvidentialLoss"/> on <paramref name="activation"/>(<paramref name="input"/>).</summary>
    internal static Tensor RelaxedEvidentialLossCore(Tensor input, Tensor target, double regFactor, double priorWeight,
        nn.Reduction reduction, Tensor? weight, long ignoreIndex, EvidenceActivation activation, double clamp)
    {
        var kind = CheckLossArguments(input, target, reduction, weight, ignoreIndex);
        Check.RegFactor(regFactor, nameof(regFactor));
        Check.PriorWeight(priorWeight, nameof(priorWeight));
        if (FusedDirichlet.Applies(input, target, kind, weight, pNorm: 1))
            return FusedDirichlet.Run(input, target, weight, ignoreIndex, reduction, FusedLoss.Relaxed(regFactor, priorWeight).WithActivation(activation, clamp));
        return OnEvidence(input, activation, clamp, evidence =>
        {
            var values = Check.Values(evidence, nameof(evidence), target, kind, nameof(target), weight, ignoreIndex, MaxEvidence);
            return ClassificationLoss(evidence, target, kind, values, ignoreIndex, weight, reduction,
                (work, t) =>
                {
                    var y = Dirichlet.DenseTarget(work, t.Target, t.Kind);
                    var loss = RelaxedMsePerPosition(work, y, priorWeight);
                    return regFactor > 0 ? loss + regFactor * RelaxedKlPerPosition(work, y, priorWeight) : loss;
                });
        });
    }

    private static Tensor RelaxedMsePerPosition(Tensor evidence, Tensor y, double priorWeight)
    {
        var alpha = evidence + priorWeight;
        var s = alpha.sum(1, keepdim: true);
        var r = Dirichlet.SumOfOthers(alpha, s);
        return ((y * r - (1 - y) * alpha) / s).square().sum(1);    // Σ (y_j − α_j/S)²
    }

    private static Tensor RelaxedKlPerPosition(Tensor evidence, Tensor y, double priorWeight)
    {
        long classes = evidence.shape[1];
        var misleading = (1 - y) * evidence;                       // β − λ
        var beta = misleading + priorWeight;
        var sBeta = beta.sum(1, keepdim: true);
        var lambda = full(1, priorWeight, evidence.dtype, evidence.device);
        var constant = classes * lambda.lgamma() - (classes * lambda).lgamma();      // K ln Γ(λ) − ln Γ(Kλ)
        var digammaTerm = (misleading * (beta.digamma() - sBeta.digamma())).sum(1);
        return sBeta.squeeze(1).lgamma() - beta.lgamma().sum(1) + digammaTerm + constant;
    }
}
