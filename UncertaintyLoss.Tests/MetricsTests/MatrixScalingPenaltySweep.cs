using UncertaintyLoss.Metrics;

namespace UncertaintyLoss.Tests.MetricsTests;

/// <summary>
/// The measurement behind <see cref="MatrixScaling"/>'s default penalty λ = C/M (docs/calibration.md): held-out NLL
/// (20,000 fresh samples) of temperature, vector and matrix scaling for λ = f·C/M, f ∈ {0, 0.1, 0.3, 1, 3, 10}, on
/// synthetic logits z ~ N(0, σ²) whose labels come from softmax(W z + b) with a diagonal W (a per-class temperature) or
/// a W with off-diagonal entries. Explicit: about 3 minutes on 2 cores. Run with
/// <c>dotnet test UncertaintyLoss.Tests -c Release --filter "FullyQualifiedName~MatrixScalingPenaltySweep"</c>.
/// </summary>
[TestFixture, Explicit("a measurement, about 3 minutes")]
public sealed class MatrixScalingPenaltySweep
{
    private static double HostNll(Tensor z, Tensor y, Tensor w, Tensor b)
    {
        using var s = NewDisposeScope();
        var zz = z.matmul(w.t()) + b;
        return nn.functional.cross_entropy(zz, y).item<double>();
    }

    [TestCase(10, 5000, false, 3.0)]
    [TestCase(10, 5000, true, 3.0)]
    [TestCase(10, 5000, true, 8.0)]
    [TestCase(10, 1000, true, 3.0)]
    [TestCase(10, 1000, false, 1.0)]
    [TestCase(50, 500, false, 3.0)]
    [TestCase(50, 2000, true, 3.0)]
    [TestCase(100, 5000, false, 3.0)]
    [TestCase(100, 5000, true, 3.0)]
    public void Sweep(int c, int m, bool offDiagonal, double logitScale)
    {
        using var scope = NewDisposeScope();
        var gen = manual_seed(c * 7 + m);
        var wTrue = eye(c, dtype: ScalarType.Float64) * (rand(c, dtype: ScalarType.Float64, generator: gen) * 0.6 + 0.2) * (3 / logitScale);
        if (offDiagonal) wTrue += randn([c, c], ScalarType.Float64, generator: gen) * (0.3 / Math.Sqrt(c)) * (3 / logitScale);
        var bTrue = randn([c], ScalarType.Float64, generator: gen) * 0.3;
        Tensor Logits(long n) => randn([n, c], ScalarType.Float64, generator: gen) * logitScale;
        Tensor Labels(Tensor z) => multinomial((z.matmul(wTrue.t()) + bTrue).softmax(1), 1, generator: gen).squeeze(1);
        var zFit = Logits(m); var yFit = Labels(zFit);
        var zTest = Logits(20000); var yTest = Labels(zTest);
        var line = new List<string>();
        line.Add($"true {HostNll(zTest, yTest, wTrue, bTrue):F4}");
        line.Add($"raw {HostNll(zTest, yTest, eye(c, dtype: ScalarType.Float64), zeros(c, dtype: ScalarType.Float64)):F4}");
        double t = TemperatureScaling.Fit(zFit, yFit).Temperature;
        line.Add($"TS {HostNll(zTest, yTest, eye(c, dtype: ScalarType.Float64) / t, zeros(c, dtype: ScalarType.Float64)):F4}");
        var v = VectorScaling.Fit(zFit, yFit);
        line.Add($"VS {HostNll(zTest, yTest, diag(tensor(v.Weights.ToArray())), tensor(v.Bias.ToArray())):F4}");
        foreach (var factor in new[] { 0.0, 0.1, 0.3, 1.0, 3.0, 10.0 })
        {
            double l2 = factor * c / m;
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var f = MatrixScaling.Fit(zFit, yFit, l2);
            line.Add($"MS({factor}C/M) {HostNll(zTest, yTest, tensor(f.Weights.ToArray(), [c, c]), tensor(f.Bias.ToArray())):F4} [{sw.ElapsedMilliseconds} ms {HostLbfgs.Last.Iterations} it]");
        }
        TestContext.Out.WriteLine($"C={c} M={m} offdiag={offDiagonal} scale={logitScale}: " + string.Join(", ", line));
    }
}
