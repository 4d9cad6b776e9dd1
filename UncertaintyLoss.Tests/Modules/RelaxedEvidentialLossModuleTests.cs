using UncertaintyLoss.Tests.ModuleTesting;

namespace UncertaintyLoss.Tests;

/// <summary>
/// <see cref="RelaxedEvidentialLossModule"/> against <see cref="UL.RelaxedEvidentialLoss"/> on hand-applied activations
/// (the shared tests live in <see cref="LossModuleTestsBase"/>), and its own defaults.
/// </summary>
[TestFixture]
public sealed class RelaxedEvidentialLossModuleTests : LossModuleTestsBase
{
    protected override LossKind Kind => LossKind.Relaxed;

    protected override DirichletLossModule Create(double regFactor = 0.0, Reduction reduction = Reduction.Mean, Tensor? weight = null,
        long ignoreIndex = -100, EvidenceActivation activation = EvidenceActivation.Exp, IRegFactorSchedule? schedule = null,
        double clamp = 10.0) =>
        new RelaxedEvidentialLossModule(regFactor, ModuleKit.RelaxedPriorWeight, reduction, weight, ignoreIndex, activation, schedule, clamp);

    /// <summary>The default-constructed module is UL.RelaxedEvidentialLoss(softplus(logits), target): λ = 0.1, no KL, Mean.</summary>
    [Test]
    public void Forward_DefaultModule_EqualsRelaxedEvidentialLossOfSoftplus()
    {
        using var scope = NewDisposeScope();
        var c = FixedCase(dtype: ScalarType.Float32);
        var x = c.LogitsTensor();
        var y = c.TargetTensor();
        var module = new RelaxedEvidentialLossModule();
        Assert.Multiple(() =>
        {
            Assert.That(module.PriorWeight, Is.EqualTo(0.1));
            Assert.That(module.Activation, Is.EqualTo(EvidenceActivation.Softplus));
            Assert.That(ModuleKit.CompareExactly("output", module.forward(x, y), UL.RelaxedEvidentialLoss(nn.functional.softplus(x), y)), Is.Null);
        });
    }

    /// <summary>A prior weight outside [1e-6, 1e6] is rejected by the constructor, naming it.</summary>
    [TestCaseSource(typeof(PriorWeightTests), nameof(PriorWeightTests.BadPriorWeights))]
    public void Constructor_BadPriorWeight_ThrowsArgumentOutOfRange(double priorWeight)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new RelaxedEvidentialLossModule(priorWeight: priorWeight));
        Assert.That(e!.ParamName, Is.EqualTo("priorWeight"));
    }
}
