using UncertaintyLoss.Metrics;

namespace UncertaintyLoss.Tests.MetricsTests;

/// <summary>Tests of <see cref="ScoringRules.BrierDecomposition"/>.</summary>
[TestFixture]
public class BrierDecompositionTests
{
    /// <summary>Random inputs: every component matches the two-pass loop reference, and the full identity
    /// Brier = REL − RES + UNC + WBV − 2·WBC holds to rounding.</summary>
    [SeededProperty(MaxTest = 200, Seed = "(12121,34343)", QuietOnSuccess = true)]
    public Property BrierDecomposition_RandomInputs_MatchesReferenceAndIdentity() =>
        Prop.ForAll(MetricsKit.ClassificationCases.ToArbitrary(), MetricsKit.Bins.ToArbitrary(), (c, bins) =>
        {
            using var scope = NewDisposeScope();
            var d = ScoringRules.BrierDecomposition(c.ProbabilitiesTensor(), c.TargetTensor(), bins);
            var r = MetricsReference.BrierDecomposition(c.Held, c.Target, c.N, c.C, bins);
            double identity = d.Reliability - d.Resolution + d.Uncertainty + d.WithinBinVariance - 2 * d.WithinBinCovariance;
            return MetricsKit.Close(d.Reliability, r.Rel) && MetricsKit.Close(d.Resolution, r.Res) && MetricsKit.Close(d.Uncertainty, r.Unc)
                && MetricsKit.Close(d.WithinBinVariance, r.Wbv) && MetricsKit.Close(d.WithinBinCovariance, r.Wbc)
                && MetricsKit.Close(d.BrierScore, r.Bs) && MetricsKit.Close(identity, r.Bs, 1e-11);
        });

    /// <summary>Forecasts constant within every bin (each class's values in distinct bins of width 1/10): WBV = WBC = 0 and
    /// REL − RES + UNC is the Brier score (from the loop reference) to 1e-12.</summary>
    [SeededProperty(MaxTest = 200, Seed = "(777,555)", QuietOnSuccess = true)]
    public Property BrierDecomposition_ConstantWithinBins_IsExact() =>
        Prop.ForAll(Gen.Choose(1, 60).SelectMany(n =>
                from v in Gen.ArrayOf(Gen.Elements(0.05, 0.25, 0.45, 0.75, 0.95), n)
                from y in Gen.ArrayOf(Gen.Choose(0, 1).Select(t => (long)t), n)
                select (n, v, y)).ToArbitrary(), t =>
        {
            using var scope = NewDisposeScope();
            var p = t.v.SelectMany(v => new[] { v, 1 - v }).ToArray();
            var d = ScoringRules.BrierDecomposition(MetricsKit.Floats(p, new long[] { t.n, 2 }), MetricsKit.Longs(t.y), bins: 10);
            return Math.Abs(d.WithinBinVariance) <= 1e-15 && Math.Abs(d.WithinBinCovariance) <= 1e-15
                && MetricsKit.Close(d.Reliability - d.Resolution + d.Uncertainty, MetricsKit.BrierReference(p, t.y, t.n, 2));
        });

    /// <summary>Otherwise REL − RES + UNC approximates the Brier score: within-bin forecasts spread at most 1/B, so
    /// WBV ≤ C/(4B²) and, by Cauchy–Schwarz with Σ_k ō_k(1 − ō_k) ≤ 1, |WBC| ≤ √WBV; the gap is at most C/(4B²) + √C/B.</summary>
    [SeededProperty(MaxTest = 200, Seed = "(2468,1357)", QuietOnSuccess = true)]
    public Property BrierDecomposition_ContinuousForecasts_GapWithinBound() =>
        Prop.ForAll(MetricsKit.ClassificationCases.ToArbitrary(), MetricsKit.Bins.ToArbitrary(), (c, bins) =>
        {
            using var scope = NewDisposeScope();
            var d = ScoringRules.BrierDecomposition(c.ProbabilitiesTensor(), c.TargetTensor(), bins);
            double gap = Math.Abs(MetricsKit.BrierReference(c.Held, c.Target, c.N, c.C) - (d.Reliability - d.Resolution + d.Uncertainty));
            return gap <= c.C / (4.0 * bins * bins) + Math.Sqrt(c.C) / bins + 1e-12;
        });

    /// <summary>Hand-computed: forecasts 0.8 (class 0) for two samples, one of each class; one bin of 10 holds both:
    /// class 0 REL (0.8 − ½)² = 0.09, class 1 (0.2 − ½)² = 0.09 → 0.18; RES 0; UNC 2·¼ = ½; Brier (0.08 + 1.28)/2 = 0.68.</summary>
    [Test]
    public void BrierDecomposition_HandComputed_MatchesClosedForm()
    {
        using var scope = NewDisposeScope();
        var p = MetricsKit.Floats(new[] { 0.8, 0.2, 0.8, 0.2 }, new long[] { 2, 2 });
        var d = ScoringRules.BrierDecomposition(p, MetricsKit.Longs(0, 1));
        Assert.That(d.Reliability, Is.EqualTo(0.18).Within(1e-15));
        Assert.That(d.Resolution, Is.EqualTo(0.0).Within(1e-15));
        Assert.That(d.Uncertainty, Is.EqualTo(0.5).Within(1e-15));
        Assert.That(d.BrierScore, Is.EqualTo(0.68).Within(1e-15));
    }

    /// <summary>Bad inputs raise the documented exception naming the argument; bins &lt; 1 is out of range.</summary>
    [Test]
    public void BrierDecomposition_BadInput_Throws()
    {
        foreach (var row in MetricsKit.ClassificationBadInputs())
        {
            using var scope = NewDisposeScope();
            var (p, y) = MetricsKit.ClassificationBad((string)row.Arguments[0]!);
            MetricsKit.Throws((Type)row.Arguments[1]!, (string)row.Arguments[2]!, () => ScoringRules.BrierDecomposition(p!, y!));
        }

        MetricsKit.Throws(typeof(ArgumentOutOfRangeException), "bins", () => ScoringRules.BrierDecomposition(null!, null!, 0));
    }

    /// <summary>No tensor outlives the call.</summary>
    [Test]
    public void BrierDecomposition_Call_LeavesNoLiveTensor() =>
        MetricsKit.LeavesNoTensor((p, y) => ScoringRules.BrierDecomposition(p, y).Reliability,
            MetricsKit.Floats(new[] { 0.9, 0.1, 0.3, 0.7, 0.6, 0.4 }, new long[] { 3, 2 }), MetricsKit.Longs(0, 0, 1));
}
