using UncertaintyLoss.Metrics;

namespace UncertaintyLoss.Tests.MetricsTests;

/// <summary>Tests of <see cref="Calibration.AdaptiveCalibrationError"/>, <see cref="Calibration.ClasswiseCalibrationError"/>
/// and <see cref="Calibration.MaximumCalibrationError"/>.</summary>
[TestFixture]
public class CalibrationMetricsTests
{
    /// <summary>Random inputs rich in ties and bin-edge confidences, both dtypes: adaptive ECE matches the sort-and-split
    /// reference with tie-mean correctness.</summary>
    [SeededProperty(MaxTest = 200, Seed = "(5150,8813)", QuietOnSuccess = true)]
    public Property AdaptiveCalibrationError_RandomInputs_MatchesSortReference() =>
        Prop.ForAll(MetricsKit.ClassificationCases.ToArbitrary(), MetricsKit.Bins.ToArbitrary(), (c, bins) =>
        {
            using var scope = NewDisposeScope();
            double actual = Calibration.AdaptiveCalibrationError(c.ProbabilitiesTensor(), c.TargetTensor(), bins);
            return MetricsKit.Close(actual, MetricsReference.AdaptiveEce(c.Held, c.Target, c.N, c.C, bins)) && actual >= 0 && actual <= 1;
        });

    /// <summary>Classwise ECE matches scanning every class and bin.</summary>
    [SeededProperty(MaxTest = 200, Seed = "(6021,1443)", QuietOnSuccess = true)]
    public Property ClasswiseCalibrationError_RandomInputs_MatchesLoopReference() =>
        Prop.ForAll(MetricsKit.ClassificationCases.ToArbitrary(), MetricsKit.Bins.ToArbitrary(), (c, bins) =>
        {
            using var scope = NewDisposeScope();
            double actual = Calibration.ClasswiseCalibrationError(c.ProbabilitiesTensor(), c.TargetTensor(), bins);
            return MetricsKit.Close(actual, MetricsReference.ClasswiseEce(c.Held, c.Target, c.N, c.C, bins));
        });

    /// <summary>MCE matches the maximum gap of the loop reliability table, and is at least the ECE.</summary>
    [SeededProperty(MaxTest = 200, Seed = "(9931,2719)", QuietOnSuccess = true)]
    public Property MaximumCalibrationError_RandomInputs_MatchesLoopReference() =>
        Prop.ForAll(MetricsKit.ClassificationCases.ToArbitrary(), MetricsKit.Bins.ToArbitrary(), (c, bins) =>
        {
            using var scope = NewDisposeScope();
            var p = c.ProbabilitiesTensor();
            var y = c.TargetTensor();
            double actual = Calibration.MaximumCalibrationError(p, y, bins);
            return MetricsKit.Close(actual, MetricsReference.Mce(c.Held, c.Target, c.N, c.C, bins))
                && actual >= Calibration.ExpectedCalibrationError(p, y, bins) - 1e-15;
        });

    /// <summary>Hand-computed adaptive ECE: confidences 0.6, 0.7, 0.8, 0.9 (correct, wrong, correct, correct), 2 bins of two:
    /// |1/2 − 0.65|·½ + |1 − 0.85|·½ = 0.15.</summary>
    [Test]
    public void AdaptiveCalibrationError_HandComputed_MatchesClosedForm()
    {
        using var scope = NewDisposeScope();
        var p = MetricsKit.Floats(new[] { 0.6, 0.4, 0.3, 0.7, 0.8, 0.2, 0.1, 0.9 }, new long[] { 4, 2 });
        var y = MetricsKit.Longs(0, 0, 0, 1);
        Assert.That(Calibration.AdaptiveCalibrationError(p, y, bins: 2), Is.EqualTo(0.15).Within(1e-15));
        // One bin: |3/4 − 0.75| = 0.
        Assert.That(Calibration.AdaptiveCalibrationError(p, y, bins: 1), Is.EqualTo(0.0).Within(1e-15));
        // More bins than samples: each sample alone, |correct − c| averaged: (0.4 + 0.7 + 0.2 + 0.1)/4 = 0.35.
        Assert.That(Calibration.AdaptiveCalibrationError(p, y, bins: 7), Is.EqualTo(0.35).Within(1e-15));
    }

    /// <summary>A tie group cut by a bin edge gives both parts its mean accuracy: four samples of confidence 0.5, two right,
    /// in 2 bins: each bin accuracy ½, so 0 (an order-dependent split would give 0.5).</summary>
    [Test]
    public void AdaptiveCalibrationError_TieGroupAcrossBins_UsesTheGroupMean()
    {
        using var scope = NewDisposeScope();
        var p = MetricsKit.Floats(new[] { 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5 }, new long[] { 4, 2 });
        Assert.That(Calibration.AdaptiveCalibrationError(p, MetricsKit.Longs(0, 0, 1, 1), bins: 2), Is.EqualTo(0.0).Within(1e-15));
    }

    /// <summary>Hand-computed classwise ECE, 2 classes, 1 bin: class 0 forecasts mean 0.5 vs frequency 1/2, class 1 the same: 0.
    /// With 2 bins: class 0 bins (0, .5]: {0.2} freq 0 → 0.2; (.5, 1]: {0.8} freq 1 → 0.2; mean over samples 0.2, and class 1
    /// mirrors it: cwECE = 0.2.</summary>
    [Test]
    public void ClasswiseCalibrationError_HandComputed_MatchesClosedForm()
    {
        using var scope = NewDisposeScope();
        var p = MetricsKit.Floats(new[] { 0.8, 0.2, 0.2, 0.8 }, new long[] { 2, 2 });
        var y = MetricsKit.Longs(0, 1);
        Assert.That(Calibration.ClasswiseCalibrationError(p, y, bins: 1), Is.EqualTo(0.0).Within(1e-15));
        Assert.That(Calibration.ClasswiseCalibrationError(p, y, bins: 2), Is.EqualTo(0.2).Within(1e-15));
    }

    /// <summary>Hand-computed MCE: bins of width ½: (0, .5] holds 0.5 right (gap 0.5), (.5, 1] holds 0.9 wrong (gap 0.9).</summary>
    [Test]
    public void MaximumCalibrationError_HandComputed_MatchesClosedForm()
    {
        using var scope = NewDisposeScope();
        var p = MetricsKit.Floats(new[] { 0.9, 0.1, 0.5, 0.5 }, new long[] { 2, 2 });
        Assert.That(Calibration.MaximumCalibrationError(p, MetricsKit.Longs(1, 0), bins: 2), Is.EqualTo(0.9).Within(1e-15));
    }

    private static readonly Func<Tensor, Tensor, double>[] Metrics =
    {
        (p, y) => Calibration.AdaptiveCalibrationError(p, y),
        (p, y) => Calibration.ClasswiseCalibrationError(p, y),
        (p, y) => Calibration.MaximumCalibrationError(p, y),
    };

    /// <summary>Bad inputs raise the documented exception naming the argument, for each of the three metrics.</summary>
    [Test]
    public void NewCalibrationMetrics_BadInput_Throw([Values(0, 1, 2)] int metric)
    {
        foreach (var row in MetricsKit.ClassificationBadInputs())
        {
            using var scope = NewDisposeScope();
            var (p, y) = MetricsKit.ClassificationBad((string)row.Arguments[0]!);
            MetricsKit.Throws((Type)row.Arguments[1]!, (string)row.Arguments[2]!, () => Metrics[metric](p!, y!));
        }
    }

    /// <summary>bins &lt; 1 is out of range, checked before the tensors.</summary>
    [Test]
    public void NewCalibrationMetrics_BinsBelowOne_ThrowOutOfRange()
    {
        using var scope = NewDisposeScope();
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => Calibration.AdaptiveCalibrationError(null!, null!, 0))!.ParamName, Is.EqualTo("bins"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => Calibration.ClasswiseCalibrationError(null!, null!, 0))!.ParamName, Is.EqualTo("bins"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => Calibration.MaximumCalibrationError(null!, null!, -1))!.ParamName, Is.EqualTo("bins"));
    }

    /// <summary>No tensor outlives the calls; the inputs stay usable and unchanged.</summary>
    [Test]
    public void NewCalibrationMetrics_Call_LeavesNoLiveTensor([Values(0, 1, 2)] int metric) =>
        MetricsKit.LeavesNoTensor(Metrics[metric],
            MetricsKit.Floats(new[] { 0.9, 0.1, 0.3, 0.7, 0.6, 0.4 }, new long[] { 3, 2 }, ScalarType.Float32), MetricsKit.Longs(0, 0, 1));
}
