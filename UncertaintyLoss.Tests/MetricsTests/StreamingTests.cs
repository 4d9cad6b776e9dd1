using UncertaintyLoss.Metrics;

namespace UncertaintyLoss.Tests.MetricsTests;

/// <summary>Tests of <see cref="ClassificationMetricsAccumulator"/> and <see cref="RankingAccumulator"/>: streaming equals
/// one-shot for random batchings, bounded state, validation.</summary>
[TestFixture]
public class StreamingTests
{
    /// <summary>Random cut points of [0, N): the batch boundaries (possibly empty batches excluded).</summary>
    private static int[] Cuts(int n, int[] raw) =>
        raw.Select(r => r % (n + 1)).Append(0).Append(n).Distinct().OrderBy(v => v).ToArray();

    private static IEnumerable<(int Start, int Length)> Batches(int[] cuts)
    {
        for (int i = 1; i < cuts.Length; i++)
            yield return (cuts[i - 1], cuts[i] - cuts[i - 1]);
    }

    private static bool SameBits(double a, double b) => BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b);

    /// <summary>Every metric of the accumulator, in a fixed order (the curve flattened).</summary>
    private static double[] All(ClassificationMetricsAccumulator acc)
    {
        var d = acc.BrierDecomposition();
        return new[]
            {
                acc.ExpectedCalibrationError(), acc.MaximumCalibrationError(), acc.ClasswiseCalibrationError(), acc.AdaptiveCalibrationError(),
                acc.BrierScore(), acc.NegativeLogLikelihood(), d.Reliability, d.Resolution, d.Uncertainty, d.WithinBinVariance,
                d.WithinBinCovariance, d.BrierScore, acc.Aurc(), acc.Augrc(),
            }
            .Concat(acc.ReliabilityDiagram().SelectMany(b => new[] { b.Count, b.Accuracy, b.Confidence }))
            .Concat(acc.RiskCoverageCurve().SelectMany(q => new[] { q.Threshold, q.Coverage, q.Risk, q.GeneralizedRisk }))
            .ToArray();
    }

    /// <summary>The same metrics from the one-shot calls.</summary>
    private static double[] All(Tensor p, Tensor y, int bins, long ig)
    {
        var d = ScoringRules.BrierDecomposition(p, y, bins, ig);
        return new[]
            {
                Calibration.ExpectedCalibrationError(p, y, bins, ig), Calibration.MaximumCalibrationError(p, y, bins, ig),
                Calibration.ClasswiseCalibrationError(p, y, bins, ig), Calibration.AdaptiveCalibrationError(p, y, bins, ig),
                ScoringRules.BrierScore(p, y, ig), ScoringRules.NegativeLogLikelihood(p, y, 1e-12, ig), d.Reliability, d.Resolution,
                d.Uncertainty, d.WithinBinVariance, d.WithinBinCovariance, d.BrierScore,
                SelectiveClassification.Aurc(p, y, ig), SelectiveClassification.Augrc(p, y, ig),
            }
            .Concat(Calibration.ReliabilityDiagram(p, y, bins, ig).SelectMany(b => new[] { b.Count, b.Accuracy, b.Confidence }))
            .Concat(SelectiveClassification.RiskCoverageCurve(p, y, ig).SelectMany(q => new[] { q.Threshold, q.Coverage, q.Risk, q.GeneralizedRisk }))
            .ToArray();
    }

    /// <summary>Batches in order (random cuts along N, spatial inputs with ignored positions): every metric bit for bit.</summary>
    [SeededProperty(MaxTest = 200, Seed = "(11111,22223)", QuietOnSuccess = true)]
    public Property Accumulator_RandomBatchesInOrder_EqualsOneShotBitwise() =>
        Prop.ForAll(MetricsReference.SpatialCases.ToArbitrary(), MetricsKit.Bins.ToArbitrary(), Gen.ArrayOf(Gen.Choose(0, 1000), 3).ToArbitrary(),
            (c, bins, raw) =>
            {
                using var scope = NewDisposeScope();
                var p = c.ProbabilitiesTensor();
                var y = c.TargetTensor();
                var acc = new ClassificationMetricsAccumulator(c.C, bins, c.IgnoreIndex);
                foreach (var (start, length) in Batches(Cuts(c.N, raw)))
                    acc.Update(p.narrow(0, start, length), y.narrow(0, start, length));
                var streamed = All(acc);
                var oneShot = All(p, y, bins, c.IgnoreIndex);
                return (streamed.Length == oneShot.Length && streamed.Zip(oneShot).All(z => SameBits(z.First, z.Second))).Label(c.ToString());
            });

    /// <summary>Batches of single positions in a shuffled order: every metric within 1e-12 (the compensated sums make the
    /// order's effect a rounding).</summary>
    [SeededProperty(MaxTest = 100, Seed = "(33333,44445)", QuietOnSuccess = true)]
    public Property Accumulator_ShuffledBatches_EqualsOneShotTo1e12() =>
        Prop.ForAll(MetricsKit.ClassificationCases.ToArbitrary(), MetricsKit.Bins.ToArbitrary(), Gen.Choose(0, 10_000).ToArbitrary(), (c, bins, seed) =>
        {
            using var scope = NewDisposeScope();
            var p = c.ProbabilitiesTensor();
            var y = c.TargetTensor();
            var acc = new ClassificationMetricsAccumulator(c.C, bins);
            foreach (int i in Enumerable.Range(0, c.N).OrderBy(_ => new Random(seed + _).Next()))
                acc.Update(p.narrow(0, i, 1), y.narrow(0, i, 1));
            var streamed = All(acc);
            var oneShot = All(p, y, bins, -100);
            return streamed.Zip(oneShot).All(z => SameBits(z.First, z.Second) || MetricsKit.Close(z.First, z.Second));
        });

    /// <summary>Ranking: random batches in any order (reversed here) give AUROC, AP and FPR@95 bit for bit.</summary>
    [SeededProperty(MaxTest = 200, Seed = "(55555,66667)", QuietOnSuccess = true)]
    public Property RankingAccumulator_RandomBatchesAnyOrder_EqualsOneShotBitwise() =>
        Prop.ForAll(MetricsKit.BinaryCases.ToArbitrary(), Gen.ArrayOf(Gen.Choose(0, 1000), 4).ToArbitrary(), (c, raw) =>
        {
            using var scope = NewDisposeScope();
            var s = c.ScoreTensor();
            var l = c.LabelTensor();
            var acc = new RankingAccumulator();
            foreach (var (start, length) in Batches(Cuts(c.Score.Length, raw)).Reverse())
                acc.Update(s.narrow(0, start, length), l.narrow(0, start, length));
            return SameBits(acc.Auroc(), Ranking.Auroc(s, l)) && SameBits(acc.Aupr(), Ranking.Aupr(s, l))
                && SameBits(acc.FprAtTpr(), Ranking.FprAtTpr(s, l)) && acc.Positives + acc.Negatives == c.Score.Length;
        });

    /// <summary>Segmentation scale: 8 images of 64×64 with 5 classes, one image per batch: equal bit for bit; the binned
    /// part's memory is independent of the number of pixels, and Float16 probabilities hold at most 65,536 distinct
    /// confidences.</summary>
    [Test]
    public void Accumulator_ImagesOneByOne_EqualsOneShotWithBoundedState()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator().manual_seed(7);
        var logits = randn(new long[] { 8, 5, 64, 64 }, ScalarType.Float64, generator: gen) * 3;
        var p = logits.softmax(1);
        var y = randint(0, 5, new long[] { 8, 64, 64 }, generator: gen);
        y[.., ..4, ..] = tensor(255L); // a border to ignore
        var acc = new ClassificationMetricsAccumulator(5, bins: 15, ignoreIndex: 255);
        for (int i = 0; i < 8; i++)
            acc.Update(p[i..(i + 1)], y[i..(i + 1)]);
        Assert.That(acc.Count, Is.EqualTo(8 * 60 * 64));
        Assert.That(All(acc), Is.EqualTo(All(p, y, 15, 255)));

        var half = new ClassificationMetricsAccumulator(5, ignoreIndex: 255);
        var p16 = p.to(ScalarType.Float16);
        for (int i = 0; i < 8; i++)
            half.Update(p16[i..(i + 1)], y[i..(i + 1)]);
        Assert.That(half.DistinctConfidences, Is.LessThanOrEqualTo(65_536));
        Assert.That(half.Aurc(), Is.EqualTo(SelectiveClassification.Aurc(p16, y, 255)));
    }

    /// <summary>Rounding the scores (Float16) only turns near pairs into ties, so |ΔAUROC| ≤ ½ Σ_g P_g Q_g / (P·Q) over the
    /// rounded tie groups; measured on 20,000 continuous scores.</summary>
    [Test]
    public void RankingAccumulator_Float16Scores_AurocWithinTieBound()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator().manual_seed(11);
        var label = rand(new long[] { 20_000 }, ScalarType.Float64, generator: gen).lt(0.3);
        var score = randn(new long[] { 20_000 }, ScalarType.Float64, generator: gen) + label.to(ScalarType.Float64);
        var exact = new RankingAccumulator();
        exact.Update(score, label);
        var rounded = new RankingAccumulator();
        var s16 = score.to(ScalarType.Float16);
        rounded.Update(s16, label);
        var held = s16.to(ScalarType.Float64).data<double>().ToArray();
        var l = label.data<bool>().ToArray();
        double tiedPairs = held.Zip(l).GroupBy(z => z.First).Sum(g => (double)g.Count(z => z.Second) * g.Count(z => !z.Second));
        double bound = 0.5 * tiedPairs / ((double)exact.Positives * exact.Negatives);
        Assert.That(rounded.DistinctScores, Is.LessThan(exact.DistinctScores));
        Assert.That(Math.Abs(rounded.Auroc() - exact.Auroc()), Is.LessThanOrEqualTo(bound));
        Assert.That(exact.Auroc(), Is.EqualTo(MetricsKit.AurocReference(score.data<double>().ToArray(), l)).Within(1e-12));
    }

    /// <summary>x rounded to <paramref name="bits"/> significant bits, halves away from zero, by scaling (normal numbers).</summary>
    private static double RoundReference(double x, int bits)
    {
        if (x == 0 || double.IsInfinity(x)) return x;
        int e = Math.ILogB(x);
        return Math.ScaleB(Math.Round(Math.ScaleB(x, bits - 1 - e), MidpointRounding.AwayFromZero), e - bits + 1);
    }

    /// <summary>rankBits: the accumulators' rank metrics are bit for bit those of the scores rounded to that many
    /// significant bits (by an independent scaling reference), and the distinct values obey the bound.</summary>
    [SeededProperty(MaxTest = 200, Seed = "(24680,13579)", QuietOnSuccess = true)]
    public Property RankBits_RoundedScores_EqualOneShotOnReferenceRounding() =>
        Prop.ForAll(MetricsKit.BinaryCases.ToArbitrary(), Gen.Elements(1, 2, 5, 8, 11, 16, 24, 52, 53).ToArbitrary(), (c, bits) =>
        {
            using var scope = NewDisposeScope();
            var held = c.Held.Where(v => v == 0 || double.IsInfinity(v) || Math.Abs(v) >= 1e-300).ToArray();
            var label = c.Label.Where((_, i) => c.Held[i] == 0 || double.IsInfinity(c.Held[i]) || Math.Abs(c.Held[i]) >= 1e-300).ToArray();
            if (!label.Contains(true) || !label.Contains(false)) return true.ToProperty();
            var acc = new RankingAccumulator(rankBits: bits);
            acc.Update(MetricsKit.Floats(held, new long[] { held.Length }), tensor(label));
            var rounded = MetricsKit.Floats(held.Select(v => RoundReference(v, bits)).ToArray(), new long[] { held.Length });
            int binades = held.Where(v => v != 0 && !double.IsInfinity(v)).Select(v => Math.ILogB(v) * Math.Sign(v)).Distinct().Count();
            return (SameBits(acc.Auroc(), Ranking.Auroc(rounded, tensor(label))) && SameBits(acc.Aupr(), Ranking.Aupr(rounded, tensor(label)))
                && SameBits(acc.FprAtTpr(), Ranking.FprAtTpr(rounded, tensor(label)))
                && (bits > 20 || acc.DistinctScores <= 3 + 2 * binades * (1 << (bits - 1)))).ToProperty();
        });

    /// <summary>A classification accumulator with rankBits 12 on a 64×64×5 softmax: AURC equals the exact AURC of the
    /// rounded confidences' reference and stays within 1e-3 of the exact one, with at most 2^11 distinct confidences per
    /// binade (the confidences lie in [1/5, 1]: 4 binades, the top one holding only 1).</summary>
    [Test]
    public void RankBits_Classification_BoundedAndClose()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator().manual_seed(3);
        var p = (randn(new long[] { 4, 5, 64, 64 }, ScalarType.Float64, generator: gen) * 2).softmax(1);
        var y = randint(0, 5, new long[] { 4, 64, 64 }, generator: gen);
        var rounded = new ClassificationMetricsAccumulator(5, rankBits: 12);
        rounded.Update(p, y);
        Assert.That(rounded.DistinctConfidences, Is.LessThanOrEqualTo(3 * 2048 + 1));
        Assert.That(rounded.ExpectedCalibrationError(), Is.EqualTo(Calibration.ExpectedCalibrationError(p, y)));
        Assert.That(rounded.Aurc(), Is.EqualTo(SelectiveClassification.Aurc(p, y)).Within(1e-3));
        var flat = p.permute(0, 2, 3, 1).reshape(-1, 5).data<double>().ToArray();
        var (conf, correct) = MetricsReference.Confidences(flat, y.reshape(-1).data<long>().ToArray(), 4 * 64 * 64, 5);
        var tieMeanRounded = MetricsReference.AurcTieMean(conf.Select(v => RoundReference(v, 12)).ToArray(), correct);
        Assert.That(rounded.Aurc(), Is.EqualTo(tieMeanRounded).Within(1e-12));
    }

    /// <summary>Validation: constructor options, wrong classes, bad batches (state unchanged), all-ignored batches accepted,
    /// empty accumulators and missing rank counts.</summary>
    [Test]
    public void Accumulators_Validation_ThrowsAndKeepsState()
    {
        using var scope = NewDisposeScope();
        MetricsKit.Throws(typeof(ArgumentOutOfRangeException), "classes", () => _ = new ClassificationMetricsAccumulator(1));
        MetricsKit.Throws(typeof(ArgumentOutOfRangeException), "bins", () => _ = new ClassificationMetricsAccumulator(2, 0));
        MetricsKit.Throws(typeof(ArgumentOutOfRangeException), "epsilon", () => _ = new ClassificationMetricsAccumulator(2, epsilon: 0));
        MetricsKit.Throws(typeof(ArgumentOutOfRangeException), "ignoreIndex", () => _ = new RankingAccumulator(1));
        MetricsKit.Throws(typeof(ArgumentOutOfRangeException), "rankBits", () => _ = new RankingAccumulator(rankBits: 0));
        MetricsKit.Throws(typeof(ArgumentOutOfRangeException), "rankBits", () => _ = new ClassificationMetricsAccumulator(2, rankBits: 54));

        var acc = new ClassificationMetricsAccumulator(2);
        Assert.Throws<InvalidOperationException>(() => acc.ExpectedCalibrationError());
        acc.Update(MetricsKit.Floats(new[] { 0.9, 0.1 }, new long[] { 1, 2 }), MetricsKit.Longs(0));
        double before = acc.BrierScore();
        MetricsKit.Throws(typeof(ArgumentException), "probabilities", () => acc.Update(MetricsKit.Floats(new[] { 0.5, 0.25, 0.25 }, new long[] { 1, 3 }), MetricsKit.Longs(0)));
        foreach (var row in MetricsKit.ClassificationBadInputs())
        {
            var (p, y) = MetricsKit.ClassificationBad((string)row.Arguments[0]!);
            if ((string)row.Arguments[0]! is "AllIgnored")
                acc.Update(p!, y!);
            else if ((string)row.Arguments[0]! is not "OneClass")
                MetricsKit.Throws((Type)row.Arguments[1]!, (string)row.Arguments[2]!, () => acc.Update(p!, y!));
        }

        Assert.That(acc.Count, Is.EqualTo(1));
        Assert.That(acc.BrierScore(), Is.EqualTo(before));

        var binnedOnly = new ClassificationMetricsAccumulator(2, rankMetrics: false);
        binnedOnly.Update(MetricsKit.Floats(new[] { 0.9, 0.1 }, new long[] { 1, 2 }), MetricsKit.Longs(0));
        Assert.That(binnedOnly.DistinctConfidences, Is.EqualTo(0));
        Assert.That(binnedOnly.ExpectedCalibrationError(), Is.EqualTo(0.1).Within(1e-15));
        Assert.Throws<InvalidOperationException>(() => binnedOnly.Aurc());

        var ranking = new RankingAccumulator();
        ranking.Update(MetricsKit.Floats(new[] { 0.3 }, new long[] { 1 }), MetricsKit.Longs(1));
        Assert.Throws<InvalidOperationException>(() => ranking.Auroc());
        Assert.That(ranking.Aupr(), Is.EqualTo(1.0));
        foreach (var row in MetricsKit.BinaryBadInputs().Where(r => (string)r.Arguments[0]! is not ("AllIgnored" or "NoPositives")))
        {
            var (s, l) = MetricsKit.BinaryBad((string)row.Arguments[0]!);
            MetricsKit.Throws((Type)row.Arguments[1]!, (string)row.Arguments[2]!, () => ranking.Update(s!, l!));
        }

        Assert.That(ranking.Positives + ranking.Negatives, Is.EqualTo(1));
    }

    /// <summary>Update leaves no live tensor and does not modify its inputs.</summary>
    [Test]
    public void Update_Call_LeavesNoLiveTensor()
    {
        var acc = new ClassificationMetricsAccumulator(2);
        MetricsKit.LeavesNoTensor((p, y) => { acc.Update(p, y); return 0.0; },
            MetricsKit.Floats(new[] { 0.9, 0.1, 0.3, 0.7 }, new long[] { 2, 2 }, ScalarType.Float32), MetricsKit.Longs(0, 1));
        var ranking = new RankingAccumulator();
        MetricsKit.LeavesNoTensor((s, l) => { ranking.Update(s, l); return 0.0; },
            MetricsKit.Floats(new[] { 0.9, 0.1 }, new long[] { 2 }), MetricsKit.Longs(0, 1));
    }
}
