using UncertaintyLoss.Metrics;

namespace UncertaintyLoss.Tests.MetricsTests;

/// <summary>
/// <see cref="ConformalRegressor"/> and <see cref="ConformalQuantileRegressor"/>: coverage over 200 random splits of
/// heteroscedastic synthetic data (tolerance derived as in <see cref="ConformalClassifierTests"/>: 4.7e-3 for n = 500,
/// m = 1000, α = 0.1), hand-computed thresholds, a Sculpt model's scale, shapes, JSON and bad input.
/// </summary>
/// <remarks>
/// Data: x uniform in [0, 4], y = sin(2x) + σ(x)·ε with σ(x) = 0.1 + 0.4x and ε standard normal. Predictions are
/// deliberately imperfect: ŷ = sin(2x) + 0.05, predicted scale 0.8·σ(x), predicted quantiles ŷ ∓ 1.2·σ(x).
/// </remarks>
[TestFixture]
public sealed class ConformalRegressorTests
{
    private const int Pool = 20_000, CalibrationSize = 500, TestSize = 1000, Splits = 200;
    private const double Alpha = 0.1, CoverageTolerance = 4.7e-3;

    private static readonly Lazy<(double[] Y, double[] YHat, double[] Sigma)> Data = new(() =>
    {
        var rng = new Random(31);
        var y = new double[Pool];
        var yHat = new double[Pool];
        var sigma = new double[Pool];
        for (int i = 0; i < Pool; i++)
        {
            double x = 4 * rng.NextDouble(), s = 0.1 + 0.4 * x;
            double eps = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            y[i] = Math.Sin(2 * x) + s * eps;
            yHat[i] = Math.Sin(2 * x) + 0.05;
            sigma[i] = s;
        }

        return (y, yHat, sigma);
    });

    private enum Method { Constant, Scaled, Quantile }

    private static double MeanCoverage(Method method)
    {
        var (yArr, yHatArr, sigmaArr) = Data.Value;
        using var scope = NewDisposeScope();
        var y = tensor(yArr);
        var yHat = tensor(yHatArr);
        var scale = tensor(sigmaArr) * 0.8;
        var lower = yHat - 1.2 * tensor(sigmaArr);
        var upper = yHat + 1.2 * tensor(sigmaArr);
        var rng = new Random(11 + (int)method);
        double total = 0;
        for (int s = 0; s < Splits; s++)
        {
            using var inner = NewDisposeScope();
            var order = Enumerable.Range(0, Pool).OrderBy(_ => rng.Next()).ToArray();
            var cal = tensor(order.Take(CalibrationSize).Select(i => (long)i).ToArray());
            var test = tensor(order.Skip(CalibrationSize).Take(TestSize).Select(i => (long)i).ToArray());
            Tensor lo, hi;
            switch (method)
            {
                case Method.Constant:
                    (lo, hi) = ConformalRegressor.Calibrate(yHat[cal], y[cal], Alpha).Interval(yHat[test]);
                    break;
                case Method.Scaled:
                    (lo, hi) = ConformalRegressor.Calibrate(yHat[cal], y[cal], Alpha, scale[cal]).Interval(yHat[test], scale[test]);
                    break;
                default:
                    (lo, hi) = ConformalQuantileRegressor.Calibrate(lower[cal], upper[cal], y[cal], Alpha).Interval(lower[test], upper[test]);
                    break;
            }

            var yt = y[test];
            total += lo.le(yt).logical_and(yt.le(hi)).to(ScalarType.Float64).mean().item<double>();
        }

        return total / Splits;
    }

    [TestCase(Method.Constant)]
    [TestCase(Method.Scaled)]
    [TestCase(Method.Quantile)]
    public void Coverage_Over200Splits_IsBetweenTheBounds(object method)
    {
        double coverage = MeanCoverage((Method)method);
        TestContext.Out.WriteLine(FormattableString.Invariant($"{method}: mean coverage {coverage:F4}"));
        Assert.That(coverage, Is.InRange(1 - Alpha - CoverageTolerance, 1 - Alpha + 1.0 / (CalibrationSize + 1) + CoverageTolerance));
    }

    /// <summary>
    /// Residuals |y − ŷ| = 0.1, 0.2, …, 0.9 with scales 1, 2, 1, 2, …: scaled scores 0.1, 0.1, 0.3, 0.2, 0.5, 0.3, 0.7,
    /// 0.4, 0.9; α = 0.7 → k = 3 (see the classifier's hand case), q̂ = 0.2 scaled and 0.3 unscaled.
    /// </summary>
    [Test]
    public void HandCase_ThresholdsAndIntervals()
    {
        using var scope = NewDisposeScope();
        var yHat = zeros(9, ScalarType.Float64);
        var y = tensor(Enumerable.Range(1, 9).Select(i => (i % 2 == 0 ? -0.1 : 0.1) * i).ToArray());
        var scale = tensor(Enumerable.Range(1, 9).Select(i => i % 2 == 0 ? 2.0 : 1.0).ToArray());
        var scaled = ConformalRegressor.Calibrate(yHat, y, 0.7, scale);
        var plain = ConformalRegressor.Calibrate(yHat, y, 0.7);
        var (lo, hi) = scaled.Interval(tensor(new[] { 1.0 }), tensor(new[] { 3.0 }));
        Assert.Multiple(() =>
        {
            Assert.That(scaled.Threshold, Is.EqualTo(0.2).Within(1e-15));
            Assert.That(plain.Threshold, Is.EqualTo(0.3).Within(1e-15));
            Assert.That(lo.item<double>(), Is.EqualTo(0.4).Within(1e-15));
            Assert.That(hi.item<double>(), Is.EqualTo(1.6).Within(1e-15));
        });
    }

    /// <summary>CQR by hand: band [−1, 1], targets 0.5, 1.5, −3, 0 → scores −0.5, 0.5, 2, −1; α = 0.4, n = 4 → k = 3, Q = 0.5.</summary>
    [Test]
    public void Cqr_HandCase_CorrectionAndInterval()
    {
        using var scope = NewDisposeScope();
        var lower = full(4, -1.0, ScalarType.Float64);
        var upper = full(4, 1.0, ScalarType.Float64);
        var cqr = ConformalQuantileRegressor.Calibrate(lower, upper, tensor(new[] { 0.5, 1.5, -3.0, 0.0 }), 0.4);
        var (lo, hi) = cqr.Interval(tensor(new[] { 2.0 }), tensor(new[] { 3.0 }));
        Assert.Multiple(() =>
        {
            Assert.That(cqr.Threshold, Is.EqualTo(0.5).Within(1e-15));
            Assert.That((lo.item<double>(), hi.item<double>()), Is.EqualTo((1.5, 3.5)));
        });
    }

    /// <summary>A Sculpt Normal model's (ŷ, σ) give a conformal interval through the scale; the result keeps dtype and shape.</summary>
    [Test]
    public void SculptScale_IntervalsHaveThePredictionsShapeAndDtype()
    {
        using var scope = NewDisposeScope();
        var g = manual_seed(5);
        var yHat = randn([64, 3], ScalarType.Float32, generator: g);
        var sigma = Sculpt.Scale(randn([64, 3], ScalarType.Float32, generator: g));
        var y = yHat + sigma * randn([64, 3], ScalarType.Float32, generator: g);
        var cp = ConformalRegressor.Calibrate(yHat, y, 0.1, sigma);
        var (lo, hi) = cp.Interval(yHat, sigma);
        Assert.Multiple(() =>
        {
            Assert.That(lo.shape, Is.EqualTo(new long[] { 64, 3 }));
            Assert.That(hi.dtype, Is.EqualTo(ScalarType.Float32));
            Assert.That(cp.CalibrationSize, Is.EqualTo(192));
            Assert.That(hi.ge(lo).all().item<bool>(), Is.True);
        });
    }

    [Test]
    public void Json_RoundTrips()
    {
        using var scope = NewDisposeScope();
        var cp = ConformalRegressor.Calibrate(zeros(3, ScalarType.Float64), tensor(new[] { 0.1, -0.5, 0.2 }), 0.5, ones(3, ScalarType.Float64));
        var back = ConformalRegressor.FromJson(cp.ToJson());
        var cqr = ConformalQuantileRegressor.Calibrate(zeros(3, ScalarType.Float64), ones(3, ScalarType.Float64), tensor(new[] { 0.1, -0.5, 2.0 }), 0.1);
        var cqrBack = ConformalQuantileRegressor.FromJson(cqr.ToJson());
        Assert.Multiple(() =>
        {
            Assert.That((back.Alpha, back.Threshold, back.Scaled, back.CalibrationSize), Is.EqualTo((cp.Alpha, cp.Threshold, cp.Scaled, cp.CalibrationSize)));
            Assert.That((cqrBack.Alpha, cqrBack.Threshold, cqrBack.CalibrationSize), Is.EqualTo((cqr.Alpha, cqr.Threshold, cqr.CalibrationSize)));
            Assert.That(cqr.Threshold, Is.EqualTo(double.PositiveInfinity));
            Assert.Throws<ArgumentException>(() => ConformalRegressor.FromJson(cqr.ToJson()));
        });
    }

    [Test]
    public void BadInput_ThrowsNamingTheArgument()
    {
        using var scope = NewDisposeScope();
        var yHat = zeros(4, ScalarType.Float64);
        var y = ones(4, ScalarType.Float64);
        var cp = ConformalRegressor.Calibrate(yHat, y, 0.5);
        Assert.Multiple(() =>
        {
            Assert.That(Assert.Throws<ArgumentException>(() => ConformalRegressor.Calibrate(yHat, ones(5, ScalarType.Float64)))!.ParamName, Is.EqualTo("target"));
            Assert.That(Assert.Throws<ArgumentException>(() => ConformalRegressor.Calibrate(yHat, y, 0.1, zeros(4, ScalarType.Float64)))!.ParamName, Is.EqualTo("scale"));
            Assert.That(Assert.Throws<ArgumentException>(() => ConformalRegressor.Calibrate(yHat, y.index_put_(tensor(double.NaN), 0)))!.ParamName, Is.EqualTo("target"));
            Assert.That(Assert.Throws<ArgumentException>(() => ConformalRegressor.Calibrate(zeros(0, ScalarType.Float64), zeros(0, ScalarType.Float64)))!.ParamName, Is.EqualTo("prediction"));
            Assert.That(Assert.Throws<ArgumentException>(() => cp.Interval(yHat, ones(4, ScalarType.Float64)))!.ParamName, Is.EqualTo("scale"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => ConformalRegressor.Calibrate(yHat, y, 1.0))!.ParamName, Is.EqualTo("alpha"));
            Assert.That(Assert.Throws<ArgumentException>(() => ConformalQuantileRegressor.Calibrate(yHat, ones(3, ScalarType.Float64), y))!.ParamName, Is.EqualTo("upper"));
        });
    }
}
