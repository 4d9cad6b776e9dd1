using System;
using TorchSharp;
using UncertaintyLoss.Internal;
using UncertaintyLoss.Internal.Fused;
using static TorchSharp.torch;

namespace UncertaintyLoss;

public static partial class UL
{
    /// <summary>
    /// Information-aware max-norm loss: a bound on the expected max-norm of the prediction error
    /// (<see cref="DirichletPNormLoss"/>) plus <paramref name="regFactor"/> times the Fisher-information
    /// regulariser on the wrong classes (<see cref="DirichletFisherRegularizer"/>).
    /// </summary>
    /// <param name="evidence">Non-negative evidence g(logits); α = evidence + 1.</param>
    /// <param name="target">Class indices (integer dtype) or class probabilities (floating dtype, the evidence's shape).</param>
    /// <param name="regFactor">Weight λ of the Fisher regulariser; 0 (the default) turns it off.</param>
    /// <param name="pNorm">The p of the p-norm that approximates the max-norm (default 4, as the paper and the Python package).</param>
    /// <param name="reduction">How to reduce the per-position losses.</param>
    /// <param name="weight"><inheritdoc cref="EvidentialLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="EvidentialLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <param name="fisherAlphaSum">Which Dirichlet strength the regulariser uses: <see cref="FisherAlphaSum.All"/> (the
    /// Python package, default) or <see cref="FisherAlphaSum.ExcludingTrueClass"/> (the paper).</param>
    /// <returns>L = F_p + λ·R, reduced.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> See <see cref="DirichletPNormLoss"/> and <see cref="DirichletFisherRegularizer"/>.
    /// For a probability target the loss is the expectation over the true class, Σ_c y_c L(α, c), which equals the
    /// index-target loss for one-hot targets (as <c>cross_entropy</c> with probabilities is the expected
    /// one-hot cross-entropy). L(α, c) for every class c comes from one pass over the evidence (sums over all classes
    /// minus the true class's term), so probability targets cost O(N·C·p) operations for any C, as index targets do on
    /// the composed path
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/maxnorm.md">maxnorm.md</see>).</para>
    /// <para><b>Shape.</b> evidence: (N, C) or (N, C, d1, …, dk); target: (N) or (N, d1, …, dk) of class indices in
    /// [0, C), or the evidence's shape for probabilities; output: (N, d1, …, dk) for <see cref="nn.Reduction.None"/>,
    /// a scalar for <see cref="nn.Reduction.Mean"/> and <see cref="nn.Reduction.Sum"/>. The result has the evidence's
    /// dtype and device.</para>
    /// <para><b>Reference.</b> Tsiligkaridis, "Information Aware Max-Norm Dirichlet Networks for Predictive Uncertainty
    /// Estimation", Neural Networks 135 (2021), arXiv:1910.04819.</para>
    /// <para><b>Implementation.</b> For contiguous Float32/Float64 CPU evidence with class-index or probability targets (probability targets since issue 18's third session, when they do not require a gradient: every class's loss in one pass), a fused kernel
    /// computes the loss and its analytic gradient in one double-precision pass
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/performance.md">performance.md</see>);
    /// other inputs compose
    /// TorchSharp operations. Both paths support gradients of every order: a backward with <c>create_graph</c> through the
    /// fused kernel recomputes the gradient through the composed operations. <see cref="KernelScope"/> and
    /// <see cref="UseFusedKernels"/> choose the path.</para>
    /// <para><b>Python.</b> <c>uncertainty_loss.maxnorm_loss(evidence, target, reg_factor, p_norm, reduction)</c>. The
    /// Python package marks the true class with <c>target &gt; 0</c>, which is wrong for probability targets; see
    /// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/python-differences.md">python-differences.md</see>.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="EvidentialLoss"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="regFactor"/> is negative, NaN or infinite;
    /// <paramref name="pNorm"/> is below 1; <paramref name="reduction"/> or <paramref name="fisherAlphaSum"/> is not a
    /// defined value.</exception>
    public static Tensor MaxNormLoss(Tensor evidence, Tensor target, double regFactor = 0.0, int pNorm = 4,
        nn.Reduction reduction = nn.Reduction.Mean, Tensor? weight = null, long ignoreIndex = -100,
        FisherAlphaSum fisherAlphaSum = FisherAlphaSum.All) =>
        MaxNormLossCore(evidence, target, regFactor, pNorm, reduction, weight, ignoreIndex, fisherAlphaSum, EvidenceActivation.None, 0.0);

    /// <summary>
    /// <see cref="MaxNormLoss"/> on <see cref="ToEvidence"/>(<paramref name="logits"/>, <paramref name="activation"/>,
    /// <paramref name="clamp"/>), with the activation computed inside the loss (see <see cref="EvidentialLossWithLogits"/>).
    /// </summary>
    /// <param name="logits">Raw network outputs, (N, C) or (N, C, d1, …, dk), floating point.</param>
    /// <param name="target"><inheritdoc cref="MaxNormLoss" path="/param[@name='target']"/></param>
    /// <param name="regFactor"><inheritdoc cref="MaxNormLoss" path="/param[@name='regFactor']"/></param>
    /// <param name="pNorm"><inheritdoc cref="MaxNormLoss" path="/param[@name='pNorm']"/></param>
    /// <param name="reduction"><inheritdoc cref="MaxNormLoss" path="/param[@name='reduction']"/></param>
    /// <param name="weight"><inheritdoc cref="MaxNormLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="MaxNormLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <param name="fisherAlphaSum"><inheritdoc cref="MaxNormLoss" path="/param[@name='fisherAlphaSum']"/></param>
    /// <param name="activation"><inheritdoc cref="EvidentialLossWithLogits" path="/param[@name='activation']"/></param>
    /// <param name="clamp"><inheritdoc cref="EvidentialLossWithLogits" path="/param[@name='clamp']"/></param>
    /// <returns>As <see cref="MaxNormLoss"/>, with the logits' dtype and device.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> <see cref="MaxNormLoss"/>(<see cref="ToEvidence"/>(logits, activation, clamp), …), to rounding.</para>
    /// <para><b>Shape.</b> logits: as <see cref="MaxNormLoss"/>'s evidence; the rest as there.</para>
    /// <para><b>Reference.</b> As <see cref="MaxNormLoss"/>; the activations and their trade-offs:
    /// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/activations.md">activations.md</see>.</para>
    /// <para><b>Python.</b> <c>uncertainty_loss.maxnorm_loss(clamped_exp(logits), target, …)</c>.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">As <see cref="EvidentialLossWithLogits"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="MaxNormLoss"/>; or <paramref name="activation"/> is not a
    /// defined value, or <paramref name="clamp"/> is negative or NaN.</exception>
    public static Tensor MaxNormLossWithLogits(Tensor logits, Tensor target, double regFactor = 0.0, int pNorm = 4,
        nn.Reduction reduction = nn.Reduction.Mean, Tensor? weight = null, long ignoreIndex = -100,
        FisherAlphaSum fisherAlphaSum = FisherAlphaSum.All, EvidenceActivation activation = EvidenceActivation.Exp, double clamp = 10.0)
    {
        CheckLogits(logits, activation, clamp);
        return AgainstLogits(activation, () => MaxNormLossCore(logits, target, regFactor, pNorm, reduction, weight, ignoreIndex, fisherAlphaSum, activation, clamp));
    }

    /// <summary><see cref="MaxNormLoss"/> on <paramref name="activation"/>(<paramref name="input"/>).</summary>
    internal static Tensor MaxNormLossCore(Tensor input, Tensor target, double regFactor, int pNorm, nn.Reduction reduction,
        Tensor? weight, long ignoreIndex, FisherAlphaSum fisherAlphaSum, EvidenceActivation activation, double clamp)
    {
        var kind = CheckLossArguments(input, target, reduction, weight, ignoreIndex);
        Check.RegFactor(regFactor, nameof(regFactor));
        Check.PNorm(pNorm, nameof(pNorm));
        Check.Defined(fisherAlphaSum, nameof(fisherAlphaSum));
        if (FusedDirichlet.Applies(input, target, kind, weight, pNorm))
            return FusedDirichlet.Run(input, target, weight, ignoreIndex, reduction, FusedLoss.MaxNorm(regFactor, pNorm, fisherAlphaSum).WithActivation(activation, clamp));
        return OnEvidence(input, activation, clamp, evidence =>
        {
            var values = Check.Values(evidence, nameof(evidence), target, kind, nameof(target), weight, ignoreIndex, MaxEvidence);
            return ClassificationLoss(evidence, target, kind, values, ignoreIndex, weight, reduction,
                (work, t) =>
                {
                    var loss = PerTrueClass(work, t, mask => PNormForMask(work, mask, pNorm), () => PNormPerClass(work, pNorm));
                    return regFactor > 0
                        ? loss + regFactor * PerTrueClass(work, t, mask => FisherForMask(work, mask, fisherAlphaSum), () => FisherPerClass(work, fisherAlphaSum))
                        : loss;
                });
        });
    }

    /// <summary>
    /// Dirichlet p-norm loss: the p-th root of E_{p∼Dir(α)} ‖y − p‖_p^p for a one-hot y, an upper bound on the
    /// expected max-norm of the prediction error.
    /// </summary>
    /// <param name="evidence">Non-negative evidence; α = evidence + 1.</param>
    /// <param name="target">Class indices (integer dtype) or class probabilities (floating dtype, the evidence's shape).</param>
    /// <param name="pNorm">The p of the p-norm (default 4).</param>
    /// <param name="reduction">How to reduce the per-position losses.</param>
    /// <param name="weight"><inheritdoc cref="EvidentialLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="EvidentialLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <returns>The reduced p-norm loss.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> For true class c, with S = Σ_j α_j and Ŝ = Σ_{j≠c} α_j:
    /// F = [ Γ(S)/Γ(S+p) · ( Γ(Ŝ+p)/Γ(Ŝ) + Σ_{j≠c} Γ(α_j+p)/Γ(α_j) ) ]^{1/p}.
    /// Because p is an integer, each Gamma ratio is evaluated exactly as a product, Γ(a+p)/Γ(a)·Γ(S)/Γ(S+p) =
    /// Π_{k&lt;p} (a+k)/(S+k), in log space with a log-sum-exp: accurate in Float32 for evidence up to 1e6, where
    /// differences of lgamma lose every digit. For a probability target: Σ_c y_c F(α, c), with F(α, c) for every c in
    /// one pass: the bracket is r(Ŝ_c) + Σ_{j≠c} m_j, m_j = Γ(S)Γ(α_j+p)/(Γ(S+p)Γ(α_j)), and Σ_{j≠c} m_j is the sum over
    /// all j without the c-th term (summed directly for the largest term, so nothing cancels).</para>
    /// <para><b>Shape.</b> As <see cref="MaxNormLoss"/>.</para>
    /// <para><b>Reference.</b> Tsiligkaridis, arXiv:1910.04819, the max-norm loss bound.</para>
    /// <para><b>Python.</b> <c>uncertainty_loss.dirichlet_pnorm_loss</c>; identical values for index and one-hot targets.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="EvidentialLoss"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pNorm"/> is below 1 or <paramref name="reduction"/>
    /// is not a defined value.</exception>
    public static Tensor DirichletPNormLoss(Tensor evidence, Tensor target, int pNorm = 4, nn.Reduction reduction = nn.Reduction.Mean,
        Tensor? weight = null, long ignoreIndex = -100)
    {
        var kind = CheckLossArguments(evidence, target, reduction, weight, ignoreIndex);
        Check.PNorm(pNorm, nameof(pNorm));
        var values = Check.Values(evidence, nameof(evidence), target, kind, nameof(target), weight, ignoreIndex, MaxEvidence);

        return ClassificationLoss(evidence, target, kind, values, ignoreIndex, weight, reduction,
            (work, t) => PerTrueClass(work, t, mask => PNormForMask(work, mask, pNorm), () => PNormPerClass(work, pNorm)));
    }

    /// <summary>
    /// Fisher-information regulariser of the max-norm loss: it penalises evidence on the wrong classes,
    /// weighted by how much information that evidence carries.
    /// </summary>
    /// <param name="evidence">Non-negative evidence; α = evidence + 1.</param>
    /// <param name="target">Class indices (integer dtype) or class probabilities (floating dtype, the evidence's shape).</param>
    /// <param name="reduction">How to reduce the per-position values.</param>
    /// <param name="weight"><inheritdoc cref="EvidentialLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="EvidentialLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <param name="fisherAlphaSum">The strength A in ψ₁(A): <see cref="FisherAlphaSum.All"/> (S, the Python package, default)
    /// or <see cref="FisherAlphaSum.ExcludingTrueClass"/> (α̃₀ = 1 + Σ_{j≠c} α_j, the paper).</param>
    /// <returns>The reduced regulariser; 0 where no evidence sits on a wrong class.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> R = ½ Σ_{j≠c} (α_j − 1)² (ψ₁(α_j) − ψ₁(A)), ψ₁ the trigamma function (evaluated by recurrence and asymptotic series, accurate to a few ulp). For a probability
    /// target: Σ_c y_c R(α, c), with R(α, c) for every c in one pass from sums over all classes without the c-th term.</para>
    /// <para><b>Shape.</b> As <see cref="MaxNormLoss"/>.</para>
    /// <para><b>Reference.</b> Tsiligkaridis, arXiv:1910.04819, the information regulariser.</para>
    /// <para><b>Python.</b> <c>uncertainty_loss.dirichlet_fisher_regulizer</c> (sic); identical values for index and
    /// one-hot targets with <see cref="FisherAlphaSum.All"/>.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="EvidentialLoss"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> or <paramref name="fisherAlphaSum"/> is
    /// not a defined value.</exception>
    public static Tensor DirichletFisherRegularizer(Tensor evidence, Tensor target, nn.Reduction reduction = nn.Reduction.Mean,
        Tensor? weight = null, long ignoreIndex = -100, FisherAlphaSum fisherAlphaSum = FisherAlphaSum.All)
    {
        var kind = CheckLossArguments(evidence, target, reduction, weight, ignoreIndex);
        Check.Defined(fisherAlphaSum, nameof(fisherAlphaSum));
        var values = Check.Values(evidence, nameof(evidence), target, kind, nameof(target), weight, ignoreIndex, MaxEvidence);

        return ClassificationLoss(evidence, target, kind, values, ignoreIndex, weight, reduction,
            (work, t) => PerTrueClass(work, t, mask => FisherForMask(work, mask, fisherAlphaSum), () => FisherPerClass(work, fisherAlphaSum)));
    }

    /// <summary>
    /// A loss defined for one true class per position. Index targets evaluate it for the true class (a mask);
    /// probability targets take its expectation Σ_c y_c L(α, c) from its values for every class c at once.
    /// </summary>
    private static Tensor PerTrueClass(Tensor work, ClassTarget target, Func<Tensor, Tensor> lossForMask, Func<Tensor> lossPerClass) =>
        target.Kind == TargetKind.Index
            ? lossForMask(Dirichlet.TrueClassMask(work, target.Target))
            : (target.Target * lossPerClass()).sum(1);

    /// <param name="evidence">(N, C, d…).</param>
    /// <param name="isTrue">Boolean, broadcastable to the evidence: true at the true class.</param>
    /// <param name="p">The norm.</param>
    private static Tensor PNormForMask(Tensor evidence, Tensor isTrue, int p)
    {
        var alpha = evidence + 1;
        var s = alpha.sum(1, keepdim: true);
        var sHat = alpha.masked_fill(isTrue, 0.0).sum(1, keepdim: true);     // Σ_{j≠c} α_j, summed directly
        var (logMoments, logRest) = LogPowerMoments(alpha, s, sHat, p);
        var terms = cat(new[] { logRest, logMoments.masked_fill(isTrue, double.NegativeInfinity) }, 1);
        return (terms.logsumexp(1) / p).exp();
    }

    /// <summary>
    /// ln E[p_j^p] = Σ_{k&lt;p} ln((α_j + k)/(S + k)) for every class, and ln E[(1 − p_c)^p] = Σ_{k&lt;p} ln((Ŝ + k)/(S + k)) for
    /// the given Ŝ: Gamma ratios with an integer p, as exact products, in log space (accurate in Float32 up to evidence 1e6).
    /// </summary>
    private static (Tensor LogMoments, Tensor LogRest) LogPowerMoments(Tensor alpha, Tensor s, Tensor sHat, int p)
    {
        Tensor? logMoments = null;
        Tensor? logRest = null;
        for (int k = 0; k < p; k++)
        {
            var sk = s + k;
            var m = ((alpha + k) / sk).log();
            var r = ((sHat + k) / sk).log();
            logMoments = logMoments is null ? m : logMoments + m;
            logRest = logRest is null ? r : logRest + r;
        }

        return (logMoments!, logRest!);
    }

    private static Tensor FisherForMask(Tensor evidence, Tensor isTrue, FisherAlphaSum alphaSum)
    {
        var alpha = evidence + 1;
        var strength = alphaSum == FisherAlphaSum.All
            ? alpha.sum(1, keepdim: true)
            : alpha.masked_fill(isTrue, 0.0).sum(1, keepdim: true) + 1;
        var wrong = evidence.masked_fill(isTrue, 0.0);                       // α_j − 1 on the wrong classes
        var information = SpecialFunctions.Trigamma(alpha) - SpecialFunctions.Trigamma(strength);
        return 0.5 * (wrong.square() * information).sum(1);
    }

    /// <summary>
    /// F(α, c) for every class c at once, (N, C, d…): M_c = r(Ŝ_c) + Σ_{j≠c} m_j with m_j = Π_{k&lt;p} (α_j+k)/(S+k) and
    /// r(a) = Π_{k&lt;p} (a+k)/(S+k), in log space as <see cref="PNormForMask"/>. Ŝ_c and Σ_{j≠c} m_j are sums of the
    /// others, without the cancellation of S − α_c and T − m_c for the class that holds most of the evidence.
    /// </summary>
    private static Tensor PNormPerClass(Tensor evidence, int p)
    {
        var alpha = evidence + 1;
        var s = alpha.sum(1, keepdim: true);
        var sHat = Dirichlet.SumOfOthers(alpha, s);                           // Ŝ_c for every c
        var (logMoments, logRest) = LogPowerMoments(alpha, s, sHat, p);     // logRest for every c
        return (logaddexp(logRest, Dirichlet.LogSumOfOthers(logMoments)) / p).exp();
    }

    /// <summary>
    /// R(α, c) for every class c at once, (N, C, d…). With A = S (<see cref="FisherAlphaSum.All"/>) every term
    /// v_j = (α_j − 1)² (ψ₁(α_j) − ψ₁(S)) is the same for every c, so R_c = ½ Σ_{j≠c} v_j. With A_c = 1 + Ŝ_c,
    /// R_c = ½ [Σ_{j≠c} (α_j − 1)² ψ₁(α_j) − ψ₁(A_c) Σ_{j≠c} (α_j − 1)²]. Every Σ_{j≠c} is a sum of the others.
    /// </summary>
    private static Tensor FisherPerClass(Tensor evidence, FisherAlphaSum alphaSum)
    {
        var alpha = evidence + 1;
        var s = alpha.sum(1, keepdim: true);
        var squared = evidence.square();                                      // (α_j − 1)²
        if (alphaSum == FisherAlphaSum.All)
        {
            var v = squared * (SpecialFunctions.Trigamma(alpha) - SpecialFunctions.Trigamma(s));
            return 0.5 * Dirichlet.SumOfOthers(v, v.sum(1, keepdim: true));
        }

        var w = squared * SpecialFunctions.Trigamma(alpha);
        var strength = Dirichlet.SumOfOthers(alpha, s) + 1;                   // A_c = 1 + Ŝ_c
        var wOthers = Dirichlet.SumOfOthers(w, w.sum(1, keepdim: true));
        var squaredOthers = Dirichlet.SumOfOthers(squared, squared.sum(1, keepdim: true));
        return 0.5 * (wOthers - squaredOthers * SpecialFunctions.Trigamma(strength));
    }
}
