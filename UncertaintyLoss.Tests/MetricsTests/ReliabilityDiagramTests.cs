using UncertaintyLoss.Metrics;

namespace UncertaintyLoss.Tests.MetricsTests;

/// <summary>Tests of <see cref="Calibration.ReliabilityDiagram"/>.</summary>
[TestFixture]
public class ReliabilityDiagramTests
{
    private static bool Same(double a, double b) => (double.IsNaN(a) && double.IsNaN(b)) || MetricsKit.Close(a, b);

    /// <summary>Random inputs rich in ties and bin-edge confidences, both dtypes: every bin matches the loop reference.</summary>
    [SeededProperty(MaxTest = 200, Seed = "(650087,31337)", QuietOnSuccess = true)]
    public Property ReliabilityDiagram_RandomInputs_MatchesLoopReference() =>
        Prop.ForAll(MetricsKit.ClassificationCases.ToArbitrary(), MetricsKit.Bins.ToArbitrary(), (c, bins) =>
        {
            using var scope = NewDisposeScope();
            var actual = Calibration.ReliabilityDiagram(c.ProbabilitiesTensor(), c.TargetTensor(), bins);
            var expected = MetricsKit.ReliabilityReference(c.Held, c.Target, c.N, c.C, bins);
            return actual.Count == bins
                && actual.Sum(b => b.Count) == c.N
                && actual.Zip(expected).All(t =>
                    t.First.Lower == t.Second.Lower && t.First.Upper == t.Second.Upper && t.First.Count == t.Second.Count
                    && Same(t.First.Accuracy, t.Second.Accuracy) && Same(t.First.Confidence, t.Second.Confidence));
        });

    /// <summary>Confidences exactly on the edges go to the bin they close: (lo, hi], with 0 in the first bin.</summary>
    [Test]
    public void ReliabilityDiagram_EdgeConfidences_GoToLowerBin()
    {
        using var scope = NewDisposeScope();
        // Four bins of width 0.25; every confidence lies exactly on an edge.
        var p = MetricsKit.Floats(new[]
        {
            0.25, 0.25, 0.25, 0.25, // confidence 0.25 → bin 0 (0, 0.25]
            0.5, 0.5, 0.0, 0.0,     // 0.5 → bin 1 (0.25, 0.5]
            0.0, 0.75, 0.25, 0.0,   // 0.75 → bin 2
            0.0, 0.0, 0.0, 1.0,     // 1 → bin 3
            0.0, 0.0, 0.0, 0.0,     // 0 → bin 0
        }, new long[] { 5, 4 });
        var table = Calibration.ReliabilityDiagram(p, MetricsKit.Longs(0, 1, 1, 3, 2), bins: 4);
        Assert.That(table.Select(b => b.Count), Is.EqualTo(new long[] { 2, 1, 1, 1 }));
        Assert.That(table.Select(b => b.Lower), Is.EqualTo(new[] { 0.0, 0.25, 0.5, 0.75 }));
        Assert.That(table.Select(b => b.Upper), Is.EqualTo(new[] { 0.25, 0.5, 0.75, 1.0 }));
        // Bin 0: sample 0 predicts class 0 (first of the ties, correct), sample 4 predicts class 0 (target 2, wrong).
        Assert.That(table[0].Accuracy, Is.EqualTo(0.5));
        Assert.That(table[0].Confidence, Is.EqualTo(0.125));
        Assert.That(table[1].Accuracy, Is.EqualTo(0.0)); // predicts 0, target 1
        Assert.That(table[2].Accuracy, Is.EqualTo(1.0));
        Assert.That(table[3].Accuracy, Is.EqualTo(1.0));
    }

    /// <summary>An empty bin has Count 0 and NaN accuracy and confidence.</summary>
    [Test]
    public void ReliabilityDiagram_EmptyBins_HaveZeroCountAndNaN()
    {
        using var scope = NewDisposeScope();
        var table = Calibration.ReliabilityDiagram(MetricsKit.Floats(new[] { 0.95, 0.05 }, new long[] { 1, 2 }), MetricsKit.Longs(0), bins: 10);
        Assert.That(table, Has.Count.EqualTo(10));
        Assert.That(table.Take(9).All(b => b.Count == 0 && double.IsNaN(b.Accuracy) && double.IsNaN(b.Confidence)), Is.True);
        Assert.That(table[9], Is.EqualTo(new ReliabilityBin(0.9, 1.0, 1, 1.0, 0.95)));
    }

    /// <summary>Float32 and Float64 inputs: the table matches the reference on the values the tensor holds.</summary>
    [TestCase(ScalarType.Float32)]
    [TestCase(ScalarType.Float64)]
    public void ReliabilityDiagram_BothDtypes_MatchReference(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        double[] values = { 0.1, 0.2, 0.7, 0.3, 0.3, 0.4, 0.6, 0.3, 0.1, 1.0 / 3, 1.0 / 3, 1.0 / 3 };
        long[] target = { 2, 2, 0, 1 };
        var p = MetricsKit.Floats(values, new long[] { 4, 3 }, dtype);
        double[] held = dtype == ScalarType.Float32 ? values.Select(v => (double)(float)v).ToArray() : values;
        var actual = Calibration.ReliabilityDiagram(p, MetricsKit.Longs(target), bins: 15);
        var expected = MetricsKit.ReliabilityReference(held, target, 4, 3, 15);
        for (int b = 0; b < 15; b++)
        {
            Assert.That(actual[b].Count, Is.EqualTo(expected[b].Count), $"bin {b}");
            Assert.That(Same(actual[b].Confidence, expected[b].Confidence), Is.True, $"bin {b}");
        }
    }

    /// <summary>Bad inputs raise the documented exception naming the argument.</summary>
    [TestCaseSource(typeof(MetricsKit), nameof(MetricsKit.ClassificationBadInputs))]
    public void ReliabilityDiagram_BadInput_Throws(string name, Type exception, string paramName)
    {
        using var scope = NewDisposeScope();
        var (p, y) = MetricsKit.ClassificationBad(name);
        MetricsKit.Throws(exception, paramName, () => Calibration.ReliabilityDiagram(p!, y!));
    }

    /// <summary>bins &lt; 1 is out of range.</summary>
    [Test]
    public void ReliabilityDiagram_ZeroBins_ThrowsOutOfRange()
    {
        using var scope = NewDisposeScope();
        var p = MetricsKit.Floats(new[] { 0.9, 0.1 }, new long[] { 1, 2 });
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Calibration.ReliabilityDiagram(p, MetricsKit.Longs(0), 0));
        Assert.That(ex!.ParamName, Is.EqualTo("bins"));
    }

    /// <summary>No tensor outlives the call; the inputs stay usable and unchanged.</summary>
    [TestCase(ScalarType.Float32)]
    [TestCase(ScalarType.Float64)]
    public void ReliabilityDiagram_Call_LeavesNoLiveTensor(ScalarType dtype) =>
        MetricsKit.LeavesNoTensor((p, y) => Calibration.ReliabilityDiagram(p, y).Sum(b => b.Count),
            MetricsKit.Floats(new[] { 0.9, 0.1, 0.3, 0.7, 0.6, 0.4 }, new long[] { 3, 2 }, dtype), MetricsKit.Longs(0, 0, 1));
}
