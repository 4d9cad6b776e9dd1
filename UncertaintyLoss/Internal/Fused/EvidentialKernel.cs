using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static UncertaintyLoss.Internal.Fused.PolygammaVector;

namespace UncertaintyLoss.Internal.Fused;

/// <summary>
/// The fused evidential loss on one tile (see <see cref="FusedDirichlet"/>): per position, with true class t,
/// α = e + 1, S = Σα, Ŝ = Σ_{j≠t} α_j, S̃ = 1 + Ŝ:
/// <list type="bullet">
/// <item>MSE = (Ŝ² + Σ_{j≠t} α_j²)/S² + (α_t·Ŝ + Σ_{j≠t} α_j(S − α_j)) / (S²(S + 1));</item>
/// <item>KL = ln Γ(S̃) − ln Γ(C) − Σ_{j≠t} ln Γ(α_j) + Σ_{j≠t} e_j ψ(α_j) − (S̃ − C) ψ(S̃);</item>
/// <item>∂MSE/∂α_k = −2[(y_k − p_k) − B]/S − 2(p_k − Q)/(S(S + 1)) − (1 − Q)/(S + 1)², p = α/S, Q = Σ p_j²,
/// B = Σ_j (y_j − p_j) p_j, 1 − Q = Σ_j α_j R_j / S², p_k − Q = (1 − Q) − R_k/S, R_k = S − α_k (R_t = Ŝ);</item>
/// <item>∂KL/∂α_k = e_k ψ₁(α_k) − (S̃ − C) ψ₁(S̃) for k ≠ t, 0 for k = t.</item>
/// </list>
/// The forward needs ln Γ and ψ of every wrong-class α, the backward only ψ₁, all from one argument reduction.
/// </summary>
internal static class EvidentialKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
    internal static void Tile(Scratch s, int classes, int lanes, double regFactor, double lnGammaOfClasses)
    {
        var e = s.Evidence;
        var grad = s.Gradient;
        bool withKl = regFactor > 0;
        bool withGrad = grad is not null;
        var one = Vector256.Create(1.0);
        var two = Vector256.Create(2.0);
        var lambda = Vector256.Create(regFactor);
        var lnGammaC = Vector256.Create(lnGammaOfClasses);

        // Element pass (contiguous, few live registers): the special functions of every α = e + 1 of the tile.
        // lnΓ(α) = lgShifted − ln shift; the true class's values are computed too and masked out below.
        var lgShifted = s.Extra;
        var shiftProduct = s.Work1;
        var eDigamma = s.Work2;
        if (withKl)
        {
            int total = classes * lanes;
            for (int k = 0; k < total; k += Vector256<double>.Count)
            {
                var ek = Vector256.LoadUnsafe(ref e[0], (nuint)k);
                LgammaPartsDigammaTrigamma(ek + one, withGrad, out var lg, out var shift, out var dg, out var tg);
                lg.StoreUnsafe(ref lgShifted[0], (nuint)k);
                shift.StoreUnsafe(ref shiftProduct[0], (nuint)k);
                (ek * dg).StoreUnsafe(ref eDigamma[0], (nuint)k);
                if (withGrad)
                    (ek * tg).StoreUnsafe(ref grad![0], (nuint)k);
            }
        }

        for (int g = 0; g < lanes; g += Vector256<double>.Count)
        {
            var t = Vector256.Create((double)s.Target[g], s.Target[g + 1], s.Target[g + 2], s.Target[g + 3]);

            // Pass 1: sums over the wrong classes and the true class.
            var eOther = Vector256<double>.Zero;
            var eTrue = Vector256<double>.Zero;
            var alphaSqOther = Vector256<double>.Zero;
            for (int j = 0; j < classes; j++)
            {
                var ej = Vector256.LoadUnsafe(ref e[0], (nuint)(j * lanes + g));
                var isTrue = Vector256.Equals(t, Vector256.Create((double)j));
                var aj = ej + one;
                eOther += Vector256.AndNot(ej, isTrue);
                eTrue += ej & isTrue;
                alphaSqOther += Vector256.AndNot(aj * aj, isTrue);
            }

            var sHat = Vector256.Create(classes - 1.0) + eOther;   // Σ_{j≠t} α_j
            var alphaTrue = one + eTrue;
            var s0 = sHat + alphaTrue;                              // S
            var sTilde = one + sHat;                                // S̃

            // Pass 2: Σ_{j≠t} α_j(S − α_j), and the KL's element terms.
            var varianceOther = Vector256<double>.Zero;
            var lnGammaSum = Vector256<double>.Zero;               // Σ_{j≠t} ln Γ(α_j) = lnGammaSum − ln shiftProducts
            var shiftProducts = PolygammaVector.ProductAccumulator.Create();
            var digammaSum = Vector256<double>.Zero;
            for (int j = 0; j < classes; j++)
            {
                int at = j * lanes + g;
                var ej = Vector256.LoadUnsafe(ref e[0], (nuint)at);
                var isTrue = Vector256.Equals(t, Vector256.Create((double)j));
                var aj = ej + one;
                varianceOther += Vector256.AndNot(aj * (s0 - aj), isTrue);
                if (withKl)
                {
                    lnGammaSum += Vector256.AndNot(Vector256.LoadUnsafe(ref lgShifted[0], (nuint)at), isTrue);
                    shiftProducts.Multiply(Vector256.ConditionalSelect(isTrue, one, Vector256.LoadUnsafe(ref shiftProduct[0], (nuint)at)));
                    digammaSum += Vector256.AndNot(Vector256.LoadUnsafe(ref eDigamma[0], (nuint)at), isTrue);
                }
            }

            var invS = one / s0;
            var invS2 = invS * invS;
            var sPlus1 = s0 + one;
            var varianceNumerator = alphaTrue * sHat + varianceOther;        // Σ_j α_j R_j
            var oneMinusQ = varianceNumerator * invS2;
            var mse = (sHat * sHat + alphaSqOther) * invS2 + oneMinusQ / sPlus1;
            var lossV = mse;
            var trigammaSTilde = Vector256<double>.Zero;
            if (withKl)
            {
                LgammaDigammaTrigamma(sTilde, withGrad, out var lgS, out var dgS, out trigammaSTilde);
                var kl = lgS - lnGammaC - (lnGammaSum - shiftProducts.Log()) + digammaSum - eOther * dgS;
                lossV = Mad(lambda, kl, mse);
            }

            lossV.StoreUnsafe(ref s.Loss[0], (nuint)g);
            if (!withGrad)
                continue;

            // Pass 3: the gradient.
            var b = (sHat * alphaTrue - alphaSqOther) * invS2;               // Σ_j (y_j − p_j) p_j
            var c1 = -two * invS;
            var c2 = c1 / sPlus1;
            var c3 = oneMinusQ / (sPlus1 * sPlus1);
            var klShift = eOther * trigammaSTilde;
            for (int j = 0; j < classes; j++)
            {
                int at = j * lanes + g;
                var ej = Vector256.LoadUnsafe(ref e[0], (nuint)at);
                var isTrue = Vector256.Equals(t, Vector256.Create((double)j));
                var aj = ej + one;
                var r = Vector256.ConditionalSelect(isTrue, sHat, s0 - aj);   // R_k
                var yMinusP = Vector256.ConditionalSelect(isTrue, sHat, Vector256<double>.Zero - aj) * invS;
                var pMinusQ = oneMinusQ - r * invS;
                var gj = Mad(c1, yMinusP - b, Mad(c2, pMinusQ, Vector256<double>.Zero - c3));
                if (withKl)
                {
                    var klGrad = Vector256.AndNot(Vector256.LoadUnsafe(ref grad![0], (nuint)at) - klShift, isTrue);
                    gj = Mad(lambda, klGrad, gj);
                }

                gj.StoreUnsafe(ref grad![0], (nuint)at);
            }
        }
    }
}
