using UncertaintyLoss.Metrics;

namespace UncertaintyLoss.Tests.MetricsTests;

/// <summary>Every classification and ranking metric on (N, C, d1, …, dk) inputs with an ignore index: the value of the
/// brute-force references on the kept positions, flattened by index arithmetic in the test.</summary>
[TestFixture]
public class SegmentationInputsTests
{
    /// <summary>All classification metrics: the N-d call equals the references on the kept positions; the ignored
    /// positions hold NaN or 7 and are not checked.</summary>
    [SeededProperty(MaxTest = 200, Seed = "(60606,70707)", QuietOnSuccess = true)]
    public Property ClassificationMetrics_SpatialInputsWithIgnoredPositions_MatchReferencesOnKeptPositions() =>
        Prop.ForAll(MetricsReference.SpatialCases.ToArbitrary(), MetricsKit.Bins.ToArbitrary(), (c, bins) =>
        {
            using var scope = NewDisposeScope();
            var p = c.ProbabilitiesTensor();
            var y = c.TargetTensor();
            long ig = c.IgnoreIndex;
            var (fp, fy, m) = c.Flattened();
            var (conf, correct) = MetricsReference.Confidences(fp, fy, m, c.C);
            var table = Calibration.ReliabilityDiagram(p, y, bins, ig);
            var expectedTable = MetricsKit.ReliabilityReference(fp, fy, m, c.C, bins);
            var d = ScoringRules.BrierDecomposition(p, y, bins, ig);
            var rd = MetricsReference.BrierDecomposition(fp, fy, m, c.C, bins);
            return (MetricsKit.Close(Calibration.ExpectedCalibrationError(p, y, bins, ig), MetricsKit.EceReference(fp, fy, m, c.C, bins))
                    && table.Select(b => b.Count).SequenceEqual(expectedTable.Select(b => b.Count))
                    && MetricsKit.Close(Calibration.MaximumCalibrationError(p, y, bins, ig), MetricsReference.Mce(fp, fy, m, c.C, bins))
                    && MetricsKit.Close(Calibration.AdaptiveCalibrationError(p, y, bins, ig), MetricsReference.AdaptiveEce(fp, fy, m, c.C, bins))
                    && MetricsKit.Close(Calibration.ClasswiseCalibrationError(p, y, bins, ig), MetricsReference.ClasswiseEce(fp, fy, m, c.C, bins))
                    && MetricsKit.Close(ScoringRules.BrierScore(p, y, ig), MetricsKit.BrierReference(fp, fy, m, c.C))
                    && MetricsKit.Close(ScoringRules.NegativeLogLikelihood(p, y, 1e-12, ig), MetricsKit.NllReference(fp, fy, m, c.C, 1e-12))
                    && MetricsKit.Close(d.Reliability, rd.Rel) && MetricsKit.Close(d.Resolution, rd.Res) && MetricsKit.Close(d.BrierScore, rd.Bs)
                    && MetricsKit.Close(SelectiveClassification.Aurc(p, y, ig), MetricsReference.AurcTieMean(conf, correct))
                    && SelectiveClassification.RiskCoverageCurve(p, y, ig).Count == conf.Distinct().Count())
                .Label(c.ToString());
        });

    /// <summary>Ranking metrics on (N, d1, …, dk) scores and labels with −100 (or 255) positions dropped.</summary>
    [SeededProperty(MaxTest = 200, Seed = "(80808,90909)", QuietOnSuccess = true)]
    public Property RankingMetrics_SpatialInputsWithIgnoredPositions_MatchReferencesOnKeptPositions() =>
        Prop.ForAll(MetricsKit.BinaryCases.ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (c, seed) =>
        {
            using var scope = NewDisposeScope();
            var rng = new Random(seed);
            long ignore = seed % 2 == 0 ? -100 : 255;
            int n = c.Score.Length;
            var raw = c.Label.Select(b => b ? 1L : 0L).ToArray();
            // Append ignored positions (NaN scores) so that the kept ones are the case's; shape (N + e, 1) or (1, N + e).
            int extra = rng.Next(0, 5);
            var scores = c.Held.Concat(Enumerable.Repeat(double.NaN, extra)).ToArray();
            var labels = raw.Concat(Enumerable.Repeat(ignore, extra)).ToArray();
            long[] shape = seed % 3 == 0 ? new long[] { n + extra, 1 } : new long[] { 1, n + extra };
            var s = MetricsKit.Floats(scores, shape);
            var l = tensor(labels, shape, ScalarType.Int64);
            return MetricsKit.Close(Ranking.Auroc(s, l, ignore), MetricsKit.AurocReference(c.Held, c.Label))
                && MetricsKit.Close(Ranking.Aupr(s, l, ignore), MetricsKit.AuprReference(c.Held, c.Label))
                && Ranking.FprAtTpr(s, l, 0.95, ignore) == MetricsReference.FprAtTpr(c.Held, c.Label, 0.95);
        });

    /// <summary>The signatures without an ignore index drop −100 targets, as cross_entropy does.</summary>
    [Test]
    public void OldSignatures_MinusHundredTargets_AreDropped()
    {
        using var scope = NewDisposeScope();
        var p = MetricsKit.Floats(new[] { 0.9, 0.1, 0.3, 0.7, 0.6, 0.4 }, new long[] { 3, 2 });
        var kept = MetricsKit.Floats(new[] { 0.9, 0.1, 0.6, 0.4 }, new long[] { 2, 2 });
        var y = MetricsKit.Longs(0, -100, 1);
        var yKept = MetricsKit.Longs(0, 1);
        Assert.That(Calibration.ExpectedCalibrationError(p, y), Is.EqualTo(Calibration.ExpectedCalibrationError(kept, yKept)));
        Assert.That(ScoringRules.BrierScore(p, y), Is.EqualTo(ScoringRules.BrierScore(kept, yKept)));
        Assert.That(ScoringRules.NegativeLogLikelihood(p, y), Is.EqualTo(ScoringRules.NegativeLogLikelihood(kept, yKept)));
        var s = MetricsKit.Floats(new[] { 0.1, double.NaN, 0.9, 0.4 }, new long[] { 4 });
        var l = MetricsKit.Longs(0, -100, 1, 0);
        Assert.That(Ranking.Auroc(s, l), Is.EqualTo(1.0));
        Assert.That(Ranking.Aupr(s, l), Is.EqualTo(1.0));
    }

    /// <summary>An ignore index inside [0, C) drops that class's positions (cross_entropy semantics).</summary>
    [Test]
    public void IgnoreIndex_AClass_DropsItsPositions()
    {
        using var scope = NewDisposeScope();
        var p = MetricsKit.Floats(new[] { 0.9, 0.1, 0.3, 0.7, 0.6, 0.4 }, new long[] { 3, 2 });
        Assert.That(ScoringRules.BrierScore(p, MetricsKit.Longs(0, 1, 1), 1), Is.EqualTo(0.02).Within(1e-15));
    }

    /// <summary>A (2, 3, 2, 2) case checked by hand: the class dimension is 1, not the last.</summary>
    [Test]
    public void BrierScore_ClassDimensionOne_NotLast()
    {
        using var scope = NewDisposeScope();
        // Image 0: every pixel one-hot on class 2 (target 2); image 1: one-hot on class 0 (target 0, one pixel ignored).
        var p = zeros(2, 3, 2, 2, ScalarType.Float64);
        p[0, 2] = ones(2, 2, ScalarType.Float64);
        p[1, 0] = ones(2, 2, ScalarType.Float64);
        var y = tensor(new long[] { 2, 2, 2, 2, 0, 0, 0, -100 }, new long[] { 2, 2, 2 });
        Assert.That(ScoringRules.BrierScore(p, y), Is.EqualTo(0.0));
        Assert.That(ScoringRules.BrierScore(p, zeros(2, 2, 2, ScalarType.Int64)), Is.EqualTo(1.0)); // image 0 all wrong: 2 per pixel
    }
}
