using System;
using System.Runtime.CompilerServices;
using System.Numerics;
using static UncertaintyLoss.Internal.Fused.PolygammaVector;
using V = System.Numerics.Vector<double>;
using O = System.Numerics.Vector;

namespace UncertaintyLoss.Internal.Fused;

/// <summary>
/// The fused max-norm loss on one tile (see <see cref="FusedDirichlet"/>): per position, with true class t,
/// α = e + 1, S = Σα, Ŝ = Σ_{j≠t} α_j and the integer p:
/// <list type="bullet">
/// <item>F = M^{1/p}, M = r + Σ_{j≠t} m_j, m_j = Π_{i&lt;p} (α_j + i)/(S + i), r = Π_{i&lt;p} (Ŝ + i)/(S + i);</item>
/// <item>∂M/∂α_k = [k ≠ t](m_k h(α_k) + r h(Ŝ)) − M h(S), h(a) = Σ_{i&lt;p} 1/(a + i); ∂F/∂α_k = F/(pM) ∂M/∂α_k;</item>
/// <item>R = ½ Σ_{j≠t} e_j² (ψ₁(α_j) − ψ₁(A)), A = S or 1 + Ŝ (<see cref="FisherAlphaSum"/>);</item>
/// <item>∂R/∂α_k = [k ≠ t](e_k(ψ₁(α_k) − ψ₁(A)) + ½ e_k² ψ₂(α_k)) − ½ ψ₂(A) Σ_{j≠t} e_j² ∂A/∂α_k.</item>
/// </list>
/// The Gamma ratios are products (p is an integer): no special function in the p-norm term; the regulariser needs
/// ψ₁ forward and ψ₂ backward, from one argument reduction.
/// </summary>
internal static class MaxNormKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
    internal static void Tile(Scratch s, int classes, int lanes, double regFactor, int p, FisherAlphaSum alphaSum)
    {
        var e = s.Evidence;
        var grad = s.Gradient;
        var extra = s.Extra;
        bool withFisher = regFactor > 0;
        bool withGrad = grad is not null;
        bool strengthAll = alphaSum == FisherAlphaSum.All;
        var one = O.Create(1.0);
        var half = O.Create(0.5);
        var lambda = O.Create(regFactor);

        // Element pass (contiguous, few live registers): Π(α + i) and h(α) of the p-norm, ψ₁ and ψ₂ of the regulariser,
        // for every α = e + 1 of the tile (the true class's are masked out below). ψ₂ goes to the gradient buffer,
        // whose slot is read before it is overwritten.
        var risingProduct = s.Work1;
        var risingH = s.Work2;
        var trigammaAlpha = extra;
        var tetragammaAlpha = grad;
        int total = classes * lanes;
        for (int k = 0; k < total; k += V.Count)
        {
            var ak = O.LoadUnsafe(ref e[0], (nuint)k) + one;
            RisingProduct(ak, p, withGrad, out var pa, out var ha);
            pa.StoreUnsafe(ref risingProduct[0], (nuint)k);
            if (withGrad)
                ha.StoreUnsafe(ref risingH[0], (nuint)k);
            if (withFisher)
            {
                TrigammaTetragamma(ak, withGrad, out var tg, out var tt);
                tg.StoreUnsafe(ref trigammaAlpha[0], (nuint)k);
                if (withGrad)
                    tt.StoreUnsafe(ref tetragammaAlpha![0], (nuint)k);
            }
        }

        for (int g = 0; g < lanes; g += V.Count)
        {
            var t = O.LoadUnsafe(ref s.Target[0], (nuint)g);

            var eOther = V.Zero;
            var eTrue = V.Zero;
            var eSqOther = V.Zero;
            for (int j = 0; j < classes; j++)
            {
                var ej = O.LoadUnsafe(ref e[0], (nuint)(j * lanes + g));
                var isTrue = O.Equals<double>(t, O.Create((double)j));
                eOther += O.AndNot(ej, isTrue);
                eTrue += ej & isTrue;
                eSqOther += O.AndNot(ej * ej, isTrue);
            }

            var sHat = O.Create(classes - 1.0) + eOther;
            var s0 = sHat + one + eTrue;
            RisingProduct(s0, p, withGrad, out var productS, out var hS);
            RisingProduct(sHat, p, withGrad, out var productHat, out var hHat);
            var invProductS = one / productS;
            var r = productHat * invProductS;

            var trigammaA = V.Zero;
            var tetragammaA = V.Zero;
            if (withFisher)
                TrigammaTetragamma(strengthAll ? s0 : one + sHat, withGrad, out trigammaA, out tetragammaA);

            var mSum = V.Zero;
            var fisherSum = V.Zero;
            for (int j = 0; j < classes; j++)
            {
                int at = j * lanes + g;
                var ej = O.LoadUnsafe(ref e[0], (nuint)at);
                var isTrue = O.Equals<double>(t, O.Create((double)j));
                var m = O.AndNot(O.LoadUnsafe(ref risingProduct[0], (nuint)at) * invProductS, isTrue);
                mSum += m;
                var tt = withGrad && withFisher ? O.LoadUnsafe(ref tetragammaAlpha![0], (nuint)at) : V.Zero;
                if (withGrad)
                    (m * O.LoadUnsafe(ref risingH[0], (nuint)at)).StoreUnsafe(ref grad![0], (nuint)at);
                if (withFisher)
                {
                    var diff = O.LoadUnsafe(ref trigammaAlpha[0], (nuint)at) - trigammaA;
                    var eSq = ej * ej;
                    fisherSum += O.AndNot(eSq * diff, isTrue);
                    if (withGrad)
                        O.AndNot(Mad(ej, diff, half * eSq * tt), isTrue).StoreUnsafe(ref extra[0], (nuint)at);
                }
            }

            var mTotal = r + mSum;
            var f = Root(mTotal, p);
            var lossV = withFisher ? Mad(lambda, half * fisherSum, f) : f;
            lossV.StoreUnsafe(ref s.Loss[0], (nuint)g);
            if (!withGrad)
                continue;

            var coefficient = f / (O.Create((double)p) * mTotal);
            var rh = r * hHat;
            var mh = mTotal * hS;
            var strengthTerm = half * tetragammaA * eSqOther;
            for (int j = 0; j < classes; j++)
            {
                int at = j * lanes + g;
                var isTrue = O.Equals<double>(t, O.Create((double)j));
                var dm = O.AndNot(O.LoadUnsafe(ref grad![0], (nuint)at) + rh, isTrue) - mh;
                var gj = coefficient * dm;
                if (withFisher)
                {
                    var strength = strengthAll ? strengthTerm : O.AndNot(strengthTerm, isTrue);
                    var fisherGrad = O.AndNot(O.LoadUnsafe(ref extra[0], (nuint)at), isTrue) - strength;
                    gj = Mad(lambda, fisherGrad, gj);
                }

                gj.StoreUnsafe(ref grad![0], (nuint)at);
            }
        }
    }

    /// <summary>Π_{i&lt;p} (a + i) and, when <paramref name="withDerivative"/>, h = Σ_{i&lt;p} 1/(a + i) (by the product rule, one division).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RisingProduct(V a, int p, bool withDerivative, out V product, out V h)
    {
        var one = O.Create(1.0);
        product = one;
        var derivative = V.Zero;
        for (int i = 0; i < p; i++)
        {
            var factor = a + O.Create((double)i);
            if (withDerivative)
                derivative = Mad(derivative, factor, product);
            product *= factor;
        }

        h = withDerivative ? derivative / product : V.Zero;
    }

    /// <summary>M^{1/p}: square roots for p = 1, 2, 4, 8, 16, else <see cref="Math.Pow(double, double)"/> per lane.</summary>
    private static V Root(V m, int p)
    {
        switch (p)
        {
            case 1: return m;
            case 2: return O.SquareRoot(m);
            case 4: return O.SquareRoot(O.SquareRoot(m));
            case 8: return O.SquareRoot(O.SquareRoot(O.SquareRoot(m)));
            case 16: return O.SquareRoot(O.SquareRoot(O.SquareRoot(O.SquareRoot(m))));
            default:
                double inv = 1.0 / p;
                System.Span<double> roots = stackalloc double[V.Count];
                for (int i = 0; i < roots.Length; i++)
                    roots[i] = Math.Pow(m[i], inv);
                return O.Create((System.ReadOnlySpan<double>)roots);
        }
    }
}
