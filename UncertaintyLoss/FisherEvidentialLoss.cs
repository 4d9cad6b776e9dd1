using System;
using UncertaintyLoss.Internal;
using UncertaintyLoss.Internal.Fused;
using static TorchSharp.torch;

namespace UncertaintyLoss;

public static partial class UL
{
    /// <summary>
    /// I-EDL, Fisher-information-based evidential deep learning: EDL's expected squared error with each class weighted by
    /// the Fisher information ψ₁(α_j), minus <paramref name="fisherCoefficient"/> times the log-determinant of the
    /// Dirichlet's Fisher information, plus <paramref name="regFactor"/> times EDL's KL regulariser.
    /// </summary>
    /// <param name="evidence">Non-negative evidence g(logits); the paper uses softplus (<see cref="EvidenceActivation.Softplus"/>).
    /// α = evidence + 1.</param>
    /// <param name="target">Class indices (integer dtype) or class probabilities (floating dtype, the evidence's shape).</param>
    /// <param name="regFactor">Weight of the KL term; 0 (the default) turns it off. The paper anneals it as EDL,
    /// min(1, epoch/10) (<see cref="RegFactor.EdlAnnealing"/>).</param>
    /// <param name="fisherCoefficient">The weight c ≥ 0 of the log-determinant term, the authors' <c>fisher_c</c>: 0.005 in
    /// their MNIST configuration (the default here), 0.05 in their CIFAR-10 configuration, 1.0 as their model's constructor
    /// default. 0 turns the term off.</param>
    /// <param name="reduction">How to reduce the per-position losses.</param>
    /// <param name="weight"><inheritdoc cref="EvidentialLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="EvidentialLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <returns>The reduced loss.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> Per position, with α = e + 1, S = Σ_j α_j, p = α/S and α̃ = y + (1 − y)⊙α:
    /// L = Σ_j ψ₁(α_j)[(y_j − p_j)² + p_j(1 − p_j)/(S + 1)] − c·ln|I(α)| + regFactor·KL(Dir(α̃) ‖ Dir(1)), where
    /// ln|I(α)| = Σ_j ln ψ₁(α_j) + ln(1 − ψ₁(S) Σ_j 1/ψ₁(α_j)) is the log-determinant of the Dirichlet's Fisher information
    /// and the KL is <see cref="UniformDirichletKl"/>'s. The last logarithm's argument tends to (K − 1)/(2S) as S grows, so it
    /// is evaluated as ln ψ₁(S) + ln((K − 1)/2 + f(S) − Σ_j f(α_j)) with f(x) = 1/ψ₁(x) − x + ½ (an asymptotic series
    /// from x = 16 on), which has no cancellation: written out, 1 − ψ₁(S)Σ1/ψ₁(α_j) loses all Float32 digits near
    /// S ≈ 1e7. ψ₁ is an accurate trigamma, not libtorch's <c>polygamma(1, ·)</c>.</para>
    /// <para><b>Shape.</b> As <see cref="EvidentialLoss"/>.</para>
    /// <para><b>Implementation.</b> For contiguous Float32/Float64 CPU evidence and class-index or probability targets (probability targets since issue 18's third session, when they do not require a gradient), the fused kernel
    /// computes the loss and its analytic gradient in one double-precision pass (since issue 18,
    /// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/performance.md">performance.md</see>);
    /// other inputs compose TorchSharp operations. Both support gradients of every order (<see cref="EvidentialLoss"/>).</para>
    /// <para><b>Reference.</b> Deng, Chen, Yu, Liu and Heng, "Uncertainty Estimation by Fisher Information-based Evidential
    /// Deep Learning", ICML 2023, eq. 11 (danruod/IEDL, <c>FisherEvidentialN.compute_fisher_mse</c> and
    /// <c>compute_kl_loss</c>).</para>
    /// <para><b>Python.</b> The authors' code evaluates 1 − ψ₁(S)Σ1/ψ₁(α_j) as written (NaN in Float32 for large evidence),
    /// uses <c>torch.polygamma(1, ·)</c>, and adds 1e-8 inside every ln Γ and ψ of the KL; here the KL is the exact formula
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/iedl.md">iedl.md</see>).</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="EvidentialLoss"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="regFactor"/> or <paramref name="fisherCoefficient"/> is
    /// negative, NaN or infinite; or <paramref name="reduction"/> is not a defined value.</exception>
    public static Tensor FisherEvidentialLoss(Tensor evidence, Tensor target, double regFactor = 0.0, double fisherCoefficient = 0.005,
        nn.Reduction reduction = nn.Reduction.Mean, Tensor? weight = null, long ignoreIndex = -100) =>
        FisherEvidentialLossCore(evidence, target, regFactor, fisherCoefficient, reduction, weight, ignoreIndex, EvidenceActivation.None, 0.0);

    /// <summary>
    /// <see cref="FisherEvidentialLoss"/> on <see cref="ToEvidence"/>(<paramref name="logits"/>, <paramref name="activation"/>,
    /// <paramref name="clamp"/>), with the activation computed inside the loss (see <see cref="EvidentialLossWithLogits"/>).
    /// </summary>
    /// <param name="logits">Raw network outputs, (N, C) or (N, C, d1, …, dk), floating point.</param>
    /// <param name="target"><inheritdoc cref="FisherEvidentialLoss" path="/param[@name='target']"/></param>
    /// <param name="regFactor"><inheritdoc cref="FisherEvidentialLoss" path="/param[@name='regFactor']"/></param>
    /// <param name="fisherCoefficient"><inheritdoc cref="FisherEvidentialLoss" path="/param[@name='fisherCoefficient']"/></param>
    /// <param name="reduction"><inheritdoc cref="FisherEvidentialLoss" path="/param[@name='reduction']"/></param>
    /// <param name="weight"><inheritdoc cref="FisherEvidentialLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="FisherEvidentialLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <param name="activation">How the logits become evidence (default <see cref="EvidenceActivation.Softplus"/>, the paper's,
    /// as <see cref="FisherEvidentialLossModule"/>'s).</param>
    /// <param name="clamp"><inheritdoc cref="EvidentialLossWithLogits" path="/param[@name='clamp']"/></param>
    /// <returns>As <see cref="FisherEvidentialLoss"/>, with the logits' dtype and device.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> <see cref="FisherEvidentialLoss"/>(<see cref="ToEvidence"/>(logits, activation, clamp), …), to rounding.</para>
    /// <para><b>Shape.</b> logits: as <see cref="FisherEvidentialLoss"/>'s evidence; the rest as there.</para>
    /// <para><b>Reference.</b> As <see cref="FisherEvidentialLoss"/>; the activations and their trade-offs:
    /// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/activations.md">activations.md</see>.</para>
    /// <para><b>Python.</b> The authors' <c>FisherEvidentialN</c> applies softplus to the logits itself.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">As <see cref="EvidentialLossWithLogits"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="FisherEvidentialLoss"/>; or <paramref name="activation"/> is
    /// not a defined value, or <paramref name="clamp"/> is negative or NaN.</exception>
    public static Tensor FisherEvidentialLossWithLogits(Tensor logits, Tensor target, double regFactor = 0.0, double fisherCoefficient = 0.005,
        nn.Reduction reduction = nn.Reduction.Mean, Tensor? weight = null, long ignoreIndex = -100,
        EvidenceActivation activation = EvidenceActivation.Softplus, double clamp = 10.0)
    {
        CheckLogits(logits, activation, clamp);
        return AgainstLogits(activation, () => FisherEvidentialLossCore(logits, target, regFactor, fisherCoefficient, reduction, weight, ignoreIndex, activation, clamp));
    }

    /// <summary><see cref="FisherEvidentialLoss"/> on <paramref name="activation"/>(<paramref name="input"/>).</summary>
    internal static Tensor FisherEvidentialLossCore(Tensor input, Tensor target, double regFactor, double fisherCoefficient,
        nn.Reduction reduction, Tensor? weight, long ignoreIndex, EvidenceActivation activation, double clamp)
    {
        var kind = CheckLossArguments(input, target, reduction, weight, ignoreIndex);
        Check.RegFactor(regFactor, nameof(regFactor));
        Check.FisherCoefficient(fisherCoefficient, nameof(fisherCoefficient));
        if (FusedDirichlet.Applies(input, target, kind, weight, pNorm: 1))
            return FusedDirichlet.Run(input, target, weight, ignoreIndex, reduction, FusedLoss.Fisher(regFactor, fisherCoefficient).WithActivation(activation, clamp));
        return OnEvidence(input, activation, clamp, evidence =>
        {
            var values = Check.Values(evidence, nameof(evidence), target, kind, nameof(target), weight, ignoreIndex, MaxEvidence);
            return ClassificationLoss(evidence, target, kind, values, ignoreIndex, weight, reduction,
                (work, t) =>
                {
                    var y = Dirichlet.DenseTarget(work, t.Target, t.Kind);
                    var loss = FisherPerPosition(work, y, fisherCoefficient);
                    return regFactor > 0 ? loss + regFactor * KlPerPosition(work, y) : loss;
                });
        });
    }

    /// <summary>Σ_j ψ₁(α_j)[(y_j − p_j)² + p_j(1 − p_j)/(S + 1)] − c·ln|I(α)| per position.</summary>
    private static Tensor FisherPerPosition(Tensor evidence, Tensor y, double fisherCoefficient)
    {
        long classes = evidence.shape[1];
        var alpha = evidence + 1;
        var s = alpha.sum(1, keepdim: true);
        var r = Dirichlet.SumOfOthers(alpha, s);
        var trigamma = SpecialFunctions.Trigamma(alpha);
        var error = (y * r - (1 - y) * alpha) / s;                // y_j − p_j
        var variance = (alpha / s) * (r / s) / (s + 1);            // p_j (1 − p_j) / (S + 1)
        var loss = (trigamma * (error.square() + variance)).sum(1);
        if (fisherCoefficient == 0)
            return loss;

        var trigammaS = SpecialFunctions.Trigamma(s);
        var gap = (classes - 1) / 2.0 + SpecialFunctions.TrigammaReciprocalRemainder(s, trigammaS)
                  - SpecialFunctions.TrigammaReciprocalRemainder(alpha, trigamma).sum(1, keepdim: true);
        var logDet = trigamma.log().sum(1) + (trigammaS.log() + gap.log()).squeeze(1);
        return loss - fisherCoefficient * logDet;
    }
}
