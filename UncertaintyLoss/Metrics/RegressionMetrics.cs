using System;
using System.Collections.Generic;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss.Metrics;

/// <summary>The family of a predictive distribution given by location and scale tensors (and degrees of freedom).</summary>
public enum PredictiveDistribution
{
    /// <summary>Normal N(μ, σ²): location μ, scale σ (the standard deviation).</summary>
    Normal,

    /// <summary>Laplace(μ, b): location μ, scale b (the standard deviation is √2·b).</summary>
    Laplace,

    /// <summary>Student-t t_ν(μ, σ): location μ, scale σ, degrees of freedom ν (the standard deviation is
    /// σ·√(ν/(ν − 2)) for ν &gt; 2).</summary>
    StudentT,
}

/// <summary>
/// Metrics of probabilistic regression: the continuous ranked probability score in closed form, prediction-interval
/// coverage, width and interval score, quantile calibration error, miscalibration area and sharpness. See
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/metrics.md">metrics.md</see>.
/// </summary>
/// <remarks>
/// The inputs are validated, then copied once to the host and the metric is computed there in double precision; every
/// metric is a mean over all elements of the (equally shaped) inputs, which may have any shape and live on any device and
/// are never modified or disposed.
/// </remarks>
public static class RegressionMetrics
{
    private const double InvSqrtPi = 0.56418958354775628695; // 1/√π
    private const double InvSqrt2Pi = 0.39894228040143267794; // 1/√(2π)

    /// <summary>
    /// Mean continuous ranked probability score CRPS(F, y) = ∫ (F(x) − 1{x ≥ y})² dx of Normal, Laplace or Student-t
    /// predictive distributions, in closed form. Lower is better; in the units of y.
    /// </summary>
    /// <remarks>
    /// <para>With z = (y − μ)/s: Normal, CRPS = σ[z(2Φ(z) − 1) + 2φ(z) − 1/√π] (Gneiting et al. 2005); Laplace,
    /// CRPS = b[|z| + e^{−|z|} − 3/4]; Student-t with ν &gt; 1, CRPS = σ[z(2F_ν(z) − 1) + 2f_ν(z)(ν + z²)/(ν − 1)
    /// − 2√ν B(½, ν − ½) / ((ν − 1) B(½, ν/2)²)] with F_ν, f_ν the standard t CDF and density (Jordan, Krüger and Lerch
    /// 2019, scoringRules' crps_t). The Student-t CRPS is infinite for ν ≤ 1, which is rejected.</para>
    /// <para>Shapes: <paramref name="loc"/>, <paramref name="scale"/>, <paramref name="target"/> and
    /// <paramref name="degreesOfFreedom"/> all of one shape (any rank, at least one element; degrees of freedom may also
    /// be a single element), floating, on one device. Values finite; scale &gt; 0.</para>
    /// <para>Reference: T. Gneiting, A. E. Raftery, "Strictly Proper Scoring Rules, Prediction, and Estimation", JASA 102,
    /// 2007 (eq. 20–21); T. Gneiting, A. E. Raftery, A. H. Westveld, T. Goldman, Monthly Weather Review 133, 2005;
    /// A. Jordan, F. Krüger, S. Lerch, "Evaluating Probabilistic Forecasts with scoringRules", J. Stat. Softw. 90, 2019.</para>
    /// </remarks>
    /// <param name="loc">Location μ.</param>
    /// <param name="scale">Scale σ or b, &gt; 0.</param>
    /// <param name="target">Observations y.</param>
    /// <param name="distribution">The predictive family (default Normal).</param>
    /// <param name="degreesOfFreedom">ν &gt; 1, required for Student-t and not allowed otherwise.</param>
    /// <returns>The mean CRPS, ≥ 0.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null, or <paramref name="degreesOfFreedom"/> is null for
    /// Student-t.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, has the wrong shape, dtype, device or values, or
    /// <paramref name="degreesOfFreedom"/> is given for Normal or Laplace.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="distribution"/> is not a defined value.</exception>
    public static double Crps(Tensor loc, Tensor scale, Tensor target, PredictiveDistribution distribution = PredictiveDistribution.Normal,
        Tensor? degreesOfFreedom = null)
    {
        var (mu, s, y, nu) = Distribution(loc, scale, target, distribution, degreesOfFreedom, minimumNu: 1.0, "ν > 1 (the Student-t CRPS is infinite for ν <= 1)");
        var sum = new CompensatedSum();
        for (int i = 0; i < y.Length; i++)
            sum.Add(CrpsOne(distribution, mu[i], s[i], y[i], nu is null ? 0 : nu[nu.Length == 1 ? 0 : i]));
        return sum.Value / y.Length;
    }

    /// <summary>
    /// Prediction interval coverage probability: the fraction of observations inside their interval,
    /// PICP = (1/N) Σ 1{l_i ≤ y_i ≤ u_i} (closed intervals).
    /// </summary>
    /// <remarks>
    /// <para>Compare it with the nominal coverage 1 − α of the intervals. Shapes: <paramref name="lower"/>,
    /// <paramref name="upper"/>, <paramref name="target"/> one shape, floating, one device; values finite, lower ≤ upper.</para>
    /// <para>Reference: A. Khosravi, S. Nahavandi, D. Creighton, A. F. Atiya, "Comprehensive Review of Neural Network-Based
    /// Prediction Intervals and New Advances", IEEE TNN 22, 2011.</para>
    /// </remarks>
    /// <param name="lower">Lower interval ends l.</param>
    /// <param name="upper">Upper interval ends u.</param>
    /// <param name="target">Observations y.</param>
    /// <returns>PICP in [0, 1].</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, has the wrong shape, dtype, device or values, or an upper
    /// end is below its lower end.</exception>
    public static double IntervalCoverage(Tensor lower, Tensor upper, Tensor target)
    {
        var (l, u, y) = Interval(lower, upper, target);
        long inside = 0;
        for (int i = 0; i < y.Length; i++)
            inside += l[i] <= y[i] && y[i] <= u[i] ? 1 : 0;
        return (double)inside / y.Length;
    }

    /// <summary>Mean prediction interval width, (1/N) Σ (u_i − l_i).</summary>
    /// <remarks>
    /// <para>Shapes: <paramref name="lower"/> and <paramref name="upper"/> one shape, floating, one device; values finite,
    /// lower ≤ upper. Read it together with <see cref="IntervalCoverage"/>: narrower is better only at the same coverage.</para>
    /// <para>Reference: Khosravi et al., IEEE TNN 22, 2011 (MPIW).</para>
    /// </remarks>
    /// <param name="lower">Lower interval ends l.</param>
    /// <param name="upper">Upper interval ends u.</param>
    /// <returns>The mean width, ≥ 0.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, has the wrong shape, dtype, device or values, or an upper
    /// end is below its lower end.</exception>
    public static double MeanIntervalWidth(Tensor lower, Tensor upper)
    {
        var (l, u, _) = Interval(lower, upper, null);
        var sum = new CompensatedSum();
        for (int i = 0; i < l.Length; i++)
            sum.Add(u[i] - l[i]);
        return sum.Value / l.Length;
    }

    /// <summary>
    /// Mean interval (Winkler) score of central (1 − α) prediction intervals:
    /// IS_α = (u − l) + (2/α)(l − y)·1{y &lt; l} + (2/α)(y − u)·1{y &gt; u}. Lower is better; a proper score for the
    /// α/2 and 1 − α/2 quantiles.
    /// </summary>
    /// <remarks>
    /// <para>Shapes as <see cref="IntervalCoverage"/>.</para>
    /// <para>Reference: T. Gneiting, A. E. Raftery, JASA 102, 2007 (eq. 43); R. L. Winkler, "A Decision-Theoretic Approach
    /// to Interval Estimation", JASA 67, 1972.</para>
    /// </remarks>
    /// <param name="lower">Lower interval ends l.</param>
    /// <param name="upper">Upper interval ends u.</param>
    /// <param name="target">Observations y.</param>
    /// <param name="alpha">The intervals' miscoverage α in (0, 1) (0.1 for 90 % intervals).</param>
    /// <returns>The mean interval score, ≥ 0.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, has the wrong shape, dtype, device or values, or an upper
    /// end is below its lower end.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is not in (0, 1).</exception>
    public static double IntervalScore(Tensor lower, Tensor upper, Tensor target, double alpha)
    {
        Check.InRange(alpha > 0.0 && alpha < 1.0, alpha, nameof(alpha), "alpha in (0, 1)");
        var (l, u, y) = Interval(lower, upper, target);
        var sum = new CompensatedSum();
        for (int i = 0; i < y.Length; i++)
        {
            double score = u[i] - l[i];
            if (y[i] < l[i])
                score += 2.0 / alpha * (l[i] - y[i]);
            else if (y[i] > u[i])
                score += 2.0 / alpha * (y[i] - u[i]);
            sum.Add(score);
        }

        return sum.Value / y.Length;
    }

    /// <summary>
    /// Quantile calibration error (Kuleshov et al. 2018): with the probability integral transform u_i = F_i(y_i) and the
    /// levels p_j = j/(m + 1), j = 1, …, m, QCE = (1/m) Σ_j (p_j − p̂_j)², where p̂_j = (1/N) #{i : u_i ≤ p_j} is the
    /// observed frequency of y below the predicted p_j-quantile.
    /// </summary>
    /// <remarks>
    /// <para>0 when every predicted quantile level is met exactly; at most 1/3 + O(1/m). F_i is the CDF of the Normal,
    /// Laplace or Student-t (ν &gt; 0) distribution with the given location and scale.</para>
    /// <para>Shapes as <see cref="Crps"/>; ν &gt; 0.</para>
    /// <para>Reference: V. Kuleshov, N. Fenner, S. Ermon, "Accurate Uncertainties for Deep Learning Using Calibrated
    /// Regression", ICML 2018 (eq. 9, with weights w_j = 1/m).</para>
    /// </remarks>
    /// <param name="loc">Location μ.</param>
    /// <param name="scale">Scale σ or b, &gt; 0.</param>
    /// <param name="target">Observations y.</param>
    /// <param name="distribution">The predictive family (default Normal).</param>
    /// <param name="degreesOfFreedom">ν &gt; 0, required for Student-t and not allowed otherwise.</param>
    /// <param name="levels">Number of levels m ≥ 1 (default 99: p = 0.01, …, 0.99).</param>
    /// <returns>QCE, ≥ 0.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null, or <paramref name="degreesOfFreedom"/> is null for
    /// Student-t.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, has the wrong shape, dtype, device or values, or
    /// <paramref name="degreesOfFreedom"/> is given for Normal or Laplace.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="distribution"/> is not a defined value, or
    /// <paramref name="levels"/> &lt; 1.</exception>
    public static double QuantileCalibrationError(Tensor loc, Tensor scale, Tensor target,
        PredictiveDistribution distribution = PredictiveDistribution.Normal, Tensor? degreesOfFreedom = null, int levels = 99)
    {
        Check.AtLeast(levels, 1, nameof(levels));
        double[] u = Pit(loc, scale, target, distribution, degreesOfFreedom);
        Array.Sort(u);
        double total = 0.0;
        int below = 0;
        for (int j = 1; j <= levels; j++)
        {
            double p = (double)j / (levels + 1);
            while (below < u.Length && u[below] <= p)
                below++;
            double observed = (double)below / u.Length;
            total += (p - observed) * (p - observed);
        }

        return total / levels;
    }

    /// <summary>
    /// Miscalibration area: the area between the calibration curve and the diagonal, A = ∫₀¹ |Ĝ(p) − p| dp, with Ĝ the
    /// empirical CDF of the probability integral transform u_i = F_i(y_i). Computed exactly (no grid).
    /// </summary>
    /// <remarks>
    /// <para>Ĝ(p) = (1/N) #{i : u_i ≤ p} is the observed frequency of y below the predicted p-quantile, so A is the
    /// continuous-level version of <see cref="QuantileCalibrationError"/>'s curve (with |·| instead of (·)²), as the
    /// "miscalibration area" of Tran et al. 2020's uncertainty-toolbox (which evaluates it on a grid of levels). In [0, ½];
    /// 1/(4N) for PIT values at (i − ½)/N, ½ in the limit of all u_i at 0 or all at 1.</para>
    /// <para>Shapes as <see cref="Crps"/>; ν &gt; 0.</para>
    /// <para>Reference: V. Kuleshov, N. Fenner, S. Ermon, ICML 2018; K. Tran, W. Neiswanger, J. Yoon, Q. Zhang, E. Xing,
    /// Z. W. Ulissi, "Methods for comparing uncertainty quantifications for material property predictions", Mach. Learn.:
    /// Sci. Technol. 1, 2020.</para>
    /// </remarks>
    /// <param name="loc">Location μ.</param>
    /// <param name="scale">Scale σ or b, &gt; 0.</param>
    /// <param name="target">Observations y.</param>
    /// <param name="distribution">The predictive family (default Normal).</param>
    /// <param name="degreesOfFreedom">ν &gt; 0, required for Student-t and not allowed otherwise.</param>
    /// <returns>The miscalibration area in [0, 0.5].</returns>
    /// <exception cref="ArgumentNullException">A tensor is null, or <paramref name="degreesOfFreedom"/> is null for
    /// Student-t.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, has the wrong shape, dtype, device or values, or
    /// <paramref name="degreesOfFreedom"/> is given for Normal or Laplace.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="distribution"/> is not a defined value.</exception>
    public static double MiscalibrationArea(Tensor loc, Tensor scale, Tensor target,
        PredictiveDistribution distribution = PredictiveDistribution.Normal, Tensor? degreesOfFreedom = null)
    {
        double[] u = Pit(loc, scale, target, distribution, degreesOfFreedom);
        Array.Sort(u);
        int n = u.Length;
        double area = 0.0, a = 0.0;
        for (int i = 0; i <= n; i++)
        {
            double b = i < n ? u[i] : 1.0;
            double level = (double)i / n; // Ĝ on [a, b)
            area += 0.5 * ((b - level) * Math.Abs(b - level) - (a - level) * Math.Abs(a - level));
            a = b;
        }

        return area;
    }

    /// <summary>
    /// Sharpness: the root mean predictive variance, sha = √((1/N) Σ Var(F_i)), in the units of y. Smaller is sharper;
    /// meaningful only together with calibration.
    /// </summary>
    /// <remarks>
    /// <para>Var = σ² (Normal), 2b² (Laplace), σ²ν/(ν − 2) (Student-t, ν &gt; 2: the variance is infinite for ν ≤ 2, which
    /// is rejected). Kuleshov et al. define sharpness as the mean variance; this is its square root, as the
    /// uncertainty-toolbox's sharpness.</para>
    /// <para>Shapes: <paramref name="scale"/> any shape with at least one element, floating, finite, &gt; 0;
    /// <paramref name="degreesOfFreedom"/> the same shape or one element, on its device.</para>
    /// <para>Reference: V. Kuleshov, N. Fenner, S. Ermon, ICML 2018 (sec. 3.2); T. Gneiting, F. Balabdaoui, A. E. Raftery,
    /// "Probabilistic forecasts, calibration and sharpness", JRSS B 69, 2007.</para>
    /// </remarks>
    /// <param name="scale">Scale σ or b, &gt; 0.</param>
    /// <param name="distribution">The predictive family (default Normal).</param>
    /// <param name="degreesOfFreedom">ν &gt; 2, required for Student-t and not allowed otherwise.</param>
    /// <returns>The root mean variance, &gt; 0.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="scale"/> is null, or <paramref name="degreesOfFreedom"/> is
    /// null for Student-t.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, has the wrong shape, dtype, device or values, or
    /// <paramref name="degreesOfFreedom"/> is given for Normal or Laplace.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="distribution"/> is not a defined value.</exception>
    public static double Sharpness(Tensor scale, PredictiveDistribution distribution = PredictiveDistribution.Normal, Tensor? degreesOfFreedom = null)
    {
        Check.Defined(distribution, nameof(distribution));
        var s = Check.Live(scale, nameof(scale));
        double[] sigma = Host(s, nameof(scale), s.shape, s, nameof(scale));
        Positive(sigma, nameof(scale));
        double[]? nu = DegreesOfFreedom(degreesOfFreedom, distribution, s, nameof(scale), 2.0, "ν > 2 (the Student-t variance is infinite for ν <= 2)");
        var sum = new CompensatedSum();
        for (int i = 0; i < sigma.Length; i++)
        {
            double v = sigma[i] * sigma[i];
            sum.Add(distribution switch
            {
                PredictiveDistribution.Laplace => 2.0 * v,
                PredictiveDistribution.StudentT => v * Nu(nu!, i) / (Nu(nu!, i) - 2.0),
                _ => v,
            });
        }

        return Math.Sqrt(sum.Value / sigma.Length);
    }

    // ------------------------------------------------------------------ closed forms

    /// <summary>The CRPS of one predictive distribution at one observation.</summary>
    internal static double CrpsOne(PredictiveDistribution distribution, double mu, double s, double y, double nu)
    {
        double z = (y - mu) / s;
        switch (distribution)
        {
            case PredictiveDistribution.Laplace:
            {
                double a = Math.Abs(z);
                return s * (a + Math.Exp(-a) - 0.75);
            }

            case PredictiveDistribution.StudentT:
            {
                double cdf = StudentTMath.Cdf(z, nu);
                double logBetaHalf = StudentTMath.LogBeta(0.5, nu / 2);
                double density = Math.Exp(-(nu + 1) / 2 * Math.Log(1 + z * z / nu) - 0.5 * Math.Log(nu) - logBetaHalf);
                double constant = 2 * Math.Sqrt(nu) / (nu - 1) * Math.Exp(StudentTMath.LogBeta(0.5, nu - 0.5) - 2 * logBetaHalf);
                return s * (z * (2 * cdf - 1) + 2 * density * (nu + z * z) / (nu - 1) - constant);
            }

            default:
                return s * (z * Erf(z / Math.Sqrt(2)) + 2 * InvSqrt2Pi * Math.Exp(-0.5 * z * z) - InvSqrtPi);
        }
    }

    /// <summary>The predictive CDF F(y) of one distribution.</summary>
    internal static double Cdf(PredictiveDistribution distribution, double mu, double s, double y, double nu)
    {
        double z = (y - mu) / s;
        return distribution switch
        {
            PredictiveDistribution.Laplace => z < 0 ? 0.5 * Math.Exp(z) : 1 - 0.5 * Math.Exp(-z),
            PredictiveDistribution.StudentT => StudentTMath.Cdf(z, nu),
            _ => 0.5 * Erfc(-z / Math.Sqrt(2)),
        };
    }

    /// <summary>erf(x): a positive-term series for |x| &lt; 1, 1 − erfc otherwise (relative error about 1e-15).</summary>
    internal static double Erf(double x)
    {
        double a = Math.Abs(x);
        if (a >= 1.0)
            return Math.Sign(x) * (1.0 - Erfc(a));
        // erf(x) = (2/√π) e^{−x²} Σ_n 2ⁿ x^{2n+1} / (1·3·…·(2n+1))
        double term = a, sum = a;
        for (int n = 1; n < 100 && term > 1e-17 * sum; n++)
        {
            term *= 2 * a * a / (2 * n + 1);
            sum += term;
        }

        return Math.Sign(x) * 2 * InvSqrtPi * Math.Exp(-a * a) * sum;
    }

    /// <summary>erfc(x): 1 − erf for x &lt; 1, Laplace's continued fraction (modified Lentz) for x ≥ 1.</summary>
    internal static double Erfc(double x)
    {
        if (x < 1.0)
            return 1.0 - Erf(x);
        if (x > 27.3)
            return 0.0;
        // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))
        const double tiny = 1e-300;
        double f = x, c = x, d = 0.0;
        for (int k = 1; k < 500; k++)
        {
            double an = k / 2.0;
            d = x + an * d;
            d = Math.Abs(d) < tiny ? tiny : d;
            c = x + an / c;
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1.0 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1.0) < 1e-16)
                break;
        }

        return Math.Exp(-x * x) * InvSqrtPi / f;
    }

    // ------------------------------------------------------------------ inputs

    private static double[] Pit(Tensor loc, Tensor scale, Tensor target, PredictiveDistribution distribution, Tensor? degreesOfFreedom)
    {
        var (mu, s, y, nu) = Distribution(loc, scale, target, distribution, degreesOfFreedom, minimumNu: 0.0, "ν > 0");
        var u = new double[y.Length];
        for (int i = 0; i < u.Length; i++)
            u[i] = Cdf(distribution, mu[i], s[i], y[i], nu is null ? 0 : Nu(nu, i));
        return u;
    }

    private static double Nu(double[] nu, int i) => nu[nu.Length == 1 ? 0 : i];

    private static (double[] Mu, double[] S, double[] Y, double[]? Nu) Distribution(Tensor loc, Tensor scale, Tensor target,
        PredictiveDistribution distribution, Tensor? degreesOfFreedom, double minimumNu, string nuRule)
    {
        Check.Defined(distribution, nameof(distribution));
        var y = Check.Live(target, nameof(target));
        Check.Live(loc, nameof(loc));
        Check.Live(scale, nameof(scale));
        double[] mu = Host(loc, nameof(loc), y.shape, y, nameof(target));
        double[] s = Host(scale, nameof(scale), y.shape, y, nameof(target));
        double[] obs = Host(y, nameof(target), y.shape, y, nameof(target));
        double[]? nu = DegreesOfFreedom(degreesOfFreedom, distribution, y, nameof(target), minimumNu, nuRule);
        Finite(mu, nameof(loc));
        Positive(s, nameof(scale));
        Finite(obs, nameof(target));
        return (mu, s, obs, nu);
    }

    private static double[]? DegreesOfFreedom(Tensor? degreesOfFreedom, PredictiveDistribution distribution, Tensor reference, string referenceName,
        double minimum, string rule)
    {
        const string name = nameof(degreesOfFreedom);
        if (distribution != PredictiveDistribution.StudentT)
        {
            if (degreesOfFreedom is not null)
                throw Check.Invalid(name, Check.Inv($"no {name} for the {distribution} distribution"), "a tensor");
            return null;
        }

        var t = Check.NotNull(degreesOfFreedom, name);
        Check.NotDisposed(t, name);
        double[] nu = Host(t, name, t.numel() == 1 ? t.shape : reference.shape, reference, referenceName);
        for (int i = 0; i < nu.Length; i++)
        {
            if (!(nu[i] > minimum && double.IsFinite(nu[i])))
                throw Check.Invalid(name, Check.Inv($"{name} finite with {rule}"), Check.Inv($"{Check.Format(nu[i])} at element {i}"));
        }

        return nu;
    }

    private static (double[] L, double[] U, double[] Y) Interval(Tensor lower, Tensor upper, Tensor? target)
    {
        var l = Check.Live(lower, nameof(lower));
        Check.Live(upper, nameof(upper));
        double[] lo = Host(l, nameof(lower), l.shape, l, nameof(lower));
        double[] hi = Host(upper, nameof(upper), l.shape, l, nameof(lower));
        double[] y = target is null ? Array.Empty<double>() : Host(Check.Live(target, nameof(target)), nameof(target), l.shape, l, nameof(lower));
        Finite(lo, nameof(lower));
        Finite(hi, nameof(upper));
        Finite(y, nameof(target));
        for (int i = 0; i < lo.Length; i++)
        {
            if (hi[i] < lo[i])
                throw Check.Invalid(nameof(upper), Check.Inv($"{nameof(upper)} >= {nameof(lower)}"),
                    Check.Inv($"{Check.Format(hi[i])} < {Check.Format(lo[i])} at element {i}"));
        }

        return (lo, hi, y);
    }

    /// <summary>Checks <paramref name="t"/> (live, floating, of <paramref name="shape"/>, at least one element, at most
    /// int.MaxValue, on <paramref name="reference"/>'s device) and copies it to the host as doubles.</summary>
    private static double[] Host(Tensor t, string name, long[] shape, Tensor reference, string referenceName)
    {
        Check.Floating(t, name);
        if (!((ReadOnlySpan<long>)t.shape).SequenceEqual(shape))
            throw Check.Invalid(name, Check.Inv($"{name} of shape {Check.Shape(shape)} ({referenceName}'s)"), "shape " + Check.Shape(t));
        if (t.numel() < 1)
            throw Check.Invalid(name, Check.Inv($"{name} to hold at least one element"), "shape " + Check.Shape(t));
        if (t.numel() > int.MaxValue)
            throw Check.Invalid(name, Check.Inv($"{name} of at most {int.MaxValue} elements"), "shape " + Check.Shape(t));
        if (!ReferenceEquals(t, reference))
            Check.SameDevice(t, name, reference, referenceName + "'s");
        using var scope = NewDisposeScope();
        return t.detach().to(ScalarType.Float64, CPU).contiguous().data<double>().ToArray();
    }

    private static void Finite(double[] values, string name)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
                throw Check.Invalid(name, Check.Inv($"{name} to be finite"), Check.Inv($"{Check.Format(values[i])} at element {i}"));
        }
    }

    private static void Positive(double[] values, string name)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!(values[i] > 0 && double.IsFinite(values[i])))
                throw Check.Invalid(name, Check.Inv($"{name} to be finite and positive"), Check.Inv($"{Check.Format(values[i])} at element {i}"));
        }
    }
}
