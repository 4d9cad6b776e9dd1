using UncertaintyLoss.Tests.MemoryKit;

namespace UncertaintyLoss.Tests;

/// <summary>Tensor lifetimes of <see cref="UL.DirichletPNormLoss"/>: nothing but the result outlives a call.</summary>
public partial class DirichletPNormLossTests
{
    [Category("Memory")]
    [Test]
    public void DirichletPNormLoss_CallOutsideAnyScope_LeavesOnlyItsResultAlive([Values] LossInputKind kind) =>
        LiveTensorChecks.LossLeavesOnlyItsResult((e, t, r) => UL.DirichletPNormLoss(e, t, 3, r), kind);

    [Category("Memory")]
    [Test]
    public void DirichletPNormLoss_CallInsideCallerScope_AttachesResultToThatScope(
        [Values(LossInputKind.IndexTargetRequiresGrad, LossInputKind.ProbabilityTarget, LossInputKind.HalfPrecisionIndexTarget)] LossInputKind kind,
        [Values(Reduction.None, Reduction.Mean)] Reduction reduction) =>
        LiveTensorChecks.LossResultJoinsCallerScope((e, t, r) => UL.DirichletPNormLoss(e, t, 3, r), kind, reduction);

    [Category("Memory")]
    [Test]
    public void DirichletPNormLoss_RejectedInput_LeavesNoTensorAlive([Values] LossRejection rejection) =>
        LossRejectionCases.Check(rejection, (e, t) => UL.DirichletPNormLoss(e, t));
}
