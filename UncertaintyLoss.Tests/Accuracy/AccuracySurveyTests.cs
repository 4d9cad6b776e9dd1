namespace UncertaintyLoss.Tests.Accuracy;

/// <summary>
/// Measures the worst error of every function against the MathNet reference over evidence regimes from 0 to 1e6, asserts
/// the tolerances (Float64 1e-10, Float32 1e-5, relative to max(|reference|, magnitude of the cancelling terms)) and
/// prints the measured worst errors (the numbers in docs/accuracy.md).
/// </summary>
[TestFixture]
public class AccuracySurveyTests
{
    private const int Rows = 400;

    /// <summary>Evidence regimes: each yields one row of C class evidences.</summary>
    private static readonly (string Name, Func<Random, int, double[]> Make)[] Regimes =
    {
        ("uniform [0, 10]", (r, c) => Enumerable.Range(0, c).Select(_ => r.NextDouble() * 10).ToArray()),
        ("log-uniform [1e-6, 1e6]", (r, c) => Enumerable.Range(0, c).Select(_ => Math.Pow(10, -6 + 12 * r.NextDouble())).ToArray()),
        ("zeros and [0, 1e4]", (r, c) => Enumerable.Range(0, c).Select(_ => r.NextDouble() < 0.5 ? 0.0 : r.NextDouble() * 1e4).ToArray()),
        ("one class 1e4..1e6, rest [0, 1]", (r, c) =>
        {
            var e = Enumerable.Range(0, c).Select(_ => r.NextDouble()).ToArray();
            e[r.Next(c)] = Math.Pow(10, 4 + 2 * r.NextDouble());
            return e;
        }),
        ("all zero", (r, c) => new double[c]),
    };

    private static readonly int[] ClassCounts = { 2, 10, 50 };

    private sealed record Case(long[] Shape, double[] Evidence, long[] Target, string Regime);

    private static IEnumerable<Case> Cases(ScalarType dtype)
    {
        var random = new Random(20261122);
        foreach (var regime in Regimes)
        {
            foreach (int c in ClassCounts)
            {
                int n = Rows / ClassCounts.Length;
                var data = new double[n * c];
                var target = new long[n];
                for (int i = 0; i < n; i++)
                {
                    var row = regime.Make(random, c);
                    Array.Copy(row, 0, data, i * c, c);
                    // Half of the rows put the target on the class with the most evidence (the typical, well-trained case).
                    target[i] = random.NextDouble() < 0.5 ? Array.IndexOf(row, row.Max()) : random.Next(c);
                }

                yield return new Case(new long[] { n, c }, dtype == ScalarType.Float32 ? Tensors.RoundToSingle(data) : data, target, regime.Name);
            }
        }
    }

    private static double[] OneHotRows(long[] shape, long[] target)
    {
        var y = new double[shape[0] * shape[1]];
        for (int i = 0; i < target.Length; i++)
            y[i * shape[1] + target[i]] = 1.0;
        return y;
    }

    /// <summary>Per-position functions: (library, reference value, reference magnitude).</summary>
    private static IEnumerable<(string Name, Func<Tensor, Tensor, Tensor> Library, Func<double[], int, double> Reference, Func<double[], int, double>? Magnitude)> Functions()
    {
        double[] Y(double[] e, int c) => DirichletReference.OneHot(c, e.Length);
        yield return ("DirichletMseLoss", (e, t) => UL.DirichletMseLoss(e, t, nn.Reduction.None), (e, c) => DirichletReference.DirichletMse(e, Y(e, c)), null);
        yield return ("UniformDirichletKl", (e, t) => UL.UniformDirichletKl(e, t, nn.Reduction.None), (e, c) => DirichletReference.UniformDirichletKl(e, Y(e, c)), (e, c) => DirichletReference.UniformDirichletKlMagnitude(e, Y(e, c)));
        yield return ("DirichletPNormLoss p=4", (e, t) => UL.DirichletPNormLoss(e, t, 4, nn.Reduction.None), (e, c) => DirichletReference.DirichletPNorm(e, c, 4), null);
        yield return ("DirichletFisherRegularizer All", (e, t) => UL.DirichletFisherRegularizer(e, t, nn.Reduction.None), (e, c) => DirichletReference.FisherRegularizer(e, c, false), (e, c) => DirichletReference.FisherMagnitude(e, Y(e, c), false));
        yield return ("DirichletFisherRegularizer ExcludingTrueClass", (e, t) => UL.DirichletFisherRegularizer(e, t, nn.Reduction.None, fisherAlphaSum: FisherAlphaSum.ExcludingTrueClass), (e, c) => DirichletReference.FisherRegularizer(e, c, true), (e, c) => DirichletReference.FisherMagnitude(e, Y(e, c), true));
        yield return ("Uncertainty", (e, t) => UL.Uncertainty(e), (e, c) => DirichletReference.PredictiveEntropy(e, false), (e, c) => DirichletReference.EntropyMagnitude(e));
        yield return ("ModelUncertainty", (e, t) => UL.ModelUncertainty(e), (e, c) => DirichletReference.MutualInformation(e), (e, c) => DirichletReference.EntropyMagnitude(e));
        yield return ("DataUncertainty", (e, t) => UL.DataUncertainty(e), (e, c) => DirichletReference.ExpectedEntropy(e), (e, c) => DirichletReference.EntropyMagnitude(e));
        yield return ("Vacuity", (e, t) => UL.Vacuity(e), (e, c) => DirichletReference.Vacuity(e), null);
    }

    [TestCase(ScalarType.Float64)]
    [TestCase(ScalarType.Float32)]
    public void AllFunctions_EvidenceFromZeroToOneMillion_WithinTolerance(ScalarType dtype)
    {
        var cases = Cases(dtype).ToList();
        var failures = new List<string>();
        TestContext.Out.WriteLine($"worst relative error, {dtype} (|error| / max(|reference|, magnitude)):");
        foreach (var f in Functions())
        {
            double worst = 0;
            string where = "";
            foreach (var k in cases)
            {
                using var evidence = Tensors.FromDoubles(k.Evidence, k.Shape, dtype);
                using var target = Tensors.FromLongs(k.Target, new[] { k.Shape[0] });
                using var result = f.Library(evidence, target);
                var actual = Tensors.ToDoubles(result);
                var expected = ReferenceTensor.PerPosition(k.Evidence, k.Shape, k.Target, f.Reference);
                var magnitude = f.Magnitude is null ? null : ReferenceTensor.PerPosition(k.Evidence, k.Shape, k.Target, f.Magnitude);
                for (int i = 0; i < actual.Length; i++)
                {
                    double scale = Math.Max(Math.Abs(expected[i]), magnitude?[i] ?? 0.0);
                    double error = Math.Abs(actual[i] - expected[i]);
                    double relative = scale == 0 ? (error == 0 ? 0 : double.PositiveInfinity) : error / scale;
                    if (double.IsNaN(actual[i]))
                        relative = double.PositiveInfinity;
                    if (relative > worst)
                    {
                        worst = relative;
                        where = $"{k.Regime}, C={k.Shape[1]}";
                    }
                }
            }

            TestContext.Out.WriteLine($"  {f.Name,-46} {worst:E1}  ({where})");
            if (!(worst <= Tolerance.Relative(dtype)))
                failures.Add($"{f.Name}: {worst:E2} at {where}");
        }

        Assert.That(failures, Is.Empty);
    }
}
