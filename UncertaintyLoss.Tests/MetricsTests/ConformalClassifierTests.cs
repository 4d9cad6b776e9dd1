using UncertaintyLoss.Metrics;

namespace UncertaintyLoss.Tests.MetricsTests;

/// <summary>
/// <see cref="ConformalClassifier"/>: coverage over 200 random calibration/test splits of synthetic data with a known
/// distribution, thresholds on hand-computed cases, set rules, shapes, JSON and bad input.
/// </summary>
/// <remarks>
/// <para><b>Coverage tolerance.</b> For one split with n calibration and m test samples, the coverage C has mean in
/// [1 − α, 1 − α + 1/(n + 1)] (exactly, for continuous scores) and variance at most the Beta(k, n + 1 − k) variance of the
/// calibrated quantile's coverage, ≈ α(1 − α)/(n + 2), plus the test sample's binomial variance α(1 − α)/m. With n = 500,
/// m = 1000, α = 0.1: 1.8e-4 + 9e-5 = 2.7e-4; the mean of S = 200 independent splits has standard deviation
/// √(2.7e-4/200) = 1.16e-3. The tests allow 4 standard deviations, <see cref="CoverageTolerance"/> = 4.7e-3 (a chance of 3e-5
/// that a correct implementation fails on a given seed; the seeds are fixed).</para>
/// <para><b>Data.</b> 20,000 samples with 10 classes: true class probabilities softmax(2g), g standard normal; y drawn from
/// them. The model's probabilities are softmax(3g) (over-confident: conformal prediction needs no calibrated model).</para>
/// </remarks>
[TestFixture]
public sealed class ConformalClassifierTests
{
    private const int Classes = 10, Pool = 20_000, CalibrationSize = 500, TestSize = 1000, Splits = 200;
    private const double Alpha = 0.1;
    private const double CoverageTolerance = 4.7e-3;

    private static readonly Lazy<(double[] P, long[] Y)> Data = new(() =>
    {
        var rng = new Random(20261203);
        var p = new double[Pool * Classes];
        var y = new long[Pool];
        for (int i = 0; i < Pool; i++)
        {
            var g = Enumerable.Range(0, Classes).Select(_ => Normal(rng)).ToArray();
            var truth = Softmax(g.Select(v => 2 * v).ToArray());
            var model = Softmax(g.Select(v => 3 * v).ToArray());
            Array.Copy(model, 0, p, i * Classes, Classes);
            double u = rng.NextDouble(), cum = 0;
            y[i] = Classes - 1;
            for (int k = 0; k < Classes; k++)
            {
                cum += truth[k];
                if (u < cum)
                {
                    y[i] = k;
                    break;
                }
            }
        }

        return (p, y);
    });

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static double[] Softmax(double[] z)
    {
        double max = z.Max();
        var e = z.Select(v => Math.Exp(v - max)).ToArray();
        double s = e.Sum();
        return e.Select(v => v / s).ToArray();
    }

    private static (double Mean, double EmptyFraction) MeanCoverage(ConformalScore score, bool randomized)
    {
        var (p, y) = Data.Value;
        using var scope = NewDisposeScope();
        var all = tensor(p, [Pool, Classes], ScalarType.Float64);
        var target = tensor(y);
        var rng = new Random(7 + (int)score * 2 + (randomized ? 1 : 0));
        double total = 0, empty = 0;
        for (int s = 0; s < Splits; s++)
        {
            using var inner = NewDisposeScope();
            var order = Enumerable.Range(0, Pool).OrderBy(_ => rng.Next()).ToArray();
            var cal = tensor(order.Take(CalibrationSize).Select(i => (long)i).ToArray());
            var test = tensor(order.Skip(CalibrationSize).Take(TestSize).Select(i => (long)i).ToArray());
            var cp = ConformalClassifier.Calibrate(all.index_select(0, cal), target.index_select(0, cal), Alpha, score,
                randomized: randomized, seed: s);
            var sets = cp.PredictSets(all.index_select(0, test), seed: 1000 + s);
            total += sets.gather(1, target.index_select(0, test).unsqueeze(1)).to(ScalarType.Float64).mean().item<double>();
            empty += sets.any(1).logical_not().to(ScalarType.Float64).mean().item<double>();
        }

        return (total / Splits, empty / Splits);
    }

    /// <summary>
    /// LAC and randomised APS/RAPS: mean coverage within [1 − α, 1 − α + 1/(n + 1)] ± the tolerance (randomised APS/RAPS add
    /// the most probable class to the sets that would be empty, 0.1 % of them here, which the tolerance absorbs); APS/RAPS
    /// sets are never empty.
    /// </summary>
    [TestCase(ConformalScore.Lac, false)]
    [TestCase(ConformalScore.Aps, true)]
    [TestCase(ConformalScore.Raps, true)]
    public void Coverage_Over200Splits_IsBetweenTheBounds(ConformalScore score, bool randomized)
    {
        var (coverage, empty) = MeanCoverage(score, randomized);
        TestContext.Out.WriteLine(FormattableString.Invariant($"{score} randomized {randomized}: mean coverage {coverage:F4}, empty sets {empty:P2}"));
        Assert.Multiple(() =>
        {
            Assert.That(coverage, Is.InRange(1 - Alpha - CoverageTolerance, 1 - Alpha + 1.0 / (CalibrationSize + 1) + CoverageTolerance));
            if (score != ConformalScore.Lac)
                Assert.That(empty, Is.EqualTo(0.0));
        });
    }

    /// <summary>Non-randomised APS/RAPS: coverage at least 1 − α (they over-cover), and no set is ever empty.</summary>
    [TestCase(ConformalScore.Aps)]
    [TestCase(ConformalScore.Raps)]
    public void Coverage_NonRandomized_AtLeastTheLevelAndNeverEmpty(ConformalScore score)
    {
        var (coverage, empty) = MeanCoverage(score, randomized: false);
        TestContext.Out.WriteLine(FormattableString.Invariant($"{score}: mean coverage {coverage:F4}, empty sets {empty:P2}"));
        Assert.Multiple(() =>
        {
            Assert.That(coverage, Is.GreaterThanOrEqualTo(1 - Alpha - CoverageTolerance));
            Assert.That(empty, Is.EqualTo(0.0));
        });
    }

    /// <summary>
    /// LAC on nine positions with p_y = 0.95, 0.9, …, 0.55 (scores 0.05 … 0.45) and α = 0.7: k = ⌈10·0.3⌉ = 3 (the product
    /// is 3.0000000000000004 in floating point, which a plain ceiling would take to 4), so q̂ = 0.15.
    /// </summary>
    [Test]
    public void Lac_HandCase_ThresholdIsTheKthSmallestScore()
    {
        using var scope = NewDisposeScope();
        double[] pTrue = [0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55];
        var p = tensor(pTrue.SelectMany(v => new[] { v, 1 - v }).ToArray(), [9, 2], ScalarType.Float64);
        var cp = ConformalClassifier.Calibrate(p, zeros(9, ScalarType.Int64), 0.7, ConformalScore.Lac);
        Assert.Multiple(() =>
        {
            Assert.That(cp.Threshold, Is.EqualTo(1 - 0.85).Within(1e-15));
            Assert.That(cp.CalibrationSize, Is.EqualTo(9));
            // A class is in the set where 1 − p ≤ q̂: p = 0.86 is in, 0.84 is not, so (0.84, 0.16) gives an empty set.
            var sets = cp.PredictSets(tensor(new[] { 0.86, 0.14, 0.84, 0.16 }, [2, 2], ScalarType.Float64));
            Assert.That(Tensors.ToDoubles(sets.to(ScalarType.Float64)), Is.EqualTo(new[] { 1.0, 0.0, 0.0, 0.0 }));
        });
    }

    /// <summary>
    /// APS by hand (not randomised): rows (0.5, 0.3, 0.2) with targets 0, 1, 2, 1 have scores 0.5, 0.8, 1.0, 0.8; with α = 0.4 and n = 4,
    /// k = ⌈5·0.6⌉ = 3, q̂ = 0.8. The set of (0.5, 0.3, 0.2) keeps classes while the mass before them is below 0.8, plus the
    /// class whose cumulative mass reaches exactly 0.8: {0, 1}. RAPS with λ = 0.1, k_reg = 1 adds 0.1·(rank − 1): scores
    /// 0.5, 0.9, 1.2, 0.9, q̂ = 0.9, and the same set.
    /// </summary>
    [Test]
    public void ApsAndRaps_HandCase_ThresholdAndSet()
    {
        using var scope = NewDisposeScope();
        var p = tensor(Enumerable.Repeat(new[] { 0.5, 0.3, 0.2 }, 4).SelectMany(r => r).ToArray(), [4, 3], ScalarType.Float64);
        var y = tensor(new long[] { 0, 1, 2, 1 });
        var aps = ConformalClassifier.Calibrate(p, y, 0.4, ConformalScore.Aps, randomized: false);
        var raps = ConformalClassifier.Calibrate(p, y, 0.4, ConformalScore.Raps, rapsPenalty: 0.1, rapsRank: 1, randomized: false);
        var row = tensor(new[] { 0.5, 0.3, 0.2 }, [1, 3], ScalarType.Float64);
        Assert.Multiple(() =>
        {
            Assert.That(aps.Threshold, Is.EqualTo(0.8).Within(1e-15));
            Assert.That(raps.Threshold, Is.EqualTo(0.9).Within(1e-15));
            Assert.That(Tensors.ToDoubles(aps.PredictSets(row).to(ScalarType.Float64)), Is.EqualTo(new[] { 1.0, 1.0, 0.0 }));
            Assert.That(Tensors.ToDoubles(raps.PredictSets(row).to(ScalarType.Float64)), Is.EqualTo(new[] { 1.0, 1.0, 0.0 }));
        });
    }

    /// <summary>With n = 5 and α = 0.1, k = ⌈6·0.9⌉ = 6 &gt; n: q̂ = +∞ and every set holds every class.</summary>
    [Test]
    public void TooFewCalibrationSamples_InfiniteThresholdAndFullSets()
    {
        using var scope = NewDisposeScope();
        var p = full(5, 3, 1.0 / 3, ScalarType.Float64);
        var cp = ConformalClassifier.Calibrate(p, zeros(5, ScalarType.Int64), 0.1, ConformalScore.Lac);
        Assert.Multiple(() =>
        {
            Assert.That(cp.Threshold, Is.EqualTo(double.PositiveInfinity));
            Assert.That(cp.PredictSets(tensor(new[] { 1.0, 0.0, 0.0 }, [1, 3], ScalarType.Float64)).all().item<bool>(), Is.True);
        });
    }

    /// <summary>
    /// Segmentation shapes: (N, C, H, W) probabilities give (N, C, H, W) sets equal to those of the (N·H·W, C) rows, and
    /// ignored pixels are left out of the calibration (the same threshold as calibrating on the kept rows only).
    /// </summary>
    [Test]
    public void SegmentationShapes_SameAsRowsAndIgnoredPixelsLeftOut()
    {
        using var scope = NewDisposeScope();
        var g = manual_seed(3);
        var p = randn([2, 4, 3, 5], ScalarType.Float64, generator: g).softmax(1);
        var y = randint(0, 4, [2, 3, 5], generator: g);
        y[0, 1, 2] = tensor(-100L);
        y[1, 0, 0] = tensor(-100L);
        var rows = p.permute(0, 2, 3, 1).reshape(-1, 4);
        var flatY = y.reshape(-1);
        var keep = flatY.ne(-100);
        var image = ConformalClassifier.Calibrate(p, y, 0.2, ConformalScore.Aps);
        var kept = ConformalClassifier.Calibrate(rows[keep], flatY[keep], 0.2, ConformalScore.Aps);
        var sets = image.PredictSets(p);
        Assert.Multiple(() =>
        {
            Assert.That(image.CalibrationSize, Is.EqualTo(28));
            Assert.That(image.Threshold, Is.EqualTo(kept.Threshold));
            Assert.That(sets.shape, Is.EqualTo(new long[] { 2, 4, 3, 5 }));
            Assert.That(sets.dtype, Is.EqualTo(ScalarType.Bool));
            Assert.That(sets.permute(0, 2, 3, 1).reshape(-1, 4).eq(kept.PredictSets(rows)).all().item<bool>(), Is.True);
        });
    }

    [Test]
    public void Json_RoundTrips_InfiniteThresholdIncluded()
    {
        using var scope = NewDisposeScope();
        var p = tensor(new[] { 0.7, 0.3, 0.4, 0.6, 0.9, 0.1 }, [3, 2], ScalarType.Float64);
        foreach (var alpha in new[] { 0.5, 0.1 })
        {
            var cp = ConformalClassifier.Calibrate(p, tensor(new long[] { 0, 1, 0 }), alpha, ConformalScore.Raps, 0.2, 1, randomized: true);
            var back = ConformalClassifier.FromJson(cp.ToJson());
            Assert.That((back.Score, back.Alpha, back.Threshold, back.RapsPenalty, back.RapsRank, back.Randomized, back.CalibrationSize, back.Classes),
                Is.EqualTo((cp.Score, cp.Alpha, cp.Threshold, cp.RapsPenalty, cp.RapsRank, cp.Randomized, cp.CalibrationSize, cp.Classes)), cp.ToJson());
        }
    }

    public static IEnumerable<TestCaseData> BadCalibrations()
    {
        yield return Bad("probabilities", "NaN", p => p.index_put_(tensor(double.NaN), 0, 0), null);
        yield return Bad("probabilities", "row sum 1.01", p => p.index_put_(tensor(0.71), 0, 0), null);
        yield return Bad("probabilities", "logits", p => p * 3 - 1, null);
        yield return Bad("target", "index 2 of 2 classes", null, y => y.index_put_(tensor(2L), 0));
        yield return Bad("target", "every position ignored", null, y => full_like(y, -100L));
        yield return Bad("target", "wrong shape", null, y => y.unsqueeze(1));
        yield return Bad("target", "floating", null, y => y.to(ScalarType.Float64));
        yield return Bad("probabilities", "rank 1", p => p.reshape(-1), null);
    }

    private static TestCaseData Bad(string argument, string what, Func<Tensor, Tensor>? p, Func<Tensor, Tensor>? y) =>
        new TestCaseData(argument, p, y).SetArgDisplayNames(argument, what);

    [TestCaseSource(nameof(BadCalibrations))]
    public void Calibrate_BadInput_ThrowsArgumentExceptionNamingIt(string argument, Func<Tensor, Tensor>? p, Func<Tensor, Tensor>? y)
    {
        using var scope = NewDisposeScope();
        var probabilities = tensor(new[] { 0.7, 0.3, 0.4, 0.6, 0.9, 0.1 }, [3, 2], ScalarType.Float64);
        var target = tensor(new long[] { 0, 1, 0 });
        var e = Assert.Throws<ArgumentException>(() => ConformalClassifier.Calibrate(p?.Invoke(probabilities) ?? probabilities, y?.Invoke(target) ?? target));
        Assert.That(e!.ParamName, Is.EqualTo(argument));
    }

    [TestCase(0.0)]
    [TestCase(1.0)]
    [TestCase(-0.1)]
    [TestCase(double.NaN)]
    public void Calibrate_AlphaOutsideOpenUnitInterval_ThrowsArgumentOutOfRange(double alpha)
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ConformalClassifier.Calibrate(full(3, 2, 0.5, ScalarType.Float64), zeros(3, ScalarType.Int64), alpha));
        Assert.That(e!.ParamName, Is.EqualTo("alpha"));
    }

    /// <summary>Only the sets outlive a call; a rejected call leaves nothing.</summary>
    [Test]
    public void Calls_LeaveOnlyTheirResults()
    {
        using var scope = NewDisposeScope();
        var p = tensor(new[] { 0.7, 0.3, 0.4, 0.6, 0.9, 0.1 }, [3, 2], ScalarType.Float64);
        var y = tensor(new long[] { 0, 1, 0 });
        var notProbabilities = p * 2;
        long before = MetricsKit.Live;
        var cp = ConformalClassifier.Calibrate(p, y, 0.5, ConformalScore.Aps, randomized: true);
        Assert.That(MetricsKit.Live, Is.EqualTo(before), "after Calibrate");
        using (var sets = cp.PredictSets(p))
            Assert.That(MetricsKit.Live, Is.EqualTo(before + 1), "after PredictSets");
        Assert.Throws<ArgumentException>(() => ConformalClassifier.Calibrate(notProbabilities, y));
        Assert.That(MetricsKit.Live, Is.EqualTo(before), "after a rejected call");
    }
}
