namespace UncertaintyLoss.Tests.TestSupport;

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

/// <summary>Ways a loss call can be rejected, through the metadata checks and through the value checks.</summary>
public enum LossRejection
{
    NegativeEvidence,
    IndexOutOfRange,
    ProbabilityAboveOne,
    TargetWrongShape,
}

/// <summary>Ways a one-tensor call can be rejected: a value check (evidence only), the rank, the dtype.</summary>
public enum MeasureRejection
{
    NegativeEvidence,
    Rank1Input,
    IntegerInput,
}

/// <summary>
/// Leak checks based on <see cref="DisposeScopeManager.Statistics"/>: the thread's live-tensor count is exact in
/// TorchSharp 0.107 (created minus disposed, in and outside scopes), so a call that leaves anything but its result
/// alive shows up as a difference.
/// </summary>
public static class LiveTensors
{
    private static readonly double[] Evidence43 = { 0.0, 1.0, 2.5, 3.0, 0.5, 0.0, 7.0, 1.0, 1.0, 2.0, 0.0, 40.0 };
    private static readonly long[] Index4 = { 0, 2, 1, 2 };
    private static readonly double[] Probabilities43 = { 1.0, 0.0, 0.0, 0.2, 0.3, 0.5, 0.0, 0.0, 1.0, 0.25, 0.25, 0.5 };
    private static readonly double[] Evidence232 = { 0.0, 1.0, 2.0, 3.0, 4.0, 0.5, 9.0, 0.0, 0.25, 1.5, 6.0, 2.0 };
    private static readonly long[] Index22 = { 2, 0, 1, 1 };
    private static readonly double[] Probabilities232 = { 0.5, 0.0, 0.5, 1.0, 0.0, 0.0, 0.1, 0.2, 0.3, 0.4, 0.6, 0.4 };
    private static readonly long[] Shape43 = { 4, 3 }, Shape232 = { 2, 3, 2 };

    public static long Live => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    /// <summary>Builds the evidence and target of <paramref name="kind"/>; exactly two tensors stay alive (in the current scope, if any).</summary>
    public static Tensor[] LossInputs(LossInputKind kind) => kind switch
    {
        LossInputKind.IndexTarget => new[] { Tensors.FromDoubles(Evidence43, Shape43, ScalarType.Float32), Index() },
        LossInputKind.IndexTargetRequiresGrad => new[] { Tensors.FromDoubles(Evidence43, Shape43, ScalarType.Float32).requires_grad_(), Index() },
        LossInputKind.ProbabilityTarget => new[] { Tensors.FromDoubles(Evidence43, Shape43, ScalarType.Float32), Tensors.FromDoubles(Probabilities43, Shape43, ScalarType.Float32) },
        LossInputKind.ProbabilityTargetRequiresGrad => new[] { Tensors.FromDoubles(Evidence43, Shape43, ScalarType.Float64).requires_grad_(), Tensors.FromDoubles(Probabilities43, Shape43, ScalarType.Float64) },
        LossInputKind.SpatialIndexTarget => new[] { Tensors.FromDoubles(Evidence232, Shape232, ScalarType.Float64), Tensors.FromLongs(Index22, new long[] { 2, 2 }) },
        LossInputKind.SpatialProbabilityTarget => new[] { Tensors.FromDoubles(Evidence232, Shape232, ScalarType.Float32).requires_grad_(), Tensors.FromDoubles(Probabilities232, Shape232, ScalarType.Float32) },
        LossInputKind.Int32IndexTarget => new[] { Tensors.FromDoubles(Evidence43, Shape43, ScalarType.Float32), Int32Index() },
        LossInputKind.HalfPrecisionIndexTarget => new[] { Tensors.FromDoubles(Evidence43, Shape43, ScalarType.Float16).requires_grad_(), Index() },
        LossInputKind.BFloat16ProbabilityTarget => new[] { Tensors.FromDoubles(Evidence43, Shape43, ScalarType.BFloat16), Tensors.FromDoubles(Probabilities43, Shape43, ScalarType.BFloat16) },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Builds the input of <paramref name="kind"/>; exactly one tensor stays alive.</summary>
    public static Tensor MeasureInput(MeasureInputKind kind) => kind switch
    {
        MeasureInputKind.Float32 => Tensors.FromDoubles(Evidence43, Shape43, ScalarType.Float32),
        MeasureInputKind.Float32RequiresGrad => Tensors.FromDoubles(Evidence43, Shape43, ScalarType.Float32).requires_grad_(),
        MeasureInputKind.Float64Spatial => Tensors.FromDoubles(Evidence232, Shape232, ScalarType.Float64),
        MeasureInputKind.Float16 => Tensors.FromDoubles(Evidence43, Shape43, ScalarType.Float16),
        MeasureInputKind.BFloat16RequiresGrad => Tensors.FromDoubles(Evidence232, Shape232, ScalarType.BFloat16).requires_grad_(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static Tensor Index() => Tensors.FromLongs(Index4, new long[] { 4 });

    private static Tensor Int32Index()
    {
        using var scope = NewDisposeScope();
        return Index().to(ScalarType.Int32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Inputs of <paramref name="kind"/> created outside any scope; for every reduction, the call leaves exactly one new
    /// live tensor (its result), and none once the result is disposed. The inputs stay valid, usable and unchanged.
    /// </summary>
    public static void LossLeavesOnlyItsResult(string name, Func<Tensor, Tensor, Reduction, Tensor> loss, LossInputKind kind)
    {
        var inputs = LossInputs(kind);
        LeavesOnlyItsResult(inputs,
            new[] { Reduction.None, Reduction.Mean, Reduction.Sum }.Select(r => ($"{name}, {r}", (Func<Tensor>)(() => loss(inputs[0], inputs[1], r)))));
    }

    /// <summary>As <see cref="LossLeavesOnlyItsResult"/> for a one-tensor function.</summary>
    public static void MeasureLeavesOnlyItsResult(string name, Func<Tensor, Tensor> measure, MeasureInputKind kind)
    {
        var input = MeasureInput(kind);
        LeavesOnlyItsResult(new[] { input }, new[] { (name, (Func<Tensor>)(() => measure(input))) });
    }

    /// <summary>
    /// Inside a caller's dispose scope (itself inside another), the result joins the innermost caller scope and
    /// nothing else does; the caller's inputs are not disposed by the call; disposing the scope frees everything.
    /// </summary>
    public static void LossResultJoinsCallerScope(string name, Func<Tensor, Tensor, Reduction, Tensor> loss, LossInputKind kind, Reduction reduction) =>
        ResultJoinsCallerScope($"{name}, {reduction}", () => LossInputs(kind), x => loss(x[0], x[1], reduction));

    /// <summary>As <see cref="LossResultJoinsCallerScope"/> for a one-tensor function.</summary>
    public static void MeasureResultJoinsCallerScope(string name, Func<Tensor, Tensor> measure, MeasureInputKind kind) =>
        ResultJoinsCallerScope(name, () => new[] { MeasureInput(kind) }, x => measure(x[0]));

    /// <summary>
    /// A call rejected by validation leaves the live count unchanged, outside any scope and inside a caller's scope
    /// (whose content it must not change); the inputs (built outside any scope) stay valid.
    /// </summary>
    public static void RejectionLeavesNothing(string name, Tensor[] inputs, Func<Tensor[], Tensor> call)
    {
        try
        {
            long before = Live;
            Assert.That(() => call(inputs), Throws.InstanceOf<ArgumentException>(), name);
            Assert.That(Live, Is.EqualTo(before), $"{name}: a rejected call leaves tensors alive.");

            using (var scope = NewDisposeScope())
            {
                int count = scope.DisposablesCount;
                Assert.That(() => call(inputs), Throws.InstanceOf<ArgumentException>(), name);
                Assert.That(scope.DisposablesCount, Is.EqualTo(count), $"{name}: a rejected call leaves tensors in the caller's scope.");
            }

            Assert.That(Live, Is.EqualTo(before), $"{name}: a rejected call inside a scope leaves tensors alive.");
            Assert.That(inputs.Any(t => t.IsInvalid), Is.False, $"{name}: a rejected call must not dispose its inputs.");
        }
        finally
        {
            foreach (var t in inputs)
                t.Dispose();
        }
    }

    /// <summary>Evidence and target of <paramref name="rejection"/>, built outside any scope.</summary>
    public static Tensor[] RejectedInputs(LossRejection rejection) => rejection switch
    {
        LossRejection.NegativeEvidence => new[] { Rejected.NegativeEvidence(), Rejected.Index() },
        LossRejection.IndexOutOfRange => new[] { Rejected.Evidence(), Rejected.IndexOutOfRange() },
        LossRejection.ProbabilityAboveOne => new[] { Rejected.Evidence(), Rejected.ProbabilityAboveOne() },
        LossRejection.TargetWrongShape => new[] { Rejected.Evidence(), Rejected.IndexWrongShape() },
        _ => throw new ArgumentOutOfRangeException(nameof(rejection)),
    };

    /// <summary>The input of <paramref name="rejection"/>, built outside any scope.</summary>
    public static Tensor RejectedInput(MeasureRejection rejection) => rejection switch
    {
        MeasureRejection.NegativeEvidence => Rejected.NegativeEvidence(),
        MeasureRejection.Rank1Input => Rejected.Rank1Evidence(),
        MeasureRejection.IntegerInput => Rejected.IntegerLogits(),
        _ => throw new ArgumentOutOfRangeException(nameof(rejection)),
    };

    private static void LeavesOnlyItsResult(Tensor[] inputs, IEnumerable<(string What, Func<Tensor> Call)> calls)
    {
        try
        {
            var valuesBefore = inputs.Select(Tensors.ToDoubles).ToArray();
            bool requiresGrad = inputs[0].requires_grad;
            foreach (var (what, call) in calls)
            {
                long before = Live;
                var result = call();
                Assert.That(Live, Is.EqualTo(before + 1), $"{what}: only the result may be left alive by the call.");
                Assert.That(result.dtype, Is.EqualTo(inputs[0].dtype), $"{what}: the result has the input's dtype.");
                Assert.That(result.requires_grad, Is.EqualTo(requiresGrad), $"{what}: the result is in the graph exactly when the input is.");
                result.Dispose();
                Assert.That(Live, Is.EqualTo(before), $"{what}: a tensor created by the call outlives it.");
            }

            for (int i = 0; i < inputs.Length; i++)
                AssertUsable(inputs[i], valuesBefore[i], $"input {i}");
            Assert.That(inputs[0].requires_grad, Is.EqualTo(requiresGrad));
        }
        finally
        {
            foreach (var t in inputs)
                t.Dispose();
        }
    }

    private static void ResultJoinsCallerScope(string what, Func<Tensor[]> buildInputs, Func<Tensor[], Tensor> call)
    {
        long before = Live;
        Tensor result;
        Tensor[] inputs;
        using (var outer = NewDisposeScope())
        {
            using (var scope = NewDisposeScope())
            {
                inputs = buildInputs();
                int count = scope.DisposablesCount;
                int outerCount = outer.DisposablesCount;
                result = call(inputs);
                Assert.That(scope.Contains(result), Is.True, $"{what}: the result must be attached to the caller's scope.");
                Assert.That(scope.DisposablesCount, Is.EqualTo(count + 1), $"{what}: only the result may join the caller's scope.");
                Assert.That(outer.DisposablesCount, Is.EqualTo(outerCount), $"{what}: nothing may join an outer scope.");
                Assert.That(inputs.All(scope.Contains), Is.True, $"{what}: the inputs stay in the caller's scope.");
                Assert.That(inputs.Any(t => t.IsInvalid), Is.False, $"{what}: the call must not dispose its inputs.");
                Assert.That(double.IsNaN(result.detach().to(ScalarType.Float64).sum().item<double>()), Is.False, $"{what}: the result must be usable inside the scope.");
            }

            Assert.That(result.IsInvalid, Is.True, $"{what}: disposing the caller's scope disposes the result.");
            Assert.That(inputs.All(t => t.IsInvalid), Is.True, what);
        }

        Assert.That(Live, Is.EqualTo(before), $"{what}: nothing may stay alive after the caller's scope ends.");
    }

    private static void AssertUsable(Tensor t, double[] valuesBefore, string name)
    {
        Assert.That(t.IsInvalid, Is.False, $"The {name} was disposed by the call.");
        using (var sum = t.detach().to(ScalarType.Float64).sum())
            Assert.That(double.IsFinite(sum.item<double>()), Is.True, $"The {name} is no longer usable.");
        Assert.That(Tensors.ToDoubles(t), Is.EqualTo(valuesBefore), $"The call changed the {name} in place.");
    }
}

/// <summary>Inputs that fail validation (or, for <see cref="Evidence"/>, pair with one that does), built outside any scope.</summary>
public static class Rejected
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
