using UncertaintyLoss.Tests.MemoryKit;

namespace UncertaintyLoss.Tests;

/// <summary>Tensor lifetimes of <see cref="UL.DirichletMode"/>: nothing but the result outlives a call.</summary>
public partial class DirichletModeTests
{
    [Category("Memory")]
    [Test]
    public void DirichletMode_CallOutsideAnyScope_LeavesOnlyItsResultAlive([Values] MeasureInputKind kind) =>
        LiveTensorChecks.MeasureLeavesOnlyItsResult(e => UL.DirichletMode(e), kind);

    [Category("Memory")]
    [Test]
    public void DirichletMode_CallInsideCallerScope_AttachesResultToThatScope(
        [Values(MeasureInputKind.Float32RequiresGrad, MeasureInputKind.Float16)] MeasureInputKind kind) =>
        LiveTensorChecks.MeasureResultJoinsCallerScope(e => UL.DirichletMode(e), kind);

    [Category("Memory")]
    [Test]
    public void DirichletMode_RejectedInput_LeavesNoTensorAlive([Values] bool negativeEvidence) =>
        LiveTensorChecks.RejectionLeavesNothing(
            negativeEvidence ? RejectedInputs.NegativeEvidence : RejectedInputs.Rank1Evidence, () => null,
            (e, _) => UL.DirichletMode(e));
}
