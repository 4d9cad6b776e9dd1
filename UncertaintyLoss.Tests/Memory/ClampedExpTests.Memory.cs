using UncertaintyLoss.Tests.MemoryKit;

namespace UncertaintyLoss.Tests;

/// <summary>Tensor lifetimes of <see cref="UL.ClampedExp"/>: nothing but the result outlives a call.</summary>
public partial class ClampedExpTests
{
    [Category("Memory")]
    [Test]
    public void ClampedExp_CallOutsideAnyScope_LeavesOnlyItsResultAlive([Values] MeasureInputKind kind) =>
        LiveTensorChecks.MeasureLeavesOnlyItsResult(x => UL.ClampedExp(x, 2.0), kind);

    [Category("Memory")]
    [Test]
    public void ClampedExp_CallInsideCallerScope_AttachesResultToThatScope(
        [Values(MeasureInputKind.Float32RequiresGrad, MeasureInputKind.Float16)] MeasureInputKind kind) =>
        LiveTensorChecks.MeasureResultJoinsCallerScope(x => UL.ClampedExp(x), kind);

    [Category("Memory")]
    [Test]
    public void ClampedExp_RejectedInput_LeavesNoTensorAlive([Values] bool integerX) =>
        LiveTensorChecks.RejectionLeavesNothing(
            integerX ? RejectedInputs.IntegerX : RejectedInputs.Evidence, () => null,
            (x, _) => UL.ClampedExp(x, integerX ? 10.0 : -1.0));
}
