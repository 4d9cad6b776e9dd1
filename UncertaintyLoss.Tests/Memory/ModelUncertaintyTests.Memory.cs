using UncertaintyLoss.Tests.MemoryKit;

namespace UncertaintyLoss.Tests;

/// <summary>Tensor lifetimes of <see cref="UL.ModelUncertainty"/>: nothing but the result outlives a call.</summary>
public partial class ModelUncertaintyTests
{
    [Category("Memory")]
    [Test]
    public void ModelUncertainty_CallOutsideAnyScope_LeavesOnlyItsResultAlive([Values] MeasureInputKind kind) =>
        LiveTensorChecks.MeasureLeavesOnlyItsResult(e => UL.ModelUncertainty(e), kind);

    [Category("Memory")]
    [Test]
    public void ModelUncertainty_CallInsideCallerScope_AttachesResultToThatScope(
        [Values(MeasureInputKind.Float32RequiresGrad, MeasureInputKind.Float16)] MeasureInputKind kind) =>
        LiveTensorChecks.MeasureResultJoinsCallerScope(e => UL.ModelUncertainty(e), kind);

    [Category("Memory")]
    [Test]
    public void ModelUncertainty_RejectedInput_LeavesNoTensorAlive([Values] bool negativeEvidence) =>
        LiveTensorChecks.RejectionLeavesNothing(
            negativeEvidence ? RejectedInputs.NegativeEvidence : RejectedInputs.Rank1Evidence, () => null,
            (e, _) => UL.ModelUncertainty(e));
}
