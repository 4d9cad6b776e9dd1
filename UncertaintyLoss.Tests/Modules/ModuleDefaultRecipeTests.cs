using System;
using NUnit.Framework;

namespace UncertaintyLoss.Tests.Modules;

/// <summary>
/// The modules of the EDL family constructed without a λ or a schedule use their paper's schedule (issue 16: the
/// no-argument module is the recipe). Expected values: the papers' λ_t = min(1, t/10), t = epochs stepped.
/// </summary>
[TestFixture]
public class ModuleDefaultRecipeTests
{
    private static readonly Func<double?, IRegFactorSchedule?, DirichletLossModule>[] Factories =
    {
        (r, s) => new EvidentialLossModule(regFactor: r, schedule: s),
        (r, s) => new RelaxedEvidentialLossModule(regFactor: r, schedule: s),
        (r, s) => new FisherEvidentialLossModule(regFactor: r, schedule: s),
        (r, s) => new RedEvidentialLossModule(regFactor: r, schedule: s),
    };

    private static System.Collections.Generic.IEnumerable<TestCaseData> Cases()
    {
        string[] names = { "EvidentialLossModule", "RelaxedEvidentialLossModule", "FisherEvidentialLossModule", "RedEvidentialLossModule" };
        for (int i = 0; i < Factories.Length; i++)
            yield return new TestCaseData(i).SetArgDisplayNames(names[i]);
    }

    [TestCaseSource(nameof(Cases))]
    public void NoArguments_UsesThePaperScheduleMinOneEpochOverTen(int index)
    {
        using var module = Factories[index](null, null);
        Assert.That(module.Schedule, Is.Not.Null);
        var expected = new[] { 0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.0, 1.0 };
        for (int t = 0; t < expected.Length; t++)
        {
            Assert.That(module.CurrentRegFactor, Is.EqualTo(expected[t]).Within(1e-15), $"epoch {t}");
            module.StepSchedule();
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void ExplicitRegFactor_IsConstant_AndZeroMeansNoRegulariser(int index)
    {
        using var constant = Factories[index](0.3, null);
        using var none = Factories[index](0.0, null);
        Assert.That(constant.Schedule, Is.Null);
        Assert.That(none.Schedule, Is.Null);
        constant.StepSchedule();
        Assert.That(constant.CurrentRegFactor, Is.EqualTo(0.3));
        Assert.That(none.CurrentRegFactor, Is.EqualTo(0.0));
    }

    [TestCaseSource(nameof(Cases))]
    public void ExplicitSchedule_Wins(int index)
    {
        var schedule = RegFactor.Constant(0.7);
        using var module = Factories[index](null, schedule);
        Assert.That(module.Schedule, Is.SameAs(schedule));
        Assert.That(module.CurrentRegFactor, Is.EqualTo(0.7));
    }

    [Test]
    public void EachModule_GetsItsOwnSchedule()
    {
        using var a = new FisherEvidentialLossModule();
        using var b = new FisherEvidentialLossModule();
        a.StepSchedule();
        Assert.That(a.CurrentRegFactor, Is.EqualTo(0.1).Within(1e-15));
        Assert.That(b.CurrentRegFactor, Is.EqualTo(0.0));
    }
}
