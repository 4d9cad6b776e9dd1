using System.Runtime.CompilerServices;
using System.Numerics;
using static UncertaintyLoss.Internal.Fused.PolygammaVector;
using V = System.Numerics.Vector<double>;
using O = System.Numerics.Vector;

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
/// −2(p_k − Q)/(S(S + 1)) − (1 − Q)/(S + 1)². Index targets (issue 18, fifth session): 1 − Q = (α_t Ŝ + S Ŝ −
/// Σ_{j≠t} α_j²)/S² from pass 1's sums, and with c1 = −2/S, c2 = c1/(S + 1), c3 = (1 − Q)/(S + 1)², y_k − p_k = −α_k/S and
/// p_k − Q = α_k/S − Q at k ≠ t, the gradient there is linear in α_k: α_k·2/(S(S + 1)) − (c1 B + c2 Q + c3), Q = Σ α_j²/S²
/// summed directly. Probability targets: 1 − Q = Σ_j α_j R_j / S², p_k − Q = (1 − Q) − R_k/S and
/// y_k − p_k = (y_k R_k − (1 − y_k) α_k)/S, which do not cancel.</item>
/// <item><b>Squared error of the mean</b> (R-EDL): Σ_j (y_j − p_j)² = (Ŝ² + Σ_{j≠t} α_j²)/S², the first term above with
/// its gradient −2[(y_k − p_k) − B]/S (no variance term): α_k·2/S² + 2B/S at k ≠ t for index targets.</item>
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
/// <para><b>I-EDL</b> (<see cref="UL.FisherEvidentialLoss"/>, issue 18; λ = 1): with w_j = ψ₁(α_j), u = y − p,
/// q_j = p_j(1 − p_j) = α_j R_j/S² and m_j = u_j² + q_j/(S + 1), the loss is Σ_j w_j m_j − c·ln|I(α)| + λ·KL, where
/// ln|I(α)| = Σ_j ln w_j + ln ψ₁(S) + ln G, G = (K − 1)/2 + f(S) − Σ_j f(α_j), f(x) = 1/ψ₁(x) − x + ½ (the composed path's
/// cancellation-free form). With ∂p_j/∂α_k = (δ_jk − p_j)/S and the per-position sums A = Σ w u p, Bv = Σ w (1 − 2p) p,
/// V = Σ w q (derived by hand):
/// ∂/∂α_k Σ_j w_j m_j = ψ₂(α_k) m_k + (2A − 2w_k u_k)/S + (w_k(1 − 2p_k) − Bv)/(S(S + 1)) − V/(S + 1)², and
/// ∂ ln|I|/∂α_k = ψ₂(α_k)/ψ₁(α_k) + ψ₂(S)/ψ₁(S) + (f′(S) − f′(α_k))/G, f′(x) = −ψ₂(x)/ψ₁(x)² − 1 (from x = 16 on, the
/// derivative of f's asymptotic series). Per element: ψ₁ and, with a gradient, ψ₂ (one reduction,
/// <see cref="PolygammaVector.TrigammaTetragamma"/>), on top of the KL's functions.</para>
/// <para><b>Posterior Network</b> (<see cref="UL.PosteriorNetworkLoss"/>, issue 18; λ = 1): the cross-entropy risk (UCE)
/// minus regFactor·H[Dir(α)]. Since H[Dir(α)] = ln B(α) − Σ_j (α_j − 1)(ψ(α_j) − ψ(S)) and KL(Dir(α) ‖ Dir(1)) = −ln Γ(C) −
/// ln B(α) + Σ_j (α_j − 1)(ψ(α_j) − ψ(S)), −H is the KL above with α in place of α̃ (every class, S̃ = S) and without the
/// constant: the same element terms, none masked, <c>klOffset</c> 0, and the gradient e_k ψ₁(α_k) − (S − C) ψ₁(S) for every k,
/// the true class included.</para>
/// <para><b>Probability targets</b> (issue 18, third session; <see cref="TileProbabilities"/>): y is any vector in [0, 1]^C
/// (Y = Σ y_j, not assumed to be 1), with the composed path's formulas: R_k = S − α_k, except Σ_{j≠m} α_j for the class m
/// of the largest α (the composed path's <c>SumOfOthers</c>: no cancellation), u_k = (y_k R_k − (1 − y_k) α_k)/S = y_k − p_k.
/// Squared error: Σ u_j² + (1 − Q)/(S + 1) with the gradients above (they never used y being one-hot: B = Σ u_j p_j).
/// Log-likelihood: Σ y_j ln(1 + R_j/α_j), ∂/∂α_k = Y/S − y_k/α_k = ((Y − y_k) α_k − y_k R_k)/(S α_k). Cross-entropy:
/// Σ y_j (ψ(S) − ψ(α_j)), ∂/∂α_k = Y ψ₁(S) − y_k ψ₁(α_k) (ψ and ψ₁ of every α: an element pass). I-EDL: the formulas
/// above with the soft u and q_j = α_j R_j/S². KL: β = (1 − y)·e + λ (every class; the true class's β = λ when y is
/// one-hot), KL = ln Γ(S̃) − [ln Γ(Cλ) − C ln Γ(λ)] − Σ_j ln Γ(β_j) + Σ_j (β_j − λ)(ψ(β_j) − ψ(S̃)), S̃ = Σ β, and
/// ∂KL/∂e_k = (1 − y_k)[(β_k − λ) ψ₁(β_k) − (S̃ − Cλ) ψ₁(S̃)]; the Posterior Network's −H uses β = α for every class
/// whatever y (offset 0). RED: −w·ν·Σ_j y_j ln max(e_j, ε), gradient −w·ν·y_k/e_k where e_k ≥ ε.</para>
/// <para><b>Prior Network</b> (<see cref="UL.PriorNetworkLoss"/>, issue 18, fourth session; input α itself): with β = 1 + τy
/// (B = C + τY), KL(Dir(α) ‖ Dir(β)) = ln Γ(S) − Σ ln Γ(α_j) − ln Γ(B) + Σ ln Γ(β_j) + Σ (α_j − β_j)(ψ(α_j) − ψ(S)), and
/// since α_j − β_j = (α_j − 1) − τy_j it is τ·Σ_j y_j (ψ(S) − ψ(α_j)) (the cross-entropy risk times τ) + the full KL to
/// Dir(1) without its constant (the Posterior Network's terms with weights α − 1, <c>klOffset</c> 0) + Σ ln Γ(β_j) − ln Γ(B).
/// Index targets: that constant is ln Γ(1 + τ) − ln Γ(C + τ) per position, and an out-of-distribution position (y = 0) has
/// no risk and the constant −ln Γ(C) (<see cref="Scratch.RiskScale"/>, <see cref="Scratch.PositionConstant"/>); probability
/// targets: the risk's weights are τy, and Σ ln Γ(1 + τy_j) − ln Γ(C + τY) is summed in pass 1 (an all-zero row is out of
/// distribution). Gradient: τ(Yψ₁(S) − y_k ψ₁(α_k)) + (α_k − 1) ψ₁(α_k) − (S − C) ψ₁(S).</para>
/// <para><b>RED</b> (<see cref="UL.RedEvidentialLoss"/>, issue 18; λ = 1): the evidential loss with its risk and KL, minus
/// w·ν·ln max(e_t, ε) with the vacuity ν = C/S held constant (detached, as the authors' code) and
/// ε = <see cref="UL.CorrectEvidenceFloor"/>; its gradient is −w·ν/e_t at the true class where e_t ≥ ε (the composed
/// path's <c>clamp_min</c> passes the gradient at ε) and 0 elsewhere. One logarithm per position.</para>
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

        /// <summary>I-EDL: Σ_j ψ₁(α_j)·[(y_j − p_j)² + p_j(1 − p_j)/(S + 1)] − c·ln|I(α)| (class summary).</summary>
        Fisher,
    }

    /// <summary>
    /// I-EDL's f(x) = 1/ψ₁(x) − x + ½ and, when <paramref name="withSlope"/>, f′(x) = −ψ₂(x)/ψ₁(x)² − 1, from ψ₁ and ψ₂ already
    /// computed: as written below x = 16, and from <see cref="SpecialFunctions.ReciprocalSeriesFrom"/> on by the composed
    /// path's asymptotic series f(x) = Σ c_k x⁻ᵏ (<see cref="SpecialFunctions.ReciprocalSeries"/>, the same coefficients) and
    /// its derivative −Σ k c_k x⁻ᵏ⁻¹, which have no cancellation.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TrigammaReciprocalRemainder(V x, V trigamma, V tetragamma, bool withSlope,
        out V f, out V slope)
    {
        var one = O.Create(1.0);
        var w = one / x;
        var series = SpecialFunctions.ReciprocalSeries;
        var sum = O.Create(series[^1]);
        var slopeSum = O.Create(series.Length * series[^1]);
        for (int k = series.Length - 2; k >= 0; k--)
        {
            sum = Mad(sum, w, O.Create(series[k]));
            if (withSlope)
                slopeSum = Mad(slopeSum, w, O.Create((k + 1) * series[k]));
        }

        var inverse = one / trigamma;
        var direct = inverse - x + O.Create(0.5);
        var large = O.GreaterThanOrEqual<double>(x, O.Create(SpecialFunctions.ReciprocalSeriesFrom));
        f = O.ConditionalSelect(large, sum * w, direct);
        slope = withSlope
            ? O.ConditionalSelect(large, V.Zero - slopeSum * w * w, V.Zero - tetragamma * inverse * inverse - one)
            : V.Zero;
    }

    /// <summary>
    /// I-EDL's element pass over the tile's <paramref name="total"/> elements: ψ₁(α) and, with the log-determinant, f(α)
    /// into <paramref name="fisher"/>[0] and [2]; with a gradient also ψ₂(α) and f′(α) into [1] and [3] (α = e + prior).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
    private static void FisherElementPass(double[] e, int total, V prior, bool withGrad, bool withLogDet, double[][] fisher)
    {
        for (int k = 0; k < total; k += V.Count)
        {
            var ak = O.LoadUnsafe(ref e[0], (nuint)k) + prior;
            TrigammaTetragamma(ak, withGrad, out var tg, out var tt);
            tg.StoreUnsafe(ref fisher[0][0], (nuint)k);
            if (withGrad)
                tt.StoreUnsafe(ref fisher[1][0], (nuint)k);
            if (withLogDet)
            {
                TrigammaReciprocalRemainder(ak, tg, tt, withGrad, out var f, out var fSlope);
                f.StoreUnsafe(ref fisher[2][0], (nuint)k);
                if (withGrad)
                    fSlope.StoreUnsafe(ref fisher[3][0], (nuint)k);
            }
        }
    }

    /// <summary>
    /// <see cref="TileProbabilities"/>'s KL element pass over the tile's <paramref name="total"/> elements: with m = β − λ,
    /// β = (1 − y)·e + λ (m = α − the prior's concentration and the functions of α for the full KL), ln Γ(β) in two parts
    /// into <see cref="Scratch.Extra"/> and <see cref="Scratch.Work1"/>, m·ψ(β) into <see cref="Scratch.Work2"/>, and with a
    /// gradient buffer m·ψ₁(β) into it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]   // numeric loops; its own inlining budget
    private static void KlElementPass(double[] e, double[] y, int total, V prior, V klShift, bool fullKl, Scratch s, double[]? grad)
    {
        var one = O.Create(1.0);
        bool withGrad = grad is not null;
        var lgShifted = s.Extra;
        var shiftProduct = s.Work1;
        var mDigamma = s.Work2;
        for (int k = 0; k < total; k += V.Count)
        {
            var ek = O.LoadUnsafe(ref e[0], (nuint)k);
            // Full KL (Posterior Network, belief matching): the functions of α with weights α − the prior's concentration.
            var mk = fullKl ? ek - klShift : (one - O.LoadUnsafe(ref y[0], (nuint)k)) * ek;
            LgammaPartsDigammaTrigamma((fullKl ? ek : mk) + prior, withGrad, out var lg, out var shift, out var dg, out var tg);
            lg.StoreUnsafe(ref lgShifted[0], (nuint)k);
            shift.StoreUnsafe(ref shiftProduct[0], (nuint)k);
            (mk * dg).StoreUnsafe(ref mDigamma[0], (nuint)k);
            if (withGrad)
                (mk * tg).StoreUnsafe(ref grad![0], (nuint)k);
        }
    }

    /// <summary>
    /// The Prior Network loss's constant per position for a probability target (class summary): Σ_j ln Γ(1 + τy_j) −
    /// ln Γ(C + τY), Y = Σ_j y_j (the KL's −ln Γ(C) is not subtracted: klOffset is 0), into <paramref name="constant"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]   // numeric loops; its own inlining budget
    private static void PriorNetworkTargetTerms(double[] y, int classes, int lanes, double targetConcentration, double[] constant)
    {
        var one = O.Create(1.0);
        var tau = O.Create(targetConcentration);
        for (int g = 0; g < lanes; g += V.Count)
        {
            var yTotal = V.Zero;
            var lnGammaSum = V.Zero;                 // Σ ln Γ(1 + τ y_j) = lnGammaSum − ln shifts
            var shifts = PolygammaVector.ProductAccumulator.Create();
            for (int j = 0; j < classes; j++)
            {
                var yj = O.LoadUnsafe(ref y[0], (nuint)(j * lanes + g));
                yTotal += yj;
                LgammaPartsDigammaTrigamma(Mad(tau, yj, one), false, out var lg, out var shift, out _, out _);
                lnGammaSum += lg;
                shifts.Multiply(shift);
            }

            LgammaDigammaTrigamma(Mad(tau, yTotal, O.Create((double)classes)), false, out var lgB, out _, out _);
            (lnGammaSum - shifts.Log() - lgB).StoreUnsafe(ref constant[0], (nuint)g);
        }
    }

    /// <summary>
    /// <see cref="TileProbabilities"/>'s cross-entropy risk element pass: ψ(α) into <paramref name="digamma"/> and, when it is
    /// not null, ψ₁(α) into <paramref name="trigamma"/> (α = e + λ).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]   // numeric loops; its own inlining budget
    private static void CrossEntropyElementPass(double[] e, int total, V prior, double[] digamma, double[]? trigamma)
    {
        bool withGrad = trigamma is not null;
        for (int k = 0; k < total; k += V.Count)
        {
            var ak = O.LoadUnsafe(ref e[0], (nuint)k) + prior;
            LgammaDigammaTrigamma(ak, withGrad, out _, out var dg, out var tg);
            dg.StoreUnsafe(ref digamma[0], (nuint)k);
            if (withGrad)
                tg.StoreUnsafe(ref trigamma![0], (nuint)k);
        }
    }

    /// <summary>The per-call values of <see cref="Tile"/> and <see cref="Row"/>: the loss's options as flags and as vectors
    /// (every lane the same).</summary>
    private readonly struct Setup
    {
        internal readonly Risk Risk;
        internal readonly bool Squared, WithKl, FullKl, PriorNetwork, WithCorrectEvidence, WithGrad;
        internal readonly int ProductGroup;
        internal readonly V Prior, PriorOthers, Lambda, Offset, KlShift, KlTermKappa, Classes, CorrectWeightTimesClasses, EvidenceFloor;

        internal Setup(FusedLoss loss, int classes, double klOffset, bool withGrad)
        {
            Risk = loss.Kind == FusedLossKind.Fisher ? Risk.Fisher
                : loss.Kind == FusedLossKind.Relaxed ? Risk.SquaredErrorOfMean
                : loss.Risk switch
                {
                    EvidentialRisk.LogLikelihood => Risk.LogLikelihood,
                    EvidentialRisk.CrossEntropy => Risk.CrossEntropy,
                    _ => Risk.SquaredError,
                };
            Squared = Risk is Risk.SquaredError or Risk.SquaredErrorOfMean;
            WithKl = loss.RegFactor > 0;
            // The Posterior Network's −H[Dir(α)] and belief matching's KL are of Dir(α) itself, every class included (class
            // summary), not of α̃; belief matching's element weights are α − β (KlShift), the evidence's e = α − λ otherwise.
            FullKl = loss.Kind is FusedLossKind.PosteriorNetwork or FusedLossKind.BeliefMatching or FusedLossKind.PriorNetwork;
            PriorNetwork = loss.Kind == FusedLossKind.PriorNetwork;
            WithCorrectEvidence = loss.CorrectEvidenceWeight > 0;   // RED (class summary)
            WithGrad = withGrad;
            ProductGroup = loss.ProductGroup;
            Prior = O.Create(loss.PriorWeight);
            PriorOthers = O.Create((classes - 1) * loss.PriorWeight);   // Σ_{j≠t} λ
            Lambda = O.Create(loss.RegFactor);
            Offset = O.Create(klOffset);
            KlShift = O.Create(loss.KlConcentration - loss.PriorWeight);
            // κ of KlElementTerms: α − m = λ + (the KL prior's concentration − λ), plus the fixed shift's steps less ½.
            KlTermKappa = O.Create(loss.KlConcentration + (PolygammaVector.UnconditionalShiftSteps - 0.5));
            Classes = O.Create((double)classes);
            CorrectWeightTimesClasses = O.Create(loss.CorrectEvidenceWeight * classes);   // w·C of w·ν = w·C/S
            EvidenceFloor = O.Create(UL.CorrectEvidenceFloor);
        }
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
        bool withGrad = grad is not null;
        var k = new Setup(loss, classes, klOffset, withGrad);
        bool squared = k.Squared;
        bool withKl = k.WithKl;
        bool fullKl = k.FullKl;
        var derivative = s.Derivative;
        bool withActivation = withGrad && derivative is not null;
        var one = O.Create(1.0);
        var two = O.Create(2.0);
        var prior = k.Prior;
        var lambda = k.Lambda;
        bool fisher = k.Risk == Risk.Fisher;
        bool withLogDet = fisher && loss.FisherCoefficient > 0;
        var fisherC = O.Create(loss.FisherCoefficient);
        var halfClassesLess1 = O.Create((classes - 1) / 2.0);   // (K − 1)/2 of ln|I(α)|'s last factor
        var classCount = k.Classes;

        // I-EDL's element pass: ψ₁(α) of every class (the true class too), and with the log-determinant f(α); with a
        // gradient also ψ₂(α) and f′(α).
        var fisherTrigamma = s.Fisher?[0];
        var fisherTetragamma = s.Fisher?[1];
        var fisherRemainder = s.Fisher?[2];
        var fisherRemainderSlope = s.Fisher?[3];
        if (fisher)
            FisherElementPass(e, classes * lanes, prior, withGrad, withLogDet, s.Fisher!);

        for (int g = 0; g < lanes; g += V.Count)
        {
            var t = O.LoadUnsafe(ref s.Target[0], (nuint)g);

            // Pass 1, one read of each α (issue 18, fifth session: it was four passes, with the KL's functions stored per
            // element and summed in a second one): the sums over the wrong classes and the true class, and the KL's
            // functions of α = e + λ, summed over the classes the KL covers (Sums, SumsWithKl).
            V eOther, eTrue, alphaSqOther, klLog = V.Zero, strengthLog = V.Zero;
            if (withKl)
            {
                // Σ_{j≠t} (m_j ψ(α_j) − ln Γ(α_j)) = klTermSum + ln shiftProducts − κ ln strengthProducts (KlElementTerms).
                SumsWithKl(e, grad, g, lanes, classes, t, V.Zero, one, classCount, prior, k.KlShift, squared, fullKl,
                    out eOther, out eTrue, out alphaSqOther, out var klTermSum, out var shifts, out var strengths);
                klLog = klTermSum + shifts.Log();
                strengthLog = strengths.Log();
            }
            else
            {
                Sums(e, g, lanes, classes, t, V.Zero, one, classCount, prior, squared, out eOther, out eTrue, out alphaSqOther);
            }

            if (!fisher)
            {
                var riskScale = k.PriorNetwork ? O.LoadUnsafe(ref s.RiskScale![0], (nuint)g) : V.Zero;
                var positionConstant = k.PriorNetwork ? O.LoadUnsafe(ref s.PositionConstant![0], (nuint)g) : V.Zero;
                PositionTerms(in k, eOther, eTrue, alphaSqOther, klLog, strengthLog, riskScale, positionConstant,
                    out var lossValue, out var slope, out var otherConstant, out var trueConstant);
                lossValue.StoreUnsafe(ref s.Loss[0], (nuint)g);
                if (!withGrad)
                    continue;

                // Pass 2: g_k = slope·(e_k + λ) + intercept [+ λ(m_k ψ₁(α_k) − (S̃ − Cλ) ψ₁(S̃))] (PositionTerms), with
                // m_k ψ₁(α_k) from pass 1, at every class the KL covers. From logits, the activation's derivative e′(x) is
                // applied here (the chain rule; the job's separate pass, ActivationKernel.Chain, is for the other kernels).
                Gradient(e, withActivation ? derivative : null, grad!, g, lanes, classes, t, V.Zero, one, lambda, squared, withKl, fullKl,
                    slope, otherConstant, trueConstant);
                continue;
            }

            // I-EDL.
            Strengths(in k, eOther, eTrue, alphaSqOther, out var sHat, out _, out var s0, out var sTilde, out var eKl,
                out var invS, out var invS2, out var sPlus1, out _);
            // Σ_j w_j m_j with w = ψ₁(α), m_j = u_j² + q_j/(S + 1), u = y − p, q_j = p_j(1 − p_j) = α_j R_j / S², and the
            // sums the gradient needs: A = Σ w u p, Bv = Σ w (1 − 2p) p, V = Σ w q.
            var fisherLoss = V.Zero;
            var fisherA = V.Zero;
            var fisherB = V.Zero;
            var fisherV = V.Zero;
            var remainderSum = V.Zero;
            var trigammaProduct = PolygammaVector.ProductAccumulator.Create();
            for (int j = 0; j < classes; j++)
            {
                int at = j * lanes + g;
                var isTrue = O.Equals<double>(t, O.Create((double)j));
                var aj = O.LoadUnsafe(ref e[0], (nuint)at) + prior;
                var u = O.ConditionalSelect(isTrue, sHat, V.Zero - aj) * invS;
                var p = aj * invS;
                var q = aj * O.ConditionalSelect(isTrue, sHat, s0 - aj) * invS2;
                var w = O.LoadUnsafe(ref fisherTrigamma![0], (nuint)at);
                fisherLoss += w * Mad(u, u, q / sPlus1);
                fisherA += w * u * p;
                fisherB += w * (one - two * p) * p;
                fisherV += w * q;
                if (withLogDet)
                {
                    remainderSum += O.LoadUnsafe(ref fisherRemainder![0], (nuint)at);
                    trigammaProduct.Multiply(w);
                }
            }

            var lossV = fisherLoss;
            V trigammaStrength = default, logDetGap = default, logDetShared = default;   // ψ₁(S), G and the shared slope
            if (withLogDet)
            {
                // ln|I(α)| = Σ ln ψ₁(α_j) + ln ψ₁(S) + ln G, G = (K − 1)/2 + f(S) − Σ f(α_j) (no cancellation).
                TrigammaTetragamma(s0, withGrad, out trigammaStrength, out var tetragammaStrength);
                TrigammaReciprocalRemainder(s0, trigammaStrength, tetragammaStrength, withGrad, out var fS, out var fSlopeS);
                logDetGap = halfClassesLess1 + fS - remainderSum;
                logDetShared = tetragammaStrength / trigammaStrength + fSlopeS / logDetGap;   // ∂ ln|I|/∂α_k's terms common to every k
                var logDet = trigammaProduct.Log() + Log(trigammaStrength) + Log(logDetGap);
                lossV -= fisherC * logDet;
            }

            var trigammaSTilde = V.Zero;
            if (withKl)
                lossV = Mad(lambda, Kl(in k, sTilde, eKl, klLog, strengthLog, out trigammaSTilde), lossV);
            lossV.StoreUnsafe(ref s.Loss[0], (nuint)g);
            if (!withGrad)
                continue;

            var klGradientShift = eKl * trigammaSTilde;                      // (S̃ − Cλ) ψ₁(S̃)
            for (int j = 0; j < classes; j++)
            {
                // ∂/∂α_k Σ_j w_j m_j = ψ₂(α_k) m_k + (2A − 2 w_k u_k)/S + (w_k(1 − 2p_k) − Bv)/(S(S + 1)) − V/(S + 1)²;
                // ∂ ln|I|/∂α_k = ψ₂(α_k)/ψ₁(α_k) + ψ₂(S)/ψ₁(S) + (f′(S) − f′(α_k))/G.
                int at = j * lanes + g;
                var isTrue = O.Equals<double>(t, O.Create((double)j));
                var aj = O.LoadUnsafe(ref e[0], (nuint)at) + prior;
                var u = O.ConditionalSelect(isTrue, sHat, V.Zero - aj) * invS;
                var p = aj * invS;
                var q = aj * O.ConditionalSelect(isTrue, sHat, s0 - aj) * invS2;
                var w = O.LoadUnsafe(ref fisherTrigamma![0], (nuint)at);
                var wSlope = O.LoadUnsafe(ref fisherTetragamma![0], (nuint)at);
                var gj = wSlope * Mad(u, u, q / sPlus1)
                    + (fisherA - w * u) * two * invS
                    + (w * (one - two * p) - fisherB) * invS / sPlus1
                    - fisherV / (sPlus1 * sPlus1);
                if (withLogDet)
                {
                    var logDetSlope = wSlope / w + logDetShared - O.LoadUnsafe(ref fisherRemainderSlope![0], (nuint)at) / logDetGap;
                    gj -= fisherC * logDetSlope;
                }

                if (withKl)
                {
                    var klGrad = O.AndNot(O.LoadUnsafe(ref grad![0], (nuint)at) - klGradientShift, isTrue);
                    gj = Mad(lambda, klGrad, gj);
                }

                if (withActivation)
                    gj *= O.LoadUnsafe(ref derivative![0], (nuint)at);
                gj.StoreUnsafe(ref grad![0], (nuint)at);
            }
        }
    }

    /// <summary>
    /// The row-major form of <see cref="Tile"/> for one position of (N, C) input with large C (issue 18, seventh session):
    /// the C classes of the row lie in the lanes, so that the row is read and written as it is stored (no transposes) and
    /// its buffers stay in L1 (C doubles each); the per-position sums are reduced across the lanes, and the per-position
    /// functions (<see cref="PositionTerms"/>) run once with every lane the same. The evidence e_j is
    /// <see cref="Scratch.Evidence"/>[j] for j &lt; C (the entries from C up to the next multiple of the vector width are
    /// read and left out of every sum), the activation's derivative (when the scratch has one)
    /// <see cref="Scratch.Derivative"/>[j]; the unweighted gradient with respect to the input goes to
    /// <see cref="Scratch.Gradient"/>[j]. Not for I-EDL. Every element gets the operations <see cref="Tile"/> gives it; the
    /// sums over the classes are added in another order (by lane, then across the lanes), so the result differs from the
    /// class-major tile's at rounding level, and between vector widths. With a non-empty <paramref name="output"/> (the row
    /// of a Float32 gradient, C long) the gradient times <paramref name="factor"/> goes there instead, rounded to Float32
    /// once (<see cref="GradientSingle"/>), and <see cref="Scratch.Gradient"/> holds only scratch values.
    /// </summary>
    /// <returns>The loss of the position, unweighted.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
    internal static double Row(Scratch s, int classes, FusedLoss loss, double klOffset, double target, double riskScale, double positionConstant,
        System.Span<float> output = default, double factor = 1.0)
    {
        var grad = s.Gradient;
        bool withGrad = grad is not null;
        var k = new Setup(loss, classes, klOffset, withGrad);
        var t = O.Create(target);
        var step = O.Create((double)V.Count);
        int vectors = (classes + V.Count - 1) / V.Count;
        V eOther, eTrue, alphaSqOther, klLog = V.Zero, strengthLog = V.Zero;
        if (k.WithKl)
        {
            // Only two vectors need the masks: the true class's, and the last one when C is not a multiple of the width
            // (lanes past C). The others go through a loop without them (SumsWithKlUnmasked: issue 18, ninth session, the
            // row's time 2.0 → 1.8 ns per class, single thread, 1000 classes).
            int trueVector = (int)target / V.Count;
            int fullVectors = classes / V.Count;
            var sums = KlSums.Create();
            SumsWithKlUnmasked(s.Evidence, grad, 0, System.Math.Min(trueVector, fullVectors), k.Prior, k.KlShift, k.Squared,
                k.ProductGroup, out var other, out var squares, out var terms, out var shifts, out var strengths);
            sums.Add(other, V.Zero, squares, terms, in shifts, in strengths);
            SumsWithKl(s.Evidence, grad, trueVector * V.Count, V.Count, 1, t, V.Indices + O.Create((double)(trueVector * V.Count)), step,
                k.Classes, k.Prior, k.KlShift, k.Squared, k.FullKl, out other, out var trueSum, out squares, out terms, out shifts, out strengths);
            sums.Add(other, trueSum, squares, terms, shifts, strengths);
            if (trueVector + 1 < fullVectors)
            {
                SumsWithKlUnmasked(s.Evidence, grad, trueVector + 1, fullVectors, k.Prior, k.KlShift, k.Squared,
                    k.ProductGroup, out other, out squares, out terms, out shifts, out strengths);
                sums.Add(other, V.Zero, squares, terms, shifts, strengths);
            }

            if (fullVectors < vectors && trueVector != fullVectors)
            {
                SumsWithKl(s.Evidence, grad, fullVectors * V.Count, V.Count, 1, t, V.Indices + O.Create((double)(fullVectors * V.Count)),
                    step, k.Classes, k.Prior, k.KlShift, k.Squared, k.FullKl, out other, out trueSum, out squares, out terms, out shifts,
                    out strengths);
                sums.Add(other, trueSum, squares, terms, shifts, strengths);
            }

            eOther = sums.Other;
            eTrue = sums.True;
            alphaSqOther = sums.Squares;
            klLog = O.Create(O.Sum(sums.Terms) + O.Sum(sums.Shifts.Log()));
            strengthLog = O.Create(O.Sum(sums.Strengths.Log()));
        }
        else
        {
            Sums(s.Evidence, 0, V.Count, vectors, t, V.Indices, step, k.Classes, k.Prior, k.Squared, out eOther, out eTrue, out alphaSqOther);
        }

        PositionTerms(in k, O.Create(O.Sum(eOther)), O.Create(O.Sum(eTrue)), O.Create(O.Sum(alphaSqOther)), klLog, strengthLog,
            O.Create(riskScale), O.Create(positionConstant), out var lossValue, out var slope, out var otherConstant, out var trueConstant);
        if (withGrad && output.IsEmpty)
            Gradient(s.Evidence, s.Derivative, grad!, 0, V.Count, vectors, t, V.Indices, step, k.Lambda, k.Squared, k.WithKl, k.FullKl,
                slope, otherConstant, trueConstant);
        else if (withGrad)
            GradientSingle(s.Evidence, s.Derivative, grad!, output, O.Create(factor), vectors, t, k.Lambda, k.Squared, k.WithKl,
                k.FullKl, slope, otherConstant, trueConstant);
        return lossValue[0];
    }

    /// <summary>
    /// Pass 1 without the KL, over <paramref name="count"/> vectors e[start + i·stride]: Σ e over the wrong classes, e of the
    /// true class and (squared errors) Σ (e + λ)² over the wrong classes, per lane. The vector i holds the classes
    /// index + i·step, lane by lane: the tile's class i in every lane (index 0, step 1, stride = the tile's lanes), or the row's
    /// classes i·V.Count + lane (<see cref="Row"/>: index 0, 1, 2, …, step and stride V.Count). Lanes whose class is the
    /// target <paramref name="t"/> count as the true class; lanes from <paramref name="limit"/> (C) on are left out. Its own
    /// method, so that the JIT keeps the sums in registers (in one loop with the KL's functions they were spilled). The
    /// max-norm tile's first pass too (λ = 0, squared: Σ e²).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    internal static void Sums(double[] e, int start, int stride, int count, V t, V index, V step, V limit, V prior, bool squared,
        out V eOther, out V eTrue, out V alphaSqOther)
    {
        var other = V.Zero;
        var trueSum = V.Zero;
        var squares = V.Zero;
        for (int i = 0; i < count; i++)
        {
            var ej = O.LoadUnsafe(ref e[0], (nuint)(start + i * stride));
            var isTrue = O.Equals<double>(t, index);
            var excluded = isTrue | O.GreaterThanOrEqual<double>(index, limit);
            other += O.AndNot(ej, excluded);
            trueSum += ej & isTrue;
            if (squared)
            {
                var aj = ej + prior;
                squares += O.AndNot(aj * aj, excluded);
            }

            index += step;
        }

        eOther = other;
        eTrue = trueSum;
        alphaSqOther = squares;
    }

    /// <summary>
    /// <see cref="Sums"/> with the KL's element terms: Σ (m_j ψ(α_j) − ln Γ(α_j)) = klTermSum + shiftLog − κ·strengthLog
    /// (<see cref="PolygammaVector.KlElementTerms"/>) over the classes the KL covers (the wrong classes, or with
    /// <paramref name="fullKl"/> every class), per lane; with a gradient buffer, m_j ψ₁(α_j) into it for pass 2. Used by
    /// <see cref="Tile"/> for every vector of positions and by <see cref="Row"/> for the vectors that need masks;
    /// <see cref="SumsWithKlUnmasked"/> is the same loop without the masks, so an edit to one belongs in
    /// both.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void SumsWithKl(double[] e, double[]? grad, int start, int stride, int count, V t, V index, V step, V limit,
        V prior, V klShift, bool squared, bool fullKl, out V eOther, out V eTrue, out V alphaSqOther, out V klTermSum,
        out PolygammaVector.ProductAccumulator shifts, out PolygammaVector.ProductAccumulator strengths)
    {
        bool withGrad = grad is not null;
        var one = O.Create(1.0);
        var other = V.Zero;
        var trueSum = V.Zero;
        var squares = V.Zero;
        var terms = V.Zero;
        var shiftProducts = PolygammaVector.ProductAccumulator.Create();
        var strengthProducts = PolygammaVector.ProductAccumulator.Create();
        for (int i = 0; i < count; i++)
        {
            int at = start + i * stride;
            var ej = O.LoadUnsafe(ref e[0], (nuint)at);
            var isTrue = O.Equals<double>(t, index);
            var past = O.GreaterThanOrEqual<double>(index, limit);
            var excluded = isTrue | past;
            other += O.AndNot(ej, excluded);
            trueSum += ej & isTrue;
            if (squared)
            {
                var aj = ej + prior;
                squares += O.AndNot(aj * aj, excluded);
            }

            var mj = ej - klShift;   // α − the KL prior's concentration: e itself (klShift 0) but for belief matching
            KlElementTerms(ej + prior, mj, withGrad, out var term, out var shift, out var strength, out var tg);
            var klExcluded = fullKl ? past : excluded;
            terms += O.AndNot(term, klExcluded);
            shiftProducts.Multiply(O.ConditionalSelect(klExcluded, one, shift));
            strengthProducts.Multiply(O.ConditionalSelect(klExcluded, one, strength));
            if (withGrad)
                (mj * tg).StoreUnsafe(ref grad![0], (nuint)at);
            index += step;
        }

        eOther = other;
        eTrue = trueSum;
        alphaSqOther = squares;
        klTermSum = terms;
        shifts = shiftProducts;
        strengths = strengthProducts;
    }

    /// <summary>The row kernel's pass-1 sums over its ranges of vectors (<see cref="Row"/>), per lane.</summary>
    private struct KlSums
    {
        internal V Other, True, Squares, Terms;
        internal PolygammaVector.ProductAccumulator Shifts, Strengths;

        /// <summary>An empty sum.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static KlSums Create() => new()
        {
            Shifts = PolygammaVector.ProductAccumulator.Create(),
            Strengths = PolygammaVector.ProductAccumulator.Create(),
        };

        /// <summary>Adds one range's sums (and multiplies its products: their logarithms are taken once per row).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal void Add(V other, V trueSum, V squares, V terms, in PolygammaVector.ProductAccumulator shifts,
            in PolygammaVector.ProductAccumulator strengths)
        {
            Other += other;
            True += trueSum;
            Squares += squares;
            Terms += terms;
            Shifts.Multiply(in shifts);
            Strengths.Multiply(in strengths);
        }
    }

    /// <summary>
    /// <see cref="SumsWithKl"/> for the row kernel's vectors <paramref name="from"/> … <paramref name="to"/> − 1 (the
    /// classes i·V.Count + lane), none of which holds the true class or a lane past C: no masks (fewer operations per
    /// vector, fewer live registers). <paramref name="other"/> is Σ e and <paramref name="squares"/> Σ (e + λ)² over those classes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void SumsWithKlUnmasked(double[] e, double[]? grad, int from, int to, V prior, V klShift, bool squared,
        int group, out V other, out V squares, out V klTermSum, out PolygammaVector.ProductAccumulator shifts,
        out PolygammaVector.ProductAccumulator strengths)
    {
        // The two products are renormalised once per `group` vectors (FusedLoss.ProductGroup: 4 where every α is in
        // [1e-8, 1e8], 2 for checked evidence, else 1): the same bits, up to 6 of the loop's ~95 vector operations per vector
        // fewer (issue 18, fifteenth session).
        int pending = 0;
        bool withGrad = grad is not null;
        var sum = V.Zero;
        var squareSum = V.Zero;
        var terms = V.Zero;
        var shiftProducts = PolygammaVector.ProductAccumulator.Create();
        var strengthProducts = PolygammaVector.ProductAccumulator.Create();
        for (int i = from; i < to; i++)
        {
            int at = i * V.Count;
            var ej = O.LoadUnsafe(ref e[0], (nuint)at);
            var aj = ej + prior;
            sum += ej;
            if (squared)
                squareSum += aj * aj;
            var mj = ej - klShift;
            KlElementTerms(aj, mj, withGrad, out var term, out var shift, out var strength, out var tg);
            terms += term;
            shiftProducts.MultiplyOnly(shift);
            strengthProducts.MultiplyOnly(strength);
            if (++pending == group)
            {
                pending = 0;
                shiftProducts.Normalize();
                strengthProducts.Normalize();
            }

            if (withGrad)
                (mj * tg).StoreUnsafe(ref grad![0], (nuint)at);
        }

        shiftProducts.Normalize();   // the last group's; nothing changes where the loop just renormalised
        strengthProducts.Normalize();

        other = sum;
        squares = squareSum;
        klTermSum = terms;
        shifts = shiftProducts;
        strengths = strengthProducts;
    }

    /// <summary>
    /// Pass 2 over the vectors of <see cref="Sums"/>: the gradient with respect to the input (<see cref="GradientAt"/>) into
    /// <paramref name="grad"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Gradient(double[] e, double[]? derivative, double[] grad, int start, int stride, int count, V t, V index, V step,
        V lambda, bool squared, bool withKl, bool fullKl, V slope, V otherConstant, V trueConstant)
    {
        for (int i = 0; i < count; i++)
        {
            int at = start + i * stride;
            GradientAt(e, derivative, grad, at, t, index, lambda, squared, withKl, fullKl, slope, otherConstant, trueConstant)
                .StoreUnsafe(ref grad[0], (nuint)at);
            index += step;
        }
    }

    /// <summary>
    /// <see cref="Gradient"/> for <see cref="Row"/>'s Float32 output (issue 18, thirteenth session): the row's gradient times
    /// <paramref name="factor"/>, rounded to Float32 once, into <paramref name="output"/> (<see cref="RowOutput.WriteSingle"/>;
    /// <paramref name="grad"/> holds pass 1's terms, and the last vectors as scratch). The same values as
    /// <see cref="Gradient"/> followed by the scalar <c>(float)(g·factor)</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void GradientSingle(double[] e, double[]? derivative, double[] grad, System.Span<float> output, V factor,
        int count, V t, V lambda, bool squared, bool withKl, bool fullKl, V slope, V otherConstant, V trueConstant) =>
        RowOutput.WriteSingle(new RowGradient(e, derivative, grad, t, lambda, squared, withKl, fullKl, slope, otherConstant, trueConstant),
            grad, output, factor, count);

    /// <summary><see cref="GradientAt"/> with the row's values, for <see cref="RowOutput.WriteSingle"/>.</summary>
    private readonly struct RowGradient(double[] e, double[]? derivative, double[] grad, V t, V lambda, bool squared, bool withKl,
        bool fullKl, V slope, V otherConstant, V trueConstant) : RowOutput.IElement
    {
        private readonly double[] e = e;
        private readonly double[]? derivative = derivative;
        private readonly double[] grad = grad;
        private readonly V t = t, lambda = lambda, slope = slope, otherConstant = otherConstant, trueConstant = trueConstant;
        private readonly bool squared = squared, withKl = withKl, fullKl = fullKl;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public V At(int at, V index) =>
            GradientAt(e, derivative, grad, at, t, index, lambda, squared, withKl, fullKl, slope, otherConstant, trueConstant);
    }

    /// <summary>
    /// The gradient of the vector at <paramref name="at"/> (lanes holding the classes <paramref name="index"/>): slope·e +
    /// otherConstant at a wrong class and trueConstant at the true class (<see cref="PositionTerms"/>), plus λ times the
    /// m_j ψ₁(α_j) that pass 1 left in <paramref name="grad"/> where the KL covers the class, times the activation's
    /// derivative when there is one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V GradientAt(double[] e, double[]? derivative, double[] grad, int at, V t, V index, V lambda, bool squared,
        bool withKl, bool fullKl, V slope, V otherConstant, V trueConstant)
    {
        var isTrue = O.Equals<double>(t, index);
        var gj = squared
            ? O.ConditionalSelect(isTrue, trueConstant, Mad(slope, O.LoadUnsafe(ref e[0], (nuint)at), otherConstant))
            : O.ConditionalSelect(isTrue, trueConstant, otherConstant);
        if (withKl)
        {
            var klElement = O.LoadUnsafe(ref grad[0], (nuint)at);
            gj = Mad(lambda, fullKl ? klElement : O.AndNot(klElement, isTrue), gj);
        }

        if (derivative is not null)
            gj *= O.LoadUnsafe(ref derivative[0], (nuint)at);
        return gj;
    }

    /// <summary>S = Σα and the other strengths of a position from pass 1's sums (class summary).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Strengths(in Setup k, V eOther, V eTrue, V alphaSqOther, out V sHat, out V alphaTrue, out V s0,
        out V sTilde, out V eKl, out V invS, out V invS2, out V sPlus1, out V oneMinusQ)
    {
        sHat = k.PriorOthers + eOther;                        // Σ_{j≠t} α_j
        alphaTrue = k.Prior + eTrue;
        s0 = sHat + alphaTrue;                                // S
        sTilde = k.FullKl ? s0 : k.Prior + sHat;              // S̃ (S for the Posterior Network)
        eKl = k.FullKl ? eOther + eTrue - k.Classes * k.KlShift : eOther;   // S̃ − C·(KL prior)
        invS = O.Create(1.0) / s0;
        invS2 = invS * invS;
        sPlus1 = s0 + O.Create(1.0);
        // 1 − Q = Σ_j α_j R_j / S² = (α_t Ŝ + S Ŝ − Σ_{j≠t} α_j²)/S², without a pass of its own (squared error only). The
        // subtraction loses relative accuracy only where one wrong class holds almost all of S; then 1 − Q ≈ C/S is
        // outweighed in the loss by the first term (≈ 2) and in the gradient by the terms of order 1/S² (class summary).
        oneMinusQ = (Mad(s0, sHat, alphaTrue * sHat) - alphaSqOther) * invS2;
    }

    /// <summary>The KL of a position without the regFactor (class summary), from S̃, S̃ − C·(the KL prior) and pass 1's
    /// klLog = Σ (m ψ(α) − ln Γ(α)) + κ ln Π strength and strengthLog = ln Π strength; ψ₁(S̃) out when the setup has a gradient.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Kl(in Setup k, V sTilde, V eKl, V klLog, V strengthLog, out V trigammaSTilde)
    {
        LgammaDigammaTrigamma(sTilde, k.WithGrad, out var lgS, out var dgS, out trigammaSTilde);
        var klTerms = Mad(k.KlTermKappa, V.Zero - strengthLog, klLog);
        return lgS - k.Offset + klTerms - eKl * dgS;
    }

    /// <summary>
    /// A position's loss and the coefficients of its gradient, from pass 1's sums (every risk but I-EDL's): at a wrong
    /// class k the gradient is slope·e_k + otherConstant [+ λ·m_k ψ₁(α_k) from the KL], at the true class trueConstant
    /// [+ λ·m_t ψ₁(α_t) when the KL covers every class]. One call per vector of positions (its own method: it keeps the
    /// kernels' loops inside the JIT's inlining budget).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]   // its own inlining budget; no tier-0 code
    private static void PositionTerms(in Setup k, V eOther, V eTrue, V alphaSqOther, V klLog, V strengthLog, V riskScale,
        V positionConstant, out V lossV, out V slope, out V otherConstant, out V trueConstant)
    {
        var two = O.Create(2.0);
        Strengths(in k, eOther, eTrue, alphaSqOther, out var sHat, out var alphaTrue, out var s0, out var sTilde, out var eKl,
            out var invS, out var invS2, out var sPlus1, out var oneMinusQ);
        var trigammaS = V.Zero;                        // ψ₁(S) (cross-entropy only)
        var trigammaTrue = V.Zero;                     // ψ₁(α_t) (cross-entropy only)
        switch (k.Risk)
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
                LgammaDigammaTrigamma(s0, k.WithGrad, out _, out var digammaS, out trigammaS);
                LgammaDigammaTrigamma(alphaTrue, k.WithGrad, out _, out var digammaTrue, out trigammaTrue);
                lossV = digammaS - digammaTrue;
                if (k.PriorNetwork)
                {
                    // The Prior Network loss: τ times the risk in distribution, 0 out of distribution (per position).
                    lossV *= riskScale;
                    trigammaS *= riskScale;
                    trigammaTrue *= riskScale;
                }

                break;
        }

        var trigammaSTilde = V.Zero;
        if (k.WithKl)
            lossV = Mad(k.Lambda, Kl(in k, sTilde, eKl, klLog, strengthLog, out trigammaSTilde), lossV);

        if (k.PriorNetwork)
            lossV += positionConstant;   // −ln Γ(C + τ) + ln Γ(1 + τ), or −ln Γ(C) out of distribution

        // RED's correct-evidence term −w·ν·ln max(e_t, ε), ν = C/S held constant: ∂/∂e_t = −w·ν/e_t where e_t ≥ ε (the
        // composed clamp_min passes the gradient at ε), 0 below; nothing for the other classes, and nothing through ν.
        var correctGradientTrue = V.Zero;
        if (k.WithCorrectEvidence)
        {
            var weightedVacuity = k.CorrectWeightTimesClasses * invS;
            lossV -= weightedVacuity * Log(O.Max(eTrue, k.EvidenceFloor));
            correctGradientTrue = O.ConditionalSelect(O.GreaterThanOrEqual<double>(eTrue, k.EvidenceFloor), V.Zero - weightedVacuity / eTrue, V.Zero);
        }

        slope = otherConstant = trueConstant = V.Zero;
        if (!k.WithGrad)
            return;

        // The gradient's KL part is λ(m_k ψ₁(α_k) − (S̃ − Cλ) ψ₁(S̃)), with m_k ψ₁(α_k) from pass 1, at every class the KL
        // covers. The other risks' gradient at a wrong class k is linear in α_k (issue 18, fifth session; it was evaluated
        // term by term per element): with c1 = −2/S, c2 = c1/(S + 1), c3 = (1 − Q)/(S + 1)², B = Σ_j (y_j − p_j) p_j and
        // Q = Σ p_j², y_k − p_k = −α_k/S and p_k − Q = α_k/S − Q turn the squared error's
        // c1((y_k − p_k) − B) + c2(p_k − Q) − c3 into α_k(c2 − c1)/S − (c1 B + c2 Q + c3) = α_k·2/(S(S + 1)) − (c1 B + c2 Q + c3);
        // R-EDL's c1((y_k − p_k) − B) into α_k·2/S² − c1 B; the log-likelihood's and cross-entropy's are constants.
        // The true class's value is per position too.
        var klGradientShift = eKl * trigammaSTilde;                      // (S̃ − Cλ) ψ₁(S̃)
        var b = (sHat * alphaTrue - alphaSqOther) * invS2;               // B
        var c1 = -two * invS;
        V intercept, gTrue;
        switch (k.Risk)
        {
            case Risk.SquaredError:
            {
                var c2 = c1 / sPlus1;
                var c3 = oneMinusQ / (sPlus1 * sPlus1);
                var q = Mad(alphaTrue, alphaTrue, alphaSqOther) * invS2;       // Q, summed directly (no cancellation)
                slope = V.Zero - c2;
                intercept = V.Zero - Mad(c1, b, Mad(c2, q, c3));
                gTrue = Mad(c1, sHat * invS - b, Mad(c2, oneMinusQ - sHat * invS, V.Zero - c3));
                break;
            }

            case Risk.SquaredErrorOfMean:
                slope = V.Zero - c1 * invS;
                intercept = V.Zero - c1 * b;
                gTrue = c1 * (sHat * invS - b);
                break;
            case Risk.LogLikelihood:
                intercept = invS;
                gTrue = V.Zero - sHat * invS / alphaTrue;
                break;
            default:
                intercept = trigammaS;
                gTrue = trigammaS - trigammaTrue;
                break;
        }

        // g_k = slope·(e_k + λ) + intercept [+ λ(m_k ψ₁(α_k) − (S̃ − Cλ) ψ₁(S̃))]: the per-position terms folded first.
        otherConstant = Mad(slope, k.Prior, intercept);
        trueConstant = gTrue + correctGradientTrue;
        if (k.WithKl)
        {
            var klConstant = k.Lambda * klGradientShift;
            otherConstant -= klConstant;
            if (k.FullKl)
                trueConstant -= klConstant;
        }
    }

    /// <summary>
    /// As <see cref="Tile"/> for a probability target (<see cref="Scratch.Probability"/>; the class summary's "Probability
    /// targets"). <paramref name="klOffset"/> is ln Γ(Cλ) − C ln Γ(λ) (0 for the Posterior Network).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
    internal static void TileProbabilities(Scratch s, int classes, int lanes, FusedLoss loss, double klOffset)
    {
        var e = s.Evidence;
        var y = s.Probability!;
        var grad = s.Gradient;
        var risk = loss.Kind == FusedLossKind.Fisher ? Risk.Fisher
            : loss.Kind == FusedLossKind.Relaxed ? Risk.SquaredErrorOfMean
            : loss.Kind == FusedLossKind.PosteriorNetwork ? Risk.CrossEntropy
            : loss.Risk switch
            {
                EvidentialRisk.LogLikelihood => Risk.LogLikelihood,
                EvidentialRisk.CrossEntropy => Risk.CrossEntropy,
                _ => Risk.SquaredError,
            };
        bool squared = risk is Risk.SquaredError or Risk.SquaredErrorOfMean;
        bool withVariance = risk == Risk.SquaredError;
        bool withKl = loss.RegFactor > 0;
        bool fullKl = loss.Kind is FusedLossKind.PosteriorNetwork or FusedLossKind.BeliefMatching or FusedLossKind.PriorNetwork;
        bool priorNetwork = loss.Kind == FusedLossKind.PriorNetwork;
        var klShift = O.Create(loss.KlConcentration - loss.PriorWeight);   // as in Tile
        bool withGrad = grad is not null;
        var one = O.Create(1.0);
        var two = O.Create(2.0);
        var prior = O.Create(loss.PriorWeight);
        var priorAll = O.Create(classes * loss.PriorWeight);   // Cλ
        var lambda = O.Create(loss.RegFactor);
        var offset = O.Create(klOffset);
        bool fisher = risk == Risk.Fisher;
        bool withLogDet = fisher && loss.FisherCoefficient > 0;
        var fisherC = O.Create(loss.FisherCoefficient);
        var halfClassesLess1 = O.Create((classes - 1) / 2.0);
        bool withCorrectEvidence = loss.CorrectEvidenceWeight > 0;
        var correctWeightTimesClasses = O.Create(loss.CorrectEvidenceWeight * classes);
        var evidenceFloor = O.Create(UL.CorrectEvidenceFloor);
        var riskScale = O.Create(loss.TargetConcentration);   // the Prior Network loss's τ
        int total = classes * lanes;

        // Element passes: the KL's functions of β = (1 − y)·e + λ (α for the Posterior Network), stored as in Tile with
        // β − λ in place of e; the cross-entropy risk's ψ(α) and ψ₁(α); I-EDL's functions of α.
        // Each element pass is a method of its own (as FisherElementPass): inlined here, the special functions exhausted the
        // JIT's inlining budget for this method, and the later passes called Mad, Log and Poly (issue 18, fifth session,
        // DOTNET_JitDisasm).
        var lgShifted = s.Extra;
        var shiftProduct = s.Work1;
        var mDigamma = s.Work2;
        if (withKl)
            KlElementPass(e, y, total, prior, klShift, fullKl, s, grad);

        var riskDigamma = s.RiskDigamma;
        var riskTrigamma = s.RiskTrigamma;
        if (risk == Risk.CrossEntropy)
            CrossEntropyElementPass(e, total, prior, riskDigamma!, withGrad ? riskTrigamma : null);
        if (priorNetwork)
            PriorNetworkTargetTerms(y, classes, lanes, loss.TargetConcentration, s.PositionConstant!);

        var fisherTrigamma = s.Fisher?[0];
        var fisherTetragamma = s.Fisher?[1];
        var fisherRemainder = s.Fisher?[2];
        var fisherRemainderSlope = s.Fisher?[3];
        if (fisher)
            FisherElementPass(e, total, prior, withGrad, withLogDet, s.Fisher!);

        for (int g = 0; g < lanes; g += V.Count)
        {
            // Pass 1: S, Y = Σ y, Σ (β − λ), and the class m of the largest α (the first, as argmax) with Σ_{j≠m} α_j,
            // kept by adding each α to the sum of the others unless it is the new maximum (then the old maximum is added).
            var s0 = V.Zero;
            var yTotal = V.Zero;
            var mTotal = V.Zero;
            var alphaMax = O.Create(double.NegativeInfinity);
            var maxClass = V.Zero;
            var othersOfMax = V.Zero;
            for (int j = 0; j < classes; j++)
            {
                int at = j * lanes + g;
                var ej = O.LoadUnsafe(ref e[0], (nuint)at);
                var yj = O.LoadUnsafe(ref y[0], (nuint)at);
                var aj = ej + prior;
                s0 += aj;
                yTotal += yj;
                mTotal += fullKl ? ej - klShift : (one - yj) * ej;
                var isNewMax = O.GreaterThan<double>(aj, alphaMax);
                othersOfMax += O.ConditionalSelect(isNewMax, O.Max(alphaMax, V.Zero), aj);
                alphaMax = O.ConditionalSelect(isNewMax, aj, alphaMax);
                maxClass = O.ConditionalSelect(isNewMax, O.Create((double)j), maxClass);
            }

            var invS = one / s0;
            var invS2 = invS * invS;
            var sPlus1 = s0 + one;
            var sTilde = fullKl ? s0 : priorAll + mTotal;

            var digammaS = V.Zero;
            var trigammaS = V.Zero;
            if (risk == Risk.CrossEntropy)
                LgammaDigammaTrigamma(s0, withGrad, out _, out digammaS, out trigammaS);

            // Pass 2: the risk's sums and the KL's element terms.
            var squaredError = V.Zero;                  // Σ u_j²
            var b = V.Zero;                             // B = Σ u_j p_j
            var alphaR = V.Zero;                        // Σ α_j R_j
            var riskSum = V.Zero;                       // log-likelihood / cross-entropy: Σ y_j (…)
            var correctSum = V.Zero;                    // RED: Σ y_j ln max(e_j, ε)
            var lnGammaSum = V.Zero;
            var shiftProducts = PolygammaVector.ProductAccumulator.Create();
            var digammaSum = V.Zero;
            var fisherLoss = V.Zero;
            var fisherA = V.Zero;
            var fisherB = V.Zero;
            var fisherV = V.Zero;
            var remainderSum = V.Zero;
            var trigammaProduct = PolygammaVector.ProductAccumulator.Create();
            for (int j = 0; j < classes; j++)
            {
                int at = j * lanes + g;
                var ej = O.LoadUnsafe(ref e[0], (nuint)at);
                var yj = O.LoadUnsafe(ref y[0], (nuint)at);
                var aj = ej + prior;
                var r = O.ConditionalSelect(O.Equals<double>(maxClass, O.Create((double)j)), othersOfMax, s0 - aj);   // R_j
                switch (risk)
                {
                    case Risk.SquaredError:
                    case Risk.SquaredErrorOfMean:
                    {
                        var u = (yj * r - (one - yj) * aj) * invS;
                        squaredError = Mad(u, u, squaredError);
                        b = Mad(u, aj * invS, b);
                        if (withVariance)
                            alphaR = Mad(aj, r, alphaR);
                        break;
                    }

                    case Risk.LogLikelihood:
                        riskSum = Mad(yj, Log1p(r / aj), riskSum);
                        break;
                    case Risk.CrossEntropy:
                        riskSum = Mad(yj, digammaS - O.LoadUnsafe(ref riskDigamma![0], (nuint)at), riskSum);
                        break;
                    default:
                    {
                        var u = (yj * r - (one - yj) * aj) * invS;
                        var p = aj * invS;
                        var q = aj * r * invS2;
                        var w = O.LoadUnsafe(ref fisherTrigamma![0], (nuint)at);
                        fisherLoss += w * Mad(u, u, q / sPlus1);
                        fisherA += w * u * p;
                        fisherB += w * (one - two * p) * p;
                        fisherV += w * q;
                        if (withLogDet)
                        {
                            remainderSum += O.LoadUnsafe(ref fisherRemainder![0], (nuint)at);
                            trigammaProduct.Multiply(w);
                        }

                        break;
                    }
                }

                if (withCorrectEvidence)
                    correctSum = Mad(yj, Log(O.Max(ej, evidenceFloor)), correctSum);

                if (withKl)
                {
                    lnGammaSum += O.LoadUnsafe(ref lgShifted[0], (nuint)at);
                    shiftProducts.Multiply(O.LoadUnsafe(ref shiftProduct[0], (nuint)at));
                    digammaSum += O.LoadUnsafe(ref mDigamma[0], (nuint)at);
                }
            }

            var oneMinusQ = alphaR * invS2;
            V trigammaStrength = default, logDetGap = default, logDetShared = default;
            V lossV;
            switch (risk)
            {
                case Risk.SquaredError:
                    lossV = squaredError + oneMinusQ / sPlus1;
                    break;
                case Risk.SquaredErrorOfMean:
                    lossV = squaredError;
                    break;
                case Risk.LogLikelihood:
                    lossV = riskSum;
                    break;
                case Risk.CrossEntropy:
                    lossV = priorNetwork ? riskScale * riskSum : riskSum;
                    break;
                default:
                    lossV = fisherLoss;
                    if (withLogDet)
                    {
                        TrigammaTetragamma(s0, withGrad, out trigammaStrength, out var tetragammaStrength);
                        TrigammaReciprocalRemainder(s0, trigammaStrength, tetragammaStrength, withGrad, out var fS, out var fSlopeS);
                        logDetGap = halfClassesLess1 + fS - remainderSum;
                        logDetShared = tetragammaStrength / trigammaStrength + fSlopeS / logDetGap;
                        var logDet = trigammaProduct.Log() + Log(trigammaStrength) + Log(logDetGap);
                        lossV -= fisherC * logDet;
                    }

                    break;
            }

            var trigammaSTilde = V.Zero;
            if (withKl)
            {
                LgammaDigammaTrigamma(sTilde, withGrad, out var lgS, out var dgS, out trigammaSTilde);
                var kl = lgS - offset - (lnGammaSum - shiftProducts.Log()) + digammaSum - mTotal * dgS;
                lossV = Mad(lambda, kl, lossV);
            }

            if (priorNetwork)
                lossV += O.LoadUnsafe(ref s.PositionConstant![0], (nuint)g);   // Σ ln Γ(1 + τ y_j) − ln Γ(C + τY)

            var weightedVacuity = correctWeightTimesClasses * invS;   // RED: w·ν, ν = C/S held constant
            if (withCorrectEvidence)
                lossV -= weightedVacuity * correctSum;

            lossV.StoreUnsafe(ref s.Loss[0], (nuint)g);
            if (!withGrad)
                continue;

            // Pass 3: the gradient (class summary).
            var c1 = -two * invS;
            var c2 = c1 / sPlus1;
            var c3 = oneMinusQ / (sPlus1 * sPlus1);
            var klGradientShift = mTotal * trigammaSTilde;                      // (S̃ − Cλ) ψ₁(S̃)
            var ceShared = yTotal * trigammaS;                                  // Y ψ₁(S)
            for (int j = 0; j < classes; j++)
            {
                int at = j * lanes + g;
                var ej = O.LoadUnsafe(ref e[0], (nuint)at);
                var yj = O.LoadUnsafe(ref y[0], (nuint)at);
                var aj = ej + prior;
                var r = O.ConditionalSelect(O.Equals<double>(maxClass, O.Create((double)j)), othersOfMax, s0 - aj);
                V gj;
                switch (risk)
                {
                    case Risk.SquaredError:
                    {
                        var u = (yj * r - (one - yj) * aj) * invS;
                        var pMinusQ = oneMinusQ - r * invS;
                        gj = Mad(c1, u - b, Mad(c2, pMinusQ, V.Zero - c3));
                        break;
                    }

                    case Risk.SquaredErrorOfMean:
                        gj = c1 * ((yj * r - (one - yj) * aj) * invS - b);
                        break;
                    case Risk.LogLikelihood:
                        gj = ((yTotal - yj) * aj - yj * r) * invS / aj;
                        break;
                    case Risk.CrossEntropy:
                        gj = ceShared - yj * O.LoadUnsafe(ref riskTrigamma![0], (nuint)at);
                        if (priorNetwork)
                            gj *= riskScale;
                        break;
                    default:
                    {
                        var u = (yj * r - (one - yj) * aj) * invS;
                        var p = aj * invS;
                        var q = aj * r * invS2;
                        var w = O.LoadUnsafe(ref fisherTrigamma![0], (nuint)at);
                        var wSlope = O.LoadUnsafe(ref fisherTetragamma![0], (nuint)at);
                        gj = wSlope * Mad(u, u, q / sPlus1)
                            + (fisherA - w * u) * two * invS
                            + (w * (one - two * p) - fisherB) * invS / sPlus1
                            - fisherV / (sPlus1 * sPlus1);
                        if (withLogDet)
                        {
                            var logDetSlope = wSlope / w + logDetShared - O.LoadUnsafe(ref fisherRemainderSlope![0], (nuint)at) / logDetGap;
                            gj -= fisherC * logDetSlope;
                        }

                        break;
                    }
                }

                if (withKl)
                {
                    var klGrad = O.LoadUnsafe(ref grad![0], (nuint)at) - klGradientShift;   // (β_k − λ) ψ₁(β_k) − (S̃ − Cλ) ψ₁(S̃)
                    gj = Mad(lambda, fullKl ? klGrad : (one - yj) * klGrad, gj);
                }

                if (withCorrectEvidence)
                    gj -= O.ConditionalSelect(O.GreaterThanOrEqual<double>(ej, evidenceFloor), weightedVacuity * yj / ej, V.Zero);

                gj.StoreUnsafe(ref grad![0], (nuint)at);
            }
        }
    }
}
