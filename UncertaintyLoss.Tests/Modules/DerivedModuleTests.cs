using UncertaintyLoss.Tests.ModuleTesting;

namespace UncertaintyLoss.Tests;

/// <summary>
/// A loss module written by a user, derived from <see cref="DirichletLossModule"/> (issue 17): inside it the bare name
/// <c>RegFactor</c> must still be the schedule factory <see cref="RegFactor"/>, so that <c>Schedule = RegFactor.Linear(100)</c>
/// compiles. Before issue 17 the base class had a <c>double RegFactor</c> property that hid the class there (CS1061: 'double'
/// does not contain a definition for 'Linear'); it is now <see cref="DirichletLossModule.ConstantRegFactor"/>. This file
/// does not compile if a member named <c>RegFactor</c> comes back (docs/conventions.md, "Names").
/// </summary>
[TestFixture]
public sealed class DerivedModuleTests
{
    /// <summary>The evidential loss with its data term weighted by a constant; its λ ramps linearly over 100 steps.</summary>
    private sealed class ScaledEvidentialLossModule : DirichletLossModule
    {
        public ScaledEvidentialLossModule(double scale)
            : base(0.0, Reduction.Mean, null, -100, EvidenceActivation.Exp, null, 10.0)
        {
            Scale = scale;
            Schedule = RegFactor.Linear(100);     // the line of issue 17: RegFactor is the factory class here
        }

        public double Scale { get; }

        /// <summary>Reads the base class's λ members by their names, so that this file also pins them.</summary>
        public (double Constant, double Current) Lambdas => (ConstantRegFactor, CurrentRegFactor);

        protected override Tensor Loss(Tensor evidence, Tensor target, double lambda) =>
            Scale * UL.EvidentialLoss(evidence, target, lambda, reduction, weight, IgnoreIndex);
    }

    [Test]
    public void DerivedModule_SetsScheduleWithRegFactorFactory_UsesTheRampedLambda()
    {
        using var scope = NewDisposeScope();
        var module = new ScaledEvidentialLossModule(2.0);
        var x = tensor(new float[] { 0.5f, -1f, 2f, 0f, 1f, 1f, -2f, 3f, 0.25f }, new long[] { 3, 3 });
        var y = tensor(new long[] { 2, 0, 1 });

        Assert.That(module.Schedule, Is.Not.Null);
        Assert.That(module.Lambdas, Is.EqualTo((0.0, 0.0)), "λ at step 0 of Linear(100)");
        for (int i = 0; i < 50; i++)
            module.StepSchedule();
        Assert.That(module.Lambdas, Is.EqualTo((0.0, 0.5)), "λ = 50/100 after 50 steps; the constant λ is unchanged");

        var want = 2.0 * UL.EvidentialLoss(UL.ClampedExp(x), y, 0.5);
        Assert.That(ModuleKit.CompareExactly("output", module.forward(x, y), want), Is.Null);
    }
}
