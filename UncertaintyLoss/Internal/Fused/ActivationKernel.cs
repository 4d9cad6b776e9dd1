using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using V = System.Numerics.Vector<double>;
using VF = System.Numerics.Vector<float>;
using O = System.Numerics.Vector;

namespace UncertaintyLoss.Internal.Fused;

/// <summary>
/// The evidence activations of the <c>…WithLogits</c> functions inside the fused pass (<see cref="UL.ToEvidence"/>'s
/// formulas, in double precision, one <see cref="Vector{T}"/> of doubles at a time; Exp of Float32 logits with a clamp up
/// to <see cref="SingleLanesMaxClamp"/> in float lanes), with their derivatives for the chain rule: ∂loss/∂x = ∂loss/∂e · e′(x).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="EvidenceActivation.Exp"/>: e = exp(clamp(x, −c, c)); e′ = e for −c ≤ x ≤ c, else 0 (the gradient of
/// <c>torch.clamp</c>, which passes the gradient at the bounds). exp is <see cref="PolygammaVector.Exp"/>.</item>
/// <item><see cref="EvidenceActivation.Softplus"/>: e = x above the threshold t (20 for Float32 input, 40 for Float64, as
/// <see cref="UL.ToEvidence"/>), else ln(1 + eˣ); e′ = 1 above t, else eˣ/(1 + eˣ) (<c>softplus_backward</c>'s formula).</item>
/// <item><see cref="EvidenceActivation.Relu"/>: e = max(x, 0); e′ = 1 for x &gt; 0, else 0.</item>
/// </list>
/// NaN inputs give NaN evidence, as the composed activations do (which then gives a NaN loss).
/// </remarks>
internal static class ActivationKernel
{
    /// <summary>libtorch's softplus threshold for Float32 input (its default, 20), above which softplus(x) is x.</summary>
    internal const double SoftplusThresholdFloat32 = 20.0;

    /// <summary><see cref="UL.ToEvidence"/>'s softplus threshold for Float64 input, 40: there ln(1 + eˣ) − x &lt; 5e-18,
    /// below Float64's resolution at 40 (see the comment in <see cref="UL.ToEvidence"/>).</summary>
    internal const double SoftplusThresholdFloat64 = 40.0;

    /// <summary>
    /// The largest clamp for which <see cref="EvidenceActivation.Exp"/> of Float32 logits runs in float lanes
    /// (<see cref="ExpSingleLanes"/>): 10, every loss's default. The evidence then carries float rounding, as the two-step
    /// form's does, which the evidential losses amplify where a position is saturated (few classes, logits at the clamp).
    /// Measured against the Float64 path on the same logits (C = 2 … 1000, logits N(0, s²) with s up to 100; the explicit
    /// test <c>Float32Lanes_ErrorByClamp_Table</c>, 2026-12-05): at clamp 10, losses within 8.9e-7 and gradients within
    /// 1.5e-7 of their largest element; the two-step form's losses reach 3.6e-5 at clamp 12 and 1.9e-3 at 14, beyond the
    /// Float32 contract of 1e-5, so above 10 the evidence is computed in double (accuracy.md, "Float32 lanes").
    /// </summary>
    internal const double SingleLanesMaxClamp = 10.0;

    /// <summary>The softplus threshold for input of <paramref name="dtype"/>.</summary>
    internal static double SoftplusThreshold(torch.ScalarType dtype) =>
        dtype == torch.ScalarType.Float64 ? SoftplusThresholdFloat64 : SoftplusThresholdFloat32;

    /// <summary>
    /// The evidence of one input value x, rounded to <paramref name="dtype"/> as the composed activation computes it: the
    /// validation maps the input's minimum and maximum through it (every activation is non-decreasing), so that the
    /// fused path rejects exactly the inputs whose composed evidence is out of range (+∞ in Float32 included).
    /// </summary>
    internal static double Scalar(double x, EvidenceActivation activation, double clamp, torch.ScalarType dtype)
    {
        double e = activation switch
        {
            EvidenceActivation.Exp => Math.Exp(Math.Clamp(x, -clamp, clamp)),
            EvidenceActivation.Softplus => x > SoftplusThreshold(dtype) ? x : Math.Log(1 + Math.Exp(x)),
            EvidenceActivation.Relu => x > 0 ? x : (double.IsNaN(x) ? x : 0.0),
            _ => x,
        };
        return dtype == torch.ScalarType.Float32 ? (float)e : e;
    }

    /// <summary>
    /// Replaces <paramref name="values"/>[0 … <paramref name="count"/>) (a multiple of <see cref="Vector{T}"/>'s Count) by
    /// their evidence, and writes e′ to <paramref name="derivative"/> when it is not null. With <paramref name="single"/>
    /// (the values are Float32 logits, widened) <see cref="EvidenceActivation.Exp"/> with a clamp up to
    /// <see cref="SingleLanesMaxClamp"/> runs in float lanes (<see cref="ExpSingleLanes"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
    internal static void Apply(double[] values, double[]? derivative, int count, EvidenceActivation activation, double clamp, double softplusThreshold,
        bool single = false)
    {
        if (single && activation == EvidenceActivation.Exp && clamp <= SingleLanesMaxClamp)
        {
            ExpSingleLanes(values, derivative, count, clamp);
            return;
        }

        bool withDerivative = derivative is not null;
        var zero = V.Zero;
        var one = O.Create(1.0);
        switch (activation)
        {
            case EvidenceActivation.Exp:
            {
                var lo = O.Create(-clamp);
                var hi = O.Create(clamp);
                // The clamp and Exp's domain in one (min and max compose): a logit inside the clamp but outside the domain (a
                // clamp above 708) gives the same value as Exp's own clamp gives. One loop with and one without the
                // derivative, the arrays' references outside them (issue 18, eleventh session: no test, branch or bounds
                // check per vector).
                var lowest = O.Create(Math.Max(-clamp, PolygammaVector.ExpLowest));
                var highest = O.Create(Math.Min(clamp, PolygammaVector.ExpHighest));
                ref double v = ref MemoryMarshal.GetArrayDataReference(values);
                if (withDerivative)
                {
                    ref double d = ref MemoryMarshal.GetArrayDataReference(derivative!);
                    for (int k = 0; k < count; k += V.Count)
                    {
                        var x = O.LoadUnsafe(ref v, (nuint)k);
                        var e = ClampedExp(x, lowest, highest);
                        e.StoreUnsafe(ref v, (nuint)k);
                        var inside = O.GreaterThanOrEqual<double>(x, lo) & O.LessThanOrEqual<double>(x, hi);
                        (e & inside).StoreUnsafe(ref d, (nuint)k);
                    }
                }
                else
                {
                    for (int k = 0; k < count; k += V.Count)
                    {
                        var x = O.LoadUnsafe(ref v, (nuint)k);
                        ClampedExp(x, lowest, highest).StoreUnsafe(ref v, (nuint)k);
                    }
                }

                break;
            }

            case EvidenceActivation.Softplus:
            {
                // ln(1 + eˣ) = max(x, 0) + ln(1 + t) and its derivative eˣ/(1 + eˣ) = (x ≥ 0 ? 1 : t)/(1 + t), t = e^−|x| in
                // (0, 1]: one exp, and one division for the logarithm and the derivative (issue 18, fifth session; it was
                // ln(1 + eˣ) by the general logarithm and a second division).
                var threshold = O.Create(softplusThreshold);
                for (int k = 0; k < count; k += V.Count)
                {
                    var x = O.LoadUnsafe(ref values[0], (nuint)k);
                    var t = PolygammaVector.Exp(V.Zero - O.Abs(x));   // NaN lanes are selected back below
                    var log1p = PolygammaVector.Log1pOfUnit(t, out var reciprocal);
                    var above = O.GreaterThan<double>(x, threshold);
                    var e = O.ConditionalSelect(above, x, O.MaxNative(x, zero) + log1p);
                    e = O.ConditionalSelect(O.Equals<double>(x, x), e, x);
                    e.StoreUnsafe(ref values[0], (nuint)k);
                    if (withDerivative)
                    {
                        var sigmoid = O.ConditionalSelect(O.GreaterThanOrEqual<double>(x, zero), one, t) * reciprocal;
                        O.ConditionalSelect(above, one, sigmoid).StoreUnsafe(ref derivative![0], (nuint)k);
                    }
                }

                break;
            }

            case EvidenceActivation.Relu:
            {
                for (int k = 0; k < count; k += V.Count)
                {
                    var x = O.LoadUnsafe(ref values[0], (nuint)k);
                    var positive = O.GreaterThan<double>(x, zero);
                    var e = O.ConditionalSelect(positive | ~O.Equals<double>(x, x), x, zero);
                    e.StoreUnsafe(ref values[0], (nuint)k);
                    if (withDerivative)
                        (one & positive).StoreUnsafe(ref derivative![0], (nuint)k);
                }

                break;
            }
        }
    }

    /// <summary>
    /// <see cref="EvidenceActivation.Exp"/> for Float32 logits (widened to double in <paramref name="values"/>): narrowed back to
    /// float (exact), clamped to [−clamp, clamp] rounded to float (as <c>torch.clamp</c> rounds its bounds to the tensor's
    /// dtype), e = <see cref="PolygammaVector.ExpSingle"/> on twice the lanes of the double path, widened again (exact). The
    /// evidence carries float rounding (two ulps at most), as the two-step form's does (issue 18, eleventh session;
    /// accuracy.md, "Float32 lanes"). NaN lanes give NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
    private static void ExpSingleLanes(double[] values, double[]? derivative, int count, double clamp)
    {
        var bounds = new SingleBounds(clamp);
        ref double v = ref MemoryMarshal.GetArrayDataReference(values);
        ref double d = ref derivative is null ? ref v : ref MemoryMarshal.GetArrayDataReference(derivative);
        int k = 0;
        for (; k + 2 * V.Count <= count; k += 2 * V.Count)
        {
            var x = O.Narrow(O.LoadUnsafe(ref v, (nuint)k), O.LoadUnsafe(ref v, (nuint)(k + V.Count)));
            StoreSingleEvidence(x, bounds, ref v, ref d, derivative is not null, k, upper: true);
        }

        if (k < count)
        {
            // One double vector left: the same operations with zeros in the upper half.
            var x = O.Narrow(O.LoadUnsafe(ref v, (nuint)k), V.Zero);
            StoreSingleEvidence(x, bounds, ref v, ref d, derivative is not null, k, upper: false);
        }
    }

    /// <summary>
    /// <see cref="ExpSingleLanes"/> reading the Float32 logits where they are stored (the row kernel's input, issue 18,
    /// thirteenth session): e and e′ of <paramref name="source"/>[0 … <paramref name="count"/>) into
    /// <paramref name="values"/> and <paramref name="derivative"/>, and of 0 (e = e′ = 1) from <paramref name="count"/> up to
    /// <paramref name="padded"/> (a multiple of V.Count), as <see cref="Apply"/> gives after the row is widened and padded
    /// with zeros: the same operations on the same floats, without the widened copy's store and reload.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
    internal static void ExpFromSingle(ReadOnlySpan<float> source, int count, double[] values, double[]? derivative, int padded,
        double clamp)
    {
        var bounds = new SingleBounds(clamp);
        ref float x0 = ref MemoryMarshal.GetReference(source);
        ref double v = ref MemoryMarshal.GetArrayDataReference(values);
        ref double d = ref derivative is null ? ref v : ref MemoryMarshal.GetArrayDataReference(derivative);
        int k = 0;
        for (; k + VF.Count <= count; k += VF.Count)
            StoreSingleEvidence(O.LoadUnsafe(ref x0, (nuint)k), bounds, ref v, ref d, derivative is not null, k, upper: true);

        if (k < padded)
        {
            // The last logits and the padding's zeros in one float vector; its upper half only where it lies below padded.
            Span<float> last = stackalloc float[VF.Count];
            last.Clear();
            source[k..count].CopyTo(last);
            StoreSingleEvidence(O.LoadUnsafe(ref MemoryMarshal.GetReference(last)), bounds, ref v, ref d,
                derivative is not null, k, upper: k + V.Count < padded);
        }
    }

    /// <summary>
    /// e = <see cref="SingleEvidence"/> of the float lanes <paramref name="x"/>, widened into values[k …] (<paramref name="v"/>),
    /// and with <paramref name="withDerivative"/> e′ (e where −clamp ≤ x ≤ clamp, else 0) into derivative[k …]
    /// (<paramref name="d"/>): the lower half, and the upper half from k + V.Count when <paramref name="upper"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreSingleEvidence(VF x, in SingleBounds bounds, ref double v, ref double d, bool withDerivative, int k, bool upper)
    {
        var e = SingleEvidence(x, bounds.Lowest, bounds.Highest);
        O.WidenLower(e).StoreUnsafe(ref v, (nuint)k);
        if (upper)
            O.WidenUpper(e).StoreUnsafe(ref v, (nuint)(k + V.Count));
        if (withDerivative)
        {
            var slope = e & InsideSingle(x, bounds.Lo, bounds.Hi);
            O.WidenLower(slope).StoreUnsafe(ref d, (nuint)k);
            if (upper)
                O.WidenUpper(slope).StoreUnsafe(ref d, (nuint)(k + V.Count));
        }
    }

    /// <summary>The float lanes' bounds of Exp with a clamp: ±clamp rounded to float (as <c>torch.clamp</c> rounds its bounds
    /// to the tensor's dtype) for e′, and the same bounds inside <see cref="PolygammaVector.ExpSingle"/>'s domain for e.</summary>
    private readonly struct SingleBounds(double clamp)
    {
        internal readonly VF Lo = O.Create(-(float)clamp);
        internal readonly VF Hi = O.Create((float)clamp);
        internal readonly VF Lowest = O.Create(Math.Max(-(float)clamp, PolygammaVector.ExpSingleLowest));
        internal readonly VF Highest = O.Create(Math.Min((float)clamp, PolygammaVector.ExpSingleHighest));
    }

    /// <summary>The lanes with −clamp ≤ x ≤ clamp, in float (the gradient of <c>torch.clamp</c> passes at the bounds).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static VF InsideSingle(VF x, VF lo, VF hi) => O.GreaterThanOrEqual<float>(x, lo) & O.LessThanOrEqual<float>(x, hi);

    /// <summary>e^clamp(x) in float lanes, the bounds inside <see cref="PolygammaVector.ExpSingle"/>'s domain; NaN lanes give NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static VF SingleEvidence(VF x, VF lowest, VF highest)
    {
        var e = PolygammaVector.ExpSingle(O.MinNative(O.MaxNative(x, lowest), highest));
        return O.ConditionalSelect(O.Equals<float>(x, x), e, x);
    }

    /// <summary>e^clamp(x) with the bounds <paramref name="lowest"/> and <paramref name="highest"/> inside Exp's domain; NaN
    /// lanes give NaN (MinNative and MaxNative do not propagate it: selected back).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V ClampedExp(V x, V lowest, V highest)
    {
        var e = PolygammaVector.ExpInDomain(O.MinNative(O.MaxNative(x, lowest), highest));
        return O.ConditionalSelect(O.Equals<double>(x, x), e, x);
    }

    /// <summary>Multiplies <paramref name="gradient"/>[0 … <paramref name="count"/>) by <paramref name="derivative"/>
    /// element by element: the chain rule from ∂loss/∂e to ∂loss/∂x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
    internal static void Chain(double[] gradient, double[] derivative, int count)
    {
        for (int k = 0; k < count; k += V.Count)
        {
            (O.LoadUnsafe(ref gradient[0], (nuint)k) * O.LoadUnsafe(ref derivative[0], (nuint)k))
                .StoreUnsafe(ref gradient[0], (nuint)k);
        }
    }
}
