using UncertaintyLoss.Metrics;

namespace UncertaintyLoss.Tests.MetricsTests;

/// <summary>
/// <see cref="HistogramBinning"/> and <see cref="IsotonicRegression"/>: PAV on hand cases and against the closed-form
/// min-max formula, monotone output, bin means against a brute-force count, top-label invariants, ECE on the fit set,
/// JSON and bad input.
/// </summary>
[TestFixture]
public sealed class ConfidenceCalibratorTests
{
    private static double[] Apply(ConfidenceCalibrator calibrator, double[] p)
    {
        using var scope = NewDisposeScope();
        return Tensors.ToDoubles(calibrator.Apply(tensor(p)));
    }

    private static IsotonicRegression Isotonic(double[] p, int[] y)
    {
        using var scope = NewDisposeScope();
        return IsotonicRegression.Fit(tensor(p), tensor(y.Select(v => (long)v).ToArray()));
    }

    [TestCase(new[] { 0.1, 0.2, 0.3, 0.4 }, new[] { 1, 0, 1, 0 }, new[] { 0.5, 0.5, 0.5, 0.5 })]
    [TestCase(new[] { 0.1, 0.2, 0.3, 0.4, 0.5 }, new[] { 0, 1, 0, 1, 1 }, new[] { 0.0, 0.5, 0.5, 1.0, 1.0 })]
    [TestCase(new[] { 0.6, 0.2, 0.2 }, new[] { 0, 1, 0 }, new[] { 1.0 / 3, 1.0 / 3, 1.0 / 3 })]          // a tie pooled first
    [TestCase(new[] { 0.9, 0.1, 0.5, 0.7 }, new[] { 1, 0, 0, 1 }, new[] { 1.0, 0.0, 0.0, 1.0 })]         // already monotone: unchanged
    [TestCase(new[] { 0.1, 0.2, 0.3 }, new[] { 1, 1, 0 }, new[] { 2.0 / 3, 2.0 / 3, 2.0 / 3 })]
    public void Isotonic_HandCases_ArePav(double[] p, int[] y, double[] expected)
    {
        var fit = Isotonic(p, y);
        Assert.That(Apply(fit, p), Is.EqualTo(expected).Within(1e-15));
    }

    /// <summary>
    /// On distinct probabilities, the isotonic fit at the i-th smallest is max_{j ≤ i} min_{k ≥ i} mean(y_j..y_k)
    /// (Barlow et al. 1972, the min-max formula), computed here by brute force over all j, k.
    /// </summary>
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public void Isotonic_RandomData_MatchesTheMinMaxFormula(int seed)
    {
        var rng = new Random(seed);
        int n = 40;
        var p = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        var y = p.Select(v => rng.NextDouble() < v ? 1 : 0).ToArray();
        var order = Enumerable.Range(0, n).OrderBy(i => p[i]).ToArray();
        var ys = order.Select(i => (double)y[i]).ToArray();
        var expected = new double[n];
        for (int i = 0; i < n; i++)
        {
            double best = double.NegativeInfinity;
            for (int j = 0; j <= i; j++)
            {
                double worst = double.PositiveInfinity;
                for (int k = i; k < n; k++)
                    worst = Math.Min(worst, ys.Skip(j).Take(k - j + 1).Average());
                best = Math.Max(best, worst);
            }

            expected[i] = best;
        }

        var fit = Isotonic(p, y);
        var actual = Apply(fit, order.Select(i => p[i]).ToArray());
        Assert.That(actual, Is.EqualTo(expected).Within(1e-12));
    }

    /// <summary>The map is non-decreasing on a fine grid, linear between thresholds, constant outside them, and a
    /// second fit on data whose labels are already sorted by probability returns them (idempotence of PAV).</summary>
    [Test]
    public void Isotonic_MonotoneInterpolatingAndIdempotent()
    {
        var rng = new Random(7);
        var p = Enumerable.Range(0, 200).Select(_ => 0.1 + 0.8 * rng.NextDouble()).ToArray();
        var y = p.Select(v => rng.NextDouble() < v * v ? 1 : 0).ToArray();
        var fit = Isotonic(p, y);
        var grid = Enumerable.Range(0, 1001).Select(i => i / 1000.0).ToArray();
        var g = Apply(fit, grid);
        var t = fit.Thresholds;
        var v = fit.Values;
        Assert.Multiple(() =>
        {
            for (int i = 1; i < g.Length; i++)
                Assert.That(g[i], Is.GreaterThanOrEqualTo(g[i - 1]), $"grid {i}");
            Assert.That(fit.Calibrate(0.0), Is.EqualTo(v[0]));
            Assert.That(fit.Calibrate(1.0), Is.EqualTo(v[^1]));
            int j = Enumerable.Range(0, t.Count - 1).First(k => v[k + 1] > v[k]);
            double mid = (t[j] + t[j + 1]) / 2;
            Assert.That(fit.Calibrate(mid), Is.EqualTo((v[j] + v[j + 1]) / 2).Within(1e-12), "linear between thresholds");
        });

        var sortedLabels = p.Select(x => x > 0.5 ? 1 : 0).ToArray();                 // monotone in p already
        var again = Isotonic(p, sortedLabels);
        Assert.That(Apply(again, p), Is.EqualTo(sortedLabels.Select(x => (double)x).ToArray()));
    }

    /// <summary>
    /// Histogram binning's values are the label means per bin, counted here by brute force with the documented rule
    /// (e_b &lt; p ≤ e_(b+1), the first bin also takes 0), empty bins at their midpoint; probabilities rich in bin edges.
    /// </summary>
    [TestCase(1, false)]
    [TestCase(5, false)]
    [TestCase(10, false)]
    [TestCase(15, false)]
    [TestCase(7, true)]
    public void HistogramBinning_ValuesAreTheBinMeans(int bins, bool equalMass)
    {
        var rng = new Random(bins);
        var p = Enumerable.Range(0, 300).Select(_ => rng.Next(3) == 0 ? rng.Next(31) / 30.0 : rng.NextDouble()).ToArray();
        var y = p.Select(v => rng.NextDouble() < v ? 1 : 0).ToArray();
        using var scope = NewDisposeScope();
        var fit = HistogramBinning.Fit(tensor(p), tensor(y.Select(v => (long)v).ToArray()), bins, equalMass);
        var e = fit.Edges;
        Assert.That(e, Has.Count.EqualTo(bins + 1));
        if (!equalMass)
            Assert.That(e, Is.EqualTo(Enumerable.Range(0, bins + 1).Select(b => (double)b / bins).ToArray()));
        else
        {
            var sorted = p.OrderBy(v => v).ToArray();
            for (int b = 1; b < bins; b++)
                Assert.That(e[b], Is.EqualTo(sorted[(int)Math.Ceiling(b * 300.0 / bins) - 1]), $"edge {b}");
        }

        Assert.Multiple(() =>
        {
            for (int b = 0; b < bins; b++)
            {
                var members = Enumerable.Range(0, p.Length).Where(i => (p[i] > e[b] || (b == 0 && p[i] >= 0)) && p[i] <= e[b + 1]
                    && !(b > 0 && p[i] <= e[b])).ToArray();
                double expected = members.Length == 0 ? (e[b] + e[b + 1]) / 2 : members.Average(i => (double)y[i]);
                Assert.That(fit.Values[b], Is.EqualTo(expected).Within(1e-15), $"bin {b} ({members.Length} members)");
                foreach (var i in members.Take(5))
                    Assert.That(fit.Calibrate(p[i]), Is.EqualTo(fit.Values[b]), $"p = {p[i]}");
            }
        });
    }

    /// <summary>
    /// Top-label calibration of over-confident probabilities (softmax(3 g) with labels drawn from softmax(g), 10 classes):
    /// the prediction is the input's arg max, the confidence is g(max p), no other class exceeds it (when it is ≥ 1/C),
    /// the uncapped others keep their ratios, rows sum to 1, and the ECE (15 bins) of the vectors on the fit set falls
    /// below a third of the uncalibrated one for every calibrator. ECEs printed.
    /// </summary>
    [Test]
    public void TopLabel_OverconfidentModel_KeepsThePredictionAndLowersTheEce()
    {
        using var scope = NewDisposeScope();
        var gen = manual_seed(41);
        var g = randn([4000, 10], ScalarType.Float64, generator: gen);
        var y = multinomial(g.softmax(1), 1, generator: gen).squeeze(1);
        var p = (g * 3).softmax(1).to(ScalarType.Float32);
        double before = Calibration.ExpectedCalibrationError(p, y);
        var calibrators = new ConfidenceCalibrator[] { HistogramBinning.FitTopLabel(p, y), IsotonicRegression.FitTopLabel(p, y), HistogramBinning.FitTopLabel(p, y, equalMass: true) };
        var pHost = Tensors.ToDoubles(p);
        foreach (var calibrator in calibrators)
        {
            var result = calibrator.TopLabel(p);
            double after = Calibration.ExpectedCalibrationError(result.Probabilities, y);
            TestContext.Out.WriteLine(FormattableString.Invariant($"{calibrator}: ECE on the fit set {before:F4} -> {after:F4}"));
            var q = Tensors.ToDoubles(result.Probabilities);
            var c = Tensors.ToDoubles(result.Confidence);
            var pred = Tensors.ToLongs(result.Prediction);
            Assert.Multiple(() =>
            {
                Assert.That(result.Probabilities.dtype, Is.EqualTo(ScalarType.Float32));
                Assert.That(after, Is.LessThan(before / 3), calibrator.ToString());
                for (int i = 0; i < 4000; i += 37)
                {
                    var row = pHost.Skip(10 * i).Take(10).ToArray();
                    int arg = Array.IndexOf(row, row.Max());
                    Assert.That(pred[i], Is.EqualTo(arg), $"row {i}");
                    Assert.That(c[i], Is.EqualTo(calibrator.Calibrate(row.Max())).Within(1e-7), $"row {i}");
                    Assert.That(q[10 * i + arg], Is.EqualTo(c[i]).Within(1e-7));
                    Assert.That(q.Skip(10 * i).Take(10).Sum(), Is.EqualTo(1).Within(1e-5));
                    var others = Enumerable.Range(0, 10).Where(k => k != arg).ToArray();
                    if (c[i] >= 0.1)
                        Assert.That(others.Select(k => q[10 * i + k]), Is.All.LessThanOrEqualTo(c[i] + 1e-6), "none above the confidence");
                    var free = others.Where(k => q[10 * i + k] < c[i] - 1e-6 && row[k] > 1e-6).ToArray();
                    for (int f = 1; f < free.Length; f++)
                        Assert.That(q[10 * i + free[f]] / q[10 * i + free[0]], Is.EqualTo(row[free[f]] / row[free[0]]).Within(1e-4 * row[free[f]] / row[free[0]]), "ratios kept");
                }
            });
        }
    }

    /// <summary>
    /// Hand cases of the redistribution, g ≡ c: the others share 1 − c in proportion, capped at c (c = 0.4: class 0's
    /// share 0.6·0.45/0.5 = 0.54 is capped at 0.4, class 2 gets the remaining 0.2); below 1/C no cap (c = 0.2: 0.8·0.9 and
    /// 0.8·0.1).
    /// </summary>
    [TestCase(0.4, new[] { 0.4, 0.4, 0.2 })]
    [TestCase(0.2, new[] { 0.72, 0.2, 0.08 })]
    public void TopLabel_HandCases_ShareTheRestCappedAtTheConfidence(double c, double[] expected)
    {
        using var scope = NewDisposeScope();
        var r = new HistogramBinning([0, 1], [c]).TopLabel(tensor(new[] { 0.45, 0.5, 0.05 }, [1, 3]));
        Assert.That(Tensors.ToDoubles(r.Probabilities), Is.EqualTo(expected).Within(1e-15));
        Assert.That(Tensors.ToLongs(r.Prediction), Is.EqualTo(new long[] { 1 }));
    }

    /// <summary>A top probability of 1 leaves 0 to the others: they share 1 − g(1) equally.</summary>
    [Test]
    public void TopLabel_CertainRow_OthersShareTheRestEqually()
    {
        using var scope = NewDisposeScope();
        var binning = new HistogramBinning([0, 0.5, 1], [0.3, 0.7]);
        var r = binning.TopLabel(tensor(new[] { 0.0, 1.0, 0.0, 0.0 }, [1, 4]));
        Assert.That(Tensors.ToDoubles(r.Probabilities), Is.EqualTo(new[] { 0.1, 0.7, 0.1, 0.1 }).Within(1e-15));
    }

    /// <summary>Ignored labels are left out; Bool labels work; the fit on (N, d) equals the fit on its kept elements.</summary>
    [Test]
    public void Fit_IgnoreIndexBoolLabelsAndNdShapes()
    {
        using var scope = NewDisposeScope();
        var p = tensor(new[] { 0.1, 0.4, 0.35, 0.8, 0.7, 0.2 }, [2, 3]);
        var y = tensor(new long[] { 0, 1, -100, 1, 0, 1 }, [2, 3]);
        var kept = IsotonicRegression.Fit(tensor(new[] { 0.1, 0.4, 0.8, 0.7, 0.2 }), tensor(new[] { false, true, true, false, true }));
        var full = IsotonicRegression.Fit(p, y);
        var hb = HistogramBinning.Fit(p, y, bins: 2);
        Assert.Multiple(() =>
        {
            Assert.That(full.Thresholds, Is.EqualTo(kept.Thresholds));
            Assert.That(full.Values, Is.EqualTo(kept.Values));
            Assert.That(hb.Values, Is.EqualTo(new[] { 2.0 / 3, 0.5 }).Within(1e-15));
            Assert.That(full.Apply(p).shape, Is.EqualTo(new long[] { 2, 3 }));
        });
    }

    [Test]
    public void Json_RoundTripsAndRejectsBadContent()
    {
        var hb = new HistogramBinning([0, 0.25, 1], [0.1, 0.9]);
        var iso = new IsotonicRegression([0.1, 0.5, 0.9], [0.0, 0.5, 0.75]);
        var hb2 = HistogramBinning.FromJson(hb.ToJson());
        var iso2 = IsotonicRegression.FromJson(iso.ToJson());
        Assert.Multiple(() =>
        {
            Assert.That(hb2.Edges, Is.EqualTo(hb.Edges));
            Assert.That(hb2.Values, Is.EqualTo(hb.Values));
            Assert.That(iso2.Thresholds, Is.EqualTo(iso.Thresholds));
            Assert.That(iso2.Values, Is.EqualTo(iso.Values));
            Assert.That(iso.ToJson(), Is.EqualTo("""{"kind":"IsotonicRegression","thresholds":[0.1,0.5,0.9],"values":[0,0.5,0.75]}"""));
            Assert.That(Assert.Throws<ArgumentException>(() => IsotonicRegression.FromJson(hb.ToJson()))!.ParamName, Is.EqualTo("json"));
            Assert.That(Assert.Throws<ArgumentException>(() => IsotonicRegression.FromJson("""{"kind":"IsotonicRegression","thresholds":[0.5,0.1],"values":[0,1]}"""))!.ParamName, Is.EqualTo("json"));
            Assert.That(Assert.Throws<ArgumentException>(() => HistogramBinning.FromJson("""{"kind":"HistogramBinning","edges":[0,0.5],"values":[0.5]}"""))!.ParamName, Is.EqualTo("json"));
        });
    }

    [Test]
    public void BadInput_ThrowsNamingTheArgument()
    {
        using var scope = NewDisposeScope();
        var p = tensor(new[] { 0.2, 0.8 });
        var y = tensor(new long[] { 0, 1 });
        var probs = tensor(new[] { 0.2, 0.8, 0.5, 0.5 }, [2, 2]);
        var fit = new IsotonicRegression([0.5], [0.5]);
        Assert.Multiple(() =>
        {
            Assert.That(Assert.Throws<ArgumentException>(() => IsotonicRegression.Fit(tensor(new[] { 0.2, 1.5 }), y))!.ParamName, Is.EqualTo("probability"));
            Assert.That(Assert.Throws<ArgumentException>(() => IsotonicRegression.Fit(tensor(new[] { 0.2, double.NaN }), y))!.ParamName, Is.EqualTo("probability"));
            Assert.That(Assert.Throws<ArgumentException>(() => HistogramBinning.Fit(p, tensor(new long[] { 0, 2 })))!.ParamName, Is.EqualTo("label"));
            Assert.That(Assert.Throws<ArgumentException>(() => HistogramBinning.Fit(p, tensor(new long[] { -100, -100 })))!.ParamName, Is.EqualTo("label"));
            Assert.That(Assert.Throws<ArgumentException>(() => HistogramBinning.Fit(p, tensor(new long[] { 0, 1, 1 })))!.ParamName, Is.EqualTo("label"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => HistogramBinning.Fit(p, y, bins: 0))!.ParamName, Is.EqualTo("bins"));
            Assert.That(Assert.Throws<ArgumentException>(() => IsotonicRegression.FitTopLabel(tensor(new[] { 0.2, 0.9, 0.5, 0.5 }, [2, 2]), y))!.ParamName, Is.EqualTo("probabilities"));
            Assert.That(Assert.Throws<ArgumentException>(() => IsotonicRegression.FitTopLabel(probs, tensor(new long[] { 0, 2 })))!.ParamName, Is.EqualTo("target"));
            Assert.That(Assert.Throws<ArgumentException>(() => fit.Apply(tensor(new[] { -0.1 })))!.ParamName, Is.EqualTo("probability"));
            Assert.That(Assert.Throws<ArgumentException>(() => fit.TopLabel(tensor(new[] { 0.1, 0.1 }, [1, 2])))!.ParamName, Is.EqualTo("probabilities"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => fit.Calibrate(double.NaN))!.ParamName, Is.EqualTo("probability"));
            Assert.That(Assert.Throws<ArgumentException>(() => new IsotonicRegression([0.1, 0.2], [0.5, 0.4]))!.ParamName, Is.EqualTo("values"));
            Assert.That(Assert.Throws<ArgumentException>(() => new HistogramBinning([0, 0.6, 0.5, 1], [0, 0, 0]))!.ParamName, Is.EqualTo("edges"));
        });
    }

    /// <summary>On CUDA the results stay on the device and equal the CPU's.</summary>
    [Test]
    public void Cuda_ResultsOnTheInputsDevice()
    {
        Requires.Cuda();
        using var scope = NewDisposeScope();
        var p = rand([200, 4], generator: manual_seed(44)).softmax(1);
        var y = randint(0, 4, [200], generator: manual_seed(45));
        var iso = IsotonicRegression.FitTopLabel(p.cuda(), y.cuda());
        var cpu = IsotonicRegression.FitTopLabel(p, y);
        var r = iso.TopLabel(p.cuda());
        Assert.That(iso.Thresholds, Is.EqualTo(cpu.Thresholds));
        Assert.That(r.Probabilities.device_type, Is.EqualTo(DeviceType.CUDA));
        Assert.That(r.Prediction.device_type, Is.EqualTo(DeviceType.CUDA));
        Assert.That(iso.Apply(p.cuda()).device_type, Is.EqualTo(DeviceType.CUDA));
    }

    /// <summary>Fits and applications leave only their results.</summary>
    [Test]
    public void Calls_LeaveOnlyTheirResults()
    {
        using var scope = NewDisposeScope();
        var p = rand([500, 4], generator: manual_seed(42)).softmax(1);
        var y = randint(0, 4, [500], generator: manual_seed(43));
        long before = MetricsKit.Live;
        var iso = IsotonicRegression.FitTopLabel(p, y);
        var hb = HistogramBinning.FitTopLabel(p, y);
        Assert.That(MetricsKit.Live, Is.EqualTo(before), "fits");
        var r = hb.TopLabel(p);
        Assert.That(MetricsKit.Live, Is.EqualTo(before + 3), "TopLabel leaves its three results");
        var a = iso.Apply(p);
        Assert.That(MetricsKit.Live, Is.EqualTo(before + 4));
    }
}
