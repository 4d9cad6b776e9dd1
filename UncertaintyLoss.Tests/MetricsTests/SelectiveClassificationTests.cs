using UncertaintyLoss.Metrics;

namespace UncertaintyLoss.Tests.MetricsTests;

/// <summary>Tests of <see cref="SelectiveClassification"/>: risk–coverage curve, AURC, AUGRC.</summary>
[TestFixture]
public class SelectiveClassificationTests
{
    private static Gen<ClassificationCase> SmallCases { get; } =
        from n in Gen.Choose(1, 7)
        from c in Gen.Choose(2, 3)
        from raw in Gen.ArrayOf(Gen.Elements(0.0, 0.2, 0.5, 0.8, 1.0), n * c)
        from target in Gen.ArrayOf(Gen.Choose(0, c - 1).Select(v => (long)v), n)
        select new ClassificationCase(n, c, raw, target, ScalarType.Float64);

    /// <summary>Small inputs with many ties: AURC and AUGRC are the averages over every tie order (all N! permutations
    /// that sort the confidences), the expectation the docs define.</summary>
    [SeededProperty(MaxTest = 150, Seed = "(40404,1213)", QuietOnSuccess = true)]
    public Property AurcAugrc_SmallTiedInputs_EqualTheMeanOverTieOrders() =>
        Prop.ForAll(SmallCases.ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            var (conf, correct) = MetricsReference.Confidences(c.Probabilities, c.Target, c.N, c.C);
            var (aurc, augrc) = MetricsReference.SelectiveAllOrders(conf, correct);
            var p = c.ProbabilitiesTensor();
            var y = c.TargetTensor();
            return MetricsKit.Close(SelectiveClassification.Aurc(p, y), aurc) && MetricsKit.Close(SelectiveClassification.Augrc(p, y), augrc);
        });

    /// <summary>Random inputs: AURC matches the tie-mean reference, and AUGRC Traub et al.'s closed form
    /// (1 − AUROC_f)·acc·(1 − acc) + ½(1 − acc)², AUROC_f by counting all (correct, wrong) pairs with ties ½.</summary>
    [SeededProperty(MaxTest = 200, Seed = "(31337,4243)", QuietOnSuccess = true)]
    public Property AurcAugrc_RandomInputs_MatchReferenceAndClosedForm() =>
        Prop.ForAll(MetricsKit.ClassificationCases.ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            var (conf, correct) = MetricsReference.Confidences(c.Held, c.Target, c.N, c.C);
            var p = c.ProbabilitiesTensor();
            var y = c.TargetTensor();
            double aurc = SelectiveClassification.Aurc(p, y), augrc = SelectiveClassification.Augrc(p, y);
            double acc = correct.Count(b => b) / (double)c.N;
            double closed = acc is 0.0 or 1.0
                ? 0.5 * (1 - acc) * (1 - acc)
                : (1 - MetricsKit.AurocReference(conf, correct)) * acc * (1 - acc) + 0.5 * (1 - acc) * (1 - acc);
            return MetricsKit.Close(aurc, MetricsReference.AurcTieMean(conf, correct)) && MetricsKit.Close(augrc, closed)
                && aurc >= 0 && aurc <= 1 && augrc >= 0 && augrc <= 0.5;
        });

    /// <summary>The curve matches scanning all samples at every distinct threshold.</summary>
    [SeededProperty(MaxTest = 150, Seed = "(8080,9091)", QuietOnSuccess = true)]
    public Property RiskCoverageCurve_RandomInputs_MatchesScan() =>
        Prop.ForAll(MetricsKit.ClassificationCases.ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            var (conf, correct) = MetricsReference.Confidences(c.Held, c.Target, c.N, c.C);
            var expected = MetricsReference.RiskCoverage(conf, correct);
            var actual = SelectiveClassification.RiskCoverageCurve(c.ProbabilitiesTensor(), c.TargetTensor());
            return actual.Count == expected.Count && actual.Zip(expected).All(z =>
                z.First.Threshold == z.Second.T && MetricsKit.Close(z.First.Coverage, z.Second.Coverage)
                && MetricsKit.Close(z.First.Risk, z.Second.Risk) && MetricsKit.Close(z.First.GeneralizedRisk, z.Second.Gr));
        });

    /// <summary>Hand-computed: confidences 0.9 (right), 0.8 (wrong), 0.7 (right), 0.6 (wrong): risks 0, ½, ⅓, ½ → AURC
    /// = (0 + ½ + ⅓ + ½)/4 = 1/3; errors 0, 1, 1, 2 → AUGRC = (1/4)·(½ + 1 + 1.5)/4 = 3/16.</summary>
    [Test]
    public void AurcAugrc_HandComputed_MatchClosedForm()
    {
        using var scope = NewDisposeScope();
        var p = MetricsKit.Floats(new[] { 0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4 }, new long[] { 4, 2 });
        var y = MetricsKit.Longs(0, 1, 0, 1);
        Assert.That(SelectiveClassification.Aurc(p, y), Is.EqualTo(1.0 / 3).Within(1e-15));
        Assert.That(SelectiveClassification.Augrc(p, y), Is.EqualTo(3.0 / 16).Within(1e-15));
        var curve = SelectiveClassification.RiskCoverageCurve(p, y);
        Assert.That(curve.Select(q => q.Coverage), Is.EqualTo(new[] { 0.25, 0.5, 0.75, 1.0 }));
        Assert.That(curve.Select(q => q.Risk), Is.EqualTo(new[] { 0.0, 0.5, 1.0 / 3, 0.5 }).Within(1e-15));
    }

    /// <summary>All correct: AURC = AUGRC = 0; all wrong: AURC 1, AUGRC ½.</summary>
    [Test]
    public void AurcAugrc_AllRightOrAllWrong_AreTheirExtremes()
    {
        using var scope = NewDisposeScope();
        var p = MetricsKit.Floats(new[] { 0.9, 0.1, 0.2, 0.8, 0.6, 0.4 }, new long[] { 3, 2 });
        Assert.That(SelectiveClassification.Aurc(p, MetricsKit.Longs(0, 1, 0)), Is.EqualTo(0.0));
        Assert.That(SelectiveClassification.Augrc(p, MetricsKit.Longs(0, 1, 0)), Is.EqualTo(0.0));
        Assert.That(SelectiveClassification.Aurc(p, MetricsKit.Longs(1, 0, 1)), Is.EqualTo(1.0).Within(1e-15));
        Assert.That(SelectiveClassification.Augrc(p, MetricsKit.Longs(1, 0, 1)), Is.EqualTo(0.5).Within(1e-15));
    }

    private static readonly Func<Tensor, Tensor, double>[] Metrics =
    {
        (p, y) => SelectiveClassification.Aurc(p, y),
        (p, y) => SelectiveClassification.Augrc(p, y),
        (p, y) => SelectiveClassification.RiskCoverageCurve(p, y).Count,
    };

    /// <summary>Bad inputs raise the documented exception naming the argument.</summary>
    [Test]
    public void Selective_BadInput_Throws([Values(0, 1, 2)] int metric)
    {
        foreach (var row in MetricsKit.ClassificationBadInputs())
        {
            using var scope = NewDisposeScope();
            var (p, y) = MetricsKit.ClassificationBad((string)row.Arguments[0]!);
            MetricsKit.Throws((Type)row.Arguments[1]!, (string)row.Arguments[2]!, () => Metrics[metric](p!, y!));
        }
    }

    /// <summary>No tensor outlives the calls.</summary>
    [Test]
    public void Selective_Call_LeavesNoLiveTensor([Values(0, 1, 2)] int metric) =>
        MetricsKit.LeavesNoTensor(Metrics[metric],
            MetricsKit.Floats(new[] { 0.9, 0.1, 0.3, 0.7, 0.6, 0.4 }, new long[] { 3, 2 }), MetricsKit.Longs(0, 0, 1));
}
