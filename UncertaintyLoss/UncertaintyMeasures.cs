using System;
using TorchSharp;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss;

public static partial class UL
{
    /// <summary>Total uncertainty: the entropy of the expected class probabilities p = α/S of Dir(evidence + 1).</summary>
    /// <param name="evidence">Non-negative evidence of shape (N, C, d1, …, dk); α = evidence + 1.</param>
    /// <param name="normalize">Divide by ln C so that the result lies in [0, 1].</param>
    /// <param name="priorWeight">The prior weight λ ∈ [1e-6, 1e6] in α = evidence + λ (default 1, EDL's); pass the value a model
    /// was trained with, for example 0.1 for <see cref="RelaxedEvidentialLoss"/>'s default.</param>
    /// <returns>H(p) = −Σ_j p_j ln p_j, shape (N, d1, …, dk), the evidence's dtype and device.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> Predictive entropy of the Dirichlet mean; = <see cref="ModelUncertainty(Tensor)"/> +
    /// <see cref="DataUncertainty(Tensor)"/>. ln p_j of the largest class is evaluated as ln(1 − R/S), R the other
    /// classes' strength, so confident predictions keep their digits.</para>
    /// <para><b>Shape.</b> evidence: (N, C, d1, …, dk); output: (N, d1, …, dk).</para>
    /// <para><b>Reference.</b> Malinin and Gales, "Predictive Uncertainty Estimation via Prior Networks", NeurIPS 2018.</para>
    /// <para><b>Python.</b> <c>uncertainty_loss.uncertainty(evidence, normalize)</c>.</para>
    /// <para><b>Not the EDL paper's "uncertainty".</b> Sensoy et al. (NeurIPS 2018) call u = K/S "the uncertainty": that is
    /// <see cref="Vacuity(Tensor)"/> here. This function is the entropy of the expected probabilities (the Python package's
    /// <c>uncertainty</c>): it is high both without evidence and when the evidence is split between classes, while the
    /// vacuity K/S only measures the lack of evidence. For the epistemic part alone, see
    /// <see cref="ModelUncertainty(Tensor)"/> (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/uncertainty.md">uncertainty.md</see>).</para>
    /// </remarks>
    /// <seealso cref="Vacuity(Tensor)"/>
    /// <seealso cref="ModelUncertainty(Tensor)"/>
    /// <seealso cref="DataUncertainty(Tensor)"/>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> is null.</exception>
    /// <exception cref="ArgumentException">The evidence is not floating point, has rank below 2, fewer than 2 classes, a negative value or +∞
    /// (the value checks are skipped while <see cref="ValidateValues"/> is off).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="priorWeight"/> is not in [1e-6, 1e6] (NaN included).</exception>
    public static Tensor Uncertainty(Tensor evidence, bool normalize = false, double priorWeight = 1.0)
    {
        Check.Evidence(evidence, nameof(evidence));
        CheckPriorWeight(priorWeight);
        Check.Values(evidence, nameof(evidence));

        using var scope = NewDisposeScope();
        var work = Dirichlet.ToCompute(evidence);
        var h = EntropyOfMean(work + priorWeight);
        if (normalize)
            h = (h / Math.Log(work.shape[1])).clamp(0.0, 1.0);   // H ≤ ln C; the clamp removes a last-ulp excess
        return Dirichlet.ToOutput(h, evidence).MoveToOuterDisposeScope();
    }

    /// <summary>Epistemic (model, knowledge) uncertainty: the mutual information between the label and the class probabilities.</summary>
    /// <param name="evidence">Non-negative evidence of shape (N, C, d1, …, dk); α = evidence + 1.</param>
    /// <returns>MI = H(E[p]) − E[H(p)] ≥ 0, shape (N, d1, …, dk). It shrinks like (C − 1)/(2S) as evidence grows.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> MI = Σ_j p_j (g(α_j) − g(S)), g(x) = ψ(x + 1) − ln x, which equals
    /// −Σ p_j ln p_j − Σ p_j (ψ(S + 1) − ψ(α_j + 1)) without its cancellation: g is evaluated by its asymptotic
    /// series for x ≥ 10, so the result keeps its relative accuracy for evidence up to 1e6.</para>
    /// <para><b>Shape.</b> As <see cref="Uncertainty"/>.</para>
    /// <para><b>Reference.</b> Malinin and Gales, NeurIPS 2018, eq. 14.</para>
    /// <para><b>Python.</b> <c>uncertainty_loss.model_uncertainty(evidence)</c>.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="Uncertainty"/>.</exception>
    public static Tensor ModelUncertainty(Tensor evidence) => ModelUncertainty(evidence, 1.0);

    /// <inheritdoc cref="ModelUncertainty(Tensor)"/>
    /// <param name="evidence">Non-negative evidence of shape (N, C, d1, …, dk); α = evidence + λ.</param>
    /// <param name="priorWeight">The prior weight λ ∈ [1e-6, 1e6] in α = evidence + λ (1 in the overload without it, EDL's);
    /// pass the value a model was trained with, for example 0.1 for <see cref="RelaxedEvidentialLoss"/>'s default.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="priorWeight"/> is not in [1e-6, 1e6] (NaN included).</exception>
    public static Tensor ModelUncertainty(Tensor evidence, double priorWeight)
    {
        Check.Evidence(evidence, nameof(evidence));
        CheckPriorWeight(priorWeight);
        Check.Values(evidence, nameof(evidence));

        using var scope = NewDisposeScope();
        var work = Dirichlet.ToCompute(evidence);
        return Dirichlet.ToOutput(MutualInformation(work + priorWeight), evidence).MoveToOuterDisposeScope();
    }

    /// <summary>Aleatoric (data) uncertainty: the expected entropy of the class probabilities under Dir(evidence + 1).</summary>
    /// <param name="evidence">Non-negative evidence of shape (N, C, d1, …, dk); α = evidence + 1.</param>
    /// <returns>E[H(p)] = Σ_j p_j (ψ(S + 1) − ψ(α_j + 1)), shape (N, d1, …, dk).</returns>
    /// <remarks>
    /// <para><b>Formula.</b> Evaluated as <see cref="Uncertainty"/> − <see cref="ModelUncertainty(Tensor)"/>, both computed stably.</para>
    /// <para><b>Shape.</b> As <see cref="Uncertainty"/>.</para>
    /// <para><b>Reference.</b> Malinin and Gales, NeurIPS 2018, eq. 14.</para>
    /// <para><b>Python.</b> <c>uncertainty_loss.data_uncertainty(evidence)</c>.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="Uncertainty"/>.</exception>
    public static Tensor DataUncertainty(Tensor evidence) => DataUncertainty(evidence, 1.0);

    /// <inheritdoc cref="DataUncertainty(Tensor)"/>
    /// <param name="evidence">Non-negative evidence of shape (N, C, d1, …, dk); α = evidence + λ.</param>
    /// <param name="priorWeight">The prior weight λ ∈ [1e-6, 1e6] in α = evidence + λ (1 in the overload without it, EDL's);
    /// pass the value a model was trained with, for example 0.1 for <see cref="RelaxedEvidentialLoss"/>'s default.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="priorWeight"/> is not in [1e-6, 1e6] (NaN included).</exception>
    public static Tensor DataUncertainty(Tensor evidence, double priorWeight)
    {
        Check.Evidence(evidence, nameof(evidence));
        CheckPriorWeight(priorWeight);
        Check.Values(evidence, nameof(evidence));

        using var scope = NewDisposeScope();
        var alpha = Dirichlet.ToCompute(evidence) + priorWeight;
        var expected = (EntropyOfMean(alpha) - MutualInformation(alpha)).clamp_min(0.0);
        return Dirichlet.ToOutput(expected, evidence).MoveToOuterDisposeScope();
    }

    /// <summary>Uncertainty of a model trained with cross-entropy: the entropy of softmax(logits), for baselines.</summary>
    /// <param name="logits">Raw scores of shape (N, C, d1, …, dk), floating point.</param>
    /// <returns>−Σ_j softmax_j · log_softmax_j, shape (N, d1, …, dk); a class with logit −∞ contributes 0.</returns>
    /// <remarks>
    /// <para><b>Shape.</b> logits: (N, C, d1, …, dk); output: (N, d1, …, dk).</para>
    /// <para><b>Python.</b> <c>uncertainty_loss.cross_entropy_uncertainty(logits)</c>; identical.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> is null.</exception>
    /// <exception cref="ArgumentException">The logits are not floating point, have rank below 2 or fewer than 2 classes.</exception>
    public static Tensor CrossEntropyUncertainty(Tensor logits)
    {
        Check.Evidence(logits, nameof(logits));

        using var scope = NewDisposeScope();
        var work = Dirichlet.ToCompute(logits);
        // ln p_j = (x_j − x_m) − ln(1 + T), m = argmax, T = Σ_{j≠m} e^{x_j − x_m}: log_softmax instead rounds
        // ln Σ e^{x − max} = ln(1 + T) and so loses the ≈ T part of a confident prediction's entropy (relative error
        // up to 1/|x_j − x_m|, as in the Python package). x_m is gathered, not detached, so gradients stay exact, and
        // d_m is the constant 0 (masked), so autograd never adds and subtracts an O(1) term for x_m.
        var argMax = work.argmax(1, keepdim: true);
        var isMax = Dirichlet.OneHot(work, argMax, ScalarType.Bool);
        var d = (work - work.gather(1, argMax)).masked_fill(isMax, 0.0);
        var t = d.exp().masked_fill(isMax, 0.0).sum(1, keepdim: true);
        var logP = d - t.log1p();
        // A class with logit −∞ has p = 0 and contributes 0 (not 0·(−∞) = NaN, as in the Python package).
        var finiteLogP = where(logP.isneginf(), zeros_like(logP), logP);
        var p = where(logP.isneginf(), zeros_like(logP), finiteLogP.exp());
        var h = -(p * finiteLogP).sum(1);
        return Dirichlet.ToOutput(h, logits).MoveToOuterDisposeScope();
    }

    /// <summary>Expected class probabilities of Dir(evidence + 1): α/S. Sums to 1 over the classes.</summary>
    /// <param name="evidence">Non-negative evidence of shape (N, C, d1, …, dk).</param>
    /// <returns>α/S with the evidence's shape, dtype and device.</returns>
    /// <remarks>
    /// <para><b>Shape.</b> evidence and output: (N, C, d1, …, dk).</para>
    /// <para><b>Reference.</b> Sensoy et al., NeurIPS 2018, p̂ of eq. 5.</para>
    /// <para><b>Python.</b> no direct equivalent (<c>uncertainty()</c> computes it internally).</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="Uncertainty"/>.</exception>
    public static Tensor DirichletMean(Tensor evidence) => DirichletMean(evidence, 1.0);

    /// <inheritdoc cref="DirichletMean(Tensor)"/>
    /// <param name="evidence">Non-negative evidence of shape (N, C, d1, …, dk); α = evidence + λ.</param>
    /// <param name="priorWeight">The prior weight λ ∈ [1e-6, 1e6] in α = evidence + λ (1 in the overload without it, EDL's);
    /// pass the value a model was trained with, for example 0.1 for <see cref="RelaxedEvidentialLoss"/>'s default.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="priorWeight"/> is not in [1e-6, 1e6] (NaN included).</exception>
    public static Tensor DirichletMean(Tensor evidence, double priorWeight)
    {
        Check.Evidence(evidence, nameof(evidence));
        CheckPriorWeight(priorWeight);
        Check.Values(evidence, nameof(evidence));

        using var scope = NewDisposeScope();
        var alpha = Dirichlet.ToCompute(evidence) + priorWeight;
        return Dirichlet.ToOutput(alpha / alpha.sum(1, keepdim: true), evidence).MoveToOuterDisposeScope();
    }

    /// <summary>Most likely class probabilities under Dir(evidence + 1): (α − 1)/(S − C) = evidence/Σ evidence.</summary>
    /// <param name="evidence">Non-negative evidence of shape (N, C, d1, …, dk).</param>
    /// <returns>The mode, summing to 1 over the classes; where all evidence is 0 (S = C, every point of the simplex is a
    /// mode) the uniform vector 1/C.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> For α_j ≥ 1 the density Π p_j^{α_j−1} is maximised at (α − 1)/(S − C), on the simplex's
    /// boundary where some α_j = 1. Computed from the evidence directly, so tiny evidence is not lost in α − 1.</para>
    /// <para><b>Shape.</b> evidence and output: (N, C, d1, …, dk).</para>
    /// <para><b>Python.</b> <c>uncertainty_loss.dirichlet_mode</c> returns α/(S − C), which does not sum to 1; this is
    /// the correct mode
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/python-differences.md">python-differences.md</see>).</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="Uncertainty"/>.</exception>
    public static Tensor DirichletMode(Tensor evidence)
    {
        Check.Evidence(evidence, nameof(evidence));
        Check.Values(evidence, nameof(evidence));

        using var scope = NewDisposeScope();
        var work = Dirichlet.ToCompute(evidence);
        var total = work.sum(1, keepdim: true);
        var hasEvidence = total > 0;
        var safeTotal = where(hasEvidence, total, ones_like(total));
        var mode = where(hasEvidence, work / safeTotal, full_like(work, 1.0 / work.shape[1]));
        return Dirichlet.ToOutput(mode, evidence).MoveToOuterDisposeScope();
    }

    /// <summary>Vacuity, the subjective-logic uncertainty mass: Cλ/S, 1 without evidence and towards 0 as evidence grows.</summary>
    /// <param name="evidence">Non-negative evidence of shape (N, C, d1, …, dk).</param>
    /// <returns>Cλ/S with S = Σ evidence + Cλ (C/S for the default λ = 1), shape (N, d1, …, dk).</returns>
    /// <remarks>
    /// <para><b>Shape.</b> evidence: (N, C, d1, …, dk); output: (N, d1, …, dk).</para>
    /// <para><b>Reference.</b> Sensoy et al., NeurIPS 2018, u = K/S of section 3.</para>
    /// <para><b>The EDL paper's "uncertainty".</b> The paper's u = K/S (K classes, S the Dirichlet strength) is this function,
    /// not <see cref="Uncertainty"/>, which is the entropy of α/S (the Python package's <c>uncertainty</c>). The two
    /// differ where the evidence is large but split between classes: the vacuity is small there, the entropy large
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/uncertainty.md">uncertainty.md</see>).</para>
    /// <para><b>Python.</b> no equivalent.</para>
    /// </remarks>
    /// <seealso cref="Uncertainty"/>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="Uncertainty"/>.</exception>
    public static Tensor Vacuity(Tensor evidence) => Vacuity(evidence, 1.0);

    /// <inheritdoc cref="Vacuity(Tensor)"/>
    /// <param name="evidence">Non-negative evidence of shape (N, C, d1, …, dk); α = evidence + λ.</param>
    /// <param name="priorWeight">The prior weight λ ∈ [1e-6, 1e6] in α = evidence + λ (1 in the overload without it, EDL's);
    /// pass the value a model was trained with, for example 0.1 for <see cref="RelaxedEvidentialLoss"/>'s default.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="priorWeight"/> is not in [1e-6, 1e6] (NaN included).</exception>
    public static Tensor Vacuity(Tensor evidence, double priorWeight)
    {
        Check.Evidence(evidence, nameof(evidence));
        CheckPriorWeight(priorWeight);
        Check.Values(evidence, nameof(evidence));

        using var scope = NewDisposeScope();
        var alpha = Dirichlet.ToCompute(evidence) + priorWeight;
        var s = alpha.sum(1);
        var u = full_like(s, evidence.shape[1] * priorWeight) / s;     // a true division (scalar / tensor rounds twice): exactly 1 at S = C for λ = 1
        return Dirichlet.ToOutput(u, evidence).MoveToOuterDisposeScope();
    }

    /// <summary>The Dirichlet's precision (concentration) α₀ = S = Σ_j α_j: C without evidence, growing with it.</summary>
    /// <param name="evidence">Non-negative evidence of shape (N, C, d1, …, dk); α = evidence + 1.</param>
    /// <returns>S, shape (N, d1, …, dk).</returns>
    /// <remarks>
    /// <para><b>Shape.</b> evidence: (N, C, d1, …, dk); output: (N, d1, …, dk).</para>
    /// <para><b>Reference.</b> Malinin and Gales, "Predictive Uncertainty Estimation via Prior Networks", NeurIPS 2018
    /// (α₀ as a measure of distributional uncertainty: low precision, unfamiliar input).</para>
    /// <para><b>Python.</b> no equivalent in <c>uncertainty-loss</c>.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="Uncertainty"/>.</exception>
    public static Tensor DirichletPrecision(Tensor evidence)
    {
        Check.Evidence(evidence, nameof(evidence));
        Check.Values(evidence, nameof(evidence));

        using var scope = NewDisposeScope();
        var s = (Dirichlet.ToCompute(evidence) + 1).sum(1);
        return Dirichlet.ToOutput(s, evidence).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The differential entropy of Dir(α): −ln Γ(C) for the uniform Dirichlet (no evidence; 0 for two classes), falling without bound as evidence
    /// concentrates it.
    /// </summary>
    /// <param name="evidence">Non-negative evidence of shape (N, C, d1, …, dk); α = evidence + 1.</param>
    /// <returns>H[Dir(α)], shape (N, d1, …, dk).</returns>
    /// <remarks>
    /// <para><b>Formula.</b> H = Σ_j ln Γ(α_j) − ln Γ(S) + (S − C)ψ(S) − Σ_j (α_j − 1)ψ(α_j), S = Σ_j α_j.</para>
    /// <para><b>Shape.</b> evidence: (N, C, d1, …, dk); output: (N, d1, …, dk).</para>
    /// <para><b>Reference.</b> Malinin and Gales, NeurIPS 2018 (differential entropy as a measure of
    /// distributional uncertainty).</para>
    /// <para><b>Python.</b> <c>torch.distributions.Dirichlet(alpha).entropy()</c>.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="Uncertainty"/>.</exception>
    public static Tensor DirichletDifferentialEntropy(Tensor evidence)
    {
        Check.Evidence(evidence, nameof(evidence));
        Check.Values(evidence, nameof(evidence));

        using var scope = NewDisposeScope();
        var work = Dirichlet.ToCompute(evidence);
        var alpha = work + 1;
        var s = alpha.sum(1);
        var h = alpha.lgamma().sum(1) - s.lgamma() + (s - evidence.shape[1]) * s.digamma() - (work * alpha.digamma()).sum(1);
        return Dirichlet.ToOutput(h, evidence).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Expected pairwise KL divergence between two categorical distributions drawn independently from Dir(α):
    /// (C − 1)/S, a measure of knowledge (epistemic) uncertainty.
    /// </summary>
    /// <param name="evidence">Non-negative evidence of shape (N, C, d1, …, dk); α = evidence + 1.</param>
    /// <returns>E_{p,q∼Dir(α)}[KL(p ‖ q)], shape (N, d1, …, dk).</returns>
    /// <remarks>
    /// <para><b>Formula.</b> E[KL(p ‖ q)] = Σ_j E[p_j ln p_j] − Σ_j E[p_j]E[ln q_j]
    /// = Σ_j (α_j/S)(ψ(α_j + 1) − ψ(S + 1) − ψ(α_j) + ψ(S)) = (C − 1)/S, since ψ(x + 1) − ψ(x) = 1/x.</para>
    /// <para><b>Shape.</b> evidence: (N, C, d1, …, dk); output: (N, d1, …, dk).</para>
    /// <para><b>Reference.</b> Malinin, Mlodozeniec and Gales, "Ensemble Distribution Distillation", ICLR 2020, and
    /// Malinin and Gales, "Reverse KL-Divergence Training of Prior Networks", NeurIPS 2019 (expected pairwise KL).</para>
    /// <para><b>Python.</b> no equivalent in <c>uncertainty-loss</c>.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> is null.</exception>
    /// <exception cref="ArgumentException">See <see cref="Uncertainty"/>.</exception>
    public static Tensor ExpectedPairwiseKl(Tensor evidence)
    {
        Check.Evidence(evidence, nameof(evidence));
        Check.Values(evidence, nameof(evidence));

        using var scope = NewDisposeScope();
        var s = (Dirichlet.ToCompute(evidence) + 1).sum(1);
        var epkl = full_like(s, evidence.shape[1] - 1) / s;
        return Dirichlet.ToOutput(epkl, evidence).MoveToOuterDisposeScope();
    }

    private static void CheckPriorWeight(double priorWeight) =>
        Check.PriorWeight(priorWeight, nameof(priorWeight));

    /// <summary>−Σ p ln p for p = α/S; ln p of the largest class is ln1p(−R/S).</summary>
    private static Tensor EntropyOfMean(Tensor alpha)
    {
        var s = alpha.sum(1, keepdim: true);
        var p = alpha / s;
        var isMax = Dirichlet.OneHot(alpha, alpha.argmax(1, keepdim: true), ScalarType.Bool);
        var rest = alpha.masked_fill(isMax, 0.0).sum(1, keepdim: true);
        var logP = where(isMax, (-rest / s).log1p(), p.log());
        return -(p * logP).sum(1);
    }

    /// <summary>Σ p_j (g(α_j) − g(S)) with g(x) = ψ(x + 1) − ln x.</summary>
    private static Tensor MutualInformation(Tensor alpha)
    {
        var s = alpha.sum(1, keepdim: true);
        var p = alpha / s;
        return (p * (DigammaMinusLog(alpha) - DigammaMinusLog(s))).sum(1).clamp_min(0.0);
    }

    /// <summary>g(x) = ψ(x + 1) − ln x for x ≥ 1: directly below 10, by its asymptotic series above.</summary>
    private static Tensor DigammaMinusLog(Tensor x)
    {
        var direct = (x + 1).digamma() - x.log();
        var large = x.clamp_min(10.0);
        var z = large.square().reciprocal();
        // ψ(x + 1) − ln x = 1/(2x) − Σ_k B_2k/(2k x^2k); truncation error < 1e-13 relative at x = 10.
        var series = 0.5 / large - z * (1.0 / 12 - z * (1.0 / 120 - z * (1.0 / 252 - z * (1.0 / 240 - z * (1.0 / 132 - z * (691.0 / 32760))))));
        return where(x >= 10.0, series, direct);
    }
}
