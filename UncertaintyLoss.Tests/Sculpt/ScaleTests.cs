namespace UncertaintyLoss.Tests.SculptTests;

/// <summary><see cref="Sculpt.Scale"/> = softplus(raw) + floor: values, the floor, the gradient, validation.</summary>
[TestFixture]
public sealed class ScaleTests
{
    private static readonly double[] ExtremeRaw =
    {
        double.NegativeInfinity, -1e300, -1e30, -1e4, -800, -745, -100, -40, -20.5, -1e-8, 0, 1e-8, 19.9, 20.5, 39.9, 40.5, 100, 1e4, 1e30,
    };

    /// <summary>Raw values: the bulk, the softplus thresholds (20 for Float32, 40 for Float64), and far tails.</summary>
    private static Gen<double> RawValue { get; } = Gen.Frequency(
        (4, SculptGens.Uniform(-10, 10)),
        (2, SculptGens.Uniform(-100, 100)),
        (1, SculptGens.Uniform(15, 45)),
        (1, SculptGens.Signed(SculptGens.LogUniform(1e-9, 1e6))));

    private static Gen<double> Floor { get; } = Gen.Frequency(
        (2, Gen.Constant(1e-6)),
        (1, Gen.Constant(0.0)),
        (2, SculptGens.LogUniform(1e-9, 1)));

    private static Gen<(double[] Raw, double Floor, ScalarType Dtype)> Cases { get; } =
        from n in Gen.Choose(1, 12)
        from raw in Gen.ArrayOf(RawValue, n)
        from floor in Floor
        from dtype in Gen.Elements(ScalarType.Float64, ScalarType.Float32)
        select (dtype == ScalarType.Float32 ? Tensors.RoundToSingle(raw) : raw, floor, dtype);

    /// <summary>
    /// Equals ln(1 + eˣ) + floor computed here in double (stable form): Float64 within 1e-12 relative (softplus above
    /// the threshold 40 returns x, off by e⁻⁴⁰/40 ≈ 1e-19 relative), Float32 within 1e-6 relative (its threshold 20 costs
    /// e⁻²⁰/20 ≈ 1e-10) plus 1e-44 where softplus underflows into Float32 denormals.
    /// </summary>
    [SeededProperty(MaxTest = 200, Seed = "(612077,418853)", QuietOnSuccess = true)]
    public Property Scale_RandomRaw_EqualsSoftplusPlusFloor() =>
        Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            var result = Sculpt.Scale(Tensors.FromDoubles(c.Raw, new long[] { c.Raw.Length }, c.Dtype), c.Floor);
            if (result.dtype != c.Dtype || !result.shape.SequenceEqual(new long[] { c.Raw.Length }))
                return Prop.Label(false, $"dtype {result.dtype} shape {Fmt.Shape(result.shape)}");
            var actual = Tensors.ToDoubles(result);
            for (int i = 0; i < c.Raw.Length; i++)
            {
                double expected = SculptChecks.Softplus(c.Raw[i]) + c.Floor;
                double tolerance = c.Dtype == ScalarType.Float64 ? 1e-12 * expected : 1e-6 * expected + 1e-44;
                if (!(Math.Abs(actual[i] - expected) <= tolerance))
                    return Prop.Label(false, $"{c.Dtype} Scale({Fmt.R(c.Raw[i])}, floor {Fmt.R(c.Floor)}) = {Fmt.R(actual[i])}, expected {Fmt.R(expected)}");
            }

            return Prop.ToProperty(true);
        });

    /// <summary>The result never drops below the floor (Float32: below the floor as Float32 holds it), even at −∞.</summary>
    [TestCase(ScalarType.Float64, 1e-6)]
    [TestCase(ScalarType.Float64, 0.0)]
    [TestCase(ScalarType.Float64, 0.25)]
    [TestCase(ScalarType.Float32, 1e-6)]
    [TestCase(ScalarType.Float32, 0.0)]
    [TestCase(ScalarType.Float32, 0.25)]
    public void Scale_ExtremeRaw_NeverBelowFloor(ScalarType dtype, double floor)
    {
        using var scope = NewDisposeScope();
        var actual = Tensors.ToDoubles(Sculpt.Scale(Tensors.FromDoubles(ExtremeRaw, new long[] { ExtremeRaw.Length }, dtype), floor));
        double bound = dtype == ScalarType.Float32 ? (float)floor : floor;
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.That(actual[i], Is.GreaterThanOrEqualTo(bound), $"Scale({Fmt.R(ExtremeRaw[i])})");
            Assert.That(double.IsNaN(actual[i]), Is.False, $"Scale({Fmt.R(ExtremeRaw[i])})");
        }

        // Far below zero softplus vanishes: exactly the floor; far above, raw itself (+ floor).
        Assert.That(actual[Array.IndexOf(ExtremeRaw, -1e4)], Is.EqualTo(bound));
        Assert.That(actual[Array.IndexOf(ExtremeRaw, 1e4)], Is.EqualTo(1e4 + floor).Within(1e-6 * 1e4));
    }

    [Test]
    public void Scale_DefaultFloor_IsOneMillionth()
    {
        using var scope = NewDisposeScope();
        Assert.That(Sculpt.Scale(tensor(-1000.0)).item<double>(), Is.EqualTo(1e-6));
        Assert.That(Sculpt.Scale(tensor(0.0)).item<double>(), Is.EqualTo(Math.Log(2) + 1e-6).Within(1e-15));
    }

    /// <summary>∂Scale/∂raw = sigmoid(raw): Float64 within 1e-12 relative, Float32 within 1e-6 (softplus's threshold makes it exactly 1 above 20/40, sigmoid is 1 − 2e-9 there).</summary>
    [TestCase(ScalarType.Float64, 1e-12)]
    [TestCase(ScalarType.Float32, 1e-6)]
    public void Scale_Gradient_IsSigmoid(ScalarType dtype, double rtol)
    {
        using var scope = NewDisposeScope();
        var values = ExtremeRaw.Where(double.IsFinite).Concat(Enumerable.Range(-50, 101).Select(i => i * 0.37)).ToArray();
        if (dtype == ScalarType.Float32)
            values = Tensors.RoundToSingle(values);
        var raw = Tensors.FromDoubles(values, new long[] { values.Length }, dtype).requires_grad_();
        Sculpt.Scale(raw, 1e-3).sum().backward();
        var grad = Tensors.ToDoubles(raw.grad!);
        for (int i = 0; i < values.Length; i++)
        {
            double expected = SculptChecks.Sigmoid(values[i]);
            Assert.That(grad[i], Is.EqualTo(expected).Within(rtol * expected + (dtype == ScalarType.Float32 ? 1e-44 : 0)), $"d/draw at {Fmt.R(values[i])}");
        }
    }

    /// <summary>Shape and dtype are kept, including the half-precision types.</summary>
    [TestCase(ScalarType.Float32)]
    [TestCase(ScalarType.Float64)]
    [TestCase(ScalarType.Float16)]
    [TestCase(ScalarType.BFloat16)]
    public void Scale_AnyFloatingDtype_KeepsShapeAndDtype(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var raw = Tensors.FromDoubles(new[] { -3.0, -1.0, 0.0, 1.0, 3.0, 30.0 }, new long[] { 2, 3, 1 }, dtype);
        Tensor? result = null;
        Assert.DoesNotThrow(() => result = Sculpt.Scale(raw));
        Assert.That(result!.dtype, Is.EqualTo(dtype));
        Assert.That(result.shape, Is.EqualTo(new long[] { 2, 3, 1 }));
        var v = Tensors.ToDoubles(result);
        Assert.That(v[3], Is.EqualTo(Math.Log(1 + Math.E)).Within(1e-2));
    }

    [TestCase(-1.0)]
    [TestCase(-1e-300)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    [TestCase(double.NegativeInfinity)]
    public void Scale_InvalidFloor_ThrowsArgumentOutOfRangeNamingFloor(double floor)
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Sculpt.Scale(tensor(new[] { 1.0 }), floor));
        Assert.That(ex!.ParamName, Is.EqualTo("floor"));
        Assert.That(ex.ActualValue, Is.EqualTo(floor));
    }

    [Test]
    public void Scale_NullRaw_ThrowsArgumentNullNamingRaw()
    {
        var ex = Assert.Throws<ArgumentNullException>(() => Sculpt.Scale(null!));
        Assert.That(ex!.ParamName, Is.EqualTo("raw"));
    }

    [TestCase(ScalarType.Int64)]
    [TestCase(ScalarType.Int32)]
    [TestCase(ScalarType.Bool)]
    public void Scale_NonFloatingRaw_ThrowsArgumentExceptionNamingRaw(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => Sculpt.Scale(zeros(new long[] { 3 }, dtype)));
        Assert.That(ex!.ParamName, Is.EqualTo("raw"));
        Assert.That(ex.Message, Does.Contain(dtype.ToString()));
    }

    [Test]
    public void Scale_DisposedRaw_ThrowsArgumentExceptionNamingRaw()
    {
        var raw = tensor(new[] { 1.0 });
        raw.Dispose();
        var ex = Assert.Throws<ArgumentException>(() => Sculpt.Scale(raw));
        Assert.That(ex!.ParamName, Is.EqualTo("raw"));
    }
}
