using UncertaintyLoss.Metrics;

namespace UncertaintyLoss.Tests.MetricsTests;

/// <summary>Tests of <see cref="ScoringRules.BrierScore"/>.</summary>
[TestFixture]
public class BrierScoreTests
{
    /// <summary>Random inputs incl. 0, 1 and ties, both dtypes: matches the loop reference.</summary>
    [SeededProperty(MaxTest = 200, Seed = "(120943,88817)", QuietOnSuccess = true)]
    public Property BrierScore_RandomInputs_MatchesLoopReference() =>
        Prop.ForAll(MetricsKit.ClassificationCases.ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            double actual = ScoringRules.BrierScore(c.ProbabilitiesTensor(), c.TargetTensor());
            return MetricsKit.Close(actual, MetricsKit.BrierReference(c.Held, c.Target, c.N, c.C)) && actual >= 0;
        });

    /// <summary>One-hot predictions of the target score 0; of a wrong class, 2.</summary>
    [Test]
    public void BrierScore_OneHotPredictions_ZeroWhenRightTwoWhenWrong()
    {
        using var scope = NewDisposeScope();
        var p = MetricsKit.Floats(new[] { 1.0, 0.0, 0.0, 0.0, 0.0, 1.0 }, new long[] { 2, 3 });
        Assert.That(ScoringRules.BrierScore(p, MetricsKit.Longs(0, 2)), Is.EqualTo(0.0));
        Assert.That(ScoringRules.BrierScore(p, MetricsKit.Longs(1, 0)), Is.EqualTo(2.0));
    }

    /// <summary>Uniform predictions over C classes score (C − 1)/C.</summary>
    [TestCase(2)]
    [TestCase(5)]
    public void BrierScore_Uniform_IsOneMinusOneOverC(int c)
    {
        using var scope = NewDisposeScope();
        var p = full(3, c, 1.0 / c, ScalarType.Float64);
        Assert.That(ScoringRules.BrierScore(p, MetricsKit.Longs(0, 1, c - 1)), Is.EqualTo((c - 1.0) / c).Within(1e-15));
    }

    /// <summary>Float32 and Float64 give the reference on the values the tensor holds.</summary>
    [TestCase(ScalarType.Float32)]
    [TestCase(ScalarType.Float64)]
    public void BrierScore_BothDtypes_MatchReference(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        double[] values = { 0.5, 0.25, 0.25, 0.125, 0.875, 0.0 };
        var p = MetricsKit.Floats(values, new long[] { 2, 3 }, dtype);
        Assert.That(ScoringRules.BrierScore(p, MetricsKit.Longs(0, 2)),
            Is.EqualTo(MetricsKit.BrierReference(values, new long[] { 0, 2 }, 2, 3)).Within(1e-15));
    }

    /// <summary>Probabilities that require grad (straight from a model) are accepted and left in the graph unchanged.</summary>
    [Test]
    public void BrierScore_RequiresGradInput_Accepted()
    {
        using var scope = NewDisposeScope();
        var p = MetricsKit.Floats(new[] { 0.5, 0.5, 1.0, 0.0 }, new long[] { 2, 2 }, ScalarType.Float32).requires_grad_();
        Assert.That(ScoringRules.BrierScore(p, MetricsKit.Longs(0, 0)), Is.EqualTo(0.25));
        Assert.That(p.requires_grad, Is.True);
    }

    /// <summary>Bad inputs raise the documented exception naming the argument.</summary>
    [TestCaseSource(typeof(MetricsKit), nameof(MetricsKit.ClassificationBadInputs))]
    public void BrierScore_BadInput_Throws(string name, Type exception, string paramName)
    {
        using var scope = NewDisposeScope();
        var (p, y) = MetricsKit.ClassificationBad(name);
        MetricsKit.Throws(exception, paramName, () => ScoringRules.BrierScore(p!, y!));
    }

    /// <summary>No tensor outlives the call; the inputs stay usable and unchanged.</summary>
    [TestCase(ScalarType.Float32)]
    [TestCase(ScalarType.Float64)]
    public void BrierScore_Call_LeavesNoLiveTensor(ScalarType dtype) =>
        MetricsKit.LeavesNoTensor(ScoringRules.BrierScore,
            MetricsKit.Floats(new[] { 0.9, 0.1, 0.3, 0.7, 0.6, 0.4 }, new long[] { 3, 2 }, dtype), MetricsKit.Longs(0, 0, 1));
}
