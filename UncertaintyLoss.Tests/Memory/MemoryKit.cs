namespace UncertaintyLoss.Tests.MemoryKit;

/// <summary>Input variants that take different code paths through the losses.</summary>
public enum LossInputKind
{
    IndexTarget,
    IndexTargetRequiresGrad,
    ProbabilityTarget,
    ProbabilityTargetRequiresGrad,
    SpatialIndexTarget,
    SpatialProbabilityTarget,
    Int32IndexTarget,
    HalfPrecisionIndexTarget,
    BFloat16ProbabilityTarget,
}

/// <summary>Input variants for the one-tensor functions.</summary>
public enum MeasureInputKind
{
    Float32,
    Float32RequiresGrad,
    Float64Spatial,
    Float16,
    BFloat16RequiresGrad,
}

/// <summary>A classification loss reduced as asked.</summary>
public delegate Tensor ReducedLoss(Tensor evidence, Tensor target, Reduction reduction);

/// <summary>
/// Leak checks based on <see cref="DisposeScopeManager.Statistics"/>: the thread's live-tensor count is exact in
/// TorchSharp 0.107 (created minus disposed, in and outside scopes), so a call that leaves anything but its result
/// alive shows up as a difference.
/// </summary>
public static class LiveTensorChecks
{
    private static readonly double[] Evidence43 = { 0.0, 1.0, 2.5, 3.0, 0.5, 0.0, 7.0, 1.0, 1.0, 2.0, 0.0, 40.0 };
    private static readonly long[] Index4 = { 0, 2, 1, 2 };
    private static readonly double[] Probabilities43 = { 1.0, 0.0, 0.0, 0.2, 0.3, 0.5, 0.0, 0.0, 1.0, 0.25, 0.25, 0.5 };
    private static readonly double[] Evidence232 = { 0.0, 1.0, 2.0, 3.0, 4.0, 0.5, 9.0, 0.0, 0.25, 1.5, 6.0, 2.0 };
    private static readonly long[] Index22 = { 2, 0, 1, 1 };
    private static readonly double[] Probabilities232 = { 0.5, 0.0, 0.5, 1.0, 0.0, 0.0, 0.1, 0.2, 0.3, 0.4, 0.6, 0.4 };

    public static long Live => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    /// <summary>Builds the inputs of <paramref name="kind"/>; exactly two tensors stay alive (in the current scope, if any).</summary>
    public static (Tensor Evidence, Tensor Target) LossInputs(LossInputKind kind)
    {
        var e43 = new long[] { 4, 3 };
        var e232 = new long[] { 2, 3, 2 };
        return kind switch
        {
            LossInputKind.IndexTarget => (Tensors.FromDoubles(Evidence43, e43, ScalarType.Float32), Tensors.FromLongs(Index4, new long[] { 4 })),
            LossInputKind.IndexTargetRequiresGrad => (Tensors.FromDoubles(Evidence43, e43, ScalarType.Float32).requires_grad_(), Tensors.FromLongs(Index4, new long[] { 4 })),
            LossInputKind.ProbabilityTarget => (Tensors.FromDoubles(Evidence43, e43, ScalarType.Float32), Tensors.FromDoubles(Probabilities43, e43, ScalarType.Float32)),
            LossInputKind.ProbabilityTargetRequiresGrad => (Tensors.FromDoubles(Evidence43, e43, ScalarType.Float64).requires_grad_(), Tensors.FromDoubles(Probabilities43, e43, ScalarType.Float64)),
            LossInputKind.SpatialIndexTarget => (Tensors.FromDoubles(Evidence232, e232, ScalarType.Float64), Tensors.FromLongs(Index22, new long[] { 2, 2 })),
            LossInputKind.SpatialProbabilityTarget => (Tensors.FromDoubles(Evidence232, e232, ScalarType.Float32).requires_grad_(), Tensors.FromDoubles(Probabilities232, e232, ScalarType.Float32)),
            LossInputKind.Int32IndexTarget => (Tensors.FromDoubles(Evidence43, e43, ScalarType.Float32), Int32Index()),
            LossInputKind.HalfPrecisionIndexTarget => (Tensors.FromDoubles(Evidence43, e43, ScalarType.Float16).requires_grad_(), Tensors.FromLongs(Index4, new long[] { 4 })),
            LossInputKind.BFloat16ProbabilityTarget => (Tensors.FromDoubles(Evidence43, e43, ScalarType.BFloat16), Tensors.FromDoubles(Probabilities43, e43, ScalarType.BFloat16)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    /// <summary>Builds the input of <paramref name="kind"/>; exactly one tensor stays alive.</summary>
    public static Tensor MeasureInput(MeasureInputKind kind) => kind switch
    {
        MeasureInputKind.Float32 => Tensors.FromDoubles(Evidence43, new long[] { 4, 3 }, ScalarType.Float32),
        MeasureInputKind.Float32RequiresGrad => Tensors.FromDoubles(Evidence43, new long[] { 4, 3 }, ScalarType.Float32).requires_grad_(),
        MeasureInputKind.Float64Spatial => Tensors.FromDoubles(Evidence232, new long[] { 2, 3, 2 }, ScalarType.Float64),
        MeasureInputKind.Float16 => Tensors.FromDoubles(Evidence43, new long[] { 4, 3 }, ScalarType.Float16),
        MeasureInputKind.BFloat16RequiresGrad => Tensors.FromDoubles(Evidence232, new long[] { 2, 3, 2 }, ScalarType.BFloat16).requires_grad_(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static Tensor Int32Index()
    {
        using var scope = NewDisposeScope();
        return Tensors.FromLongs(Index4, new long[] { 4 }).to(ScalarType.Int32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Inputs created outside any scope; for every reduction, the call leaves exactly one new live tensor (its
    /// result), and none once the result is disposed. The inputs stay valid, usable and unchanged.
    /// </summary>
    public static void LossLeavesOnlyItsResult(ReducedLoss loss, LossInputKind kind)
    {
        var (evidence, target) = LossInputs(kind);
        try
        {
            var evidenceBefore = Tensors.ToDoubles(evidence);
            var targetBefore = Tensors.ToDoubles(target);
            bool requiresGrad = evidence.requires_grad;
            foreach (var reduction in new[] { Reduction.None, Reduction.Mean, Reduction.Sum })
            {
                long before = Live;
                var result = loss(evidence, target, reduction);
                Assert.That(Live, Is.EqualTo(before + 1), $"{reduction}: only the result may be left alive by the call.");
                Assert.That(result.requires_grad, Is.EqualTo(requiresGrad), $"{reduction}: the result is in the graph exactly when the evidence is.");
                result.Dispose();
                Assert.That(Live, Is.EqualTo(before), $"{reduction}: a tensor created by the call outlives it.");
            }

            AssertUsable(evidence, evidenceBefore, "evidence");
            AssertUsable(target, targetBefore, "target");
            Assert.That(evidence.requires_grad, Is.EqualTo(requiresGrad));
        }
        finally
        {
            evidence.Dispose();
            target.Dispose();
        }
    }

    /// <summary>As <see cref="LossLeavesOnlyItsResult"/> for a one-tensor function.</summary>
    public static void MeasureLeavesOnlyItsResult(Func<Tensor, Tensor> measure, MeasureInputKind kind)
    {
        var input = MeasureInput(kind);
        try
        {
            var inputBefore = Tensors.ToDoubles(input);
            long before = Live;
            var result = measure(input);
            Assert.That(Live, Is.EqualTo(before + 1), "Only the result may be left alive by the call.");
            Assert.That(result.dtype, Is.EqualTo(input.dtype));
            result.Dispose();
            Assert.That(Live, Is.EqualTo(before), "A tensor created by the call outlives it.");
            AssertUsable(input, inputBefore, "input");
        }
        finally
        {
            input.Dispose();
        }
    }

    /// <summary>
    /// Inside a caller's dispose scope (itself inside another), the result joins the innermost caller scope and
    /// nothing else does; the caller's inputs are not disposed by the call; disposing the scope frees everything.
    /// </summary>
    public static void LossResultJoinsCallerScope(ReducedLoss loss, LossInputKind kind, Reduction reduction)
    {
        long before = Live;
        Tensor result, evidence, target;
        using (var outer = NewDisposeScope())
        {
            using (var scope = NewDisposeScope())
            {
                (evidence, target) = LossInputs(kind);
                int count = scope.DisposablesCount;
                int outerCount = outer.DisposablesCount;
                result = loss(evidence, target, reduction);
                Assert.That(scope.Contains(result), Is.True, "The result must be attached to the caller's scope.");
                Assert.That(scope.DisposablesCount, Is.EqualTo(count + 1), "Only the result may join the caller's scope.");
                Assert.That(outer.DisposablesCount, Is.EqualTo(outerCount), "Nothing may join an outer scope.");
                Assert.That(scope.Contains(evidence) && scope.Contains(target), Is.True, "The inputs stay in the caller's scope.");
                Assert.That(evidence.IsInvalid || target.IsInvalid, Is.False, "The call must not dispose its inputs.");
                Assert.That(double.IsNaN(result.detach().to(ScalarType.Float64).sum().item<double>()), Is.False, "The result must be usable inside the scope.");
            }

            Assert.That(result.IsInvalid, Is.True, "Disposing the caller's scope disposes the result.");
            Assert.That(evidence.IsInvalid && target.IsInvalid, Is.True);
        }

        Assert.That(Live, Is.EqualTo(before), "Nothing may stay alive after the caller's scope ends.");
    }

    /// <summary>As <see cref="LossResultJoinsCallerScope"/> for a one-tensor function.</summary>
    public static void MeasureResultJoinsCallerScope(Func<Tensor, Tensor> measure, MeasureInputKind kind)
    {
        long before = Live;
        Tensor result, input;
        using (var outer = NewDisposeScope())
        {
            using (var scope = NewDisposeScope())
            {
                input = MeasureInput(kind);
                int count = scope.DisposablesCount;
                int outerCount = outer.DisposablesCount;
                result = measure(input);
                Assert.That(scope.Contains(result), Is.True, "The result must be attached to the caller's scope.");
                Assert.That(scope.DisposablesCount, Is.EqualTo(count + 1), "Only the result may join the caller's scope.");
                Assert.That(outer.DisposablesCount, Is.EqualTo(outerCount), "Nothing may join an outer scope.");
                Assert.That(scope.Contains(input), Is.True);
                Assert.That(input.IsInvalid, Is.False, "The call must not dispose its input.");
                Assert.That(double.IsNaN(result.detach().to(ScalarType.Float64).sum().item<double>()), Is.False, "The result must be usable inside the scope.");
            }

            Assert.That(result.IsInvalid, Is.True, "Disposing the caller's scope disposes the result.");
            Assert.That(input.IsInvalid, Is.True);
        }

        Assert.That(Live, Is.EqualTo(before), "Nothing may stay alive after the caller's scope ends.");
    }

    /// <summary>
    /// A call rejected by validation leaves the live count unchanged, outside any scope and inside a caller's scope
    /// (whose content it must not change); the inputs stay valid.
    /// </summary>
    public static void RejectionLeavesNothing(Func<Tensor> buildFirst, Func<Tensor?> buildSecond, Func<Tensor, Tensor?, Tensor> call)
    {
        var first = buildFirst();
        var second = buildSecond();
        try
        {
            long before = Live;
            Assert.That(() => call(first, second), Throws.InstanceOf<ArgumentException>());
            Assert.That(Live, Is.EqualTo(before), "A rejected call leaves tensors alive.");

            using (var scope = NewDisposeScope())
            {
                int count = scope.DisposablesCount;
                Assert.That(() => call(first, second), Throws.InstanceOf<ArgumentException>());
                Assert.That(scope.DisposablesCount, Is.EqualTo(count), "A rejected call leaves tensors in the caller's scope.");
            }

            Assert.That(Live, Is.EqualTo(before), "A rejected call inside a scope leaves tensors alive.");
            Assert.That(first.IsInvalid || (second?.IsInvalid ?? false), Is.False, "A rejected call must not dispose its inputs.");
        }
        finally
        {
            first.Dispose();
            second?.Dispose();
        }
    }

    private static void AssertUsable(Tensor t, double[] valuesBefore, string name)
    {
        Assert.That(t.IsInvalid, Is.False, $"The {name} was disposed by the call.");
        using (var sum = t.detach().to(ScalarType.Float64).sum())
            Assert.That(double.IsFinite(sum.item<double>()), Is.True, $"The {name} is no longer usable.");
        Assert.That(Tensors.ToDoubles(t), Is.EqualTo(valuesBefore), $"The call changed the {name} in place.");
    }
}

/// <summary>Inputs that fail validation, built outside any scope.</summary>
public static class RejectedInputs
{
    public static Tensor NegativeEvidence() => Tensors.FromDoubles(new[] { 0.0, 1.0, -0.5, 2.0, 3.0, 0.0 }, new long[] { 2, 3 }, ScalarType.Float32);

    public static Tensor Evidence() => Tensors.FromDoubles(new[] { 0.0, 1.0, 0.5, 2.0, 3.0, 0.0 }, new long[] { 2, 3 }, ScalarType.Float32);

    public static Tensor Index() => Tensors.FromLongs(new long[] { 1, 2 }, new long[] { 2 });

    public static Tensor IndexOutOfRange() => Tensors.FromLongs(new long[] { 1, 3 }, new long[] { 2 });

    public static Tensor IndexWrongShape() => Tensors.FromLongs(new long[] { 1, 2, 0 }, new long[] { 3 });

    public static Tensor ProbabilityAboveOne() => Tensors.FromDoubles(new[] { 0.0, 1.5, 0.0, 0.2, 0.3, 0.5 }, new long[] { 2, 3 }, ScalarType.Float32);

    public static Tensor Rank1Evidence() => Tensors.FromDoubles(new[] { 0.0, 1.0, 0.5 }, new long[] { 3 }, ScalarType.Float32);

    public static Tensor IntegerX() => Tensors.FromLongs(new long[] { 1, 2, 3 }, new long[] { 3 });

    public static Tensor IntegerLogits() => Tensors.FromLongs(new long[] { 1, 2, 3, 4, 5, 6 }, new long[] { 2, 3 });
}

/// <summary>Ways a loss call can be rejected, through the metadata checks and through the value checks.</summary>
public enum LossRejection
{
    NegativeEvidence,
    IndexOutOfRange,
    ProbabilityAboveOne,
    TargetWrongShape,
}

public static class LossRejectionCases
{
    /// <summary>Builders of the evidence and target for <paramref name="rejection"/>.</summary>
    public static (Func<Tensor> Evidence, Func<Tensor?> Target) Inputs(LossRejection rejection) => rejection switch
    {
        LossRejection.NegativeEvidence => (RejectedInputs.NegativeEvidence, RejectedInputs.Index),
        LossRejection.IndexOutOfRange => (RejectedInputs.Evidence, RejectedInputs.IndexOutOfRange),
        LossRejection.ProbabilityAboveOne => (RejectedInputs.Evidence, RejectedInputs.ProbabilityAboveOne),
        LossRejection.TargetWrongShape => (RejectedInputs.Evidence, RejectedInputs.IndexWrongShape),
        _ => throw new ArgumentOutOfRangeException(nameof(rejection)),
    };

    public static void Check(LossRejection rejection, Func<Tensor, Tensor, Tensor> loss)
    {
        var (evidence, target) = Inputs(rejection);
        LiveTensorChecks.RejectionLeavesNothing(evidence, target, (e, t) => loss(e, t!));
    }
}
