namespace UncertaintyLoss.Tests.Ops;

/// <summary>
/// Tensor lifetimes of every function of <see cref="OpTable"/>, each option variant of
/// <see cref="LossOp.OptionSets"/>: nothing but the result outlives a call, the result joins the caller's
/// dispose scope, and a rejected call leaves nothing behind (<see cref="LiveTensors"/>).
/// </summary>
[TestFixture]
[Category("Memory")]
public sealed class MemoryTests
{
    private static readonly LossInputKind[] CallerScopeLossKinds =
        { LossInputKind.IndexTargetRequiresGrad, LossInputKind.ProbabilityTarget, LossInputKind.HalfPrecisionIndexTarget };

    private static readonly MeasureInputKind[] CallerScopeMeasureKinds = { MeasureInputKind.Float32RequiresGrad, MeasureInputKind.Float16 };

    /// <summary>Whether <paramref name="op"/> takes inputs of <paramref name="kind"/> (probability targets, N-d shapes).</summary>
    private static bool Takes(LossOp op, LossInputKind kind) => kind switch
    {
        LossInputKind.ProbabilityTarget or LossInputKind.ProbabilityTargetRequiresGrad or LossInputKind.BFloat16ProbabilityTarget => op.SupportsProbabilityTargets,
        LossInputKind.SpatialIndexTarget => op.SupportsNd,
        LossInputKind.SpatialProbabilityTarget => op.SupportsProbabilityTargets && op.SupportsNd,
        _ => true,
    };

    private static IEnumerable<TestCaseData> LossKindCases() =>
        from op in OpTable.Losses
        from kind in System.Enum.GetValues<LossInputKind>()
        where Takes(op, kind)
        select new TestCaseData(op, kind).SetArgDisplayNames(op.Function, kind.ToString());

    private static IEnumerable<TestCaseData> LossCallerScopeCases() =>
        from op in OpTable.Losses
        from kind in CallerScopeLossKinds
        where Takes(op, kind)
        from reduction in new[] { Reduction.None, Reduction.Mean }
        select new TestCaseData(op, kind, reduction).SetArgDisplayNames(op.Function, kind.ToString(), reduction.ToString());

    private static IEnumerable<TestCaseData> LossRejectionCases() =>
        from op in OpTable.Losses
        from rejection in System.Enum.GetValues<LossRejection>()
        select new TestCaseData(op, rejection).SetArgDisplayNames(op.Function, rejection.ToString());

    private static IEnumerable<TestCaseData> MeasureCasesWith(IEnumerable<MeasureInputKind> kinds) =>
        from op in OpTable.Measures
        from kind in kinds
        select new TestCaseData(op, kind).SetArgDisplayNames(op.Function, kind.ToString());

    private static IEnumerable<TestCaseData> MeasureKindCases() => MeasureCasesWith(System.Enum.GetValues<MeasureInputKind>());

    private static IEnumerable<TestCaseData> MeasureCallerScopeCases() => MeasureCasesWith(CallerScopeMeasureKinds);

    /// <summary>Logits are not checked for sign, so the rejections of a logits function are its rank and dtype.</summary>
    private static IEnumerable<TestCaseData> MeasureRejectionCases() =>
        from op in OpTable.Measures
        from rejection in System.Enum.GetValues<MeasureRejection>()
        where rejection != MeasureRejection.NegativeEvidence || op.Input == MeasureInput.Evidence
        select new TestCaseData(op, rejection).SetArgDisplayNames(op.Function, rejection.ToString());

    /// <summary>
    /// Inputs outside any scope, every reduction: only the result stays alive (none once it is disposed), with the
    /// evidence's dtype and in the graph exactly when the evidence is; the inputs stay valid and unchanged.
    /// </summary>
    [TestCaseSource(nameof(LossKindCases))]
    public void Loss_CallOutsideAnyScope_LeavesOnlyItsResultAlive(LossOp op, LossInputKind kind)
    {
        foreach (var variant in op.OptionSets)
            LiveTensors.LossLeavesOnlyItsResult(variant.Name, variant.Core, kind);
    }

    /// <summary>Inside nested caller scopes: the result, and nothing else, joins the innermost; the inputs are not disposed.</summary>
    [TestCaseSource(nameof(LossCallerScopeCases))]
    public void Loss_CallInsideCallerScope_AttachesResultToThatScope(LossOp op, LossInputKind kind, Reduction reduction)
    {
        foreach (var variant in op.OptionSets)
            LiveTensors.LossResultJoinsCallerScope(variant.Name, variant.Core, kind, reduction);
    }

    /// <summary>A call rejected by a value check or a metadata check leaves no tensor alive, in or outside a caller scope.</summary>
    [TestCaseSource(nameof(LossRejectionCases))]
    public void Loss_RejectedInput_LeavesNoTensorAlive(LossOp op, LossRejection rejection)
    {
        foreach (var variant in op.OptionSets)
            LiveTensors.RejectionLeavesNothing(variant.Name, LiveTensors.RejectedInputs(rejection), x => variant.Core(x[0], x[1], Reduction.Mean));
    }

    /// <summary>An input outside any scope: only the result stays alive, with the input's dtype; the input stays valid and unchanged.</summary>
    [TestCaseSource(nameof(MeasureKindCases))]
    public void Measure_CallOutsideAnyScope_LeavesOnlyItsResultAlive(MeasureOp op, MeasureInputKind kind)
    {
        foreach (var spec in op.OptionSets)
            LiveTensors.MeasureLeavesOnlyItsResult(spec.Name, spec.Torch, kind);
    }

    /// <summary>Inside nested caller scopes: the result, and nothing else, joins the innermost; the input is not disposed.</summary>
    [TestCaseSource(nameof(MeasureCallerScopeCases))]
    public void Measure_CallInsideCallerScope_AttachesResultToThatScope(MeasureOp op, MeasureInputKind kind)
    {
        foreach (var spec in op.OptionSets)
            LiveTensors.MeasureResultJoinsCallerScope(spec.Name, spec.Torch, kind);
    }

    /// <summary>A rejected input (negative evidence, rank 1, an integer dtype) leaves no tensor alive, in or outside a caller scope.</summary>
    [TestCaseSource(nameof(MeasureRejectionCases))]
    public void Measure_RejectedInput_LeavesNoTensorAlive(MeasureOp op, MeasureRejection rejection)
    {
        foreach (var spec in op.OptionSets)
            LiveTensors.RejectionLeavesNothing(spec.Name, new[] { LiveTensors.RejectedInput(rejection) }, x => spec.Torch(x[0]));
    }
}
