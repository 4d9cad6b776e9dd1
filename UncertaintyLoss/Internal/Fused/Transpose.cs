using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace UncertaintyLoss.Internal.Fused;

/// <summary>
/// 4 × 4 block transposes between four contiguous rows of a (N, C) tensor and the class-major tile scratch
/// (see <see cref="FusedDirichlet"/>), with the Float32 ⇄ Float64 conversion, on AVX; 2 × 2 blocks of two rows on SSE2
/// where AVX is missing (<see cref="PairsSupported"/>). Callers fall back to scalar loops elsewhere and for the rows and
/// classes left over.
/// </summary>
internal static unsafe class Transpose
{
    /// <summary>Rows (positions) and classes of one block: four, the doubles of one <see cref="Vector256{T}"/>.</summary>
    internal const int BlockSize = 4;

    /// <summary><see cref="Avx.Permute2x128(Vector256{double}, Vector256{double}, byte)"/> control: the low 128-bit halves
    /// of both operands (bits 1:0 = 0, the first's low half; bits 5:4 = 2, the second's low half).</summary>
    private const byte LowHalves = 0x20;

    /// <summary><see cref="Avx.Permute2x128(Vector256{double}, Vector256{double}, byte)"/> control: the high 128-bit
    /// halves of both operands (bits 1:0 = 1, the first's high half; bits 5:4 = 3, the second's high half).</summary>
    private const byte HighHalves = 0x31;

    internal static bool IsSupported => Avx.IsSupported;

    /// <summary>Rows of one block of the SSE2 transposes (<see cref="PairsSupported"/>): two, the doubles of one
    /// <see cref="Vector128{T}"/>.</summary>
    internal const int PairSize = 2;

    /// <summary>Whether the callers use the SSE2 pair transposes: x86 without AVX (issue 18, fourth session: with
    /// <c>DOTNET_EnableAVX=0</c> the rows were copied one element at a time). Arm64 still takes the scalar loops.</summary>
    internal static bool PairsSupported => !Avx.IsSupported && Sse2.IsSupported;

    /// <summary>dst[j·lanes + b] = src[b·c + j] for b &lt; <see cref="PairSize"/> and every j &lt; c (SSE2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RowsToColumnsPair(float* src, int c, double* dst, int lanes)
    {
        int j = 0;
        for (; j + 4 <= c; j += 4)
        {
            var f0 = Sse.LoadVector128(src + j);
            var f1 = Sse.LoadVector128(src + c + j);
            var a0 = Sse2.ConvertToVector128Double(f0);                          // r0[j], r0[j + 1]
            var a1 = Sse2.ConvertToVector128Double(f1);
            var b0 = Sse2.ConvertToVector128Double(Sse.MoveHighToLow(f0, f0));   // r0[j + 2], r0[j + 3]
            var b1 = Sse2.ConvertToVector128Double(Sse.MoveHighToLow(f1, f1));
            Sse2.Store(dst + j * lanes, Sse2.UnpackLow(a0, a1));
            Sse2.Store(dst + (j + 1) * lanes, Sse2.UnpackHigh(a0, a1));
            Sse2.Store(dst + (j + 2) * lanes, Sse2.UnpackLow(b0, b1));
            Sse2.Store(dst + (j + 3) * lanes, Sse2.UnpackHigh(b0, b1));
        }

        for (; j < c; j++)
        {
            dst[j * lanes] = src[j];
            dst[j * lanes + 1] = src[c + j];
        }
    }

    /// <summary>dst[j·lanes + b] = src[b·c + j] for b &lt; <see cref="PairSize"/> and every j &lt; c (SSE2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RowsToColumnsPair(double* src, int c, double* dst, int lanes)
    {
        int j = 0;
        for (; j + 2 <= c; j += 2)
        {
            var a0 = Sse2.LoadVector128(src + j);
            var a1 = Sse2.LoadVector128(src + c + j);
            Sse2.Store(dst + j * lanes, Sse2.UnpackLow(a0, a1));
            Sse2.Store(dst + (j + 1) * lanes, Sse2.UnpackHigh(a0, a1));
        }

        for (; j < c; j++)
        {
            dst[j * lanes] = src[j];
            dst[j * lanes + 1] = src[c + j];
        }
    }

    /// <summary>dst[b·c + j] = src[j·lanes + b]·factor[b] for b &lt; <see cref="PairSize"/> and every j &lt; c (SSE2; the
    /// product in double, rounded to Float32 once, as the scalar loop rounds it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ColumnsToRowsPair(double* src, int lanes, double* factor, float* dst, int c)
    {
        var f = Sse2.LoadVector128(factor);
        int j = 0;
        for (; j + 4 <= c; j += 4)
        {
            var c0 = Sse2.Multiply(Sse2.LoadVector128(src + j * lanes), f);         // g[j][b0], g[j][b0 + 1]
            var c1 = Sse2.Multiply(Sse2.LoadVector128(src + (j + 1) * lanes), f);
            var c2 = Sse2.Multiply(Sse2.LoadVector128(src + (j + 2) * lanes), f);
            var c3 = Sse2.Multiply(Sse2.LoadVector128(src + (j + 3) * lanes), f);
            var row0 = Sse.MoveLowToHigh(Sse2.ConvertToVector128Single(Sse2.UnpackLow(c0, c1)), Sse2.ConvertToVector128Single(Sse2.UnpackLow(c2, c3)));
            var row1 = Sse.MoveLowToHigh(Sse2.ConvertToVector128Single(Sse2.UnpackHigh(c0, c1)), Sse2.ConvertToVector128Single(Sse2.UnpackHigh(c2, c3)));
            Sse.Store(dst + j, row0);
            Sse.Store(dst + c + j, row1);
        }

        for (; j < c; j++)
        {
            dst[j] = (float)(src[j * lanes] * factor[0]);
            dst[c + j] = (float)(src[j * lanes + 1] * factor[1]);
        }
    }

    /// <summary>dst[b·c + j] = src[j·lanes + b]·factor[b] for b &lt; <see cref="PairSize"/> and every j &lt; c (SSE2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ColumnsToRowsPair(double* src, int lanes, double* factor, double* dst, int c)
    {
        var f = Sse2.LoadVector128(factor);
        int j = 0;
        for (; j + 2 <= c; j += 2)
        {
            var c0 = Sse2.Multiply(Sse2.LoadVector128(src + j * lanes), f);
            var c1 = Sse2.Multiply(Sse2.LoadVector128(src + (j + 1) * lanes), f);
            Sse2.Store(dst + j, Sse2.UnpackLow(c0, c1));
            Sse2.Store(dst + c + j, Sse2.UnpackHigh(c0, c1));
        }

        for (; j < c; j++)
        {
            dst[j] = src[j * lanes] * factor[0];
            dst[c + j] = src[j * lanes + 1] * factor[1];
        }
    }

    /// <summary>dst[j·lanes + b] = src[b·c + j] for b &lt; <see cref="BlockSize"/> and every j &lt; c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RowsToColumns(float* src, int c, double* dst, int lanes)
    {
        int j = 0;
        for (; j + BlockSize <= c; j += BlockSize)
        {
            var r0 = Avx.ConvertToVector256Double(Sse.LoadVector128(src + j));
            var r1 = Avx.ConvertToVector256Double(Sse.LoadVector128(src + c + j));
            var r2 = Avx.ConvertToVector256Double(Sse.LoadVector128(src + 2 * c + j));
            var r3 = Avx.ConvertToVector256Double(Sse.LoadVector128(src + 3 * c + j));
            Store4x4(r0, r1, r2, r3, dst + j * lanes, lanes);
        }

        for (; j < c; j++)
        {
            for (int b = 0; b < BlockSize; b++)
                dst[j * lanes + b] = src[b * c + j];
        }
    }

    /// <summary>dst[j·lanes + b] = src[b·c + j] for b &lt; <see cref="BlockSize"/> and every j &lt; c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RowsToColumns(double* src, int c, double* dst, int lanes)
    {
        int j = 0;
        for (; j + BlockSize <= c; j += BlockSize)
        {
            var r0 = Avx.LoadVector256(src + j);
            var r1 = Avx.LoadVector256(src + c + j);
            var r2 = Avx.LoadVector256(src + 2 * c + j);
            var r3 = Avx.LoadVector256(src + 3 * c + j);
            Store4x4(r0, r1, r2, r3, dst + j * lanes, lanes);
        }

        for (; j < c; j++)
        {
            for (int b = 0; b < BlockSize; b++)
                dst[j * lanes + b] = src[b * c + j];
        }
    }

    /// <summary>dst[b·c + j] = src[j·lanes + b]·factor[b] for b &lt; <see cref="BlockSize"/> and every j &lt; c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ColumnsToRows(double* src, int lanes, double* factor, float* dst, int c)
    {
        var f = Avx.LoadVector256(factor);
        int j = 0;
        for (; j + BlockSize <= c; j += BlockSize)
        {
            Load4x4(src + j * lanes, lanes, f, out var r0, out var r1, out var r2, out var r3);
            Sse.Store(dst + j, Avx.ConvertToVector128Single(r0));
            Sse.Store(dst + c + j, Avx.ConvertToVector128Single(r1));
            Sse.Store(dst + 2 * c + j, Avx.ConvertToVector128Single(r2));
            Sse.Store(dst + 3 * c + j, Avx.ConvertToVector128Single(r3));
        }

        for (; j < c; j++)
        {
            for (int b = 0; b < BlockSize; b++)
                dst[b * c + j] = (float)(src[j * lanes + b] * factor[b]);
        }
    }

    /// <summary>dst[b·c + j] = src[j·lanes + b]·factor[b] for b &lt; <see cref="BlockSize"/> and every j &lt; c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ColumnsToRows(double* src, int lanes, double* factor, double* dst, int c)
    {
        var f = Avx.LoadVector256(factor);
        int j = 0;
        for (; j + BlockSize <= c; j += BlockSize)
        {
            Load4x4(src + j * lanes, lanes, f, out var r0, out var r1, out var r2, out var r3);
            Avx.Store(dst + j, r0);
            Avx.Store(dst + c + j, r1);
            Avx.Store(dst + 2 * c + j, r2);
            Avx.Store(dst + 3 * c + j, r3);
        }

        for (; j < c; j++)
        {
            for (int b = 0; b < BlockSize; b++)
                dst[b * c + j] = src[j * lanes + b] * factor[b];
        }
    }

    /// <summary>Rows r_b = (x_{b,0..3}) to columns: dst[k·lanes + b] = r_b[k].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4x4(Vector256<double> r0, Vector256<double> r1, Vector256<double> r2, Vector256<double> r3, double* dst, int lanes)
    {
        var t0 = Avx.UnpackLow(r0, r1);     // r0[0] r1[0] r0[2] r1[2]
        var t1 = Avx.UnpackHigh(r0, r1);    // r0[1] r1[1] r0[3] r1[3]
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        Avx.Store(dst, Avx.Permute2x128(t0, t2, LowHalves));
        Avx.Store(dst + lanes, Avx.Permute2x128(t1, t3, LowHalves));
        Avx.Store(dst + 2 * lanes, Avx.Permute2x128(t0, t2, HighHalves));
        Avx.Store(dst + 3 * lanes, Avx.Permute2x128(t1, t3, HighHalves));
    }

    /// <summary>Columns to rows, scaled: r_b[k] = src[k·lanes + b]·f[b].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Load4x4(double* src, int lanes, Vector256<double> f,
        out Vector256<double> r0, out Vector256<double> r1, out Vector256<double> r2, out Vector256<double> r3)
    {
        var c0 = Avx.Multiply(Avx.LoadVector256(src), f);
        var c1 = Avx.Multiply(Avx.LoadVector256(src + lanes), f);
        var c2 = Avx.Multiply(Avx.LoadVector256(src + 2 * lanes), f);
        var c3 = Avx.Multiply(Avx.LoadVector256(src + 3 * lanes), f);
        var t0 = Avx.UnpackLow(c0, c1);
        var t1 = Avx.UnpackHigh(c0, c1);
        var t2 = Avx.UnpackLow(c2, c3);
        var t3 = Avx.UnpackHigh(c2, c3);
        r0 = Avx.Permute2x128(t0, t2, LowHalves);
        r1 = Avx.Permute2x128(t1, t3, LowHalves);
        r2 = Avx.Permute2x128(t0, t2, HighHalves);
        r3 = Avx.Permute2x128(t1, t3, HighHalves);
    }
}
