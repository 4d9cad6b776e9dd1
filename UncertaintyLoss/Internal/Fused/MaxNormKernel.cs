using System;
using System.Runtime.CompilerServices;
using System.Numerics;
using static UncertaintyLoss.Internal.Fused.PolygammaVector;
using V = System.Numerics.Vector<double>;
using VF = System.Numerics.Vector<float>;
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
/// ψ₁ forward and ψ₂ backward, from one argument reduction. Under the Float32 contract the row kernel computes the wrong
/// classes' ψ₁ and ψ₂ in float lanes where their evidence allows (<see cref="SingleLanesMaxEvidence"/>, issue 18, fourteenth
/// session).
/// <para><b>Probability targets</b> (issue 18, third session; <see cref="TileProbabilities"/>): the expectation
/// Σ_c y_c L(α, c) over the true class, as the composed path defines it, for any y in [0, 1]^C (Y = Σ y). With
/// Ŝ_c = Σ_{j≠c} α_j, M_c = r(Ŝ_c) + Σ_{j≠c} m_j and F_c = M_c^{1/p} (sums of the others taken directly for the class of
/// the largest α, S − α_c and T − m_c otherwise, T = Σ m_j: no cancellation), and w_c = y_c F_c/(p M_c):
/// ∂/∂α_k Σ_c y_c F_c = m_k h(α_k)(W − w_k) + (U − w_k r_k h(Ŝ_k)) − h(S)·Σ_c w_c M_c, W = Σ w_c, U = Σ_c w_c r_c h(Ŝ_c)
/// (for k the class of the largest α, whose w_k can dwarf the rest, W − w_k and U − u_k are summed without it; likewise
/// P₁ and P₂ below).
/// Regulariser with A = S: Σ_c y_c R_c = ½ Σ_j (Y − y_j) v_j, v_j = e_j²(ψ₁(α_j) − ψ₁(S)), whose derivative is
/// (Y − y_k)[e_k(ψ₁(α_k) − ψ₁(S)) + ½ e_k² ψ₂(α_k)] − ½ ψ₂(S) Σ_j (Y − y_j) e_j². With A_c = 1 + Ŝ_c:
/// Σ_c y_c R_c = ½ Σ_j (Y − y_j) e_j² ψ₁(α_j) − ½ Σ_c y_c E_c ψ₁(A_c), E_c = Σ_{j≠c} e_j², whose derivative is
/// (Y − y_k)[e_k ψ₁(α_k) + ½ e_k² ψ₂(α_k)] − e_k (P₁ − y_k ψ₁(A_k)) − ½ (P₂ − y_k E_k ψ₂(A_k)), P₁ = Σ_c y_c ψ₁(A_c),
/// P₂ = Σ_c y_c E_c ψ₂(A_c) (ψ₁ and ψ₂ of every A_c: one more argument reduction per element, twice with a gradient).</para>
/// </summary>
internal static class MaxNormKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
    internal static void Tile(Scratch s, int classes, int lanes, double regFactor, int p, FisherAlphaSum alphaSum)
    {
        for (int g = 0; g < lanes; g += V.Count)
        {
            var t = O.LoadUnsafe(ref s.Target[0], (nuint)g);
            Positions(s, null, g, lanes, classes, t, V.Zero, O.Create(1.0), classes, regFactor, p, alphaSum, false)
                .StoreUnsafe(ref s.Loss[0], (nuint)g);
        }
    }

    /// <summary>
    /// The row-major form of <see cref="Tile"/> for one position of (N, C) input with large C (issue 18, tenth session; as
    /// <see cref="EvidentialKernel.Row"/>): the row's classes lie in the lanes, so that the row is read and written as it is
    /// stored (no transposes) and its buffers stay in L1 (C doubles each); its passes are the tile's (<see cref="TermSums"/>,
    /// <see cref="Gradient"/>) over the row's vectors. The evidence e_j is
    /// <see cref="Scratch.Evidence"/>[j] for j &lt; C (the entries from C up to the next multiple of the vector width are read
    /// and left out of every sum), the activation's derivative (when the scratch has one) <see cref="Scratch.Derivative"/>[j];
    /// the unweighted gradient with respect to the input goes to <see cref="Scratch.Gradient"/>[j]. Every element gets the
    /// operations <see cref="Tile"/> gives it; the sums over the classes are added in another order (by lane, then across the
    /// lanes), so the result differs from the tile's at rounding level, and between vector widths. With a non-empty
    /// <paramref name="output"/> (the row of a Float32 gradient) the gradient times <paramref name="factor"/> goes there
    /// instead (<see cref="GradientSingle"/>), as <see cref="EvidentialKernel.Row"/>'s. With <paramref name="singleContract"/>
    /// (Float32 input: results are held to 1e-5, not 1e-10) the wrong classes' ψ₁ and ψ₂ run in float lanes where
    /// <see cref="SingleLanesMaxEvidence"/> allows (<see cref="TermSumsSingle"/>).
    /// </summary>
    /// <returns>The loss of the position, unweighted.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
    internal static double Row(Scratch s, int classes, double regFactor, int p, FisherAlphaSum alphaSum, double target,
        System.Span<float> output = default, double factor = 1.0, bool singleContract = false)
    {
        int vectors = (classes + V.Count - 1) / V.Count;
        return Positions(s, s.Derivative, 0, V.Count, vectors, O.Create(target), V.Indices, O.Create((double)V.Count), classes,
            regFactor, p, alphaSum, true, output, factor, singleContract)[0];
    }

    /// <summary>
    /// The largest evidence of a wrong class for which <see cref="Row"/> computes ψ₁ and ψ₂ of the wrong classes in float
    /// lanes (<see cref="PolygammaVector.TrigammaTetragammaSingle"/>) under the Float32 contract: 256. The regulariser's
    /// terms e_j²(ψ₁(α_j) − ψ₁(A)) cancel by at most ψ₁(α_j)/(ψ₁(α_j) − ψ₁(A)) ≈ (α_j + C − 1)/(C − 1) ≤ 3 at C ≥
    /// <see cref="FusedDirichlet.RowMajorMinClasses"/> (A ≥ α_j + C − 1), so float's 4e-7 stays below 1.2e-6 of the
    /// regulariser; at the clamp's 22026 it would be 174× (accuracy.md, "Float32 lanes for max-norm's regulariser").
    /// </summary>
    internal const double SingleLanesMaxEvidence = 256.0;

    /// <summary>
    /// The loss of <see cref="Tile"/>'s positions in one vector (<paramref name="acrossLanes"/> false: e[start + j·stride]
    /// holds class j of every lane's position) or of <see cref="Row"/>'s one position (true: its <paramref name="count"/>
    /// vectors hold the classes index + i·step, lane by lane, and the sums over them are reduced across the lanes), with the
    /// unweighted gradient into <see cref="Scratch.Gradient"/>, times <paramref name="derivative"/> when it is not null:
    /// the first pass (Σ e, e_t, Σ e²), the per-position terms, <see cref="TermSums"/> and <see cref="Gradient"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
    private static V Positions(Scratch s, double[]? derivative, int start, int stride, int count, V t, V index, V step, int classes,
        double regFactor, int p, FisherAlphaSum alphaSum, bool acrossLanes, System.Span<float> output = default, double factor = 1.0,
        bool singleContract = false)
    {
        var e = s.Evidence;
        var grad = s.Gradient;
        bool withFisher = regFactor > 0;
        bool withGrad = grad is not null;
        bool strengthAll = alphaSum == FisherAlphaSum.All;
        var one = O.Create(1.0);
        var half = O.Create(0.5);
        var lambda = O.Create(regFactor);
        var limit = O.Create((double)classes);

        // Σ e and Σ e² over the wrong classes, e of the true class: the evidential kernel's first pass with λ = 0.
        EvidentialKernel.Sums(e, start, stride, count, t, index, step, limit, V.Zero, true, out var eOther, out var eTrue, out var eSqOther);
        if (acrossLanes)
        {
            eOther = O.Create(O.Sum(eOther));
            eTrue = O.Create(O.Sum(eTrue));
            eSqOther = O.Create(O.Sum(eSqOther));
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

        // Float lanes for ψ₁ and ψ₂ of the wrong classes where the Float32 contract allows it: Σ e² over them bounds each
        // one's evidence (NaN fails the test and keeps double lanes).
        bool singleLanes = singleContract && acrossLanes && withFisher && classes >= FusedDirichlet.RowMajorMinClasses
            && eSqOther[0] <= SingleLanesMaxEvidence * SingleLanesMaxEvidence;
        V mSum, fisherSum;
        if (singleLanes)
            TermSumsSingle(e, grad, s.Extra, count, t, index, step, limit, invProductS, trigammaA, p, withGrad, out mSum, out fisherSum);
        else
            TermSums(e, grad, s.Extra, start, stride, count, t, index, step, limit, invProductS, trigammaA, p, withGrad, withFisher,
                out mSum, out fisherSum);
        if (acrossLanes)
        {
            mSum = O.Create(O.Sum(mSum));
            fisherSum = O.Create(O.Sum(fisherSum));
        }

        var mTotal = r + mSum;
        var f = Root(mTotal, p);
        var lossV = withFisher ? Mad(lambda, half * fisherSum, f) : f;
        if (withGrad)
        {
            var coefficient = f / (O.Create((double)p) * mTotal);
            if (output.IsEmpty)
                Gradient(grad!, s.Extra, derivative, start, stride, count, t, index, step, r * hHat, mTotal * hS, coefficient, lambda,
                    half * tetragammaA * eSqOther, withFisher, strengthAll);
            else
                GradientSingle(grad!, s.Extra, derivative, output, O.Create(factor), count, t, r * hHat, mTotal * hS, coefficient,
                    lambda, half * tetragammaA * eSqOther, withFisher, strengthAll);
        }

        return lossV;
    }

    /// <summary>
    /// The second pass of <see cref="Tile"/> and <see cref="Row"/>, over <paramref name="count"/> vectors
    /// e[start + i·stride] whose lanes hold the classes index + i·step (as <see cref="EvidentialKernel.Sums"/>): per element,
    /// Π(α + i) and its derivative Π′(α) of the p-norm and (with the regulariser) ψ₁(α) and ψ₂(α), used where they are
    /// computed; M's terms m_j = Π(α_j + i)/Π(S + i) summed over the wrong classes with m_j h(α_j) = Π′(α_j)/Π(S + i) stored in
    /// <paramref name="grad"/>, and
    /// Σ e_j²(ψ₁(α_j) − ψ₁(A)) with its gradient terms stored in <paramref name="extra"/>, per lane. The true class and the
    /// lanes from <paramref name="limit"/> (C) on are masked out.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void TermSums(double[] e, double[]? grad, double[] extra, int start, int stride, int count, V t, V index, V step,
        V limit, V invProductS, V trigammaA, int p, bool withGrad, bool withFisher, out V mSum, out V fisherSum)
    {
        var one = O.Create(1.0);
        var ms = V.Zero;
        var fs = V.Zero;
        for (int i = 0; i < count; i++)
        {
            int at = start + i * stride;
            var ej = O.LoadUnsafe(ref e[0], (nuint)at);
            var aj = ej + one;
            var tg = V.Zero;
            var tt = V.Zero;
            if (withFisher)
                TrigammaTetragamma(aj, withGrad, out tg, out tt);
            ElementTerms(grad, extra, at, ej, aj, t, index, limit, invProductS, trigammaA, tg, tt, p, withGrad, withFisher, ref ms, ref fs);
            index += step;
        }

        mSum = ms;
        fisherSum = fs;
    }

    /// <summary>
    /// <see cref="TermSums"/> for <see cref="Row"/> (its vectors one after another) with the wrong classes' ψ₁ and ψ₂ in float
    /// lanes (<see cref="SingleLanesMaxEvidence"/>): two vectors' α narrowed to one float vector, its ψ₁ and ψ₂ widened back;
    /// everything else as <see cref="TermSums"/>, in double.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void TermSumsSingle(double[] e, double[]? grad, double[] extra, int count, V t, V index, V step, V limit,
        V invProductS, V trigammaA, int p, bool withGrad, out V mSum, out V fisherSum)
    {
        var one = O.Create(1.0);
        var ms = V.Zero;
        var fs = V.Zero;
        for (int i = 0; i < count; i += 2)
        {
            int at = i * V.Count;
            var e0 = O.LoadUnsafe(ref e[0], (nuint)at);
            var a0 = e0 + one;
            bool pair = i + 1 < count;
            var e1 = pair ? O.LoadUnsafe(ref e[0], (nuint)(at + V.Count)) : V.Zero;
            var a1 = e1 + one;
            TrigammaTetragammaSingle(O.Narrow(a0, a1), withGrad, out VF tgSingle, out VF ttSingle);
            ElementTerms(grad, extra, at, e0, a0, t, index, limit, invProductS, trigammaA, O.WidenLower(tgSingle), O.WidenLower(ttSingle),
                p, withGrad, true, ref ms, ref fs);
            index += step;
            if (pair)
            {
                ElementTerms(grad, extra, at + V.Count, e1, a1, t, index, limit, invProductS, trigammaA, O.WidenUpper(tgSingle),
                    O.WidenUpper(ttSingle), p, withGrad, true, ref ms, ref fs);
                index += step;
            }
        }

        mSum = ms;
        fisherSum = fs;
    }

    /// <summary>One vector of <see cref="TermSums"/> at <paramref name="at"/> (α = e + 1, lanes holding the classes
    /// <paramref name="index"/>), given ψ₁(α) and ψ₂(α) (<paramref name="tg"/>, <paramref name="tt"/>) when
    /// <paramref name="withFisher"/>: its terms added to <paramref name="ms"/> and <paramref name="fs"/>, its gradient terms
    /// stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ElementTerms(double[]? grad, double[] extra, int at, V ej, V aj, V t, V index, V limit, V invProductS,
        V trigammaA, V tg, V tt, int p, bool withGrad, bool withFisher, ref V ms, ref V fs)
    {
        var excluded = O.Equals<double>(t, index) | O.GreaterThanOrEqual<double>(index, limit);
        // m_j h(α_j) = Π′(α_j)/Π(S + i): no division per element (issue 18, twelfth session; it was m_j·(Π′/Π)).
        RisingProductAndDerivative(aj, p, withGrad, out var product, out var derivative);
        ms += O.AndNot(product * invProductS, excluded);
        if (withGrad)
            O.AndNot(derivative * invProductS, excluded).StoreUnsafe(ref grad![0], (nuint)at);
        if (withFisher)
        {
            var diff = tg - trigammaA;
            var eSq = ej * ej;
            fs += O.AndNot(eSq * diff, excluded);
            if (withGrad)
                O.AndNot(Mad(ej, diff, O.Create(0.5) * eSq * tt), excluded).StoreUnsafe(ref extra[0], (nuint)at);
        }
    }

    /// <summary>The gradient pass of <see cref="Tile"/> and <see cref="Row"/> over the vectors of <see cref="TermSums"/>
    /// (<see cref="GradientAt"/>), into <paramref name="grad"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Gradient(double[] grad, double[] extra, double[]? derivative, int start, int stride, int count, V t, V index, V step,
        V rh, V mh, V coefficient, V lambda, V strengthTerm, bool withFisher, bool strengthAll)
    {
        for (int i = 0; i < count; i++)
        {
            int at = start + i * stride;
            GradientAt(grad, extra, derivative, at, t, index, rh, mh, coefficient, lambda, strengthTerm, withFisher, strengthAll)
                .StoreUnsafe(ref grad[0], (nuint)at);
            index += step;
        }
    }

    /// <summary>
    /// <see cref="Gradient"/> for <see cref="Row"/>'s Float32 output (issue 18, thirteenth session; as
    /// <see cref="EvidentialKernel"/>'s): the gradient times <paramref name="factor"/>, rounded to Float32 once, into
    /// <paramref name="output"/> (<see cref="RowOutput.WriteSingle"/>; <paramref name="grad"/> holds the element pass's terms,
    /// and the last vectors as scratch).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void GradientSingle(double[] grad, double[] extra, double[]? derivative, System.Span<float> output, V factor,
        int count, V t, V rh, V mh, V coefficient, V lambda, V strengthTerm, bool withFisher, bool strengthAll) =>
        RowOutput.WriteSingle(new RowGradient(grad, extra, derivative, t, rh, mh, coefficient, lambda, strengthTerm, withFisher, strengthAll),
            grad, output, factor, count);

    /// <summary><see cref="GradientAt"/> with the row's values, for <see cref="RowOutput.WriteSingle"/>.</summary>
    private readonly struct RowGradient(double[] grad, double[] extra, double[]? derivative, V t, V rh, V mh, V coefficient, V lambda,
        V strengthTerm, bool withFisher, bool strengthAll) : RowOutput.IElement
    {
        private readonly double[] grad = grad, extra = extra;
        private readonly double[]? derivative = derivative;
        private readonly V t = t, rh = rh, mh = mh, coefficient = coefficient, lambda = lambda, strengthTerm = strengthTerm;
        private readonly bool withFisher = withFisher, strengthAll = strengthAll;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public V At(int at, V index) =>
            GradientAt(grad, extra, derivative, at, t, index, rh, mh, coefficient, lambda, strengthTerm, withFisher, strengthAll);
    }

    /// <summary>∂loss/∂α of the vector at <paramref name="at"/> (lanes holding the classes <paramref name="index"/>) from the
    /// terms <see cref="TermSums"/> stored (class summary), times the activation's derivative when there is one (the row;
    /// the tile's caller applies it to the whole tile instead).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V GradientAt(double[] grad, double[] extra, double[]? derivative, int at, V t, V index, V rh, V mh, V coefficient,
        V lambda, V strengthTerm, bool withFisher, bool strengthAll)
    {
        var isTrue = O.Equals<double>(t, index);
        var dm = O.AndNot(O.LoadUnsafe(ref grad[0], (nuint)at) + rh, isTrue) - mh;
        var gj = coefficient * dm;
        if (withFisher)
        {
            var strength = strengthAll ? strengthTerm : O.AndNot(strengthTerm, isTrue);
            var fisherGrad = O.AndNot(O.LoadUnsafe(ref extra[0], (nuint)at), isTrue) - strength;
            gj = Mad(lambda, fisherGrad, gj);
        }

        if (derivative is not null)
            gj *= O.LoadUnsafe(ref derivative[0], (nuint)at);
        return gj;
    }

    /// <summary>As <see cref="Tile"/> for a probability target (<see cref="Scratch.Probability"/>; the class summary's
    /// "Probability targets").</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
    internal static void TileProbabilities(Scratch s, int classes, int lanes, double regFactor, int p, FisherAlphaSum alphaSum)
    {
        var e = s.Evidence;
        var y = s.Probability!;
        var grad = s.Gradient;
        bool withFisher = regFactor > 0;
        bool withGrad = grad is not null;
        bool strengthAll = alphaSum == FisherAlphaSum.All;
        var one = O.Create(1.0);
        var half = O.Create(0.5);
        var lambda = O.Create(regFactor);
        var pV = O.Create((double)p);

        // Element pass: Π(α + i), h(α), ψ₁(α) and (to the gradient buffer) ψ₂(α) of every α = e + 1, stored, because passes 2
        // to 4 read them again for every class as the true one (Tile, with one true class, computes them inside TermSums).
        var risingProduct = s.Work1;
        var risingH = s.Work2;
        var trigammaAlpha = s.Extra;
        var tetragammaAlpha = grad;
        var classWeight = s.RiskDigamma!;        // w_c = y_c F_c/(p M_c)
        var classWeightRest = s.RiskTrigamma;    // w_c r_c h(Ŝ_c)
        int total = classes * lanes;
        ElementPass(e, total, p, withGrad, withFisher, risingProduct, risingH, trigammaAlpha, tetragammaAlpha);

        for (int g = 0; g < lanes; g += V.Count)
        {
            // Pass 1: S, Y, Σ e², and the class of the largest α (the first, as argmax) with the sums of the others of
            // α and of e² for it (the largest α has the largest e²).
            var s0 = V.Zero;
            var yTotal = V.Zero;
            var eSqTotal = V.Zero;
            var alphaMax = O.Create(double.NegativeInfinity);
            var maxClass = V.Zero;
            var alphaOthersOfMax = V.Zero;
            var eSqOthersOfMax = V.Zero;
            var eSqMax = V.Zero;
            for (int j = 0; j < classes; j++)
            {
                int at = j * lanes + g;
                var ej = O.LoadUnsafe(ref e[0], (nuint)at);
                var aj = ej + one;
                var eSq = ej * ej;
                s0 += aj;
                yTotal += O.LoadUnsafe(ref y[0], (nuint)at);
                eSqTotal += eSq;
                var isNewMax = O.GreaterThan<double>(aj, alphaMax);
                alphaOthersOfMax += O.ConditionalSelect(isNewMax, O.Max(alphaMax, V.Zero), aj);
                eSqOthersOfMax += O.ConditionalSelect(isNewMax, eSqMax, eSq);
                eSqMax = O.ConditionalSelect(isNewMax, eSq, eSqMax);
                alphaMax = O.ConditionalSelect(isNewMax, aj, alphaMax);
                maxClass = O.ConditionalSelect(isNewMax, O.Create((double)j), maxClass);
            }

            RisingProduct(s0, p, withGrad, out var productS, out var hS);
            var invProductS = one / productS;
            var trigammaS = V.Zero;
            var tetragammaS = V.Zero;
            if (withFisher && strengthAll)
                TrigammaTetragamma(s0, withGrad, out trigammaS, out tetragammaS);

            // Pass 2: T = Σ m_j and its sum without the largest class; the regulariser's sums over j.
            var mTotal = V.Zero;
            var mOthersOfMax = V.Zero;
            var fisherSum = V.Zero;                // ½ Σ_j (Y − y_j) v_j (A = S) or ½ Σ_j (Y − y_j) e_j² ψ₁(α_j)
            var eSqWeighted = V.Zero;              // Σ_j (Y − y_j) e_j² (A = S, gradient)
            for (int j = 0; j < classes; j++)
            {
                int at = j * lanes + g;
                var m = O.LoadUnsafe(ref risingProduct[0], (nuint)at) * invProductS;
                mTotal += m;
                mOthersOfMax += O.AndNot(m, O.Equals<double>(maxClass, O.Create((double)j)));
                if (withFisher)
                {
                    var ej = O.LoadUnsafe(ref e[0], (nuint)at);
                    var eSq = ej * ej;
                    var rest = yTotal - O.LoadUnsafe(ref y[0], (nuint)at);
                    var tg = O.LoadUnsafe(ref trigammaAlpha[0], (nuint)at);
                    fisherSum = Mad(rest * eSq, strengthAll ? tg - trigammaS : tg, fisherSum);
                    eSqWeighted = Mad(rest, eSq, eSqWeighted);
                }
            }

            fisherSum *= half;

            // Pass 3: every class c as the true one: F_c, its weight in the gradient, and (A_c = 1 + Ŝ_c) the strength terms.
            // W, U, P₁ and P₂ are also summed without the class of the largest α, whose term can dwarf the others (M_c is
            // tiny there, so w_c = y_c F_c/(p M_c) is huge): the gradient's W − w_k etc. take that sum for it, no cancellation.
            var lossV = V.Zero;
            var wTotal = V.Zero;                   // W
            var uTotal = V.Zero;                   // U
            var zTotal = V.Zero;                   // Σ_c w_c M_c
            var p1 = V.Zero;                       // P₁
            var p2 = V.Zero;                       // P₂
            var wOthersOfMax = V.Zero;
            var uOthersOfMax = V.Zero;
            var p1OthersOfMax = V.Zero;
            var p2OthersOfMax = V.Zero;
            for (int c = 0; c < classes; c++)
            {
                int at = c * lanes + g;
                var isMax = O.Equals<double>(maxClass, O.Create((double)c));
                var ec = O.LoadUnsafe(ref e[0], (nuint)at);
                var yc = O.LoadUnsafe(ref y[0], (nuint)at);
                var sHat = O.ConditionalSelect(isMax, alphaOthersOfMax, s0 - (ec + one));
                var mOthers = O.ConditionalSelect(isMax, mOthersOfMax, mTotal - O.LoadUnsafe(ref risingProduct[0], (nuint)at) * invProductS);
                RisingProduct(sHat, p, withGrad, out var productHat, out var hHat);
                var r = productHat * invProductS;
                var mc = r + mOthers;
                var f = Root(mc, p);
                lossV = Mad(yc, f, lossV);
                if (withGrad)
                {
                    var w = yc * f / (pV * mc);
                    var u = w * r * hHat;
                    w.StoreUnsafe(ref classWeight[0], (nuint)at);
                    u.StoreUnsafe(ref classWeightRest![0], (nuint)at);
                    wTotal += w;
                    uTotal += u;
                    wOthersOfMax += O.AndNot(w, isMax);
                    uOthersOfMax += O.AndNot(u, isMax);
                    zTotal = Mad(w, mc, zTotal);
                }

                if (withFisher && !strengthAll)
                {
                    var eSqOthers = O.ConditionalSelect(isMax, eSqOthersOfMax, eSqTotal - ec * ec);
                    TrigammaTetragamma(sHat + one, withGrad, out var tgA, out var ttA);
                    fisherSum -= half * yc * eSqOthers * tgA;
                    p1 = Mad(yc, tgA, p1);
                    p2 = Mad(yc * eSqOthers, ttA, p2);
                    p1OthersOfMax += O.AndNot(yc * tgA, isMax);
                    p2OthersOfMax += O.AndNot(yc * eSqOthers * ttA, isMax);
                }
            }

            lossV = withFisher ? Mad(lambda, fisherSum, lossV) : lossV;
            lossV.StoreUnsafe(ref s.Loss[0], (nuint)g);
            if (!withGrad)
                continue;

            // Pass 4: the gradient (class summary).
            var shared = hS * zTotal;
            var strengthShared = half * tetragammaS * eSqWeighted;
            for (int k = 0; k < classes; k++)
            {
                int at = k * lanes + g;
                var ek = O.LoadUnsafe(ref e[0], (nuint)at);
                var yk = O.LoadUnsafe(ref y[0], (nuint)at);
                var mk = O.LoadUnsafe(ref risingProduct[0], (nuint)at) * invProductS;
                var isMaxK = O.Equals<double>(maxClass, O.Create((double)k));
                var wOthers = O.ConditionalSelect(isMaxK, wOthersOfMax, wTotal - O.LoadUnsafe(ref classWeight[0], (nuint)at));
                var uOthers = O.ConditionalSelect(isMaxK, uOthersOfMax, uTotal - O.LoadUnsafe(ref classWeightRest![0], (nuint)at));
                var gk = Mad(mk * O.LoadUnsafe(ref risingH[0], (nuint)at), wOthers, uOthers) - shared;
                if (withFisher)
                {
                    var rest = yTotal - yk;
                    var tg = O.LoadUnsafe(ref trigammaAlpha[0], (nuint)at);
                    var tt = O.LoadUnsafe(ref tetragammaAlpha![0], (nuint)at);
                    V fisherGrad;
                    if (strengthAll)
                    {
                        fisherGrad = rest * Mad(ek, tg - trigammaS, half * ek * ek * tt) - strengthShared;
                    }
                    else
                    {
                        var sHat = O.ConditionalSelect(isMaxK, alphaOthersOfMax, s0 - (ek + one));
                        var eSqOthers = O.ConditionalSelect(isMaxK, eSqOthersOfMax, eSqTotal - ek * ek);
                        TrigammaTetragamma(sHat + one, true, out var tgA, out var ttA);
                        var p1Others = O.ConditionalSelect(isMaxK, p1OthersOfMax, p1 - yk * tgA);
                        var p2Others = O.ConditionalSelect(isMaxK, p2OthersOfMax, p2 - yk * eSqOthers * ttA);
                        fisherGrad = rest * Mad(ek, tg, half * ek * ek * tt) - ek * p1Others - half * p2Others;
                    }

                    gk = Mad(lambda, fisherGrad, gk);
                }

                gk.StoreUnsafe(ref grad![0], (nuint)at);
            }
        }
    }

    /// <summary>
    /// <see cref="TileProbabilities"/>' element pass over the tile's <paramref name="total"/> elements, α = e + 1: Π(α + i) and (with a gradient) h(α) of
    /// the p-norm; with the regulariser ψ₁(α) and (with a gradient) ψ₂(α), into <paramref name="tetragamma"/>, the gradient
    /// buffer, whose slot the gradient pass reads before it overwrites it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
    private static void ElementPass(double[] e, int total, int p, bool withGrad, bool withFisher, double[] risingProduct, double[] risingH,
        double[] trigamma, double[]? tetragamma)
    {
        var one = O.Create(1.0);
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
                tg.StoreUnsafe(ref trigamma[0], (nuint)k);
                if (withGrad)
                    tt.StoreUnsafe(ref tetragamma![0], (nuint)k);
            }
        }
    }

    /// <summary>Π_{i&lt;p} (a + i) and, when <paramref name="withDerivative"/>, h = Σ_{i&lt;p} 1/(a + i) (by the product rule, one division).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RisingProduct(V a, int p, bool withDerivative, out V product, out V h)
    {
        RisingProductAndDerivative(a, p, withDerivative, out product, out var derivative);
        h = withDerivative ? derivative / product : V.Zero;
    }

    /// <summary>Π_{i&lt;p} (a + i) and, when <paramref name="withDerivative"/>, its derivative Π′ = Π·h (the product rule,
    /// no division; 0 otherwise).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RisingProductAndDerivative(V a, int p, bool withDerivative, out V product, out V derivative)
    {
        if (p == 4)
        {
            // The default p: a(a + 3)·(a + 1)(a + 2) = t(t + 2) with t = a(a + 3), and d/da = (2t + 2)(2a + 3): seven
            // operations, three deep, where the loop below takes twelve, eight deep (issue 18, thirteenth session: max-norm's
            // row kernel 2.12 → 1.96 ns per class, one thread, C = 1000).
            var t = a * (a + O.Create(3.0));
            product = t * (t + O.Create(2.0));
            derivative = withDerivative ? (t + t + O.Create(2.0)) * (a + a + O.Create(3.0)) : V.Zero;
            return;
        }

        product = O.Create(1.0);
        derivative = V.Zero;
        for (int i = 0; i < p; i++)
        {
            var factor = a + O.Create((double)i);
            if (withDerivative)
                derivative = Mad(derivative, factor, product);
            product *= factor;
        }
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
