namespace UncertaintyLoss.Tests.PropertyTesting;

/// <summary>A loss under test and its double-precision reference at one position.</summary>
public sealed class LossSpec
{
    public LossSpec(
        string name,
        Func<Tensor, Tensor, Reduction, Tensor> torch,
        Func<double[], int, double> byIndex,
        Func<double[], double[], double> byProbability,
        Func<double[], double[], double>? magnitude = null)
    {
        Name = name;
        Torch = torch;
        ByIndex = byIndex;
        ByProbability = byProbability;
        Magnitude = magnitude;
    }

    public string Name { get; }

    /// <summary>The library call: (evidence, target, reduction) → loss.</summary>
    public Func<Tensor, Tensor, Reduction, Tensor> Torch { get; }

    /// <summary>Reference loss at one position for a class index.</summary>
    public Func<double[], int, double> ByIndex { get; }

    /// <summary>Reference loss at one position for a probability vector.</summary>
    public Func<double[], double[], double> ByProbability { get; }

    /// <summary>Size of the terms that cancel in the reference at one position (null: none cancel).</summary>
    public Func<double[], double[], double>? Magnitude { get; }

    /// <summary>
    /// (perPosition, at) → the per-position function of the evidence whose derivatives at <c>at</c> autograd computes
    /// (<see cref="UncertaintyLoss.Tests.Ops.LossVariant.Differentiated"/>); null: the reference itself.
    /// </summary>
    public Func<Func<double[], Func<double[], double[], double>, double[]>, double[], Func<double[], double[]>>? Differentiated { get; init; }

    public override string ToString() => Name;
}

/// <summary>An uncertainty measure under test: per position a scalar (shape (N, d…)) or a C-vector (shape (N, C, d…)).</summary>
public sealed class MeasureSpec
{
    private MeasureSpec(string name, Func<Tensor, Tensor> torch, Func<double[], double>? scalar, Func<double[], double[]>? vector, Func<double[], double>? magnitude)
    {
        Name = name;
        Torch = torch;
        Scalar = scalar;
        Vector = vector;
        Magnitude = magnitude;
    }

    public string Name { get; }

    public Func<Tensor, Tensor> Torch { get; }

    public Func<double[], double>? Scalar { get; }

    public Func<double[], double[]>? Vector { get; }

    public Func<double[], double>? Magnitude { get; }

    public bool IsVector => Vector is not null;

    public static MeasureSpec PerPosition(string name, Func<Tensor, Tensor> torch, Func<double[], double> reference, Func<double[], double>? magnitude = null) =>
        new(name, torch, reference, null, magnitude);

    public static MeasureSpec PerClass(string name, Func<Tensor, Tensor> torch, Func<double[], double[]> reference) =>
        new(name, torch, null, reference, null);

    /// <summary>Reference values, row-major, with the library's output layout.</summary>
    public double[] Reference(double[] values, long[] shape) =>
        Vector is not null ? ReferenceTensor.PerPositionVector(values, shape, Vector) : ReferenceTensor.PerPosition(values, shape, Scalar!);

    /// <summary>Per output element: max(|reference|, magnitude).</summary>
    public double[] Scales(double[] values, long[] shape, double[] expected)
    {
        if (Magnitude is null)
            return expected.Select(Math.Abs).ToArray();
        var m = ReferenceTensor.PerPosition(values, shape, Magnitude);
        return expected.Select((x, i) => Math.Max(Math.Abs(x), m[i])).ToArray();
    }

    public long[] OutputShape(long[] shape) => IsVector ? shape : ReferenceTensor.PositionShape(shape);

    public override string ToString() => Name;
}

/// <summary>Shared property bodies. Each returns a labelled FsCheck property; the label says what failed, where, and why.</summary>
public static class PropertyChecks
{
    /// <summary>Float64 tolerance of the gradient checks, relative to max(|g_i|, max_k |g_k|).</summary>
    /// <remarks>
    /// The expected gradient is <see cref="FiniteDifferenceGradient"/>: Richardson-extrapolated central differences,
    /// (4·D(h) − D(2h))/3 with h = 1e-4·max(1, |x|), whose truncation error is O(h⁴) (≲ 1e-13 relative for these smooth
    /// functions) and whose rounding error is ≈ ε·M/h ≈ 1e-12·M, M the size of the reference's (partly cancelling) terms,
    /// at most a few hundred for the gradient cases (evidence in [1e-3, 300], C ≤ 6). Plain central differences with the
    /// default h = 1e-6 have ≈ 1e-10·M of rounding noise, which measured up to 0.97e-6 of the gradient scale for the mutual
    /// information (checked against mpmath: the library was right to 5e-10). 1e-6 leaves over two decades for the noise
    /// while any wrong derivative term is O(1) relative.
    /// </remarks>
    public const double GradientTolerance = 1e-6;

    /// <summary>
    /// Absolute floor of the gradient tolerance in units of |F|/max(1, |x_i|): the rounding error of the extrapolated
    /// differences is ≈ (4/3 + 1/6)·2ε·|F|/h ≈ 7e-12·|F|/max(1, |x_i|) for h = 1e-4·max(1, |x_i|); 1e-10 is 15 times that.
    /// </summary>
    public const double GradientNoiseFloor = 1e-10;

    /// <summary>Richardson-extrapolated central differences: (4·D(h) − D(2h))/3, D = <see cref="FiniteDifference.CentralGradient"/>, h = 1e-4·max(1, |x|).</summary>
    public static double[] FiniteDifferenceGradient(Func<double[], double> f, double[] x)
    {
        double[] fine = FiniteDifference.CentralGradient(f, x, relativeStep: 1e-4);
        double[] coarse = FiniteDifference.CentralGradient(f, x, relativeStep: 2e-4);
        return fine.Select((g, i) => (4 * g - coarse[i]) / 3).ToArray();
    }

    public static Property Verdict(bool ok, Func<string> describe) =>
        ok ? Prop.ToProperty(true) : Prop.Label(false, describe());

    private static double Rtol(ScalarType dtype) => Tolerance.Relative(dtype);

    /// <summary>Reduction None: each position within rtol·max(|expected|, magnitude) of the reference.</summary>
    public static Property LossMatchesReference(LossSpec spec, LossCase c)
    {
        using var scope = NewDisposeScope();
        double[] expected = c.PerPosition(spec.ByIndex, spec.ByProbability);
        double[] magnitude = spec.Magnitude is null ? new double[expected.Length] : c.PerPositionWithVector(spec.Magnitude);
        var output = spec.Torch(c.EvidenceTensor(), c.TargetTensor(), c.Reduction);

        if (c.Reduction == Reduction.None)
        {
            double[] actual = Tensors.ToDoubles(output);
            if (actual.Length != expected.Length)
                return Prop.Label(false, $"{spec}: {actual.Length} outputs, expected {expected.Length}; {c}");
            int worst = WorstIndex(actual, expected, magnitude, c.Dtype, out double ratio);
            return Verdict(ratio <= 1, () =>
                $"{spec} per position: {c.DescribePosition(worst)}: actual {PropertyFormat.R(actual[worst])}, expected {PropertyFormat.R(expected[worst])}, " +
                $"magnitude {PropertyFormat.R(magnitude[worst])}, error/tolerance {ratio:G3}; {c}");
        }

        double[] scales = expected.Select((x, i) => Math.Max(Math.Abs(x), magnitude[i])).ToArray();
        bool mean = c.Reduction == Reduction.Mean;
        double want = mean ? ReferenceTensor.Mean(expected) : ReferenceTensor.Sum(expected);
        double scale = mean ? ReferenceTensor.Mean(scales) : ReferenceTensor.Sum(scales);
        double got = output.to(ScalarType.Float64).item<double>();
        return Verdict(Tolerance.Close(got, want, c.Dtype, scale), () =>
            $"{spec} reduced ({c.Reduction}): actual {PropertyFormat.R(got)}, expected {PropertyFormat.R(want)}, scale {PropertyFormat.R(scale)}, " +
            $"error/tolerance {Math.Abs(got - want) / (Rtol(c.Dtype) * Math.Max(Math.Abs(want), scale)):G3}; {c}");
    }

    /// <summary>Float64 autograd gradient of the reduced loss against central differences of the reduced reference.</summary>
    public static Property LossGradientMatchesFiniteDifference(LossSpec spec, LossCase c)
    {
        using var scope = NewDisposeScope();
        var evidence = c.EvidenceTensor(requiresGrad: true);
        spec.Torch(evidence, c.TargetTensor(), c.Reduction).backward();
        double[] actual = Tensors.ToDoubles(evidence.grad!);

        Func<double[], double[]> perPosition = spec.Differentiated is { } differentiated
            ? differentiated((ev, f) => c.PerPosition((x, i) => f(x, DirichletReference.OneHot(i, x.Length)), f, ev), c.Evidence)
            : e => c.PerPosition(spec.ByIndex, spec.ByProbability, e);
        Func<double[], double> reduced = c.Reduction == Reduction.Mean
            ? e => ReferenceTensor.Mean(perPosition(e))
            : e => ReferenceTensor.Sum(perPosition(e));
        double[] expected = FiniteDifferenceGradient(reduced, c.Evidence);
        return CompareGradients($"{spec} gradient ({c.Reduction})", actual, expected, c.Evidence, reduced(c.Evidence), i => $"element {i}, evidence {PropertyFormat.Vector(c.Evidence)}; {c}");
    }

    /// <summary>
    /// |autograd_i − fd_i| ≤ <see cref="GradientTolerance"/>·max(|fd_i|, max_k |fd_k|) + <see cref="GradientNoiseFloor"/>·|F|/max(1, |x_i|),
    /// F the reduced reference at x: the second term bounds the differences' rounding error (≈ 3ε·|F|/h), which matters
    /// only where the whole gradient is far smaller than F/x (entropies at their maximum or of confident predictions).
    /// </summary>
    public static Property CompareGradients(string what, double[] actual, double[] expected, double[] x, double value, Func<int, string> where)
    {
        double scale = expected.Length == 0 ? 0 : expected.Max(Math.Abs);
        int worst = -1;
        double ratio = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double tolerance = GradientTolerance * Math.Max(scale, double.Epsilon) + GradientNoiseFloor * Math.Abs(value) / Math.Max(1, Math.Abs(x[i]));
            double r = Math.Abs(actual[i] - expected[i]) / tolerance;
            if (!(r <= ratio))
            {
                ratio = r;
                worst = i;
            }
        }

        return Verdict(actual.Length == expected.Length && ratio <= 1, () =>
            worst < 0
                ? $"{what}: {actual.Length} gradient values, expected {expected.Length}"
                : $"{what}: autograd {PropertyFormat.R(actual[worst])}, finite difference {PropertyFormat.R(expected[worst])}, gradient scale {PropertyFormat.R(scale)}, " +
                  $"error/tolerance {ratio:G3} at {where(worst)}");
    }

    /// <summary>Reduction None summed (compensated) equals Sum, and averaged equals Mean.</summary>
    public static Property ReductionsAgree(LossSpec spec, LossCase c)
    {
        using var scope = NewDisposeScope();
        var evidence = c.EvidenceTensor();
        var target = c.TargetTensor();
        double[] none = Tensors.ToDoubles(spec.Torch(evidence, target, Reduction.None));
        double sum = spec.Torch(evidence, target, Reduction.Sum).to(ScalarType.Float64).item<double>();
        double mean = spec.Torch(evidence, target, Reduction.Mean).to(ScalarType.Float64).item<double>();
        double rtol = c.Dtype == ScalarType.Float64 ? 1e-12 : Rtol(c.Dtype);
        double absSum = ReferenceTensor.Sum(none.Select(Math.Abs).ToArray());
        double wantSum = ReferenceTensor.Sum(none);
        double wantMean = ReferenceTensor.Mean(none);
        bool sumOk = Math.Abs(sum - wantSum) <= rtol * absSum;
        bool meanOk = Math.Abs(mean - wantMean) <= rtol * absSum / none.Length;
        return Verdict(sumOk && meanOk, () =>
            $"{spec}: Σ None = {PropertyFormat.R(wantSum)} vs Sum {PropertyFormat.R(sum)}; mean None = {PropertyFormat.R(wantMean)} vs Mean {PropertyFormat.R(mean)}; {c}");
    }

    /// <summary>Permuting the batch permutes the per-position losses (to within 1e-15 relative in Float64, 1 ulp in Float32).</summary>
    public static Property LossBatchPermutationCommutes(LossSpec spec, LossCase c, int[] permutation)
    {
        using var scope = NewDisposeScope();
        var permuted = c.PermuteBatch(permutation);
        double[] original = Tensors.ToDoubles(spec.Torch(c.EvidenceTensor(), c.TargetTensor(), Reduction.None));
        double[] after = Tensors.ToDoubles(spec.Torch(permuted.EvidenceTensor(), permuted.TargetTensor(), Reduction.None));
        return PermutationVerdict(spec.Name, original, after, permutation, c.Dtype, c.ToString());
    }

    /// <summary>How many units in the last place a permuted output may differ by.</summary>
    public const double PermutationUlps = 4;

    public static Property PermutationVerdict(string what, double[] original, double[] after, int[] permutation, ScalarType dtype, string context)
    {
        int block = original.Length / permutation.Length;
        double[] expected = PropertyLayout.PermuteBlocks(original, permutation, block);
        // A few units in the last place: the composed path evaluates elementwise functions with vector or scalar code
        // depending on where a position lies in memory, so a moved position may differ in its last bits (seen: Float32,
        // 2 ulps, MaxNormLoss p = 1 with probability targets, shape [4, 5, 2, 3]).
        double rtol = PermutationUlps * (dtype == ScalarType.Float64 ? Math.Pow(2, -52) : Math.Pow(2, -23));
        for (int i = 0; i < expected.Length; i++)
        {
            if (!(Math.Abs(after[i] - expected[i]) <= rtol * Math.Abs(expected[i])))
            {
                int k = i;
                return Prop.Label(false, $"{what}: permuted batch {string.Join(",", permutation)} gives {PropertyFormat.R(after[k])} at output {k}, " +
                    $"the unpermuted value is {PropertyFormat.R(expected[k])}; {context}");
            }
        }

        return Prop.ToProperty(true);
    }

    /// <summary>Loss values (None and Sum) and the gradient of the Sum are finite; the dtype and shape are as documented.</summary>
    public static Property LossIsFiniteWithGradient(LossSpec spec, LossCase c)
    {
        using var scope = NewDisposeScope();
        var evidence = c.EvidenceTensor(requiresGrad: true);
        var target = c.TargetTensor();
        double[] none;
        using (no_grad())
            none = Tensors.ToDoubles(spec.Torch(evidence, target, Reduction.None));
        var sum = spec.Torch(evidence, target, Reduction.Sum);
        sum.backward();
        double[] grad = Tensors.ToDoubles(evidence.grad!);
        int bad = Array.FindIndex(none, x => !double.IsFinite(x));
        int badGrad = Array.FindIndex(grad, x => !double.IsFinite(x));
        double total = sum.to(ScalarType.Float64).item<double>();
        return Verdict(bad < 0 && badGrad < 0 && double.IsFinite(total), () =>
            bad >= 0 ? $"{spec}: non-finite loss {PropertyFormat.R(none[bad])} at {c.DescribePosition(bad)}; {c}"
            : badGrad >= 0 ? $"{spec}: non-finite gradient {PropertyFormat.R(grad[badGrad])} at element {badGrad} (evidence {PropertyFormat.R(c.Evidence[badGrad])}); {c}"
            : $"{spec}: non-finite Sum {PropertyFormat.R(total)}; {c}");
    }

    /// <summary>The output has the evidence's dtype, shape (N, d1..dk) for None and is a scalar for Mean and Sum.</summary>
    public static Property LossDtypeAndShape(LossSpec spec, LossCase c)
    {
        using var scope = NewDisposeScope();
        var output = spec.Torch(c.EvidenceTensor(), c.TargetTensor(), c.Reduction);
        long[] want = c.Reduction == Reduction.None ? c.PositionShape : Array.Empty<long>();
        return Verdict(output.dtype == c.Dtype && output.shape.SequenceEqual(want), () =>
            $"{spec}: output {output.dtype} [{string.Join(", ", output.shape)}], expected {c.Dtype} [{string.Join(", ", want)}]; {c}");
    }

    /// <summary>Every output (None, Mean, Sum) is exactly 0.</summary>
    public static Property LossIsExactlyZero(LossSpec spec, LossCase c)
    {
        using var scope = NewDisposeScope();
        var evidence = c.EvidenceTensor();
        var target = c.TargetTensor();
        double[] none = Tensors.ToDoubles(spec.Torch(evidence, target, Reduction.None));
        double sum = spec.Torch(evidence, target, Reduction.Sum).to(ScalarType.Float64).item<double>();
        double mean = spec.Torch(evidence, target, Reduction.Mean).to(ScalarType.Float64).item<double>();
        int bad = Array.FindIndex(none, x => x != 0.0);
        return Verdict(bad < 0 && sum == 0.0 && mean == 0.0, () =>
            bad >= 0 ? $"{spec}: {PropertyFormat.R(none[bad])} ≠ 0 at {c.DescribePosition(bad)}; {c}"
            : $"{spec}: Sum {PropertyFormat.R(sum)}, Mean {PropertyFormat.R(mean)}, expected exactly 0; {c}");
    }

    /// <summary>Each output element within rtol·max(|expected|, magnitude) of the reference.</summary>
    public static Property MeasureMatchesReference(MeasureSpec spec, MeasureCase c)
    {
        using var scope = NewDisposeScope();
        double[] expected = spec.Reference(c.Values, c.Shape);
        double[] scales = spec.Scales(c.Values, c.Shape, expected);
        double[] actual = Tensors.ToDoubles(spec.Torch(c.Tensor()));
        if (actual.Length != expected.Length)
            return Prop.Label(false, $"{spec}: {actual.Length} outputs, expected {expected.Length}; {c}");
        int worst = WorstIndex(actual, expected, scales, c.Dtype, out double ratio);
        return Verdict(ratio <= 1, () =>
        {
            int position = spec.IsVector ? PositionOfElement(c.Shape, worst) : worst;
            return $"{spec}: {c.DescribePosition(position)}: output element {worst} actual {PropertyFormat.R(actual[worst])}, expected {PropertyFormat.R(expected[worst])}, " +
                   $"scale {PropertyFormat.R(scales[worst])}, error/tolerance {ratio:G3}; {c}";
        });
    }

    /// <summary>Float64 gradient of Σ w·output, w_i = 1 + frac(0.618·i) (distinct weights, so that outputs summing to 1 over the classes still have a gradient).</summary>
    public static Property MeasureGradientMatchesFiniteDifference(MeasureSpec spec, MeasureCase c)
    {
        using var scope = NewDisposeScope();
        var input = c.Tensor(requiresGrad: true);
        var output = spec.Torch(input);
        double[] weights = Enumerable.Range(0, (int)output.numel()).Select(i => 1 + (i * 0.6180339887498949) % 1.0).ToArray();
        (output * Tensors.FromDoubles(weights, output.shape, ScalarType.Float64)).sum().backward();
        double[] actual = Tensors.ToDoubles(input.grad!);
        Func<double[], double> weighted = v => ReferenceTensor.Sum(spec.Reference(v, c.Shape).Select((x, i) => weights[i] * x).ToArray());
        double[] expected = FiniteDifferenceGradient(weighted, c.Values);
        return CompareGradients($"{spec} gradient", actual, expected, c.Values, weighted(c.Values), i => $"element {i}, input {PropertyFormat.Vector(c.Values)}; {c}");
    }

    /// <summary>Outputs and the gradient of their sum are finite, the output has the input's dtype and the documented shape.</summary>
    public static Property MeasureIsFiniteWithDtypeAndShape(MeasureSpec spec, MeasureCase c)
    {
        using var scope = NewDisposeScope();
        var input = c.Tensor(requiresGrad: true);
        var output = spec.Torch(input);
        output.sum().backward();
        double[] values = Tensors.ToDoubles(output);
        double[] grad = Tensors.ToDoubles(input.grad!);
        long[] wantShape = spec.OutputShape(c.Shape);
        int bad = Array.FindIndex(values, x => !double.IsFinite(x));
        int badGrad = Array.FindIndex(grad, x => !double.IsFinite(x));
        bool shapeOk = output.dtype == c.Dtype && output.shape.SequenceEqual(wantShape);
        return Verdict(bad < 0 && badGrad < 0 && shapeOk, () =>
            !shapeOk ? $"{spec}: output {output.dtype} [{string.Join(", ", output.shape)}], expected {c.Dtype} [{string.Join(", ", wantShape)}]; {c}"
            : bad >= 0 ? $"{spec}: non-finite output {PropertyFormat.R(values[bad])} at element {bad} ({c.DescribePosition(spec.IsVector ? PositionOfElement(c.Shape, bad) : bad)}); {c}"
            : $"{spec}: non-finite gradient {PropertyFormat.R(grad[badGrad])} at element {badGrad} (input {PropertyFormat.R(c.Values[badGrad])}); {c}");
    }

    /// <summary>Permuting the batch permutes the outputs.</summary>
    public static Property MeasureBatchPermutationCommutes(MeasureSpec spec, MeasureCase c, int[] permutation)
    {
        using var scope = NewDisposeScope();
        double[] original = Tensors.ToDoubles(spec.Torch(c.Tensor()));
        double[] after = Tensors.ToDoubles(spec.Torch(c.PermuteBatch(permutation).Tensor()));
        return PermutationVerdict(spec.Name, original, after, permutation, c.Dtype, c.ToString());
    }

    /// <summary>The position (n, s) of element (n, j, s) of an (N, C, d…) tensor.</summary>
    public static int PositionOfElement(long[] shape, int element)
    {
        int c = (int)shape[1], d = PropertyLayout.SpatialSize(shape);
        return element / (c * d) * d + element % d;
    }

    /// <summary>The element with the largest error/tolerance ratio (NaN counts as infinitely bad).</summary>
    public static int WorstIndex(double[] actual, double[] expected, double[] magnitude, ScalarType dtype, out double ratio)
    {
        double rtol = Rtol(dtype);
        int worst = 0;
        ratio = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double scale = Math.Max(Math.Abs(expected[i]), magnitude[i]);
            double error = Math.Abs(actual[i] - expected[i]);
            double r = double.IsNaN(error) ? double.PositiveInfinity : error / (rtol * scale + double.Epsilon);
            if (!(r <= ratio))
            {
                ratio = r;
                worst = i;
            }
        }

        return worst;
    }
}
