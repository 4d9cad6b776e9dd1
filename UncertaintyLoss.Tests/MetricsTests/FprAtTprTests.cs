using UncertaintyLoss.Metrics;

namespace UncertaintyLoss.Tests.MetricsTests;

/// <summary>Tests of <see cref="Ranking.FprAtTpr"/>.</summary>
[TestFixture]
public class FprAtTprTests
{
    /// <summary>Random scores with many ties, ±∞, both dtypes, several τ: matches scanning every threshold.</summary>
    [SeededProperty(MaxTest = 300, Seed = "(95959,1717)", QuietOnSuccess = true)]
    public Property FprAtTpr_RandomInputs_MatchesScan() =>
        Prop.ForAll(MetricsKit.BinaryCases.ToArbitrary(), Gen.Elements(0.95, 0.5, 0.8, 1.0, 0.01).ToArbitrary(), (c, tpr) =>
        {
            using var scope = NewDisposeScope();
            double actual = Ranking.FprAtTpr(c.ScoreTensor(), c.LabelTensor(), tpr);
            return actual == MetricsReference.FprAtTpr(c.Held, c.Label, tpr);
        });

    /// <summary>Hand count: 20 positives scored 1..20, 10 negatives scored 0.5, 1.5, …, 9.5. TPR ≥ 0.95 needs 19
    /// positives, threshold 2: negatives ≥ 2 are 2.5 … 9.5, 8 of 10 → 0.8.</summary>
    [Test]
    public void FprAtTpr_HandComputed_MatchesCount()
    {
        using var scope = NewDisposeScope();
        var s = Enumerable.Range(1, 20).Select(i => (double)i).Concat(Enumerable.Range(0, 10).Select(i => i + 0.5)).ToArray();
        var l = Enumerable.Range(0, 30).Select(i => i < 20).ToArray();
        Assert.That(Ranking.FprAtTpr(MetricsKit.Floats(s, new long[] { 30 }), tensor(l)), Is.EqualTo(0.8));
        Assert.That(Ranking.FprAtTpr(MetricsKit.Floats(s, new long[] { 30 }), tensor(l), 1.0), Is.EqualTo(0.9));
    }

    /// <summary>Perfect separation: 0; a tie between all scores: 1.</summary>
    [Test]
    public void FprAtTpr_PerfectAndTied_ZeroAndOne()
    {
        using var scope = NewDisposeScope();
        var label = tensor(new[] { false, true, false, true });
        Assert.That(Ranking.FprAtTpr(MetricsKit.Floats(new[] { 0.1, 0.9, 0.2, 0.8 }, new long[] { 4 }), label), Is.EqualTo(0.0));
        Assert.That(Ranking.FprAtTpr(full(4, 0.5, ScalarType.Float64), label), Is.EqualTo(1.0));
    }

    /// <summary>Bad inputs raise the documented exception naming the argument.</summary>
    [TestCaseSource(typeof(MetricsKit), nameof(MetricsKit.BinaryBadInputs))]
    public void FprAtTpr_BadInput_Throws(string name, Type exception, string paramName)
    {
        using var scope = NewDisposeScope();
        var (s, l) = MetricsKit.BinaryBad(name);
        MetricsKit.Throws(exception, paramName, () => Ranking.FprAtTpr(s!, l!));
    }

    /// <summary>No negatives is undefined; τ outside (0, 1] and an ignore index of 0 or 1 are out of range.</summary>
    [Test]
    public void FprAtTpr_BadOptions_Throw()
    {
        using var scope = NewDisposeScope();
        var s = MetricsKit.Floats(new[] { 0.1, 0.9 }, new long[] { 2 });
        MetricsKit.Throws(typeof(ArgumentException), "label", () => Ranking.FprAtTpr(s, MetricsKit.Longs(1, 1)));
        foreach (double bad in new[] { 0.0, -0.1, 1.5, double.NaN })
            MetricsKit.Throws(typeof(ArgumentOutOfRangeException), "truePositiveRate", () => Ranking.FprAtTpr(s, MetricsKit.Longs(0, 1), bad));
        MetricsKit.Throws(typeof(ArgumentOutOfRangeException), "ignoreIndex", () => Ranking.FprAtTpr(s, MetricsKit.Longs(0, 1), 0.95, 1));
        MetricsKit.Throws(typeof(ArgumentOutOfRangeException), "ignoreIndex", () => Ranking.Auroc(s, MetricsKit.Longs(0, 1), 0));
    }

    /// <summary>No tensor outlives the call.</summary>
    [Test]
    public void FprAtTpr_Call_LeavesNoLiveTensor() =>
        MetricsKit.LeavesNoTensor((s, l) => Ranking.FprAtTpr(s, l),
            MetricsKit.Floats(new[] { 0.9, 0.1, 0.3, 0.7 }, new long[] { 4 }), tensor(new[] { true, false, true, false }));
}
