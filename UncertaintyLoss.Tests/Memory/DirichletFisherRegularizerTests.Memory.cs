using UncertaintyLoss.Tests.MemoryKit;

namespace UncertaintyLoss.Tests;

/// <summary>Tensor lifetimes of <see cref="UL.DirichletFisherRegularizer"/>: nothing but the result outlives a call.</summary>
public partial class DirichletFisherRegularizerTests
{
    [Category("Memory")]
    [Test]
    public void DirichletFisherRegularizer_CallOutsideAnyScope_LeavesOnlyItsResultAlive([Values] LossInputKind kind, [Values] FisherAlphaSum fisherAlphaSum) =>
        LiveTensorChecks.LossLeavesOnlyItsResult((e, t, r) => UL.DirichletFisherRegularizer(e, t, r, fisherAlphaSum), kind);

    [Category("Memory")]
    [Test]
    public void DirichletFisherRegularizer_CallInsideCallerScope_AttachesResultToThatScope(
        [Values(LossInputKind.IndexTargetRequiresGrad, LossInputKind.ProbabilityTarget, LossInputKind.HalfPrecisionIndexTarget)] LossInputKind kind,
        [Values(Reduction.None, Reduction.Mean)] Reduction reduction) =>
        LiveTensorChecks.LossResultJoinsCallerScope((e, t, r) => UL.DirichletFisherRegularizer(e, t, r, FisherAlphaSum.ExcludingTrueClass), kind, reduction);

    [Category("Memory")]
    [Test]
    public void DirichletFisherRegularizer_RejectedInput_LeavesNoTensorAlive([Values] LossRejection rejection) =>
        LossRejectionCases.Check(rejection, (e, t) => UL.DirichletFisherRegularizer(e, t));
}
