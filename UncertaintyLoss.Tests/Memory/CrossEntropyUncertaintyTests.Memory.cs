using UncertaintyLoss.Tests.MemoryKit;

namespace UncertaintyLoss.Tests;

/// <summary>Tensor lifetimes of <see cref="UL.CrossEntropyUncertainty"/>: nothing but the result outlives a call.</summary>
public partial class CrossEntropyUncertaintyTests
{
    [Category("Memory")]
    [Test]
    public void CrossEntropyUncertainty_CallOutsideAnyScope_LeavesOnlyItsResultAlive([Values] MeasureInputKind kind) =>
        LiveTensorChecks.MeasureLeavesOnlyItsResult(e => UL.CrossEntropyUncertainty(e), kind);

    [Category("Memory")]
    [Test]
    public void CrossEntropyUncertainty_CallInsideCallerScope_AttachesResultToThatScope(
        [Values(MeasureInputKind.Float32RequiresGrad, MeasureInputKind.Float16)] MeasureInputKind kind) =>
        LiveTensorChecks.MeasureResultJoinsCallerScope(e => UL.CrossEntropyUncertainty(e), kind);

    /// <summary>Logits are not checked for sign, so the rejections are rank and dtype.</summary>
    [Category("Memory")]
    [Test]
    public void CrossEntropyUncertainty_RejectedInput_LeavesNoTensorAlive([Values] bool integerLogits) =>
        LiveTensorChecks.RejectionLeavesNothing(
            integerLogits ? RejectedInputs.IntegerLogits : RejectedInputs.Rank1Evidence, () => null,
            (e, _) => UL.CrossEntropyUncertainty(e));
}
