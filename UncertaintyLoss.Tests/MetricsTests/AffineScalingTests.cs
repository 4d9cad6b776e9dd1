using UncertaintyLoss.Metrics;

namespace UncertaintyLoss.Tests.MetricsTests;

/// <summary>
/// <see cref="VectorScaling"/> and <see cref="MatrixScaling"/>: recovering known parameters from data generated with them,
/// optimality against an NLL computed independently on the host, temperature scaling as a special case, the documented
/// formulas, N-d and ignoreIndex, JSON, bad input, memory and the 5,000 × 10 timing (printed, not asserted).
/// </summary>
[TestFixture]
public sealed class AffineScalingTests
{
    /// <summary>Row-major host copies of (N, C) logits and N labels.</summary>
    private static (double[] Z, long[] Y) Host(Tensor z, Tensor y) => (Tensors.ToDoubles(z), Tensors.ToLongs(y));

    /// <summary>Mean NLL of softmax(f(z_i)) at the labels, with a stable log-sum-exp written here.</summary>
    private static double HostNll(double[] z, long[] y, int c, Func<double[], double[]> map)
    {
        double total = 0;
        for (int i = 0; i < y.Length; i++)
        {
            var row = map(z.Skip(i * c).Take(c).ToArray());
            double max = row.Max();
            total += max + Math.Log(row.Sum(v => Math.Exp(v - max))) - row[y[i]];
        }

        return total / y.Length;
    }

    private static Func<double[], double[]> VectorMap(IReadOnlyList<double> w, IReadOnlyList<double> b) =>
        z => z.Select((v, k) => w[k] * v + b[k]).ToArray();

    private static Func<double[], double[]> MatrixMap(IReadOnlyList<double> w, IReadOnlyList<double> b, int c) =>
        z => Enumerable.Range(0, c).Select(k => b[k] + Enumerable.Range(0, c).Sum(j => w[k * c + j] * z[j])).ToArray();

    /// <summary>Matrix scaling's penalised objective as documented: NLL + λ(s² Σ_{k≠j} W_kj² + Σ b_k²), s² the mean square of the logits.</summary>
    private static double MatrixObjective(double[] z, long[] y, int c, double[] w, double[] b, double l2)
    {
        double s2 = z.Average(v => v * v);
        double penalty = b.Sum(v => v * v);
        for (int k = 0; k < c; k++)
        {
            for (int j = 0; j < c; j++)
                penalty += k == j ? 0 : s2 * w[k * c + j] * w[k * c + j];
        }

        return HostNll(z, y, c, MatrixMap(w, b, c)) + l2 * penalty;
    }

    /// <summary>
    /// Base logits g ~ N(0, 2²) for 4 classes, labels drawn from softmax(w₀⊙g + b₀), w₀ = (0.5, 1, 1.5, 2),
    /// b₀ = (0.3, −0.2, 0, −0.1): the maximum-likelihood fit on g recovers w₀ (5 %) and b₀ up to its mean (±0.05).
    /// </summary>
    [Test]
    public void VectorFit_DataGeneratedWithKnownParameters_RecoversThem()
    {
        using var scope = NewDisposeScope();
        double[] w0 = [0.5, 1.0, 1.5, 2.0], b0 = [0.3, -0.2, 0.0, -0.1];
        var gen = manual_seed(31);
        var g = randn([40_000, 4], ScalarType.Float64, generator: gen) * 2;
        var y = multinomial((g * tensor(w0) + tensor(b0)).softmax(1), 1, generator: gen).squeeze(1);
        var fit = VectorScaling.Fit(g, y);
        TestContext.Out.WriteLine($"w = [{string.Join(", ", fit.Weights.Select(v => v.ToString("F4", CultureInfo.InvariantCulture)))}], " +
            $"b = [{string.Join(", ", fit.Bias.Select(v => v.ToString("F4", CultureInfo.InvariantCulture)))}]");
        double meanB0 = b0.Average();
        Assert.Multiple(() =>
        {
            for (int k = 0; k < 4; k++)
            {
                Assert.That(fit.Weights[k], Is.EqualTo(w0[k]).Within(0.05 * w0[k]), $"w[{k}]");
                Assert.That(fit.Bias[k], Is.EqualTo(b0[k] - meanB0).Within(0.05), $"b[{k}]");
            }

            Assert.That(fit.Bias.Sum(), Is.EqualTo(0).Within(1e-12), "the fit returns the b with mean 0");
        });
    }

    /// <summary>
    /// Base logits g ~ N(0, 2²) for 3 classes, labels from softmax(W₀ g + b₀); with λ = 0 the fit recovers W₀ up to a
    /// row vector added to every row (each column centred) and b₀ up to its mean, within ±0.06.
    /// </summary>
    [Test]
    public void MatrixFit_DataGeneratedWithKnownParameters_RecoversThemUpToTheSoftmaxShift()
    {
        using var scope = NewDisposeScope();
        double[] w0 = [1.2, 0.3, -0.2, 0.1, 0.8, 0.4, -0.3, 0.2, 1.5];
        double[] b0 = [0.2, -0.3, 0.1];
        var gen = manual_seed(32);
        var g = randn([60_000, 3], ScalarType.Float64, generator: gen) * 2;
        var logits = g.matmul(tensor(w0, [3, 3]).t()) + tensor(b0);
        var y = multinomial(logits.softmax(1), 1, generator: gen).squeeze(1);
        var fit = MatrixScaling.Fit(g, y, l2: 0.0);
        static double[] CentreColumns(IReadOnlyList<double> w) =>
            Enumerable.Range(0, 9).Select(i => w[i] - (w[i % 3] + w[3 + i % 3] + w[6 + i % 3]) / 3).ToArray();
        var expected = CentreColumns(w0);
        var actual = CentreColumns(fit.Weights);
        TestContext.Out.WriteLine($"centred W = [{string.Join(", ", actual.Select(v => v.ToString("F3", CultureInfo.InvariantCulture)))}]");
        Assert.Multiple(() =>
        {
            for (int i = 0; i < 9; i++)
                Assert.That(actual[i], Is.EqualTo(expected[i]).Within(0.06), $"W[{i / 3}, {i % 3}]");
            for (int k = 0; k < 3; k++)
                Assert.That(fit.Bias[k] - fit.Bias.Average(), Is.EqualTo(b0[k] - b0.Average()).Within(0.06), $"b[{k}]");
        });
    }

    /// <summary>Moving any one fitted parameter by ±1e-3 does not lower the host NLL (vector) or the host objective (matrix, λ = 1e-2 and 0).</summary>
    [TestCase(0.0)]
    [TestCase(1e-2)]
    public void Fit_IsAMinimumOfTheHostObjective(double l2)
    {
        using var scope = NewDisposeScope();
        var gen = manual_seed(33);
        var z = randn([400, 4], ScalarType.Float64, generator: gen) * 3;
        var y = multinomial((z / 2).softmax(1), 1, generator: gen).squeeze(1);
        var (zs, ys) = Host(z, y);
        var vector = VectorScaling.Fit(z, y);
        var matrix = MatrixScaling.Fit(z, y, l2);
        double[] w = vector.Weights.ToArray(), b = vector.Bias.ToArray();
        double[] mw = matrix.Weights.ToArray(), mb = matrix.Bias.ToArray();
        double atVector = HostNll(zs, ys, 4, VectorMap(w, b));
        double atMatrix = MatrixObjective(zs, ys, 4, mw, mb, l2);
        Assert.Multiple(() =>
        {
            foreach (var delta in new[] { 1e-3, -1e-3 })
            {
                for (int k = 0; k < 4; k++)
                {
                    var w2 = (double[])w.Clone();
                    w2[k] += delta;
                    var b2 = (double[])b.Clone();
                    b2[k] += delta;
                    Assert.That(atVector, Is.LessThanOrEqualTo(HostNll(zs, ys, 4, VectorMap(w2, b))), $"vector w[{k}] {delta}");
                    Assert.That(atVector, Is.LessThanOrEqualTo(HostNll(zs, ys, 4, VectorMap(w, b2)) + 1e-15), $"vector b[{k}] {delta}");
                    var mb2 = (double[])mb.Clone();
                    mb2[k] += delta;
                    Assert.That(atMatrix, Is.LessThanOrEqualTo(MatrixObjective(zs, ys, 4, mw, mb2, l2) + 1e-15), $"matrix b[{k}] {delta}");
                }

                for (int i = 0; i < 16; i++)
                {
                    var mw2 = (double[])mw.Clone();
                    mw2[i] += delta;
                    Assert.That(atMatrix, Is.LessThanOrEqualTo(MatrixObjective(zs, ys, 4, mw2, mb, l2)), $"matrix W[{i}] {delta}");
                }
            }
        });
    }

    /// <summary>
    /// Temperature scaling is vector scaling with w = (1/T)·1, b = 0, and vector scaling is matrix scaling with a diagonal W:
    /// on the same data the host NLL at the fits is ordered TS ≥ vector ≥ matrix (λ = 0), up to the fits' precision.
    /// </summary>
    [Test]
    public void Fit_TemperatureScalingIsASpecialCase_NllOrdered()
    {
        using var scope = NewDisposeScope();
        var gen = manual_seed(34);
        var z = randn([2000, 5], ScalarType.Float64, generator: gen) * 4;
        var truth = z * tensor(new[] { 0.3, 0.5, 0.7, 0.4, 0.6 }) + tensor(new[] { 0.5, 0.0, -0.5, 0.2, -0.2 });
        var y = multinomial(truth.softmax(1), 1, generator: gen).squeeze(1);
        var (zs, ys) = Host(z, y);
        double t = TemperatureScaling.Fit(z, y).Temperature;
        var vector = VectorScaling.Fit(z, y);
        var matrix = MatrixScaling.Fit(z, y, l2: 0.0);
        double nllT = HostNll(zs, ys, 5, row => row.Select(v => v / t).ToArray());
        double nllV = HostNll(zs, ys, 5, VectorMap(vector.Weights, vector.Bias));
        double nllM = HostNll(zs, ys, 5, MatrixMap(matrix.Weights, matrix.Bias, 5));
        double nllRaw = HostNll(zs, ys, 5, row => row);
        TestContext.Out.WriteLine(FormattableString.Invariant($"NLL: raw {nllRaw:F6}, temperature {nllT:F6} (T = {t:F4}), vector {nllV:F6}, matrix {nllM:F6}"));
        Assert.Multiple(() =>
        {
            Assert.That(nllV, Is.LessThanOrEqualTo(nllT + 1e-12));
            Assert.That(nllM, Is.LessThanOrEqualTo(nllV + 1e-12));
            Assert.That(nllV, Is.LessThan(nllT - 1e-3), "per-class scales and biases are a real gain on this data");
        });
    }

    /// <summary>
    /// With C = 50 classes and 500 calibration samples (2,550 parameters), the penalty helps on fresh data from the same
    /// source: held-out NLL of the default λ = C/M is below that of λ = 0 and of no calibration. The held-out NLLs of
    /// several λ are printed.
    /// </summary>
    [Test]
    public void MatrixFit_ManyClassesFewSamples_DefaultPenaltyBeatsNoPenaltyOnHeldOutData()
    {
        using var scope = NewDisposeScope();
        var gen = manual_seed(35);
        Tensor Logits(long n) => randn([n, 50], ScalarType.Float64, generator: gen) * 3;
        Tensor Labels(Tensor z) => multinomial((z / 2.5).softmax(1), 1, generator: gen).squeeze(1);
        var zFit = Logits(500);
        var yFit = Labels(zFit);
        var zTest = Logits(5000);
        var yTest = Labels(zTest);
        var (zs, ys) = Host(zTest, yTest);
        var results = new Dictionary<string, double>();
        foreach (var l2 in new double?[] { 0.0, 0.01, null, 1.0 })
        {
            var fit = MatrixScaling.Fit(zFit, yFit, l2);
            results[l2?.ToString(CultureInfo.InvariantCulture) ?? "default (C/M = 0.1)"] = HostNll(zs, ys, 50, MatrixMap(fit.Weights, fit.Bias, 50));
        }

        double ts = TemperatureScaling.Fit(zFit, yFit).Temperature;
        double nllTs = HostNll(zs, ys, 50, row => row.Select(v => v / ts).ToArray());
        TestContext.Out.WriteLine("held-out NLL, C = 50, 500 fit samples: " + string.Join(", ",
            results.Select(r => FormattableString.Invariant($"λ = {r.Key}: {r.Value:F4}"))) + FormattableString.Invariant($"; temperature scaling {nllTs:F4}"));
        double raw = HostNll(zs, ys, 50, row => row);
        TestContext.Out.WriteLine(FormattableString.Invariant($"uncalibrated {raw:F4}"));
        Assert.That(results["default (C/M = 0.1)"], Is.LessThan(results["0"]));
        Assert.That(results["default (C/M = 0.1)"], Is.LessThan(raw));
    }

    /// <summary>Apply and Probabilities are the documented formulas (host computation), keep dtype and shape, and work on (N, C, d).</summary>
    [Test]
    public void Apply_IsTheDocumentedFormula_OnNdInputs()
    {
        using var scope = NewDisposeScope();
        var vector = new VectorScaling([0.5, 2.0, -1.0], [0.1, 0.2, -0.3]);
        var matrix = new MatrixScaling([1, 2, 0, 0.5, 1, -1, 0, 0, 3], [0.1, 0.2, -0.3]);
        var z = randn([4, 3, 5], ScalarType.Float32, generator: manual_seed(36));
        var rows = Tensors.ToDoubles(z.permute(0, 2, 1).reshape(-1, 3));
        var v = vector.Apply(z);
        var m = matrix.Apply(z);
        var vRows = Tensors.ToDoubles(v.permute(0, 2, 1).reshape(-1, 3));
        var mRows = Tensors.ToDoubles(m.permute(0, 2, 1).reshape(-1, 3));
        var pRows = Tensors.ToDoubles(matrix.Probabilities(z).permute(0, 2, 1).reshape(-1, 3));
        Assert.Multiple(() =>
        {
            Assert.That(v.shape, Is.EqualTo(z.shape));
            Assert.That(m.dtype, Is.EqualTo(ScalarType.Float32));
            Assert.That(matrix.Apply(z.to(ScalarType.Float16)).dtype, Is.EqualTo(ScalarType.Float16), "half computed in Float32, returned in half");
            Assert.That(Tensors.ToDoubles(vector.Probabilities(z.to(ScalarType.BFloat16))), Is.EqualTo(Tensors.ToDoubles(vector.Probabilities(z.to(ScalarType.BFloat16).to(ScalarType.Float32)))).Within(1e-2));
            for (int i = 0; i < 20; i++)
            {
                var zi = rows.Skip(3 * i).Take(3).ToArray();
                var ev = VectorMap(vector.Weights, vector.Bias)(zi);
                var em = MatrixMap(matrix.Weights, matrix.Bias, 3)(zi);
                double max = em.Max(), sum = em.Sum(x => Math.Exp(x - max));
                for (int k = 0; k < 3; k++)
                {
                    Assert.That(vRows[3 * i + k], Is.EqualTo(ev[k]).Within(1e-5));
                    Assert.That(mRows[3 * i + k], Is.EqualTo(em[k]).Within(1e-5));
                    Assert.That(pRows[3 * i + k], Is.EqualTo(Math.Exp(em[k] - max) / sum).Within(1e-6));
                }
            }
        });
    }

    /// <summary>Ignored positions are left out: the (N, C, d) fit equals the fit on the kept rows.</summary>
    [Test]
    public void Fit_IgnoreIndexAndSegmentationShapes()
    {
        using var scope = NewDisposeScope();
        var gen = manual_seed(37);
        var z = randn([6, 3, 4], ScalarType.Float64, generator: gen) * 2;
        var y = randint(0, 3, [6, 4], generator: gen);
        y[0, 0] = tensor(-100L);
        y[3, 2] = tensor(-100L);
        var rows = z.permute(0, 2, 1).reshape(-1, 3);
        var flat = y.reshape(-1);
        var keep = flat.ne(-100);
        var a = MatrixScaling.Fit(z, y, l2: 0.1);
        var b = MatrixScaling.Fit(rows[keep], flat[keep], l2: 0.1);
        var c = VectorScaling.Fit(z, y);
        var d = VectorScaling.Fit(rows[keep], flat[keep]);
        Assert.Multiple(() =>
        {
            Assert.That(a.Weights, Is.EqualTo(b.Weights).Within(1e-9));
            Assert.That(a.Bias, Is.EqualTo(b.Bias).Within(1e-9));
            Assert.That(c.Weights, Is.EqualTo(d.Weights).Within(1e-9));
        });
    }

    [Test]
    public void Json_RoundTripsAndRejectsOtherKinds()
    {
        var v = new VectorScaling([0.5, 2.0], [0.25, -0.25]);
        var m = new MatrixScaling([1, 0.1, -0.2, 2], [0.3, -0.3]);
        var v2 = VectorScaling.FromJson(v.ToJson());
        var m2 = MatrixScaling.FromJson(m.ToJson());
        Assert.Multiple(() =>
        {
            Assert.That(v2.Weights, Is.EqualTo(v.Weights));
            Assert.That(v2.Bias, Is.EqualTo(v.Bias));
            Assert.That(m2.Weights, Is.EqualTo(m.Weights));
            Assert.That(m2.Bias, Is.EqualTo(m.Bias));
            Assert.That(v.ToJson(), Is.EqualTo("""{"kind":"VectorScaling","weights":[0.5,2],"bias":[0.25,-0.25]}"""));
            Assert.That(Assert.Throws<ArgumentException>(() => MatrixScaling.FromJson(v.ToJson()))!.ParamName, Is.EqualTo("json"));
            Assert.That(Assert.Throws<ArgumentException>(() => VectorScaling.FromJson("""{"kind":"VectorScaling","weights":[1,2],"bias":[0]}"""))!.ParamName, Is.EqualTo("json"));
            Assert.That(Assert.Throws<ArgumentException>(() => MatrixScaling.FromJson("""{"kind":"MatrixScaling","weights":[1,2,3],"bias":[0,0]}"""))!.ParamName, Is.EqualTo("json"));
            Assert.That(Assert.Throws<ArgumentException>(() => VectorScaling.FromJson("[]"))!.ParamName, Is.EqualTo("json"));
        });
    }

    [Test]
    public void BadInput_ThrowsNamingTheArgument()
    {
        using var scope = NewDisposeScope();
        var z = randn([4, 3], ScalarType.Float64, generator: manual_seed(1));
        var y = tensor(new long[] { 0, 1, 2, 0 });
        var fitted = new VectorScaling([1, 1, 1], [0, 0, 0]);
        Assert.Multiple(() =>
        {
            Assert.That(Assert.Throws<ArgumentException>(() => VectorScaling.Fit(z.clone().index_put_(tensor(double.NaN), 0, 0), y))!.ParamName, Is.EqualTo("logits"));
            Assert.That(Assert.Throws<ArgumentException>(() => MatrixScaling.Fit(z, full(4, -100L)))!.ParamName, Is.EqualTo("target"));
            Assert.That(Assert.Throws<ArgumentException>(() => MatrixScaling.Fit(z, tensor(new long[] { 0, 1, 3, 0 })))!.ParamName, Is.EqualTo("target"));
            Assert.That(Assert.Throws<ArgumentException>(() => VectorScaling.Fit(z, tensor(new long[] { 0, 1, 2 })))!.ParamName, Is.EqualTo("target"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => MatrixScaling.Fit(z, y, l2: -1))!.ParamName, Is.EqualTo("l2"));
            Assert.That(Assert.Throws<ArgumentException>(() => fitted.Apply(randn(4, 2)))!.ParamName, Is.EqualTo("logits"));
            Assert.That(Assert.Throws<ArgumentNullException>(() => fitted.Probabilities(null!))!.ParamName, Is.EqualTo("logits"));
            Assert.That(Assert.Throws<ArgumentException>(() => new VectorScaling([1], [0]))!.ParamName, Is.EqualTo("weights"));
            Assert.That(Assert.Throws<ArgumentException>(() => new VectorScaling([1, 2], [0, double.NaN]))!.ParamName, Is.EqualTo("bias"));
            Assert.That(Assert.Throws<ArgumentException>(() => new MatrixScaling([1, 2, 3], [0, 0]))!.ParamName, Is.EqualTo("weights"));
        });
    }

    /// <summary>On CUDA the fit equals the CPU fit and Apply stays on the device.</summary>
    [Test]
    public void Cuda_FitEqualsTheCpuFitAndApplyStaysOnTheDevice()
    {
        Requires.Cuda();
        using var scope = NewDisposeScope();
        var z = randn([300, 4], ScalarType.Float64, generator: manual_seed(39)) * 2;
        var y = randint(0, 4, [300], generator: manual_seed(40));
        var gpu = MatrixScaling.Fit(z.cuda(), y.cuda());
        var cpu = MatrixScaling.Fit(z, y);
        Assert.That(gpu.Weights, Is.EqualTo(cpu.Weights).Within(1e-9));
        Assert.That(gpu.Probabilities(z.cuda()).device_type, Is.EqualTo(DeviceType.CUDA));
        Assert.That(VectorScaling.Fit(z.cuda(), y.cuda()).Apply(z.cuda()).device_type, Is.EqualTo(DeviceType.CUDA));
    }

    /// <summary>5,000 × 10 Float32 fits leave no tensor behind; their times are printed (informational, no timed assert).</summary>
    [Test]
    public void Fit_5000x10_LeavesNoTensorAndPrintsItsTime()
    {
        using var scope = NewDisposeScope();
        var gen = manual_seed(38);
        var z = (randn([5000, 10], ScalarType.Float32, generator: gen) * 5);
        var y = multinomial((z / 3).softmax(1), 1, generator: gen).squeeze(1);
        long before = MetricsKit.Live;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        _ = VectorScaling.Fit(z, y);
        double vectorMs = watch.Elapsed.TotalMilliseconds;
        watch.Restart();
        _ = MatrixScaling.Fit(z, y);
        double matrixMs = watch.Elapsed.TotalMilliseconds;
        TestContext.Out.WriteLine(FormattableString.Invariant($"5000 x 10 Float32: VectorScaling.Fit {vectorMs:F0} ms, MatrixScaling.Fit {matrixMs:F0} ms (informational)"));
        Assert.That(MetricsKit.Live, Is.EqualTo(before));
    }
}
