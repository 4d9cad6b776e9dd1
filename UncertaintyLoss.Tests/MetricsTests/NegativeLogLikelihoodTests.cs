using UncertaintyLoss.Metrics;

namespace UncertaintyLoss.Tests.MetricsTests;

/// <summary>Tests of <see cref="ScoringRules.NegativeLogLikelihood"/>.</summary>
[TestFixture]
public class NegativeLogLikelihoodTests
{
    /// <summary>Random inputs incl. zero and tiny true-class probabilities, both dtypes, several ε: matches the loop reference.</summary>
    [SeededProperty(MaxTest = 200, Seed = "(998877,12345)", QuietOnSuccess = true)]
    public Property NegativeLogLikelihood_RandomInputs_MatchesLoopReference() =>
        Prop.ForAll(MetricsKit.ClassificationCases.ToArbitrary(), Gen.Elements(1e-12, 1e-300, 1e-3, 1.0).ToArbitrary(), (c, epsilon) =>
        {
            using var scope = NewDisposeScope();
            double actual = ScoringRules.NegativeLogLikelihood(c.ProbabilitiesTensor(), c.TargetTensor(), epsilon);
            return MetricsKit.Close(actual, MetricsKit.NllReference(c.Held, c.Target, c.N, c.C, epsilon)) && double.IsFinite(actual);
        });

    /// <summary>Closed form: −(ln 0.5 + ln 0.25)/2; a zero true-class probability costs −ln ε.</summary>
    [Test]
    public void NegativeLogLikelihood_HandComputed_MatchesClosedForm()
    {
        using var scope = NewDisposeScope();
        var p = MetricsKit.Floats(new[] { 0.5, 0.5, 0.75, 0.25 }, new long[] { 2, 2 });
        Assert.That(ScoringRules.NegativeLogLikelihood(p, MetricsKit.Longs(0, 1)), Is.EqualTo(-(Math.Log(0.5) + Math.Log(0.25)) / 2).Within(1e-15));
        var zero = MetricsKit.Floats(new[] { 1.0, 0.0 }, new long[] { 1, 2 });
        Assert.That(ScoringRules.NegativeLogLikelihood(zero, MetricsKit.Longs(1)), Is.EqualTo(-Math.Log(1e-12)).Within(1e-12));
        Assert.That(ScoringRules.NegativeLogLikelihood(zero, MetricsKit.Longs(1), 1e-3), Is.EqualTo(-Math.Log(1e-3)).Within(1e-12));
        Assert.That(ScoringRules.NegativeLogLikelihood(zero, MetricsKit.Longs(0)), Is.EqualTo(0.0));
    }

    /// <summary>Float32 and Float64 give the reference on the values the tensor holds.</summary>
    [TestCase(ScalarType.Float32)]
    [TestCase(ScalarType.Float64)]
    public void NegativeLogLikelihood_BothDtypes_MatchReference(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        double[] values = { 0.5, 0.25, 0.25, 0.125, 0.875, 0.0 };
        var p = MetricsKit.Floats(values, new long[] { 2, 3 }, dtype);
        Assert.That(ScoringRules.NegativeLogLikelihood(p, MetricsKit.Longs(1, 1)),
            Is.EqualTo(MetricsKit.NllReference(values, new long[] { 1, 1 }, 2, 3, 1e-12)).Within(1e-15));
    }

    /// <summary>Bad inputs raise the documented exception naming the argument.</summary>
    [TestCaseSource(typeof(MetricsKit), nameof(MetricsKit.ClassificationBadInputs))]
    public void NegativeLogLikelihood_BadInput_Throws(string name, Type exception, string paramName)
    {
        using var scope = NewDisposeScope();
        var (p, y) = MetricsKit.ClassificationBad(name);
        MetricsKit.Throws(exception, paramName, () => ScoringRules.NegativeLogLikelihood(p!, y!));
    }

    /// <summary>ε outside (0, 1] is out of range.</summary>
    [TestCase(0.0)]
    [TestCase(-1e-12)]
    [TestCase(1.5)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void NegativeLogLikelihood_EpsilonOutOfRange_ThrowsOutOfRange(double epsilon)
    {
        using var scope = NewDisposeScope();
        var p = MetricsKit.Floats(new[] { 0.9, 0.1 }, new long[] { 1, 2 });
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => ScoringRules.NegativeLogLikelihood(p, MetricsKit.Longs(0), epsilon));
        Assert.That(ex!.ParamName, Is.EqualTo("epsilon"));
    }

    /// <summary>No tensor outlives the call; the inputs stay usable and unchanged.</summary>
    [TestCase(ScalarType.Float32)]
    [TestCase(ScalarType.Float64)]
    public void NegativeLogLikelihood_Call_LeavesNoLiveTensor(ScalarType dtype) =>
        MetricsKit.LeavesNoTensor((p, y) => ScoringRules.NegativeLogLikelihood(p, y),
            MetricsKit.Floats(new[] { 0.9, 0.1, 0.3, 0.7, 0.6, 0.4 }, new long[] { 3, 2 }, dtype), MetricsKit.Longs(0, 0, 1));
}
