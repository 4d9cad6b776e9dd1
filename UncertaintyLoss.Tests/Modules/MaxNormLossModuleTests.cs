using UncertaintyLoss.Tests.ModuleTesting;

namespace UncertaintyLoss.Tests;

/// <summary>
/// <see cref="MaxNormLossModule"/> against <see cref="UL.MaxNormLoss"/> on hand-applied activations: values and
/// gradients identical, schedules read and never stepped, TorchSharp integration, validation and memory (the shared
/// tests live in <see cref="LossModuleTestsBase"/>), plus pNorm and fisherAlphaSum.
/// </summary>
[TestFixture]
public sealed class MaxNormLossModuleTests : LossModuleTestsBase
{
    protected override LossKind Kind => LossKind.MaxNorm;

    protected override DirichletLossModule Create(double regFactor = 0.0, Reduction reduction = Reduction.Mean, Tensor? weight = null,
        long ignoreIndex = -100, EvidenceActivation activation = EvidenceActivation.Exp, IRegFactorSchedule? schedule = null,
        double clamp = 10.0) =>
        new MaxNormLossModule(regFactor, reduction: reduction, weight: weight, ignoreIndex: ignoreIndex, activation: activation,
            schedule: schedule, clamp: clamp);

    /// <summary>The default-constructed module is UL.MaxNormLoss(UL.ClampedExp(logits), target) with λ = 0, p = 4, Mean.</summary>
    [Test]
    public void Forward_DefaultModule_EqualsMaxNormLossOfClampedExp()
    {
        using var scope = NewDisposeScope();
        var c = FixedCase(dtype: ScalarType.Float32);
        var x = c.LogitsTensor();
        var y = c.TargetTensor();
        var module = new MaxNormLossModule();
        Assert.That(module.PNorm, Is.EqualTo(4));
        Assert.That(module.FisherAlphaSum, Is.EqualTo(FisherAlphaSum.All));
        Assert.That(ModuleKit.CompareExactly("output", module.forward(x, y), UL.MaxNormLoss(UL.ClampedExp(x), y)), Is.Null);
    }

    /// <summary>pNorm and fisherAlphaSum given to the constructor are exposed and used (and change the result).</summary>
    [TestCase(1, FisherAlphaSum.All)]
    [TestCase(2, FisherAlphaSum.ExcludingTrueClass)]
    [TestCase(9, FisherAlphaSum.ExcludingTrueClass)]
    public void Forward_PNormAndFisherAlphaSum_AreUsed(int pNorm, FisherAlphaSum fisher)
    {
        using var scope = NewDisposeScope();
        var c = FixedCase(Reduction.Sum);
        var x = c.LogitsTensor();
        var y = c.TargetTensor();
        var module = new MaxNormLossModule(0.5, pNorm, Reduction.Sum, fisherAlphaSum: fisher);
        Assert.That(module.PNorm, Is.EqualTo(pNorm));
        Assert.That(module.FisherAlphaSum, Is.EqualTo(fisher));
        var got = module.forward(x, y);
        Assert.That(ModuleKit.CompareExactly("output", got, UL.MaxNormLossWithLogits(x, y, 0.5, pNorm, Reduction.Sum, fisherAlphaSum: fisher)), Is.Null);
        Assert.That(ModuleKit.CompareExactly("output", got, UL.MaxNormLossWithLogits(x, y, 0.5, 4, Reduction.Sum, fisherAlphaSum: FisherAlphaSum.All)), Is.Not.Null,
            "the options must change the loss");
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(int.MinValue)]
    public void Constructor_PNormBelowOne_ThrowsArgumentOutOfRange(int pNorm) =>
        ModuleKit.AssertThrows<ArgumentOutOfRangeException>(() => new MaxNormLossModule(pNorm: pNorm), "pNorm");

    [TestCase(-1)]
    [TestCase(2)]
    [TestCase(17)]
    public void Constructor_UndefinedFisherAlphaSum_ThrowsArgumentOutOfRange(int fisher) =>
        ModuleKit.AssertThrows<ArgumentOutOfRangeException>(() => new MaxNormLossModule(fisherAlphaSum: (FisherAlphaSum)fisher), "fisherAlphaSum");
}
