using System;
using TorchSharp;
using UncertaintyLoss.Internal;
using UncertaintyLoss.Internal.Fused;
using static TorchSharp.torch;

namespace UncertaintyLoss;

/// <summary>
/// Uncertainty-aware classification losses on Dirichlet evidence, drop-in replacements for
/// <c>torch.nn.functional.cross_entropy</c>, and the uncertainty measures that go with them.
/// </summary>
public static partial class UL
{
    /// <summary>
    /// Evidential deep-learning loss: a Dirichlet risk (by default the expected squared error) plus
    /// <paramref name="regFactor"/> times the KL divergence of the misleading evidence from the uniform Dirichlet.
    /// </summary>
    /// <param name="evidence">Non-negative evidence g(logits), for example <see cref="ClampedExp"/>(logits); α = evidence + 1.</param>
    /// <param name="target">Class indices (integer dtype) or class probabilities (floating dtype, the evidence's shape).</param>
    /// <param name="regFactor">Weight λ of the KL term; 0 (the default) turns it off. Anneal it from 0 to 1 during training (EDL uses λ_t = min(1, t/10)).</param>
    /// <param name="reduction">How to reduce the per-position losses.</param>
    /// <param name="weight">Optional per-class weights of shape (C), as <c>cross_entropy</c>'s: each position's loss is
    /// multiplied by weight[target], and <see cref="nn.Reduction.Mean"/> divides by the sum of those weights. Class-index
    /// targets only.</param>
    /// <param name="ignoreIndex">A class-index target value whose positions contribute nothing and are left out of the
    /// mean, as <c>cross_entropy</c>'s <c>ignore_index</c> (default −100). If every position is ignored, the mean is 0 (not NaN).</param>
    /// <param name="risk">The data term: <see cref="EvidentialRisk.SquaredError"/> (the default, eq. 5),
    /// <see cref="EvidentialRisk.LogLikelihood"/> (eq. 3) or <see cref="EvidentialRisk.CrossEntropy"/> (eq. 4).</param>
    /// <returns>L = risk + λ·<see cref="UniformDirichletKl"/>, reduced; the risk is <see cref="DirichletMseLoss"/>,
    /// <see cref="DirichletLogLoss"/> or <see cref="DirichletCrossEntropyLoss"/>.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> Per position, L = risk + λ·KL(Dir(α̃) ‖ Dir(1)) with α = evidence + 1, p = α/S,
    /// S = Σ_j α_j and α̃ = y + (1 − y)⊙α; the risk is Σ_j (y_j − p_j)² + p_j(1 − p_j)/(S + 1) (squared error),
    /// Σ_j y_j (ln S − ln α_j) (log-likelihood) or Σ_j y_j (ψ(S) − ψ(α_j)) (cross-entropy).</para>
    /// <para><b>Shape.</b> evidence: (N, C) or (N, C, d1, …, dk); target: (N) or (N, d1, …, dk) of class indices in
    /// [0, C), or the evidence's shape for probabilities; output: (N, d1, …, dk) for <see cref="nn.Reduction.None"/>,
    /// a scalar for <see cref="nn.Reduction.Mean"/> and <see cref="nn.Reduction.Sum"/> (over all N·d1⋯dk positions, or
    /// weighted and without ignored positions as <c>cross_entropy</c>); weight: (C). The result has the evidence's dtype
    /// and device.</para>
    /// <para><b>Reference.</b> Sensoy, Kaplan and Kandemir, "Evidential Deep Learning to Quantify Classification
    /// Uncertainty", NeurIPS 2018, eqs. 3–5 and the KL regulariser of section 4.</para>
    /// <para><b>Implementation.</b> For contiguous Float32/Float64 CPU evidence and class-index or probability targets (probability targets since issue 18's third session, when they do not require a gradient), a fused kernel
    /// computes the loss and its analytic gradient in one double-precision pass, for each of the three risks
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/performance.md">performance.md</see>);
    /// other inputs compose
    /// TorchSharp operations. Both paths support gradients of every order: a backward with <c>create_graph</c> through the
    /// fused kernel recomputes the gradient through the composed operations. <see cref="KernelScope"/> and
    /// <see cref="UseFusedKernels"/> choose the path.</para>
    /// <para><b>Python.</b> <c>uncertainty_loss.evidential_loss(evidence, target, reg_factor, reduction)</c> (squared error). Unlike it,
    /// <see cref="nn.Reduction.None"/> and <see cref="nn.Reduction.Sum"/> work with regFactor &gt; 0
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/python-differences.md">python-differences.md</see>).
    /// torch-uncertainty's <c>DECLoss(loss_type="mse" | "log" | "digamma")</c> are the three risks
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/evidential.md">evidential.md</see>).</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">The evidence is not floating point, has rank below 2, fewer than 2 classes, a +∞ or a
    /// negative value, or a value above <see cref="MaxEvidence"/> (checked before any computation); the target's shape, dtype or device does not match; a class index is outside [0, C) and not
    /// <paramref name="ignoreIndex"/>; a probability is outside [0, 1]; <paramref name="weight"/> is not a finite,
    /// non-negative floating tensor of shape (C) on the evidence's device, or is given with probability targets;
    /// <paramref name="ignoreIndex"/> is not the default with probability targets. The value checks (evidence range, class
    /// indices, probabilities, weights) are skipped on the composed path while <see cref="ValidateValues"/> is off.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="regFactor"/> is negative, NaN or infinite, or
    /// <paramref name="reduction"/> or <paramref name="risk"/> is not a defined value.</exception>
    public static Tensor EvidentialLoss(Tensor evidence, Tensor target, double regFactor = 0.0, nn.Reduction reduction = nn.Reduction.Mean,
        Tensor? weight = null, long ignoreIndex = -100, EvidentialRisk risk = EvidentialRisk.SquaredError) =>
        EvidentialLossCore(evidence, target, regFactor, reduction, weight, ignoreIndex, risk, EvidenceActivation.None, 0.0);

    /// <summary>
    /// <see cref="EvidentialLoss"/> on <see cref="ToEvidence"/>(<paramref name="logits"/>, <paramref name="activation"/>,
    /// <paramref name="clamp"/>), with the activation computed inside the loss: on the fused path, one read of the logits and
    /// one write of their gradient, and no evidence tensor.
    /// </summary>
    /// <param name="logits">Raw network outputs, (N, C) or (N, C, d1, …, dk), floating point.</param>
    /// <param name="target"><inheritdoc cref="EvidentialLoss" path="/param[@name='target']"/></param>
    /// <param name="regFactor"><inheritdoc cref="EvidentialLoss" path="/param[@name='regFactor']"/></param>
    /// <param name="reduction"><inheritdoc cref="EvidentialLoss" path="/param[@name='reduction']"/></param>
    /// <param name="weight"><inheritdoc cref="EvidentialLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="EvidentialLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <param name="risk"><inheritdoc cref="EvidentialLoss" path="/param[@name='risk']"/></param>
    /// <param name="activation">How the logits become evidence (default <see cref="EvidenceActivation.Exp"/>, the papers' choice).</param>
    /// <param name="clamp">The bound of <see cref="EvidenceActivation.Exp"/> (default 10, as <see cref="ClampedExp"/>); ignored by the others.</param>
    /// <returns>As <see cref="EvidentialLoss"/>, with the logits' dtype and device.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> <see cref="EvidentialLoss"/>(<see cref="ToEvidence"/>(logits, activation, clamp), …): the same value
    /// and gradient as the two calls, to rounding (in Float32 the two-step form rounds the evidence to Float32; the fused path
    /// does too for Exp with a clamp of at most 10, computing it in float lanes, and otherwise computes the activation in
    /// double precision).</para>
    /// <para><b>Shape.</b> logits: as <see cref="EvidentialLoss"/>'s evidence; the rest as there.</para>
    /// <para><b>Reference.</b> As <see cref="EvidentialLoss"/>; the activations and their trade-offs:
    /// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/activations.md">activations.md</see>.</para>
    /// <para><b>Python.</b> <c>uncertainty_loss.evidential_loss(clamped_exp(logits), target, …)</c>; in PyTorch's naming, the
    /// <c>binary_cross_entropy_with_logits</c> form of the loss
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/performance.md">performance.md</see>).</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">As <see cref="EvidentialLoss"/>, against <paramref name="logits"/>: they are not
    /// floating point or have the wrong shape, or give evidence out of range under the activation (+∞ or above
    /// <see cref="MaxEvidence"/>; a negative value with <see cref="EvidenceActivation.None"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="EvidentialLoss"/>; or <paramref name="activation"/> is not a
    /// defined value, or <paramref name="clamp"/> is negative or NaN.</exception>
    public static Tensor EvidentialLossWithLogits(Tensor logits, Tensor target, double regFactor = 0.0, nn.Reduction reduction = nn.Reduction.Mean,
        Tensor? weight = null, long ignoreIndex = -100, EvidentialRisk risk = EvidentialRisk.SquaredError,
        EvidenceActivation activation = EvidenceActivation.Exp, double clamp = 10.0)
    {
        CheckLogits(logits, activation, clamp);
        return AgainstLogits(activation, () => EvidentialLossCore(logits, target, regFactor, reduction, weight, ignoreIndex, risk, activation, clamp));
    }

    /// <summary><see cref="EvidentialLoss"/> on <paramref name="activation"/>(<paramref name="input"/>) (the input itself for
    /// <see cref="EvidenceActivation.None"/>); problems with the evidence are reported against "evidence".</summary>
    internal static Tensor EvidentialLossCore(Tensor input, Tensor target, double regFactor, nn.Reduction reduction,
        Tensor? weight, long ignoreIndex, EvidentialRisk risk, EvidenceActivation activation, double clamp)
    {
        var kind = CheckLossArguments(input, target, reduction, weight, ignoreIndex);
        Check.RegFactor(regFactor, nameof(regFactor));
        Check.Defined(risk, nameof(risk));
        if (FusedDirichlet.Applies(input, target, kind, weight, pNorm: 1))
            return FusedDirichlet.Run(input, target, weight, ignoreIndex, reduction, FusedLoss.Evidential(regFactor, risk).WithActivation(activation, clamp));
        return OnEvidence(input, activation, clamp, evidence =>
        {
            var values = Check.Values(evidence, nameof(evidence), target, kind, nameof(target), weight, ignoreIndex, MaxEvidence);
            return ClassificationLoss(evidence, target, kind, values, ignoreIndex, weight, reduction,
                (work, t) =>
                {
                    var y = Dirichlet.DenseTarget(work, t.Target, t.Kind);
                    var loss = RiskPerPosition(work, y, risk);
                    return regFactor > 0 ? loss + regFactor * KlPerPosition(work, y) : loss;
                });
        });
    }

    /// <summary>
    /// Negative log marginal likelihood of the target under the Dirichlet-multinomial with α = evidence + 1: the
    /// log-likelihood risk of evidential deep learning (Type-II maximum likelihood).
    /// </summary>
    /// <param name="evidence">Non-negative evidence; α = evidence + 1.</param>
    /// <param name="target">Class indices (integer dtype) or class probabilities (floating dtype, the evidence's shape).</param>
    /// <param name="reduction">How to reduce the per-position losses.</param>
    /// <param name="weight"><inheritdoc cref="EvidentialLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="EvidentialLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <returns>The reduced loss; for a class index c it is ln(S/α_c) ≥ 0.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> Σ_j y_j (ln S − ln α_j), S = Σ_j α_j, evaluated as Σ_j y_j ln(1 + R_j/α_j) with
    /// R_j = Σ_{k≠j} α_k, which stays accurate when one class holds almost all the evidence.</para>
    /// <para><b>Shape.</b> As <see cref="EvidentialLoss"/>.</para>
    /// <para><b>Reference.</b> Sensoy, Kaplan and Kandemir, NeurIPS 2018, eq. 3.</para>
    /// <para><b>Python.</b> torch-uncertainty <c>DECLoss(loss_type="log")</c> without its regulariser (it applies a ReLU
    /// to the evidence first; here the evidence must already be non-negative).</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="EvidentialLoss"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not a defined value.</exception>
    public static Tensor DirichletLogLoss(Tensor evidence, Tensor target, nn.Reduction reduction = nn.Reduction.Mean,
        Tensor? weight = null, long ignoreIndex = -100) =>
        DenseTargetLoss(evidence, target, reduction, weight, ignoreIndex, LogPerPosition);

    /// <summary>
    /// Expected cross-entropy between the target and a class-probability vector drawn from Dir(evidence + 1): the
    /// Bayes-risk (digamma) form of evidential deep learning.
    /// </summary>
    /// <param name="evidence">Non-negative evidence; α = evidence + 1.</param>
    /// <param name="target">Class indices (integer dtype) or class probabilities (floating dtype, the evidence's shape).</param>
    /// <param name="reduction">How to reduce the per-position losses.</param>
    /// <param name="weight"><inheritdoc cref="EvidentialLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="EvidentialLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <returns>The reduced loss; for a class index c it is ψ(S) − ψ(α_c) ≥ 0.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> E_{p∼Dir(α)}[−Σ_j y_j ln p_j] = Σ_j y_j (ψ(S) − ψ(α_j)), S = Σ_j α_j.</para>
    /// <para><b>Shape.</b> As <see cref="EvidentialLoss"/>.</para>
    /// <para><b>Reference.</b> Sensoy, Kaplan and Kandemir, NeurIPS 2018, eq. 4.</para>
    /// <para><b>Python.</b> torch-uncertainty <c>DECLoss(loss_type="digamma")</c> without its regulariser (it applies a
    /// ReLU to the evidence first; here the evidence must already be non-negative).</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="EvidentialLoss"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not a defined value.</exception>
    public static Tensor DirichletCrossEntropyLoss(Tensor evidence, Tensor target, nn.Reduction reduction = nn.Reduction.Mean,
        Tensor? weight = null, long ignoreIndex = -100) =>
        DenseTargetLoss(evidence, target, reduction, weight, ignoreIndex, DigammaPerPosition);

    /// <summary>
    /// Expected squared error between the target and a class-probability vector drawn from Dir(evidence + 1).
    /// </summary>
    /// <param name="evidence">Non-negative evidence; α = evidence + 1.</param>
    /// <param name="target">Class indices (integer dtype) or class probabilities (floating dtype, the evidence's shape).</param>
    /// <param name="reduction">How to reduce the per-position losses.</param>
    /// <param name="weight"><inheritdoc cref="EvidentialLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="EvidentialLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <returns>The reduced Dirichlet mean-squared error.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> E_{p∼Dir(α)} ‖y − p‖² = Σ_j (y_j − p̂_j)² + p̂_j(1 − p̂_j)/(S + 1), p̂ = α/S, S = Σ_j α_j.
    /// It is evaluated as (y_j·R_j − (1 − y_j)·α_j)/S and α_j·R_j/(S²(S + 1)) with R_j = Σ_{k≠j} α_k, which keeps
    /// Float32 accurate when one class holds almost all the evidence.</para>
    /// <para><b>Shape.</b> As <see cref="EvidentialLoss"/>.</para>
    /// <para><b>Reference.</b> Sensoy, Kaplan and Kandemir, NeurIPS 2018, eq. 5.</para>
    /// <para><b>Python.</b> <c>uncertainty_loss.dirichlet_mse_loss</c>; identical values.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="EvidentialLoss"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not a defined value.</exception>
    public static Tensor DirichletMseLoss(Tensor evidence, Tensor target, nn.Reduction reduction = nn.Reduction.Mean,
        Tensor? weight = null, long ignoreIndex = -100) =>
        DenseTargetLoss(evidence, target, reduction, weight, ignoreIndex, MsePerPosition);

    /// <summary>
    /// KL divergence from the uniform Dirichlet Dir(1, …, 1) of the Dirichlet whose true-class evidence has
    /// been removed: it penalises evidence for the wrong classes only.
    /// </summary>
    /// <param name="evidence">Non-negative evidence; α = evidence + 1.</param>
    /// <param name="target">Class indices (integer dtype) or class probabilities (floating dtype, the evidence's shape).</param>
    /// <param name="reduction">How to reduce the per-position values.</param>
    /// <param name="weight"><inheritdoc cref="EvidentialLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="EvidentialLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <returns>The reduced KL divergence; 0 where no evidence sits on a wrong class.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> With α̃ = y + (1 − y)⊙α and S̃ = Σ_j α̃_j:
    /// KL = ln Γ(S̃) − ln Γ(K) − Σ_j ln Γ(α̃_j) + Σ_j (α̃_j − 1)(ψ(α̃_j) − ψ(S̃)).</para>
    /// <para><b>Shape.</b> As <see cref="EvidentialLoss"/>.</para>
    /// <para><b>Reference.</b> Sensoy, Kaplan and Kandemir, NeurIPS 2018, section 4.</para>
    /// <para><b>Python.</b> <c>uncertainty_loss.uniform_dirichlet_kl</c>. The Python function broadcasts (N, 1) against
    /// (N), returning an N×N matrix for reduction "none" and N times the true value for "sum"; here "none" returns
    /// (N, d1, …, dk) and "sum" the sum
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/python-differences.md">python-differences.md</see>).
    /// Its "mean" agrees.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="EvidentialLoss"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not a defined value.</exception>
    public static Tensor UniformDirichletKl(Tensor evidence, Tensor target, nn.Reduction reduction = nn.Reduction.Mean,
        Tensor? weight = null, long ignoreIndex = -100) =>
        DenseTargetLoss(evidence, target, reduction, weight, ignoreIndex, KlPerPosition);

    /// <summary>
    /// The shared body of the classification losses, inside the public call's dispose scope: compute dtype, target
    /// (ignored positions replaced and their evidence zeroed), per-position loss, weighted reduction, output dtype.
    /// </summary>
    private static Tensor ClassificationLoss(Tensor evidence, Tensor target, TargetKind kind, ValueSummary values, long ignoreIndex,
        Tensor? weight, nn.Reduction reduction, Func<Tensor, ClassTarget, Tensor> perPosition)
    {
        using var scope = NewDisposeScope();
        var work = Dirichlet.ToCompute(evidence);
        var t = ClassTarget.Create(work, target, kind, values.AnyIgnored, ignoreIndex, weight);
        var loss = perPosition(t.Evidence(work), t);
        return Dirichlet.ToOutput(t.Reduce(loss, reduction), evidence).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A loss that is one per-position function of the evidence and the dense target (probabilities, one-hot for class
    /// indices): argument and value checks, then <see cref="ClassificationLoss"/>.
    /// </summary>
    private static Tensor DenseTargetLoss(Tensor evidence, Tensor target, nn.Reduction reduction, Tensor? weight, long ignoreIndex,
        Func<Tensor, Tensor, Tensor> perPosition)
    {
        var kind = CheckLossArguments(evidence, target, reduction, weight, ignoreIndex);
        var values = Check.Values(evidence, nameof(evidence), target, kind, nameof(target), weight, ignoreIndex, MaxEvidence);

        return ClassificationLoss(evidence, target, kind, values, ignoreIndex, weight, reduction,
            (work, t) => perPosition(work, Dirichlet.DenseTarget(work, t.Target, t.Kind)));
    }

    /// <summary>Shape, dtype, device and option checks shared by the classification losses.</summary>
    private static TargetKind CheckLossArguments(Tensor evidence, Tensor target, nn.Reduction reduction, Tensor? weight, long ignoreIndex)
    {
        Check.Evidence(evidence, nameof(evidence));
        var kind = Check.Target(evidence, target, nameof(target));
        Check.Reduction(reduction, nameof(reduction));
        Check.WeightAndIgnoreIndex(evidence, kind, weight, ignoreIndex);
        return kind;
    }

    private static Tensor RiskPerPosition(Tensor evidence, Tensor y, EvidentialRisk risk) => risk switch
    {
        EvidentialRisk.LogLikelihood => LogPerPosition(evidence, y),
        EvidentialRisk.CrossEntropy => DigammaPerPosition(evidence, y),
        _ => MsePerPosition(evidence, y),
    };

    private static Tensor LogPerPosition(Tensor evidence, Tensor y)
    {
        var alpha = evidence + 1;
        var r = Dirichlet.SumOfOthers(alpha, alpha.sum(1, keepdim: true));
        return (y * (r / alpha).log1p()).sum(1);                  // ln S − ln α_j = ln(1 + R_j/α_j)
    }

    private static Tensor DigammaPerPosition(Tensor evidence, Tensor y)
    {
        var alpha = evidence + 1;
        var s = alpha.sum(1, keepdim: true);
        return (y * (s.digamma() - alpha.digamma())).sum(1);
    }

    private static Tensor MsePerPosition(Tensor evidence, Tensor y)
    {
        var alpha = evidence + 1;
        var s = alpha.sum(1, keepdim: true);
        var r = Dirichlet.SumOfOthers(alpha, s);
        var error = (y * r - (1 - y) * alpha) / s;                // y_j − p_j
        var variance = (alpha / s) * (r / s) / (s + 1);            // p_j (1 − p_j) / (S + 1), no S³ to overflow Float32
        return (error.square() + variance).sum(1);
    }

    private static Tensor KlPerPosition(Tensor evidence, Tensor y)
    {
        long classes = evidence.shape[1];
        var misleading = (1 - y) * evidence;                          // α̃ − 1, exact for one-hot y
        var alphaTilde = misleading + 1;                              // y + (1 − y)α
        var sTilde = alphaTilde.sum(1, keepdim: true);
        var lnGammaK = full(1, classes, evidence.dtype, evidence.device).lgamma();
        var digammaTerm = (misleading * (alphaTilde.digamma() - sTilde.digamma())).sum(1);
        return sTilde.squeeze(1).lgamma() - lnGammaK - alphaTilde.lgamma().sum(1) + digammaTerm;
    }
}
