using MathNet.Numerics;

namespace UncertaintyLoss.Tests.Reference;

/// <summary>
/// Scalar, double-precision reference formulas for Dirichlet evidential losses and uncertainty
/// measures at ONE position, written straight from the papers.
/// </summary>
/// <remarks>
/// Every method takes the C class evidences <c>e</c> of one position (e_j ≥ 0; small negatives down
/// to e_j &gt; −1 are accepted so that finite differences can step across zero), with
/// α_j = e_j + 1, S = Σ_j α_j and K = C. Targets are either a class index <c>c</c> or a probability
/// (one-hot or soft) vector <c>y</c> of length K.
/// </remarks>
public static partial class DirichletReference
{
    /// <summary>Returns the one-hot vector of length <paramref name="k"/> with a 1 at index <paramref name="c"/>.</summary>
    /// <param name="c">The hot index, 0 ≤ c &lt; k.</param>
    /// <param name="k">The vector length.</param>
    /// <returns>A new array.</returns>
    public static double[] OneHot(int c, int k)
    {
        if (k < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, "Length must be positive.");
        }

        CheckClass(c, k);
        var y = new double[k];
        y[c] = 1.0;
        return y;
    }

    /// <summary>
    /// EDL mean-squared-error loss (Sensoy et al. 2018, eq. 5):
    /// Σ_j (y_j − p_j)² + p_j (1 − p_j) / (S + 1), with p_j = α_j / S.
    /// </summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <param name="y">Target probability vector of length K.</param>
    /// <returns>The loss at this position.</returns>
    public static double DirichletMse(double[] e, double[] y)
    {
        CheckPair(e, y);
        double s = AlphaSum(e);
        double loss = 0.0;
        for (int j = 0; j < e.Length; j++)
        {
            double p = (e[j] + 1.0) / s;
            double d = y[j] - p;
            loss += d * d + p * (1.0 - p) / (s + 1.0);
        }

        return loss;
    }

    /// <summary>
    /// EDL log-likelihood risk (Sensoy et al. 2018, eq. 3), the negative log of the Dirichlet-multinomial marginal
    /// likelihood: Σ_j y_j (ln S − ln α_j). Each difference is taken as ln(1 + R_j/α_j) with R_j = Σ_{k≠j} α_k summed
    /// directly (an exact identity), so the reference keeps its relative accuracy when α_j holds almost all of S.
    /// </summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <param name="y">Target probability vector of length K.</param>
    /// <returns>The loss at this position (≥ 0).</returns>
    public static double DirichletLog(double[] e, double[] y)
    {
        CheckPair(e, y);
        double loss = 0.0;
        for (int j = 0; j < e.Length; j++)
        {
            if (y[j] == 0.0)
            {
                continue;
            }

            double others = 0.0;
            for (int k = 0; k < e.Length; k++)
            {
                others += k == j ? 0.0 : e[k] + 1.0;
            }

            loss += y[j] * Log1P(others / (e[j] + 1.0));
        }

        return loss;
    }

    /// <summary>
    /// ln(1 + x) to full relative accuracy for x ≥ 0, by Goldberg's correction ln(u)·x/(u − 1) with u = fl(1 + x)
    /// (D. Goldberg, "What every computer scientist should know about floating-point arithmetic", 1991, Theorem 4).
    /// </summary>
    private static double Log1P(double x)
    {
        double u = 1.0 + x;
        return u == 1.0 ? x : Math.Log(u) * x / (u - 1.0);
    }

    /// <summary>
    /// EDL cross-entropy (digamma) risk (Sensoy et al. 2018, eq. 4): E_{p∼Dir(α)}[−Σ_j y_j ln p_j] = Σ_j y_j (ψ(S) − ψ(α_j)).
    /// </summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <param name="y">Target probability vector of length K.</param>
    /// <returns>The loss at this position (≥ 0).</returns>
    public static double DirichletDigamma(double[] e, double[] y)
    {
        CheckPair(e, y);
        double psiS = SpecialFunctions.DiGamma(AlphaSum(e));
        double loss = 0.0;
        for (int j = 0; j < e.Length; j++)
        {
            loss += y[j] * (psiS - SpecialFunctions.DiGamma(e[j] + 1.0));
        }

        return loss;
    }

    /// <summary>
    /// Size of the terms that cancel in <see cref="DirichletDigamma"/>: Σ_j y_j (|ψ(S)| + |ψ(α_j)|). Use it to scale
    /// tolerances.
    /// </summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <param name="y">Target probability vector of length K.</param>
    /// <returns>A non-negative magnitude.</returns>
    public static double DirichletDigammaMagnitude(double[] e, double[] y)
    {
        CheckPair(e, y);
        double psiS = Math.Abs(SpecialFunctions.DiGamma(AlphaSum(e)));
        double m = 0.0;
        for (int j = 0; j < e.Length; j++)
        {
            m += Math.Abs(y[j]) * (psiS + Math.Abs(SpecialFunctions.DiGamma(e[j] + 1.0)));
        }

        return m;
    }

    /// <summary>
    /// KL(Dir(α̃) ‖ Dir(1, …, 1)) with α̃ = y + (1 − y) ⊙ α (misleading evidence removed), i.e.
    /// lnΓ(S̃) − lnΓ(K) − Σ_j lnΓ(α̃_j) + Σ_j (α̃_j − 1)(ψ(α̃_j) − ψ(S̃)), S̃ = Σ_j α̃_j.
    /// </summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <param name="y">Target probability vector of length K.</param>
    /// <returns>The KL divergence (≥ 0).</returns>
    public static double UniformDirichletKl(double[] e, double[] y)
    {
        CheckPair(e, y);
        double[] a = AlphaTilde(e, y);
        double st = Sum(a);
        double psiSt = SpecialFunctions.DiGamma(st);
        double kl = SpecialFunctions.GammaLn(st) - SpecialFunctions.GammaLn(a.Length);
        for (int j = 0; j < a.Length; j++)
        {
            kl += -SpecialFunctions.GammaLn(a[j]) + (a[j] - 1.0) * (SpecialFunctions.DiGamma(a[j]) - psiSt);
        }

        return kl;
    }

    /// <summary>
    /// Size of the terms that cancel in <see cref="UniformDirichletKl"/>:
    /// |lnΓ(S̃)| + |lnΓ(K)| + Σ_j |lnΓ(α̃_j)| + Σ_j |(α̃_j − 1)(ψ(α̃_j) − ψ(S̃))|.
    /// Use it to scale tolerances.
    /// </summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <param name="y">Target probability vector of length K.</param>
    /// <returns>A non-negative magnitude.</returns>
    public static double UniformDirichletKlMagnitude(double[] e, double[] y)
    {
        CheckPair(e, y);
        double[] a = AlphaTilde(e, y);
        double st = Sum(a);
        double psiSt = SpecialFunctions.DiGamma(st);
        // Each lnΓ term counts at a scale of at least 1: lnΓ(1) = lnΓ(2) = 0 exactly, but MathNet's GammaLn returns
        // a few 1e-16 there, so the reference's absolute error never drops below ~1e-16 per term.
        double m = Math.Max(Math.Abs(SpecialFunctions.GammaLn(st)), 1.0) + Math.Max(Math.Abs(SpecialFunctions.GammaLn(a.Length)), 1.0);
        for (int j = 0; j < a.Length; j++)
        {
            m += Math.Max(Math.Abs(SpecialFunctions.GammaLn(a[j])), 1.0) + Math.Abs((a[j] - 1.0) * (SpecialFunctions.DiGamma(a[j]) - psiSt));
        }

        return m;
    }

    /// <summary>
    /// Max-norm loss of Tsiligkaridis (2019) for true class <paramref name="c"/>, an upper bound on
    /// E‖y − p‖_∞: F = [ Γ(S)/Γ(S + p) · ( Γ(Ŝ + p)/Γ(Ŝ) + Σ_{j≠c} Γ(α_j + p)/Γ(α_j) ) ]^{1/p},
    /// Ŝ = Σ_{j≠c} α_j. Evaluated in log space with a log-sum-exp over the terms; because p is an
    /// integer, every ratio lnΓ(x + p) − lnΓ(x) is taken as Σ_{i&lt;p} ln(x + i) (an exact identity),
    /// which avoids the absolute error of differencing two large lnΓ values (about 1e-14 near
    /// x = 40 and 1e-7 near x = 1e8 with MathNet's GammaLn).
    /// </summary>
    /// <param name="e">Evidence vector of length K ≥ 2.</param>
    /// <param name="c">True class index.</param>
    /// <param name="p">Norm order, ≥ 1.</param>
    /// <returns>F for this position.</returns>
    public static double DirichletPNorm(double[] e, int c, int p)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Length < 2)
        {
            throw new ArgumentException("At least two classes are required.", nameof(e));
        }

        CheckClass(c, e.Length);
        if (p < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "p must be at least 1.");
        }

        double s = AlphaSum(e);
        double sHat = s - (e[c] + 1.0);
        var logTerms = new double[e.Length];
        logTerms[c] = LogGammaRatio(sHat, p);
        for (int j = 0; j < e.Length; j++)
        {
            if (j != c)
            {
                logTerms[j] = LogGammaRatio(e[j] + 1.0, p);
            }
        }

        double logFp = LogSumExp(logTerms) - LogGammaRatio(s, p);
        return Math.Exp(logFp / p);
    }

    /// <summary>Soft-target max-norm loss: Σ_c y_c · <see cref="DirichletPNorm(double[], int, int)"/>.</summary>
    /// <param name="e">Evidence vector of length K ≥ 2.</param>
    /// <param name="y">Target probability vector of length K.</param>
    /// <param name="p">Norm order, ≥ 1.</param>
    /// <returns>The target-weighted loss.</returns>
    public static double DirichletPNorm(double[] e, double[] y, int p)
    {
        CheckPair(e, y);
        double loss = 0.0;
        for (int c = 0; c < y.Length; c++)
        {
            loss += y[c] * DirichletPNorm(e, c, p);
        }

        return loss;
    }

    /// <summary>
    /// Fisher-information regularizer (I-EDL, Deng et al. 2023) for true class <paramref name="c"/>:
    /// ½ Σ_{j≠c} (α_j − 1)² (ψ₁(α_j) − ψ₁(A)).
    /// </summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <param name="c">True class index.</param>
    /// <param name="paperAlphaSum">
    /// false: A = S (the Python package's choice); true: A = 1 + Σ_{j≠c} α_j, the paper's α̃₀ = Σ α̃
    /// with α̃ = y + (1 − y) ⊙ α.
    /// </param>
    /// <returns>The regularizer (0 when every wrong class has zero evidence).</returns>
    public static double FisherRegularizer(double[] e, int c, bool paperAlphaSum)
    {
        return FisherTerms(e, c, paperAlphaSum, magnitude: false);
    }

    /// <summary>Soft-target Fisher regularizer: Σ_c y_c · <see cref="FisherRegularizer(double[], int, bool)"/>.</summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <param name="y">Target probability vector of length K.</param>
    /// <param name="paperAlphaSum">See <see cref="FisherRegularizer(double[], int, bool)"/>.</param>
    /// <returns>The target-weighted regularizer.</returns>
    public static double FisherRegularizer(double[] e, double[] y, bool paperAlphaSum)
    {
        CheckPair(e, y);
        double r = 0.0;
        for (int c = 0; c < y.Length; c++)
        {
            r += y[c] * FisherTerms(e, c, paperAlphaSum, magnitude: false);
        }

        return r;
    }

    /// <summary>
    /// Size of the terms that cancel in <see cref="FisherRegularizer(double[], double[], bool)"/>:
    /// Σ_c y_c ½ Σ_{j≠c} (α_j − 1)² (ψ₁(α_j) + ψ₁(A)). Use it to scale tolerances.
    /// </summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <param name="y">Target probability vector of length K.</param>
    /// <param name="paperAlphaSum">See <see cref="FisherRegularizer(double[], int, bool)"/>.</param>
    /// <returns>A non-negative magnitude.</returns>
    public static double FisherMagnitude(double[] e, double[] y, bool paperAlphaSum)
    {
        CheckPair(e, y);
        double m = 0.0;
        for (int c = 0; c < y.Length; c++)
        {
            m += y[c] * FisherTerms(e, c, paperAlphaSum, magnitude: true);
        }

        return m;
    }

    /// <summary>Entropy of the expected categorical, −Σ_j p_j ln p_j with p = α / S (total uncertainty).</summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <param name="normalize">Divide by ln K so that the maximum is 1 (requires K ≥ 2).</param>
    /// <returns>The predictive entropy.</returns>
    public static double PredictiveEntropy(double[] e, bool normalize)
    {
        ArgumentNullException.ThrowIfNull(e);
        double s = AlphaSum(e);
        double h = 0.0;
        for (int j = 0; j < e.Length; j++)
        {
            double p = (e[j] + 1.0) / s;
            h -= p * Math.Log(p);
        }

        if (normalize)
        {
            if (e.Length < 2)
            {
                throw new ArgumentException("Normalizing needs at least two classes.", nameof(e));
            }

            h /= Math.Log(e.Length);
        }

        return h;
    }

    /// <summary>
    /// Expected entropy of the categorical under Dir(α), Σ_j p_j (ψ(S + 1) − ψ(α_j + 1))
    /// (aleatoric, or data, uncertainty).
    /// </summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <returns>The expected entropy.</returns>
    public static double ExpectedEntropy(double[] e)
    {
        ArgumentNullException.ThrowIfNull(e);
        double s = AlphaSum(e);
        double psiS1 = SpecialFunctions.DiGamma(s + 1.0);
        double h = 0.0;
        for (int j = 0; j < e.Length; j++)
        {
            double a = e[j] + 1.0;
            h += a / s * (psiS1 - SpecialFunctions.DiGamma(a + 1.0));
        }

        return h;
    }

    /// <summary>
    /// Mutual information between label and categorical parameters,
    /// <see cref="PredictiveEntropy"/> (unnormalized) − <see cref="ExpectedEntropy"/>
    /// (epistemic, or model, uncertainty).
    /// </summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <returns>The mutual information (≥ 0 up to rounding).</returns>
    public static double MutualInformation(double[] e)
    {
        return PredictiveEntropy(e, normalize: false) - ExpectedEntropy(e);
    }

    /// <summary>
    /// Size of the terms that cancel in <see cref="MutualInformation"/>:
    /// Σ_j p_j (|ln p_j| + ψ(S + 1) + |ψ(α_j + 1)|). Use it to scale tolerances.
    /// </summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <returns>A non-negative magnitude.</returns>
    public static double EntropyMagnitude(double[] e)
    {
        ArgumentNullException.ThrowIfNull(e);
        double s = AlphaSum(e);
        double psiS1 = Math.Abs(SpecialFunctions.DiGamma(s + 1.0));
        double m = 0.0;
        for (int j = 0; j < e.Length; j++)
        {
            double a = e[j] + 1.0;
            double p = a / s;
            m += p * (Math.Abs(Math.Log(p)) + psiS1 + Math.Abs(SpecialFunctions.DiGamma(a + 1.0)));
        }

        return m;
    }

    /// <summary>Entropy −Σ q ln q of q = softmax(logits), computed stably (max subtracted).</summary>
    /// <param name="logits">Finite logits.</param>
    /// <returns>The softmax entropy.</returns>
    public static double SoftmaxEntropy(double[] logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        double max = double.NegativeInfinity;
        foreach (double l in logits)
        {
            max = Math.Max(max, l);
        }

        // ln Σ_j e^{l_j − max} = ln(1 + T), T summed over every class but the first maximum and taken with log1p:
        // ln(z) with z = 1 + T would round away T < 1e-16 and with it the entropy's ≈ T part.
        int m = Array.IndexOf(logits, max);
        double t = 0.0;
        for (int j = 0; j < logits.Length; j++)
        {
            if (j != m)
            {
                t += Math.Exp(logits[j] - max);
            }
        }

        double logZ = LogOnePlus(t);
        double h = 0.0;
        foreach (double l in logits)
        {
            double logQ = l - max - logZ;
            h -= Math.Exp(logQ) * logQ;
        }

        return h;
    }

    /// <summary>Mean of Dir(α): α / S.</summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <returns>A new probability vector.</returns>
    public static double[] DirichletMean(double[] e)
    {
        ArgumentNullException.ThrowIfNull(e);
        double s = AlphaSum(e);
        var mean = new double[e.Length];
        for (int j = 0; j < e.Length; j++)
        {
            mean[j] = (e[j] + 1.0) / s;
        }

        return mean;
    }

    /// <summary>
    /// Mode of Dir(α): (α − 1) / (S − K) = e / Σe; the uniform vector 1/K when Σe = 0
    /// (the density is then flat).
    /// </summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <returns>A new probability vector.</returns>
    public static double[] DirichletMode(double[] e)
    {
        ArgumentNullException.ThrowIfNull(e);
        double total = Sum(e);
        var mode = new double[e.Length];
        for (int j = 0; j < e.Length; j++)
        {
            mode[j] = total == 0.0 ? 1.0 / e.Length : e[j] / total;
        }

        return mode;
    }

    /// <summary>Vacuity (subjective-logic uncertainty mass) K / S.</summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <returns>The vacuity, in (0, 1] for non-negative evidence.</returns>
    public static double Vacuity(double[] e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Length / AlphaSum(e);
    }

    /// <summary>
    /// R-EDL's squared error (Chen, Gao and Xu, ICLR 2024): Σ_j (y_j − α_j/S)² with α = e + λ, S = Σ_j α_j (no variance
    /// term).
    /// </summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <param name="y">Target probability vector of length K.</param>
    /// <param name="lambda">The prior weight λ &gt; 0.</param>
    /// <returns>The loss at this position.</returns>
    public static double RelaxedMse(double[] e, double[] y, double lambda)
    {
        CheckPair(e, y);
        double s = e.Sum() + e.Length * lambda;
        double loss = 0.0;
        for (int j = 0; j < e.Length; j++)
        {
            double d = y[j] - (e[j] + lambda) / s;
            loss += d * d;
        }

        return loss;
    }

    /// <summary>
    /// Size of what cancels in <see cref="RelaxedMse"/>: Σ_j 2|y_j − p_j|(|y_j| + p_j). Each difference y_j − p_j is
    /// taken between numbers of size |y_j| + p_j, so its rounding error scales with that, and its square's with 2|y_j − p_j|
    /// times it; without EDL's variance term nothing else keeps the value away from 0 when a soft target is close to p.
    /// </summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <param name="y">Target probability vector of length K.</param>
    /// <param name="lambda">The prior weight λ &gt; 0.</param>
    /// <returns>A non-negative magnitude.</returns>
    public static double RelaxedMseMagnitude(double[] e, double[] y, double lambda)
    {
        CheckPair(e, y);
        double s = e.Sum() + e.Length * lambda;
        double m = 0.0;
        for (int j = 0; j < e.Length; j++)
        {
            double p = (e[j] + lambda) / s;
            m += 2 * Math.Abs(y[j] - p) * (Math.Abs(y[j]) + p);
        }

        return m;
    }

    /// <summary>
    /// KL(Dir(β) ‖ Dir(λ, …, λ)) with β = (1 − y) ⊙ e + λ (R-EDL's regulariser):
    /// lnΓ(B) − Σ_j lnΓ(β_j) − lnΓ(Kλ) + K lnΓ(λ) + Σ_j (β_j − λ)(ψ(β_j) − ψ(B)), B = Σ_j β_j.
    /// </summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <param name="y">Target probability vector of length K.</param>
    /// <param name="lambda">The prior weight λ &gt; 0.</param>
    /// <returns>The KL divergence (≥ 0).</returns>
    public static double RelaxedKl(double[] e, double[] y, double lambda) => RelaxedKlTerms(e, y, lambda, magnitude: false);

    /// <summary>Size of the terms that cancel in <see cref="RelaxedKl"/> (each lnΓ counted at a scale of at least 1).</summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <param name="y">Target probability vector of length K.</param>
    /// <param name="lambda">The prior weight λ &gt; 0.</param>
    /// <returns>A non-negative magnitude.</returns>
    public static double RelaxedKlMagnitude(double[] e, double[] y, double lambda) => RelaxedKlTerms(e, y, lambda, magnitude: true);

    private static double RelaxedKlTerms(double[] e, double[] y, double lambda, bool magnitude)
    {
        CheckPair(e, y);
        int k = e.Length;
        var beta = new double[k];
        for (int j = 0; j < k; j++)
        {
            beta[j] = (1.0 - y[j]) * e[j] + lambda;
        }

        double b = Sum(beta);
        double psiB = SpecialFunctions.DiGamma(b);
        double[] terms =
        [
            SpecialFunctions.GammaLn(b), -SpecialFunctions.GammaLn(k * lambda), k * SpecialFunctions.GammaLn(lambda),
            .. beta.Select(bj => -SpecialFunctions.GammaLn(bj)),
            .. beta.Select(bj => (bj - lambda) * (SpecialFunctions.DiGamma(bj) - psiB)),
        ];
        return magnitude ? terms.Sum(t => Math.Max(Math.Abs(t), 1.0)) : terms.Sum();
    }

    /// <summary>Dirichlet precision α₀ = S = Σ_j (e_j + 1).</summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <returns>S.</returns>
    public static double Precision(double[] e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return AlphaSum(e);
    }

    /// <summary>
    /// Differential entropy of Dir(α): ln B(α) + (S − K)ψ(S) − Σ_j (α_j − 1)ψ(α_j), ln B(α) = Σ_j lnΓ(α_j) − lnΓ(S).
    /// </summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <returns>H[Dir(α)] (−ln Γ(K) for α = 1, the uniform density on the simplex; lower as the evidence grows).</returns>
    public static double DifferentialEntropy(double[] e)
    {
        ArgumentNullException.ThrowIfNull(e);
        double s = AlphaSum(e);
        double h = -SpecialFunctions.GammaLn(s) + (s - e.Length) * SpecialFunctions.DiGamma(s);
        for (int j = 0; j < e.Length; j++)
        {
            h += SpecialFunctions.GammaLn(e[j] + 1.0) - e[j] * SpecialFunctions.DiGamma(e[j] + 1.0);
        }

        return h;
    }

    /// <summary>Size of the terms that cancel in <see cref="DifferentialEntropy"/> (each lnΓ counted at a scale of at least 1).</summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <returns>A non-negative magnitude.</returns>
    public static double DifferentialEntropyMagnitude(double[] e)
    {
        ArgumentNullException.ThrowIfNull(e);
        double s = AlphaSum(e);
        double m = Math.Max(Math.Abs(SpecialFunctions.GammaLn(s)), 1.0) + Math.Abs((s - e.Length) * SpecialFunctions.DiGamma(s));
        for (int j = 0; j < e.Length; j++)
        {
            m += Math.Max(Math.Abs(SpecialFunctions.GammaLn(e[j] + 1.0)), 1.0) + Math.Abs(e[j] * SpecialFunctions.DiGamma(e[j] + 1.0));
        }

        return m;
    }

    /// <summary>
    /// Expected pairwise KL divergence between categorical draws p, q ∼ Dir(α), from its definition:
    /// Σ_j E[p_j ln p_j] − Σ_j E[p_j] E[ln q_j] = Σ_j (α_j/S)(ψ(α_j + 1) − ψ(S + 1) − ψ(α_j) + ψ(S)).
    /// </summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <returns>The expected pairwise KL (≥ 0).</returns>
    public static double ExpectedPairwiseKl(double[] e)
    {
        ArgumentNullException.ThrowIfNull(e);
        double s = AlphaSum(e);
        double psiS = SpecialFunctions.DiGamma(s), psiS1 = SpecialFunctions.DiGamma(s + 1.0);
        double v = 0.0;
        for (int j = 0; j < e.Length; j++)
        {
            double a = e[j] + 1.0;
            v += a / s * (SpecialFunctions.DiGamma(a + 1.0) - psiS1 - SpecialFunctions.DiGamma(a) + psiS);
        }

        return v;
    }

    /// <summary>Size of the terms that cancel in <see cref="ExpectedPairwiseKl"/>.</summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <returns>A non-negative magnitude.</returns>
    public static double ExpectedPairwiseKlMagnitude(double[] e)
    {
        ArgumentNullException.ThrowIfNull(e);
        double s = AlphaSum(e);
        double m = 0.0;
        for (int j = 0; j < e.Length; j++)
        {
            double a = e[j] + 1.0;
            m += a / s * (Math.Abs(SpecialFunctions.DiGamma(a + 1.0)) + Math.Abs(SpecialFunctions.DiGamma(s + 1.0))
                + Math.Abs(SpecialFunctions.DiGamma(a)) + Math.Abs(SpecialFunctions.DiGamma(s)));
        }

        return m;
    }

    // ---- losses that take the concentration α itself (belief matching, reverse-KL Prior Networks): α, not evidence ----

    /// <summary>
    /// KL(Dir(a) ‖ Dir(b)) = ln Γ(A) − Σ_j ln Γ(a_j) − ln Γ(B) + Σ_j ln Γ(b_j) + Σ_j (a_j − b_j)(ψ(a_j) − ψ(A)),
    /// A = Σ a, B = Σ b: the general Dirichlet KL divergence, every a_j, b_j &gt; 0.
    /// </summary>
    /// <param name="a">The first Dirichlet's concentration (length K).</param>
    /// <param name="b">The second Dirichlet's concentration (length K).</param>
    /// <returns>The KL divergence (≥ 0).</returns>
    public static double DirichletKl(double[] a, double[] b) => DirichletKlTerms(a, b).Sum();

    /// <summary>Size of the terms that cancel in <see cref="DirichletKl"/> (each ln Γ counted at a scale of at least 1).</summary>
    /// <param name="a">The first Dirichlet's concentration.</param>
    /// <param name="b">The second Dirichlet's concentration.</param>
    /// <returns>A non-negative magnitude.</returns>
    public static double DirichletKlMagnitude(double[] a, double[] b) => DirichletKlTerms(a, b).Sum(t => Math.Max(Math.Abs(t), 1.0));

    private static double[] DirichletKlTerms(double[] a, double[] b)
    {
        CheckPair(a, b);
        double sa = Sum(a), sb = Sum(b);
        double psiA = SpecialFunctions.DiGamma(sa);
        return
        [
            SpecialFunctions.GammaLn(sa), -SpecialFunctions.GammaLn(sb),
            .. a.Select(aj => -SpecialFunctions.GammaLn(aj)),
            .. b.Select(SpecialFunctions.GammaLn),
            .. a.Select((aj, j) => (aj - b[j]) * (SpecialFunctions.DiGamma(aj) - psiA)),
        ];
    }

    /// <summary>E_{p∼Dir(α)}[−Σ_j y_j ln p_j] = Σ_j y_j (ψ(S) − ψ(α_j)), S = Σ α, at the concentration α itself.</summary>
    /// <param name="alpha">The concentration α (length K, every entry &gt; 0).</param>
    /// <param name="y">Target probability vector of length K.</param>
    /// <returns>The expected cross-entropy (≥ 0).</returns>
    public static double ExpectedCrossEntropyAtAlpha(double[] alpha, double[] y)
    {
        CheckPair(alpha, y);
        double psiS = SpecialFunctions.DiGamma(Sum(alpha));
        return alpha.Select((aj, j) => y[j] * (psiS - SpecialFunctions.DiGamma(aj))).Sum();
    }

    /// <summary>Size of the terms that cancel in <see cref="ExpectedCrossEntropyAtAlpha"/>: Σ_j y_j (|ψ(S)| + |ψ(α_j)|).</summary>
    /// <param name="alpha">The concentration α.</param>
    /// <param name="y">Target probability vector.</param>
    /// <returns>A non-negative magnitude.</returns>
    public static double ExpectedCrossEntropyAtAlphaMagnitude(double[] alpha, double[] y)
    {
        CheckPair(alpha, y);
        double psiS = Math.Abs(SpecialFunctions.DiGamma(Sum(alpha)));
        return alpha.Select((aj, j) => Math.Abs(y[j]) * (psiS + Math.Abs(SpecialFunctions.DiGamma(aj)))).Sum();
    }

    /// <summary>
    /// Belief matching (Joo, Chung and Seo, ICML 2020) at one position: Σ_j y_j (ψ(S) − ψ(α_j)) + λ·KL(Dir(α) ‖ Dir(β·1)).
    /// </summary>
    /// <param name="alpha">The concentration α (length K, every entry &gt; 0).</param>
    /// <param name="y">Target probability vector.</param>
    /// <param name="lambda">The KL weight λ ≥ 0.</param>
    /// <param name="beta">The prior's concentration β &gt; 0.</param>
    /// <returns>The loss (≥ 0).</returns>
    public static double BeliefMatching(double[] alpha, double[] y, double lambda, double beta) =>
        ExpectedCrossEntropyAtAlpha(alpha, y) + (lambda == 0 ? 0.0 : lambda * DirichletKl(alpha, Enumerable.Repeat(beta, alpha.Length).ToArray()));

    /// <summary>Size of the terms that cancel in <see cref="BeliefMatching"/>.</summary>
    /// <param name="alpha">The concentration α.</param>
    /// <param name="y">Target probability vector.</param>
    /// <param name="lambda">The KL weight λ.</param>
    /// <param name="beta">The prior's concentration β.</param>
    /// <returns>A non-negative magnitude.</returns>
    public static double BeliefMatchingMagnitude(double[] alpha, double[] y, double lambda, double beta) =>
        ExpectedCrossEntropyAtAlphaMagnitude(alpha, y)
        + (lambda == 0 ? 0.0 : lambda * DirichletKlMagnitude(alpha, Enumerable.Repeat(beta, alpha.Length).ToArray()));

    /// <summary>
    /// The reverse-KL Prior Network loss (Malinin and Gales, NeurIPS 2019) at one position: KL(Dir(α) ‖ Dir(β)) with
    /// β = 1 + τ·y; an all-zero y (out of distribution) gives the flat β = 1.
    /// </summary>
    /// <param name="alpha">The concentration α (length K, every entry &gt; 0).</param>
    /// <param name="y">Target probability vector (all zero out of distribution).</param>
    /// <param name="tau">The target concentration τ &gt; 0.</param>
    /// <returns>The loss (≥ 0).</returns>
    public static double PriorNetworkReverseKl(double[] alpha, double[] y, double tau) => DirichletKl(alpha, PriorNetworkTarget(y, tau));

    /// <summary>Size of the terms that cancel in <see cref="PriorNetworkReverseKl"/>.</summary>
    /// <param name="alpha">The concentration α.</param>
    /// <param name="y">Target probability vector.</param>
    /// <param name="tau">The target concentration τ.</param>
    /// <returns>A non-negative magnitude.</returns>
    public static double PriorNetworkReverseKlMagnitude(double[] alpha, double[] y, double tau) => DirichletKlMagnitude(alpha, PriorNetworkTarget(y, tau));

    private static double[] PriorNetworkTarget(double[] y, double tau) => y.Select(yj => 1.0 + tau * yj).ToArray();
    // ---- issue 14: RED (Pandey and Yu, ICML 2023) and Posterior Network (Charpentier et al., NeurIPS 2020) ----

    /// <summary>The floor ε of the evidence inside RED's logarithm (the paper's ln e_y is −∞ at e_y = 0; documented in UL).</summary>
    public const double CorrectEvidenceFloor = 1e-5;

    /// <summary>
    /// RED's correct-evidence regulariser written from the paper: −ν·Σ_j y_j ln max(e_j, ε), ν = K/S with S = Σ_j (e_j + 1)
    /// evaluated at <paramref name="frozenAt"/> (the evidence the vacuity is held constant at; the paper's ν carries no
    /// gradient). Its derivatives in <paramref name="e"/> at e = frozenAt are what autograd gives.
    /// </summary>
    /// <param name="e">Evidence vector of length K (the point the logarithm is evaluated at).</param>
    /// <param name="y">Target probability vector of length K.</param>
    /// <param name="frozenAt">Evidence the vacuity is computed from.</param>
    /// <returns>The regulariser.</returns>
    public static double CorrectEvidence(double[] e, double[] y, double[] frozenAt)
    {
        CheckPair(e, y);
        ArgumentNullException.ThrowIfNull(frozenAt);
        double nu = e.Length / AlphaSum(frozenAt);
        double v = 0.0;
        for (int j = 0; j < e.Length; j++)
        {
            if (y[j] != 0.0)
                v += y[j] * Math.Log(Math.Max(e[j], CorrectEvidenceFloor));
        }

        return -nu * v;
    }

    /// <summary>RED's regulariser with ν at the same evidence: the value (not the gradient) of the loss.</summary>
    public static double CorrectEvidence(double[] e, double[] y) => CorrectEvidence(e, y, e);

    /// <summary>Size of the terms of <see cref="CorrectEvidence(double[], double[])"/>: ν·Σ_j y_j |ln max(e_j, ε)|.</summary>
    public static double CorrectEvidenceMagnitude(double[] e, double[] y)
    {
        CheckPair(e, y);
        double nu = e.Length / AlphaSum(e);
        double m = 0.0;
        for (int j = 0; j < e.Length; j++)
            m += y[j] * Math.Abs(Math.Log(Math.Max(e[j], CorrectEvidenceFloor)));
        return nu * m;
    }

    /// <summary>
    /// Posterior Network's loss written from the paper: the UCE Σ_j y_j (ψ(S) − ψ(α_j)) minus λ·H[Dir(α)], α = e + 1, from
    /// <see cref="DirichletDigamma"/> and <see cref="DifferentialEntropy"/>.
    /// </summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <param name="y">Target probability vector of length K.</param>
    /// <param name="lambda">The entropy weight.</param>
    /// <returns>The loss.</returns>
    public static double PosteriorNetwork(double[] e, double[] y, double lambda) =>
        DirichletDigamma(e, y) - lambda * DifferentialEntropy(e);

    /// <summary>Size of the terms that cancel in <see cref="PosteriorNetwork"/>.</summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <param name="y">Target probability vector of length K.</param>
    /// <param name="lambda">The entropy weight.</param>
    /// <returns>A non-negative magnitude.</returns>
    public static double PosteriorNetworkMagnitude(double[] e, double[] y, double lambda) =>
        DirichletDigammaMagnitude(e, y) + lambda * DifferentialEntropyMagnitude(e);

    private static double FisherTerms(double[] e, int c, bool paperAlphaSum, bool magnitude)
    {
        ArgumentNullException.ThrowIfNull(e);
        CheckClass(c, e.Length);
        double s = AlphaSum(e);
        double a0 = paperAlphaSum ? 1.0 + (s - (e[c] + 1.0)) : s;
        double psi1A = Trigamma.Value(a0);
        double r = 0.0;
        for (int j = 0; j < e.Length; j++)
        {
            if (j == c)
            {
                continue;
            }

            double psi1 = Trigamma.Value(e[j] + 1.0);
            r += e[j] * e[j] * (magnitude ? psi1 + psi1A : psi1 - psi1A);
        }

        return 0.5 * r;
    }

    /// <summary>ln(Γ(x + p) / Γ(x)) = Σ_{i&lt;p} ln(x + i) for integer p ≥ 0 and x &gt; 0.</summary>
    private static double LogGammaRatio(double x, int p)
    {
        double sum = 0.0;
        for (int i = 0; i < p; i++)
        {
            sum += Math.Log(x + i);
        }

        return sum;
    }

    private static double[] AlphaTilde(double[] e, double[] y)
    {
        var a = new double[e.Length];
        for (int j = 0; j < e.Length; j++)
        {
            a[j] = y[j] + (1.0 - y[j]) * (e[j] + 1.0);
        }

        return a;
    }

    private static double AlphaSum(double[] e)
    {
        return Sum(e) + e.Length;
    }

    private static double Sum(double[] v)
    {
        double s = 0.0;
        foreach (double x in v)
        {
            s += x;
        }

        return s;
    }

    private static double LogSumExp(double[] v)
    {
        double max = double.NegativeInfinity;
        foreach (double x in v)
        {
            max = Math.Max(max, x);
        }

        double s = 0.0;
        foreach (double x in v)
        {
            s += Math.Exp(x - max);
        }

        return max + Math.Log(s);
    }

    private static void CheckPair(double[] e, double[] y)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(y);
        if (e.Length != y.Length)
        {
            throw new ArgumentException($"Evidence has {e.Length} classes but the target has {y.Length}.", nameof(y));
        }
    }

    private static void CheckClass(int c, int k)
    {
        if (c < 0 || c >= k)
        {
            throw new ArgumentOutOfRangeException(nameof(c), c, $"Class index must be in [0, {k}).");
        }
    }

    /// <summary>ln(1 + x) for x ≥ 0, accurate for tiny x (series below 1e-4).</summary>
    private static double LogOnePlus(double x) =>
        x < 1e-4 ? x * (1 - x * (0.5 - x * (1.0 / 3 - x * 0.25))) : Math.Log(1 + x);

}
