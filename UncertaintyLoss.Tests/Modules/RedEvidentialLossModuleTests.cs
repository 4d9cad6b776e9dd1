using UncertaintyLoss.Tests.ModuleTesting;

namespace UncertaintyLoss.Tests;

/// <summary>
/// <see cref="RedEvidentialLossModule"/> against <see cref="UL.RedEvidentialLoss"/> on hand-applied activations
/// (the shared tests live in <see cref="LossModuleTestsBase"/>), and its own defaults.
/// </summary>
[TestFixture]
public sealed class RedEvidentialLossModuleTests : LossModuleTestsBase
{
    protected override LossKind Kind => LossKind.Red;

    protected override DirichletLossModule Create(double regFactor = 0.0, Reduction reduction = Reduction.Mean, Tensor? weight = null,
        long ignoreIndex = -100, EvidenceActivation activation = EvidenceActivation.Exp, IRegFactorSchedule? schedule = null,
        double clamp = 10.0) =>
        new RedEvidentialLossModule(regFactor, ModuleKit.RedCorrectEvidenceWeight, reduction, weight, ignoreIndex, EvidentialRisk.CrossEntropy,
            activation, schedule, clamp);

    /// <summary>The default-constructed module is UL.RedEvidentialLoss(ClampedExp(logits), target): log risk, weight 1, no KL, Mean.</summary>
    [Test]
    public void Forward_DefaultModule_EqualsRedEvidentialLossOfClampedExp()
    {
        using var scope = NewDisposeScope();
        var c = FixedCase(dtype: ScalarType.Float32);
        var x = c.LogitsTensor();
        var y = c.TargetTensor();
        var module = new RedEvidentialLossModule();
        Assert.Multiple(() =>
        {
            Assert.That(module.CorrectEvidenceWeight, Is.EqualTo(1.0));
            Assert.That(module.Risk, Is.EqualTo(EvidentialRisk.LogLikelihood));
            Assert.That(module.Activation, Is.EqualTo(EvidenceActivation.Exp));
            Assert.That(module.ConstantRegFactor, Is.EqualTo(0.0));
            Assert.That(ModuleKit.CompareExactly("output", module.forward(x, y), UL.RedEvidentialLoss(UL.ClampedExp(x), y)), Is.Null);
        });
    }

    /// <summary>A negative, NaN or infinite correct-evidence weight, or an undefined risk, is rejected by the constructor, naming it.</summary>
    [TestCase(-0.5)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void Constructor_BadCorrectEvidenceWeight_ThrowsArgumentOutOfRange(double value)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new RedEvidentialLossModule(correctEvidenceWeight: value));
        Assert.That(e!.ParamName, Is.EqualTo("correctEvidenceWeight"));
        var r = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new RedEvidentialLossModule(risk: (EvidentialRisk)7));
        Assert.That(r!.ParamName, Is.EqualTo("risk"));
    }
}
