using System;
using UncertaintyLoss.Internal;
using UncertaintyLoss.Internal.Fused;
using static TorchSharp.torch;

namespace UncertaintyLoss;

public static partial class UL
{
    /// <summary>
    /// The floor ε = 1e-5 of the evidence inside the logarithm of <see cref="CorrectEvidenceRegularizer"/> and
    /// <see cref="RedEvidentialLoss"/>: ln e_j is evaluated as ln max(e_j, ε), so zero evidence (a ReLU's output, or an
    /// ignored position, whose evidence is replaced by 0) gives a finite value and a zero gradient.
    /// </summary>
    /// <remarks>
    /// Above ε the regulariser is the paper's −ν ln e_y exactly. With exp evidence, ln e_y is the logit, so the floor acts
    /// only on logits below ln 1e-5 ≈ −11.5; the modules' default <see cref="ClampedExp"/> (clamp 10) gives evidence of at
    /// least e^−10 ≈ 4.5e-5 and never reaches it. The authors' MNIST demonstration adds the same 1e-5 to the evidence
    /// (ln(e + 1e-5)), which shifts every value; a floor leaves the formula exact where it is defined and bounds the
    /// gradient ν/e_y by 1e5.
    /// </remarks>
    public const double CorrectEvidenceFloor = 1e-5;

    /// <summary>
    /// RED's correct-evidence regulariser: −ν·ln e_y with the vacuity ν = K/S held constant, which pushes up the evidence of
    /// the true class even where the evidential loss has (almost) no gradient, in the zero-evidence region.
    /// </summary>
    /// <param name="evidence">Non-negative evidence g(logits); the paper uses exp (<see cref="ClampedExp"/>), for which
    /// ln e_y is the logit. α = evidence + 1.</param>
    /// <param name="target">Class indices (integer dtype) or class probabilities (floating dtype, the evidence's shape).</param>
    /// <param name="reduction">How to reduce the per-position losses.</param>
    /// <param name="weight"><inheritdoc cref="EvidentialLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="EvidentialLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <returns>The reduced regulariser, ≤ 0 where e_y ≥ 1 and ≥ 0 where e_y ≤ 1.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> Per position, R = −ν·Σ_j y_j ln max(e_j, ε) with ν = K/S, S = Σ_j (e_j + 1), K the class count and
    /// ε = <see cref="CorrectEvidenceFloor"/>; for a class index y, R = −ν ln max(e_y, ε). For probability targets the sum
    /// over classes is the expectation over the true class (linear in y, as in the authors' code, which multiplies the
    /// logits by the one-hot target).</para>
    /// <para><b>Detached vacuity.</b> ν is a constant of the graph (<c>detach()</c>, as the authors' <c>torch.no_grad()</c>):
    /// the gradient is ∂R/∂e_j = −ν·y_j/e_j (0 below ε), not the derivative of the value, which would add
    /// −(∂ν/∂e_j)·Σ_k y_k ln e_k = (K/S²)·Σ_k y_k ln e_k. Higher derivatives are those of −ν₀·Σ_j y_j ln max(e_j, ε) with
    /// ν₀ the value of ν at the input (the second derivative is ν₀·y_j/e_j² on the diagonal and nothing else).</para>
    /// <para><b>Shape.</b> As <see cref="EvidentialLoss"/>.</para>
    /// <para><b>Reference.</b> Pandey and Yu, "Learn to Accumulate Evidence from All Training Samples: Theory and Practice",
    /// ICML 2023 (the correct-evidence regularisation, vacuity-weighted).</para>
    /// <para><b>Python.</b> pandeydeep9/EvidentialResearch2023, <c>edl_log_loss</c> and its siblings in
    /// <c>MainMnistExperiment/losses.py</c> and <c>Cifar100Experiments/utilFiles/losses.py</c>: <c>loss -= sum(vacuity *
    /// output * target) / batch</c>, with <c>output</c> the logits and exp evidence, so ln e_y = output_y there; this
    /// function takes the evidence and applies the logarithm itself, with the floor ε
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/red.md">red.md</see>).</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="EvidentialLoss"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not a defined value.</exception>
    public static Tensor CorrectEvidenceRegularizer(Tensor evidence, Tensor target, nn.Reduction reduction = nn.Reduction.Mean,
        Tensor? weight = null, long ignoreIndex = -100) =>
        DenseTargetLoss(evidence, target, reduction, weight, ignoreIndex, CorrectEvidencePerPosition);

    /// <summary>
    /// RED (Pandey and Yu, ICML 2023): an evidential loss (by default the log-likelihood risk with the KL regulariser, as the
    /// authors' code) plus <paramref name="correctEvidenceWeight"/> times the vacuity-weighted correct-evidence regulariser
    /// −ν·ln e_y (<see cref="CorrectEvidenceRegularizer"/>), ν = K/S held constant.
    /// </summary>
    /// <param name="evidence">Non-negative evidence g(logits); the paper uses exp (<see cref="ClampedExp"/>). α = evidence + 1.</param>
    /// <param name="target">Class indices (integer dtype) or class probabilities (floating dtype, the evidence's shape).</param>
    /// <param name="regFactor">Weight of the KL term of <see cref="EvidentialLoss"/>; 0 (the default) turns it off. The
    /// authors anneal it as EDL, kl_strength·min(1, epoch/annealing_step).</param>
    /// <param name="correctEvidenceWeight">Weight of the correct-evidence regulariser (finite, ≥ 0): 1 (the default) as in the
    /// paper and the authors' code; 0 gives <see cref="EvidentialLoss"/>.</param>
    /// <param name="reduction">How to reduce the per-position losses.</param>
    /// <param name="weight"><inheritdoc cref="EvidentialLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="EvidentialLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <param name="risk">The data term of <see cref="EvidentialLoss"/>; default <see cref="EvidentialRisk.LogLikelihood"/>,
    /// the authors' default (<c>--unc_type log</c>) and the paper's main setting.</param>
    /// <returns>The reduced loss.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> Per position, L = risk + regFactor·KL(Dir(α̃) ‖ Dir(1)) − w·ν·Σ_j y_j ln max(e_j, ε), with the
    /// risk and the KL of <see cref="EvidentialLoss"/>, w = <paramref name="correctEvidenceWeight"/>, ν = K/S detached and
    /// ε = <see cref="CorrectEvidenceFloor"/>. The gradient treats ν as a constant (see
    /// <see cref="CorrectEvidenceRegularizer"/>), so it is not the derivative of the value.</para>
    /// <para><b>Shape.</b> As <see cref="EvidentialLoss"/>.</para>
    /// <para><b>Reference.</b> Pandey and Yu, "Learn to Accumulate Evidence from All Training Samples: Theory and Practice",
    /// ICML 2023.</para>
    /// <para><b>Implementation.</b> For contiguous Float32/Float64 CPU evidence and class-index or probability targets (probability targets since issue 18's third session, when they do not require a gradient), the fused kernel of
    /// <see cref="EvidentialLoss"/> computes the loss and its analytic gradient in one double-precision pass (since issue 18's
    /// second session; the correct-evidence term adds one logarithm per position), other inputs compose TorchSharp operations; a backward with <c>create_graph</c> through the fused
    /// kernel recomputes the gradient through the composed operations
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/performance.md">performance.md</see>).</para>
    /// <para><b>Python.</b> pandeydeep9/EvidentialResearch2023 (<c>edl_log_loss</c>, <c>edl_digamma_loss</c>,
    /// <c>edl_mse_loss</c> with <c>--use_vac_reg True</c>, <c>--unc_act exp</c>): the same sum per position, averaged over
    /// the batch. Their KL is computed in float32 with ln Γ(K) from a float32 tensor; here everything is in the evidence's
    /// precision, and ln e_y is floored at ε instead of being the raw logit
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/red.md">red.md</see>).</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="EvidentialLoss"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="regFactor"/> or <paramref name="correctEvidenceWeight"/>
    /// is negative, NaN or infinite, or <paramref name="reduction"/> or <paramref name="risk"/> is not a defined value.</exception>
    public static Tensor RedEvidentialLoss(Tensor evidence, Tensor target, double regFactor = 0.0, double correctEvidenceWeight = 1.0,
        nn.Reduction reduction = nn.Reduction.Mean, Tensor? weight = null, long ignoreIndex = -100,
        EvidentialRisk risk = EvidentialRisk.LogLikelihood) =>
        RedEvidentialLossCore(evidence, target, regFactor, correctEvidenceWeight, reduction, weight, ignoreIndex, risk, EvidenceActivation.None, 0.0);

    /// <summary><see cref="RedEvidentialLoss"/> on <paramref name="activation"/>(<paramref name="input"/>) (the input itself for
    /// <see cref="EvidenceActivation.None"/>); problems with the evidence are reported against "evidence". The fused CPU pass
    /// serves it where it applies (since issue 18's second session), else the composed operations.</summary>
    internal static Tensor RedEvidentialLossCore(Tensor input, Tensor target, double regFactor, double correctEvidenceWeight,
        nn.Reduction reduction, Tensor? weight, long ignoreIndex, EvidentialRisk risk, EvidenceActivation activation, double clamp)
    {
        var kind = CheckLossArguments(input, target, reduction, weight, ignoreIndex);
        Check.RegFactor(regFactor, nameof(regFactor));
        Check.FiniteNonNegative(correctEvidenceWeight, nameof(correctEvidenceWeight), "the weight of the correct-evidence regulariser");
        Check.Defined(risk, nameof(risk));
        if (FusedDirichlet.Applies(input, target, kind, weight, pNorm: 1))
        {
            return FusedDirichlet.Run(input, target, weight, ignoreIndex, reduction,
                FusedLoss.Red(regFactor, correctEvidenceWeight, risk).WithActivation(activation, clamp));
        }

        return OnEvidence(input, activation, clamp, evidence =>
        {
            var values = Check.Values(evidence, nameof(evidence), target, kind, nameof(target), weight, ignoreIndex, MaxEvidence);
            return ClassificationLoss(evidence, target, kind, values, ignoreIndex, weight, reduction,
                (work, t) =>
                {
                    var y = Dirichlet.DenseTarget(work, t.Target, t.Kind);
                    var loss = RiskPerPosition(work, y, risk);
                    if (regFactor > 0)
                        loss = loss + regFactor * KlPerPosition(work, y);
                    return correctEvidenceWeight > 0 ? loss + correctEvidenceWeight * CorrectEvidencePerPosition(work, y) : loss;
                });
        });
    }

    /// <summary>−ν·Σ_j y_j ln max(e_j, ε), ν = K/S detached.</summary>
    private static Tensor CorrectEvidencePerPosition(Tensor evidence, Tensor y)
    {
        long classes = evidence.shape[1];
        var vacuity = (classes / (evidence + 1).sum(1)).detach();
        var logEvidence = evidence.clamp_min(CorrectEvidenceFloor).log();
        return -vacuity * (y * logEvidence).sum(1);
    }
}
