namespace UncertaintyLoss.Tests;

/// <summary>
/// <see cref="BeliefMatchingLossModule"/> and <see cref="PriorNetworkLossModule"/>: the activation's output is α itself.
/// Each is compared with its …WithLogits function (output and gradient exactly); their defaults,
/// options, schedule (belief matching) or its absence (prior networks), and the restated errors. The shared
/// <see cref="LossModuleTestsBase"/> does not apply: its cases pass raw logits with <see cref="EvidenceActivation.None"/>
/// and relu, which give α ≤ 0, and the prior network has no regulariser for its schedule tests.
/// </summary>
[TestFixture]
public sealed class AlphaLossModuleTests
{
    private static Tensor Logits(ScalarType dtype, params long[] shape) => Tensors.FromDoubles(
        Enumerable.Range(0, (int)shape.Aggregate(1L, (a, b) => a * b)).Select(i => Math.Sin(i + 1.0) * 12).ToArray(), shape, dtype);

    /// <summary>The module on the logits equals <paramref name="withLogits"/> on them exactly, value and gradient: since issue
    /// 18's third (belief matching) and fourth (prior network) sessions a module is its …WithLogits function (the activation
    /// inside the fused pass), which equals the two-step form to rounding (ConcentrationWithLogitsTests).</summary>
    private static void AssertSame(Func<Tensor, Tensor> module, Func<Tensor, Tensor> withLogits, Tensor logits)
    {
        using var scope = NewDisposeScope();
        var x1 = logits.detach().clone().requires_grad_(true);
        var x2 = logits.detach().clone().requires_grad_(true);
        var got = module(x1);
        var want = withLogits(x2);
        Assert.That(ModuleTesting.ModuleKit.CompareExactly("output", got, want), Is.Null);
        got.sum().backward();
        want.sum().backward();
        Assert.That(ModuleTesting.ModuleKit.CompareExactly("gradient", x1.grad!, x2.grad!), Is.Null);
    }

    [TestCase(EvidenceActivation.Exp, 10.0, ScalarType.Float32, Reduction.Mean)]
    [TestCase(EvidenceActivation.Exp, 3.5, ScalarType.Float64, Reduction.None)]
    [TestCase(EvidenceActivation.Softplus, 10.0, ScalarType.Float64, Reduction.Sum)]
    public void BeliefMatching_Forward_EqualsWithLogitsFunction(EvidenceActivation activation, double clamp, ScalarType dtype, Reduction reduction)
    {
        using var scope = NewDisposeScope();
        var weight = Tensors.FromDoubles(new[] { 0.5, 2.0, 1.0, 3.0 }, new long[] { 4 }, dtype);
        var target = tensor(new long[] { 3, 0, 2, 255, 1, 2 });
        var module = new BeliefMatchingLossModule(0.7, 0.3, reduction, weight, 255, activation, clamp: clamp);
        AssertSame(x => module.forward(x, target), x => UL.BeliefMatchingLossWithLogits(x, target, 0.7, 0.3, reduction, weight, 255, activation, clamp),
            Logits(dtype, 6, 4));
    }

    [TestCase(EvidenceActivation.Exp, 10.0, ScalarType.Float32, Reduction.Mean)]
    [TestCase(EvidenceActivation.Exp, 3.5, ScalarType.Float64, Reduction.None)]
    [TestCase(EvidenceActivation.Softplus, 10.0, ScalarType.Float64, Reduction.Sum)]
    public void PriorNetwork_Forward_EqualsWithLogitsFunction(EvidenceActivation activation, double clamp, ScalarType dtype, Reduction reduction)
    {
        using var scope = NewDisposeScope();
        var weight = Tensors.FromDoubles(new[] { 0.5, 2.0, 1.0, 3.0 }, new long[] { 4 }, dtype);
        var target = tensor(new long[] { 3, -1, 2, 255, 1, -1 });
        var module = new PriorNetworkLossModule(30.0, reduction, weight, 255, activation: activation, clamp: clamp);
        AssertSame(x => module.forward(x, target), x => UL.PriorNetworkLossWithLogits(x, target, 30.0, reduction, weight, 255, activation: activation, clamp: clamp),
            Logits(dtype, 6, 4));
    }

    /// <summary>With <see cref="EvidenceActivation.None"/> the input is α; probability targets and N-d shapes pass through.</summary>
    [Test]
    public void ActivationNone_InputIsAlpha()
    {
        using var scope = NewDisposeScope();
        var alpha = UL.ClampedExp(Logits(ScalarType.Float64, 2, 3, 2));
        var y = nn.functional.softmax(Logits(ScalarType.Float64, 2, 3, 2), 1);
        Assert.Multiple(() =>
        {
            Assert.That(ModuleTesting.ModuleKit.CompareExactly("bm", new BeliefMatchingLossModule(activation: EvidenceActivation.None).forward(alpha, y), UL.BeliefMatchingLoss(alpha, y)), Is.Null);
            Assert.That(ModuleTesting.ModuleKit.CompareExactly("pn", new PriorNetworkLossModule(activation: EvidenceActivation.None).forward(alpha, y), UL.PriorNetworkLoss(alpha, y)), Is.Null);
        });
    }

    [Test]
    public void Defaults_MatchDocumentation()
    {
        var bm = new BeliefMatchingLossModule();
        var pn = new PriorNetworkLossModule();
        Assert.Multiple(() =>
        {
            Assert.That(bm.ConstantRegFactor, Is.EqualTo(0.01));
            Assert.That(bm.PriorConcentration, Is.EqualTo(1.0));
            Assert.That(bm.Activation, Is.EqualTo(EvidenceActivation.Exp));
            Assert.That(bm.Clamp, Is.EqualTo(10.0));
            Assert.That(bm.reduction, Is.EqualTo(Reduction.Mean));
            Assert.That(bm.IgnoreIndex, Is.EqualTo(-100));
            Assert.That(pn.TargetConcentration, Is.EqualTo(100.0));
            Assert.That(pn.OutOfDistributionIndex, Is.EqualTo(-1));
            Assert.That(pn.ConstantRegFactor, Is.Zero);
            Assert.That(pn.Schedule, Is.Null);
            Assert.That(pn.Activation, Is.EqualTo(EvidenceActivation.Exp));
            Assert.That(pn.Clamp, Is.EqualTo(10.0));
            Assert.That(pn.IgnoreIndex, Is.EqualTo(-100));
        });
    }

    /// <summary>The default module is the functional default: belief matching's …WithLogits form (α = ClampedExp(logits) inside
    /// the fused pass), λ = 0.01, β = 1; the prior network's …WithLogits form, τ = 100, marker −1.</summary>
    [Test]
    public void DefaultModules_EqualFunctionalDefaultsOfClampedExp()
    {
        using var scope = NewDisposeScope();
        var x = Logits(ScalarType.Float32, 4, 3);
        var t = tensor(new long[] { 2, -1, 0, 1 });
        var tIn = tensor(new long[] { 2, 1, 0, 1 });
        Assert.Multiple(() =>
        {
            Assert.That(ModuleTesting.ModuleKit.CompareExactly("bm", new BeliefMatchingLossModule().forward(x, tIn), UL.BeliefMatchingLossWithLogits(x, tIn)), Is.Null);
            Assert.That(ModuleTesting.ModuleKit.CompareExactly("pn", new PriorNetworkLossModule().forward(x, t), UL.PriorNetworkLossWithLogits(x, t)), Is.Null);
        });
    }

    /// <summary>Belief matching reads its schedule at every forward; the prior network ignores RegFactor and Schedule.</summary>
    [Test]
    public void RegFactor_ScheduleUsedByBeliefMatching_IgnoredByPriorNetwork()
    {
        using var scope = NewDisposeScope();
        var x = Logits(ScalarType.Float64, 4, 3);
        var t = tensor(new long[] { 2, -1, 0, 1 });
        var tIn = tensor(new long[] { 2, 1, 0, 1 });
        var schedule = RegFactor.Linear(steps: 4, max: 2.0);
        var bm = new BeliefMatchingLossModule(0.25, schedule: schedule);
        var pn = new PriorNetworkLossModule();
        double before = pn.forward(x, t).item<double>();
        pn.ConstantRegFactor = 5.0;
        pn.Schedule = RegFactor.Linear(steps: 2, max: 3.0);
        pn.StepSchedule();
        Assert.Multiple(() =>
        {
            Assert.That(pn.forward(x, t).item<double>(), Is.EqualTo(before), "no regulariser: RegFactor and Schedule change nothing");
            for (int step = 0; step < 3; step++)
            {
                double lambda = bm.CurrentRegFactor;
                Assert.That(bm.forward(x, tIn).item<double>(), Is.EqualTo(UL.BeliefMatchingLossWithLogits(x, tIn, lambda).item<double>()), $"step {step}");
                bm.StepSchedule();
            }
        });
    }

    /// <summary>An input that gives α = 0 (relu of negative logits, or a negative input passed through) is reported against input.</summary>
    [Test]
    public void InvalidAlphaFromInput_IsReportedAgainstInput()
    {
        using var scope = NewDisposeScope();
        var x = Logits(ScalarType.Float32, 4, 3);
        var t = tensor(new long[] { 2, 1, 0, 1 });
        Assert.Multiple(() =>
        {
            var relu = ModuleTesting.ModuleKit.AssertThrows<ArgumentException>(() => new BeliefMatchingLossModule(activation: EvidenceActivation.Relu).forward(x, t), "input");
            Assert.That(relu.Message, Does.Contain("input that gives positive alpha").And.Contain("EvidenceActivation.Relu"));
            var none = ModuleTesting.ModuleKit.AssertThrows<ArgumentException>(() => new PriorNetworkLossModule(activation: EvidenceActivation.None).forward(x, t), "input");
            Assert.That(none.Message, Does.Contain("passes the input through as alpha"));
            Assert.That(none.InnerException, Is.InstanceOf<ArgumentException>().And.Property("ParamName").EqualTo("alpha"));
        });
    }

    [Test]
    public void Constructors_BadOptions_ThrowArgumentOutOfRangeNamingThem()
    {
        Assert.Multiple(() =>
        {
            foreach (var bad in OpTable.BadConcentrations)
            {
                Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new BeliefMatchingLossModule(priorConcentration: bad))!.ParamName, Is.EqualTo("priorConcentration"));
                Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new PriorNetworkLossModule(bad))!.ParamName, Is.EqualTo("targetConcentration"));
            }

            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new PriorNetworkLossModule(ignoreIndex: -1))!.ParamName, Is.EqualTo("outOfDistributionIndex"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new PriorNetworkLossModule(ignoreIndex: 5, outOfDistributionIndex: 5))!.ParamName,
                Is.EqualTo("outOfDistributionIndex"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new BeliefMatchingLossModule(regFactor: -1))!.ParamName, Is.EqualTo("regFactor"));
        });
    }
}
