using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading;
using System.Threading.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace UncertaintyLoss.Internal.Fused;

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
internal static unsafe partial class FusedDirichlet
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
}
