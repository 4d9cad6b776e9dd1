using UncertaintyLoss.Tests.MemoryKit;

namespace UncertaintyLoss.Tests;

/// <summary>Tensor lifetimes of <see cref="UL.DataUncertainty"/>: nothing but the result outlives a call.</summary>
public partial class DataUncertaintyTests
{
    [Category("Memory")]
    [Test]
    public void DataUncertainty_CallOutsideAnyScope_LeavesOnlyItsResultAlive([Values] MeasureInputKind kind) =>
        LiveTensorChecks.MeasureLeavesOnlyItsResult(e => UL.DataUncertainty(e), kind);

    [Category("Memory")]
    [Test]
    public void DataUncertainty_CallInsideCallerScope_AttachesResultToThatScope(
        [Values(MeasureInputKind.Float32RequiresGrad, MeasureInputKind.Float16)] MeasureInputKind kind) =>
        LiveTensorChecks.MeasureResultJoinsCallerScope(e => UL.DataUncertainty(e), kind);

    [Category("Memory")]
    [Test]
    public void DataUncertainty_RejectedInput_LeavesNoTensorAlive([Values] bool negativeEvidence) =>
        LiveTensorChecks.RejectionLeavesNothing(
            negativeEvidence ? RejectedInputs.NegativeEvidence : RejectedInputs.Rank1Evidence, () => null,
            (e, _) => UL.DataUncertainty(e));
}
