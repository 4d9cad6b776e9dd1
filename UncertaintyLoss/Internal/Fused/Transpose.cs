using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace UncertaintyLoss.Internal.Fused;

/// <summary>
/// 4 × 4 block transposes between four contiguous rows of a (N, C) tensor and the class-major tile scratch
/// (see <see cref="FusedDirichlet"/>), with the Float32 ⇄ Float64 conversion, on AVX. Callers fall back to scalar
/// loops where <see cref="IsSupported"/> is false and for the rows and classes left over.
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
