using UncertaintyLoss.Tests.ModuleTesting;

namespace UncertaintyLoss.Tests;

/// <summary>
/// <see cref="FisherEvidentialLossModule"/> against <see cref="UL.FisherEvidentialLoss"/> on hand-applied activations
/// (the shared tests live in <see cref="LossModuleTestsBase"/>), and its own defaults.
/// </summary>
[TestFixture]
public sealed class FisherEvidentialLossModuleTests : LossModuleTestsBase
{
    protected override LossKind Kind => LossKind.Fisher;

    protected override DirichletLossModule Create(double regFactor = 0.0, Reduction reduction = Reduction.Mean, Tensor? weight = null,
        long ignoreIndex = -100, EvidenceActivation activation = EvidenceActivation.Exp, IRegFactorSchedule? schedule = null,
        double clamp = 10.0) =>
        new FisherEvidentialLossModule(regFactor, ModuleKit.FisherCoefficient, reduction, weight, ignoreIndex, activation, schedule, clamp);

    /// <summary>The default-constructed module is UL.FisherEvidentialLoss(softplus(logits), target): c = 0.005, no KL, Mean.</summary>
    [Test]
    public void Forward_DefaultModule_EqualsFisherEvidentialLossOfSoftplus()
    {
        using var scope = NewDisposeScope();
        var c = FixedCase(dtype: ScalarType.Float32);
        var x = c.LogitsTensor();
        var y = c.TargetTensor();
        var module = new FisherEvidentialLossModule();
        Assert.Multiple(() =>
        {
            Assert.That(module.FisherCoefficient, Is.EqualTo(0.005));
            Assert.That(module.Activation, Is.EqualTo(EvidenceActivation.Softplus));
            Assert.That(ModuleKit.CompareExactly("output", module.forward(x, y), UL.FisherEvidentialLoss(nn.functional.softplus(x), y)), Is.Null);
        });
    }

    /// <summary>A Fisher coefficient outside [0, 1e6] is rejected by the constructor, naming it.</summary>
    [TestCaseSource(typeof(OpTable), nameof(OpTable.BadFisherCoefficients))]
    public void Constructor_BadFisherCoefficient_ThrowsArgumentOutOfRange(double fisherCoefficient)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new FisherEvidentialLossModule(fisherCoefficient: fisherCoefficient));
        Assert.That(e!.ParamName, Is.EqualTo("fisherCoefficient"));
    }
}
