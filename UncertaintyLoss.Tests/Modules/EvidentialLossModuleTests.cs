using UncertaintyLoss.Tests.ModuleTesting;

namespace UncertaintyLoss.Tests;

/// <summary>
/// <see cref="EvidentialLossModule"/> against <see cref="UL.EvidentialLoss"/> on hand-applied activations: values and
/// gradients identical, schedules read and never stepped, TorchSharp integration, validation and memory (the shared
/// tests live in <see cref="LossModuleTestsBase"/>).
/// </summary>
[TestFixture]
public sealed class EvidentialLossModuleTests : LossModuleTestsBase
{
    protected override LossKind Kind => LossKind.Evidential;

    protected override DirichletLossModule Create(double regFactor = 0.0, Reduction reduction = Reduction.Mean, Tensor? weight = null,
        long ignoreIndex = -100, EvidenceActivation activation = EvidenceActivation.Exp, IRegFactorSchedule? schedule = null,
        double clamp = 10.0) =>
        new EvidentialLossModule(regFactor, reduction, weight, ignoreIndex, EvidentialRisk.SquaredError, activation, schedule, clamp);

    /// <summary>The default-constructed module is UL.EvidentialLoss(UL.ClampedExp(logits), target) with λ = 0 and Mean.</summary>
    [Test]
    public void Forward_DefaultModule_EqualsEvidentialLossOfClampedExp()
    {
        using var scope = NewDisposeScope();
        var c = FixedCase(dtype: ScalarType.Float32);
        var x = c.LogitsTensor();
        var y = c.TargetTensor();
        var got = new EvidentialLossModule().forward(x, y);
        Assert.That(ModuleKit.CompareExactly("output", got, UL.EvidentialLoss(UL.ClampedExp(x), y)), Is.Null);
    }

    /// <summary>The KL term is on with λ > 0: the module equals DirichletMseLoss + λ·UniformDirichletKl (to rounding).</summary>
    [Test]
    public void Forward_PositiveRegFactor_EqualsMsePlusLambdaKl()
    {
        using var scope = NewDisposeScope();
        var c = FixedCase(Reduction.None);
        var x = c.LogitsTensor();
        var y = c.TargetTensor();
        var got = TestSupport.Tensors.ToDoubles(new EvidentialLossModule(0.7, Reduction.None).forward(x, y));
        var e = UL.ClampedExp(x);
        var want = TestSupport.Tensors.ToDoubles(UL.DirichletMseLoss(e, y, Reduction.None) + 0.7 * UL.UniformDirichletKl(e, y, Reduction.None));
        Assert.That(got, Is.EqualTo(want).Within(1e-8).Percent);   // 1e-10 relative: the fused and composed paths round differently
    }

    /// <summary>The risk option reaches the loss: the log and digamma modules equal their functions plus λ·KL (to rounding).</summary>
    [TestCase(EvidentialRisk.LogLikelihood)]
    [TestCase(EvidentialRisk.CrossEntropy)]
    public void Forward_Risk_EqualsThatRiskPlusLambdaKl(EvidentialRisk risk)
    {
        using var scope = NewDisposeScope();
        var c = FixedCase(Reduction.None);
        var x = c.LogitsTensor();
        var y = c.TargetTensor();
        var module = new EvidentialLossModule(0.7, Reduction.None, risk: risk);
        var got = TestSupport.Tensors.ToDoubles(module.forward(x, y));
        var e = UL.ClampedExp(x);
        var data = risk == EvidentialRisk.LogLikelihood ? UL.DirichletLogLoss(e, y, Reduction.None) : UL.DirichletCrossEntropyLoss(e, y, Reduction.None);
        var want = TestSupport.Tensors.ToDoubles(data + 0.7 * UL.UniformDirichletKl(e, y, Reduction.None));
        Assert.Multiple(() =>
        {
            Assert.That(module.Risk, Is.EqualTo(risk));
            Assert.That(got, Is.EqualTo(want).Within(1e-8).Percent);
        });
    }

    /// <summary>An undefined risk is rejected by the constructor, naming it.</summary>
    [Test]
    public void Constructor_UndefinedRisk_ThrowsArgumentOutOfRange()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new EvidentialLossModule(risk: (EvidentialRisk)3));
        Assert.That(e!.ParamName, Is.EqualTo("risk"));
    }
}
