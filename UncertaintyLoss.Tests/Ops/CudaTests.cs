namespace UncertaintyLoss.Tests.Ops;

/// <summary>
/// Every function of <see cref="OpTable"/> on CUDA, each option variant of <see cref="LossOp.OptionSets"/>,
/// Float32 and Float64, against the table's double-precision reference: the result stays on the device with the input's
/// dtype. Without CUDA the tests are skipped (<see cref="Requires.Cuda"/>). The inputs have an extra dimension,
/// (N, C, d) = (3, 4, 2), and hold zeros, fractions, moderate and large evidence (3000 stresses lgamma, digamma and
/// trigamma); logits lie in [−4, 4].
/// </summary>
[TestFixture]
[Category("Cuda")]
public sealed class CudaTests
{
    private static readonly long[] Shape = { 3, 4, 2 };

    private static readonly double[] EvidenceValues =
    {
        0.0, 0.3, 1.0, 2.5, 5.0, 0.0, 12.0, 0.7,
        150.0, 0.0, 0.1, 3.0, 2.0, 9.0, 0.0, 4.5,
        0.0, 0.0, 0.0, 3000.0, 0.0, 1.25, 0.0, 0.0,
    };

    private static readonly double[] LogitValues =
    {
        -4.0, 0.3, 1.0, -2.5, 3.5, 0.0, -1.2, 0.7,
        2.0, -0.6, 0.1, 4.0, -3.0, 1.9, 0.0, -0.45,
        0.25, -1.0, 0.8, 2.2, -2.0, 1.25, 3.3, 0.05,
    };

    private static readonly long[] IndexValues = { 0, 3, 1, 2, 3, 0 };

    /// <summary>Probability targets per position: soft rows, one-hot rows and a two-class split, each summing to 1.</summary>
    private static readonly double[][] ProbabilityRows =
    {
        new[] { 0.7, 0.1, 0.1, 0.1 },
        new[] { 0.0, 0.0, 0.0, 1.0 },
        new[] { 0.25, 0.25, 0.25, 0.25 },
        new[] { 0.0, 0.5, 0.5, 0.0 },
        new[] { 1.0, 0.0, 0.0, 0.0 },
        new[] { 0.05, 0.15, 0.3, 0.5 },
    };

    private static readonly long[] ScalarShape = System.Array.Empty<long>();

    private static readonly ScalarType[] Dtypes = { ScalarType.Float32, ScalarType.Float64 };

    private static TestCaseData[] LossDtypeCases(bool probabilityTargetsOnly) =>
        (from op in OpTable.Losses
         where op.SupportsProbabilityTargets || !probabilityTargetsOnly
         from dtype in Dtypes
         select new TestCaseData(op, dtype).SetArgDisplayNames(op.Function, dtype.ToString())).ToArray();

    private static TestCaseData[] IndexTargetCases() => LossDtypeCases(probabilityTargetsOnly: false);

    private static TestCaseData[] ProbabilityTargetCases() => LossDtypeCases(probabilityTargetsOnly: true);

    private static TestCaseData[] MeasureDtypeCases() =>
        (from op in OpTable.Measures
         from dtype in Dtypes
         select new TestCaseData(op, dtype).SetArgDisplayNames(op.Function, dtype.ToString())).ToArray();

    /// <summary>Class-index targets, every reduction: per position, summed and averaged, within the dtype's tolerance.</summary>
    [TestCaseSource(nameof(IndexTargetCases))]
    public void Loss_OnCudaWithIndexTarget_MatchesDoubleReference(LossOp op, ScalarType dtype) =>
        LossMatches(Requires.Cuda(), op, dtype, probabilityTarget: false);

    /// <summary>Probability targets of the evidence's dtype, every reduction, within the dtype's tolerance.</summary>
    [TestCaseSource(nameof(ProbabilityTargetCases))]
    public void Loss_OnCudaWithProbabilityTarget_MatchesDoubleReference(LossOp op, ScalarType dtype) =>
        LossMatches(Requires.Cuda(), op, dtype, probabilityTarget: true);

    /// <summary>Every output element (per position, or per class for the mean and mode) within the dtype's tolerance.</summary>
    [TestCaseSource(nameof(MeasureDtypeCases))]
    public void Measure_OnCuda_MatchesDoubleReference(MeasureOp op, ScalarType dtype) =>
        MeasureMatches(Requires.Cuda(), op, dtype);

    /// <summary>What a tensor of <paramref name="dtype"/> holds for <paramref name="values"/>.</summary>
    public static double[] AsStored(double[] values, ScalarType dtype) =>
        dtype == ScalarType.Float32 ? Tensors.RoundToSingle(values) : values;

    /// <summary>
    /// <paramref name="actual"/> is on <paramref name="device"/>, has <paramref name="dtype"/> and <paramref name="shape"/>,
    /// and each element is within the dtype's tolerance of <paramref name="expected"/>, relative to max(|expected|, scale).
    /// </summary>
    public static void AssertMatches(Tensor actual, Device device, ScalarType dtype, long[] shape, double[] expected, double[] scale, string what)
    {
        Assert.That(actual.device_type, Is.EqualTo(device.type), $"{what}: the result must stay on the input's device.");
        Assert.That(actual.dtype, Is.EqualTo(dtype), $"{what}: the result must have the input's dtype.");
        Assert.That(actual.shape, Is.EqualTo(shape), what);
        var values = Tensors.ToDoubles(actual);
        Assert.That(values, Has.Length.EqualTo(expected.Length), what);
        for (int i = 0; i < values.Length; i++)
        {
            Assert.That(Tolerance.Close(values[i], expected[i], dtype, scale[i]), Is.True,
                () => $"{what}, element {i}: {values[i]:R} vs reference {expected[i]:R} (scale {scale[i]:R}, {dtype}).");
        }
    }

    /// <summary>Rows laid out along dim 1 of <see cref="Shape"/>, position by position.</summary>
    private static double[] AlongClasses(double[][] rows)
    {
        int c = (int)Shape[1], d = (int)Shape[2];
        var y = new double[EvidenceValues.Length];
        for (int position = 0; position < rows.Length; position++)
        {
            int n = position / d, s = position % d;
            for (int j = 0; j < c; j++)
                y[(n * c + j) * d + s] = rows[position][j];
        }

        return y;
    }

    /// <summary>
    /// Each option variant of <paramref name="op"/> on <paramref name="device"/>, Reduction None, Sum and Mean, against the
    /// reference; a class index's reference is the one-hot target's.
    /// </summary>
    private static void LossMatches(Device device, LossOp op, ScalarType dtype, bool probabilityTarget)
    {
        var stored = AsStored(EvidenceValues, dtype);
        var y = probabilityTarget
            ? AsStored(AlongClasses(ProbabilityRows), dtype)
            : AlongClasses(IndexValues.Select(c => DirichletReference.OneHot((int)c, (int)Shape[1])).ToArray());
        foreach (var variant in op.OptionSets)
        {
            using var scope = NewDisposeScope();
            var evidence = Tensors.FromDoubles(EvidenceValues, Shape, dtype, device);
            var target = probabilityTarget
                ? Tensors.FromDoubles(y, Shape, dtype, device)
                : Tensors.FromLongs(IndexValues, ReferenceTensor.PositionShape(Shape), device);
            var value = ReferenceTensor.PerPosition(stored, Shape, y, (e, t) => variant.Reference(e, t).Value);
            var scale = ReferenceTensor.PerPosition(stored, Shape, y, (e, t) => variant.Reference(e, t).Scale);

            AssertMatches(variant.Core(evidence, target, nn.Reduction.None), device, dtype, ReferenceTensor.PositionShape(Shape), value, scale, $"{variant}, Reduction.None");
            AssertMatches(variant.Core(evidence, target, nn.Reduction.Sum), device, dtype, ScalarShape,
                new[] { ReferenceTensor.Sum(value) }, new[] { ReferenceTensor.Sum(scale) }, $"{variant}, Reduction.Sum");
            AssertMatches(variant.Core(evidence, target, nn.Reduction.Mean), device, dtype, ScalarShape,
                new[] { ReferenceTensor.Mean(value) }, new[] { ReferenceTensor.Mean(scale) }, $"{variant}, Reduction.Mean");
        }
    }

    /// <summary>Each option variant of <paramref name="op"/> on <paramref name="device"/>, every output element against the reference.</summary>
    private static void MeasureMatches(Device device, MeasureOp op, ScalarType dtype)
    {
        var source = op.Input == MeasureInput.Logits ? LogitValues : EvidenceValues;
        var stored = AsStored(source, dtype);
        foreach (var spec in op.OptionSets)
        {
            using var scope = NewDisposeScope();
            var expected = spec.Reference(stored, Shape);
            var actual = spec.Torch(Tensors.FromDoubles(source, Shape, dtype, device));
            AssertMatches(actual, device, dtype, spec.OutputShape(Shape), expected, spec.Scales(stored, Shape, expected), spec.Name);
        }
    }
}
