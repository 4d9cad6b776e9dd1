using UncertaintyLoss.Tests.ModuleTesting;

namespace UncertaintyLoss.Tests;

/// <summary>
/// <see cref="PosteriorNetworkLossModule"/> against <see cref="UL.PosteriorNetworkLoss"/> on hand-applied activations
/// (the shared tests live in <see cref="LossModuleTestsBase"/>), and its own defaults.
/// </summary>
[TestFixture]
public sealed class PosteriorNetworkLossModuleTests : LossModuleTestsBase
{
    protected override LossKind Kind => LossKind.PosteriorNetwork;

    protected override DirichletLossModule Create(double regFactor = 0.0, Reduction reduction = Reduction.Mean, Tensor? weight = null,
        long ignoreIndex = -100, EvidenceActivation activation = EvidenceActivation.Exp, IRegFactorSchedule? schedule = null,
        double clamp = 10.0) =>
        new PosteriorNetworkLossModule(regFactor, reduction, weight, ignoreIndex, activation, schedule, clamp);

    /// <summary>The default-constructed module is UL.PosteriorNetworkLoss(ClampedExp(logits), target) with λ = 1e-5, Mean.</summary>
    [Test]
    public void Forward_DefaultModule_EqualsPosteriorNetworkLossOfClampedExp()
    {
        using var scope = NewDisposeScope();
        var c = FixedCase(dtype: ScalarType.Float32);
        var x = c.LogitsTensor();
        var y = c.TargetTensor();
        var module = new PosteriorNetworkLossModule();
        Assert.Multiple(() =>
        {
            Assert.That(module.ConstantRegFactor, Is.EqualTo(1e-5));
            Assert.That(module.Activation, Is.EqualTo(EvidenceActivation.Exp));
            Assert.That(ModuleKit.CompareExactly("output", module.forward(x, y), UL.PosteriorNetworkLoss(UL.ClampedExp(x), y)), Is.Null);
        });
    }
}
