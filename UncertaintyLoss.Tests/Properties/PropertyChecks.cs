using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using UncertaintyLoss.Tests.Reference;
using UncertaintyLoss.Tests.TestSupport;
using static TorchSharp.torch;
using Reduction = TorchSharp.torch.nn.Reduction;

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
    /// <summary>Float64 tolerance of the finite-difference gradient checks, relative to max(|g_i|, max_k |g_k|).</summary>
    /// <remarks>
    /// Central differences with h = 1e-6·max(1, |e|) have truncation error ≈ h²|f'''|/6 (≲ 1e-12 relative here) and
    /// rounding error ≈ ε·M/h, M the size of the reference's (partly cancelling) terms: with the gradient cases' evidence
    /// in [1e-3, 300], C ≤ 6 and ≤ 30 positions, ε·M/h stays below ≈ 1e-8 of the gradient's scale. 1e-6 leaves two decades
    /// of margin for that noise while still catching any wrong derivative term (those are O(1) relative).
    /// </remarks>
    public const double GradientTolerance = 1e-6;

    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, double> Stats = new();
    public static void Stat(string key, double r)
    {
        Stats.AddOrUpdate(key, r, (_, o) => Math.Max(o, r));
        System.IO.File.WriteAllLines("/tmp/gen/stats.txt", Stats.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}\t{kv.Value:G3}"));
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
            Stat($"loss none {spec.Name.Split('(')[0]} {c.Dtype}", ratio);
            return Verdict(ratio <= 1, () =>
                $"{spec} per position: {c.DescribePosition(worst)}: actual {Format.R(actual[worst])}, expected {Format.R(expected[worst])}, " +
                $"magnitude {Format.R(magnitude[worst])}, error/tolerance {ratio:G3}; {c}");
        }

        double[] scales = expected.Select((x, i) => Math.Max(Math.Abs(x), magnitude[i])).ToArray();
        bool mean = c.Reduction == Reduction.Mean;
        double want = mean ? ReferenceTensor.Mean(expected) : ReferenceTensor.Sum(expected);
        double scale = mean ? ReferenceTensor.Mean(scales) : ReferenceTensor.Sum(scales);
        double got = output.to(ScalarType.Float64).item<double>();
        Stat($"loss reduced {spec.Name.Split('(')[0]} {c.Dtype}", Math.Abs(got - want) / (Rtol(c.Dtype) * Math.Max(Math.Abs(want), scale)));
        return Verdict(Tolerance.Close(got, want, c.Dtype, scale), () =>
            $"{spec} reduced ({c.Reduction}): actual {Format.R(got)}, expected {Format.R(want)}, scale {Format.R(scale)}, " +
            $"error/tolerance {Math.Abs(got - want) / (Rtol(c.Dtype) * Math.Max(Math.Abs(want), scale)):G3}; {c}");
    }

    /// <summary>Float64 autograd gradient of the reduced loss against central differences of the reduced reference.</summary>
    public static Property LossGradientMatchesFiniteDifference(LossSpec spec, LossCase c)
    {
        using var scope = NewDisposeScope();
        var evidence = c.EvidenceTensor(requiresGrad: true);
        spec.Torch(evidence, c.TargetTensor(), c.Reduction).backward();
        double[] actual = Tensors.ToDoubles(evidence.grad!);

        Func<double[], double> reduced = c.Reduction == Reduction.Mean
            ? e => ReferenceTensor.Mean(c.PerPosition(spec.ByIndex, spec.ByProbability, e))
            : e => ReferenceTensor.Sum(c.PerPosition(spec.ByIndex, spec.ByProbability, e));
        double[] expected = FiniteDifference.CentralGradient(reduced, c.Evidence);
        return CompareGradients($"{spec} gradient ({c.Reduction})", actual, expected, i => $"element {i}, evidence {Format.Vector(c.Evidence)}; {c}");
    }

    public static Property CompareGradients(string what, double[] actual, double[] expected, Func<int, string> where)
    {
        double scale = expected.Length == 0 ? 0 : expected.Max(Math.Abs);
        int worst = -1;
        double ratio = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double r = Math.Abs(actual[i] - expected[i]) / (GradientTolerance * Math.Max(scale, double.Epsilon));
            if (!(r <= ratio))
            {
                ratio = r;
                worst = i;
            }
        }

        Stat("grad " + what.Split('(')[0], ratio);
        return Verdict(actual.Length == expected.Length && ratio <= 1, () =>
            worst < 0
                ? $"{what}: {actual.Length} gradient values, expected {expected.Length}"
                : $"{what}: autograd {Format.R(actual[worst])}, finite difference {Format.R(expected[worst])}, gradient scale {Format.R(scale)}, " +
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
            $"{spec}: Σ None = {Format.R(wantSum)} vs Sum {Format.R(sum)}; mean None = {Format.R(wantMean)} vs Mean {Format.R(mean)}; {c}");
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

    public static Property PermutationVerdict(string what, double[] original, double[] after, int[] permutation, ScalarType dtype, string context)
    {
        int block = original.Length / permutation.Length;
        double[] expected = Layout.PermuteBlocks(original, permutation, block);
        double rtol = dtype == ScalarType.Float64 ? 1e-15 : 1.2e-7;
        for (int i = 0; i < expected.Length; i++)
        {
            if (!(Math.Abs(after[i] - expected[i]) <= rtol * Math.Abs(expected[i])))
            {
                int k = i;
                return Prop.Label(false, $"{what}: permuted batch {string.Join(",", permutation)} gives {Format.R(after[k])} at output {k}, " +
                    $"the unpermuted value is {Format.R(expected[k])}; {context}");
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
            bad >= 0 ? $"{spec}: non-finite loss {Format.R(none[bad])} at {c.DescribePosition(bad)}; {c}"
            : badGrad >= 0 ? $"{spec}: non-finite gradient {Format.R(grad[badGrad])} at element {badGrad} (evidence {Format.R(c.Evidence[badGrad])}); {c}"
            : $"{spec}: non-finite Sum {Format.R(total)}; {c}");
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
            bad >= 0 ? $"{spec}: {Format.R(none[bad])} ≠ 0 at {c.DescribePosition(bad)}; {c}"
            : $"{spec}: Sum {Format.R(sum)}, Mean {Format.R(mean)}, expected exactly 0; {c}");
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
        Stat($"measure {spec.Name.Split('(')[0]} {c.Dtype}", ratio);
        return Verdict(ratio <= 1, () =>
        {
            int position = spec.IsVector ? PositionOfElement(c.Shape, worst) : worst;
            return $"{spec}: {c.DescribePosition(position)}: output element {worst} actual {Format.R(actual[worst])}, expected {Format.R(expected[worst])}, " +
                   $"scale {Format.R(scales[worst])}, error/tolerance {ratio:G3}; {c}";
        });
    }

    /// <summary>Float64 gradient of Σ w·output (fixed weights 1 + i mod 3 / 2, so that sum-to-one outputs still have a gradient).</summary>
    public static Property MeasureGradientMatchesFiniteDifference(MeasureSpec spec, MeasureCase c)
    {
        using var scope = NewDisposeScope();
        var input = c.Tensor(requiresGrad: true);
        var output = spec.Torch(input);
        double[] weights = Enumerable.Range(0, (int)output.numel()).Select(i => 1 + (i % 3) / 2.0).ToArray();
        (output * Tensors.FromDoubles(weights, output.shape, ScalarType.Float64)).sum().backward();
        double[] actual = Tensors.ToDoubles(input.grad!);
        double[] expected = FiniteDifference.CentralGradient(
            v => ReferenceTensor.Sum(spec.Reference(v, c.Shape).Select((x, i) => weights[i] * x).ToArray()), c.Values);
        return CompareGradients($"{spec} gradient", actual, expected, i => $"element {i}, input {Format.Vector(c.Values)}; {c}");
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
            : bad >= 0 ? $"{spec}: non-finite output {Format.R(values[bad])} at element {bad} ({c.DescribePosition(spec.IsVector ? PositionOfElement(c.Shape, bad) : bad)}); {c}"
            : $"{spec}: non-finite gradient {Format.R(grad[badGrad])} at element {badGrad} (input {Format.R(c.Values[badGrad])}); {c}");
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
        int c = (int)shape[1], d = Layout.SpatialSize(shape);
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
