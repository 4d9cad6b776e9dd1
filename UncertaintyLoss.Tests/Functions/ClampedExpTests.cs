using UncertaintyLoss.Tests.ValidationKit;

namespace UncertaintyLoss.Tests;

/// <summary>Tests of <see cref="UL.ClampedExp"/> of its own (the generic ones, driven by the Ops table, are in Ops/).</summary>
public partial class ClampedExpTests
{
    // ---- memory: quirks of its own (the generic checks are in Ops/MemoryTests.cs) ----

    /// <summary>Every input kind outside any scope (clamp 2): only the result stays alive, with the input's dtype.</summary>
    [Category("Memory")]
    [Test]
    public void ClampedExp_CallOutsideAnyScope_LeavesOnlyItsResultAlive([Values] TestSupport.MeasureInputKind kind) =>
        TestSupport.LiveTensors.MeasureLeavesOnlyItsResult("ClampedExp(clamp 2)", x => UL.ClampedExp(x, 2.0), kind);

    /// <summary>Inside nested caller scopes (default clamp): the result, and nothing else, joins the innermost.</summary>
    [Category("Memory")]
    [Test]
    public void ClampedExp_CallInsideCallerScope_AttachesResultToThatScope(
        [Values(TestSupport.MeasureInputKind.Float32RequiresGrad, TestSupport.MeasureInputKind.Float16)] TestSupport.MeasureInputKind kind) =>
        TestSupport.LiveTensors.MeasureResultJoinsCallerScope("ClampedExp", x => UL.ClampedExp(x), kind);

    /// <summary>An integer x, or a negative clamp, is rejected without leaving a tensor alive.</summary>
    [Category("Memory")]
    [Test]
    public void ClampedExp_RejectedInput_LeavesNoTensorAlive([Values] bool integerX) =>
        TestSupport.LiveTensors.RejectionLeavesNothing($"ClampedExp(integer x {integerX})",
            new[] { integerX ? TestSupport.Rejected.IntegerX() : TestSupport.Rejected.Evidence() },
            x => UL.ClampedExp(x[0], integerX ? 10.0 : -1.0));

    // ---- validation: quirks of its own (the generic checks are in Ops/ValidationTests.cs) ----

    private static readonly double[] BadClamps = { -1.0, double.NaN, double.NegativeInfinity, -double.Epsilon };

    /// <summary>Bad x arguments (any shape is valid, rank 0 included: only the dtype, null and disposal are checked).</summary>
    private static IEnumerable<TestCaseData> InvalidXRows()
    {
        Func<Tensor?> none = () => null;
        Type arg = typeof(ArgumentException);
        var rows = new[]
        {
            BadInputTables.Row("NullX", () => null, none, typeof(ArgumentNullException), "x"),
            BadInputTables.Row("Int64X", () => ones(new long[] { 4, 3 }, ScalarType.Int64), none, arg, "x", "floating-point", "Int64"),
            BadInputTables.Row("Int32X", () => ones(new long[] { 4, 3 }, ScalarType.Int32), none, arg, "x", "floating-point", "Int32"),
            BadInputTables.Row("BoolX", () => ones(new long[] { 4, 3 }, ScalarType.Bool), none, arg, "x", "floating-point", "Bool"),
            BadInputTables.Row("Int64ScalarX", () => tensor(3L), none, arg, "x", "floating-point", "Int64"),
            BadInputTables.Row("DisposedX", () => BadTensors.Disposed(BadTensors.Evidence43()), none, arg, "x", "disposed"),
        };
        return rows.Select(row => new TestCaseData(row).SetArgDisplayNames(row.Name));
    }

    /// <summary>Every bad x row is rejected with the exact exception.</summary>
    [Category("Validation")]
    [TestCaseSource(nameof(InvalidXRows))]
    public void ClampedExp_InvalidX_ThrowsExactArgumentException(BadInputRow row) =>
        row.AssertRejectedBy(x => UL.ClampedExp(x));

    /// <summary>A negative or NaN clamp throws ArgumentOutOfRangeException naming "clamp" and reporting the value.</summary>
    [Category("Validation")]
    [TestCaseSource(nameof(BadClamps))]
    public void ClampedExp_NegativeOrNaNClamp_ThrowsArgumentOutOfRangeException(double clamp)
    {
        using var scope = NewDisposeScope();
        var x = BadTensors.Evidence43();
        ArgumentAssert.OutOfRange("clamp", clamp, () => UL.ClampedExp(x, clamp));
    }

    /// <summary>An infinite clamp is no clamp at all: plain exp, overflowing to +inf like exp itself.</summary>
    [Category("Validation")]
    [Test]
    public void ClampedExp_InfiniteClamp_IsAcceptedAndEqualsExp()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { -800.0, -1.0, 0.0, 20.0, 800.0 });
        Tensor? y = null;
        Assert.DoesNotThrow(() => y = UL.ClampedExp(x, double.PositiveInfinity));
        Assert.That(Tensors.ToDoubles(y!), Is.EqualTo(new[] { Math.Exp(-800.0), Math.Exp(-1.0), 1.0, Math.Exp(20.0), double.PositiveInfinity }));
    }

    /// <summary>Any shape is valid for ClampedExp, including rank 0 and empty tensors; the shape and dtype are kept.</summary>
    [Category("Validation")]
    [TestCase(new long[0])]
    [TestCase(new long[] { 0 })]
    [TestCase(new long[] { 0, 3 })]
    [TestCase(new long[] { 5 })]
    [TestCase(new long[] { 2, 1, 3 })]
    public void ClampedExp_AnyShape_IsAcceptedAndKeepsShape(long[] shape)
    {
        using var scope = NewDisposeScope();
        var x = full(shape, 50.0, ScalarType.Float64);
        Tensor? y = null;
        Assert.DoesNotThrow(() => y = UL.ClampedExp(x));
        Assert.That(y!.shape, Is.EqualTo(shape));
        Assert.That(y.dtype, Is.EqualTo(ScalarType.Float64));
        if (y.numel() > 0)
            Assert.That(y.max().item<double>(), Is.EqualTo(Math.Exp(10.0)).Within(1e-12 * Math.Exp(10.0)), "x = 50 is clamped to the default 10.");
    }

    /// <summary>Half-precision x: accepted, the dtype kept, values exp(clamp(x, ±8)) to the half type's rounding.</summary>
    [Category("Validation")]
    [TestCase(ScalarType.Float16)]
    [TestCase(ScalarType.BFloat16)]
    public void ClampedExp_HalfPrecisionX_KeepsDtypeAndValues(ScalarType half)
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { -12.0, -2.0, 0.0, 0.5, 3.0, 15.0 }).to(half);
        Tensor? y = null;
        Assert.DoesNotThrow(() => y = UL.ClampedExp(x, 8.0));
        Assert.That(y!.dtype, Is.EqualTo(half));
        var xs = Tensors.ToDoubles(x);
        var ys = Tensors.ToDoubles(y);
        double rtol = half == ScalarType.Float16 ? 1.0 / 1024 : 1.0 / 128;
        for (int i = 0; i < xs.Length; i++)
        {
            double expected = Math.Exp(Math.Clamp(xs[i], -8.0, 8.0));
            Assert.That(ys[i], Is.EqualTo(expected).Within(rtol * expected), $"element {i}");
        }
    }

    // ---- weight and ignoreIndex: quirks of its own (the generic checks are in Ops/WeightIgnoreTests.cs) ----

    // ---- CUDA: quirks of its own (the generic checks are in Ops/CudaTests.cs) ----

    /// <summary>On CUDA, clamps 10, 2.5 and 0: elementwise exp(clamp(x)) within the dtype's tolerance, on the device, in the input's dtype.</summary>
    [Category("Cuda")]
    [Test]
    public void ClampedExp_OnCuda_MatchesDoubleReference(
        [Values(TorchSharp.torch.ScalarType.Float32, TorchSharp.torch.ScalarType.Float64)] TorchSharp.torch.ScalarType dtype, [Values(10.0, 2.5, 0.0)] double clamp) =>
        ClampedExpMatches(TestSupport.Requires.Cuda(), dtype, clamp);

    private static void ClampedExpMatches(TorchSharp.torch.Device device, TorchSharp.torch.ScalarType dtype, double clamp)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var x = new[] { -30.0, -10.5, -10.0, -2.0, -0.25, 0.0, 0.125, 1.0, 3.5, 9.99, 10.0, 11.0, 25.0, 1e4 };
        var shape = new long[] { 2, 7 };
        var expected = System.Array.ConvertAll(Ops.CudaTests.AsStored(x, dtype), v => System.Math.Exp(System.Math.Clamp(v, -clamp, clamp)));
        var actual = UL.ClampedExp(TestSupport.Tensors.FromDoubles(x, shape, dtype, device), clamp);
        Ops.CudaTests.AssertMatches(actual, device, dtype, shape, expected, new double[expected.Length], "per element");
    }
}
