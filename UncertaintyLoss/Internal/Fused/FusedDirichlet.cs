using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
    /// <summary>
    /// Most evidence elements the fused path takes: int.MaxValue / 8. The kernel reaches tensor memory through
    /// TorchSharp's <c>Tensor.bytes</c>, a span of bytes whose length is an <see cref="int"/> (it throws above
    /// int.MaxValue bytes); the widest elements it reads are 8 bytes (Float64 evidence and gradient, the Int64 class
    /// indices, at most one per element), so every such span fits.
    /// </summary>
    internal const long MaxElements = int.MaxValue / sizeof(double);

    /// <summary>
    /// Most classes C the fused path takes: 2^20. Set with the first fused kernel; no reason for the exact value is
    /// recorded. What it bounds: a tile's scratch buffers (C·<see cref="VectorWidth"/> doubles, 32 MiB, once C exceeds
    /// <see cref="TileElements"/>/4), and with <see cref="UL.MaxEvidence"/> the Dirichlet strength S = Σ(e + 1) ≤
    /// 2^20·(1e12 + 1) &lt; 1.05e18 that the special functions and <see cref="MaxFusedPNorm"/> see.
    /// </summary>
    internal const long MaxClasses = 1 << 20;

    /// <summary>
    /// Largest p-norm the fused path takes: 16. With S &lt; 1.05e18 (<see cref="MaxClasses"/>), the max-norm kernel's
    /// products Π_{i&lt;p}(S + i) stay below 2.2e288, finite in double. (When it was set, with the first fused kernel,
    /// the stated reason was that the products stay far from overflow for evidence up to 1e6.)
    /// </summary>
    internal const int MaxFusedPNorm = 16;

    /// <summary>
    /// The granularity of a tile's B, in positions: 8, or <see cref="Vector{T}"/>'s Count of doubles where that is larger.
    /// The kernels process a tile one vector of positions at a time, one position per SIMD lane: 8 with
    /// 512-bit vectors (AVX-512, <see cref="Kernels.UseVector512"/>), else <see cref="Vector{T}"/>'s 4 with AVX2 or 2
    /// with SSE or Arm64 AdvSimd (e.g. <c>DOTNET_EnableAVX=0</c>); every one of these divides B, so that a tile has the same
    /// shape whichever width runs it. 8 is also a multiple of <see cref="Transpose.BlockSize"/>, the rows the AVX transpose
    /// reads at a time. (It was max(4, <see cref="Vector{T}"/>.Count) before the kernels took 512-bit vectors.)
    /// </summary>
    internal static readonly int VectorWidth = Math.Max(8, Vector<double>.Count);

    /// <summary>
    /// Size C·B of a tile's class-major scratch buffers, in doubles, once C is large enough to fill it: 8192 doubles =
    /// 64 KiB per buffer (beyond C = 2048, B stays one vector and a buffer holds C·4). A <see cref="Scratch"/> holds
    /// five such buffers (four without a gradient). The first fused kernel had 16384 (three buffers of 128 KiB); it was
    /// halved when the kernels' element pass added two workspace buffers (commit 93188c2, "smaller tiles"). No
    /// measurement of either value is recorded.
    /// </summary>
    private const int TileElements = 8192;

    /// <summary>
    /// Positions per tile of (N, C) input, at most: 64 rows (read four at a time by <see cref="Transpose"/> on AVX). Set with
    /// the first fused kernel; no measurement of the value is recorded. <see cref="TileElements"/> lowers it for C &gt; 128.
    /// </summary>
    private const int RowTileLanes = 64;

    /// <summary>
    /// Positions per tile of (N, C, d…) input, at most: 256 consecutive spatial positions of one sample, read as one run
    /// per class plane. Set with the first fused kernel. Issue 18, sixth session: 248 (a class row's stride no longer a power
    /// of two) against 256 at 8 × 21 × 128 × 128, alternated: 248 faster in 7 of 8 pairs by 0.04–3.4% (median about 1%),
    /// within this host's run-to-run variation
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/performance.md">performance.md</see>).
    /// <see cref="TileElements"/> lowers it for C &gt; 32, and a tile never extends past its sample's D positions.
    /// </summary>
    private const int SpatialTileLanes = 256;

    /// <summary>
    /// From this many classes on, (N, C) input with an index target takes the row-major kernel
    /// (<see cref="EvidentialKernel.Row"/>: no transposes, a row's buffers in L1) instead of class-major tiles, for every
    /// loss of <see cref="EvidentialKernel"/> but I-EDL (issue 18, seventh session; the value is measured in
    /// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/performance.md">performance.md</see>),
    /// and since the tenth session for max-norm (<see cref="MaxNormKernel.Row"/>; at 128, 256 and 1000 classes it was as
    /// fast as the tile or faster in every pair of a noisy probe run, with AVX-512 and with AVX2). On every vector width:
    /// it needed four lanes or more from the seventh session to the ninth, when its KL loop got its sums back in registers;
    /// since the tenth session it runs on two lanes too (SSE2 without AVX, the stand-in for Arm64's NEON), where it is 8–15%
    /// faster than the tiles.
    /// </summary>
    internal const int RowMajorMinClasses = 128;

    /// <summary>
    /// Scratch elements (C·B) per parallel chunk: 32768, in whole tiles (at least one). A chunk is the unit of parallel work
    /// and of the partial sums, which are added in chunk order, so that the result does not depend on the number of
    /// threads
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/performance.md#the-fused-cpu-path">performance.md, "Parallel and deterministic"</see>);
    /// a call of one chunk runs on the calling thread.
    /// Unchanged since the first fused kernel; no measurement of the value is recorded.
    /// </summary>
    private const long ChunkElements = 32768;

    /// <summary>
    /// Elements per chunk of the evidence range scan (<see cref="ValueRange"/>): 2^18, 1 MiB of Float32. Minimum and
    /// maximum are exact in any order, so it sets only how the scan is split across threads, never the result. No
    /// measurement of the value is recorded.
    /// </summary>
    private const long RangeChunkElements = 1 << 18;

    /// <summary>
    /// Whether the fused path serves this call (see <see cref="KernelPath"/>). Index targets, and probability targets
    /// on the CPU that do not require a gradient (the fused node differentiates the evidence only).
    /// </summary>
    internal static bool Applies(Tensor evidence, Tensor target, TargetKind kind, Tensor? weight, int pNorm)
    {
        var path = Kernels.Path;
        if (path == KernelPath.Composed)
            return false;
        bool targetServed = kind == TargetKind.Index
            || (kind == TargetKind.Probability && target.device_type == DeviceType.CPU && !target.requires_grad
                && target.dtype is ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16 or ScalarType.BFloat16);
        bool applies = targetServed
            && evidence.device_type == DeviceType.CPU
            && evidence.dtype is ScalarType.Float32 or ScalarType.Float64
            && evidence.numel() > 0
            && evidence.numel() <= MaxElements
            && evidence.size(1) <= MaxClasses
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

    /// <summary>Jobs started on 512-bit vectors (<see cref="Kernels.UseVector512"/>) since the process began (tests check
    /// that the 512-bit copy runs where it should).</summary>
    internal static long WideJobsStarted => Interlocked.Read(ref wideJobsStarted);

    private static long wideJobsStarted;

    /// <summary>Jobs started with the row-major kernel (<see cref="RowMajorMinClasses"/>) since the process began (tests
    /// check which kernel a case takes).</summary>
    internal static long RowJobsStarted => Interlocked.Read(ref rowJobsStarted);

    private static long rowJobsStarted;

    /// <summary>Jobs started with the evidential row kernel's KL products in groups of four (<see cref="FusedLoss.ProductGroup"/>)
    /// since the process began (tests check where grouping runs).</summary>
    internal static long FourFactorJobsStarted => Interlocked.Read(ref fourFactorJobsStarted);

    private static long fourFactorJobsStarted;

    /// <summary>Jobs started with the evidential row kernel's KL products in groups of two since the process began.</summary>
    internal static long TwoFactorJobsStarted => Interlocked.Read(ref twoFactorJobsStarted);

    private static long twoFactorJobsStarted;

    /// <summary>Scans of the evidence's (or the logits') range by the evidence check since the process began (tests check
    /// when the scan is skipped: <c>Call.CheckEvidence</c>).</summary>
    internal static long EvidenceScans => Interlocked.Read(ref evidenceScans);

    private static long evidenceScans;

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
        int chunks = checked((int)((count + RangeChunkElements - 1) / RangeChunkElements));
        var mins = new double[chunks];
        var maxs = new double[chunks];
        void Range(int k)
        {
            long start = k * RangeChunkElements;
            int length = (int)Math.Min(RangeChunkElements, count - start);
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
    /// <c>torch.get_num_threads()</c> threads (on the calling thread for one chunk or one thread): libtorch's OpenMP threads
    /// where <see cref="OpenMpTeam.IsAvailable"/>, else the .NET thread pool.</summary>
    private static void ForEachChunk(int chunks, Action<int> chunk)
    {
        int threads = Math.Max(1, Math.Min(Environment.ProcessorCount, torch.get_num_threads()));
        if (chunks == 1 || threads == 1)
        {
            for (int k = 0; k < chunks; k++)
                chunk(k);
        }
        else if (OpenMpTeam.IsAvailable)
        {
            // libtorch's OpenMP threads, idle or still spinning after its last operation (OpenMpTeam's remarks).
            OpenMpTeam.For(chunks, threads, chunk);
        }
        else
        {
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, chunk);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
    private static (double Min, double Max) RangeOf<T>(ReadOnlySpan<T> values) where T : unmanaged, INumber<T>
    {
        var vmin = Vector.Create(T.CreateTruncating(double.PositiveInfinity));
        var vmax = Vector.Create(T.CreateTruncating(double.NegativeInfinity));
        var nan = Vector<T>.Zero;
        int full = values.Length / Vector<T>.Count * Vector<T>.Count;
        ref T first = ref MemoryMarshal.GetReference(values);
        for (int i = 0; i < full; i += Vector<T>.Count)
        {
            var v = Vector.LoadUnsafe(ref first, (nuint)i);
            vmin = Vector.Min(vmin, v);
            vmax = Vector.Max(vmax, v);
            nan |= ~Vector.Equals(v, v);
        }

        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        bool anyNaN = nan != Vector<T>.Zero;
        for (int i = 0; i < Vector<T>.Count; i++)
        {
            min = Math.Min(min, double.CreateTruncating(vmin[i]));
            max = Math.Max(max, double.CreateTruncating(vmax[i]));
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

    /// <summary>
    /// Whether <paramref name="t"/> is a one-element Float32 or Float64 CPU tensor holding exactly 1 (the incoming gradient of
    /// <c>loss.backward()</c>), read from its memory: <c>item&lt;T&gt;()</c> goes through TorchSharp's <c>TensorAccessor</c>,
    /// whose shape and stride reads leave two finalizable objects per call (<see cref="Check.Dims"/>).
    /// </summary>
    internal static bool IsScalarOne(Tensor t) =>
        t.device_type == DeviceType.CPU && t.numel() == 1 && t.dtype switch
        {
            ScalarType.Float32 => *(float*)Pointer(t) == 1.0f,
            ScalarType.Float64 => *(double*)Pointer(t) == 1.0,
            _ => false,
        };
}
