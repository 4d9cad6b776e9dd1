using UncertaintyLoss.Tests.MemoryKit;

namespace UncertaintyLoss.Tests;

/// <summary>Tensor lifetimes of <see cref="UL.UniformDirichletKl"/>: nothing but the result outlives a call.</summary>
public partial class UniformDirichletKlTests
{
    [Category("Memory")]
    [Test]
    public void UniformDirichletKl_CallOutsideAnyScope_LeavesOnlyItsResultAlive([Values] LossInputKind kind) =>
        LiveTensorChecks.LossLeavesOnlyItsResult((e, t, r) => UL.UniformDirichletKl(e, t, r), kind);

    [Category("Memory")]
    [Test]
    public void UniformDirichletKl_CallInsideCallerScope_AttachesResultToThatScope(
        [Values(LossInputKind.IndexTargetRequiresGrad, LossInputKind.ProbabilityTarget, LossInputKind.HalfPrecisionIndexTarget)] LossInputKind kind,
        [Values(Reduction.None, Reduction.Mean)] Reduction reduction) =>
        LiveTensorChecks.LossResultJoinsCallerScope((e, t, r) => UL.UniformDirichletKl(e, t, r), kind, reduction);

    [Category("Memory")]
    [Test]
    public void UniformDirichletKl_RejectedInput_LeavesNoTensorAlive([Values] LossRejection rejection) =>
        LossRejectionCases.Check(rejection, (e, t) => UL.UniformDirichletKl(e, t));
}
