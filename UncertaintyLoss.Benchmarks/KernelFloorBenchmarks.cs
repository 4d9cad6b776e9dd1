using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using Narrow = UncertaintyLoss.Internal.Fused.PolygammaVector;
using WidePolygamma = UncertaintyLoss.Internal.Fused.Wide.PolygammaVector;

namespace UncertaintyLoss.Benchmarks;

/// <summary>
/// The floor of the fused kernels on this machine, one thread, data in L1 (docs/performance.md, "The floor"): the peak rate
/// of double-precision fused multiply-adds (eight independent chains, 256 and 512 bits wide), and the time per element of
/// what the KL regulariser needs per wrong-class α (ln Γ, ψ and ψ₁ from one argument reduction, the kernels' element pass)
/// and of the exp activation, at both widths. Each benchmark reports the time per element (per multiply-add lane for the
/// peak rows): <c>OperationsPerInvoke</c>.
/// </summary>
/// <remarks>
/// Not a loss benchmark: no tensors, no TorchSharp. Run it alone:
/// <c>dotnet run -c Release --project UncertaintyLoss.Benchmarks -- --filter '*KernelFloorBenchmarks*'</c>. The 512-bit
/// rows need AVX-512 (elsewhere <see cref="Vector512{T}"/> is emulated in software and the rows mean nothing).
/// </remarks>
public class KernelFloorBenchmarks
{
    /// <summary>Elements per invocation: 4096 doubles, 32 KiB, inside the 48 KiB L1 data cache of the machine it was written on (<c>getconf LEVEL1_DCACHE_SIZE</c>: 49152).</summary>
    private const int Elements = 4096;

    /// <summary>Multiply-add iterations per invocation of the peak rows.</summary>
    private const int Iterations = 4096;

    /// <summary>Independent accumulator chains of the peak rows: 8, enough to cover the FMA latency (4 cycles) on two pipes.</summary>
    private const int Chains = 8;

    private readonly double[] alpha = new double[Elements];
    private readonly double[] logits = new double[Elements];

    /// <summary>α = e + 1 with e = exp(N(0, 2²)) clamped to [e⁻¹⁰, e¹⁰], as the default exp activation makes it from
    /// logits like the loss benchmarks' (fixed seed); the logits themselves for the exp rows.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20261204);
        for (int i = 0; i < Elements; i++)
        {
            double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
            logits[i] = 2 * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            alpha[i] = Math.Exp(Math.Clamp(logits[i], -10, 10)) + 1;
        }
    }

    /// <summary>Peak multiply-add rate, 256 bits (4 doubles per instruction): time per lane-FMA (2 flops).</summary>
    [Benchmark(OperationsPerInvoke = Iterations * Chains * 4)]
    public double FmaPeak256() => Peak<Vector256<double>>();

    /// <summary>Peak multiply-add rate, 512 bits (8 doubles per instruction): time per lane-FMA (2 flops).</summary>
    [Benchmark(OperationsPerInvoke = Iterations * Chains * 8)]
    public double FmaPeak512() => Peak<Vector512<double>>();

    /// <summary>The KL's element pass at 256 bits (<see cref="Vector{T}"/>, 4 lanes with AVX2): ln Γ (in two parts), ψ and
    /// ψ₁ of one α. Time per element.</summary>
    [Benchmark(OperationsPerInvoke = Elements)]
    public double KlElement256()
    {
        var sum = Vector<double>.Zero;
        for (int k = 0; k < Elements; k += Vector<double>.Count)
        {
            Narrow.LgammaPartsDigammaTrigamma(Vector.LoadUnsafe(ref alpha[0], (nuint)k), true, out var lg, out var shift, out var dg, out var tg);
            sum += lg + shift + dg + tg;
        }

        return Vector.Sum(sum);
    }

    /// <summary>The KL's element pass at 512 bits (the kernels' Wide copy, 8 lanes). Time per element.</summary>
    [Benchmark(OperationsPerInvoke = Elements)]
    public double KlElement512()
    {
        var sum = Vector512<double>.Zero;
        for (int k = 0; k < Elements; k += Vector512<double>.Count)
        {
            WidePolygamma.LgammaPartsDigammaTrigamma(Vector512.LoadUnsafe(ref alpha[0], (nuint)k), true, out var lg, out var shift, out var dg, out var tg);
            sum += lg + shift + dg + tg;
        }

        return Vector512.Sum(sum);
    }

    /// <summary>The KL's element pass since issue 18's sixth session, at 256 bits: <c>PolygammaVector.KlElementTerms</c>
    /// (m·ψ(α) − ln Γ(α) as r, a product and a strength, and ψ₁(α), without a logarithm). Time per element.</summary>
    [Benchmark(OperationsPerInvoke = Elements)]
    public double KlTerms256()
    {
        var sum = Vector<double>.Zero;
        var one = Vector.Create(1.0);
        for (int k = 0; k < Elements; k += Vector<double>.Count)
        {
            var a = Vector.LoadUnsafe(ref alpha[0], (nuint)k);
            Narrow.KlElementTerms(a, a - one, true, out var r, out var product, out var strength, out var tg);
            sum += r + product + strength + tg;
        }

        return Vector.Sum(sum);
    }

    /// <summary>As <see cref="KlTerms256"/>, 512 bits (the kernels' Wide copy, 8 lanes). Time per element.</summary>
    [Benchmark(OperationsPerInvoke = Elements)]
    public double KlTerms512()
    {
        var sum = Vector512<double>.Zero;
        var one = Vector512.Create(1.0);
        for (int k = 0; k < Elements; k += Vector512<double>.Count)
        {
            var a = Vector512.LoadUnsafe(ref alpha[0], (nuint)k);
            WidePolygamma.KlElementTerms(a, a - one, true, out var r, out var product, out var strength, out var tg);
            sum += r + product + strength + tg;
        }

        return Vector512.Sum(sum);
    }

    /// <summary>The exp activation's function at 256 bits. Time per element.</summary>
    [Benchmark(OperationsPerInvoke = Elements)]
    public double Exp256()
    {
        var sum = Vector<double>.Zero;
        for (int k = 0; k < Elements; k += Vector<double>.Count)
            sum += Narrow.Exp(Vector.LoadUnsafe(ref logits[0], (nuint)k));
        return Vector.Sum(sum);
    }

    /// <summary>The exp activation's function at 512 bits. Time per element.</summary>
    [Benchmark(OperationsPerInvoke = Elements)]
    public double Exp512()
    {
        var sum = Vector512<double>.Zero;
        for (int k = 0; k < Elements; k += Vector512<double>.Count)
            sum += WidePolygamma.Exp(Vector512.LoadUnsafe(ref logits[0], (nuint)k));
        return Vector512.Sum(sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Peak<TVector>()
    {
        if (typeof(TVector) == typeof(Vector512<double>))
        {
            var m = Vector512.Create(0.999999);
            var a = Vector512.Create(1e-9);
            Vector512<double> c0 = Vector512.Create(1.0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
            for (int i = 0; i < Iterations; i++)
            {
                c0 = Vector512.FusedMultiplyAdd(c0, m, a);
                c1 = Vector512.FusedMultiplyAdd(c1, m, a);
                c2 = Vector512.FusedMultiplyAdd(c2, m, a);
                c3 = Vector512.FusedMultiplyAdd(c3, m, a);
                c4 = Vector512.FusedMultiplyAdd(c4, m, a);
                c5 = Vector512.FusedMultiplyAdd(c5, m, a);
                c6 = Vector512.FusedMultiplyAdd(c6, m, a);
                c7 = Vector512.FusedMultiplyAdd(c7, m, a);
            }

            return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7);
        }
        else
        {
            var m = Vector256.Create(0.999999);
            var a = Vector256.Create(1e-9);
            Vector256<double> c0 = Vector256.Create(1.0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
            for (int i = 0; i < Iterations; i++)
            {
                c0 = Vector256.FusedMultiplyAdd(c0, m, a);
                c1 = Vector256.FusedMultiplyAdd(c1, m, a);
                c2 = Vector256.FusedMultiplyAdd(c2, m, a);
                c3 = Vector256.FusedMultiplyAdd(c3, m, a);
                c4 = Vector256.FusedMultiplyAdd(c4, m, a);
                c5 = Vector256.FusedMultiplyAdd(c5, m, a);
                c6 = Vector256.FusedMultiplyAdd(c6, m, a);
                c7 = Vector256.FusedMultiplyAdd(c7, m, a);
            }

            return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7);
        }
    }
}
