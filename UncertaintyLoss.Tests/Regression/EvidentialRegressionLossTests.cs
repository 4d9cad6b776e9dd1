using MathNet.Numerics;

namespace UncertaintyLoss.Tests.Regression;

/// <summary>
/// <see cref="UL.EvidentialRegressionLoss"/>: the NIG NLL is −ln StudentT(y; γ, √(β(1+ν)/(να)), 2α) (MathNet), plus
/// λ|y − γ|(2ν + α); the Student-t marginal itself is checked once against quadrature of the NIG model.
/// </summary>
[TestFixture]
public sealed class EvidentialRegressionLossTests
{
    /// <summary>Inputs (y, γ, ν, α, β); option λ.</summary>
    internal static readonly RegressionLossSpec Spec = new(
        "EvidentialRegressionLoss",
        (t, c) => UL.EvidentialRegressionLoss(t[1], t[2], t[3], t[4], t[0], c.Option, c.Reduction),
        (a, lambda) => RegressionReference.NigNllStudentT(a[0], a[1], a[2], a[3], a[4]) + lambda * RegressionReference.NigRegularizer(a[0], a[1], a[2], a[3]),
        (a, lambda) => RegressionReference.NigNllMagnitude(a[0], a[1], a[2], a[3], a[4]) + lambda * RegressionReference.NigRegularizer(a[0], a[1], a[2], a[3]));

    private static readonly Gen<double> RegFactors = Gen.Frequency(
        (2, Gen.Constant(0.0)), (1, Gen.Constant(0.01)), (1, Gen.Constant(0.1)), (2, RegressionGens.Uniform(0, 1)));

    private static Gen<double> Alpha(double lo10, double hi10) => RegressionGens.LogUniform(lo10, hi10).Select(a => 1 + a);

    private static Gen<BroadcastCase> Cases(Gen<Reduction> reductions) => RegressionGens.Cases(
        new[]
        {
            RegressionGens.Uniform(-10, 10), RegressionGens.Uniform(-10, 10), RegressionGens.LogUniform(-3, 3), Alpha(-3, 1.7), RegressionGens.LogUniform(-3, 3),
        },
        1, RegressionGens.Dtypes(5), reductions, RegFactors);

    /// <summary>
    /// y = k + u, u ∈ [0, 0.4], γ = m + v, v ∈ [0.5, 0.9] (k, m integers): |y − γ| ≥ 0.1 for every pair, far from the kink
    /// of the regulariser; ν, β ∈ [0.1, 100], α ∈ [1.1, 21], so that the differences' steps stay inside the domain.
    /// </summary>
    private static Gen<BroadcastCase> GradientCases(Gen<Reduction> reductions) => RegressionGens.Cases(
        new[]
        {
            from k in Gen.Choose(-6, 5) from u in RegressionGens.Uniform(0, 0.4) select k + u,
            from m in Gen.Choose(-6, 5) from v in RegressionGens.Uniform(0.5, 0.9) select m + v,
            RegressionGens.LogUniform(-1, 2), Alpha(-1, 1.3), RegressionGens.LogUniform(-1, 2),
        },
        1, RegressionGens.Float64(5), reductions, RegFactors);

    [SeededProperty(MaxTest = 150, Seed = "(120457,77777)", QuietOnSuccess = true)]
    public Property EvidentialRegressionLoss_ReductionNoneRandomBroadcastInputs_MatchesStudentTReferencePerElement() =>
        Prop.ForAll(Cases(Gen.Constant(Reduction.None)).ToArbitrary(), c => RegressionChecks.LossMatchesReference(Spec, c));

    [SeededProperty(MaxTest = 100, Seed = "(31337,12345)", QuietOnSuccess = true)]
    public Property EvidentialRegressionLoss_ReductionMeanOrSum_MatchesReducedReference() =>
        Prop.ForAll(Cases(Gen.Elements(Reduction.Mean, Reduction.Sum)).ToArbitrary(), c => RegressionChecks.LossMatchesReference(Spec, c));

    /// <summary>Float64 autograd gradient w.r.t. y, γ, ν, α and β against differences of the closed form (GammaLn).</summary>
    [SeededProperty(MaxTest = 60, Seed = "(271828,31415)", QuietOnSuccess = true)]
    public Property EvidentialRegressionLoss_Gradient_MatchesFiniteDifferenceOfReference() =>
        Prop.ForAll(GradientCases(Gen.Elements(Reduction.Sum, Reduction.Mean)).ToArbitrary(), c =>
        {
            double lambda = c.Option;
            double Element(double[] a) =>
                RegressionReference.NigNllClosedForm(a[0], a[1], a[2], a[3], a[4]) + lambda * RegressionReference.NigRegularizer(a[0], a[1], a[2], a[3]);
            double Reduced(double[] flat) => c.Reduce(c.PerElement(Element, c.Split(flat)));
            double magnitude = c.Reduce(c.PerElement(a => Spec.Magnitude(a, lambda)));
            return RegressionChecks.GradientMatches(Spec, c, Reduced, magnitude);
        });

    /// <summary>The two references agree: Amini et al.'s closed form (GammaLn) is −ln of MathNet's Student-t density.</summary>
    [SeededProperty(MaxTest = 200, Seed = "(4242,4243)", QuietOnSuccess = true)]
    public Property Reference_AminiClosedForm_EqualsMathNetStudentT() =>
        Prop.ForAll(Cases(Gen.Constant(Reduction.None)).Select(c => c.With(dtype: ScalarType.Float64)).ToArbitrary(), c =>
        {
            double[] closed = c.PerElement(a => RegressionReference.NigNllClosedForm(a[0], a[1], a[2], a[3], a[4]));
            double[] studentT = c.PerElement(a => RegressionReference.NigNllStudentT(a[0], a[1], a[2], a[3], a[4]));
            double[] magnitude = c.PerElement(a => RegressionReference.NigNllMagnitude(a[0], a[1], a[2], a[3], a[4]));
            int bad = Enumerable.Range(0, closed.Length).FirstOrDefault(i => !(Math.Abs(closed[i] - studentT[i]) <= 1e-12 * Math.Max(1, magnitude[i])), -1);
            return RegressionVerdict.Of(bad < 0, () => $"element {bad}: closed form {RegressionReference.R(closed[bad])}, Student-t {RegressionReference.R(studentT[bad])}; {c}");
        });

    /// <summary>
    /// The marginal is what the model says: exp(−NLL) equals ∫∫ N(y; μ, σ²) N(μ; γ, σ²/ν) InvGamma(σ²; α, β) dμ dσ²
    /// by quadrature (MathNet's InverseGamma and Normal), to 1e-8 relative.
    /// </summary>
    [TestCase(0.3, 0.0, 1.0, 2.0, 1.0)]
    [TestCase(-1.7, 0.4, 0.25, 1.5, 0.6)]
    [TestCase(2.0, -0.5, 5.0, 3.5, 2.5)]
    [TestCase(0.05, 0.0, 0.1, 1.2, 0.05)]
    public void EvidentialRegressionLoss_Nll_EqualsMinusLogOfNigMarginalByQuadrature(double y, double gamma, double nu, double alpha, double beta)
    {
        double marginal = RegressionReference.NigMarginalByQuadrature(y, gamma, nu, alpha, beta);
        using var scope = NewDisposeScope();
        double nll = UL.EvidentialRegressionLoss(tensor(new[] { gamma }), tensor(new[] { nu }), tensor(new[] { alpha }), tensor(new[] { beta }), tensor(new[] { y })).item<double>();
        Assert.That(Math.Exp(-nll), Is.EqualTo(marginal).Within(1e-8).Percent);
        Assert.That(nll, Is.EqualTo(RegressionReference.NigNllStudentT(y, gamma, nu, alpha, beta)).Within(1e-12 * Math.Max(1, Math.Abs(nll))));
    }

    /// <summary>
    /// exp(−NLL) of the library is a density in y: it integrates to 1. With y = γ + s√(2α)·tan θ the integrand is
    /// proportional to cos^(2α−1) θ, smooth enough for the midpoint rule on (−π/2, π/2).
    /// </summary>
    [TestCase(0.3, 0.7, 2.5, 1.3)]
    [TestCase(-2.0, 20.0, 1.5, 0.01)]
    [TestCase(5.0, 0.05, 3.3, 40.0)]
    public void EvidentialRegressionLoss_ExpMinusNll_IntegratesToOneOverY(double gamma, double nu, double alpha, double beta)
    {
        double s = RegressionReference.StudentTScale(nu, alpha, beta) * Math.Sqrt(2 * alpha);
        const int nodes = 2001;
        var thetas = Enumerable.Range(0, nodes).Select(i => Math.PI * ((i + 0.5) / nodes - 0.5)).ToArray();
        using var scope = NewDisposeScope();
        var ys = tensor(thetas.Select(t => gamma + s * Math.Tan(t)).ToArray());
        var nll = Tensors.ToDoubles(UL.EvidentialRegressionLoss(full(nodes, gamma, ScalarType.Float64), tensor(nu), tensor(alpha), tensor(beta), ys, reduction: Reduction.None));
        double integral = RegressionReference.Sum(thetas.Select((t, i) => Math.Exp(-nll[i]) * s / (Math.Cos(t) * Math.Cos(t)))) * Math.PI / nodes;
        Assert.That(integral, Is.EqualTo(1.0).Within(1e-9));
    }

    /// <summary>L(λ) − L(0) = λ|y − γ|(2ν + α) elementwise.</summary>
    [Test]
    public void EvidentialRegressionLoss_RegFactor_AddsLambdaTimesErrorTimesEvidence()
    {
        using var scope = NewDisposeScope();
        double[] ys = { 1.0, -2.0, 0.5, 3.0 }, gammas = { 0.0, -2.0, 1.5, -1.0 }, nus = { 0.5, 2.0, 10.0, 0.01 }, alphas = { 1.5, 3.0, 1.01, 7.0 }, betas = { 1.0, 0.2, 4.0, 0.3 };
        var args = new[] { ys, gammas, nus, alphas, betas }.Select(v => tensor(v)).ToArray();
        var plain = Tensors.ToDoubles(UL.EvidentialRegressionLoss(args[1], args[2], args[3], args[4], args[0], 0.0, Reduction.None));
        var regularised = Tensors.ToDoubles(UL.EvidentialRegressionLoss(args[1], args[2], args[3], args[4], args[0], 0.3, Reduction.None));
        for (int i = 0; i < ys.Length; i++)
            Assert.That(regularised[i] - plain[i], Is.EqualTo(0.3 * Math.Abs(ys[i] - gammas[i]) * (2 * nus[i] + alphas[i])).Within(1e-12), $"element {i}");
        Assert.That(regularised[1], Is.EqualTo(plain[1]), "no penalty where y = γ");
    }

    /// <summary>y (N, 1) against NIG parameters (N, 3): output (N, 3), element (i, j) the reference at y_i and the (i, j) parameters.</summary>
    [Test]
    public void EvidentialRegressionLoss_ColumnTargetAgainstMatrixParameters_BroadcastsElementwise()
    {
        using var scope = NewDisposeScope();
        double[] ys = { 0.5, -1.0 };
        double[] gammas = { 0.0, 1.0, 2.0, -1.0, -2.0, 0.5 }, nus = { 0.5, 1.0, 3.0, 0.1, 10.0, 2.0 }, alphas = { 1.5, 2.0, 5.0, 1.1, 3.0, 20.0 }, betas = { 0.3, 1.0, 2.0, 0.05, 4.0, 1.5 };
        var shape = new long[] { 2, 3 };
        var loss = UL.EvidentialRegressionLoss(tensor(gammas, shape), tensor(nus, shape), tensor(alphas, shape), tensor(betas, shape), tensor(ys, new long[] { 2, 1 }),
            regFactor: 0.05, reduction: Reduction.None);
        Assert.That(loss.shape, Is.EqualTo(shape));
        var actual = Tensors.ToDoubles(loss);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
            {
                int k = 3 * i + j;
                double want = RegressionReference.NigNllStudentT(ys[i], gammas[k], nus[k], alphas[k], betas[k]) + 0.05 * RegressionReference.NigRegularizer(ys[i], gammas[k], nus[k], alphas[k]);
                Assert.That(actual[k], Is.EqualTo(want).Within(1e-10 * Math.Max(1, Math.Abs(want))), $"({i}, {j})");
            }
    }

    [SeededProperty(MaxTest = 200, Seed = "(707070,98765)", QuietOnSuccess = true)]
    public Property EvidentialRegressionLoss_RandomShapes_AcceptsExactlyWhatBroadcastsToGammasShape() =>
        Prop.ForAll(RegressionGens.IndependentShapes(5).ToArbitrary(), shapes => RegressionChecks.ShapeRuleHolds(
            shapes, new[] { "target", "gamma", "nu", "alpha", "beta" }, 1, new[] { 0.5, 0.0, 1.0, 2.0, 0.5 },
            t => UL.EvidentialRegressionLoss(t[1], t[2], t[3], t[4], t[0], 0.01, Reduction.None)));

    public static IEnumerable<RegressionBadInput> BadInputs()
    {
        RegressionBadInput Row(string name, Func<Tensor?[]> make, Type exception, string param, double regFactor = 0.0, Reduction reduction = Reduction.Mean, params string[] parts) =>
            new(name, make, t => UL.EvidentialRegressionLoss(t[1]!, t[2]!, t[3]!, t[4]!, t[0]!, regFactor, reduction), exception, param, parts);

        Tensor V(params long[] shape) => BadTensors.Valid(shape);
        Tensor A(params long[] shape) => full(shape, 2.0, ScalarType.Float32);
        Tensor?[] Valid() => new[] { V(4), V(4), V(4), A(4), V(4) };
        Tensor?[] With(int index, Tensor? bad)
        {
            var t = Valid();
            t[index]?.Dispose();
            t[index] = bad;
            return t;
        }

        var names = new[] { "target", "gamma", "nu", "alpha", "beta" };
        var ane = typeof(ArgumentNullException);
        var ae = typeof(ArgumentException);
        var aoor = typeof(ArgumentOutOfRangeException);

        for (int i = 0; i < names.Length; i++)
        {
            int k = i;
            yield return Row($"{names[k]} null", () => With(k, null), ane, names[k]);
            yield return Row($"{names[k]} Int64", () => With(k, BadTensors.Integer(ScalarType.Int64, 4)), ae, names[k], parts: "Int64");
            yield return Row($"{names[k]} disposed", () => With(k, BadTensors.Disposed(4)), ae, names[k], parts: "disposed");
            if (k > 0)
                yield return Row($"{names[k]} [3] vs [4]", () => With(k, k == 3 ? A(3) : V(3)), ae, k == 1 ? "target" : names[k], parts: new[] { "[4]", "[3]" });
        }

        yield return Row("target Int32", () => With(0, BadTensors.Integer(ScalarType.Int32, 4)), ae, "target", parts: "Int32");
        yield return Row("beta [2, 3] vs gamma [3, 3]", () => new[] { V(3, 1), V(3, 3), V(3, 1), A(1, 3), V(2, 3) }, ae, "beta", parts: new[] { "[3, 3]", "[2, 3]" });
        yield return Row("nu zero", () => With(2, BadTensors.OneBad(0.5, 0.0)), ae, "nu", parts: "positive");
        yield return Row("nu negative", () => With(2, BadTensors.OneBad(0.5, -1.0)), ae, "nu", parts: "-1");
        yield return Row("nu NaN", () => With(2, BadTensors.OneBad(0.5, double.NaN)), ae, "nu", parts: "NaN");
        yield return Row("alpha one", () => With(3, BadTensors.OneBad(2.0, 1.0)), ae, "alpha", parts: "exceed 1");
        yield return Row("alpha below one", () => With(3, BadTensors.OneBad(2.0, 0.5)), ae, "alpha", parts: "0.5");
        yield return Row("alpha NaN", () => With(3, BadTensors.OneBad(2.0, double.NaN)), ae, "alpha", parts: "NaN");
        yield return Row("beta zero", () => With(4, BadTensors.OneBad(0.5, 0.0)), ae, "beta", parts: "positive");
        yield return Row("beta negative", () => With(4, BadTensors.OneBad(0.5, -3.0)), ae, "beta", parts: "-3");
        yield return Row("beta NaN", () => With(4, BadTensors.OneBad(0.5, double.NaN)), ae, "beta", parts: "NaN");
        yield return Row("regFactor negative", Valid, aoor, "regFactor", regFactor: -0.01);
        yield return Row("regFactor NaN", Valid, aoor, "regFactor", regFactor: double.NaN);
        yield return Row("regFactor +∞", Valid, aoor, "regFactor", regFactor: double.PositiveInfinity);
        yield return Row("reduction undefined", Valid, aoor, "reduction", reduction: (Reduction)(-1));
    }

    [TestCaseSource(nameof(BadInputs))]
    public void EvidentialRegressionLoss_BadInput_ThrowsExactArgumentExceptionNamingIt(RegressionBadInput row) => row.AssertRejected();

    public static IEnumerable<TestCaseData> MemoryCases()
    {
        foreach (var reduction in new[] { Reduction.None, Reduction.Mean, Reduction.Sum })
            foreach (var kind in NigMemoryKinds)
                yield return new TestCaseData(kind, reduction);
    }

    public static readonly string[] NigMemoryKinds = { "Float32", "Float64 requires grad", "broadcast mixed dtypes", "Float16" };

    /// <summary>(y, γ, ν, α, β) for a memory variant.</summary>
    internal static Tensor[] MemoryInputs(string kind)
    {
        double[] y = { 0.5, 1.0, -2.0 }, g = { 0.0, 1.5, -1.0 }, n = { 1.0, 0.5, 2.0 }, a = { 1.5, 3.0, 2.0 }, b = { 0.5, 0.25, 1.0 };
        return kind switch
        {
            "Float32" => new[] { y, g, n, a, b }.Select(v => BetaNllTests.Make(v, ScalarType.Float32)).ToArray(),
            "Float64 requires grad" => new[] { y, g, n, a, b }.Select((v, i) => i == 0 ? BetaNllTests.Make(v, ScalarType.Float64) : BetaNllTests.Make(v, ScalarType.Float64).requires_grad_()).ToArray(),
            "broadcast mixed dtypes" => new[]
            {
                BetaNllTests.Make(new[] { 0.5, -1.0 }, ScalarType.Float32, 2, 1), BetaNllTests.Make(g.Concat(g).ToArray(), ScalarType.Float64, 2, 3), BetaNllTests.Make(n, ScalarType.Float32).requires_grad_(),
                BetaNllTests.Make(new[] { 2.0 }, ScalarType.Float32), BetaNllTests.Make(b.Concat(b).ToArray(), ScalarType.Float32, 2, 3),
            },
            "Float16" => new[] { y, g, n, a, b }.Select(v => BetaNllTests.Make(v, ScalarType.Float16)).ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    [TestCaseSource(nameof(MemoryCases))]
    public void EvidentialRegressionLoss_AnyInputs_LeavesOnlyItsResultAlive(string kind, Reduction reduction) =>
        RegressionMemory.AssertLeavesOnlyResults(() => MemoryInputs(kind), t => new[] { UL.EvidentialRegressionLoss(t[1], t[2], t[3], t[4], t[0], 0.01, reduction) }, 1);
}
