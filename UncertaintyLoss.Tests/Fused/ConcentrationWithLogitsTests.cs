using UncertaintyLoss.Internal;
using UncertaintyLoss.Internal.Fused;

namespace UncertaintyLoss.Tests.Fused;

/// <summary>
/// The losses on the concentration α from logits: <see cref="UL.BeliefMatchingLossWithLogits"/> (issue 18, third session)
/// and <see cref="UL.PriorNetworkLossWithLogits"/> (fourth session), the activation inside the fused pass. Their own fixture
/// because α must be &gt; 0: only <see cref="EvidenceActivation.Exp"/> and <see cref="EvidenceActivation.Softplus"/> give a
/// valid α for every finite logit, which the shared <see cref="WithLogitsTests"/> cases (every activation, zero logits) do
/// not allow. Against the two-step form <c>UL.…Loss(UL.ToEvidence(logits))</c>: to rounding on the fused path, exactly on
/// the composed path; the gradient by central differences; α = 0 from relu reported against the logits; the module's path.
/// The Prior Network cases mark every fifth position out of distribution (index targets) or zero the first sample's rows
/// (probability targets).
/// </summary>
[TestFixture]
public class ConcentrationWithLogitsTests
{
    private const double Clamp = 3.5;

    /// <summary>The Prior Network cases' out-of-distribution marker: not the cases' ignore indices (−1, −100).</summary>
    private const long OutOfDistributionIndex = -7;

    /// <summary>The Prior Network cases' target concentration τ (not a binary fraction).</summary>
    private const double TargetConcentration = 12.7;

    private static readonly FusedLossUnderTest[] Losses = { FusedLossUnderTest.BeliefMatching, FusedLossUnderTest.PriorNetwork };

    public static IEnumerable<TestCaseData> Cases()
    {
        int seed = 500;
        foreach (var loss in Losses)
        foreach (var activation in new[] { EvidenceActivation.Exp, EvidenceActivation.Softplus })
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        foreach (var shape in new[] { new long[] { 6, 4 }, new long[] { 9, 13 }, new long[] { 2, 3, 5, 3 } })
        foreach (bool soft in new[] { false, true })
        {
            seed++;
            var c = new WithLogitsTests.Case(loss, activation, dtype, shape, (Reduction)(seed % 3),
                Weighted: !soft && seed % 2 == 0, Ignore: !soft && seed % 4 < 2, seed, soft);
            yield return new TestCaseData(c).SetArgDisplayNames(c.ToString());
        }
    }

    private static Tensor WithLogits(WithLogitsTests.Case c, Tensor x, Tensor y, Tensor? w) => c.Loss == FusedLossUnderTest.PriorNetwork
        ? UL.PriorNetworkLossWithLogits(x, y, TargetConcentration, c.Reduction, w, c.IgnoreIndex, OutOfDistributionIndex, c.Activation, Clamp)
        : UL.BeliefMatchingLossWithLogits(x, y, 0.5, FusedCases.DefaultPriorConcentration, c.Reduction, w, c.IgnoreIndex, c.Activation, Clamp);

    private static Tensor TwoStep(WithLogitsTests.Case c, Tensor x, Tensor y, Tensor? w) => c.Loss == FusedLossUnderTest.PriorNetwork
        ? UL.PriorNetworkLoss(UL.ToEvidence(x, c.Activation, Clamp), y, TargetConcentration, c.Reduction, w, c.IgnoreIndex, OutOfDistributionIndex)
        : UL.BeliefMatchingLoss(UL.ToEvidence(x, c.Activation, Clamp), y, 0.5, FusedCases.DefaultPriorConcentration, c.Reduction, w, c.IgnoreIndex);

    /// <summary>The case's target; for the Prior Network loss with out-of-distribution positions (see the class summary).</summary>
    private static Tensor Target(WithLogitsTests.Case c)
    {
        if (c.Loss != FusedLossUnderTest.PriorNetwork)
            return c.TargetTensor();
        if (c.Soft)
        {
            using var scope = NewDisposeScope();
            var y = c.TargetTensor();
            return y.index_fill(0, tensor(new long[] { 0 }), 0.0).MoveToOuterDisposeScope();
        }

        var t = c.Target().Select((v, p) => p % 5 == 2 && v != c.IgnoreIndex ? OutOfDistributionIndex : v).ToArray();
        return Tensors.FromLongs(t, c.PositionShape);
    }

    private static (double[] Output, double[] Gradient, long Jobs) Run(WithLogitsTests.Case c, KernelPath path, bool twoStep)
    {
        using var scope = NewDisposeScope();
        using var force = Kernels.Force(path);
        var x = Tensors.FromDoubles(c.Logits(), c.Shape, c.Dtype).requires_grad_();
        var y = Target(c);
        var w = c.Weight() is { } weight ? Tensors.FromDoubles(weight, new[] { c.Classes }, c.Dtype) : null;
        long jobs = FusedDirichlet.JobsStarted;
        var output = twoStep ? TwoStep(c, x, y, w) : WithLogits(c, x, y, w);
        jobs = FusedDirichlet.JobsStarted - jobs;
        var gradOutput = Tensors.FromDoubles(Enumerable.Range(0, (int)output.numel()).Select(i => 0.75 + 0.1 * i).ToArray(), output.shape, c.Dtype);
        output.backward(new[] { gradOutput });
        return (Tensors.ToDoubles(output), Tensors.ToDoubles(x.grad!), jobs);
    }

    private static void AssertClose(string what, double[] actual, double[] expected, double rtol, double floor)
    {
        double largest = expected.Select(Math.Abs).DefaultIfEmpty(0).Max();
        for (int i = 0; i < expected.Length; i++)
        {
            double scale = Math.Max(Math.Abs(expected[i]), floor * largest);
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(rtol * scale + double.Epsilon), $"{what}[{i}]");
        }
    }

    /// <summary>The fused pass (one job, no composed activation) equals the two-step form to the dtype's rounding; Float32
    /// gradient elements compared relative to the largest (the two-step form's α carries Float32 rounding).</summary>
    [TestCaseSource(nameof(Cases))]
    public void FusedPath_EqualsTwoStepToRounding(WithLogitsTests.Case c)
    {
        var got = Run(c, KernelPath.Fused, twoStep: false);
        var want = Run(c, KernelPath.Fused, twoStep: true);
        Assert.That(got.Jobs, Is.EqualTo(1), "one fused job");
        double rtol = Tolerance.Relative(c.Dtype);
        AssertClose("output", got.Output, want.Output, rtol, 1e-6);
        AssertClose("gradient", got.Gradient, want.Gradient, rtol, c.Dtype == ScalarType.Float32 ? 1.0 : 1e-6);
    }

    /// <summary>On the composed path the function is the two calls: bitwise equal.</summary>
    [TestCaseSource(nameof(Cases))]
    public void ComposedPath_EqualsTwoStepExactly(WithLogitsTests.Case c)
    {
        var got = Run(c, KernelPath.Composed, twoStep: false);
        var want = Run(c, KernelPath.Composed, twoStep: true);
        Assert.That(got.Jobs, Is.EqualTo(0));
        Assert.That(got.Output, Is.EqualTo(want.Output).AsCollection, "output");
        Assert.That(got.Gradient, Is.EqualTo(want.Gradient).AsCollection, "gradient");
    }

    /// <summary>Float64: the fused logits' gradient against Richardson-extrapolated central differences of the fused loss
    /// (Σ reduction, logits kept 0.05 away from the clamp's bounds).</summary>
    [Test]
    public void FusedGradient_MatchesCentralDifferences([ValueSource(nameof(Losses))] FusedLossUnderTest loss,
        [Values(EvidenceActivation.Exp, EvidenceActivation.Softplus)] EvidenceActivation activation, [Values(false, true)] bool soft)
    {
        var c = new WithLogitsTests.Case(loss, activation, ScalarType.Float64, new long[] { 3, 4 }, Reduction.Sum,
            Weighted: !soft, Ignore: false, 7, soft);
        var x0 = c.Logits().Select(v => Math.Abs(Math.Abs(v) - Clamp) < 0.05 ? v + 0.2 : v).ToArray();
        using var scope = NewDisposeScope();
        using var force = Kernels.Force(KernelPath.Fused);
        var y = Target(c);
        var w = c.Weight() is { } weight ? Tensors.FromDoubles(weight, new[] { c.Classes }, c.Dtype) : null;
        double Value(double[] x)
        {
            using var inner = NewDisposeScope();
            return WithLogits(c, Tensors.FromDoubles(x, c.Shape, c.Dtype), y, w).item<double>();
        }

        var xt = Tensors.FromDoubles(x0, c.Shape, c.Dtype).requires_grad_();
        WithLogits(c, xt, y, w).backward();
        var grad = Tensors.ToDoubles(xt.grad!);
        double scale = grad.Max(Math.Abs);
        for (int i = 0; i < x0.Length; i++)
        {
            double Diff(double h)
            {
                var plus = (double[])x0.Clone();
                var minus = (double[])x0.Clone();
                plus[i] += h;
                minus[i] -= h;
                return (Value(plus) - Value(minus)) / (2 * h);
            }

            double richardson = (4 * Diff(1e-4) - Diff(2e-4)) / 3;
            Assert.That(grad[i], Is.EqualTo(richardson).Within(1e-7 * scale), $"gradient[{i}]");
        }
    }

    /// <summary>
    /// Non-finite logits on both paths. NaN: rejected against the logits before any fused job while the value checks are on,
    /// a NaN loss at that position (finite elsewhere) while they are off. ±∞: exp's clamp gives α = e^∓clamp, a finite loss
    /// and a finite gradient (0 at the clamped logits, as <c>torch.clamp</c>'s), the same on both paths.
    /// </summary>
    [Test]
    public void NonFiniteLogits_AsTheComposedPath([ValueSource(nameof(Losses))] FusedLossUnderTest loss, [Values] bool fused)
    {
        using var scope = NewDisposeScope();
        using var force = Kernels.Force(fused ? KernelPath.Fused : KernelPath.Composed);
        var c = new WithLogitsTests.Case(loss, EvidenceActivation.Exp, ScalarType.Float64, new long[] { 2, 3 }, Reduction.None,
            Weighted: false, Ignore: false, 3);
        var y = Tensors.FromLongs(new long[] { 0, 2 }, new long[] { 2 });
        var nan = Tensors.FromDoubles(new[] { 0.5, double.NaN, 2.0, 1.0, 0.25, 3.0 }, new long[] { 2, 3 }, ScalarType.Float64);
        long jobs = FusedDirichlet.JobsStarted;
        var e = Assert.Throws<ArgumentException>(() => WithLogits(c, nan, y, null));
        Assert.That(e!.ParamName, Is.EqualTo("logits"));
        Assert.That(FusedDirichlet.JobsStarted, Is.EqualTo(jobs), "no fused job");
        using (UL.ValidationScope(validateValues: false))
        {
            var none = Tensors.ToDoubles(WithLogits(c, nan, y, null));
            Assert.That(none[0], Is.NaN);
            Assert.That(double.IsFinite(none[1]), Is.True);
        }

        var x = Tensors.FromDoubles(new[] { double.PositiveInfinity, -1.0, double.NegativeInfinity, 0.5, double.NegativeInfinity, 1.5 },
            new long[] { 2, 3 }, ScalarType.Float64).requires_grad_();
        var value = WithLogits(c, x, y, null);
        value.sum().backward();
        Assert.That(Tensors.ToDoubles(value).All(double.IsFinite), Is.True, "loss");
        var grad = Tensors.ToDoubles(x.grad!);
        Assert.That(grad.All(double.IsFinite), Is.True, "gradient");
        Assert.That(new[] { grad[0], grad[2], grad[4] }, Is.All.EqualTo(0.0), "clamped logits");
    }

    /// <summary>relu gives α = 0 for a logit ≤ 0: rejected on both paths, against the logits, before any fused job.</summary>
    [Test]
    public void ReluOfNonPositiveLogit_ThrowsAgainstLogitsOnBothPaths([Values] bool fused)
    {
        using var scope = NewDisposeScope();
        using var force = Kernels.Force(fused ? KernelPath.Fused : KernelPath.Composed);
        var x = Tensors.FromDoubles(new[] { 0.5, -1.0, 2.0, 1.0, 0.25, 3.0 }, new long[] { 2, 3 }, ScalarType.Float32);
        var y = Tensors.FromLongs(new long[] { 0, 2 }, new long[] { 2 });
        long jobs = FusedDirichlet.JobsStarted;
        var e = Assert.Throws<ArgumentException>(() => UL.BeliefMatchingLossWithLogits(x, y, activation: EvidenceActivation.Relu));
        Assert.That(e!.ParamName, Is.EqualTo("logits"));
        Assert.That(e.Message, Does.Contain("under EvidenceActivation.Relu"));
        e = Assert.Throws<ArgumentException>(() => UL.PriorNetworkLossWithLogits(x, y, activation: EvidenceActivation.Relu));
        Assert.That(e!.ParamName, Is.EqualTo("logits"));
        Assert.That(e.Message, Does.Contain("under EvidenceActivation.Relu"));
        Assert.That(FusedDirichlet.JobsStarted, Is.EqualTo(jobs), "no fused job");
    }

    /// <summary>The module computes the same loss through the …WithLogits pass (one fused job, no separate activation).</summary>
    [Test]
    public void Module_UsesTheFusedPass_AndEqualsTheFunction([ValueSource(nameof(Losses))] FusedLossUnderTest loss, [Values] Reduction reduction)
    {
        using var scope = NewDisposeScope();
        using var auto = Kernels.Force(KernelPath.Auto);
        var c = new WithLogitsTests.Case(loss, EvidenceActivation.Exp, ScalarType.Float64, new long[] { 5, 4 }, reduction,
            Weighted: false, Ignore: false, 11);
        var x = Tensors.FromDoubles(c.Logits(), c.Shape, c.Dtype);
        var y = Target(c);
        using DirichletLossModule module = loss == FusedLossUnderTest.PriorNetwork
            ? new PriorNetworkLossModule(TargetConcentration, reduction, outOfDistributionIndex: OutOfDistributionIndex)
            : new BeliefMatchingLossModule(regFactor: 0.5, priorConcentration: 0.3, reduction: reduction);
        long jobs = FusedDirichlet.JobsStarted;
        var viaModule = Tensors.ToDoubles(module.forward(x, y));
        Assert.That(FusedDirichlet.JobsStarted, Is.EqualTo(jobs + 1), "one fused job");
        var viaFunction = Tensors.ToDoubles(loss == FusedLossUnderTest.PriorNetwork
            ? UL.PriorNetworkLossWithLogits(x, y, TargetConcentration, reduction, outOfDistributionIndex: OutOfDistributionIndex)
            : UL.BeliefMatchingLossWithLogits(x, y, 0.5, 0.3, reduction));
        Assert.That(viaModule, Is.EqualTo(viaFunction).AsCollection);
    }
}
