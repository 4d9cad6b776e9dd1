using System.Runtime.CompilerServices;
using System.Numerics;
using static UncertaintyLoss.Internal.Fused.PolygammaVector;

namespace UncertaintyLoss.Internal.Fused;

/// <summary>
/// The fused evidential losses on one tile (see <see cref="FusedDirichlet"/>): <see cref="UL.EvidentialLoss"/> with each
/// of its three risks and <see cref="UL.RelaxedEvidentialLoss"/>. Per position, with true class t, prior weight λ
/// (1 for EDL, the caller's <c>priorWeight</c> for R-EDL), α = e + λ, S = Σα, Ŝ = Σ_{j≠t} α_j = R_t, R_k = S − α_k,
/// S̃ = λ + Ŝ (the strength of the KL's Dirichlet α̃, whose true-class parameter is λ), p = α/S, y = one-hot(t).
/// Every gradient is with respect to α_k, which equals the gradient with respect to e_k (∂α_k/∂e_k = 1).
/// <para><b>Risks and their gradients</b> (derived by hand; ψ₁ is the trigamma function):</para>
/// <list type="bullet">
/// <item><b>Squared error</b> (EDL eq. 5): MSE = Σ_j (y_j − p_j)² + p_j(1 − p_j)/(S + 1)
/// = (Ŝ² + Σ_{j≠t} α_j²)/S² + (α_t·Ŝ + Σ_{j≠t} α_j(S − α_j)) / (S²(S + 1)).
/// With ∂p_j/∂α_k = (δ_jk − p_j)/S, Q = Σ p_j² and B = Σ_j (y_j − p_j) p_j:
/// ∂/∂α_k Σ_j (y_j − p_j)² = −2 Σ_j (y_j − p_j)(δ_jk − p_j)/S = −2[(y_k − p_k) − B]/S;
/// the variance term is (1 − Q)/(S + 1), ∂Q/∂α_k = 2(p_k − Q)/S, so its derivative is
/// −2(p_k − Q)/(S(S + 1)) − (1 − Q)/(S + 1)². Evaluated with 1 − Q = Σ_j α_j R_j / S² and
/// p_k − Q = (1 − Q) − R_k/S, and y_k − p_k = (y_k R_k − (1 − y_k) α_k)/S, which do not cancel.</item>
/// <item><b>Squared error of the mean</b> (R-EDL): Σ_j (y_j − p_j)² = (Ŝ² + Σ_{j≠t} α_j²)/S², the first term above with
/// its gradient −2[(y_k − p_k) − B]/S (no variance term).</item>
/// <item><b>Log-likelihood</b> (EDL eq. 3): ln S − ln α_t, evaluated as ln(1 + Ŝ/α_t) (accurate when α_t ≈ S).
/// ∂/∂α_k = 1/S − δ_kt/α_t: 1/S for k ≠ t, and 1/S − 1/α_t = −Ŝ/(S·α_t) for k = t (no cancellation).</item>
/// <item><b>Cross-entropy</b> (EDL eq. 4): ψ(S) − ψ(α_t). ∂/∂α_k = ψ₁(S) − δ_kt ψ₁(α_t): ψ₁(S) for k ≠ t,
/// ψ₁(S) − ψ₁(α_t) for k = t. Only per-position special functions (of S and α_t); none per element.</item>
/// </list>
/// <para><b>KL regulariser</b> KL(Dir(α̃) ‖ Dir(λ·1)), α̃_j = α_j (j ≠ t), α̃_t = λ, S̃ = Σ α̃ = λ + Ŝ:</para>
/// <list type="bullet">
/// <item>KL = ln Γ(S̃) − ln Γ(Cλ) + C ln Γ(λ) − Σ_j ln Γ(α̃_j) + Σ_j (α̃_j − λ)(ψ(α̃_j) − ψ(S̃))
/// = ln Γ(S̃) − [ln Γ(Cλ) − (C − 1) ln Γ(λ)] − Σ_{j≠t} ln Γ(α_j) + Σ_{j≠t} e_j ψ(α_j) − (S̃ − Cλ) ψ(S̃),
/// since α̃_t − λ = 0, α̃_j − λ = e_j and Σ_{j≠t} e_j = S̃ − Cλ. The bracket is the call's constant (the
/// <c>klOffset</c> argument): ln Γ(C) for EDL (λ = 1, ln Γ(1) = 0).</item>
/// <item>∂KL/∂α_k for k ≠ t (∂S̃/∂α_k = 1): ψ(S̃) − ψ(α_k) + [ψ(α_k) + e_k ψ₁(α_k)] − [ψ(S̃) + (S̃ − Cλ) ψ₁(S̃)]
/// = e_k ψ₁(α_k) − (S̃ − Cλ) ψ₁(S̃); for k = t it is 0 (α̃ does not depend on α_t).</item>
/// </list>
/// The forward needs ln Γ and ψ of every wrong-class α, the backward only ψ₁, all from one argument reduction.
/// </summary>
internal static class EvidentialKernel
{
    /// <summary>The data term of a fused call.</summary>
    private enum Risk
    {
        /// <summary>EDL's expected squared error, variance term included.</summary>
        SquaredError,

        /// <summary>R-EDL's squared error of the Dirichlet mean, without the variance term.</summary>
        SquaredErrorOfMean,

        /// <summary>ln S − ln α_t.</summary>
        LogLikelihood,

        /// <summary>ψ(S) − ψ(α_t).</summary>
        CrossEntropy,
    }

    /// <summary>
    /// Loss and (when the scratch has a gradient buffer) gradient of every position of the tile.
    /// <paramref name="klOffset"/> is ln Γ(Cλ) − (C − 1) ln Γ(λ), the KL's constant (see the class summary).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
    internal static void Tile(Scratch s, int classes, int lanes, FusedLoss loss, double klOffset)
    {
        var e = s.Evidence;
        var grad = s.Gradient;
        var risk = loss.Kind == FusedLossKind.Relaxed
            ? Risk.SquaredErrorOfMean
            : loss.Risk switch
            {
                EvidentialRisk.LogLikelihood => Risk.LogLikelihood,
                EvidentialRisk.CrossEntropy => Risk.CrossEntropy,
                _ => Risk.SquaredError,
            };
        bool squared = risk is Risk.SquaredError or Risk.SquaredErrorOfMean;
        bool withVariance = risk == Risk.SquaredError;
        bool withKl = loss.RegFactor > 0;
        bool withGrad = grad is not null;
        var one = Vector.Create(1.0);
        var two = Vector.Create(2.0);
        var prior = Vector.Create(loss.PriorWeight);
        var priorOthers = Vector.Create((classes - 1) * loss.PriorWeight);   // Σ_{j≠t} λ
        var lambda = Vector.Create(loss.RegFactor);
        var offset = Vector.Create(klOffset);

        // Element pass (contiguous, few live registers): the special functions of every α = e + λ of the tile.
        // lnΓ(α) = lgShifted − ln shift; the true class's values are computed too and masked out below.
        var lgShifted = s.Extra;
        var shiftProduct = s.Work1;
        var eDigamma = s.Work2;
        if (withKl)
        {
            int total = classes * lanes;
            for (int k = 0; k < total; k += Vector<double>.Count)
            {
                var ek = Vector.LoadUnsafe(ref e[0], (nuint)k);
                LgammaPartsDigammaTrigamma(ek + prior, withGrad, out var lg, out var shift, out var dg, out var tg);
                lg.StoreUnsafe(ref lgShifted[0], (nuint)k);
                shift.StoreUnsafe(ref shiftProduct[0], (nuint)k);
                (ek * dg).StoreUnsafe(ref eDigamma[0], (nuint)k);
                if (withGrad)
                    (ek * tg).StoreUnsafe(ref grad![0], (nuint)k);
            }
        }

        for (int g = 0; g < lanes; g += Vector<double>.Count)
        {
            var t = Vector.LoadUnsafe(ref s.Target[0], (nuint)g);

            // Pass 1: sums over the wrong classes and the true class.
            var eOther = Vector<double>.Zero;
            var eTrue = Vector<double>.Zero;
            var alphaSqOther = Vector<double>.Zero;
            for (int j = 0; j < classes; j++)
            {
                var ej = Vector.LoadUnsafe(ref e[0], (nuint)(j * lanes + g));
                var isTrue = Vector.Equals<double>(t, Vector.Create((double)j));
                eOther += Vector.AndNot(ej, isTrue);
                eTrue += ej & isTrue;
                if (squared)
                {
                    var aj = ej + prior;
                    alphaSqOther += Vector.AndNot(aj * aj, isTrue);
                }
            }

            var sHat = priorOthers + eOther;                       // Σ_{j≠t} α_j
            var alphaTrue = prior + eTrue;
            var s0 = sHat + alphaTrue;                              // S
            var sTilde = prior + sHat;                              // S̃

            // Pass 2: Σ_{j≠t} α_j(S − α_j) (the variance term), and the KL's element terms.
            var varianceOther = Vector<double>.Zero;
            var lnGammaSum = Vector<double>.Zero;               // Σ_{j≠t} ln Γ(α_j) = lnGammaSum − ln shiftProducts
            var shiftProducts = PolygammaVector.ProductAccumulator.Create();
            var digammaSum = Vector<double>.Zero;
            if (withVariance || withKl)
            {
                for (int j = 0; j < classes; j++)
                {
                    int at = j * lanes + g;
                    var isTrue = Vector.Equals<double>(t, Vector.Create((double)j));
                    if (withVariance)
                    {
                        var aj = Vector.LoadUnsafe(ref e[0], (nuint)at) + prior;
                        varianceOther += Vector.AndNot(aj * (s0 - aj), isTrue);
                    }

                    if (withKl)
                    {
                        lnGammaSum += Vector.AndNot(Vector.LoadUnsafe(ref lgShifted[0], (nuint)at), isTrue);
                        shiftProducts.Multiply(Vector.ConditionalSelect(isTrue, one, Vector.LoadUnsafe(ref shiftProduct[0], (nuint)at)));
                        digammaSum += Vector.AndNot(Vector.LoadUnsafe(ref eDigamma[0], (nuint)at), isTrue);
                    }
                }
            }

            var invS = one / s0;
            var invS2 = invS * invS;
            var sPlus1 = s0 + one;
            var oneMinusQ = (alphaTrue * sHat + varianceOther) * invS2;   // Σ_j α_j R_j / S² (squared error only)
            var trigammaS = Vector<double>.Zero;                        // ψ₁(S) (cross-entropy only)
            var trigammaTrue = Vector<double>.Zero;                     // ψ₁(α_t) (cross-entropy only)
            Vector<double> lossV;
            switch (risk)
            {
                case Risk.SquaredError:
                    lossV = (sHat * sHat + alphaSqOther) * invS2 + oneMinusQ / sPlus1;
                    break;
                case Risk.SquaredErrorOfMean:
                    lossV = (sHat * sHat + alphaSqOther) * invS2;
                    break;
                case Risk.LogLikelihood:
                    lossV = Log1p(sHat / alphaTrue);
                    break;
                default:
                    LgammaDigammaTrigamma(s0, withGrad, out _, out var digammaS, out trigammaS);
                    LgammaDigammaTrigamma(alphaTrue, withGrad, out _, out var digammaTrue, out trigammaTrue);
                    lossV = digammaS - digammaTrue;
                    break;
            }

            var trigammaSTilde = Vector<double>.Zero;
            if (withKl)
            {
                LgammaDigammaTrigamma(sTilde, withGrad, out var lgS, out var dgS, out trigammaSTilde);
                var kl = lgS - offset - (lnGammaSum - shiftProducts.Log()) + digammaSum - eOther * dgS;
                lossV = Mad(lambda, kl, lossV);
            }

            lossV.StoreUnsafe(ref s.Loss[0], (nuint)g);
            if (!withGrad)
                continue;

            // Pass 3: the gradient. Per-position coefficients of each risk's ∂/∂α_k (class summary).
            var b = (sHat * alphaTrue - alphaSqOther) * invS2;               // B = Σ_j (y_j − p_j) p_j
            var c1 = -two * invS;
            var c2 = c1 / sPlus1;
            var c3 = oneMinusQ / (sPlus1 * sPlus1);
            var gTrue = risk == Risk.LogLikelihood ? Vector<double>.Zero - sHat * invS / alphaTrue : trigammaS - trigammaTrue;
            var gOther = risk == Risk.LogLikelihood ? invS : trigammaS;
            var klShift = eOther * trigammaSTilde;                           // (S̃ − Cλ) ψ₁(S̃)
            for (int j = 0; j < classes; j++)
            {
                int at = j * lanes + g;
                var isTrue = Vector.Equals<double>(t, Vector.Create((double)j));
                Vector<double> gj;
                if (squared)
                {
                    var aj = Vector.LoadUnsafe(ref e[0], (nuint)at) + prior;
                    var yMinusP = Vector.ConditionalSelect(isTrue, sHat, Vector<double>.Zero - aj) * invS;
                    if (withVariance)
                    {
                        var r = Vector.ConditionalSelect(isTrue, sHat, s0 - aj);   // R_k
                        var pMinusQ = oneMinusQ - r * invS;
                        gj = Mad(c1, yMinusP - b, Mad(c2, pMinusQ, Vector<double>.Zero - c3));
                    }
                    else
                    {
                        gj = c1 * (yMinusP - b);
                    }
                }
                else
                {
                    gj = Vector.ConditionalSelect(isTrue, gTrue, gOther);
                }

                if (withKl)
                {
                    var klGrad = Vector.AndNot(Vector.LoadUnsafe(ref grad![0], (nuint)at) - klShift, isTrue);   // e_k ψ₁(α_k) − (S̃ − Cλ) ψ₁(S̃)
                    gj = Mad(lambda, klGrad, gj);
                }

                gj.StoreUnsafe(ref grad![0], (nuint)at);
            }
        }
    }
}
