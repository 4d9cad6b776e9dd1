using UncertaintyLoss.Tests.MemoryKit;

namespace UncertaintyLoss.Tests;

/// <summary>Tensor lifetimes of <see cref="UL.EvidentialLoss"/>: nothing but the result outlives a call.</summary>
public partial class EvidentialLossTests
{
    [Category("Memory")]
    [Test]
    public void EvidentialLoss_CallOutsideAnyScope_LeavesOnlyItsResultAlive([Values] LossInputKind kind, [Values(0.0, 0.5)] double regFactor) =>
        LiveTensorChecks.LossLeavesOnlyItsResult((e, t, r) => UL.EvidentialLoss(e, t, regFactor, r), kind);

    [Category("Memory")]
    [Test]
    public void EvidentialLoss_CallInsideCallerScope_AttachesResultToThatScope(
        [Values(LossInputKind.IndexTargetRequiresGrad, LossInputKind.ProbabilityTarget, LossInputKind.HalfPrecisionIndexTarget)] LossInputKind kind,
        [Values(Reduction.None, Reduction.Mean)] Reduction reduction) =>
        LiveTensorChecks.LossResultJoinsCallerScope((e, t, r) => UL.EvidentialLoss(e, t, 0.5, r), kind, reduction);

    [Category("Memory")]
    [Test]
    public void EvidentialLoss_RejectedInput_LeavesNoTensorAlive([Values] LossRejection rejection) =>
        LossRejectionCases.Check(rejection, (e, t) => UL.EvidentialLoss(e, t, 0.5));
}
