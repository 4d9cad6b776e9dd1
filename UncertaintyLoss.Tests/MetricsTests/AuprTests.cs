using UncertaintyLoss.Metrics;

namespace UncertaintyLoss.Tests.MetricsTests;

/// <summary>Tests of <see cref="Ranking.Aupr"/>.</summary>
[TestFixture]
public class AuprTests
{
    /// <summary>Random scores with many ties, ±∞ and ±0, both dtypes: matches the definition over every threshold.</summary>
    [SeededProperty(MaxTest = 300, Seed = "(314159,26535)", QuietOnSuccess = true)]
    public Property Aupr_RandomInputs_MatchesThresholdDefinition() =>
        Prop.ForAll(MetricsKit.BinaryCases.ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            double actual = Ranking.Aupr(c.ScoreTensor(), c.LabelTensor());
            return MetricsKit.Close(actual, MetricsKit.AuprReference(c.Held, c.Label)) && actual > 0 && actual <= 1 + 1e-12;
        });

    /// <summary>Perfect ranking gives 1; all scores equal give the positive rate.</summary>
    [Test]
    public void Aupr_ClosedFormCases_OneAndPositiveRate()
    {
        using var scope = NewDisposeScope();
        var label = tensor(new[] { false, true, false, true, true });
        Assert.That(Ranking.Aupr(MetricsKit.Floats(new[] { 0.1, 0.8, 0.2, 0.9, 0.7 }, new long[] { 5 }), label), Is.EqualTo(1.0));
        Assert.That(Ranking.Aupr(full(5, 3.0, ScalarType.Float64), label), Is.EqualTo(0.6).Within(1e-15));
    }

    /// <summary>sklearn's example: average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.8333….</summary>
    [Test]
    public void Aupr_SklearnExample_MatchesDocumentedValue()
    {
        using var scope = NewDisposeScope();
        var s = MetricsKit.Floats(new[] { 0.1, 0.4, 0.35, 0.8 }, new long[] { 4 });
        Assert.That(Ranking.Aupr(s, MetricsKit.Longs(0, 0, 1, 1)), Is.EqualTo(5.0 / 6.0).Within(1e-15));
    }

    /// <summary>Reversed ranking of 1 positive among 4: its precision at full recall is 1/4.</summary>
    [Test]
    public void Aupr_ReversedSinglePositive_IsOneOverN()
    {
        using var scope = NewDisposeScope();
        var s = MetricsKit.Floats(new[] { 0.1, 0.2, 0.3, 0.4 }, new long[] { 4 });
        Assert.That(Ranking.Aupr(s, MetricsKit.Longs(1, 0, 0, 0)), Is.EqualTo(0.25));
    }

    /// <summary>No negatives: every precision is 1, so AP is 1.</summary>
    [Test]
    public void Aupr_NoNegatives_IsOne()
    {
        using var scope = NewDisposeScope();
        Assert.That(Ranking.Aupr(MetricsKit.Floats(new[] { 0.5, 0.1, 0.5 }, new long[] { 3 }), MetricsKit.Longs(1, 1, 1)), Is.EqualTo(1.0));
    }

    /// <summary>Float32 and Float64 scores give the definition on the values the tensor holds; Int32 labels as Bool.</summary>
    [TestCase(ScalarType.Float32)]
    [TestCase(ScalarType.Float64)]
    public void Aupr_BothDtypes_MatchDefinition(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        double[] s = { 0.1, 0.1000000001, 0.5, 0.5, 2.0, -1.0 };
        bool[] l = { true, false, true, false, false, true };
        double[] held = dtype == ScalarType.Float32 ? s.Select(v => (double)(float)v).ToArray() : s;
        var scores = MetricsKit.Floats(s, new long[] { 6 }, dtype);
        Assert.That(Ranking.Aupr(scores, tensor(l)), Is.EqualTo(MetricsKit.AuprReference(held, l)).Within(1e-15));
        Assert.That(Ranking.Aupr(scores, tensor(l).to(ScalarType.Int32)), Is.EqualTo(Ranking.Aupr(scores, tensor(l))));
    }

    /// <summary>Bad inputs raise the documented exception naming the argument.</summary>
    [TestCaseSource(typeof(MetricsKit), nameof(MetricsKit.BinaryBadInputs))]
    public void Aupr_BadInput_Throws(string name, Type exception, string paramName)
    {
        using var scope = NewDisposeScope();
        var (s, l) = MetricsKit.BinaryBad(name);
        MetricsKit.Throws(exception, paramName, () => Ranking.Aupr(s!, l!));
    }

    /// <summary>No tensor outlives the call; the inputs stay usable and unchanged.</summary>
    [TestCase(ScalarType.Float32)]
    [TestCase(ScalarType.Float64)]
    public void Aupr_Call_LeavesNoLiveTensor(ScalarType dtype) =>
        MetricsKit.LeavesNoTensor(Ranking.Aupr,
            MetricsKit.Floats(new[] { 0.9, 0.1, 0.3, 0.7 }, new long[] { 4 }, dtype), tensor(new[] { true, false, true, false }));
}
