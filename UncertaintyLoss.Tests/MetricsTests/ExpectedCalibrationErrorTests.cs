using UncertaintyLoss.Metrics;

namespace UncertaintyLoss.Tests.MetricsTests;

/// <summary>Tests of <see cref="Calibration.ExpectedCalibrationError"/>.</summary>
[TestFixture]
public class ExpectedCalibrationErrorTests
{
    /// <summary>Random inputs rich in ties and bin-edge confidences, both dtypes: matches the loop reference.</summary>
    [SeededProperty(MaxTest = 200, Seed = "(431201,98231)", QuietOnSuccess = true)]
    public Property ExpectedCalibrationError_RandomInputs_MatchesLoopReference() =>
        Prop.ForAll(MetricsKit.ClassificationCases.ToArbitrary(), MetricsKit.Bins.ToArbitrary(), (c, bins) =>
        {
            using var scope = NewDisposeScope();
            double actual = Calibration.ExpectedCalibrationError(c.ProbabilitiesTensor(), c.TargetTensor(), bins);
            double expected = MetricsKit.EceReference(c.Held, c.Target, c.N, c.C, bins);
            return MetricsKit.Close(actual, expected) && actual >= 0 && actual <= 1;
        });

    /// <summary>ECE is Σ (n_b/N)|acc_b − conf_b| over the reliability table.</summary>
    [SeededProperty(MaxTest = 100, Seed = "(77123,40211)", QuietOnSuccess = true)]
    public Property ExpectedCalibrationError_RandomInputs_ConsistentWithReliabilityDiagram() =>
        Prop.ForAll(MetricsKit.ClassificationCases.ToArbitrary(), MetricsKit.Bins.ToArbitrary(), (c, bins) =>
        {
            using var scope = NewDisposeScope();
            var p = c.ProbabilitiesTensor();
            var y = c.TargetTensor();
            double fromTable = 0;
            foreach (var bin in Calibration.ReliabilityDiagram(p, y, bins))
                if (bin.Count > 0) fromTable += bin.Count / (double)c.N * Math.Abs(bin.Accuracy - bin.Confidence);
            return MetricsKit.Close(Calibration.ExpectedCalibrationError(p, y, bins), fromTable);
        });

    /// <summary>In every bin the accuracy equals the confidence: ECE is 0.</summary>
    [Test]
    public void ExpectedCalibrationError_PerfectlyCalibratedBins_IsZero()
    {
        using var scope = NewDisposeScope();
        // Bin (0.6, 0.8]: 4 samples of confidence 0.75, 3 correct. Bin (0.8, 1]: 2 samples of confidence 1, both correct.
        var p = MetricsKit.Floats(new[] { 0.75, 0.25, 0.25, 0.75, 0.75, 0.25, 0.75, 0.25, 1.0, 0.0, 0.0, 1.0 }, new long[] { 6, 2 });
        var y = MetricsKit.Longs(0, 1, 0, 1, 0, 1);
        Assert.That(Calibration.ExpectedCalibrationError(p, y, bins: 5), Is.EqualTo(0.0).Within(1e-15));
    }

    /// <summary>Hand-computed: one confident wrong sample and one half-confident right one.</summary>
    [Test]
    public void ExpectedCalibrationError_HandComputed_MatchesClosedForm()
    {
        using var scope = NewDisposeScope();
        var p = MetricsKit.Floats(new[] { 0.9, 0.1, 0.5, 0.5 }, new long[] { 2, 2 });
        var y = MetricsKit.Longs(1, 0);
        // Bins of width 0.5: 0.5 is in (0, 0.5] (acc 1, conf 0.5); 0.9 in (0.5, 1] (acc 0, conf 0.9).
        Assert.That(Calibration.ExpectedCalibrationError(p, y, bins: 2), Is.EqualTo(0.5 * 0.5 + 0.5 * 0.9).Within(1e-15));
        // One bin: |1/2 − 0.7| = 0.2.
        Assert.That(Calibration.ExpectedCalibrationError(p, y, bins: 1), Is.EqualTo(0.2).Within(1e-15));
    }

    /// <summary>Float32 and Float64 copies of the same values give the same ECE (values exact in both).</summary>
    [TestCase(ScalarType.Float32)]
    [TestCase(ScalarType.Float64)]
    public void ExpectedCalibrationError_BothDtypes_MatchReference(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        double[] values = { 0.5, 0.25, 0.25, 0.125, 0.875, 0.0, 0.0, 0.0, 1.0, 0.375, 0.625, 0.0 };
        long[] target = { 0, 1, 2, 0 };
        var p = MetricsKit.Floats(values, new long[] { 4, 3 }, dtype);
        Assert.That(Calibration.ExpectedCalibrationError(p, MetricsKit.Longs(target), bins: 10),
            Is.EqualTo(MetricsKit.EceReference(values, target, 4, 3, 10)).Within(1e-15));
    }

    /// <summary>Int32 and Byte targets are accepted like Int64.</summary>
    [TestCase(ScalarType.Int32)]
    [TestCase(ScalarType.Byte)]
    public void ExpectedCalibrationError_OtherIntegerTargets_SameAsInt64(ScalarType targetType)
    {
        using var scope = NewDisposeScope();
        var p = MetricsKit.Floats(new[] { 0.9, 0.1, 0.3, 0.7, 0.6, 0.4 }, new long[] { 3, 2 });
        var y = MetricsKit.Longs(0, 0, 1);
        Assert.That(Calibration.ExpectedCalibrationError(p, y.to(targetType)), Is.EqualTo(Calibration.ExpectedCalibrationError(p, y)));
    }

    /// <summary>Bad inputs raise the documented exception naming the argument.</summary>
    [TestCaseSource(typeof(MetricsKit), nameof(MetricsKit.ClassificationBadInputs))]
    public void ExpectedCalibrationError_BadInput_Throws(string name, Type exception, string paramName)
    {
        using var scope = NewDisposeScope();
        var (p, y) = MetricsKit.ClassificationBad(name);
        MetricsKit.Throws(exception, paramName, () => Calibration.ExpectedCalibrationError(p!, y!));
    }

    /// <summary>bins &lt; 1 is out of range.</summary>
    [TestCase(0)]
    [TestCase(-3)]
    public void ExpectedCalibrationError_BinsBelowOne_ThrowsOutOfRange(int bins)
    {
        using var scope = NewDisposeScope();
        var p = MetricsKit.Floats(new[] { 0.9, 0.1 }, new long[] { 1, 2 });
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Calibration.ExpectedCalibrationError(p, MetricsKit.Longs(0), bins));
        Assert.That(ex!.ParamName, Is.EqualTo("bins"));
    }

    /// <summary>No tensor outlives the call; the inputs stay usable and unchanged.</summary>
    [TestCase(ScalarType.Float32)]
    [TestCase(ScalarType.Float64)]
    public void ExpectedCalibrationError_Call_LeavesNoLiveTensor(ScalarType dtype) =>
        MetricsKit.LeavesNoTensor((p, y) => Calibration.ExpectedCalibrationError(p, y),
            MetricsKit.Floats(new[] { 0.9, 0.1, 0.3, 0.7, 0.6, 0.4 }, new long[] { 3, 2 }, dtype), MetricsKit.Longs(0, 0, 1));
}
