namespace UncertaintyLoss.Tests.WeightIgnoreKit;

/// <summary>Shared bodies of the weight / ignoreIndex tests. The checks that return a string return null on success.</summary>
public static class WeightIgnoreChecks
{
    /// <summary>Gradient tolerance relative to max_k |g_k| (see PropertyChecks.GradientTolerance for the error budget).</summary>
    public const double GradientTolerance = 1e-6;

    /// <summary>Absolute floor in units of |F| / max(1, |x_i|), for the rounding noise of the differences.</summary>
    public const double GradientNoiseFloor = 1e-10;

    public static long Live => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    private static string R(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    private static string Shape(long[] s) => "[" + string.Join(", ", s) + "]";

    /// <summary>Per position max(|l_n|, magnitude_n): the scale the dtype's relative tolerance applies to.</summary>
    private static double[] Scales(WeightedLoss loss, WeightIgnoreCase c, double[] values)
    {
        double[] m = loss.Magnitude is null ? new double[values.Length] : c.PerPosition(loss.Magnitude);
        return values.Select((x, i) => Math.Max(Math.Abs(x), m[i])).ToArray();
    }

    /// <summary>
    /// The loss with <paramref name="reduction"/> against the weighted/ignored reference: None element-wise within
    /// rtol·v_n·max(|l_n|, magnitude_n) (exactly 0 where v_n = 0), Sum and Mean within rtol of the reduced scales
    /// (Mean exactly 0 when Σ v_n = 0). Checks dtype and shape too.
    /// </summary>
    public static string? ReferenceFailure(WeightedLoss loss, WeightIgnoreCase c, Reduction reduction)
    {
        using var scope = NewDisposeScope();
        double[] l = c.PerPosition(loss.Reference);
        double[] s = Scales(loss, c, l);
        double[]? w = c.EffectiveWeight;
        var output = loss.Call(c.EvidenceTensor(), c.TargetTensor(), reduction, c.WeightTensor(), c.IgnoreIndex);
        if (output.dtype != c.Dtype)
            return $"{loss} {reduction}: dtype {output.dtype}, expected the evidence's {c.Dtype}; {c}";

        if (reduction == Reduction.None)
        {
            if (!output.shape.SequenceEqual(c.PositionShape))
                return $"{loss} None: shape {Shape(output.shape)}, expected {Shape(c.PositionShape)}; {c}";
            double[] actual = Tensors.ToDoubles(output);
            double[] expected = WeightedReductionReference.None(l, c.Target, w, c.IgnoreIndex);
            double[] scale = WeightedReductionReference.None(s, c.Target, w, c.IgnoreIndex);
            for (int n = 0; n < expected.Length; n++)
            {
                if (!Tolerance.Close(actual[n], expected[n], c.Dtype, scale[n]))
                {
                    return $"{loss} None at position {n} (target {c.Target[n]}{(c.IsIgnored(n) ? ", ignored" : "")}): actual {R(actual[n])}, " +
                        $"expected {R(expected[n])}, scale {R(scale[n])}; {c}";
                }
            }

            return null;
        }

        if (output.dim() != 0)
            return $"{loss} {reduction}: shape {Shape(output.shape)}, expected a scalar; {c}";
        double got = output.to(ScalarType.Float64).item<double>();
        bool mean = reduction == Reduction.Mean;
        double want = mean ? WeightedReductionReference.Mean(l, c.Target, w, c.IgnoreIndex) : WeightedReductionReference.Sum(l, c.Target, w, c.IgnoreIndex);
        double tolScale = mean ? WeightedReductionReference.Mean(s, c.Target, w, c.IgnoreIndex) : WeightedReductionReference.Sum(s, c.Target, w, c.IgnoreIndex);
        return Tolerance.Close(got, want, c.Dtype, tolScale)
            ? null
            : $"{loss} {reduction}: actual {R(got)}, expected {R(want)} (Σ v_n = {R(WeightedReductionReference.Denominator(c.Target, w, c.IgnoreIndex))}), scale {R(tolScale)}; {c}";
    }

    /// <summary>Richardson-extrapolated central differences (4·D(h) − D(2h))/3 with <see cref="FiniteDifference.CentralGradient"/>.</summary>
    public static double[] FiniteDifferenceGradient(Func<double[], double> f, double[] x)
    {
        double[] fine = FiniteDifference.CentralGradient(f, x, relativeStep: 1e-4);
        double[] coarse = FiniteDifference.CentralGradient(f, x, relativeStep: 2e-4);
        return fine.Select((g, i) => (4 * g - coarse[i]) / 3).ToArray();
    }

    /// <summary>
    /// Float64 autograd gradient of the weighted/ignored Mean or Sum against finite differences of the reference
    /// reduction; exactly 0 at every evidence element of a position whose weight v_n is 0 (ignored or weighted 0).
    /// </summary>
    public static string? GradientFailure(WeightedLoss loss, WeightIgnoreCase c, Reduction reduction)
    {
        if (c.Dtype != ScalarType.Float64)
            throw new ArgumentException("Gradient checks run in Float64.", nameof(c));
        if (reduction == Reduction.None)
            throw new ArgumentException("Gradient checks need a scalar.", nameof(reduction));
        using var scope = NewDisposeScope();
        var evidence = c.EvidenceTensor(requiresGrad: true);
        loss.Call(evidence, c.TargetTensor(), reduction, c.WeightTensor(), c.IgnoreIndex).backward();
        if (evidence.grad is null)
            return $"{loss} {reduction}: no gradient reached the evidence; {c}";
        double[] actual = Tensors.ToDoubles(evidence.grad);

        double[]? w = c.EffectiveWeight;
        var v = WeightedReductionReference.PositionWeights(c.Target, w, c.IgnoreIndex);
        for (int p = 0; p < v.Length; p++)
        {
            if (v[p] != 0.0)
                continue;
            foreach (int i in c.ElementsOf(p))
            {
                if (actual[i] != 0.0)
                    return $"{loss} {reduction}: gradient {R(actual[i])} at element {i} of position {p} (target {c.Target[p]}, {(c.IsIgnored(p) ? "ignored" : "weight 0")}), expected exactly 0; {c}";
            }
        }

        Func<double[], double> f = reduction == Reduction.Mean
            ? e => WeightedReductionReference.Mean(c.PerPosition(loss.Reference, e), c.Target, w, c.IgnoreIndex)
            : e => WeightedReductionReference.Sum(c.PerPosition(loss.Reference, e), c.Target, w, c.IgnoreIndex);
        double value = f(c.Evidence);
        double[] expected = FiniteDifferenceGradient(f, c.Evidence);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < actual.Length; i++)
        {
            double tolerance = GradientTolerance * Math.Max(scale, double.Epsilon) + GradientNoiseFloor * Math.Abs(value) / Math.Max(1.0, Math.Abs(c.Evidence[i]));
            if (!(Math.Abs(actual[i] - expected[i]) <= tolerance))
                return $"{loss} {reduction} gradient at element {i}: autograd {R(actual[i])}, finite difference {R(expected[i])}, gradient scale {R(scale)}, tolerance {R(tolerance)}; {c}";
        }

        return null;
    }

    /// <summary>
    /// Every position ignored: None all exactly 0 with the position shape, Sum 0, Mean 0 (not NaN); backward through
    /// each works and leaves an all-zero, finite gradient.
    /// </summary>
    public static void AssertZeroEverywhere(WeightedLoss loss, WeightIgnoreCase c)
    {
        foreach (var reduction in WeightIgnoreCases.AllReductions)
        {
            using var scope = NewDisposeScope();
            var evidence = c.EvidenceTensor(requiresGrad: true);
            var output = loss.Call(evidence, c.TargetTensor(), reduction, c.WeightTensor(), c.IgnoreIndex);
            Assert.That(output.dtype, Is.EqualTo(c.Dtype), $"{reduction}: dtype");
            double[] values = Tensors.ToDoubles(output);
            if (reduction == Reduction.None)
            {
                Assert.That(output.shape, Is.EqualTo(c.PositionShape), "None: shape");
                Assert.That(values, Is.All.EqualTo(0.0), $"None: every weighted/ignored position must be exactly 0; {c}");
            }
            else
            {
                Assert.That(output.dim(), Is.EqualTo(0), $"{reduction}: a scalar");
                Assert.That(values[0], Is.Not.NaN, $"{reduction} must not be NaN (unlike cross_entropy); {c}");
                Assert.That(values[0], Is.EqualTo(0.0), $"{reduction} must be exactly 0; {c}");
            }

            (reduction == Reduction.None ? output.sum() : output).backward();
            Assert.That(evidence.grad, Is.Not.Null, $"{reduction}: backward must reach the evidence");
            double[] grad = Tensors.ToDoubles(evidence.grad!);
            Assert.That(grad.All(double.IsFinite), Is.True, $"{reduction}: gradient must be finite; {c}");
            Assert.That(grad, Is.All.EqualTo(0.0), $"{reduction}: gradient must be all zeros; {c}");
        }
    }

    /// <summary>Every reduction of the call with <paramref name="ignoreIndex"/> and no weight equals the Core call exactly (==).</summary>
    public static void AssertEqualsCoreExactly(WeightedLoss loss, WeightIgnoreCase c, long ignoreIndex)
    {
        Assert.That(c.Target, Has.None.EqualTo(ignoreIndex), "Test setup: no position may be ignored.");
        foreach (var reduction in WeightIgnoreCases.AllReductions)
        {
            using var scope = NewDisposeScope();
            var evidence = c.EvidenceTensor();
            var target = c.TargetTensor();
            var core = loss.Core(evidence, target, reduction);
            var withArguments = loss.Call(evidence, target, reduction, null, ignoreIndex);
            Assert.That(withArguments.dtype, Is.EqualTo(core.dtype), $"{reduction}: dtype");
            Assert.That(withArguments.shape, Is.EqualTo(core.shape), $"{reduction}: shape");
            double[] expected = ValuesOf(core);
            if (c.Target.Length > 0)
                Assert.That(expected.All(double.IsFinite), Is.True, "Test setup: the Core result is finite.");
            double[] actual = ValuesOf(withArguments);
            Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{reduction}: number of values");
            for (int i = 0; i < expected.Length; i++)
            {
                bool same = actual[i] == expected[i] || (double.IsNaN(actual[i]) && double.IsNaN(expected[i]));
                Assert.That(same, Is.True, $"{reduction} value {i}: {R(actual[i])}, the Core call gives {R(expected[i])}; ignoreIndex {ignoreIndex} (absent) without weight must be the Core result exactly; {c}");
            }
        }
    }

    /// <summary>
    /// An empty batch ((0, C) or (N, C, 0)) with a weight: None is empty, Sum 0 and Mean 0 (the weights of no position sum
    /// to 0), in the evidence's dtype.
    /// </summary>
    public static void AssertEmptyBatchWithWeightIsZero(WeightedLoss loss, long[] shape)
    {
        using var scope = NewDisposeScope();
        var evidence = zeros(shape, ScalarType.Float32);
        var target = zeros(ReferenceTensor.PositionShape(shape), ScalarType.Int64);
        var weight = Tensors.FromDoubles(Enumerable.Range(1, (int)shape[1]).Select(k => k / 2.0).ToArray(), new long[] { shape[1] }, ScalarType.Float32);
        foreach (var reduction in WeightIgnoreCases.AllReductions)
        {
            var output = loss.Call(evidence, target, reduction, weight, 255);
            Assert.That(output.dtype, Is.EqualTo(ScalarType.Float32), $"{reduction}: dtype");
            if (reduction == Reduction.None)
            {
                Assert.That(output.shape, Is.EqualTo(ReferenceTensor.PositionShape(shape)), "None: shape");
                continue;
            }

            Assert.That(output.dim(), Is.EqualTo(0), $"{reduction}: a scalar");
            Assert.That(output.item<float>(), Is.EqualTo(0f), $"{reduction} over no position with a weight is 0 (not NaN).");
        }
    }

    /// <summary>|a − b| ≤ rtol·max(|a|, |b|).</summary>
    public static bool RelativelyClose(double a, double b, double rtol) =>
        Math.Abs(a - b) <= rtol * Math.Max(Math.Abs(a), Math.Abs(b));

    /// <summary>
    /// The call leaves exactly its result alive for every reduction, nothing once the result is disposed, and the inputs
    /// (evidence, target, weight) valid and unchanged.
    /// </summary>
    public static void AssertLeavesOnlyResult(WeightedLoss loss, WeightIgnoreCase c, bool requiresGrad)
    {
        var evidence = c.EvidenceTensor(requiresGrad);
        var target = c.TargetTensor();
        var weight = c.WeightTensor() ?? throw new ArgumentException("Test setup: the case needs a weight.", nameof(c));
        try
        {
            Assert.That(c.IgnoredCount, Is.GreaterThan(0), "Test setup: some positions are ignored.");
            foreach (var reduction in WeightIgnoreCases.AllReductions)
            {
                long before = Live;
                var result = loss.Call(evidence, target, reduction, weight, c.IgnoreIndex);
                Assert.That(Live, Is.EqualTo(before + 1), $"{reduction}: only the result may be left alive by the call.");
                Assert.That(result.requires_grad, Is.EqualTo(requiresGrad), $"{reduction}: the result is in the graph exactly when the evidence is.");
                result.Dispose();
                Assert.That(Live, Is.EqualTo(before), $"{reduction}: a tensor created by the call outlives it.");
            }

            AssertUsable(evidence, c.Evidence, "evidence");
            AssertUsable(target, c.Target.Select(t => (double)t).ToArray(), "target");
            AssertUsable(weight, c.Weight!, "weight");
            Assert.That(evidence.requires_grad, Is.EqualTo(requiresGrad), "The evidence's requires_grad changed.");
            Assert.That(weight.dtype, Is.EqualTo(c.WeightDtype), "The weight's dtype changed.");
        }
        finally
        {
            evidence.Dispose();
            target.Dispose();
            weight.Dispose();
        }
    }

    /// <summary>Inside a caller's scope the result (and nothing else) joins that scope; the inputs are not disposed.</summary>
    public static void AssertResultJoinsCallerScope(WeightedLoss loss, WeightIgnoreCase c, Reduction reduction)
    {
        long before = Live;
        Tensor result, evidence, target, weight;
        using (var scope = NewDisposeScope())
        {
            evidence = c.EvidenceTensor(requiresGrad: true);
            target = c.TargetTensor();
            weight = c.WeightTensor()!;
            int count = scope.DisposablesCount;
            result = loss.Call(evidence, target, reduction, weight, c.IgnoreIndex);
            Assert.That(scope.Contains(result), Is.True, "The result must join the caller's scope.");
            Assert.That(scope.DisposablesCount, Is.EqualTo(count + 1), "Only the result may join the caller's scope.");
            Assert.That(evidence.IsInvalid || target.IsInvalid || weight.IsInvalid, Is.False, "The call must not dispose its inputs.");
        }

        Assert.That(result.IsInvalid, Is.True, "Disposing the caller's scope disposes the result.");
        Assert.That(Live, Is.EqualTo(before), "Nothing may stay alive after the caller's scope ends.");
    }

    /// <summary>As <see cref="Tensors.ToDoubles"/>, also for an empty tensor (TorchSharp's data accessor rejects those).</summary>
    private static double[] ValuesOf(Tensor t) => t.numel() == 0 ? Array.Empty<double>() : Tensors.ToDoubles(t);

    private static void AssertUsable(Tensor t, double[] valuesBefore, string name)
    {
        Assert.That(t.IsInvalid, Is.False, $"The {name} was disposed by the call.");
        Assert.That(Tensors.ToDoubles(t), Is.EqualTo(valuesBefore), $"The call changed the {name}.");
    }
}
