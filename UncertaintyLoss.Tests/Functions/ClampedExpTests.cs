using UncertaintyLoss.Tests.ValidationKit;

namespace UncertaintyLoss.Tests;

/// <summary>Tests of <see cref="UL.ClampedExp"/> of its own (the generic ones, driven by the Ops table, are in Ops/).</summary>
public sealed class ClampedExpTests
{
    // ---- properties (FsCheck): reference values, gradients and invariants ----

    /// <summary>A generated input: values of any shape (rank 1..4), a dtype, and the clamp (null: the default, 10).</summary>
    public sealed record PropertiesInput(long[] Shape, double[] Values, ScalarType Dtype, double? Clamp)
    {
        public double Bound => Clamp ?? 10.0;

        public Tensor Call(Tensor x) => Clamp is double c ? UL.ClampedExp(x, c) : UL.ClampedExp(x);

        public Tensor Tensor(bool requiresGrad = false)
        {
            var t = Tensors.FromDoubles(Values, Shape, Dtype);
            return requiresGrad ? t.requires_grad_(true) : t;
        }

        public override string ToString() =>
            $"ClampedExp input (shape [{string.Join(", ", Shape)}], {Dtype}, clamp {(Clamp is null ? "default 10" : PropertyFormat.R(Clamp.Value))}, values {PropertyFormat.Vector(Values.Take(12).ToArray())}{(Values.Length > 12 ? " …" : "")})";
    }

    private static readonly Gen<double?> PropertiesClamps = Gen.Frequency(
        (6, Gen.Elements<double?>(0.0, 0.5, 1.0, 2.5, 10.0, 20.0, 50.0)),
        (2, Gen.Constant<double?>(null)),
        (2, PropertyGens.Uniform(0, 40).Select(x => (double?)x)));

    private static readonly Gen<long[]> PropertiesShapes =
        (from rank in Gen.Choose(1, 4)
         from dims in Gen.ArrayOf(Gen.Choose(1, 12), rank)
         select dims.Select(d => (long)d).ToArray())
        .Where(s => s.Aggregate(1L, (a, b) => a * b) <= 2000);

    /// <summary>Values in [−30, 30], near 0, exactly ±clamp, and (when <paramref name="extreme"/>) up to ±1e6 and ±∞.</summary>
    private static Gen<double> PropertiesValue(double clamp, bool extreme)
    {
        var common = new (int, Gen<double>)[]
        {
            (5, PropertyGens.Uniform(-30, 30)),
            (2, PropertyGens.Uniform(-1, 1)),
            (1, Gen.Elements(clamp, -clamp, 0.0)),
        };
        var tails = new (int, Gen<double>)[]
        {
            (2, PropertyGens.LogUniform(1, 6).SelectMany(x => Gen.Elements(x, -x))),
            (1, Gen.Elements(1e6, -1e6, double.PositiveInfinity, double.NegativeInfinity)),
        };
        return Gen.Frequency(extreme ? common.Concat(tails) : common);
    }

    private static Gen<PropertiesInput> PropertiesInputs(bool extreme, Gen<ScalarType> dtypes) =>
        from shape in PropertiesShapes
        from clamp in PropertiesClamps
        from dtype in dtypes
        from values in Gen.ArrayOf(PropertiesValue(clamp ?? 10.0, extreme), (int)shape.Aggregate(1L, (a, b) => a * b))
        select new PropertiesInput(shape, dtype == ScalarType.Float32 ? Tensors.RoundToSingle(values) : values, dtype, clamp);

    /// <summary>The input flattened to 1-D with the values within 1% of ±clamp dropped (one 0 if none is left).</summary>
    private static PropertiesInput PropertiesAwayFromKinks(PropertiesInput input)
    {
        double[] kept = input.Values.Where(x => Math.Abs(Math.Abs(x) - input.Bound) > 1e-2 * Math.Max(1, Math.Abs(x))).ToArray();
        if (kept.Length == 0)
            kept = new[] { 0.0 };
        return input with { Values = kept, Shape = new long[] { kept.Length } };
    }

    private static double PropertiesReference(double x, double clamp) => Math.Exp(Math.Clamp(x, -clamp, clamp));

    /// <summary>Float64 within 1e-10 and Float32 within 1e-5 (relative) of Math.Exp(Math.Clamp(x, −clamp, clamp)), element by element.</summary>
    [SeededProperty(MaxTest = 60, Seed = "(421703,190351)", QuietOnSuccess = true)]
    public Property Properties_RandomInputs_MatchExpOfClampedInput() =>
        Prop.ForAll(PropertiesInputs(extreme: true, PropertyGens.BothDtypes).ToArbitrary(), input =>
        {
            using var scope = NewDisposeScope();
            double[] actual = Tensors.ToDoubles(input.Call(input.Tensor()));
            double[] expected = input.Values.Select(x => PropertiesReference(x, input.Bound)).ToArray();
            int bad = Enumerable.Range(0, expected.Length).FirstOrDefault(i => !Tolerance.Close(actual[i], expected[i], input.Dtype), -1);
            return PropertyChecks.Verdict(bad < 0, () =>
                $"ClampedExp({PropertyFormat.R(input.Values[bad])}) = {PropertyFormat.R(actual[bad])}, expected {PropertyFormat.R(expected[bad])}; {input}");
        });

    /// <summary>
    /// Float64 autograd gradient equals exp(x) inside (−clamp, clamp) and 0 outside, checked element by element against
    /// extrapolated central differences of the reference (relative 1e-6; inputs kept 1% away from ±clamp so that no
    /// difference straddles the kink).
    /// </summary>
    [SeededProperty(MaxTest = 40, Seed = "(77165,48213)", QuietOnSuccess = true)]
    public Property Properties_Gradient_MatchesFiniteDifferenceOfReference() =>
        Prop.ForAll(PropertiesInputs(extreme: false, Gen.Constant(ScalarType.Float64))
            .Where(input => input.Bound >= 0.1)
            .Select(PropertiesAwayFromKinks)
            .ToArbitrary(), input =>
        {
            using var scope = NewDisposeScope();
            var x = input.Tensor(requiresGrad: true);
            input.Call(x).sum().backward();
            double[] actual = Tensors.ToDoubles(x.grad!);
            for (int i = 0; i < actual.Length; i++)
            {
                double fd = PropertyChecks.FiniteDifferenceGradient(v => PropertiesReference(v[0], input.Bound), new[] { input.Values[i] })[0];
                if (!(Math.Abs(actual[i] - fd) <= PropertyChecks.GradientTolerance * Math.Abs(fd)))
                    return Prop.Label(false, $"ClampedExp gradient at x = {PropertyFormat.R(input.Values[i])}: autograd {PropertyFormat.R(actual[i])}, finite difference {PropertyFormat.R(fd)}; {input}");
            }

            return Prop.ToProperty(true);
        });

    /// <summary>Inputs up to ±1e6 and ±∞, both dtypes: finite outputs and gradients, the input's shape and dtype, values within [e^−clamp, e^clamp].</summary>
    [SeededProperty(MaxTest = 40, Seed = "(903317,61077)", QuietOnSuccess = true)]
    public Property Properties_ExtremeInputs_FiniteBoundedWithShapeAndDtype() =>
        Prop.ForAll(PropertiesInputs(extreme: true, PropertyGens.BothDtypes).ToArbitrary(), input =>
        {
            using var scope = NewDisposeScope();
            var x = input.Tensor(requiresGrad: true);
            var y = input.Call(x);
            y.sum().backward();
            double[] values = Tensors.ToDoubles(y);
            double[] grad = Tensors.ToDoubles(x.grad!);
            bool shapeOk = y.dtype == input.Dtype && y.shape.SequenceEqual(input.Shape);
            double lo = Math.Exp(-input.Bound) * (1 - Tolerance.Relative(input.Dtype));
            double hi = Math.Exp(input.Bound) * (1 + Tolerance.Relative(input.Dtype));
            int bad = Array.FindIndex(values, v => !(double.IsFinite(v) && v >= lo && v <= hi));
            int badGrad = Array.FindIndex(grad, g => !double.IsFinite(g));
            return PropertyChecks.Verdict(shapeOk && bad < 0 && badGrad < 0, () =>
                !shapeOk ? $"output {y.dtype} [{string.Join(", ", y.shape)}]; {input}"
                : bad >= 0 ? $"ClampedExp({PropertyFormat.R(input.Values[bad])}) = {PropertyFormat.R(values[bad])} outside [{PropertyFormat.R(lo)}, {PropertyFormat.R(hi)}]; {input}"
                : $"non-finite gradient {PropertyFormat.R(grad[badGrad])} at x = {PropertyFormat.R(input.Values[badGrad])}; {input}");
        });

    /// <summary>ClampedExp is elementwise: permuting the flattened input permutes the output exactly.</summary>
    [SeededProperty(MaxTest = 30, Seed = "(556541,23457)", QuietOnSuccess = true)]
    public Property Properties_PermutedInput_PermutesOutputExactly() =>
        Prop.ForAll((from input in PropertiesInputs(extreme: true, PropertyGens.BothDtypes)
                     from permutation in Gen.Shuffle(Enumerable.Range(0, input.Values.Length).ToArray())
                     select (Input: input, Permutation: permutation)).ToArbitrary(), t =>
        {
            using var scope = NewDisposeScope();
            double[] original = Tensors.ToDoubles(t.Input.Call(t.Input.Tensor()));
            var permuted = t.Input with { Values = t.Permutation.Select(i => t.Input.Values[i]).ToArray() };
            double[] after = Tensors.ToDoubles(permuted.Call(permuted.Tensor()));
            int bad = Enumerable.Range(0, after.Length).FirstOrDefault(i => after[i] != original[t.Permutation[i]], -1);
            return PropertyChecks.Verdict(bad < 0, () =>
                $"permuted element {bad}: {PropertyFormat.R(after[bad])} vs {PropertyFormat.R(original[t.Permutation[bad]])}; {t.Input}");
        });

    // ---- memory: quirks of its own (the generic checks are in Ops/MemoryTests.cs) ----

    /// <summary>Every input kind outside any scope (clamp 2): only the result stays alive, with the input's dtype.</summary>
    [Category("Memory")]
    [Test]
    public void ClampedExp_CallOutsideAnyScope_LeavesOnlyItsResultAlive([Values] MeasureInputKind kind) =>
        LiveTensors.MeasureLeavesOnlyItsResult("ClampedExp(clamp 2)", x => UL.ClampedExp(x, 2.0), kind);

    /// <summary>Inside nested caller scopes (default clamp): the result, and nothing else, joins the innermost.</summary>
    [Category("Memory")]
    [Test]
    public void ClampedExp_CallInsideCallerScope_AttachesResultToThatScope(
        [Values(MeasureInputKind.Float32RequiresGrad, MeasureInputKind.Float16)] MeasureInputKind kind) =>
        LiveTensors.MeasureResultJoinsCallerScope("ClampedExp", x => UL.ClampedExp(x), kind);

    /// <summary>An integer x, or a negative clamp, is rejected without leaving a tensor alive.</summary>
    [Category("Memory")]
    [Test]
    public void ClampedExp_RejectedInput_LeavesNoTensorAlive([Values] bool integerX) =>
        LiveTensors.RejectionLeavesNothing($"ClampedExp(integer x {integerX})",
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
