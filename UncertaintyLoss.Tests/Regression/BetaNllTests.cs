namespace UncertaintyLoss.Tests.Regression;

/// <summary>
/// <see cref="UL.BetaNll"/> = stopgrad(σ²)^β · (½ ln(2πσ²) + (y − μ)²/(2σ²)) against −ln N(y; μ, σ) · σ^(2β) computed
/// with MathNet; gradients against differences of the reference with the weight held fixed; validation and memory.
/// </summary>
[TestFixture]
public sealed class BetaNllTests
{
    /// <summary>Inputs in the order (target, mean, variance), passed as BetaNll(mean, variance, target); option β.</summary>
    internal static readonly RegressionLossSpec Spec = new(
        "BetaNll",
        (t, c) => UL.BetaNll(t[1], t[2], t[0], c.Option, c.Reduction),
        (a, beta) => RegressionReference.BetaNll(a[0], a[1], a[2], beta),
        (a, beta) => RegressionReference.BetaNllMagnitude(a[0], a[1], a[2], beta));

    private static readonly Gen<double> Betas = Gen.Frequency(
        (1, Gen.Constant(0.0)), (2, Gen.Constant(0.5)), (1, Gen.Constant(1.0)), (2, RegressionGens.Uniform(0, 2)));

    private static Gen<BroadcastCase> Cases(Gen<Reduction> reductions) => RegressionGens.Cases(
        new[] { RegressionGens.Uniform(-10, 10), RegressionGens.Uniform(-10, 10), RegressionGens.LogUniform(-3, 3) }, 1,
        RegressionGens.Dtypes(3), reductions, Betas);

    /// <summary>Variances in [0.1, 100], so that the differences' steps stay far inside the domain.</summary>
    private static Gen<BroadcastCase> GradientCases(Gen<Reduction> reductions) => RegressionGens.Cases(
        new[] { RegressionGens.Uniform(-5, 5), RegressionGens.Uniform(-5, 5), RegressionGens.LogUniform(-1, 2) }, 1,
        RegressionGens.Float64(3), reductions, Betas);

    [SeededProperty(MaxTest = 150, Seed = "(461803,20117)", QuietOnSuccess = true)]
    public Property BetaNll_ReductionNoneRandomBroadcastInputs_MatchesMathNetReferencePerElement() =>
        Prop.ForAll(Cases(Gen.Constant(Reduction.None)).ToArbitrary(), c => RegressionChecks.LossMatchesReference(Spec, c));

    [SeededProperty(MaxTest = 100, Seed = "(77113,90001)", QuietOnSuccess = true)]
    public Property BetaNll_ReductionMeanOrSum_MatchesReducedReference() =>
        Prop.ForAll(Cases(Gen.Elements(Reduction.Mean, Reduction.Sum)).ToArbitrary(), c => RegressionChecks.LossMatchesReference(Spec, c));

    /// <summary>
    /// The reference differentiated is w·NLL with w = σ₀^(2β) fixed at the evaluation point: the weight is detached,
    /// so it contributes no derivative of its own.
    /// </summary>
    [SeededProperty(MaxTest = 60, Seed = "(9001,33333)", QuietOnSuccess = true)]
    public Property BetaNll_Gradient_MatchesFiniteDifferenceWithDetachedWeight() =>
        Prop.ForAll(GradientCases(Gen.Elements(Reduction.Sum, Reduction.Mean)).ToArbitrary(), c =>
        {
            double beta = c.Option;
            double[] weights = c.PerElement(a => Math.Pow(a[2], beta));
            double Reduced(double[] flat)
            {
                var values = c.Split(flat);
                return c.Reduce(Enumerable.Range(0, c.Count).Select(k =>
                {
                    var a = c.Arguments(k, values);
                    return RegressionReference.BetaNllFixedWeight(a[0], a[1], a[2], weights[k]);
                }).ToArray());
            }

            double magnitude = c.Reduce(c.PerElement(a => RegressionReference.BetaNllMagnitude(a[0], a[1], a[2], beta)));
            return RegressionChecks.GradientMatches(Spec, c, Reduced, magnitude);
        });

    /// <summary>∂/∂μ = −σ^(2β)(y − μ)/σ², ∂/∂σ² = σ^(2β)(1/(2σ²) − (y − μ)²/(2σ⁴)), ∂/∂y = −∂/∂μ, summed over broadcast copies.</summary>
    [SeededProperty(MaxTest = 60, Seed = "(5150,8191)", QuietOnSuccess = true)]
    public Property BetaNll_Gradient_EqualsClosedFormWithDetachedWeight() =>
        Prop.ForAll(GradientCases(Gen.Elements(Reduction.Sum, Reduction.Mean)).ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            var inputs = c.AllTensors(requiresGrad: true);
            UL.BetaNll(inputs[1], inputs[2], inputs[0], c.Option, c.Reduction).backward();
            double per = c.Reduction == Reduction.Mean ? 1.0 / c.Count : 1.0;
            var expected = c.Values.Select(v => new double[v.Length]).ToArray();
            for (int k = 0; k < c.Count; k++)
            {
                var a = c.Arguments(k);
                double dMean = RegressionReference.BetaNllMeanGradient(a[0], a[1], a[2], c.Option);
                expected[0][c.Maps[0][k]] -= per * dMean;
                expected[1][c.Maps[1][k]] += per * dMean;
                expected[2][c.Maps[2][k]] += per * RegressionReference.BetaNllVarianceGradient(a[0], a[1], a[2], c.Option);
            }

            double[] actual = inputs.SelectMany(t => Tensors.ToDoubles(t.grad!)).ToArray();
            double[] want = expected.SelectMany(v => v).ToArray();
            double largest = want.Max(Math.Abs);
            int bad = Enumerable.Range(0, want.Length).FirstOrDefault(i => !(Math.Abs(actual[i] - want[i]) <= 1e-12 * Math.Max(largest, 1)), -1);
            return RegressionVerdict.Of(bad < 0, () =>
                $"element {bad}: autograd {RegressionReference.R(actual[bad])}, closed form {RegressionReference.R(want[bad])}; {c}");
        });

    /// <summary>y = 3, μ = 0, σ² = 4, β = ½: w = 2, ∂/∂σ² = 2(1/8 − 9/32) = −0.3125 (not −0.3125 + ½·4^(−½)·NLL), ∂/∂μ = −1.5.</summary>
    [Test]
    public void BetaNll_HandComputedPoint_VarianceGradientHasNoWeightDerivative()
    {
        using var scope = NewDisposeScope();
        var y = tensor(new[] { 3.0 });
        var mean = tensor(new[] { 0.0 }).requires_grad_();
        var variance = tensor(new[] { 4.0 }).requires_grad_();
        var loss = UL.BetaNll(mean, variance, y, beta: 0.5, reduction: Reduction.Sum);
        double nll = 0.5 * Math.Log(2 * Math.PI * 4) + 9.0 / 8;
        Assert.That(loss.item<double>(), Is.EqualTo(2 * nll).Within(1e-14).Percent);
        loss.backward();
        Assert.That(variance.grad!.item<double>(), Is.EqualTo(-0.3125).Within(1e-15));
        Assert.That(mean.grad!.item<double>(), Is.EqualTo(-1.5).Within(1e-15));
        double undetached = -0.3125 + 0.5 / Math.Sqrt(4) * nll;
        Assert.That(Math.Abs(variance.grad!.item<double>() - undetached), Is.GreaterThan(0.1), "the weight's own derivative must not appear");
    }

    /// <summary>β = 1: the mean's gradient is −(y − μ), the MSE's (½(y − μ)²), whatever the variance.</summary>
    [TestCase(1e-3)]
    [TestCase(0.7)]
    [TestCase(250.0)]
    public void BetaNll_BetaOne_MeanGradientIsTheResidualWhateverTheVariance(double variance)
    {
        using var scope = NewDisposeScope();
        double[] ys = { 1.5, -2.0, 0.25 }, means = { 0.5, 1.0, 0.25 };
        var mean = tensor(means).requires_grad_();
        UL.BetaNll(mean, full(3, variance, ScalarType.Float64), tensor(ys), beta: 1.0, reduction: Reduction.Sum).backward();
        var grad = Tensors.ToDoubles(mean.grad!);
        for (int i = 0; i < 3; i++)
            Assert.That(grad[i], Is.EqualTo(-(ys[i] - means[i])).Within(1e-12), $"element {i}");
    }

    /// <summary>β = 0 is the Gaussian NLL, and equals Sculpt.Normal.LossFunction(y, μ, √σ²) (docs/sculpt.md), values and gradients.</summary>
    [Test]
    public void BetaNll_BetaZero_EqualsGaussianNllAndSculptNormal()
    {
        using var scope = NewDisposeScope();
        double[] ys = { 0.3, -4.0, 2.5, 7.0, -0.01, 1.0 }, means = { 0.0, -3.0, 2.5, -1.0, 0.02, 5.0 }, variances = { 1.0, 0.01, 3.0, 40.0, 1e-3, 0.5 };
        var y = tensor(ys);
        var mean = tensor(means).requires_grad_();
        var variance = tensor(variances).requires_grad_();
        var beta0 = UL.BetaNll(mean, variance, y, beta: 0.0, reduction: Reduction.None);
        var actual = Tensors.ToDoubles(beta0);
        for (int i = 0; i < ys.Length; i++)
            Assert.That(actual[i], Is.EqualTo(RegressionReference.GaussianNll(ys[i], means[i], variances[i])).Within(1e-12 * Math.Max(1, Math.Abs(actual[i]))), $"element {i}");

        var meanSculpt = tensor(means).requires_grad_();
        var varianceSculpt = tensor(variances).requires_grad_();
        var sculpt = Sculpt.Normal.LossFunction(y, meanSculpt, varianceSculpt.sqrt(), Reduction.None);
        Assert.That(actual, Is.EqualTo(Tensors.ToDoubles(sculpt)).AsCollection.Within(1e-12));
        beta0.sum().backward();
        sculpt.sum().backward();
        Assert.That(Tensors.ToDoubles(mean.grad!), Is.EqualTo(Tensors.ToDoubles(meanSculpt.grad!)).AsCollection.Within(1e-9));
        Assert.That(Tensors.ToDoubles(variance.grad!), Is.EqualTo(Tensors.ToDoubles(varianceSculpt.grad!)).AsCollection.Within(1e-9));
    }

    /// <summary>y (N, 1) against mean (N, 3) and variance (3): the (N, 3) output element (i, j) is the reference at (y_i, μ_ij, σ²_j).</summary>
    [Test]
    public void BetaNll_ColumnTargetAgainstMatrixMean_BroadcastsElementwise()
    {
        using var scope = NewDisposeScope();
        double[] ys = { 0.5, -1.0 }, means = { 0.0, 1.0, 2.0, -1.0, -2.0, 0.5 }, variances = { 0.25, 1.0, 9.0 };
        var loss = UL.BetaNll(tensor(means, new long[] { 2, 3 }), tensor(variances), tensor(ys, new long[] { 2, 1 }), beta: 0.5, reduction: Reduction.None);
        Assert.That(loss.shape, Is.EqualTo(new long[] { 2, 3 }));
        var actual = Tensors.ToDoubles(loss);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                Assert.That(actual[3 * i + j], Is.EqualTo(RegressionReference.BetaNll(ys[i], means[3 * i + j], variances[j], 0.5)).Within(1e-10).Percent, $"({i}, {j})");
    }

    /// <summary>Half-precision inputs compute (and return) Float32 (docs/sculpt.md: Float64 if any input is, else Float32).</summary>
    [Test]
    public void BetaNll_Float16Inputs_ReturnsFloat32MatchingReference()
    {
        using var scope = NewDisposeScope();
        double[] ys = { 0.5, -1.25, 2.0 }, means = { 0.25, -1.0, 0.0 }, variances = { 0.5, 2.0, 4.0 };
        var loss = UL.BetaNll(tensor(means).to(ScalarType.Float16), tensor(variances).to(ScalarType.Float16), tensor(ys).to(ScalarType.Float16), reduction: Reduction.None);
        Assert.That(loss.dtype, Is.EqualTo(ScalarType.Float32));
        var actual = Tensors.ToDoubles(loss);
        for (int i = 0; i < 3; i++)
            Assert.That(actual[i], Is.EqualTo(RegressionReference.BetaNll(ys[i], means[i], variances[i], 0.5)).Within(1e-5 * Math.Max(1, Math.Abs(actual[i]))), $"element {i}");
    }

    [SeededProperty(MaxTest = 200, Seed = "(606060,123457)", QuietOnSuccess = true)]
    public Property BetaNll_RandomShapes_AcceptsExactlyWhatBroadcastsToMeansShape() =>
        Prop.ForAll(RegressionGens.IndependentShapes(3).ToArbitrary(), shapes => RegressionChecks.ShapeRuleHolds(
            shapes, new[] { "target", "mean", "variance" }, 1, new[] { 0.5, 0.0, 2.0 }, t => UL.BetaNll(t[1], t[2], t[0], reduction: Reduction.None)));

    public static IEnumerable<RegressionBadInput> BadInputs()
    {
        RegressionBadInput Row(string name, Func<Tensor?[]> make, Type exception, string param, double beta = 0.5, Reduction reduction = Reduction.Mean, params string[] parts) =>
            new(name, make, t => UL.BetaNll(t[1]!, t[2]!, t[0]!, beta, reduction), exception, param, parts);

        Tensor V(params long[] shape) => BadTensors.Valid(shape);
        var ane = typeof(ArgumentNullException);
        var ae = typeof(ArgumentException);
        var aoor = typeof(ArgumentOutOfRangeException);

        yield return Row("target null", () => new[] { null, V(3), V(3) }, ane, "target");
        yield return Row("mean null", () => new[] { V(3), null, V(3) }, ane, "mean");
        yield return Row("variance null", () => new[] { V(3), V(3), null }, ane, "variance");
        yield return Row("target Int64", () => new[] { BadTensors.Integer(ScalarType.Int64, 3), V(3), V(3) }, ae, "target", parts: "Int64");
        yield return Row("mean Int32", () => new[] { V(3), BadTensors.Integer(ScalarType.Int32, 3), V(3) }, ae, "mean", parts: "Int32");
        yield return Row("variance Bool", () => new[] { V(3), V(3), BadTensors.Integer(ScalarType.Bool, 3) }, ae, "variance", parts: "Bool");
        yield return Row("target disposed", () => new[] { BadTensors.Disposed(3), V(3), V(3) }, ae, "target", parts: "disposed");
        yield return Row("mean disposed", () => new[] { V(3), BadTensors.Disposed(3), V(3) }, ae, "mean", parts: "disposed");
        yield return Row("variance disposed", () => new[] { V(3), V(3), BadTensors.Disposed(3) }, ae, "variance", parts: "disposed");
        yield return Row("target [3] vs mean [4]", () => new[] { V(3), V(4), V(3) }, ae, "target", parts: new[] { "[3]", "[4]" });
        yield return Row("variance [2] vs mean [2, 3]", () => new[] { V(3), V(2, 3), V(2) }, ae, "variance", parts: new[] { "[2, 3]", "[2]" });
        yield return Row("variance [4, 3] vs mean [2, 1]", () => new[] { V(1), V(2, 1), V(4, 3) }, ae, "variance", parts: new[] { "[2, 1]", "[4, 3]" });
        yield return Row("variance zero", () => new[] { V(4), V(4), BadTensors.OneBad(1.0, 0.0) }, ae, "variance", parts: "positive");
        yield return Row("variance negative", () => new[] { V(4), V(4), BadTensors.OneBad(1.0, -2.0) }, ae, "variance", parts: "-2");
        yield return Row("variance NaN", () => new[] { V(4), V(4), BadTensors.OneBad(1.0, double.NaN) }, ae, "variance", parts: "NaN");
        yield return Row("variance −∞", () => new[] { V(4), V(4), BadTensors.OneBad(1.0, double.NegativeInfinity, ScalarType.Float32) }, ae, "variance");
        yield return Row("beta negative", () => new[] { V(3), V(3), V(3) }, aoor, "beta", beta: -0.5);
        yield return Row("beta NaN", () => new[] { V(3), V(3), V(3) }, aoor, "beta", beta: double.NaN);
        yield return Row("beta +∞", () => new[] { V(3), V(3), V(3) }, aoor, "beta", beta: double.PositiveInfinity);
        yield return Row("beta −∞", () => new[] { V(3), V(3), V(3) }, aoor, "beta", beta: double.NegativeInfinity);
        yield return Row("reduction undefined", () => new[] { V(3), V(3), V(3) }, aoor, "reduction", reduction: (Reduction)7);
    }

    [TestCaseSource(nameof(BadInputs))]
    public void BetaNll_BadInput_ThrowsExactArgumentExceptionNamingIt(RegressionBadInput row) => row.AssertRejected();

    public static IEnumerable<TestCaseData> MemoryCases()
    {
        foreach (var reduction in new[] { Reduction.None, Reduction.Mean, Reduction.Sum })
        {
            yield return new TestCaseData("Float32", reduction);
            yield return new TestCaseData("Float64 requires grad", reduction);
            yield return new TestCaseData("broadcast mixed dtypes", reduction);
            yield return new TestCaseData("Float16", reduction);
        }
    }

    internal static Tensor[] MemoryInputs(string kind) => kind switch
    {
        "Float32" => new[] { Make(new[] { 0.5, 1.0, -2.0 }, ScalarType.Float32), Make(new[] { 0.0, 1.5, -1.0 }, ScalarType.Float32), Make(new[] { 1.0, 0.5, 2.0 }, ScalarType.Float32) },
        "Float64 requires grad" => new[] { Make(new[] { 0.5, 1.0, -2.0 }, ScalarType.Float64), Make(new[] { 0.0, 1.5, -1.0 }, ScalarType.Float64).requires_grad_(), Make(new[] { 1.0, 0.5, 2.0 }, ScalarType.Float64).requires_grad_() },
        "broadcast mixed dtypes" => new[] { Make(new[] { 0.5, 1.0 }, ScalarType.Float32, 2, 1), Make(new[] { 0.0, 1.5, -1.0, 2.0, 0.25, -0.5 }, ScalarType.Float64, 2, 3), Make(new[] { 1.0, 0.5, 2.0 }, ScalarType.Float32) },
        "Float16" => new[] { Make(new[] { 0.5, 1.0, -2.0 }, ScalarType.Float16), Make(new[] { 0.0, 1.5, -1.0 }, ScalarType.Float16), Make(new[] { 1.0, 0.5, 2.0 }, ScalarType.Float16).requires_grad_() },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    internal static Tensor Make(double[] values, ScalarType dtype, params long[] shape) =>
        Tensors.FromDoubles(values, shape.Length == 0 ? new long[] { values.Length } : shape, dtype);

    [TestCaseSource(nameof(MemoryCases))]
    public void BetaNll_AnyInputs_LeavesOnlyItsResultAlive(string kind, Reduction reduction) =>
        RegressionMemory.AssertLeavesOnlyResults(() => MemoryInputs(kind), t => new[] { UL.BetaNll(t[1], t[2], t[0], 0.5, reduction) }, 1);
}
