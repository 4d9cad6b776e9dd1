using UncertaintyLoss.Tests.ValidationKit;

namespace UncertaintyLoss.Tests.Ops;

/// <summary>
/// Argument validation of every function of <see cref="OpTable"/>: each bad tensor argument (<see cref="BadInputTables"/>)
/// and each out-of-range option (an undefined reduction, <see cref="LossOp.BadOptions"/>) is rejected with the exact
/// exception naming it; valid but unusual inputs (empty batches, narrow index dtypes, half precision) are accepted.
/// </summary>
[TestFixture]
[Category("Validation")]
public sealed class ValidationTests
{
    private static readonly long[][] EmptyShapes = { new long[] { 0, 3 }, new long[] { 2, 3, 0 } };

    private static readonly ScalarType[] NarrowIndexTypes = { ScalarType.Int32, ScalarType.Int16, ScalarType.Int8, ScalarType.Byte };

    private static readonly ScalarType[] HalfTypes = { ScalarType.Float16, ScalarType.BFloat16 };

    /// <summary>Evidence (4, 3, 2) with zeros, fractions and one large value, for the valid-input checks.</summary>
    private static readonly double[] EvidenceValues =
    {
        0.0, 1.5, 2.0, 0.25, 7.0, 0.0,
        3.0, 0.0, 0.5, 12.0, 1.0, 4.0,
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        40.0, 0.75, 2.5, 1.0, 0.0, 9.0,
    };

    private static readonly long[] EvidenceShape = { 4, 3, 2 };

    private static readonly long[] IndexValues = { 0, 2, 1, 1, 2, 0, 0, 2 };

    // ---- rejected arguments ----

    /// <summary>Every bad evidence or target row of <see cref="BadInputTables.LossRows"/> is rejected with the exact exception.</summary>
    [TestCaseSource(nameof(LossRowCases))]
    public void Loss_InvalidTensorArgument_ThrowsExactArgumentException(LossOp op, BadInputRow row) =>
        row.AssertRejectedBy(op.Input == LossInput.Alpha ? op.AlphaCall! : (e, t) => op.Typical.Core(e, t, Reduction.Mean));

    /// <summary>
    /// Every bad row of <see cref="BadInputTables.EvidenceRows"/> (evidence measures) or <see cref="BadInputTables.LogitsRows"/>
    /// (logits measures: negative values are valid) is rejected with the exact exception.
    /// </summary>
    [TestCaseSource(nameof(MeasureRowCases))]
    public void Measure_InvalidInput_ThrowsExactArgumentException(MeasureOp op, BadInputRow row) =>
        row.AssertRejectedBy(op.Typical.Torch);

    /// <summary>An undefined reduction throws ArgumentOutOfRangeException naming "reduction" and reporting the value.</summary>
    [TestCaseSource(nameof(UndefinedReductionCases))]
    public void Loss_UndefinedReduction_ThrowsArgumentOutOfRangeException(LossOp op, Reduction reduction) =>
        AssertOutOfRange("reduction", reduction, (e, t) => op.Typical.Core(e, t, reduction));

    /// <summary>Each out-of-range option value of the loss throws ArgumentOutOfRangeException naming the option and reporting the value.</summary>
    [TestCaseSource(nameof(BadOptionCases))]
    public void Loss_OptionOutOfRange_ThrowsArgumentOutOfRangeException(LossOp op, BadOption option) =>
        AssertOutOfRange(option.Argument, option.Value, option.Call);

    private static void AssertOutOfRange(string argument, object value, Func<Tensor, Tensor, Tensor> call)
    {
        using var scope = NewDisposeScope();
        var e = BadTensors.Evidence43();
        var t = BadTensors.Index4();
        ArgumentAssert.OutOfRange(argument, value, () => call(e, t));
    }

    // ---- accepted inputs ----

    /// <summary>
    /// N = 0, or an empty extra dimension, is valid input, as for <c>cross_entropy</c>: None gives an empty result of the
    /// position shape, Sum and Mean a scalar 0 (docs/conventions.md, "Empty batches"); the dtype is kept.
    /// </summary>
    [TestCaseSource(nameof(EmptyBatchLossCases))]
    public void Loss_EmptyBatch_IsAcceptedWithEmptyOrZeroResult(LossOp op, Reduction reduction, PropertyTargetKind target, long[] shape)
    {
        using var scope = NewDisposeScope();
        var positionShape = ReferenceTensor.PositionShape(shape);
        var y = target == PropertyTargetKind.Probability ? zeros(shape, ScalarType.Float32) : zeros(positionShape, ScalarType.Int64);
        Tensor? result = null;
        Assert.DoesNotThrow(() => result = op.Typical.Core(zeros(shape, ScalarType.Float32), y, reduction));
        Assert.That(result!.dtype, Is.EqualTo(ScalarType.Float32));
        if (reduction == Reduction.None)
        {
            Assert.That(result.shape, Is.EqualTo(positionShape));
            return;
        }

        Assert.That(result.shape, Is.Empty, $"{reduction} over no positions is a scalar.");
        Assert.That(result.item<float>(), Is.EqualTo(0f), $"{reduction} over no positions is 0.");
    }

    /// <summary>An empty batch gives an empty Float64 result: the position shape, or the input's for the mean and mode.</summary>
    [TestCaseSource(nameof(EmptyBatchMeasureCases))]
    public void Measure_EmptyBatch_IsAcceptedWithEmptyResult(MeasureOp op, long[] shape)
    {
        using var scope = NewDisposeScope();
        Tensor? result = null;
        Assert.DoesNotThrow(() => result = op.Typical.Torch(zeros(shape, ScalarType.Float64)));
        Assert.That(result!.shape, Is.EqualTo(op.KeepsClassDimension ? shape : ReferenceTensor.PositionShape(shape)));
        Assert.That(result.dtype, Is.EqualTo(ScalarType.Float64));
    }

    /// <summary>Int32, Int16, Int8 and Byte class indices give exactly the Int64 result, for each reduction.</summary>
    [TestCaseSource(nameof(NarrowIndexCases))]
    public void Loss_NarrowIntegerIndexTarget_MatchesInt64Result(LossOp op, ScalarType indexType)
    {
        using var scope = NewDisposeScope();
        var evidence = Evidence(ScalarType.Float64);
        var index64 = Index();
        var narrow = index64.to(indexType);
        Assume.That(narrow.dtype, Is.EqualTo(indexType));

        foreach (var reduction in new[] { Reduction.None, Reduction.Sum, Reduction.Mean })
        {
            Tensor? actual = null;
            Assert.DoesNotThrow(() => actual = op.Typical.Core(evidence, narrow, reduction), $"{indexType} class indices must be accepted.");
            var expected = op.Typical.Core(evidence, index64, reduction);
            Assert.That(actual!.shape, Is.EqualTo(expected.shape));
            Assert.That(Tensors.ToDoubles(actual), Is.EqualTo(Tensors.ToDoubles(expected)), $"reduction {reduction}");
        }
    }

    /// <summary>Half-precision evidence (and probability target): accepted, the result keeps the dtype, the values match a Float32 evaluation.</summary>
    [TestCaseSource(nameof(HalfLossCases))]
    public void Loss_HalfPrecisionEvidence_KeepsDtypeAndValues(LossOp op, ScalarType half, PropertyTargetKind target)
    {
        using var scope = NewDisposeScope();
        bool probability = target == PropertyTargetKind.Probability;
        var evidence = Evidence(half);
        var y = probability ? Probabilities(half) : Index();
        var y32 = probability ? y.to(ScalarType.Float32) : y;

        foreach (var reduction in new[] { Reduction.None, Reduction.Mean })
        {
            Tensor? actual = null;
            Assert.DoesNotThrow(() => actual = op.Typical.Core(evidence, y, reduction), $"{half} evidence must be accepted.");
            AssertHalfClose(actual!, op.Typical.Core(evidence.to(ScalarType.Float32), y32, reduction), half);
        }
    }

    /// <summary>Half-precision input: accepted, the result keeps the dtype, the values match a Float32 evaluation.</summary>
    [TestCaseSource(nameof(HalfMeasureCases))]
    public void Measure_HalfPrecisionEvidence_KeepsDtypeAndValues(MeasureOp op, ScalarType half)
    {
        using var scope = NewDisposeScope();
        var evidence = Evidence(half);
        Tensor? actual = null;
        Assert.DoesNotThrow(() => actual = op.Typical.Torch(evidence), $"{half} evidence must be accepted.");
        AssertHalfClose(actual!, op.Typical.Torch(evidence.to(ScalarType.Float32)), half);
    }

    /// <summary>The half type is kept and values agree to its rounding (2^-10 relative for Float16, 2^-7 for BFloat16).</summary>
    private static void AssertHalfClose(Tensor actual, Tensor expected32, ScalarType half)
    {
        Assert.That(actual.dtype, Is.EqualTo(half), "The result keeps the evidence's dtype.");
        Assert.That(actual.shape, Is.EqualTo(expected32.shape));
        double rtol = half == ScalarType.Float16 ? 1.0 / 1024 : 1.0 / 128;
        var a = Tensors.ToDoubles(actual);
        var e = Tensors.ToDoubles(expected32);
        Assert.That(e.All(double.IsFinite), Is.True, "The Float32 evaluation should be finite.");
        for (int i = 0; i < a.Length; i++)
            Assert.That(a[i], Is.EqualTo(e[i]).Within(rtol * Math.Abs(e[i]) + 1e-5), $"element {i}");
    }

    private static Tensor Evidence(ScalarType dtype) => Tensors.FromDoubles(EvidenceValues, EvidenceShape, dtype);

    private static Tensor Index() => Tensors.FromLongs(IndexValues, new long[] { 4, 2 });

    /// <summary>A probability target of the evidence's shape: one-hot rows mixed with (0.5, 0.25, 0.25) rows.</summary>
    private static Tensor Probabilities(ScalarType dtype)
    {
        var y = new double[24];
        for (int position = 0; position < 8; position++)
        {
            int n = position / 2, s = position % 2;
            double[] row = position % 3 == 0 ? new[] { 0.0, 0.0, 1.0 } : new[] { 0.5, 0.25, 0.25 };
            for (int j = 0; j < 3; j++)
                y[(n * 3 + j) * 2 + s] = row[j];
        }

        return Tensors.FromDoubles(y, EvidenceShape, dtype);
    }

    // ---- cases: the table's ops crossed with rows and values ----

    private static IEnumerable<PropertyTargetKind> Targets(LossOp op) =>
        op.SupportsProbabilityTargets ? new[] { PropertyTargetKind.Index, PropertyTargetKind.Probability } : new[] { PropertyTargetKind.Index };

    private static IEnumerable<long[]> EmptyShapesOf(bool supportsNd) => EmptyShapes.Where(s => s.Length == 2 || supportsNd);

    private static IEnumerable<TestCaseData> LossRowCases() =>
        from op in OpTable.Losses
        from row in op.Input == LossInput.Alpha ? BadInputTables.AlphaLossRows() : BadInputTables.LossRows()
        select Case(op, row);

    private static IEnumerable<TestCaseData> MeasureRowCases() =>
        from op in OpTable.Measures
        from row in op.Input == MeasureInput.Evidence ? BadInputTables.EvidenceRows() : BadInputTables.LogitsRows()
        select Case(op, row);

    private static IEnumerable<TestCaseData> UndefinedReductionCases() =>
        from op in OpTable.Losses from value in BadOptions.Reductions select Case(op, (Reduction)value);

    private static IEnumerable<TestCaseData> BadOptionCases() =>
        from op in OpTable.Losses from option in op.BadOptions select Case(op, option);

    private static IEnumerable<TestCaseData> EmptyBatchLossCases() =>
        from op in OpTable.Losses
        from reduction in Enum.GetValues<Reduction>()
        from target in Targets(op)
        from shape in EmptyShapesOf(op.SupportsNd)
        select Case(op, reduction, target, shape);

    private static IEnumerable<TestCaseData> EmptyBatchMeasureCases() =>
        from op in OpTable.Measures from shape in EmptyShapesOf(supportsNd: true) select Case(op, shape);

    private static IEnumerable<TestCaseData> NarrowIndexCases() =>
        from op in OpTable.Losses from type in NarrowIndexTypes select Case(op, type);

    private static IEnumerable<TestCaseData> HalfLossCases() =>
        from op in OpTable.Losses from half in HalfTypes from target in Targets(op) select Case(op, half, target);

    private static IEnumerable<TestCaseData> HalfMeasureCases() =>
        from op in OpTable.Measures from half in HalfTypes select Case(op, half);

    /// <summary>A case whose display names are the arguments' own (a shape as [0, 3]).</summary>
    private static TestCaseData Case(params object[] args) =>
        new TestCaseData(args).SetArgDisplayNames(args
            .Select(a => a is long[] shape ? $"[{string.Join(", ", shape)}]" : Convert.ToString(a, CultureInfo.InvariantCulture)!)
            .ToArray());
}
