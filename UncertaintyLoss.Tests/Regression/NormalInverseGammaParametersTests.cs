namespace UncertaintyLoss.Tests.Regression;

/// <summary>
/// <see cref="UL.NormalInverseGammaParameters"/>: γ = raw₀, ν = softplus(raw₁) + 1e-6, α = softplus(raw₂) + 1 + 1e-6,
/// β = softplus(raw₃) + 1e-6 along <c>dim</c>; valid NIG parameters for any finite raw output.
/// </summary>
[TestFixture]
public sealed class NormalInverseGammaParametersTests
{
    private const double Floor = 1e-6;

    /// <summary>A raw tensor: shape with 4 along dimension <see cref="Axis"/>, the dim argument (non-negative or negative form), values and dtype.</summary>
    public sealed record RawCase(long[] Shape, int Axis, long Dim, double[] Values, ScalarType Dtype)
    {
        public Tensor Tensor(bool requiresGrad = false)
        {
            var t = Tensors.FromDoubles(Values, Shape, Dtype);
            return requiresGrad ? t.requires_grad_(true) : t;
        }

        /// <summary>The shape without <see cref="Axis"/>.</summary>
        public long[] OutputShape => Shape.Where((_, i) => i != Axis).ToArray();

        /// <summary>Component j (0..3) of every output position, row-major over <see cref="OutputShape"/>.</summary>
        public double[] Component(int j)
        {
            long outer = Shape.Take(Axis).Aggregate(1L, (a, b) => a * b);
            long inner = Shape.Skip(Axis + 1).Aggregate(1L, (a, b) => a * b);
            var result = new double[outer * inner];
            for (long o = 0; o < outer; o++)
                for (long i = 0; i < inner; i++)
                    result[o * inner + i] = Values[(o * 4 + j) * inner + i];
            return result;
        }

        public override string ToString() =>
            $"raw {Broadcasting.Format(Shape)} {Dtype}, dim {Dim}, values {string.Join(", ", Values.Take(12).Select(RegressionReference.R))}";
    }

    private static readonly Gen<double> RawValue = Gen.Frequency(
        (6, RegressionGens.Uniform(-30, 30)),
        (4, RegressionGens.Uniform(-3, 3)),
        (2, Gen.Elements(-1e4, 1e4, -60.0, 60.0, -40.5, 40.5, -20.5, 20.5, 0.0)));

    private static Gen<RawCase> RawCases(Gen<ScalarType> dtypes) =>
        from rank in Gen.Choose(1, 4)
        from axis in Gen.Choose(0, rank - 1)
        from dims in Gen.ArrayOf(Gen.Choose(1, 3), rank)
        from negative in Gen.Elements(false, true)
        let shape = dims.Select((d, i) => i == axis ? 4L : d).ToArray()
        from values in Gen.ArrayOf(RawValue, (int)Broadcasting.Numel(shape))
        from dtype in dtypes
        select new RawCase(shape, axis, negative ? axis - rank : axis,
            dtype == ScalarType.Float32 ? Tensors.RoundToSingle(values) : values, dtype);

    /// <summary>Closed forms for each component, output shape (dim removed) and the raw dtype; any dim, both dtypes, raw up to ±1e4.</summary>
    [SeededProperty(MaxTest = 150, Seed = "(222333,444555)", QuietOnSuccess = true)]
    public Property NormalInverseGammaParameters_RandomRaw_MatchesClosedFormsAlongDim() =>
        Prop.ForAll(RawCases(Gen.Elements(ScalarType.Float64, ScalarType.Float32)).ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            var (g, n, a, b) = UL.NormalInverseGammaParameters(c.Tensor(), c.Dim);
            var outputs = new[] { g, n, a, b };
            foreach (var o in outputs)
            {
                if (o.dtype != c.Dtype || !o.shape.SequenceEqual(c.OutputShape))
                    return Prop.Label(false, $"output {o.dtype} {Broadcasting.Format(o.shape)}, expected {c.Dtype} {Broadcasting.Format(c.OutputShape)}; {c}");
            }

            double[] gamma = c.Component(0);
            double[] nu = c.Component(1).Select(x => RegressionReference.Softplus(x) + Floor).ToArray();
            double[] alpha = c.Component(2).Select(x => RegressionReference.Softplus(x) + 1 + Floor).ToArray();
            double[] beta = c.Component(3).Select(x => RegressionReference.Softplus(x) + Floor).ToArray();
            double[] none = new double[gamma.Length];
            double[] actualGamma = Tensors.ToDoubles(g);
            return RegressionVerdict.Of(actualGamma.SequenceEqual(gamma), () => $"γ is not exactly raw₀; {c}")
                .And(RegressionVerdict.Elementwise("ν", Tensors.ToDoubles(n), nu, none, c.Dtype, c.ToString()))
                .And(RegressionVerdict.Elementwise("α", Tensors.ToDoubles(a), alpha, none, c.Dtype, c.ToString()))
                .And(RegressionVerdict.Elementwise("β", Tensors.ToDoubles(b), beta, none, c.Dtype, c.ToString()))
                .And(RelativeSmallValues(n, nu, c))
                .And(RelativeSmallValues(a, alpha, c))
                .And(RelativeSmallValues(b, beta, c));
        });

    /// <summary>
    /// ν and β can be as small as 1e-6: checked relative to themselves too, not only to max(|x|, 1); in Float64 to 1e-13,
    /// which also catches softplus's default threshold 20 (softplus(20.5) = 20.5 + 1.25e-9).
    /// </summary>
    private static Property RelativeSmallValues(Tensor actual, double[] expected, RawCase c)
    {
        var got = Tensors.ToDoubles(actual);
        double rtol = c.Dtype == ScalarType.Float64 ? 1e-13 : Tolerance.Relative(c.Dtype);
        int bad = Enumerable.Range(0, got.Length).FirstOrDefault(i => !(Math.Abs(got[i] - expected[i]) <= rtol * expected[i]), -1);
        return RegressionVerdict.Of(bad < 0, () => $"element {bad}: {RegressionReference.R(got[bad])} vs {RegressionReference.R(expected[bad])}; {c}");
    }

    /// <summary>Float64: ∂γ/∂raw₀ = 1, ∂ν/∂raw₁ = ∂α/∂raw₂ = ∂β/∂raw₃ = sigmoid(raw), through a weighted sum of the outputs.</summary>
    [Test]
    public void NormalInverseGammaParameters_Gradient_IsOneAndSigmoid()
    {
        using var scope = NewDisposeScope();
        double[] values = { 0.3, -2.0, 5.0, 0.0, -7.5, 35.0, -35.0, 1.5 };
        var raw = tensor(values, new long[] { 2, 4 }).requires_grad_();
        var (g, n, a, b) = UL.NormalInverseGammaParameters(raw);
        (g + 2 * n + 3 * a + 4 * b).sum().backward();
        var grad = Tensors.ToDoubles(raw.grad!);
        for (int row = 0; row < 2; row++)
        {
            Assert.That(grad[4 * row], Is.EqualTo(1.0));
            for (int j = 1; j < 4; j++)
                Assert.That(grad[4 * row + j], Is.EqualTo((j + 1) * RegressionReference.Sigmoid(values[4 * row + j])).Within(1e-12 * (j + 1)), $"row {row}, component {j}");
        }
    }

    /// <summary>dim = 0, 1, −1 (and −3 = 0 for rank 3) pick the axis holding the 4 outputs.</summary>
    [TestCase(new long[] { 4, 3 }, 0L, 0)]
    [TestCase(new long[] { 4, 3 }, -2L, 0)]
    [TestCase(new long[] { 2, 4, 3 }, 1L, 1)]
    [TestCase(new long[] { 2, 4, 3 }, -2L, 1)]
    [TestCase(new long[] { 3, 4 }, -1L, 1)]
    [TestCase(new long[] { 3, 4 }, 1L, 1)]
    [TestCase(new long[] { 4, 2, 2 }, -3L, 0)]
    [TestCase(new long[] { 4 }, -1L, 0)]
    public void NormalInverseGammaParameters_Dim_SelectsThatAxis(long[] shape, long dim, int axis)
    {
        var values = Enumerable.Range(0, (int)Broadcasting.Numel(shape)).Select(i => Math.Sin(1.7 * i) * 4).ToArray();
        var c = new RawCase(shape, axis, dim, values, ScalarType.Float64);
        using var scope = NewDisposeScope();
        var (g, n, a, b) = UL.NormalInverseGammaParameters(c.Tensor(), dim);
        Assert.That(g.shape, Is.EqualTo(c.OutputShape));
        Assert.That(Tensors.ToDoubles(g), Is.EqualTo(c.Component(0)).AsCollection);
        Assert.That(Tensors.ToDoubles(n), Is.EqualTo(c.Component(1).Select(x => RegressionReference.Softplus(x) + Floor)).AsCollection.Within(1e-10).Percent);
        Assert.That(Tensors.ToDoubles(a), Is.EqualTo(c.Component(2).Select(x => RegressionReference.Softplus(x) + 1 + Floor)).AsCollection.Within(1e-10).Percent);
        Assert.That(Tensors.ToDoubles(b), Is.EqualTo(c.Component(3).Select(x => RegressionReference.Softplus(x) + Floor)).AsCollection.Within(1e-10).Percent);
    }

    /// <summary>
    /// raw = −1e4 (and +1e4): α &gt; 1, ν, β &gt; 0 and finite in Float32 and Float64; the floors give exactly ν = β = 1e-6 and
    /// α = 1 + 1e-6 (rounded to the dtype), and the parameters are accepted by the loss and the uncertainty.
    /// </summary>
    [TestCase(ScalarType.Float64)]
    [TestCase(ScalarType.Float32)]
    public void NormalInverseGammaParameters_ExtremeRaw_ValidParametersAcceptedDownstream(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var raw = Tensors.FromDoubles(new[] { -1e4, -1e4, -1e4, -1e4, 1e4, 1e4, 1e4, 1e4 }, new long[] { 2, 4 }, dtype);
        var (g, n, a, b) = UL.NormalInverseGammaParameters(raw);
        var nu = Tensors.ToDoubles(n);
        var alpha = Tensors.ToDoubles(a);
        var beta = Tensors.ToDoubles(b);
        double floor = dtype == ScalarType.Float32 ? (float)Floor : Floor;
        double alphaFloor = dtype == ScalarType.Float32 ? (float)(1 + Floor) : 1 + Floor;
        Assert.That(nu[0], Is.EqualTo(floor));
        Assert.That(beta[0], Is.EqualTo(floor));
        Assert.That(alpha[0], Is.EqualTo(alphaFloor));
        Assert.That(alpha, Is.All.GreaterThan(1.0));
        Assert.That(nu.Concat(beta), Is.All.GreaterThan(0.0));
        Assert.That(nu.Concat(alpha).Concat(beta).All(double.IsFinite), Is.True);
        Assert.That(nu[1], Is.EqualTo(1e4).Within(1e-6).Percent);

        var loss = Tensors.ToDoubles(UL.EvidentialRegressionLoss(g, n, a, b, zeros(2, dtype), 0.01, nn.Reduction.None));
        var (_, aleatoric, epistemic) = UL.EvidentialRegressionUncertainty(g, n, a, b);
        Assert.That(loss.Concat(Tensors.ToDoubles(aleatoric)).Concat(Tensors.ToDoubles(epistemic)).All(double.IsFinite), Is.True);
    }

    /// <summary>
    /// Half precision: the floors must still give α &gt; 1 (docs/sculpt.md: "the floors keep α &gt; 1 and ν, β &gt; 0 in
    /// floating point"). 1 + 1e-6 rounds to 1 in Float16 and BFloat16, so the documented floor there is the dtype's
    /// epsilon: 2⁻¹⁰ (Float16) and 2⁻⁷ (BFloat16), giving exactly ν = β = ε and α = 1 + ε at raw = −1e4.
    /// </summary>
    [TestCase(ScalarType.Float16, -10)]
    [TestCase(ScalarType.BFloat16, -7)]
    public void NormalInverseGammaParameters_HalfPrecisionVeryNegativeRaw_AlphaStillAboveOne(ScalarType dtype, int log2Epsilon)
    {
        using var scope = NewDisposeScope();
        var raw = Tensors.FromDoubles(new[] { 0.0, -1e4, -1e4, -1e4, 0.5, 0.0, -8.0, 3.0 }, new long[] { 2, 4 }, dtype);
        var (g, n, a, b) = UL.NormalInverseGammaParameters(raw);
        Assert.That(a.dtype, Is.EqualTo(dtype));
        var nu = Tensors.ToDoubles(n);
        var alpha = Tensors.ToDoubles(a);
        var beta = Tensors.ToDoubles(b);
        Assert.That(alpha, Is.All.GreaterThan(1.0), "α");
        Assert.That(nu.Concat(beta), Is.All.GreaterThan(0.0), "ν, β");
        double epsilon = Math.Pow(2, log2Epsilon);
        Assert.That(nu[0], Is.EqualTo(epsilon), "ν floor");
        Assert.That(alpha[0], Is.EqualTo(1 + epsilon), "α floor");
        Assert.That(beta[0], Is.EqualTo(epsilon), "β floor");
        Assert.DoesNotThrow(() => UL.EvidentialRegressionUncertainty(g, n, a, b));
        Assert.DoesNotThrow(() => UL.EvidentialRegressionLoss(g, n, a, b, zeros(2, dtype), 0.01));
    }

    /// <summary>The outputs are new tensors: writing into them leaves raw unchanged.</summary>
    [Test]
    public void NormalInverseGammaParameters_OutputsWrittenInPlace_RawUnchanged()
    {
        using var scope = NewDisposeScope();
        double[] values = { 0.5, 1.0, 2.0, 3.0 };
        var raw = tensor(values, new long[] { 1, 4 });
        var (g, n, a, b) = UL.NormalInverseGammaParameters(raw);
        foreach (var t in new[] { g, n, a, b })
            t.add_(100);
        Assert.That(Tensors.ToDoubles(raw), Is.EqualTo(values));
    }

    public static IEnumerable<RegressionBadInput> BadInputs()
    {
        RegressionBadInput Row(string name, Func<Tensor?> make, long dim, Type exception, string param, params string[] parts) =>
            new(name, () => new[] { make() }, t => UL.NormalInverseGammaParameters(t[0]!, dim), exception, param, parts);

        var ae = typeof(ArgumentException);
        var aoor = typeof(ArgumentOutOfRangeException);
        yield return Row("raw null", () => null, -1, typeof(ArgumentNullException), "raw");
        yield return Row("raw Int64", () => BadTensors.Integer(ScalarType.Int64, 2, 4), -1, ae, "raw", "Int64");
        yield return Row("raw Int32", () => BadTensors.Integer(ScalarType.Int32, 4), -1, ae, "raw", "Int32");
        yield return Row("raw disposed", () => BadTensors.Disposed(2, 4), -1, ae, "raw", "disposed");
        yield return Row("size 3 along last", () => BadTensors.Valid(2, 3), -1, ae, "raw", "[2, 3]", "4");
        yield return Row("size 5 along last", () => BadTensors.Valid(5), -1, ae, "raw", "[5]");
        yield return Row("4 along dim 0, asked dim 1", () => BadTensors.Valid(4, 2), 1, ae, "raw", "[4, 2]");
        yield return Row("4 along dim 1, asked dim 0", () => BadTensors.Valid(3, 4), 0, ae, "raw", "[3, 4]");
        yield return Row("dim 2 of rank 2", () => BadTensors.Valid(2, 4), 2, aoor, "dim");
        yield return Row("dim −3 of rank 2", () => BadTensors.Valid(2, 4), -3, aoor, "dim");
        yield return Row("dim long.MaxValue", () => BadTensors.Valid(2, 4), long.MaxValue, aoor, "dim");
        yield return Row("dim long.MinValue", () => BadTensors.Valid(2, 4), long.MinValue, aoor, "dim");
        yield return Row("rank 0", () => full(Array.Empty<long>(), 1.0f), -1, aoor, "dim");
    }

    [TestCaseSource(nameof(BadInputs))]
    public void NormalInverseGammaParameters_BadInput_ThrowsExactArgumentExceptionNamingIt(RegressionBadInput row) => row.AssertRejected();

    [TestCase(ScalarType.Float32, false, -1L)]
    [TestCase(ScalarType.Float64, true, 0L)]
    [TestCase(ScalarType.Float16, false, 1L)]
    [TestCase(ScalarType.Float32, true, -2L)]
    public void NormalInverseGammaParameters_AnyInput_LeavesOnlyItsFourResultsAlive(ScalarType dtype, bool requiresGrad, long dim) =>
        RegressionMemory.AssertLeavesOnlyResults(() =>
        {
            long[] shape = dim == 0 ? new long[] { 4, 3 } : dim == 1 ? new long[] { 2, 4, 3 } : dim == -2 ? new long[] { 2, 4, 3 } : new long[] { 3, 4 };
            var values = Enumerable.Range(0, (int)Broadcasting.Numel(shape)).Select(i => Math.Cos(i) * 3).ToArray();
            var raw = Tensors.FromDoubles(values, shape, dtype);
            return new[] { requiresGrad ? raw.requires_grad_(true) : raw };
        }, t =>
        {
            var (g, n, a, b) = UL.NormalInverseGammaParameters(t[0], dim);
            return new[] { g, n, a, b };
        }, 4);
}
