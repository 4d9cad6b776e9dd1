using UncertaintyLoss.Tests.MemoryKit;

namespace UncertaintyLoss.Tests;

/// <summary>Tensor lifetimes of <see cref="UL.MaxNormLoss"/>: nothing but the result outlives a call.</summary>
public partial class MaxNormLossTests
{
    [Category("Memory")]
    [Test]
    public void MaxNormLoss_CallOutsideAnyScope_LeavesOnlyItsResultAlive([Values] LossInputKind kind, [Values(0.0, 0.5)] double regFactor, [Values] FisherAlphaSum fisherAlphaSum) =>
        LiveTensorChecks.LossLeavesOnlyItsResult((e, t, r) => UL.MaxNormLoss(e, t, regFactor, 4, r, fisherAlphaSum), kind);

    [Category("Memory")]
    [Test]
    public void MaxNormLoss_CallInsideCallerScope_AttachesResultToThatScope(
        [Values(LossInputKind.IndexTargetRequiresGrad, LossInputKind.ProbabilityTarget, LossInputKind.HalfPrecisionIndexTarget)] LossInputKind kind,
        [Values(Reduction.None, Reduction.Mean)] Reduction reduction) =>
        LiveTensorChecks.LossResultJoinsCallerScope((e, t, r) => UL.MaxNormLoss(e, t, 0.5, 4, r, FisherAlphaSum.ExcludingTrueClass), kind, reduction);

    [Category("Memory")]
    [Test]
    public void MaxNormLoss_RejectedInput_LeavesNoTensorAlive([Values] LossRejection rejection) =>
        LossRejectionCases.Check(rejection, (e, t) => UL.MaxNormLoss(e, t, 0.5));
}
