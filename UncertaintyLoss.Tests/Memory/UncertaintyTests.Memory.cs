using UncertaintyLoss.Tests.MemoryKit;

namespace UncertaintyLoss.Tests;

/// <summary>Tensor lifetimes of <see cref="UL.Uncertainty"/>: nothing but the result outlives a call.</summary>
public partial class UncertaintyTests
{
    [Category("Memory")]
    [Test]
    public void Uncertainty_CallOutsideAnyScope_LeavesOnlyItsResultAlive([Values] MeasureInputKind kind, [Values] bool normalize) =>
        LiveTensorChecks.MeasureLeavesOnlyItsResult(e => UL.Uncertainty(e, normalize), kind);

    [Category("Memory")]
    [Test]
    public void Uncertainty_CallInsideCallerScope_AttachesResultToThatScope(
        [Values(MeasureInputKind.Float32RequiresGrad, MeasureInputKind.Float16)] MeasureInputKind kind) =>
        LiveTensorChecks.MeasureResultJoinsCallerScope(e => UL.Uncertainty(e, normalize: true), kind);

    [Category("Memory")]
    [Test]
    public void Uncertainty_RejectedInput_LeavesNoTensorAlive([Values] bool negativeEvidence) =>
        LiveTensorChecks.RejectionLeavesNothing(
            negativeEvidence ? RejectedInputs.NegativeEvidence : RejectedInputs.Rank1Evidence, () => null,
            (e, _) => UL.Uncertainty(e, normalize: true));
}
