using System;
using System.Globalization;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace UncertaintyLoss.Internal;

/// <summary>
/// Preconditions shared by every public function. Shape, dtype, device and option checks read tensor
/// metadata only and run before any computation; value checks (negative evidence, class indices out
/// of range) need one reduction and one transfer of a few numbers to the host, and run before the loss.
/// Messages are invariant-culture and name the argument.
/// </summary>
internal static class Check
{
    internal static string Shape(long[] shape) => "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    internal static string Shape(Tensor t) => Shape(t.shape);

    private static string Inv(FormattableString s) => FormattableString.Invariant(s);

    internal static bool IsFloating(ScalarType t) =>
        t is ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16 or ScalarType.BFloat16;

    internal static bool IsInteger(ScalarType t) =>
        t is ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte;

    /// <summary>Evidence (or logits): not null, floating point, shape (N, C, d1..dk) with C at least 2.</summary>
    internal static void Evidence(Tensor? evidence, string name)
    {
        if (evidence is null)
            throw new ArgumentNullException(name);
        if (evidence.IsInvalid)
            throw new ArgumentException("The tensor has been disposed.", name);
        if (evidence.dim() < 2)
            throw new ArgumentException(Inv($"Expected {name} of shape (N, C, d1..dk) with at least 2 dimensions, but received shape {Shape(evidence)}."), name);
        if (!IsFloating(evidence.dtype))
            throw new ArgumentException(Inv($"Expected {name} to be a floating-point tensor (Float32, Float64, Float16 or BFloat16), but received {evidence.dtype}. Convert it with .to(ScalarType.Float32) or apply an evidence activation such as UL.ClampedExp."), name);
        if (evidence.shape[1] < 2)
            throw new ArgumentException(Inv($"Expected {name} to have at least 2 classes in dimension 1, but received shape {Shape(evidence)}."), name);
    }

    /// <summary>
    /// Target: class indices of shape (N, d1..dk) with an integer dtype, or class probabilities with the
    /// evidence's shape and a floating dtype, on the evidence's device.
    /// </summary>
    internal static TargetKind Target(Tensor evidence, Tensor? target, string name)
    {
        if (target is null)
            throw new ArgumentNullException(name);
        if (target.IsInvalid)
            throw new ArgumentException("The tensor has been disposed.", name);

        var e = evidence.shape;
        var indexShape = new long[e.Length - 1];
        indexShape[0] = e[0];
        Array.Copy(e, 2, indexShape, 1, e.Length - 2);
        var t = target.shape;

        if (target.device_type != evidence.device_type || target.device_index != evidence.device_index)
            throw new ArgumentException(Inv($"Expected {name} on the evidence's device {evidence.device}, but received it on {target.device}."), name);

        if (IsInteger(target.dtype))
        {
            if (!t.SequenceEqual(indexShape))
                throw new ArgumentException(Inv($"Expected {name} of class indices to have shape {Shape(indexShape)} (the evidence's shape {Shape(e)} without the class dimension 1), but received shape {Shape(t)}."), name);
            return TargetKind.Index;
        }

        if (IsFloating(target.dtype))
        {
            if (t.SequenceEqual(e))
                return TargetKind.Probability;
            if (t.SequenceEqual(indexShape))
                throw new ArgumentException(Inv($"Received a floating-point {name} of shape {Shape(t)}, the shape of class indices. Class indices must have an integer dtype (Int64); class probabilities must have the evidence's shape {Shape(e)}."), name);
            throw new ArgumentException(Inv($"Expected {name} of shape {Shape(indexShape)} (class indices, Int64) or {Shape(e)} (class probabilities), but received shape {Shape(t)}."), name);
        }

        throw new ArgumentException(Inv($"Expected {name} to hold class indices (an integer dtype such as Int64) or class probabilities (a floating dtype), but received {target.dtype}."), name);
    }

    internal static void Reduction(nn.Reduction reduction, string name)
    {
        if (reduction is not (nn.Reduction.None or nn.Reduction.Mean or nn.Reduction.Sum))
            throw new ArgumentOutOfRangeException(name, reduction, "Expected Reduction.None, Reduction.Mean or Reduction.Sum.");
    }

    internal static void RegFactor(double regFactor, string name)
    {
        if (double.IsNaN(regFactor) || double.IsInfinity(regFactor) || regFactor < 0)
            throw new ArgumentOutOfRangeException(name, regFactor, "Expected a finite, non-negative regularisation factor.");
    }

    internal static void PNorm(int pNorm, string name)
    {
        if (pNorm < 1)
            throw new ArgumentOutOfRangeException(name, pNorm, "Expected pNorm >= 1.");
    }

    internal static void Defined<T>(T value, string name) where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
            throw new ArgumentOutOfRangeException(name, value, Inv($"Expected one of {string.Join(", ", Enum.GetNames<T>())}."));
    }

    /// <summary>The default <c>ignoreIndex</c>, as <c>cross_entropy</c>'s.</summary>
    internal const long DefaultIgnoreIndex = -100;

    /// <summary>
    /// Per-class weights (<c>cross_entropy</c>'s <c>weight</c>): a floating tensor of shape (C) on the evidence's device,
    /// with class-index targets only. <c>ignoreIndex</c> applies to class-index targets only; a non-default value with
    /// probability targets is rejected rather than silently unused.
    /// </summary>
    internal static void WeightAndIgnoreIndex(Tensor evidence, TargetKind kind, Tensor? weight, long ignoreIndex)
    {
        if (weight is not null)
        {
            if (weight.IsInvalid)
                throw new ArgumentException("The tensor has been disposed.", nameof(weight));
            long classes = evidence.shape[1];
            if (weight.dim() != 1 || weight.shape[0] != classes)
                throw new ArgumentException(Inv($"Expected weight of shape [{classes}] (one weight per class), but received shape {Shape(weight)}."), nameof(weight));
            if (!IsFloating(weight.dtype))
                throw new ArgumentException(Inv($"Expected weight to be a floating-point tensor, but received {weight.dtype}."), nameof(weight));
            if (weight.device_type != evidence.device_type || weight.device_index != evidence.device_index)
                throw new ArgumentException(Inv($"Expected weight on the evidence's device {evidence.device}, but received it on {weight.device}."), nameof(weight));
            if (kind == TargetKind.Probability)
                throw new ArgumentException("Per-class weights are supported with class-index targets only; for probability targets, fold the weights into the target or weight the unreduced loss (Reduction.None).", nameof(weight));
        }

        if (kind == TargetKind.Probability && ignoreIndex != DefaultIgnoreIndex)
            throw new ArgumentException(Inv($"ignoreIndex applies to class-index targets only, but received probability targets with ignoreIndex = {ignoreIndex}."), nameof(ignoreIndex));
    }

    /// <summary>
    /// Value checks that need the data: evidence must be non-negative and not +∞; class indices must lie in [0, C)
    /// or equal <paramref name="ignoreIndex"/>; class probabilities must lie in [0, 1]; weights must be finite and
    /// non-negative. All minima, maxima and flags are gathered in one tensor and copied to the host once (one device
    /// synchronisation). NaN evidence is not rejected, as in <c>cross_entropy</c>.
    /// </summary>
    /// <returns>Whether any class-index target equals <paramref name="ignoreIndex"/>.</returns>
    internal static bool Values(Tensor evidence, string evidenceName, Tensor? target, TargetKind kind, string targetName,
        Tensor? weight = null, long ignoreIndex = DefaultIgnoreIndex, double maxEvidence = double.PositiveInfinity)
    {
        bool empty = evidence.numel() == 0;
        if (empty && (weight is null || weight.numel() == 0))
            return false;
        double[] v;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            // An empty batch still gets its weights checked: placeholders keep the indices below fixed.
            var placeholder = zeros(1, ScalarType.Float64, evidence.device).squeeze();
            var parts = new System.Collections.Generic.List<Tensor>();
            parts.AddRange(empty ? new[] { placeholder, placeholder } : new[] { evidence.min(), evidence.max() });
            if (target is not null)
            {
                if (empty)
                {
                    parts.AddRange(new[] { placeholder, placeholder, placeholder });
                }
                else if (kind == TargetKind.Index)
                {
                    // Compare in Int64: in a narrow dtype (Byte, Int8…) ignoreIndex would wrap around (−100 → 156 in Byte).
                    var wide = target.to(ScalarType.Int64);
                    var ignored = wide.eq(ignoreIndex);
                    var kept = wide.masked_fill(ignored, 0);       // 0 is a valid class: ignored entries never fail the range check
                    parts.Add(kept.min());
                    parts.Add(kept.max());
                    parts.Add(ignored.any());
                }
                else
                {
                    parts.Add(target.min());
                    parts.Add(target.max());
                    parts.Add(zeros(1, device: evidence.device).squeeze());
                }
            }

            if (weight is not null)
            {
                parts.Add(weight.min());
                parts.Add(weight.max());
            }

            v = stack(parts.Select(p => p.to(ScalarType.Float64)).ToArray()).cpu().data<double>().ToArray();
        }

        EvidenceRange(v[0], v[1], evidenceName, maxEvidence);
        if (target is null)
            return false;
        long classes = evidence.shape[1];
        if (kind == TargetKind.Index)
            ClassIndexRange(v[2], v[3], classes, ignoreIndex, targetName);
        if (kind == TargetKind.Probability && (v[2] < 0 || v[3] > 1 || double.IsNaN(v[2]) || double.IsNaN(v[3])))
            throw new ArgumentException(Inv($"Expected class probabilities in {targetName} in [0, 1], but received values in [{v[2]:R}, {v[3]:R}]."), targetName);
        if (weight is not null)
            WeightRange(v[5], v[6]);
        return v[4] != 0;
    }

    /// <summary>
    /// Evidence must be non-negative and not +∞, and at most <paramref name="maxEvidence"/> (the losses pass
    /// <see cref="UL.MaxEvidence"/>). NaN passes, as in <c>cross_entropy</c>.
    /// </summary>
    internal static void EvidenceRange(double min, double max, string name, double maxEvidence = double.PositiveInfinity)
    {
        if (min < 0)
            throw new ArgumentException(Inv($"Expected non-negative {name}, but its minimum is {min:R}. Evidence is a non-negative transform of the logits: apply UL.ClampedExp, softplus or relu first."), name);
        if (double.IsPositiveInfinity(max))
            throw new ArgumentException(Inv($"Expected finite {name}, but it contains +Infinity. Use UL.ClampedExp (exp of clamped logits) to keep evidence finite."), name);
        if (max > maxEvidence)
            throw new ArgumentException(Inv($"Expected {name} of at most {maxEvidence:R} (UL.MaxEvidence), but its maximum is {max:R}. Evidence this large means the network's outputs have diverged (an unclamped exp, or relu/softplus of huge logits): use UL.ClampedExp, or lower the learning rate."), name);
    }

    /// <summary>Class indices other than ignoreIndex must lie in [0, C).</summary>
    internal static void ClassIndexRange(double min, double max, long classes, long ignoreIndex, string name)
    {
        if (min < 0 || max >= classes)
            throw new ArgumentException(Inv($"Expected class indices in {name} in [0, {classes - 1}] (the evidence has {classes} classes) or equal to ignoreIndex = {ignoreIndex}, but received values in [{min:R}, {max:R}]."), name);
    }

    /// <summary>Class weights must be finite and non-negative.</summary>
    internal static void WeightRange(double min, double max)
    {
        if (!(min >= 0 && double.IsFinite(max)))
            throw new ArgumentException(Inv($"Expected finite, non-negative class weights, but received values in [{min:R}, {max:R}]."), "weight");
    }
}
