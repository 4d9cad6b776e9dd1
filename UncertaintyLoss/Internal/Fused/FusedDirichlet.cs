using System;
using System.Buffers;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Threading;
using System.Threading.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace UncertaintyLoss.Internal.Fused;

/// <summary>Which loss a fused call computes, with its options.</summary>
internal sealed record FusedLoss(FusedLossKind Kind, double RegFactor, int PNorm, FisherAlphaSum FisherAlphaSum);

/// <summary>The fused classification losses.</summary>
internal enum FusedLossKind
{
    /// <summary><see cref="UL.EvidentialLoss"/>: Dirichlet MSE + λ·KL to the uniform Dirichlet.</summary>
    Evidential,

    /// <summary><see cref="UL.MaxNormLoss"/>: Dirichlet p-norm + λ·Fisher regulariser.</summary>
    MaxNorm,
}

/// <summary>
/// The fused CPU path of the classification losses: one pass over contiguous Float32/Float64 evidence that computes
/// every position's loss and, when a gradient is needed, the gradient with respect to the evidence, in double
/// precision, vectorised over positions (<see cref="PolygammaVector"/>) and parallel over the batch. The gradient is
/// handed to autograd by <see cref="FusedLossFunction"/>, whose backward is one multiplication.
/// </summary>
/// <remarks>
/// Layout: the evidence is viewed as (N, C, D) with D = d1⋯dk (1 for (N, C) input); a tile is up to B consecutive
/// positions (rows for D = 1, spatial positions of one sample otherwise), copied class-major into a double scratch
/// buffer so that each SIMD lane holds one position. Partial sums are kept per fixed-size chunk and added in chunk
/// order, so results do not depend on the number of threads.
/// </remarks>
internal static unsafe class FusedDirichlet
{
    /// <summary>Scratch elements per tile (C·B): 64 KiB of doubles per buffer, six buffers per thread.</summary>
    private const int TileElements = 8192;

    /// <summary>Elements per parallel chunk; smaller inputs run on the calling thread.</summary>
    private const long ChunkElements = 32768;

    /// <summary>Largest p-norm the fused path takes: Π(S + i) stays far from overflow for evidence up to 1e6.</summary>
    internal const int MaxFusedPNorm = 16;

    /// <summary>Whether the fused path serves this call (see <see cref="KernelPath"/>).</summary>
    internal static bool Applies(Tensor evidence, Tensor target, TargetKind kind, Tensor? weight, int pNorm)
    {
        var path = Kernels.Path;
        if (path == KernelPath.Composed)
            return false;
        bool applies = kind == TargetKind.Index
            && evidence.device_type == DeviceType.CPU
            && evidence.dtype is ScalarType.Float32 or ScalarType.Float64
            && evidence.numel() > 0
            && evidence.numel() <= int.MaxValue / 8
            && evidence.shape[1] <= 1 << 20
            && pNorm <= MaxFusedPNorm
            && (weight is null || (weight.device_type == DeviceType.CPU && !weight.requires_grad))
            && evidence.is_contiguous();
        if (!applies && path == KernelPath.Fused)
            throw new InvalidOperationException("The fused kernel path was forced but does not apply to this call.");
        return applies;
    }

    /// <summary>
    /// Runs a fused loss. Every value is validated first (evidence range, class indices, weights: the composed path's
    /// exceptions, in its order), before any loss computation; the kernel then runs a bounded amount of work per element.
    /// </summary>
    internal static Tensor Run(Tensor evidence, Tensor target, Tensor? weight, long ignoreIndex, nn.Reduction reduction, FusedLoss loss)
    {
        using var scope = NewDisposeScope();
        var call = Call.Prepare(evidence, target, weight, ignoreIndex, reduction, loss);
        bool needGrad = evidence.requires_grad && is_grad_enabled();
        var result = needGrad ? FusedLossFunction.apply(evidence, call) : call.Compute();
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Jobs started since the process began (tests check that a rejected call starts none).</summary>
    internal static long JobsStarted => Interlocked.Read(ref jobsStarted);

    private static long jobsStarted;

    /// <summary>One fused call: its validated inputs, and the computation.</summary>
    internal sealed class Call
    {
        private readonly Tensor evidence;
        private readonly Tensor indices;       // Int64, contiguous (the target itself when it already is)
        private readonly double[]? classWeight;
        private readonly double weightTotal;
        private readonly bool anyIgnored;
        private readonly long ignoreIndex;
        private readonly FusedLoss loss;

        private Call(Tensor evidence, Tensor target, Tensor indices, Tensor? weight, double[]? classWeight, double weightTotal,
            bool anyIgnored, long ignoreIndex, nn.Reduction reduction, FusedLoss loss)
        {
            this.evidence = evidence;
            Target = target;
            this.indices = indices;
            Weight = weight;
            this.classWeight = classWeight;
            this.weightTotal = weightTotal;
            this.anyIgnored = anyIgnored;
            this.ignoreIndex = ignoreIndex;
            Reduction = reduction;
            this.loss = loss;
        }

        /// <summary>
        /// Validates the values, as the composed path does and in its order: the evidence's range (a vectorised pass
        /// over the data: non-negative, at most <see cref="UL.MaxEvidence"/>; NaN passes), the class indices, the
        /// weights. Throws <see cref="ArgumentException"/> before any loss computation.
        /// </summary>
        internal static Call Prepare(Tensor evidence, Tensor target, Tensor? weight, long ignoreIndex, nn.Reduction reduction, FusedLoss loss)
        {
            var (min, max) = ValueRange(evidence);
            Check.EvidenceRange(min, max, "evidence", UL.MaxEvidence);

            var shape = evidence.shape;
            long positions = shape[0];
            for (int i = 2; i < shape.Length; i++)
                positions *= shape[i];
            int classes = checked((int)shape[1]);
            var indices = target.dtype == ScalarType.Int64 && target.is_contiguous() ? target : target.to(ScalarType.Int64).contiguous();
            var (minIndex, maxIndex, kept) = TargetPass(indices, positions, ignoreIndex);
            bool anyIgnored = kept < positions;
            if (anyIgnored)
            {
                // As the composed path reports it: ignored entries count as class 0 in the range.
                minIndex = Math.Min(minIndex, 0);
                maxIndex = Math.Max(maxIndex, 0);
            }

            Check.ClassIndexRange(minIndex, maxIndex, classes, ignoreIndex, "target");
            double[]? classWeight = weight is null ? null : ReadWeights(weight);
            double total = classWeight is null ? kept : WeightTotal(indices, positions, ignoreIndex, classWeight);
            return new Call(evidence, target, indices, weight, classWeight, total, anyIgnored, ignoreIndex, reduction, loss);
        }

        internal nn.Reduction Reduction { get; }

        /// <summary>The caller's target (saved for a recomputation through the composed path).</summary>
        internal Tensor Target { get; }

        /// <summary>The caller's class weights, if any.</summary>
        internal Tensor? Weight { get; }

        /// <summary>The same loss through the composed TorchSharp operations (differentiable to any order), on
        /// <paramref name="evidenceIn"/>, <paramref name="targetIn"/> and <paramref name="weightIn"/> (the saved inputs).</summary>
        internal Tensor Composed(Tensor evidenceIn, Tensor targetIn, Tensor? weightIn) => loss.Kind == FusedLossKind.Evidential
            ? UL.EvidentialLoss(evidenceIn, targetIn, loss.RegFactor, Reduction, weightIn, ignoreIndex)
            : UL.MaxNormLoss(evidenceIn, targetIn, loss.RegFactor, loss.PNorm, Reduction, loss.FisherAlphaSum, weightIn, ignoreIndex);

        /// <summary>Computes the reduced loss and, when <paramref name="gradient"/> is wanted (inside the autograd
        /// node), the gradient of the result's elements (scaled for the reduction and the weights) with respect to the
        /// evidence.</summary>
        internal Tensor Compute(out Tensor? gradient) => Compute(withGradient: true, out gradient);

        /// <summary>Computes the reduced loss only.</summary>
        internal Tensor Compute() => Compute(withGradient: false, out _);

        private Tensor Compute(bool withGradient, out Tensor? gradient)
        {
            var shape = evidence.shape;
            long n = shape[0];
            int c = checked((int)shape[1]);
            long d = 1;
            for (int i = 2; i < shape.Length; i++)
                d *= shape[i];

            var positionShape = new long[shape.Length - 1];
            positionShape[0] = n;
            Array.Copy(shape, 2, positionShape, 1, shape.Length - 2);
            Tensor? perPosition = Reduction == nn.Reduction.None ? empty(positionShape, evidence.dtype) : null;
            gradient = withGradient ? empty(shape, evidence.dtype) : null;

            double scale = Reduction == nn.Reduction.Mean ? (weightTotal > 0 ? 1.0 / weightTotal : 0.0) : 1.0;
            var job = new Job(Pointer(evidence), evidence.dtype == ScalarType.Float32, (long*)Pointer(indices), n, c, d,
                classWeight, anyIgnored ? ignoreIndex : (long?)null, loss,
                perPosition is null ? null : Pointer(perPosition), gradient is null ? null : Pointer(gradient), scale);
            Interlocked.Increment(ref jobsStarted);
            double total = job.Run();

            if (perPosition is not null)
                return perPosition;
            double value = Reduction == nn.Reduction.Mean ? total * scale : total;
            return torch.tensor(value, evidence.dtype);
        }

        private static double[] ReadWeights(Tensor weight)
        {
            using var w = weight.to(ScalarType.Float64).contiguous();
            var values = w.data<double>().ToArray();
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            foreach (var v in values)
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
                if (double.IsNaN(v))
                    min = double.NaN;
            }

            Check.WeightRange(min, max);
            return values;
        }

        /// <summary>The range of the class indices other than <paramref name="ignoreIndex"/>, and how many there are.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
        private static (long Min, long Max, long Kept) TargetPass(Tensor indices, long positions, long ignoreIndex)
        {
            var t = new ReadOnlySpan<long>(Pointer(indices), checked((int)positions));
            long min = long.MaxValue, max = long.MinValue;
            long kept = 0;
            foreach (var v in t)
            {
                if (v == ignoreIndex)
                    continue;
                kept++;
                if (v < min) min = v;
                if (v > max) max = v;
            }

            return (min, max, kept);
        }

        /// <summary>Σ w[target] over the kept positions (indices already validated).</summary>
        private static double WeightTotal(Tensor indices, long positions, long ignoreIndex, double[] classWeight)
        {
            var t = new ReadOnlySpan<long>(Pointer(indices), checked((int)positions));
            double total = 0;
            foreach (var v in t)
            {
                if (v != ignoreIndex)
                    total += classWeight[v];
            }

            return total;
        }
    }

    /// <summary>
    /// Minimum and maximum of contiguous Float32/Float64 CPU data, vectorised and parallel over fixed chunks. A NaN makes
    /// both NaN, as <c>torch.min</c>/<c>max</c> do on the composed path (which lets it through: NaN evidence gives a NaN
    /// loss, as in <c>cross_entropy</c>).
    /// </summary>
    internal static (double Min, double Max) ValueRange(Tensor t)
    {
        long count = t.numel();
        if (count == 0)
            return (double.PositiveInfinity, double.NegativeInfinity);
        bool isFloat = t.dtype == ScalarType.Float32;
        void* data = Pointer(t);
        const long Chunk = 1 << 18;
        int chunks = checked((int)((count + Chunk - 1) / Chunk));
        var mins = new double[chunks];
        var maxs = new double[chunks];
        void Range(int k)
        {
            long start = k * Chunk;
            int length = (int)Math.Min(Chunk, count - start);
            (mins[k], maxs[k]) = isFloat
                ? RangeOf(new ReadOnlySpan<float>((float*)data + start, length))
                : RangeOf(new ReadOnlySpan<double>((double*)data + start, length));
        }

        ForEachChunk(chunks, Range);

        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (int k = 0; k < chunks; k++)
        {
            if (double.IsNaN(mins[k]))
                return (double.NaN, double.NaN);
            min = Math.Min(min, mins[k]);
            max = Math.Max(max, maxs[k]);
        }

        return (min, max);
    }

    /// <summary>Runs <paramref name="chunk"/> for 0 ≤ k &lt; <paramref name="chunks"/>, in parallel on up to
    /// <c>torch.get_num_threads()</c> threads (on the calling thread for one chunk or one thread).</summary>
    private static void ForEachChunk(int chunks, Action<int> chunk)
    {
        int threads = Math.Max(1, Math.Min(Environment.ProcessorCount, torch.get_num_threads()));
        if (chunks == 1 || threads == 1)
        {
            for (int k = 0; k < chunks; k++)
                chunk(k);
        }
        else
        {
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, chunk);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
    private static (double Min, double Max) RangeOf<T>(ReadOnlySpan<T> values) where T : unmanaged, INumber<T>
    {
        var vmin = Vector256.Create(T.CreateTruncating(double.PositiveInfinity));
        var vmax = Vector256.Create(T.CreateTruncating(double.NegativeInfinity));
        var nan = Vector256<T>.Zero;
        int full = values.Length / Vector256<T>.Count * Vector256<T>.Count;
        ref T first = ref MemoryMarshal.GetReference(values);
        for (int i = 0; i < full; i += Vector256<T>.Count)
        {
            var v = Vector256.LoadUnsafe(ref first, (nuint)i);
            vmin = Vector256.Min(vmin, v);
            vmax = Vector256.Max(vmax, v);
            nan |= ~Vector256.Equals(v, v);
        }

        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        bool anyNaN = nan != Vector256<T>.Zero;
        for (int i = 0; i < Vector256<T>.Count; i++)
        {
            min = Math.Min(min, double.CreateTruncating(vmin.GetElement(i)));
            max = Math.Max(max, double.CreateTruncating(vmax.GetElement(i)));
        }

        for (int i = full; i < values.Length; i++)
        {
            double v = double.CreateTruncating(values[i]);
            anyNaN |= double.IsNaN(v);
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        return anyNaN ? (double.NaN, double.NaN) : (min, max);
    }

    private static void* Pointer(Tensor t) => Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));

    /// <summary>The data and options of one fused pass; <see cref="Run"/> does the pass.</summary>
    private sealed class Job
    {
        private readonly void* evidence;
        private readonly bool isFloat;
        private readonly long* target;
        private readonly long n;
        private readonly int c;
        private readonly long d;
        private readonly double[]? classWeight;
        private readonly long? ignored;
        private readonly FusedLoss loss;
        private readonly void* perPosition;
        private readonly void* gradient;
        private readonly double scale;
        private readonly int lanes;
        private readonly long tiles;
        private readonly long tilesPerSample;
        private readonly double lnGammaOfClasses;

        internal Job(void* evidence, bool isFloat, long* target, long n, int c, long d, double[]? classWeight, long? ignored,
            FusedLoss loss, void* perPosition, void* gradient, double scale)
        {
            this.evidence = evidence;
            this.isFloat = isFloat;
            this.target = target;
            this.n = n;
            this.c = c;
            this.d = d;
            this.classWeight = classWeight;
            this.ignored = ignored;
            this.loss = loss;
            this.perPosition = perPosition;
            this.gradient = gradient;
            this.scale = scale;
            PolygammaVector.LgammaDigammaTrigamma(Vector256.Create((double)c), false, out var lnGammaC, out _, out _);
            lnGammaOfClasses = lnGammaC.GetElement(0);
            int maxLanes = Math.Max(4, TileElements / c / 4 * 4);
            if (d == 1)
            {
                lanes = Math.Min(64, maxLanes);
                tiles = (n + lanes - 1) / lanes;
                tilesPerSample = 0;
            }
            else
            {
                lanes = (int)Math.Min(Math.Min(256, maxLanes), (d + 3) / 4 * 4);
                tilesPerSample = (d + lanes - 1) / lanes;
                tiles = n * tilesPerSample;
            }
        }

        /// <summary>Runs every tile; returns Σ w·loss over the positions.</summary>
        internal double Run()
        {
            long tilesPerChunk = Math.Max(1, ChunkElements / ((long)c * lanes));
            int chunks = checked((int)((tiles + tilesPerChunk - 1) / tilesPerChunk));
            var sums = new double[chunks];
            void Chunk(int k)
            {
                var scratch = new Scratch(c, lanes, gradient is not null);
                try
                {
                    double sum = 0;
                    long end = Math.Min(tiles, (k + 1) * tilesPerChunk);
                    for (long tile = k * tilesPerChunk; tile < end; tile++)
                        sum += Tile(tile, scratch);
                    sums[k] = sum;
                }
                finally
                {
                    scratch.Return();
                }
            }

            ForEachChunk(chunks, Chunk);

            double total = 0;
            for (int k = 0; k < chunks; k++)
                total += sums[k];
            return total;
        }

        /// <summary>Loads one tile, runs the loss kernel on it and stores its outputs; returns Σ w·loss.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
        private double Tile(long tile, Scratch s)
        {
            long first, sample = 0, d0 = 0;
            int count;
            if (d == 1)
            {
                first = tile * lanes;
                count = (int)Math.Min(lanes, n - first);
            }
            else
            {
                sample = tile / tilesPerSample;
                d0 = tile % tilesPerSample * lanes;
                first = sample * d + d0;
                count = (int)Math.Min(lanes, d - d0);
            }

            var e = s.Evidence;
            for (int b = 0; b < lanes; b++)
            {
                long cls = b < count ? target[first + b] : 0;
                bool keep = b < count && (ignored is null || cls != ignored.Value);
                s.Target[b] = keep ? cls : 0;
                s.Weight[b] = keep ? (classWeight is null ? 1.0 : classWeight[cls]) : 0.0;
            }

            // Load (N, C, D) evidence class-major: e[j·lanes + b]. Ignored positions and padding lanes hold 0.
            // Rows (D = 1) are read contiguously, spatial tiles one class plane at a time.
            if (d == 1)
            {
                int b0 = 0;
                fixed (double* scratch = e)
                {
                    for (; b0 + 4 <= count && Transpose.IsSupported; b0 += 4)
                    {
                        if (isFloat)
                            Transpose.RowsToColumns((float*)evidence + (first + b0) * c, c, scratch + b0, lanes);
                        else
                            Transpose.RowsToColumns((double*)evidence + (first + b0) * c, c, scratch + b0, lanes);
                    }
                }

                for (int b = b0; b < count; b++)
                {
                    long rowStart = (first + b) * c;
                    if (isFloat)
                    {
                        float* row = (float*)evidence + rowStart;
                        for (int j = 0; j < c; j++)
                            e[j * lanes + b] = row[j];
                    }
                    else
                    {
                        double* row = (double*)evidence + rowStart;
                        for (int j = 0; j < c; j++)
                            e[j * lanes + b] = row[j];
                    }
                }
            }
            else
            {
                for (int j = 0; j < c; j++)
                {
                    long planeStart = (sample * c + j) * d + d0;
                    int row = j * lanes;
                    if (isFloat)
                    {
                        float* plane = (float*)evidence + planeStart;
                        for (int b = 0; b < count; b++)
                            e[row + b] = plane[b];
                    }
                    else
                    {
                        double* plane = (double*)evidence + planeStart;
                        for (int b = 0; b < count; b++)
                            e[row + b] = plane[b];
                    }
                }
            }

            for (int j = 0; j < c; j++)
            {
                for (int b = count; b < lanes; b++)
                    e[j * lanes + b] = 0.0;
            }

            if (ignored is not null)
            {
                for (int b = 0; b < count; b++)
                {
                    if (s.Weight[b] == 0 && target[first + b] == ignored.Value)
                    {
                        for (int j = 0; j < c; j++)
                            e[j * lanes + b] = 0.0;
                    }
                }
            }

            if (loss.Kind == FusedLossKind.Evidential)
                EvidentialKernel.Tile(s, c, lanes, loss.RegFactor, lnGammaOfClasses);
            else
                MaxNormKernel.Tile(s, c, lanes, loss.RegFactor, loss.PNorm, loss.FisherAlphaSum);

            double sum = 0;
            for (int b = 0; b < count; b++)
            {
                double weighted = s.Weight[b] * s.Loss[b];
                sum += weighted;
                if (perPosition is not null)
                {
                    if (isFloat)
                        ((float*)perPosition)[first + b] = (float)weighted;
                    else
                        ((double*)perPosition)[first + b] = weighted;
                }
            }

            if (gradient is not null)
            {
                var g = s.Gradient!;
                for (int b = 0; b < count; b++)
                    s.Loss[b] = s.Weight[b] * scale;   // reuse: per-position gradient factor
                if (d == 1)
                {
                    int b0 = 0;
                    fixed (double* scratch = g)
                    fixed (double* factors = s.Loss)
                    {
                        for (; b0 + 4 <= count && Transpose.IsSupported; b0 += 4)
                        {
                            if (isFloat)
                                Transpose.ColumnsToRows(scratch + b0, lanes, factors + b0, (float*)gradient + (first + b0) * c, c);
                            else
                                Transpose.ColumnsToRows(scratch + b0, lanes, factors + b0, (double*)gradient + (first + b0) * c, c);
                        }
                    }

                    for (int b = b0; b < count; b++)
                    {
                        long rowStart = (first + b) * c;
                        double factor = s.Loss[b];
                        if (isFloat)
                        {
                            float* row = (float*)gradient + rowStart;
                            for (int j = 0; j < c; j++)
                                row[j] = (float)(g[j * lanes + b] * factor);
                        }
                        else
                        {
                            double* row = (double*)gradient + rowStart;
                            for (int j = 0; j < c; j++)
                                row[j] = g[j * lanes + b] * factor;
                        }
                    }
                }
                else
                {
                    for (int j = 0; j < c; j++)
                    {
                        long planeStart = (sample * c + j) * d + d0;
                        int row = j * lanes;
                        for (int b = 0; b < count; b++)
                        {
                            double v = g[row + b] * s.Loss[b];
                            if (isFloat)
                                ((float*)gradient)[planeStart + b] = (float)v;
                            else
                                ((double*)gradient)[planeStart + b] = v;
                        }
                    }
                }
            }

            return sum;
        }
    }
}

/// <summary>Per-thread buffers of one tile: class-major evidence and gradient (C·B), and per-position vectors (B).</summary>
internal sealed class Scratch
{
    private readonly List<double[]> rented = new();

    internal Scratch(int classes, int lanes, bool withGradient)
    {
        Evidence = Rent(classes * lanes);
        Gradient = withGradient ? Rent(classes * lanes) : null;
        Extra = Rent(classes * lanes);
        Work1 = Rent(classes * lanes);
        Work2 = Rent(classes * lanes);
        Loss = Rent(lanes);
        Weight = Rent(lanes);
        Target = new long[lanes];
    }

    /// <summary>Evidence e[j·B + b] (0 at ignored positions and padding lanes).</summary>
    internal double[] Evidence { get; }

    /// <summary>Kernel output: ∂loss_b/∂e_{j,b}, unweighted; null when no gradient is needed.</summary>
    internal double[]? Gradient { get; }

    /// <summary>Kernel workspace of C·B doubles.</summary>
    internal double[] Extra { get; }

    /// <summary>Kernel workspace of C·B doubles.</summary>
    internal double[] Work1 { get; }

    /// <summary>Kernel workspace of C·B doubles.</summary>
    internal double[] Work2 { get; }

    /// <summary>Kernel output: loss per position, unweighted.</summary>
    internal double[] Loss { get; }

    /// <summary>w[target] per position; 0 at ignored positions and padding lanes.</summary>
    internal double[] Weight { get; }

    /// <summary>True class per position (0 at ignored positions and padding lanes).</summary>
    internal long[] Target { get; }

    private double[] Rent(int length)
    {
        var a = ArrayPool<double>.Shared.Rent(length);
        rented.Add(a);
        return a;
    }

    internal void Return()
    {
        foreach (var a in rented)
            ArrayPool<double>.Shared.Return(a);
        rented.Clear();
    }
}
