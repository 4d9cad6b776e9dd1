using System.Runtime.CompilerServices;
using System.Numerics;
using V = System.Numerics.Vector<double>;
using VF = System.Numerics.Vector<float>;
using O = System.Numerics.Vector;

namespace UncertaintyLoss.Internal.Fused;

/// <summary>
/// ln Γ, ψ, ψ₁ and ψ₂ of four doubles at once (<see cref="Vector{T}"/>), for arguments x &gt; 0 (Dirichlet
/// parameters α = evidence + λ and their sums: x ≥ 1 for EDL's λ = 1, x ≥ λ ≥ 1e-6 for R-EDL's prior weight λ),
/// sharing one argument reduction.
/// </summary>
/// <remarks>
/// <para><b>Algorithm.</b> The recurrence Γ(x + 1) = xΓ(x) shifts every lane up to z = x + n ≥ 9 (n = 9 for every lane
/// in [0, 1e30), so that there is no data-dependent branch; else per lane while z &lt; 9);
/// the shift contributes ln Π(x + k) to ln Γ and Σ 1/(x + k)^m to the polygammas, which come from the derivatives of
/// the product P(t) = Π(t + k), evaluated without a division (the nine steps in closed form, <see cref="NineSteps"/>;
/// then 1/P and 1/z, two divisions that do not wait for each other). At z the
/// asymptotic expansions' leading terms are exact and their remainders, functions of v = 1/z² in [0, 1/81], are
/// polynomials fitted on that interval (<see cref="LgammaRemainder"/>, <see cref="DigammaRemainder"/>,
/// <see cref="TrigammaRemainder"/>, <see cref="TetragammaRemainder"/>: five, five, six and six terms; errors below 1.3e-16
/// absolute in ln Γ and ψ, 4e-18 in ψ₁ and ψ₂). ln is <see cref="Log"/>.</para>
/// <para><b>Accuracy</b> measured against MathNet.Numerics (ln Γ, ψ), the tests' double trigamma and closed forms
/// (ψ₂(n) = −2ζ(3) + 2Σ_{k&lt;n} k⁻³) for x in [1, 1e7] (UncertaintyLoss.Tests/Fused/PolygammaVectorTests.cs,
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/accuracy.md">accuracy.md</see>): ln Γ
/// 6.7e-15 absolute on [1, 2.5] and 1.9e-14 relative beyond, ψ 3.4e-15, ψ₁ 3.5e-15, ψ₂ 1.8e-14,
/// <see cref="Log"/> 2.2e-16. NaN lanes give NaN; +∞ is not an admissible argument (the callers reject infinite evidence).
/// Negative arguments give NaN after at most <see cref="MaxShiftSteps"/> steps: the work never depends on a value.</para>
/// <para><b>Series coefficients.</b> The remainders' coefficients come from
/// UncertaintyLoss.Tests/Data/generate_stirling_remainders.py (a Chebyshev fit at 60 digits against mpmath, each
/// coefficient rounded once to double; issue 18, twelfth session). Until then all four functions summed the asymptotic
/// series with eight terms, ln Γ(z) = (z − ½) ln z − z + ½ ln 2π + Σ B₂ₖ / (2k(2k − 1) z^{2k−1}) (Stirling's series, DLMF
/// 5.11.1), ψ(z) = ln z − 1/(2z) − Σ B₂ₖ / (2k z^{2k}) (DLMF 5.11.2), ψ₁(z) = 1/z + 1/(2z²) + Σ B₂ₖ / z^{2k+1} and
/// ψ₂(z) = −1/z² − 1/z³ − Σ (2k + 1) B₂ₖ / z^{2k+2}, with the Bernoulli numbers B₂ … B₁₆; the fits' leading coefficients
/// are those series' first ones (1/12, 1/12, 1/6, 1/2) to within their errors.</para>
/// </remarks>
internal static class PolygammaVector
{
    /// <summary>
    /// Arguments at or above this value go straight to the asymptotic expansions: 9, where the nine unconditional steps
    /// bring every x ≥ 0 (issue 18, twelfth session; 10 before, which took arguments below 1 one masked step further). At
    /// z ≥ 9 the fitted remainders (<see cref="LgammaRemainder"/> and the next three) are within 1.3e-16 absolute of ln Γ,
    /// ψ, ψ₁ and ψ₂ (see the remarks for the measured accuracy); a smaller threshold would need more terms, a larger one
    /// more recurrence steps.
    /// </summary>
    internal const double Threshold = 9.0;

    /// <summary>½ ln(2π), the constant term of Stirling's series for ln Γ (DLMF 5.11.1).</summary>
    internal const double HalfLog2Pi = 0.91893853320467274178032973640562;

    /// <summary>ln 2 rounded to double: the exponent's contribution e·ln 2 to a <see cref="ProductAccumulator"/>'s logarithm.</summary>
    internal const double Ln2 = 0.69314718055994530942;

    /// <summary>
    /// The high part of ln 2 split in two (fdlibm's <c>ln2_hi</c>, e_log.c): its low 21 significand bits are zero, so
    /// e·Ln2High is exact for every binary exponent e of a double; <see cref="Ln2Low"/> carries the rest.
    /// </summary>
    internal const double Ln2High = 6.93147180369123816490e-01;

    /// <summary>The low part of ln 2 (fdlibm's <c>ln2_lo</c>): ln 2 − <see cref="Ln2High"/>, rounded to double.</summary>
    internal const double Ln2Low = 1.90821492927058770002e-10;

    /// <summary>√2 rounded to double: <see cref="Log"/> halves a significand above it, so that m lies in [√½, √2] and
    /// |s| = |m − 1|/(m + 1) ≤ 3 − 2√2 ≈ 0.1716.</summary>
    internal const double Sqrt2 = 1.4142135623730951;

    /// <summary>Explicit significand (fraction) bits of a double: the biased exponent starts at bit 52.</summary>
    internal const int FractionBits = 52;

    /// <summary>The fraction field of a double (its low 52 bits).</summary>
    internal const ulong FractionMask = 0x000FFFFFFFFFFFFFUL;

    /// <summary>The sign and fraction fields of a double: everything but the exponent.</summary>
    internal const ulong SignAndFractionMask = 0x800FFFFFFFFFFFFFUL;

    /// <summary>The bits of 1.0 (biased exponent 1023, fraction 0): OR-ed onto a fraction it gives a significand in [1, 2).</summary>
    internal const ulong OneBits = 0x3FF0000000000000UL;

    /// <summary>
    /// The bits of 2^52 (biased exponent 1023 + 52): OR-ing the 11-bit biased exponent E of a positive double into its
    /// fraction gives the double 2^52 + E exactly, so E becomes a double without a 64-bit integer conversion (AVX2 has
    /// none for vectors); <see cref="TwoPow52PlusBias"/> then removes 2^52 and the bias.
    /// </summary>
    internal const ulong TwoPow52Bits = 0x4330000000000000UL;

    /// <summary>2^52 + 1023 (exact): subtracted from 2^52 + E it leaves the unbiased exponent E − 1023.</summary>
    internal const double TwoPow52PlusBias = 4503599627370496.0 + 1023.0;

    /// <summary>Computes ln Γ(x) and ψ(x), and ψ₁(x) when <paramref name="withTrigamma"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void LgammaDigammaTrigamma(V x, bool withTrigamma,
        out V lgamma, out V digamma, out V trigamma)
    {
        LgammaPartsDigammaTrigamma(x, withTrigamma, out var lgammaOfShifted, out var shiftProduct, out digamma, out trigamma);
        lgamma = lgammaOfShifted - Log(shiftProduct);
    }

    /// <summary>
    /// As <see cref="LgammaDigammaTrigamma"/>, with ln Γ(x) left in two parts, ln Γ(x) = <paramref name="lgammaOfShifted"/>
    /// − ln <paramref name="shiftProduct"/> (ln Γ(z) and Π(x + k)): a caller that sums ln Γ over many arguments
    /// multiplies the products and takes one logarithm (see <see cref="ProductAccumulator"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void LgammaPartsDigammaTrigamma(V x, bool withTrigamma,
        out V lgammaOfShifted, out V shiftProduct, out V digamma, out V trigamma)
    {
        var one = O.Create(1.0);
        // P(t) = Π_k (t + k) over the shift steps, and its first two derivatives at t = x (no division):
        // ln P gives ln Γ's shift, P′/P = Σ 1/(x + k) ψ's, (P′/P)² − P″/P = Σ 1/(x + k)² ψ₁'s.
        Shift(x, withTrigamma ? 2 : 1, out var z, out var p0, out var p1, out var p2, out _);

        // Two divisions, not one for both (1/(P·z)): w = 1/z does not wait for the shift's products, so the series run
        // alongside them (issue 18, eighth session: the KL's element function 1.86 → 1.57 ns at 512 bits).
        var invP = one / p0;
        var w = one / z;
        var sum1 = p1 * invP;
        var sum2 = withTrigamma ? Mad(sum1, sum1, V.Zero - p2 * invP) : V.Zero;
        shiftProduct = p0;

        var w2 = w * w;
        var logZ = Log(z);

        // ln Γ(z) = (z − ½) ln z − z + ½ ln 2π + w·L(w²)
        var lgSeries = LgammaRemainder(w2) * w;
        lgammaOfShifted = Mad(z - O.Create(0.5), logZ, O.Create(HalfLog2Pi) - z) + lgSeries;

        // ψ(z) = ln z − 1/(2z) − w²·D(w²)
        var dgSeries = DigammaRemainder(w2) * w2;
        digamma = logZ - O.Create(0.5) * w - dgSeries - sum1;

        if (withTrigamma)
        {
            // ψ₁(z) = 1/z + 1/(2z²) + w³·T(w²)
            var tgSeries = TrigammaRemainder(w2) * (w2 * w);
            trigamma = w + O.Create(0.5) * w2 + tgSeries + sum2;
        }
        else
        {
            trigamma = V.Zero;
        }
    }

    /// <summary>
    /// The evidential KL's element term m·ψ(x) − ln Γ(x) (m the element's weight, x − m the same for every element of a
    /// call), without a logarithm per element: m·ψ(x) − ln Γ(x) = <paramref name="r"/> + ln <paramref name="product"/> −
    /// κ ln <paramref name="strength"/> with κ = (x − m) + <see cref="UnconditionalShiftSteps"/> − ½, so that a caller
    /// summing it over many elements multiplies the products and the strengths (<see cref="ProductAccumulator"/>) and takes
    /// two logarithms per position; and ψ₁(x) when <paramref name="withTrigamma"/> (as <see cref="LgammaPartsDigammaTrigamma"/>).
    /// </summary>
    /// <remarks>
    /// With z = x + n and P = Π_{k&lt;n}(x + k) from the shift, ψ(x) = ln z − w/2 − w²Σψ − P′/P and ln Γ(x) = (z − ½) ln z −
    /// z + ½ ln 2π + wΣΓ − ln P (w = 1/z; Σψ, ΣΓ the series of <see cref="LgammaPartsDigammaTrigamma"/>), so
    /// m·ψ(x) − ln Γ(x) = (m − z + ½) ln z + r + ln P, r = −m(w/2 + w²Σψ + P′/P) + z − ½ ln 2π − wΣΓ. Where every lane
    /// takes the fixed shift, n = 9 and m − z + ½ = −κ (up to the rounding of z, which enters ln Γ(z) as much in
    /// <see cref="LgammaPartsDigammaTrigamma"/>). The domain is x in [0, <see cref="UnconditionalShiftLimit"/>), where every admissible α = e + λ lies (evidence at
    /// most <see cref="UL.MaxEvidence"/>); a lane outside it (negative, from 1e30 on, NaN) gives r = NaN and strength 1 (taking its
    /// logarithm here instead, even out of line, put the evidential kernel past the JIT's inlining budget or slowed its
    /// loop). A lane's outputs do not depend on the other lanes. Issue 18, sixth session: the element pass's logarithm was
    /// about a quarter of its operations.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void KlElementTerms(V x, V m, bool withTrigamma,
        out V r, out V product, out V strength, out V trigamma)
    {
        var one = O.Create(1.0);
        bool fixedShift = O.GreaterThanOrEqualAll(x, V.Zero) && O.LessThanAll(x, O.Create(UnconditionalShiftLimit));
        Shift(x, withTrigamma ? 2 : 1, out var z, out var p0, out var p1, out var p2, out _);

        var invP = one / p0;
        var w = one / z;   // not one division for both: see LgammaPartsDigammaTrigamma
        var sum1 = p1 * invP;
        var w2 = w * w;

        var lgSeries = LgammaRemainder(w2) * w;
        var dgSeries = DigammaRemainder(w2) * w2;
        r = Mad(V.Zero - m, Mad(O.Create(0.5), w, dgSeries + sum1), z - O.Create(HalfLog2Pi)) - lgSeries;
        product = p0;
        strength = z;
        if (!fixedShift)
        {
            // Lane by lane: a lane in [0, 1e30) took the fixed shift's steps here too (Shift) and gets the same outputs as in a
            // vector of its own; the others are outside the domain and give NaN.
            var fixedLanes = O.GreaterThanOrEqual<double>(x, V.Zero) & O.LessThan<double>(x, O.Create(UnconditionalShiftLimit));
            strength = O.ConditionalSelect(fixedLanes, z, one);
            r = O.ConditionalSelect(fixedLanes, r, O.Create(double.NaN));
        }

        if (withTrigamma)
        {
            var sum2 = Mad(sum1, sum1, V.Zero - p2 * invP);
            var tgSeries = TrigammaRemainder(w2) * (w2 * w);
            trigamma = w + O.Create(0.5) * w2 + tgSeries + sum2;
        }
        else
        {
            trigamma = V.Zero;
        }
    }

    /// <summary>
    /// A running product of positive doubles kept as mantissa × 2^exponent, so that Σ ln a_i = ln Π a_i costs one
    /// logarithm at the end instead of one per term, without overflow.
    /// </summary>
    internal struct ProductAccumulator
    {
        private V mantissa;
        private V exponent;

        /// <summary>An empty product (1). Inlined: a call here, before a kernel's loop, made the JIT keep the loop's sums
        /// on the stack (the call clobbers every vector register; issue 18, ninth session).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static ProductAccumulator Create() => new() { mantissa = O.Create(1.0), exponent = V.Zero };

        /// <summary>Multiplies by <paramref name="factor"/> (positive, below 2^1022) and renormalises the mantissa to [1, 2).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal void Multiply(V factor)
        {
            MultiplyOnly(factor);
            Normalize();
        }

        /// <summary>
        /// Multiplies the mantissa by <paramref name="factor"/> without renormalising it: for up to n factors in a row, each in
        /// [2^−(1020/n), 2^(1020/n)] (four in [2^−255, 2^255], two in [2^−510, 2^510]), after which <see cref="Normalize"/> must
        /// run (the mantissa stays a normal double). Scaling by a power of two commutes with rounding, so the product is the
        /// same, bit for bit, as with <see cref="Multiply(V)"/> after each factor.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal void MultiplyOnly(V factor) => mantissa *= factor;

        /// <summary>Moves the mantissa's binary exponent into the exponent sum, leaving it in [1, 2) (exact; nothing
        /// changes when it is there already).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal void Normalize()
        {
            var bits = mantissa.As<double, ulong>();
            var exponentBits = O.ShiftRightLogical(bits, FractionBits) | O.Create(TwoPow52Bits);
            exponent += exponentBits.As<ulong, double>() - O.Create(TwoPow52PlusBias);
            mantissa = ((bits & O.Create(SignAndFractionMask)) | O.Create(OneBits)).As<ulong, double>();
        }

        /// <summary>Multiplies by another accumulator's product, lane by lane.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal void Multiply(in ProductAccumulator other)
        {
            exponent += other.exponent;
            Multiply(other.mantissa);
        }

        /// <summary>ln of the product.</summary>
        internal readonly V Log() =>
            Mad(exponent, O.Create(Ln2), PolygammaVector.Log(mantissa));
    }

    /// <summary>Computes ψ₁(x), and ψ₂(x) when <paramref name="withTetragamma"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void TrigammaTetragamma(V x, bool withTetragamma,
        out V trigamma, out V tetragamma)
    {
        var one = O.Create(1.0);
        // As in LgammaDigammaTrigamma, with the third derivative for Σ 1/(x + k)³ = ½ (ln P)‴:
        // (ln P)″ = P″/P − (P′/P)², (ln P)‴ = P‴/P − 3(P′/P)(P″/P) + 2(P′/P)³.
        Shift(x, withTetragamma ? 3 : 2, out var z, out var p0, out var p1, out var p2, out var p3);
        var three = O.Create(3.0);

        var invP = one / p0;
        var q1 = p1 * invP;
        var q2 = p2 * invP;
        var sum2 = Mad(q1, q1, V.Zero - q2);
        var sum3 = V.Zero;
        if (withTetragamma)
        {
            var q3 = p3 * invP;
            // Σ 1/(x + k)³ = ½ (q3 − 3 q1 q2 + 2 q1³)
            sum3 = O.Create(0.5) * Mad(q1 * q1 + q1 * q1, q1, q3 - three * q1 * q2);
        }

        var w = one / z;
        var w2 = w * w;
        var tgSeries = TrigammaRemainder(w2) * (w2 * w);
        trigamma = w + O.Create(0.5) * w2 + tgSeries + sum2;

        if (withTetragamma)
        {
            // ψ₂(z) = −1/z² − 1/z³ − w⁴·Q(w²) ; ψ₂(x) = ψ₂(z) − 2 Σ 1/(x + k)³
            var w3 = w2 * w;
            var ttSeries = TetragammaRemainder(w2) * (w2 * w2);
            tetragamma = V.Zero - w2 - w3 - ttSeries - O.Create(2.0) * sum3;
        }
        else
        {
            tetragamma = V.Zero;
        }
    }

    /// <summary>
    /// Steps of <see cref="TrigammaTetragammaSingle"/>'s shift: 4, so that z = x + 4 ≥ 5 for x ≥ 1, where the asymptotic
    /// series' first four (ψ₁) and five (ψ₂) terms are within 8e-9 and 1.4e-8 relative (the next terms' sizes at z = 5).
    /// </summary>
    internal const int SingleShiftSteps = 4;

    /// <summary>
    /// ψ₁(x), and ψ₂(x) when <paramref name="withTetragamma"/>, in single precision on twice the lanes of
    /// <see cref="TrigammaTetragamma"/> (issue 18, fourteenth session: max-norm's regulariser for Float32 input,
    /// <see cref="MaxNormKernel"/>; accuracy.md, "Float32 lanes"). For x in [1, <see cref="SingleTrigammaHighest"/>]; other lanes
    /// give any value, NaN included (the caller masks them out).
    /// Algorithm: z = x + 4; ψ₁(x) = ψ₁(z) + Σ_{k&lt;4} 1/(x + k)², ψ₂(x) = ψ₂(z) − 2 Σ_{k&lt;4} 1/(x + k)³, with the five
    /// reciprocals 1/(x + k) and 1/z from one division, 1/(x(x + 1)(x + 2)(x + 3)z), times the other four factors (no
    /// cancellation: every term is positive); at z the asymptotic series ψ₁(z) = 1/z + 1/(2z²) + Σ B₂ₖ/z^{2k+1} to k = 4 and
    /// ψ₂(z) = −1/z² − 1/z³ − Σ (2k + 1) B₂ₖ/z^{2k+2} to k = 5 (DLMF 5.15.8 and its derivative; the Bernoulli numbers B₂ … B₁₀).
    /// Measured within 3.98e-7 (ψ₁) and 6.76e-7 (ψ₂) relative of the tests' double references on 20,010 floats in [1, 257]
    /// (PolygammaVectorTests), with and without FMA.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void TrigammaTetragammaSingle(VF x, bool withTetragamma, out VF trigamma, out VF tetragamma)
    {
        var one = O.Create(1.0f);
        var b = x + one;
        var c = x + O.Create(2.0f);
        var d = x + O.Create(3.0f);
        var z = x + O.Create((float)SingleShiftSteps);
        var ab = x * b;
        var cd = c * d;
        var abcd = ab * cd;
        var inverse = one / (abcd * z);          // below 2^128 for x ≤ 257: (262)^5 ≈ 1.2e12
        var rz = inverse * z;                     // 1/(x(x + 1)(x + 2)(x + 3))
        var w = inverse * abcd;                   // 1/z
        var ra = rz * (b * cd);
        var rb = rz * (x * cd);
        var rc = rz * (ab * d);
        var rd = rz * (ab * c);
        var ra2 = ra * ra;
        var rb2 = rb * rb;
        var rc2 = rc * rc;
        var rd2 = rd * rd;
        var w2 = w * w;
        var w3 = w2 * w;

        // T(v) = 1/6 − v/30 + v²/42 − v³/30 (B₂, B₄, B₆, B₈), v = 1/z²
        var series = O.MultiplyAddEstimate(
            O.MultiplyAddEstimate(O.MultiplyAddEstimate(w2, O.Create(-1.0f / 30), O.Create(1.0f / 42)), w2, O.Create(-1.0f / 30)),
            w2, O.Create(1.0f / 6));
        var shiftSum2 = (ra2 + rb2) + (rc2 + rd2);
        trigamma = O.MultiplyAddEstimate(w3, series, O.MultiplyAddEstimate(w2, O.Create(0.5f), w)) + shiftSum2;

        if (withTetragamma)
        {
            // Q(v) = 1/2 − v/6 + v²/6 − 3v³/10 + 5v⁴/6 ((2k + 1)B₂ₖ for k = 1 … 5)
            var v2 = w2 * w2;
            var low = O.MultiplyAddEstimate(w2, O.Create(-1.0f / 6), O.Create(0.5f));
            var high = O.MultiplyAddEstimate(w2, O.Create(-0.3f), O.Create(1.0f / 6));
            var q = O.MultiplyAddEstimate(v2, O.MultiplyAddEstimate(v2, O.Create(5.0f / 6), high), low);
            var shiftSum3 = O.MultiplyAddEstimate(ra2, ra, rb2 * rb) + O.MultiplyAddEstimate(rc2, rc, rd2 * rd);
            tetragamma = VF.Zero - (O.MultiplyAddEstimate(v2, q, w2 + w3) + (shiftSum3 + shiftSum3));
        }
        else
        {
            tetragamma = VF.Zero;
        }
    }

    /// <summary>
    /// The largest argument <see cref="TrigammaTetragammaSingle"/> is measured on: 257 (evidence up to
    /// <see cref="MaxNormKernel.SingleLanesMaxEvidence"/>, α = e + 1).
    /// </summary>
    internal const float SingleTrigammaHighest = 257.0f;

    /// <summary>
    /// Arguments in [1, this) take the unconditional shift of <see cref="UnconditionalShiftSteps"/> steps: 1e30. Below
    /// it, Π_{k&lt;9}(x + k) &lt; (1e30 + 8)^9 ≈ 1e270 stays finite (below 1e300). Every argument of an admissible EDL or max-norm call
    /// is in [1, 1e30) and takes it: the callers' arguments are α = e + 1 ≥ 1 and sums of them, the largest the
    /// Dirichlet strength, at most <see cref="FusedDirichlet.MaxClasses"/>·(<see cref="UL.MaxEvidence"/> + 1) &lt; 1.05e18.
    /// The exception is R-EDL's prior weight λ &lt; 1 (<see cref="UL.RelaxedEvidentialLoss"/>): a vector with an argument
    /// α = e + λ below 1 takes the per-lane shift (at most <see cref="MaxShiftSteps"/> steps).
    /// </summary>
    internal const double UnconditionalShiftLimit = 1e30;

    /// <summary>Steps of the unconditional shift: 9 = <see cref="Threshold"/>, so that z = x + 9 ≥ 9 for every x ≥ 0.</summary>
    internal const int UnconditionalShiftSteps = 9;

    /// <summary>
    /// The recurrence shift: z = x + n ≥ <see cref="Threshold"/> and P(t) = Π_{k&lt;n} (t + k) with its first
    /// <paramref name="order"/> derivatives at t = x. For x in [0, 1e30) the steps are <see cref="NineSteps"/> (z = x + 9 ≥ 9):
    /// no data-dependent branch while every lane is in [0, 1e30). Otherwise (a vector with a larger, negative or NaN lane)
    /// each lane in [0, 1e30) still gets the same 9 steps, bit for bit, and the others shift one step at a time while below
    /// the threshold: a lane's result never depends on the other lanes of its vector.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Shift(V x, int order, out V z,
        out V p0, out V p1, out V p2, out V p3)
    {
        var one = O.Create(1.0);
        NineSteps(x, order, out var z9, out var q0, out var q1, out var q2, out var q3);
        if (O.GreaterThanOrEqualAll(x, V.Zero) && O.LessThanAll(x, O.Create(UnconditionalShiftLimit)))
        {
            z = z9;
            p0 = q0;
            p1 = q1;
            p2 = q2;
            p3 = q3;

            // Lanes in [0, 1) (a concentration α = exp(logit) below 1, R-EDL's α = e + λ with λ < 1) end at z in [9, 10), where
            // the fitted remainders hold too (issue 18, twelfth session: with the threshold at 10 they took a tenth, masked
            // step, and R-EDL at λ = 0.1 paid 9% of its one-thread time at 4096 × 1000 for it).
            return;
        }

        // Lanes in [0, 1e30) start from the same nine steps as above; the others from x itself (P = 1). Then one step at a
        // time while below the threshold, at most MaxShiftSteps: a negative lane up to nine steps, and a lane still below the threshold
        // after them had a negative argument, which the callers reject before any computation: it is made NaN, so that no
        // value can make this loop run long (−1e30 + 1 == −1e30 would never reach the threshold). NaN lanes never enter.
        var inDomain = O.GreaterThanOrEqual<double>(x, V.Zero) & O.LessThan<double>(x, O.Create(UnconditionalShiftLimit));
        z = O.ConditionalSelect(inDomain, z9, x);
        p0 = O.ConditionalSelect(inDomain, q0, one);
        p1 = inDomain & q1;
        p2 = inDomain & q2;
        p3 = inDomain & q3;
        var threshold = O.Create(Threshold);
        var below = O.LessThan<double>(z, threshold);
        for (int step = 0; step < MaxShiftSteps && below != V.Zero; step++)
        {
            if (order >= 3)
                p3 = O.ConditionalSelect(below, Mad(p3, z, O.Create(3.0) * p2), p3);
            if (order >= 2)
                p2 = O.ConditionalSelect(below, Mad(p2, z, p1 + p1), p2);
            p1 = O.ConditionalSelect(below, Mad(p1, z, p0), p1);
            p0 = O.ConditionalSelect(below, p0 * z, p0);
            z = O.ConditionalSelect(below, z + one, z);
            below = O.LessThan<double>(z, threshold);
        }

        z = O.ConditionalSelect(below, O.Create(double.NaN), z);
    }

    /// <summary>
    /// The shift's first <see cref="UnconditionalShiftSteps"/> = 9 steps in closed form: z = x + 9, P(x) = Π_{k&lt;9}(x + k)
    /// and its first <paramref name="order"/> derivatives (<paramref name="p1"/> … <paramref name="p3"/>; 0 beyond the order),
    /// for x in [0, 1e30).
    /// </summary>
    /// <remarks>
    /// The factors pair up around the middle one: (x + k)(x + 8 − k) = y + k(8 − k) with y = x(x + 8), so
    /// P = (x + 4)·Q(y), Q(y) = y(y + 7)(y + 12)(y + 15) = y⁴ + 34y³ + 369y² + 1260y. Q and its y-derivatives are
    /// polynomials with positive coefficients, evaluated by Horner's rule at y ≥ 0 (no cancellation: a few roundings,
    /// as many as the nine products had); with u = dy/dx = 2(x + 4) the chain rule gives dQ/dx = Q′u,
    /// d²Q/dx² = Q″u² + 2Q′ and d³Q/dx³ = Q‴u³ + 6Q″u, and the product rule P⁽ⁿ⁾ = n·Q⁽ⁿ⁻¹⁾ + (x + 4)Q⁽ⁿ⁾. For order 2 that is
    /// 22 vector operations against the step-by-step recurrence's 45 (issue 18, eighth session). Overflow: at x &lt; 1e30,
    /// P &lt; 1e271 and its derivatives' terms below 1e300.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void NineSteps(V x, int order, out V z, out V p0, out V p1, out V p2, out V p3)
    {
        var middle = x + O.Create(4.0);                      // x + 4
        var y = x * (x + O.Create(8.0));                     // x(x + 8)
        var u = middle + middle;                             // dy/dx = 2x + 8
        var q = Mad(Mad(y + O.Create(34.0), y, O.Create(369.0)), y, O.Create(1260.0)) * y;
        var dq = Mad(Mad(Mad(y, O.Create(4.0), O.Create(102.0)), y, O.Create(738.0)), y, O.Create(1260.0));
        var q1 = dq * u;                                     // dQ/dx
        z = x + O.Create((double)UnconditionalShiftSteps);
        p0 = middle * q;
        p1 = Mad(middle, q1, q);
        p2 = V.Zero;
        p3 = V.Zero;
        if (order >= 2)
        {
            var d2q = Mad(Mad(y, O.Create(12.0), O.Create(204.0)), y, O.Create(738.0));
            var u2 = u * u;
            var q2 = Mad(d2q, u2, dq + dq);                  // d²Q/dx²
            p2 = Mad(middle, q2, q1 + q1);
            if (order >= 3)
            {
                var d3q = Mad(y, O.Create(24.0), O.Create(204.0));
                var q3 = Mad(d3q, u2 * u, O.Create(6.0) * d2q * u);   // d³Q/dx³
                p3 = Mad(middle, q3, O.Create(3.0) * q2);
            }
        }
    }

    /// <summary>
    /// The most recurrence steps <see cref="Shift"/> takes: 9 = ⌈<see cref="Threshold"/>⌉, enough to bring any x ≥ 0
    /// to z ≥ 9. A lane still below the threshold after them had a negative argument and is made NaN.
    /// </summary>
    internal const int MaxShiftSteps = 9;

    /// <summary>
    /// L(v) = (ln Γ(z) − (z − ½) ln z + z − ½ ln 2π)·z at v = 1/z² in [0, 1/81] (z ≥ <see cref="Threshold"/>), so that
    /// ln Γ(z) = (z − ½) ln z − z + ½ ln 2π + L/z: a polynomial of degree 4 fitted on that interval, worst error 9.8e-16
    /// absolute (ln Γ(z) within 1.1e-16). Stirling's series, 1/12 − v/360 + v²/1260 − … (DLMF 5.11.1), took eight terms
    /// at z ≥ 10; a fit on the interval needs five (issue 18, twelfth session). Coefficients and error:
    /// UncertaintyLoss.Tests/Data/generate_stirling_remainders.py (mpmath's Chebyshev fit at 60 digits, each coefficient
    /// rounded once to double).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V LgammaRemainder(V v) =>
        Poly5(v, 0.08333333333333236, -0.002777777773835613, 0.0007936482284487534, -0.0005946509062894352, 0.0007862580161913617);

    /// <summary>
    /// D(v) = (ln z − 1/(2z) − ψ(z))·z² at v = 1/z² in [0, 1/81], so that ψ(z) = ln z − 1/(2z) − D/z²: degree 4, worst
    /// error 1.1e-14 absolute (ψ(z) within 1.3e-16); the series 1/12 − v/120 + v²/252 − … (DLMF 5.11.2) took eight terms. As
    /// <see cref="LgammaRemainder"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V DigammaRemainder(V v) =>
        Poly5(v, 0.08333333333332282, -0.008333333290717527, 0.003968226217120737, -0.004160303793381513, 0.006972203883347528);

    /// <summary>
    /// T(v) = (ψ₁(z) − 1/z − 1/(2z²))·z³ at v = 1/z² in [0, 1/81], so that ψ₁(z) = 1/z + 1/(2z²) + T/z³: degree 5, worst
    /// error 1.6e-15 absolute (ψ₁(z) within 2.2e-18); the series 1/6 − v/30 + v²/42 − … took eight terms. As
    /// <see cref="LgammaRemainder"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V TrigammaRemainder(V v) =>
        Poly6(v, 0.16666666666666505, -0.03333333332380575, 0.02380951476002184, -0.03333017263803443, 0.0752537148001284,
            -0.21522361929452202);

    /// <summary>
    /// Q(v) = (−ψ₂(z) − 1/z² − 1/z³)·z⁴ at v = 1/z² in [0, 1/81], so that ψ₂(z) = −1/z² − 1/z³ − Q/z⁴: degree 5, worst error
    /// 2.4e-14 absolute (ψ₂(z) within 3.6e-18); the series 1/2 − v/6 + v²/6 − 3v³/10 + … (ψ₁'s derivative term by term)
    /// took eight terms and was within 9.5e-14 of Q at z ≥ 10. As <see cref="LgammaRemainder"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V TetragammaRemainder(V v) =>
        Poly6(v, 0.4999999999999762, -0.1666666665275427, 0.16666653443636167, -0.2999537528866088, 0.8259413593133668,
            -2.731448920010173);

    /// <summary>c0 + c1·v + … + c4·v⁴ by Estrin's scheme: independent pairs joined by v² and v⁴ (fewer levels of
    /// multiply-adds than Horner's chain). The element functions are bound by their dependency chains, not by the number
    /// of operations (issue 18, eighth session: Estrin's scheme took the KL's element function from 1.57 to 1.32 ns at 512
    /// bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Poly5(V v, double c0, double c1, double c2, double c3, double c4)
    {
        var v2 = v * v;
        var a = Mad(v, O.Create(c1), O.Create(c0));
        var b = Mad(v, O.Create(c3), O.Create(c2));
        return Mad(v2 * v2, O.Create(c4), Mad(v2, b, a));
    }

    /// <summary>c0 + c1·v + … + c5·v⁵ by Estrin's scheme, as <see cref="Poly5"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Poly6(V v, double c0, double c1, double c2, double c3, double c4, double c5)
    {
        var v2 = v * v;
        var a = Mad(v, O.Create(c1), O.Create(c0));
        var b = Mad(v, O.Create(c3), O.Create(c2));
        var c = Mad(v, O.Create(c5), O.Create(c4));
        return Mad(v2 * v2, c, Mad(v2, b, a));
    }

    /// <summary>Whether <see cref="Mad"/> is one fused operation on this machine (x86 FMA3 with <see cref="Vector{T}"/>
    /// accelerated, or Arm64); the accuracy tests' bounds for two functions depend on it.</summary>
    internal static bool MadIsFused =>
        O.IsHardwareAccelerated && (System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported);

    /// <summary>a·b + c, fused where the hardware has a vector FMA (x86 FMA3, every Arm64), else a multiplication and an
    /// addition (<see cref="Vector.MultiplyAddEstimate(Vector{double}, Vector{double}, Vector{double})"/>: never the slow
    /// software emulation of an exact fused operation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static V Mad(V a, V b, V c) =>
        O.MultiplyAddEstimate(a, b, c);

    /// <summary>
    /// Natural logarithm of positive, normal doubles. Algorithm: x = 2^e·m with m in [√½, √2); ln m = 2 atanh(s),
    /// s = (m − 1)/(m + 1), |s| ≤ 0.1716, by its Taylor series to s²¹ (truncation below 1e-17 relative); then
    /// e·ln 2 is added in two parts. NaN and +∞ lanes are returned unchanged.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static V Log(V x)
    {
        var bits = x.As<double, ulong>();
        // Exponent as a double: put the 11 exponent bits in the fraction of 2^52 and subtract 2^52 + the bias.
        var exponentBits = O.ShiftRightLogical(bits, FractionBits) | O.Create(TwoPow52Bits);
        var e = exponentBits.As<ulong, double>() - O.Create(TwoPow52PlusBias);
        var m = ((bits & O.Create(FractionMask)) | O.Create(OneBits)).As<ulong, double>();
        var high = O.GreaterThan<double>(m, O.Create(Sqrt2));
        m = O.ConditionalSelect(high, m * O.Create(0.5), m);
        e += high & O.Create(1.0);

        var one = O.Create(1.0);
        var s = (m - one) / (m + one);
        var s2 = s * s;
        // 1/3 + s²/5 + … + s¹⁸/21 by Estrin's scheme (shorter dependency chains than Horner's rule). TwiceAtanh is the same
        // series; it is not called here: with that one more level of inlining the JIT's inliner ran out of budget in the
        // evidential kernel (DOTNET_JitDisasm showed Mad called, not inlined, in its loop), which got 15% slower (issue 18,
        // fifth session, a throwaway timing loop).
        var s4 = s2 * s2;
        var s8 = s4 * s4;
        var q0 = Mad(s2, O.Create(1.0 / 5), O.Create(1.0 / 3));
        var q1 = Mad(s2, O.Create(1.0 / 9), O.Create(1.0 / 7));
        var q2 = Mad(s2, O.Create(1.0 / 13), O.Create(1.0 / 11));
        var q3 = Mad(s2, O.Create(1.0 / 17), O.Create(1.0 / 15));
        var q4 = Mad(s2, O.Create(1.0 / 21), O.Create(1.0 / 19));
        var r0 = Mad(s4, q1, q0);
        var r1 = Mad(s4, q3, q2);
        var p = Mad(s8, Mad(s8, q4, r1), r0);
        var lnM = Mad(s * s2, p, s);                       // atanh(s) = s + s³/3 + …
        lnM += lnM;
        var result = Mad(e, O.Create(Ln2High), Mad(e, O.Create(Ln2Low), lnM));
        return O.ConditionalSelect(O.LessThan<double>(x, O.Create(double.PositiveInfinity)), result, x);
    }

    /// <summary>
    /// 2 atanh(s) = ln((1 + s)/(1 − s)) for |s| ≤ 3 − 2√2 ≈ 0.1716 (<see cref="Log"/>'s reduced argument), by the Taylor
    /// series s + s³/3 + … + s²¹/21 (truncation below 1e-17 relative): <see cref="Log"/>'s series, which it keeps inline
    /// (the comment there says why).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V TwiceAtanh(V s)
    {
        var s2 = s * s;
        // 1/3 + s²/5 + … + s¹⁸/21 by Estrin's scheme (shorter dependency chains than Horner's rule).
        var s4 = s2 * s2;
        var s8 = s4 * s4;
        var q0 = Mad(s2, O.Create(1.0 / 5), O.Create(1.0 / 3));
        var q1 = Mad(s2, O.Create(1.0 / 9), O.Create(1.0 / 7));
        var q2 = Mad(s2, O.Create(1.0 / 13), O.Create(1.0 / 11));
        var q3 = Mad(s2, O.Create(1.0 / 17), O.Create(1.0 / 15));
        var q4 = Mad(s2, O.Create(1.0 / 21), O.Create(1.0 / 19));
        var r0 = Mad(s4, q1, q0);
        var r1 = Mad(s4, q3, q2);
        var p = Mad(s8, Mad(s8, q4, r1), r0);
        var atanh = Mad(s * s2, p, s);                     // atanh(s) = s + s³/3 + …
        return atanh + atanh;
    }

    /// <summary>
    /// √2 − 1: <see cref="Log1pOfUnit"/> takes 1 + t above √2 as 2·(1 + t)/2, as <see cref="Log"/> halves a significand
    /// above √2, so that its reduced argument stays within ±(3 − 2√2).
    /// </summary>
    internal const double Sqrt2Minus1 = 0.41421356237309503;

    /// <summary>
    /// ln(1 + t) and 1/(1 + t) for t in [0, 1] (softplus's ln(1 + e^−|x|) and sigmoid, <see cref="ActivationKernel"/>), with
    /// one division for both. Algorithm: 1 + t = 2^k·m with k = 0, m = 1 + t for t ≤ √2 − 1 and k = 1, m = (1 + t)/2 above,
    /// so that s = (m − 1)/(m + 1) is t/(2 + t) or (t − 1)/(t + 3) (no cancellation: t is exact in both, and t − 1 loses
    /// at most its last bit), |s| ≤ 3 − 2√2; ln(1 + t) = k ln 2 + 2 atanh(s) (<see cref="Log"/>'s series). For small t,
    /// s ≈ t/2 keeps t's relative accuracy. One division, 1/((t + 2 or t + 3)(1 + t)), gives both s and 1/(1 + t): a few
    /// roundings more than two divisions (measured within 3.5e-16 relative, UncertaintyLoss.Tests/Fused/PolygammaVectorTests.cs).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static V Log1pOfUnit(V t, out V reciprocalOfOnePlus)
    {
        var one = O.Create(1.0);
        var u = one + t;
        var high = O.GreaterThan<double>(t, O.Create(Sqrt2Minus1));
        var numerator = O.ConditionalSelect(high, t - one, t);
        var denominator = t + O.ConditionalSelect(high, O.Create(3.0), O.Create(2.0));
        var inverse = one / (denominator * u);
        reciprocalOfOnePlus = inverse * denominator;
        var lnM = TwiceAtanh(numerator * u * inverse);
        return lnM + (high & O.Create(Ln2));
    }

    /// <summary>log₂ e rounded to double: x·log₂ e is the power of two nearest to eˣ's.</summary>
    internal const double Log2E = 1.4426950408889634;

    /// <summary>1.5·2^52: added to a double of magnitude below 2^51 it rounds it to an integer k (round to nearest even)
    /// held in the low bits of the sum's significand, so that k + bias shifted up 52 bits is the double 2^k.</summary>
    internal const double RoundingShifter = 6755399441055744.0;

    /// <summary>The lowest argument of <see cref="Exp"/>: −708, where 2^k (k = −1021) is still a normal double.</summary>
    internal const double ExpLowest = -708.0;

    /// <summary>The highest argument of <see cref="Exp"/>: 709, where e^709 ≈ 8.2e307 is still finite.</summary>
    internal const double ExpHighest = 709.0;

    /// <summary>
    /// eˣ for x in [<see cref="ExpLowest"/>, <see cref="ExpHighest"/>] (arguments outside are clamped to it: the evidence
    /// activation's inputs that reach the kernel give at most <see cref="UL.MaxEvidence"/> = e^27.6). Algorithm: x = k·ln 2 + r
    /// with k = round(x·log₂ e) and r = x − k·ln 2 in two parts (Cody and Waite, with fdlibm's <see cref="Ln2High"/> and
    /// <see cref="Ln2Low"/>), |r| ≤ ½ ln 2; e^r by its Taylor polynomial to r¹³ (truncation (½ ln 2)¹⁴/14! &lt; 6e-18
    /// relative), summed by Estrin's scheme (short dependency chains, which matters without FMA); then scaled by 2^k built
    /// from its bits. Measured within 4.3e-16 relative (two ulps) of <see cref="System.Math.Exp(double)"/> (UncertaintyLoss.Tests/Fused/PolygammaVectorTests.cs).
    /// NaN lanes give a number (the callers select NaN inputs through themselves).
    /// <see cref="Vector.Exp(Vector{double})"/> is not used: in a throwaway single-threaded loop on this project's 2-vCPU
    /// machine with AVX2 (2026-12-03, not kept) it took 4.5 ns per element against 0.8 ns for this one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static V Exp(V x) => ExpInDomain(O.MinNative(O.MaxNative(x, O.Create(ExpLowest)), O.Create(ExpHighest)));

    /// <summary><see cref="Exp"/> for x already in [<see cref="ExpLowest"/>, <see cref="ExpHighest"/>] (a caller that clamps
    /// anyway folds the domain into its own bounds: <see cref="ActivationKernel.Apply"/>); outside it 2^k is wrong.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static V ExpInDomain(V x)
    {
        var shifted = Mad(x, O.Create(Log2E), O.Create(RoundingShifter));
        var k = shifted - O.Create(RoundingShifter);
        var r = Mad(k, O.Create(-Ln2High), x);
        r = Mad(k, O.Create(-Ln2Low), r);
        var r2 = r * r;
        var r4 = r2 * r2;
        var r8 = r4 * r4;
        // Σ rⁱ/i! for i ≤ 13, Estrin's scheme: pairs, then pairs of pairs.
        var q0 = Mad(r, O.Create(1.0), O.Create(1.0));
        var q1 = Mad(r, O.Create(1.0 / 6), O.Create(1.0 / 2));
        var q2 = Mad(r, O.Create(1.0 / 120), O.Create(1.0 / 24));
        var q3 = Mad(r, O.Create(1.0 / 5040), O.Create(1.0 / 720));
        var q4 = Mad(r, O.Create(1.0 / 362880), O.Create(1.0 / 40320));
        var q5 = Mad(r, O.Create(1.0 / 39916800), O.Create(1.0 / 3628800));
        var q6 = Mad(r, O.Create(1.0 / 6227020800), O.Create(1.0 / 479001600));
        var s0 = Mad(r2, q1, q0);
        var s1 = Mad(r2, q3, q2);
        var s2 = Mad(r2, q5, q4);
        var t0 = Mad(r4, s1, s0);
        var t1 = Mad(r4, q6, s2);
        var p = Mad(r8, t1, t0);
        // 2^k: the shifted sum's low bits hold k; add the exponent bias and move it to the exponent field.
        var scale = O.ShiftLeft(shifted.As<double, ulong>() + O.Create(1023UL), FractionBits);
        return p * scale.As<ulong, double>();
    }

    /// <summary>The lowest argument of <see cref="ExpSingle"/>: −87.3, where 2^k (k = −126) is still a normal float.</summary>
    internal const float ExpSingleLowest = -87.3f;

    /// <summary>The highest argument of <see cref="ExpSingle"/>: 88, where 2^k (k = 127) is still finite (e^88 ≈ 1.7e38).</summary>
    internal const float ExpSingleHighest = 88.0f;

    /// <summary>The high part of ln 2 for single precision (Cephes' <c>expf.c</c> C1): 0.693359375 = 355/512, whose product with
    /// any |k| ≤ 128 is exact in float.</summary>
    internal const float Ln2HighSingle = 0.693359375f;

    /// <summary>ln 2 − <see cref="Ln2HighSingle"/>, rounded to float (Cephes' <c>expf.c</c> C2, −2.12194440e-4).</summary>
    internal const float Ln2LowSingle = -2.12194440e-4f;

    /// <summary>1.5·2^23: added to a float of magnitude below 2^22 it rounds it to an integer k held in the low bits of the
    /// sum's significand (the single-precision <see cref="RoundingShifter"/>).</summary>
    internal const float RoundingShifterSingle = 12582912.0f;

    /// <summary>
    /// eˣ in single precision, on twice the lanes of <see cref="Exp"/>: the evidence of Float32 logits (issue 18, eleventh
    /// session: the float32 lanes where the Float32 contract allows; accuracy.md, "Float32 lanes"). For x in
    /// [<see cref="ExpSingleLowest"/>, <see cref="ExpSingleHighest"/>] (the callers clamp). Algorithm as <see cref="Exp"/>'s,
    /// in float: k = round(x·log₂ e), r = x − k·ln 2 in two parts, |r| ≤ ½ ln 2, e^r by its Taylor polynomial to r⁷
    /// (truncation (½ ln 2)⁸/8! &lt; 7.5e-9 relative, below float's half ulp) by Estrin's scheme, scaled by 2^k from its bits.
    /// Measured within 2.4e-7 relative (two float ulps) of <see cref="System.Math.Exp(double)"/> (PolygammaVectorTests); torch's
    /// float exp, which the two-step form applies, is within one ulp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static VF ExpSingle(VF x)
    {
        var shifted = O.MultiplyAddEstimate(x, O.Create((float)Log2E), O.Create(RoundingShifterSingle));
        var k = shifted - O.Create(RoundingShifterSingle);
        var r = O.MultiplyAddEstimate(k, O.Create(-Ln2HighSingle), x);
        r = O.MultiplyAddEstimate(k, O.Create(-Ln2LowSingle), r);
        var r2 = r * r;
        var r4 = r2 * r2;
        var q0 = r + O.Create(1.0f);
        var q1 = O.MultiplyAddEstimate(r, O.Create(1.0f / 6), O.Create(0.5f));
        var q2 = O.MultiplyAddEstimate(r, O.Create(1.0f / 120), O.Create(1.0f / 24));
        var q3 = O.MultiplyAddEstimate(r, O.Create(1.0f / 5040), O.Create(1.0f / 720));
        var p = O.MultiplyAddEstimate(r4, O.MultiplyAddEstimate(r2, q3, q2), O.MultiplyAddEstimate(r2, q1, q0));
        var scale = O.ShiftLeft(shifted.As<float, uint>() + O.Create(127u), 23);
        return p * scale.As<uint, float>();
    }

    /// <summary>
    /// ln(1 + x) for x ≥ 0 (the fused log-likelihood risk's ln(1 + Ŝ/α_t)), accurate also where x is far below 1.
    /// Algorithm: u = fl(1 + x) and ln(1 + x) = ln u + ln(1 + d/u) with d = x − (u − 1), the rounding error of u; the
    /// first-order term d/u is added and the rest, below (d/u)²/2 ≤ 2⁻¹⁰⁷, dropped. For u ≤ 2, u − 1 and x − (u − 1) are
    /// exact (Sterbenz), so the result has <see cref="Log"/>'s relative accuracy however small x is; for u &gt; 2,
    /// ln u ≥ ln 2 and the correction is below one ulp of it. NaN lanes give NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static V Log1p(V x)
    {
        var u = O.Create(1.0) + x;
        return Log(u) + (x - (u - O.Create(1.0))) / u;
    }
}
