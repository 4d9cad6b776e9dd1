using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace UncertaintyLoss.Internal;

/// <summary>The checks of the classification losses and the uncertainty measures.</summary>
internal static partial class Check
{
    /// <summary>The default <c>ignoreIndex</c>, as <c>cross_entropy</c>'s.</summary>
    internal const long DefaultIgnoreIndex = -100;

    /// <summary>Evidence (or logits): not null, floating point, shape (N, C, d1..dk) with C at least 2.</summary>
    internal static void Evidence(Tensor? evidence, string name)
    {
        var e = Live(evidence, name);
        if (e.dim() < 2)
            throw Invalid(name, Inv($"{name} of shape (N, C, d1..dk) with at least 2 dimensions"), "shape " + Shape(e));
        Floating(e, name, "convert it with .to(ScalarType.Float32) or apply an evidence activation such as UL.ClampedExp");
        Classes(e, name);
    }

    /// <summary>
    /// Target: class indices of shape (N, d1..dk) with an integer dtype, or class probabilities with the
    /// evidence's shape and a floating dtype, on the evidence's device.
    /// </summary>
    /// <param name="evidence">The evidence (or concentration) the target belongs to.</param>
    /// <param name="target">The target.</param>
    /// <param name="name">The target's parameter name.</param>
    /// <param name="owner">What the messages call the first tensor: "evidence" or "alpha".</param>
    internal static TargetKind Target(Tensor evidence, Tensor? target, string name, string owner = "evidence")
    {
        var y = Live(target, name);
        var e = Dims(evidence);
        var indexShape = new long[e.Length - 1];
        indexShape[0] = e[0];
        Array.Copy(e, 2, indexShape, 1, e.Length - 2);
        var t = Dims(y);

        string whose = owner == "evidence" ? "the evidence's" : owner + "'s";
        SameDevice(y, name, evidence, whose);

        if (IsInteger(y.dtype))
        {
            if (t.SequenceEqual(e))
                throw Invalid(name, Inv($"{name} of class indices to have shape {Shape(indexShape)} ({whose} shape {Shape(e)} without the class dimension 1)"),
                    Inv($"an integer {name} of {whose} shape {Shape(t)}"),
                    Inv($"a one-hot {name} is accepted as class probabilities in a floating dtype ({name}.to(ScalarType.Float32)), or pass the class indices ({name}.argmax(1))"));
            if (!t.SequenceEqual(indexShape))
                throw Invalid(name, Inv($"{name} of class indices to have shape {Shape(indexShape)} ({whose} shape {Shape(e)} without the class dimension 1)"), "shape " + Shape(t));
            return TargetKind.Index;
        }

        if (IsFloating(y.dtype))
        {
            if (t.SequenceEqual(e))
                return TargetKind.Probability;
            if (t.SequenceEqual(indexShape))
                throw Invalid(name, Inv($"{name} of class indices with an integer dtype (Int64), or of class probabilities with {whose} shape {Shape(e)}"),
                    Inv($"a floating-point {name} of shape {Shape(t)}, the shape of class indices"));
            throw Invalid(name, Inv($"{name} of shape {Shape(indexShape)} (class indices, Int64) or {Shape(e)} (class probabilities)"), "shape " + Shape(t));
        }

        throw Invalid(name, Inv($"{name} to hold class indices (an integer dtype such as Int64) or class probabilities (a floating dtype)"), y.dtype.ToString());
    }

    /// <summary>
    /// Per-class weights (<c>cross_entropy</c>'s <c>weight</c>): a floating tensor of shape (C) on the evidence's device,
    /// with class-index targets only. <c>ignoreIndex</c> applies to class-index targets only; a non-default value with
    /// probability targets is rejected rather than silently unused.
    /// </summary>
    internal static void WeightAndIgnoreIndex(Tensor evidence, TargetKind kind, Tensor? weight, long ignoreIndex)
    {
        if (weight is not null)
        {
            WeightShape(weight, nameof(weight), evidence.size(1));
            SameDevice(weight, nameof(weight), evidence, "the evidence's");
            if (kind == TargetKind.Probability)
                throw Invalid(nameof(weight), "weight with class-index targets only", "it with probability targets",
                    "for probability targets, fold the weights into the target or weight the unreduced loss (Reduction.None)");
        }

        if (kind == TargetKind.Probability && ignoreIndex != DefaultIgnoreIndex)
            throw Invalid(nameof(ignoreIndex), Inv($"the default ignoreIndex = {DefaultIgnoreIndex} with probability targets (ignoreIndex applies to class-index targets only)"),
                Inv($"ignoreIndex = {ignoreIndex}"));
    }

    /// <summary>
    /// Per-class weights: live, floating point, of shape (C) — or of rank 1 when <paramref name="classes"/> is not known yet
    /// (a loss module's constructor).
    /// </summary>
    internal static void WeightShape(Tensor weight, string name, long? classes = null)
    {
        NotDisposed(weight, name);
        bool shapeOk = weight.dim() == 1 && (classes is null || weight.size(0) == classes);
        if (!shapeOk)
            throw Invalid(name, classes is null ? Inv($"{name} of shape (C) (one weight per class)") : Inv($"{name} of shape [{classes}] (one weight per class)"),
                "shape " + Shape(weight));
        Floating(weight, name);
    }

    /// <summary>
    /// Value checks that need the data: evidence must be non-negative, not +∞ and at most <paramref name="maxEvidence"/>;
    /// class indices must lie in [0, C) or equal <paramref name="ignoreIndex"/>; class probabilities must lie in [0, 1];
    /// weights must be finite and non-negative. All minima, maxima and flags are gathered in one tensor and copied to the
    /// host once (one device synchronisation). NaN evidence is not rejected, as in <c>cross_entropy</c>.
    /// With <c>concentration</c> true the first tensor is a Dirichlet concentration α, checked by <see cref="AlphaRange"/>
    /// (every entry finite and &gt; 0, NaN rejected) instead of <see cref="EvidenceRange"/>.
    /// </summary>
    /// <returns>What was read. With value checks off (<see cref="ValueChecks.Enabled"/>) nothing is read, nothing is
    /// checked, and the result is <see cref="ValueSummary.NotRead"/>.</returns>
    internal static ValueSummary Values(Tensor evidence, string evidenceName, Tensor? target = null, TargetKind kind = TargetKind.Index,
        string targetName = "target", Tensor? weight = null, long ignoreIndex = DefaultIgnoreIndex, double maxEvidence = double.PositiveInfinity,
        bool concentration = false)
    {
        if (!ValueChecks.Enabled)
            return ValueSummary.NotRead;
        bool positions = evidence.numel() > 0;    // an empty batch still gets its weights checked
        bool weights = weight is not null && weight.numel() > 0;
        if (!positions && !weights)
            return ValueSummary.Empty;

        Queue<double> read;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var statistics = new List<Tensor>();
            if (positions)
            {
                statistics.Add(evidence.min());
                statistics.Add(evidence.max());
                if (target is not null && kind == TargetKind.Index)
                {
                    // Compare in Int64: in a narrow dtype (Byte, Int8…) ignoreIndex would wrap around (−100 → 156 in Byte).
                    var wide = target.to(ScalarType.Int64);
                    var ignored = wide.eq(ignoreIndex);
                    var kept = wide.masked_fill(ignored, 0);       // 0 is a valid class: ignored entries never fail the range check
                    statistics.Add(kept.min());
                    statistics.Add(kept.max());
                    statistics.Add(ignored.any());
                }
                else if (target is not null)
                {
                    statistics.Add(target.min());
                    statistics.Add(target.max());
                }
            }

            if (weights)
            {
                statistics.Add(weight!.min());
                statistics.Add(weight.max());
            }

            read = new Queue<double>(ToHost(statistics));
        }

        var summary = ValueSummary.Empty;
        if (positions)
        {
            summary = summary with { EvidenceMin = read.Dequeue(), EvidenceMax = read.Dequeue() };
            if (target is not null)
                summary = summary with { TargetMin = read.Dequeue(), TargetMax = read.Dequeue() };
            if (target is not null && kind == TargetKind.Index)
                summary = summary with { AnyIgnored = read.Dequeue() != 0 };
        }

        if (weights)
            summary = summary with { WeightMin = read.Dequeue(), WeightMax = read.Dequeue() };

        if (positions)
        {
            if (concentration)
                AlphaRange(summary.EvidenceMin, summary.EvidenceMax, evidenceName, maxEvidence, evidence.dtype);
            else
                EvidenceRange(summary.EvidenceMin, summary.EvidenceMax, evidenceName, maxEvidence, evidence.dtype);
            if (target is not null && kind == TargetKind.Index)
                ClassIndexRange(summary.TargetMin, summary.TargetMax, evidence.shape[1], ignoreIndex, targetName);
            if (target is not null && kind == TargetKind.Probability)
                ProbabilityRange(summary.TargetMin, summary.TargetMax, targetName);
        }

        if (weights)
            WeightRange(summary.WeightMin, summary.WeightMax);
        return summary;
    }

    /// <summary>
    /// Evidence must be non-negative and not +∞, and at most <paramref name="maxEvidence"/> (the losses pass
    /// <see cref="UL.MaxEvidence"/>). NaN passes, as in <c>cross_entropy</c>. Called by both kernel paths.
    /// </summary>
    internal static void EvidenceRange(double min, double max, string name, double maxEvidence, ScalarType dtype)
    {
        if (EvidenceRangeHolds(min, max, maxEvidence))
            return;
        if (min < 0)
            throw Invalid(name, Inv($"non-negative {name}"), Inv($"a minimum of {Format(min)}"),
                "evidence is a non-negative transform of the logits; apply UL.ClampedExp, softplus or relu first");
        if (double.IsPositiveInfinity(max))
            throw Invalid(name, Inv($"finite {name}"), "+Infinity", InfiniteHint(dtype, "evidence"));
        if (max > maxEvidence)
            throw Invalid(name, Inv($"{name} of at most {Format(maxEvidence)} (UL.MaxEvidence)"), Inv($"a maximum of {Format(max)}"),
                "evidence this large means the network's outputs have diverged (an unclamped exp, or relu/softplus of huge logits); use UL.ClampedExp, or lower the learning rate");
    }

    /// <summary>Whether <see cref="EvidenceRange"/> lets evidence with this minimum and maximum through (NaN passes).</summary>
    internal static bool EvidenceRangeHolds(double min, double max, double maxEvidence) =>
        !(min < 0) && !double.IsPositiveInfinity(max) && !(max > maxEvidence);

    /// <summary>
    /// The hint for +∞ evidence (or α): exp overflows the dtype above ln of its largest value, so "use UL.ClampedExp" alone
    /// does not help a caller whose clamp is already above that (Float16: 65504 = e^11.09, so ClampedExp(x, clamp: 20) gives
    /// +∞). The hint names the largest clamp that keeps the dtype finite, and for Float16 the way out through Float32.
    /// </summary>
    internal static string InfiniteHint(ScalarType dtype, string what)
    {
        if (dtype == ScalarType.Float16)
            return Inv($"exp overflows Float16 (largest value 65504) above e^11.09, so clamped logits still give +Infinity with a clamp above 11: use a clamp of at most 11 (UL.ClampedExp's clamp, or the loss module's clamp option), or compute the {what} in Float32 (logits.to(ScalarType.Float32))");
        var (bound, dtypeName) = dtype switch
        {
            ScalarType.Float64 => (709, "Float64"),
            ScalarType.BFloat16 => (88, "BFloat16"),
            _ => (88, "Float32"),
        };
        return Inv($"use UL.ClampedExp (exp of logits clamped to [-clamp, clamp]) with a clamp of at most {bound} to keep {dtypeName} {what} finite (a loss module's clamp option likewise); +Infinity from softplus or relu means +Infinity logits");
    }

    /// <summary>Class indices other than ignoreIndex must lie in [0, C). Called by both kernel paths; on the fused path it
    /// guards the kernel's memory accesses, so it never depends on <see cref="ValueChecks.Enabled"/>.</summary>
    internal static void ClassIndexRange(double min, double max, long classes, long ignoreIndex, string name)
    {
        if (min < 0 || max >= classes)
            throw Invalid(name, Inv($"class indices in {name} in [0, {classes - 1}] (the evidence has {classes} classes) or equal to ignoreIndex = {ignoreIndex}"),
                Inv($"values in [{Format(min)}, {Format(max)}]"));
    }

    /// <summary>Class probabilities must lie in [0, 1] (NaN fails).</summary>
    internal static void ProbabilityRange(double min, double max, string name)
    {
        if (!(min >= 0 && max <= 1))
            throw Invalid(name, Inv($"class probabilities in {name} in [0, 1]"), Inv($"values in [{Format(min)}, {Format(max)}]"));
    }

    /// <summary>Class weights must be finite and non-negative. Called by both kernel paths.</summary>
    internal static void WeightRange(double min, double max)
    {
        if (!(min >= 0 && double.IsFinite(max)))
            throw Invalid("weight", "finite, non-negative class weights", Inv($"values in [{Format(min)}, {Format(max)}]"));
    }
}
