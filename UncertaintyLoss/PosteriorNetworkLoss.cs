using System;
using UncertaintyLoss.Internal;
using UncertaintyLoss.Internal.Fused;
using static TorchSharp.torch;

namespace UncertaintyLoss;

public static partial class UL
{
    /// <summary>
    /// Posterior Network's loss (Charpentier, Zügner and Günnemann, NeurIPS 2020): the uncertain cross-entropy (UCE, the
    /// expected cross-entropy under Dir(α)) minus <paramref name="regFactor"/> times the Dirichlet's differential entropy.
    /// </summary>
    /// <param name="evidence">Non-negative evidence, the pseudo-counts of the posterior: Posterior Network's
    /// β_post = N_c·q(z | c) (class count times the class-conditional density of the latent), so that
    /// α = β_prior + β_post = evidence + 1 with the paper's flat prior β_prior = 1.</param>
    /// <param name="target">Class indices (integer dtype) or class probabilities (floating dtype, the evidence's shape).</param>
    /// <param name="regFactor">Weight λ of the entropy term (finite, ≥ 0). Default 1e-5, the authors' default
    /// (<c>regr</c>; their saved CIFAR-10 models use 1e-5, MNIST 1e-6 and 1e-5, sensorless drive 1e-7).</param>
    /// <param name="reduction">How to reduce the per-position losses.</param>
    /// <param name="weight"><inheritdoc cref="EvidentialLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="EvidentialLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <returns>The reduced loss.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> Per position, with α = e + 1 and S = Σ_j α_j,
    /// L = Σ_j y_j (ψ(S) − ψ(α_j)) − λ·H[Dir(α)], where
    /// H[Dir(α)] = Σ_j ln Γ(α_j) − ln Γ(S) + (S − K)ψ(S) − Σ_j (α_j − 1)ψ(α_j) (<see cref="DirichletDifferentialEntropy"/>).
    /// The entropy does not depend on the target; it is −ln Γ(K) without evidence (the uniform density on the simplex) and
    /// falls without bound as the evidence grows, so −λ·H rewards spread (less confident) Dirichlets. The UCE is the <see cref="EvidentialRisk.CrossEntropy"/> risk
    /// of <see cref="EvidentialLoss"/> (<see cref="DirichletCrossEntropyLoss"/>).</para>
    /// <para><b>Shape.</b> As <see cref="EvidentialLoss"/>.</para>
    /// <para><b>Reference.</b> Charpentier, Zügner and Günnemann, "Posterior Network: Uncertainty Estimation without OOD
    /// Samples via Density-Based Pseudo-Counts", NeurIPS 2020, eq. 5 (UCE) and its entropy regulariser.</para>
    /// <para><b>Implementation.</b> For contiguous Float32/Float64 CPU evidence and class-index or probability targets (probability targets since issue 18's third session, when they do not require a gradient), the fused kernel of
    /// <see cref="EvidentialLoss"/> computes the loss and its analytic gradient in one double-precision pass (since issue 18's
    /// second session; the entropy as the KL to Dir(1) over every class, without its constant), other inputs compose TorchSharp operations; a backward with <c>create_graph</c> through the fused
    /// kernel recomputes the gradient through the composed operations
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/performance.md">performance.md</see>).</para>
    /// <para><b>Python.</b> sharpenb/Posterior-Network, <c>PosteriorNetwork.UCE_loss</c>: the same formula (with
    /// <c>torch.distributions.Dirichlet(alpha).entropy()</c>) summed over the batch; here the reductions are
    /// <c>cross_entropy</c>'s (Mean by default; <see cref="nn.Reduction.Sum"/> is theirs). Their ablation without density
    /// (<c>no_density</c>) uses α = exp(logits) without the +1, which this function does not cover
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/posterior-network.md">posterior-network.md</see>).</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="EvidentialLoss"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="regFactor"/> is negative, NaN or infinite, or
    /// <paramref name="reduction"/> is not a defined value.</exception>
    public static Tensor PosteriorNetworkLoss(Tensor evidence, Tensor target, double regFactor = 1e-5,
        nn.Reduction reduction = nn.Reduction.Mean, Tensor? weight = null, long ignoreIndex = -100) =>
        PosteriorNetworkLossCore(evidence, target, regFactor, reduction, weight, ignoreIndex, EvidenceActivation.None, 0.0);

    /// <summary><see cref="PosteriorNetworkLoss"/> on <paramref name="activation"/>(<paramref name="input"/>) (the input
    /// itself for <see cref="EvidenceActivation.None"/>); problems with the evidence are reported against "evidence". The
    /// fused CPU pass serves it where it applies (since issue 18's second session), else the composed operations.</summary>
    internal static Tensor PosteriorNetworkLossCore(Tensor input, Tensor target, double regFactor, nn.Reduction reduction,
        Tensor? weight, long ignoreIndex, EvidenceActivation activation, double clamp)
    {
        var kind = CheckLossArguments(input, target, reduction, weight, ignoreIndex);
        Check.RegFactor(regFactor, nameof(regFactor));
        if (FusedDirichlet.Applies(input, target, kind, weight, pNorm: 1))
            return FusedDirichlet.Run(input, target, weight, ignoreIndex, reduction, FusedLoss.PosteriorNetwork(regFactor).WithActivation(activation, clamp));

        return OnEvidence(input, activation, clamp, evidence =>
        {
            var values = Check.Values(evidence, nameof(evidence), target, kind, nameof(target), weight, ignoreIndex, MaxEvidence);
            return ClassificationLoss(evidence, target, kind, values, ignoreIndex, weight, reduction,
                (work, t) =>
                {
                    var loss = DigammaPerPosition(work, Dirichlet.DenseTarget(work, t.Target, t.Kind));
                    return regFactor > 0 ? loss - regFactor * DifferentialEntropyPerPosition(work) : loss;
                });
        });
    }

    /// <summary>H[Dir(e + 1)] per position (the formula of <see cref="DirichletDifferentialEntropy"/>).</summary>
    private static Tensor DifferentialEntropyPerPosition(Tensor evidence)
    {
        var alpha = evidence + 1;
        var s = alpha.sum(1);
        return alpha.lgamma().sum(1) - s.lgamma() + (s - evidence.shape[1]) * s.digamma() - (evidence * alpha.digamma()).sum(1);
    }
}
