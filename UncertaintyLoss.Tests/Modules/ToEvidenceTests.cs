using UncertaintyLoss.Tests.ModuleTesting;

namespace UncertaintyLoss.Tests;

/// <summary>
/// <see cref="UL.ToEvidence"/> against closed forms evaluated in C# doubles: exp(clamp(x)), ln(1 + eˣ) (evaluated
/// stably), max(0, x) and x, with their derivatives; dtype, device and shape; validation; memory.
/// </summary>
[TestFixture]
public sealed class ToEvidenceTests
{
    private static readonly EvidenceActivation[] Activations = Enum.GetValues<EvidenceActivation>();

    /// <summary>ln(1 + eˣ) without overflow or cancellation.</summary>
    public static double Softplus(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : LogOnePlus(Math.Exp(x));

    /// <summary>d/dx ln(1 + eˣ) = σ(x) = 1/(1 + e⁻ˣ), evaluated without overflow.</summary>
    public static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    /// <summary>ln(1 + u) accurate for small u (u ≥ 0): the correction trick w = 1 + u, ln(w)·u/(w − 1).</summary>
    private static double LogOnePlus(double u)
    {
        double w = 1 + u;
        return w == 1 ? u : Math.Log(w) * u / (w - 1);
    }

    public static double ClosedForm(EvidenceActivation activation, double x, double clamp) => activation switch
    {
        EvidenceActivation.Exp => Math.Exp(Math.Clamp(x, -clamp, clamp)),
        EvidenceActivation.Softplus => Softplus(x),
        EvidenceActivation.Relu => Math.Max(0, x),
        EvidenceActivation.None => x,
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    /// <summary>The derivative away from the kinks (|x| ≠ clamp for Exp, x ≠ 0 for Relu).</summary>
    public static double Derivative(EvidenceActivation activation, double x, double clamp) => activation switch
    {
        EvidenceActivation.Exp => Math.Abs(x) < clamp ? Math.Exp(x) : 0.0,
        EvidenceActivation.Softplus => Sigmoid(x),
        EvidenceActivation.Relu => x > 0 ? 1.0 : 0.0,
        EvidenceActivation.None => 1.0,
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    private static double Rtol(ScalarType dtype) => dtype == ScalarType.Float32 ? 1e-6 : 1e-12;

    /// <summary>Null when every element is within rtol·|expected| (exact when expected is 0).</summary>
    private static string? CompareRelative(string what, double[] actual, double[] expected, double[] input, ScalarType dtype)
    {
        if (actual.Length != expected.Length)
            return $"{what}: {actual.Length} elements, expected {expected.Length}";
        double rtol = Rtol(dtype);
        for (int i = 0; i < actual.Length; i++)
        {
            if (!(Math.Abs(actual[i] - expected[i]) <= rtol * Math.Abs(expected[i])))
                return FormattableString.Invariant(
                    $"{what} at x = {input[i]:R} ({dtype}): {actual[i]:R}, expected {expected[i]:R} (relative error {Math.Abs(actual[i] - expected[i]) / Math.Abs(expected[i]):G3}, tolerance {rtol:G3})");
        }

        return null;
    }

    /// <summary>A generated input: dtype, shape, values (rounded to Float32 where needed), activation and clamp.</summary>
    public sealed record EvidenceCase(ScalarType Dtype, long[] Shape, double[] Values, EvidenceActivation Activation, double Clamp)
    {
        public Tensor Tensor(bool requiresGrad = false)
        {
            var t = Tensors.FromDoubles(Values, Shape, Dtype);
            return requiresGrad ? t.requires_grad_(true) : t;
        }

        public override string ToString() => FormattableString.Invariant($"{Activation}, clamp {Clamp:R}, {Dtype} [{string.Join(", ", Shape)}]");
    }

    /// <summary>
    /// Values in [−60, 60] (beyond every clamp, far into both tails of softplus), some exact integers, ranks 0–4.
    /// Float64 softplus values are kept outside (20, 30): see <see cref="ToEvidence_SoftplusFloat64AboveTwenty_MatchesClosedFormTo1e12"/>.
    /// </summary>
    private static Gen<EvidenceCase> Cases(bool avoidKinks) =>
        from dtype in Gen.Elements(ScalarType.Float32, ScalarType.Float64)
        from activation in Gen.Elements(Activations)
        from clamp in Gen.Elements(10.0, 10.0, 0.0, 2.5, 45.0)
        from rank in Gen.Choose(0, 4)
        from dims in Gen.ArrayOf(Gen.Choose(1, 4), rank)
        from seed in Gen.Choose(0, int.MaxValue)
        select MakeCase(dtype, activation, clamp, dims.Select(d => (long)d).ToArray(), seed, avoidKinks);

    private static EvidenceCase MakeCase(ScalarType dtype, EvidenceActivation activation, double clamp, long[] shape, int seed, bool avoidKinks)
    {
        var rng = new Random(seed);
        int count = (int)shape.Aggregate(1L, (a, b) => a * b);
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            double v = rng.Next(3) == 0 ? 24 * rng.NextDouble() - 12 : 120 * rng.NextDouble() - 60;
            if (!avoidKinks && rng.Next(8) == 0)
                v = Math.Round(v);
            if (dtype == ScalarType.Float32)
                v = (float)v;
            if (dtype == ScalarType.Float64 && activation == EvidenceActivation.Softplus && v > 20 && v < 30)
                v -= 10;
            if (avoidKinks && (v == 0 || Math.Abs(v) == clamp || (activation == EvidenceActivation.Exp && Math.Abs(Math.Abs(v) - clamp) < 1e-3)))
                v += 0.125;
            values[i] = v;
        }

        return new EvidenceCase(dtype, shape, values, activation, clamp);
    }

    // ---------------------------------------------------------------- values

    /// <summary>Every element equals the closed form: Float32 1e-6, Float64 1e-12 relative.</summary>
    [SeededProperty(MaxTest = 200, Seed = "(442817,77115)", QuietOnSuccess = true)]
    public Property ToEvidence_RandomInputs_MatchClosedForm() =>
        Prop.ForAll(Cases(avoidKinks: false).ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            var result = UL.ToEvidence(c.Tensor(), c.Activation, c.Clamp);
            if (result.dtype != c.Dtype || !result.shape.SequenceEqual(c.Shape))
                return Prop.Label(false, $"result {result.dtype} [{string.Join(", ", result.shape)}]; {c}");
            var expected = c.Values.Select(x => ClosedForm(c.Activation, x, c.Clamp)).ToArray();
            return ModuleKit.Verdict(CompareRelative("value", Tensors.ToDoubles(result), expected, c.Values, c.Dtype) is string d ? d + "; " + c : null);
        });

    /// <summary>Away from the kinks, the gradient of Σ ToEvidence(x) is the closed-form derivative (Float32 1e-6, Float64 1e-12 relative; zeros exact).</summary>
    [SeededProperty(MaxTest = 150, Seed = "(60311,152093)", QuietOnSuccess = true)]
    public Property ToEvidence_RandomInputs_GradientMatchesClosedFormDerivative() =>
        Prop.ForAll(Cases(avoidKinks: true).ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            var x = c.Tensor(requiresGrad: true);
            UL.ToEvidence(x, c.Activation, c.Clamp).sum().backward();
            var expected = c.Values.Select(v => Derivative(c.Activation, v, c.Clamp)).ToArray();
            return ModuleKit.Verdict(CompareRelative("gradient", Tensors.ToDoubles(x.grad!), expected, c.Values, c.Dtype) is string d ? d + "; " + c : null);
        });

    [TestCase(EvidenceActivation.Exp, new[] { -1e30, -10.5, -10.0, -3.25, 0.0, 1.0, 9.999, 10.0, 11.0, 1e30 })]
    [TestCase(EvidenceActivation.Softplus, new[] { -700.0, -60.0, -30.0, -1e-8, 0.0, 1e-8, 0.5, 19.5, 30.0, 800.0 })]
    [TestCase(EvidenceActivation.Relu, new[] { -1e300, -1.0, -5e-324, 0.0, 5e-324, 2.5, 1e300 })]
    [TestCase(EvidenceActivation.None, new[] { -3.0, 0.0, 1e-300, 7.25, 1e300 })]
    public void ToEvidence_Float64ExplicitValues_MatchClosedForm(EvidenceActivation activation, double[] values)
    {
        using var scope = NewDisposeScope();
        var x = Tensors.FromDoubles(values, new long[] { values.Length });
        var expected = values.Select(v => ClosedForm(activation, v, 10.0)).ToArray();
        Assert.That(CompareRelative("value", Tensors.ToDoubles(UL.ToEvidence(x, activation)), expected, values, ScalarType.Float64), Is.Null);
    }

    /// <summary>
    /// Documented as ln(1 + eˣ): for 20 &lt; x ≲ 24 the Float64 result must still be within 1e-12 of it. torch's
    /// softplus returns x itself above its threshold 20, off by ln(1 + e⁻ˣ) ≈ e⁻ˣ (relative ≈ 1e-10 at x = 21).
    /// </summary>
    [TestCase(20.5)]
    [TestCase(21.0)]
    [TestCase(23.0)]
    public void ToEvidence_SoftplusFloat64AboveTwenty_MatchesClosedFormTo1e12(double value)
    {
        using var scope = NewDisposeScope();
        var x = Tensors.FromDoubles(new[] { value }, new long[] { 1 }).requires_grad_(true);
        var evidence = UL.ToEvidence(x, EvidenceActivation.Softplus);
        evidence.sum().backward();
        Assert.Multiple(() =>
        {
            Assert.That(CompareRelative("value", Tensors.ToDoubles(evidence), new[] { Softplus(value) }, new[] { value }, ScalarType.Float64), Is.Null);
            Assert.That(CompareRelative("gradient", Tensors.ToDoubles(x.grad!), new[] { Sigmoid(value) }, new[] { value }, ScalarType.Float64), Is.Null);
        });
    }

    /// <summary>Exp with the default clamp is exactly UL.ClampedExp; with clamp 0 it is all ones.</summary>
    [Test]
    public void ToEvidence_Exp_EqualsClampedExpAndClampZeroGivesOnes()
    {
        using var scope = NewDisposeScope();
        var x = Tensors.FromDoubles(new[] { -20.0, -1.5, 0.0, 3.0, 12.0, 40.0 }, new long[] { 2, 3 }, ScalarType.Float32);
        Assert.That(ModuleKit.CompareExactly("default", UL.ToEvidence(x), UL.ClampedExp(x)), Is.Null);
        Assert.That(ModuleKit.CompareExactly("clamp 4", UL.ToEvidence(x, EvidenceActivation.Exp, 4.0), UL.ClampedExp(x, 4.0)), Is.Null);
        Assert.That(Tensors.ToDoubles(UL.ToEvidence(x, EvidenceActivation.Exp, 0.0)), Is.All.EqualTo(1.0));
        Assert.That(Tensors.ToDoubles(UL.ToEvidence(x, EvidenceActivation.Exp)).Max(), Is.EqualTo((double)MathF.Exp(10f)).Within(1e-6).Percent);
    }

    /// <summary>The clamp applies to Exp only: the other activations ignore it.</summary>
    [TestCase(EvidenceActivation.Softplus)]
    [TestCase(EvidenceActivation.Relu)]
    [TestCase(EvidenceActivation.None)]
    public void ToEvidence_NonExpActivation_IgnoresClamp(EvidenceActivation activation)
    {
        using var scope = NewDisposeScope();
        var x = Tensors.FromDoubles(new[] { 0.5, 3.0, 15.0, 40.0 }, new long[] { 4 });
        var values = new[] { 0.5, 3.0, 15.0, 40.0 };
        var expected = values.Select(v => ClosedForm(activation, v, 0.0)).ToArray();
        Assert.That(CompareRelative("value", Tensors.ToDoubles(UL.ToEvidence(x, activation, 1.0)), expected, values, ScalarType.Float64), Is.Null);
    }

    // ---------------------------------------------------------------- gradients at explicit points

    [Test]
    public void ToEvidence_ExpGradient_ZeroOutsideClampExpInside()
    {
        using var scope = NewDisposeScope();
        var values = new[] { -50.0, -10.001, -9.999, -2.0, 0.0, 3.5, 9.999, 10.001, 1e6 };
        var x = Tensors.FromDoubles(values, new long[] { values.Length }).requires_grad_(true);
        UL.ToEvidence(x, EvidenceActivation.Exp).sum().backward();
        var grad = Tensors.ToDoubles(x.grad!);
        Assert.That(new[] { grad[0], grad[1], grad[7], grad[8] }, Is.All.EqualTo(0.0), "zero gradient beyond the clamp");
        for (int i = 2; i <= 6; i++)
            Assert.That(grad[i], Is.EqualTo(Math.Exp(values[i])).Within(1e-12).Percent, $"x = {values[i]}");
    }

    [Test]
    public void ToEvidence_ReluGradient_ZeroForNegativeOneForPositive()
    {
        using var scope = NewDisposeScope();
        var values = new[] { -1e10, -3.0, -1e-30, 1e-30, 2.0, 1e10 };
        var x = Tensors.FromDoubles(values, new long[] { 2, 3 }, ScalarType.Float32).requires_grad_(true);
        UL.ToEvidence(x, EvidenceActivation.Relu).sum().backward();
        Assert.That(Tensors.ToDoubles(x.grad!), Is.EqualTo(new[] { 0.0, 0.0, 0.0, 1.0, 1.0, 1.0 }));
    }

    [Test]
    public void ToEvidence_SoftplusGradient_IsSigmoid()
    {
        using var scope = NewDisposeScope();
        var values = new[] { -700.0, -40.0, -5.0, -0.25, 0.0, 0.25, 5.0, 15.0, 45.0, 700.0 };
        var x = Tensors.FromDoubles(values, new long[] { values.Length }).requires_grad_(true);
        UL.ToEvidence(x, EvidenceActivation.Softplus).sum().backward();
        var expected = values.Select(Sigmoid).ToArray();
        Assert.That(CompareRelative("gradient", Tensors.ToDoubles(x.grad!), expected, values, ScalarType.Float64), Is.Null);
    }

    [Test]
    public void ToEvidence_NoneGradient_IsOne()
    {
        using var scope = NewDisposeScope();
        var x = Tensors.FromDoubles(new[] { 0.0, 1.0, 5e6 }, new long[] { 3 }, ScalarType.Float32).requires_grad_(true);
        var w = Tensors.FromDoubles(new[] { 2.0, 3.0, 5.0 }, new long[] { 3 }, ScalarType.Float32);
        (UL.ToEvidence(x, EvidenceActivation.None) * w).sum().backward();
        Assert.That(Tensors.ToDoubles(x.grad!), Is.EqualTo(new[] { 2.0, 3.0, 5.0 }));
    }

    // ---------------------------------------------------------------- dtype, device, shape

    [Test]
    public void ToEvidence_AnyFloatingDtypeAndShape_KeepsDtypeShapeAndDevice(
        [Values] EvidenceActivation activation,
        [Values(ScalarType.Float32, ScalarType.Float64, ScalarType.Float16, ScalarType.BFloat16)] ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        foreach (var shape in new[] { Array.Empty<long>(), new long[] { 0 }, new long[] { 3 }, new long[] { 2, 3, 0 }, new long[] { 2, 1, 3, 2 } })
        {
            var x = rand(shape, dtype: ScalarType.Float32).to(dtype);
            var result = UL.ToEvidence(x, activation);
            Assert.That(result.dtype, Is.EqualTo(dtype), $"[{string.Join(", ", shape)}]");
            Assert.That(result.shape, Is.EqualTo(shape));
            Assert.That(result.device_type, Is.EqualTo(x.device_type));
            Assert.That(result.device_index, Is.EqualTo(x.device_index));
            Assert.That(result.requires_grad, Is.False);
        }
    }

    /// <summary>Half precisions are computed in their own dtype: values agree with the closed form to their precision.</summary>
    [TestCase(ScalarType.Float16, 2e-3)]
    [TestCase(ScalarType.BFloat16, 1.6e-2)]
    public void ToEvidence_HalfPrecision_MatchesClosedFormToItsPrecision(ScalarType dtype, double rtol)
    {
        using var scope = NewDisposeScope();
        var x = Tensors.FromDoubles(new[] { -12.0, -3.0, -0.5, 0.0, 0.75, 2.0, 6.0, 9.5 }, new long[] { 8 }, dtype);
        var held = Tensors.ToDoubles(x);
        foreach (var activation in Activations)
        {
            var actual = Tensors.ToDoubles(UL.ToEvidence(x, activation));
            for (int i = 0; i < held.Length; i++)
            {
                double want = ClosedForm(activation, held[i], 10.0);
                Assert.That(actual[i], Is.EqualTo(want).Within(rtol * Math.Abs(want) + 1e-7), $"{activation} at {held[i]}");
            }
        }
    }

    [Test]
    public void ToEvidence_RequiresGradInput_ResultIsInGraph([Values] EvidenceActivation activation)
    {
        using var scope = NewDisposeScope();
        var x = ones(2, 3).requires_grad_(true);
        Assert.That(UL.ToEvidence(x, activation).requires_grad, Is.True);
    }

    // ---------------------------------------------------------------- validation

    [Test]
    public void ToEvidence_Null_ThrowsArgumentNull() =>
        ModuleKit.AssertThrows<ArgumentNullException>(() => UL.ToEvidence(null!), "logits");

    [Test]
    public void ToEvidence_Disposed_ThrowsArgumentException()
    {
        var x = ones(2, 3);
        x.Dispose();
        ModuleKit.AssertThrows<ArgumentException>(() => UL.ToEvidence(x), "logits");
    }

    [TestCase(ScalarType.Int64)]
    [TestCase(ScalarType.Int32)]
    [TestCase(ScalarType.Byte)]
    [TestCase(ScalarType.Bool)]
    public void ToEvidence_NonFloatingInput_ThrowsArgumentException(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var x = ones(2, 3, dtype: dtype);
        foreach (var activation in Activations)
            ModuleKit.AssertThrows<ArgumentException>(() => UL.ToEvidence(x, activation), "logits");
    }

    [TestCase(-1)]
    [TestCase(4)]
    [TestCase(1000)]
    public void ToEvidence_UndefinedActivation_ThrowsArgumentOutOfRange(int activation)
    {
        using var scope = NewDisposeScope();
        ModuleKit.AssertThrows<ArgumentOutOfRangeException>(() => UL.ToEvidence(ones(2, 3), (EvidenceActivation)activation), "activation");
    }

    [TestCase(-1e-12)]
    [TestCase(-10.0)]
    [TestCase(double.NaN)]
    [TestCase(double.NegativeInfinity)]
    public void ToEvidence_NegativeOrNaNClamp_ThrowsArgumentOutOfRange(double clamp)
    {
        using var scope = NewDisposeScope();
        var x = ones(2, 3);
        foreach (var activation in Activations)
            ModuleKit.AssertThrows<ArgumentOutOfRangeException>(() => UL.ToEvidence(x, activation, clamp), "clamp");
    }

    /// <summary>The argument checks run in the documented order: null, disposed, dtype, then activation, then clamp.</summary>
    [Test]
    public void ToEvidence_SeveralProblems_ReportsTheInputFirst()
    {
        using var scope = NewDisposeScope();
        ModuleKit.AssertThrows<ArgumentException>(() => UL.ToEvidence(ones(2, dtype: ScalarType.Int64), (EvidenceActivation)9, double.NaN), "logits");
        ModuleKit.AssertThrows<ArgumentOutOfRangeException>(() => UL.ToEvidence(ones(2), (EvidenceActivation)9, double.NaN), "activation");
    }

    // ---------------------------------------------------------------- memory

    [Test]
    public void ToEvidence_OutsideScope_LeavesOnlyItsResultAndInputUntouched([Values] EvidenceActivation activation, [Values] bool requiresGrad)
    {
        var x = Tensors.FromDoubles(new[] { -12.0, -1.0, 0.0, 0.5, 3.0, 20.0 }, new long[] { 2, 3 }, ScalarType.Float32);
        if (requiresGrad)
            x.requires_grad_(true);
        try
        {
            var before = Tensors.ToDoubles(x);
            long live = ModuleKit.Live;
            var result = UL.ToEvidence(x, activation);
            Assert.That(ModuleKit.Live, Is.EqualTo(live + 1), "only the result may be left alive");
            Assert.That(result.requires_grad, Is.EqualTo(requiresGrad));
            result.Dispose();
            Assert.That(ModuleKit.Live, Is.EqualTo(live), "a tensor created by ToEvidence outlives it");
            Assert.That(x.IsInvalid, Is.False);
            Assert.That(Tensors.ToDoubles(x), Is.EqualTo(before), "ToEvidence changed its input");
        }
        finally
        {
            x.Dispose();
        }
    }

    [Test]
    public void ToEvidence_InsideCallerScope_ResultJoinsThatScopeOnly([Values] EvidenceActivation activation)
    {
        long live = ModuleKit.Live;
        Tensor x, result;
        using (var outer = NewDisposeScope())
        {
            using (var scope = NewDisposeScope())
            {
                x = ones(3, 2);
                int count = scope.DisposablesCount, outerCount = outer.DisposablesCount;
                result = UL.ToEvidence(x, activation);
                Assert.That(scope.Contains(result), Is.True);
                Assert.That(scope.DisposablesCount, Is.EqualTo(count + 1));
                Assert.That(outer.DisposablesCount, Is.EqualTo(outerCount));
                Assert.That(x.IsInvalid, Is.False);
            }

            Assert.That(result.IsInvalid && x.IsInvalid, Is.True);
        }

        Assert.That(ModuleKit.Live, Is.EqualTo(live));
    }

    [Test]
    public void ToEvidence_Rejected_LeavesNothingAlive()
    {
        var x = ones(2, 3, dtype: ScalarType.Int64);
        var y = ones(2, 3);
        try
        {
            long live = ModuleKit.Live;
            Assert.That(() => UL.ToEvidence(x), Throws.InstanceOf<ArgumentException>());
            Assert.That(() => UL.ToEvidence(y, EvidenceActivation.Exp, -1), Throws.InstanceOf<ArgumentException>());
            Assert.That(ModuleKit.Live, Is.EqualTo(live));
            Assert.That(x.IsInvalid || y.IsInvalid, Is.False);
        }
        finally
        {
            x.Dispose();
            y.Dispose();
        }
    }
}
