using MathNet.Numerics;
using MathNet.Numerics.Distributions;
using UncertaintyLoss.Metrics;

namespace UncertaintyLoss.Tests.MetricsTests;

/// <summary>Tests of <see cref="RegressionMetrics"/>: closed forms against MathNet integration and CDFs, known values,
/// loops, validation.</summary>
[TestFixture]
public class RegressionMetricsTests
{
    private static Func<double, double> MathNetCdf(PredictiveDistribution family, double mu, double s, double nu) => family switch
    {
        PredictiveDistribution.Laplace => x => new Laplace(mu, s).CumulativeDistribution(x),
        PredictiveDistribution.StudentT => x => new StudentT(mu, s, nu).CumulativeDistribution(x),
        _ => x => Normal.CDF(mu, s, x),
    };

    /// <summary>CRPS(F, y) = ∫ (F(x) − 1{x ≥ y})² dx by double-exponential (tanh–sinh) quadrature with MathNet's CDF, split
    /// at y and μ (the integrand's jump and the Laplace kink are endpoints), the half-lines mapped to [0, 1) by
    /// x = a ± s·t/(1 − t).</summary>
    private static double CrpsByIntegration(PredictiveDistribution family, double mu, double s, double y, double nu)
    {
        var cdf = MathNetCdf(family, mu, s, nu);
        double G(double x) { double d = cdf(x) - (x >= y ? 1 : 0); return d * d; }
        double lo = Math.Min(mu, y), hi = Math.Max(mu, y);
        double Left(double t) => t >= 1 ? 0 : s * G(lo - s * t / (1 - t)) / ((1 - t) * (1 - t));
        double Right(double t) => t >= 1 ? 0 : s * G(hi + s * t / (1 - t)) / ((1 - t) * (1 - t));
        double middle = hi > lo ? Integrate.DoubleExponential(G, lo, hi, 1e-13) : 0;
        return Integrate.DoubleExponential(Left, 0, 1, 1e-13) + middle + Integrate.DoubleExponential(Right, 0, 1, 1e-13);
    }

    private static Tensor T(params double[] v) => MetricsKit.Floats(v, new long[] { v.Length });

    /// <summary>Each family's closed form against numerical integration of the definition, over locations, scales,
    /// observations (near and 8 scales away) and degrees of freedom 1.5–30.</summary>
    [TestCase(PredictiveDistribution.Normal, 0.0, 1.0, 0.3, 0.0)]
    [TestCase(PredictiveDistribution.Normal, 2.0, 0.5, -1.7, 0.0)]
    [TestCase(PredictiveDistribution.Normal, -1.0, 3.0, 23.0, 0.0)]
    [TestCase(PredictiveDistribution.Laplace, 0.0, 1.0, 0.3, 0.0)]
    [TestCase(PredictiveDistribution.Laplace, 2.0, 0.5, -1.7, 0.0)]
    [TestCase(PredictiveDistribution.Laplace, -1.0, 3.0, 23.0, 0.0)]
    [TestCase(PredictiveDistribution.StudentT, 0.0, 1.0, 0.3, 3.0)]
    [TestCase(PredictiveDistribution.StudentT, 2.0, 0.5, -1.7, 1.5)]
    [TestCase(PredictiveDistribution.StudentT, -1.0, 3.0, 23.0, 5.0)]
    [TestCase(PredictiveDistribution.StudentT, 0.5, 2.0, 1.0, 30.0)]
    [TestCase(PredictiveDistribution.StudentT, 0.0, 1.0, 0.0, 1.2)]
    public void Crps_ClosedForm_MatchesNumericalIntegration(PredictiveDistribution family, double mu, double s, double y, double nu)
    {
        using var scope = NewDisposeScope();
        double expected = CrpsByIntegration(family, mu, s, y, nu);
        double actual = RegressionMetrics.Crps(T(mu), T(s), T(y), family, family == PredictiveDistribution.StudentT ? T(nu) : null);
        Assert.That(actual, Is.EqualTo(expected).Within(1e-9 * Math.Max(1, expected)));
    }

    /// <summary>Known values: N(0, 1) at 0: 2φ(0) − 1/√π = (√2 − 1)/√π; Laplace(0, 1) at 0: 1 − 3/4 = 0.25; Student-t with
    /// ν = 1e6 is the Normal within 1e-6; the scale multiplies the CRPS of the standardised observation; s → 0 gives |y − μ|.</summary>
    [Test]
    public void Crps_KnownValues_Match()
    {
        using var scope = NewDisposeScope();
        Assert.That(RegressionMetrics.Crps(T(0), T(1), T(0)), Is.EqualTo((Math.Sqrt(2) - 1) / Math.Sqrt(Math.PI)).Within(1e-15));
        Assert.That(RegressionMetrics.Crps(T(0), T(1), T(0), PredictiveDistribution.Laplace), Is.EqualTo(0.25).Within(1e-15));
        Assert.That(RegressionMetrics.Crps(T(0), T(1), T(0.7), PredictiveDistribution.StudentT, T(1e6)),
            Is.EqualTo(RegressionMetrics.Crps(T(0), T(1), T(0.7))).Within(1e-6));
        Assert.That(RegressionMetrics.Crps(T(1), T(4), T(3)), Is.EqualTo(4 * RegressionMetrics.Crps(T(0), T(1), T(0.5))).Within(1e-14));
        // A point forecast's limit: CRPS → |y − μ| as s → 0.
        Assert.That(RegressionMetrics.Crps(T(0), T(1e-9), T(2)), Is.EqualTo(2.0).Within(1e-8));
        // The mean over elements.
        Assert.That(RegressionMetrics.Crps(T(0, 0), T(1, 1), T(0, 0), PredictiveDistribution.Laplace), Is.EqualTo(0.25).Within(1e-15));
    }

    /// <summary>PICP, width and Winkler score by hand: intervals [0, 2] around y = 1 (inside), 3 (above by 1), −0.5
    /// (below by 0.5), 2 (on the edge, inside); α = 0.1 → scores 2, 2 + 20, 2 + 10, 2 → mean 9.5.</summary>
    [Test]
    public void IntervalMetrics_HandComputed_Match()
    {
        using var scope = NewDisposeScope();
        var lo = T(0, 0, 0, 0);
        var hi = T(2, 2, 2, 2);
        var y = T(1, 3, -0.5, 2);
        Assert.That(RegressionMetrics.IntervalCoverage(lo, hi, y), Is.EqualTo(0.5));
        Assert.That(RegressionMetrics.MeanIntervalWidth(lo, hi), Is.EqualTo(2.0));
        Assert.That(RegressionMetrics.IntervalScore(lo, hi, y, 0.1), Is.EqualTo(9.5).Within(1e-13));
    }

    /// <summary>The interval score's expectation is minimised by the α/2 and 1 − α/2 quantiles: for y ~ N(0, 1) on a
    /// fine grid of quantile levels (weights by the density), the true 90 % interval beats a too-wide and a too-narrow one.</summary>
    [Test]
    public void IntervalScore_TrueQuantiles_BeatWrongOnes()
    {
        using var scope = NewDisposeScope();
        var ys = Enumerable.Range(0, 4001).Select(i => Normal.InvCDF(0, 1, (i + 0.5) / 4001.0)).ToArray();
        double Score(double half) => RegressionMetrics.IntervalScore(
            full(ys.Length, -half, ScalarType.Float64), full(ys.Length, half, ScalarType.Float64), T(ys), 0.1);
        double best = Score(Normal.InvCDF(0, 1, 0.95));
        Assert.That(best, Is.LessThan(Score(1.3)));
        Assert.That(best, Is.LessThan(Score(2.0)));
    }

    private static double[] Pit(PredictiveDistribution family, double[] mu, double[] s, double[] y, double nu) =>
        y.Select((v, i) => MathNetCdf(family, mu[i], s[i], nu)(v)).ToArray();

    /// <summary>QCE and miscalibration area against references built on MathNet's CDFs: QCE by counting per level,
    /// the area by a midpoint sum over 200,000 levels (each of the N jumps costs at most one cell, so within 1e-4).</summary>
    [TestCase(PredictiveDistribution.Normal, 0.0)]
    [TestCase(PredictiveDistribution.Laplace, 0.0)]
    [TestCase(PredictiveDistribution.StudentT, 2.5)]
    public void QuantileCalibration_RandomData_MatchesReferences(PredictiveDistribution family, double nu)
    {
        using var scope = NewDisposeScope();
        var rng = new Random(17);
        int n = 300;
        var mu = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
        var s = Enumerable.Range(0, n).Select(_ => 0.2 + rng.NextDouble()).ToArray();
        var y = Enumerable.Range(0, n).Select(i => mu[i] + 1.3 * s[i] * Normal.Sample(rng, 0, 1) + 0.2).ToArray(); // miscalibrated
        var u = Pit(family, mu, s, y, nu);
        Tensor? df = family == PredictiveDistribution.StudentT ? full(n, nu, ScalarType.Float64) : null;

        double qce = 0;
        for (int j = 1; j <= 99; j++)
        {
            double level = j / 100.0, observed = u.Count(v => v <= level) / (double)n;
            qce += (level - observed) * (level - observed) / 99;
        }

        Assert.That(RegressionMetrics.QuantileCalibrationError(T(mu), T(s), T(y), family, df), Is.EqualTo(qce).Within(1e-12));

        int grid = 200_000;
        var sorted = u.OrderBy(v => v).ToArray();
        double area = 0;
        int below = 0;
        for (int g = 0; g < grid; g++)
        {
            double level = (g + 0.5) / grid;
            while (below < n && sorted[below] <= level) below++;
            area += Math.Abs((double)below / n - level) / grid;
        }

        Assert.That(RegressionMetrics.MiscalibrationArea(T(mu), T(s), T(y), family, df), Is.EqualTo(area).Within(1e-4));
    }

    /// <summary>Exact areas: PIT values at (i − ½)/N give 1/(4N); all PIT values ½ give ¼.</summary>
    [Test]
    public void MiscalibrationArea_KnownPitValues_MatchClosedForm()
    {
        using var scope = NewDisposeScope();
        int n = 10;
        // Laplace(0, 1): F(y) = q has y = ln(2q) for q ≤ ½, −ln(2 − 2q) above.
        var y = Enumerable.Range(1, n).Select(i => (i - 0.5) / n).Select(q => q <= 0.5 ? Math.Log(2 * q) : -Math.Log(2 - 2 * q)).ToArray();
        var zero = new double[n];
        var one = Enumerable.Repeat(1.0, n).ToArray();
        Assert.That(RegressionMetrics.MiscalibrationArea(T(zero), T(one), T(y), PredictiveDistribution.Laplace), Is.EqualTo(1.0 / (4 * n)).Within(1e-14));
        Assert.That(RegressionMetrics.MiscalibrationArea(T(zero), T(one), T(zero)), Is.EqualTo(0.25).Within(1e-15));
        // All PIT values ½: p̂_j = [p_j ≥ ½], so QCE = mean over j of (p_j − [p_j ≥ ½])².
        double qce = Enumerable.Range(1, 99).Select(j => j / 100.0).Select(p => Math.Pow(p - (p >= 0.5 ? 1 : 0), 2)).Average();
        Assert.That(RegressionMetrics.QuantileCalibrationError(T(zero), T(one), T(zero)), Is.EqualTo(qce).Within(1e-15));
    }

    /// <summary>Sharpness by hand: Normal σ = 1, 3 → √5; Laplace b = 1 → √2; Student-t ν = 4, σ = 1 → √2.</summary>
    [Test]
    public void Sharpness_HandComputed_Matches()
    {
        using var scope = NewDisposeScope();
        Assert.That(RegressionMetrics.Sharpness(T(1, 3)), Is.EqualTo(Math.Sqrt(5)).Within(1e-15));
        Assert.That(RegressionMetrics.Sharpness(T(1), PredictiveDistribution.Laplace), Is.EqualTo(Math.Sqrt(2)).Within(1e-15));
        Assert.That(RegressionMetrics.Sharpness(T(1), PredictiveDistribution.StudentT, T(4)), Is.EqualTo(Math.Sqrt(2)).Within(1e-15));
    }

    /// <summary>Bad inputs: the documented exception naming the argument.</summary>
    [Test]
    public void RegressionMetrics_BadInputs_Throw()
    {
        using var scope = NewDisposeScope();
        var one = T(1, 1);
        var zero = T(0, 0);
        void Row(Type ex, string name, TestDelegate call) => MetricsKit.Throws(ex, name, call);
        Row(typeof(ArgumentNullException), "loc", () => RegressionMetrics.Crps(null!, one, zero));
        Row(typeof(ArgumentException), "scale", () => RegressionMetrics.Crps(zero, T(1, 0), zero));
        Row(typeof(ArgumentException), "scale", () => RegressionMetrics.Crps(zero, T(1), zero));
        Row(typeof(ArgumentException), "target", () => RegressionMetrics.Crps(zero, one, T(0, double.NaN)));
        Row(typeof(ArgumentException), "loc", () => RegressionMetrics.Crps(T(0, double.PositiveInfinity), one, zero));
        Row(typeof(ArgumentException), "loc", () => RegressionMetrics.Crps(zeros(2, ScalarType.Int64), one, zero));
        Row(typeof(ArgumentException), "loc", () => RegressionMetrics.Crps(zeros(0, ScalarType.Float64), zeros(0, ScalarType.Float64), zeros(0, ScalarType.Float64)));
        Row(typeof(ArgumentNullException), "degreesOfFreedom", () => RegressionMetrics.Crps(zero, one, zero, PredictiveDistribution.StudentT));
        Row(typeof(ArgumentException), "degreesOfFreedom", () => RegressionMetrics.Crps(zero, one, zero, PredictiveDistribution.StudentT, T(1, 3)));
        Row(typeof(ArgumentException), "degreesOfFreedom", () => RegressionMetrics.Crps(zero, one, zero, PredictiveDistribution.Normal, T(3, 3)));
        Row(typeof(ArgumentOutOfRangeException), "distribution", () => RegressionMetrics.Crps(zero, one, zero, (PredictiveDistribution)7));
        Row(typeof(ArgumentException), "degreesOfFreedom", () => RegressionMetrics.Sharpness(one, PredictiveDistribution.StudentT, T(2)));
        Row(typeof(ArgumentException), "degreesOfFreedom", () => RegressionMetrics.MiscalibrationArea(zero, one, zero, PredictiveDistribution.StudentT, T(0)));
        Row(typeof(ArgumentOutOfRangeException), "levels", () => RegressionMetrics.QuantileCalibrationError(zero, one, zero, levels: 0));
        Row(typeof(ArgumentException), "upper", () => RegressionMetrics.IntervalCoverage(one, zero, zero));
        Row(typeof(ArgumentException), "upper", () => RegressionMetrics.MeanIntervalWidth(zero, T(1)));
        Row(typeof(ArgumentException), "target", () => RegressionMetrics.IntervalScore(zero, one, T(0, 1, 2), 0.1));
        foreach (double alpha in new[] { 0.0, 1.0, double.NaN })
            Row(typeof(ArgumentOutOfRangeException), "alpha", () => RegressionMetrics.IntervalScore(zero, one, zero, alpha));
    }

    /// <summary>No tensor outlives the calls; Float32 inputs give the Float64 values of the numbers they hold.</summary>
    [Test]
    public void RegressionMetrics_Calls_LeaveNoLiveTensor()
    {
        MetricsKit.LeavesNoTensor((m, s) => RegressionMetrics.Crps(m, s, m), MetricsKit.Floats(new[] { 0.5, 1.0 }, new long[] { 2 }, ScalarType.Float32), T(1, 2));
        MetricsKit.LeavesNoTensor((l, u) => RegressionMetrics.IntervalScore(l, u, l, 0.2), T(0, 1), T(1, 3));
        MetricsKit.LeavesNoTensor((m, s) => RegressionMetrics.MiscalibrationArea(m, s, m), T(0, 1), T(1, 2));
    }
}
