using UncertaintyLoss.Metrics;

namespace UncertaintyLoss.Tests.MetricsTests;

/// <summary>Tests of <see cref="Ranking.Auroc"/>.</summary>
[TestFixture]
public class AurocTests
{
    /// <summary>Random scores with many ties, ±∞ and ±0, both dtypes: matches counting all pairs with ties ½.</summary>
    [SeededProperty(MaxTest = 300, Seed = "(271828,31415)", QuietOnSuccess = true)]
    public Property Auroc_RandomInputs_MatchesPairCount() =>
        Prop.ForAll(MetricsKit.BinaryCases.ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            double actual = Ranking.Auroc(c.ScoreTensor(), c.LabelTensor());
            return MetricsKit.Close(actual, MetricsKit.AurocReference(c.Held, c.Label));
        });

    /// <summary>Negating the scores gives 1 − AUROC.</summary>
    [SeededProperty(MaxTest = 100, Seed = "(16180,33989)", QuietOnSuccess = true)]
    public Property Auroc_NegatedScores_GivesComplement() =>
        Prop.ForAll(MetricsKit.BinaryCases.ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            var s = c.ScoreTensor();
            var l = c.LabelTensor();
            return MetricsKit.Close(Ranking.Auroc(s, l) + Ranking.Auroc(-s, l), 1.0);
        });

    /// <summary>Perfect ranking 1, reversed 0, all scores equal 0.5.</summary>
    [Test]
    public void Auroc_ClosedFormCases_OneZeroAndHalf()
    {
        using var scope = NewDisposeScope();
        var label = tensor(new[] { false, true, false, true, true });
        var perfect = MetricsKit.Floats(new[] { 0.1, 0.8, 0.2, 0.9, 0.7 }, new long[] { 5 });
        Assert.That(Ranking.Auroc(perfect, label), Is.EqualTo(1.0));
        Assert.That(Ranking.Auroc(-perfect, label), Is.EqualTo(0.0));
        Assert.That(Ranking.Auroc(full(5, 3.0, ScalarType.Float64), label), Is.EqualTo(0.5));
    }

    /// <summary>Hand count: positives {2, 1}, negatives {1, 0}: pairs 1 + 1 + ½ + 1 = 3.5 of 4.</summary>
    [Test]
    public void Auroc_HandComputedTies_MatchesCount()
    {
        using var scope = NewDisposeScope();
        var s = MetricsKit.Floats(new[] { 2.0, 1.0, 1.0, 0.0 }, new long[] { 4 });
        Assert.That(Ranking.Auroc(s, MetricsKit.Longs(1, 1, 0, 0)), Is.EqualTo(0.875));
    }

    /// <summary>Bool, Int64, Int32 and Byte labels agree.</summary>
    [TestCase(ScalarType.Int64)]
    [TestCase(ScalarType.Int32)]
    [TestCase(ScalarType.Byte)]
    public void Auroc_IntegerLabels_SameAsBool(ScalarType labelType)
    {
        using var scope = NewDisposeScope();
        var s = MetricsKit.Floats(new[] { 0.3, 0.1, 0.7, 0.5, 0.5 }, new long[] { 5 });
        var b = tensor(new[] { true, false, false, true, false });
        Assert.That(Ranking.Auroc(s, b.to(labelType)), Is.EqualTo(Ranking.Auroc(s, b)));
    }

    /// <summary>Float32 and Float64 scores give the pair count on the values the tensor holds.</summary>
    [TestCase(ScalarType.Float32)]
    [TestCase(ScalarType.Float64)]
    public void Auroc_BothDtypes_MatchPairCount(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        double[] s = { 0.1, 0.1000000001, 0.5, 0.5, 2.0, -1.0 };
        bool[] l = { true, false, true, false, false, true };
        double[] held = dtype == ScalarType.Float32 ? s.Select(v => (double)(float)v).ToArray() : s;
        Assert.That(Ranking.Auroc(MetricsKit.Floats(s, new long[] { 6 }, dtype), tensor(l)),
            Is.EqualTo(MetricsKit.AurocReference(held, l)).Within(1e-15));
    }

    /// <summary>Bad inputs raise the documented exception naming the argument.</summary>
    [TestCaseSource(typeof(MetricsKit), nameof(MetricsKit.BinaryBadInputs))]
    public void Auroc_BadInput_Throws(string name, Type exception, string paramName)
    {
        using var scope = NewDisposeScope();
        var (s, l) = MetricsKit.BinaryBad(name);
        MetricsKit.Throws(exception, paramName, () => Ranking.Auroc(s!, l!));
    }

    /// <summary>No negatives: AUROC is undefined and throws, naming label.</summary>
    [Test]
    public void Auroc_NoNegatives_ThrowsArgumentException()
    {
        using var scope = NewDisposeScope();
        var s = MetricsKit.Floats(new[] { 0.1, 0.9 }, new long[] { 2 });
        var ex = Assert.Throws<ArgumentException>(() => Ranking.Auroc(s, MetricsKit.Longs(1, 1)));
        Assert.That(ex!.ParamName, Is.EqualTo("label"));
    }

    /// <summary>No tensor outlives the call; the inputs stay usable and unchanged.</summary>
    [TestCase(ScalarType.Float32)]
    [TestCase(ScalarType.Float64)]
    public void Auroc_Call_LeavesNoLiveTensor(ScalarType dtype) =>
        MetricsKit.LeavesNoTensor(Ranking.Auroc,
            MetricsKit.Floats(new[] { 0.9, 0.1, 0.3, 0.7 }, new long[] { 4 }, dtype), tensor(new[] { true, false, true, false }));
}
