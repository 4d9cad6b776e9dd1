using UncertaintyLoss.Tests.MemoryKit;

namespace UncertaintyLoss.Tests;

/// <summary>Tensor lifetimes of <see cref="UL.Vacuity"/>: nothing but the result outlives a call.</summary>
public partial class VacuityTests
{
    [Category("Memory")]
    [Test]
    public void Vacuity_CallOutsideAnyScope_LeavesOnlyItsResultAlive([Values] MeasureInputKind kind) =>
        LiveTensorChecks.MeasureLeavesOnlyItsResult(e => UL.Vacuity(e), kind);

    [Category("Memory")]
    [Test]
    public void Vacuity_CallInsideCallerScope_AttachesResultToThatScope(
        [Values(MeasureInputKind.Float32RequiresGrad, MeasureInputKind.Float16)] MeasureInputKind kind) =>
        LiveTensorChecks.MeasureResultJoinsCallerScope(e => UL.Vacuity(e), kind);

    [Category("Memory")]
    [Test]
    public void Vacuity_RejectedInput_LeavesNoTensorAlive([Values] bool negativeEvidence) =>
        LiveTensorChecks.RejectionLeavesNothing(
            negativeEvidence ? RejectedInputs.NegativeEvidence : RejectedInputs.Rank1Evidence, () => null,
            (e, _) => UL.Vacuity(e));
}
