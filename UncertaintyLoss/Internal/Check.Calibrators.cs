using System;
using System.Linq;
using static TorchSharp.torch;

namespace UncertaintyLoss.Internal;

/// <summary>
/// The checks of the post-hoc calibrators (<see cref="Metrics.TemperatureScaling"/>, <see cref="Metrics.EvidenceScaling"/>)
/// and conformal predictors (<see cref="Metrics.ConformalClassifier"/>, <see cref="Metrics.ConformalRegressor"/>,
/// <see cref="Metrics.ConformalQuantileRegressor"/>). Their value checks always run (they are not losses in a training loop):
/// one host transfer per call.
/// </summary>
internal static partial class Check
{
    /// <summary>How far a probability row's sum may be from 1: 1e-3 for Float32 and Float64 (a softmax in Float32 over
    /// thousands of classes sums to 1 within 1e-4), 1e-2 for Float16 and BFloat16 (BFloat16 keeps 8 significant bits).</summary>
    internal static double RowSumTolerance(ScalarType dtype) => dtype is ScalarType.Float16 or ScalarType.BFloat16 ? 1e-2 : 1e-3;

    /// <summary>A miscoverage level α strictly between 0 and 1.</summary>
    internal static void MiscoverageLevel(double alpha, string name) =>
        InRange(alpha > 0 && alpha < 1, alpha, name, Inv($"{name} (the miscoverage level) to be strictly between 0 and 1"));

    /// <summary>(N, C, d1..dk) floating class scores (probabilities, logits or evidence) with C ≥ 2.</summary>
    internal static void ClassScores(Tensor? scores, string name)
    {
        var s = Live(scores, name);
        if (s.dim() < 2)
            throw Invalid(name, Inv($"{name} of shape (N, C, d1..dk) with at least 2 dimensions"), "shape " + Shape(s));
        Floating(s, name);
        Classes(s, name);
    }

    /// <summary>Class indices of shape (N, d1..dk) (<paramref name="scores"/>' shape without dimension 1), integer dtype, same device.</summary>
    internal static void ClassIndexTarget(Tensor scores, Tensor? target, string name, string scoresName)
    {
        var y = Live(target, name);
        var shape = scores.shape.Where((_, i) => i != 1).ToArray();
        if (!IsInteger(y.dtype))
            throw Invalid(name, Inv($"{name} to hold integer class indices (Int64, Int32, Int16, Int8 or Byte)"), y.dtype.ToString());
        if (!y.shape.SequenceEqual(shape))
            throw Invalid(name, Inv($"{name} of shape {Shape(shape)} ({scoresName}' shape {Shape(scores)} without the class dimension 1)"), "shape " + Shape(y));
        SameDevice(y, name, scores, scoresName + "'");
    }

    /// <summary>
    /// Class indices in [0, C) or equal to <paramref name="ignoreIndex"/>, and at least one position kept. Returns the number
    /// of kept positions. One host transfer.
    /// </summary>
    internal static long KeptClassIndices(Tensor target, long classes, long ignoreIndex, string name)
    {
        using var scope = NewDisposeScope();
        var y = target.to(ScalarType.Int64);
        var keep = y.ne(ignoreIndex);
        var kept = y.masked_select(keep);
        long count = kept.numel();
        double[] stats = count == 0 ? [0, 0, 0] : ToHost([kept.min(), kept.max(), tensor((double)count)]);
        if (count == 0)
            throw Invalid(name, Inv($"{name} to keep at least one position (values other than ignoreIndex {ignoreIndex})"),
                target.numel() == 0 ? "an empty tensor" : "only ignored positions");
        if (stats[0] < 0 || stats[1] >= classes)
            throw Invalid(name, Inv($"class indices in [0, {classes}) or equal to ignoreIndex {ignoreIndex}"),
                Inv($"values from {Format((long)stats[0])} to {Format((long)stats[1])}"));
        return count;
    }

    /// <summary>
    /// Probabilities along dimension 1: no NaN, every value in [0, 1], every row summing to 1 within
    /// <see cref="RowSumTolerance"/>. One host transfer.
    /// </summary>
    internal static void ProbabilityRows(Tensor probabilities, string name)
    {
        using var scope = NewDisposeScope();
        if (probabilities.numel() == 0)
            return;
        var p = probabilities.to(ScalarType.Float64);
        double[] s = ToHost([p.isnan().any().to(ScalarType.Float64), p.nan_to_num(0.5).min(), p.nan_to_num(0.5).max(),
            (p.nan_to_num(0.5).sum(1) - 1).abs().max()]);
        if (s[0] != 0)
            throw Invalid(name, Inv($"{name} without NaN"), "a NaN");
        if (s[1] < 0 || s[2] > 1)
            throw Invalid(name, Inv($"{name} in [0, 1]"), Inv($"values from {Format(s[1])} to {Format(s[2])}"), NotProbabilitiesHint(s[1], s[2]));
        double tolerance = RowSumTolerance(probabilities.dtype);
        if (s[3] > tolerance)
            throw Invalid(name, Inv($"{name} whose rows (dimension 1) sum to 1 within {Format(tolerance)}"),
                Inv($"a row sum {Format(s[3])} away from 1"), NotProbabilitiesHint(s[1], s[2], rowSum: true));
    }

    /// <summary>Every value finite (no NaN, no ±∞). One host transfer.</summary>
    internal static void FiniteValues(Tensor t, string name)
    {
        using var scope = NewDisposeScope();
        if (t.numel() == 0)
            return;
        double[] s = ToHost([t.isfinite().logical_not().any().to(ScalarType.Float64)]);
        if (s[0] != 0)
            throw Invalid(name, Inv($"{name} to hold finite values"), "a NaN or infinite value");
    }

    /// <summary>Every value finite and &gt; 0. One host transfer.</summary>
    internal static void PositiveValues(Tensor t, string name)
    {
        using var scope = NewDisposeScope();
        if (t.numel() == 0)
            return;
        var d = t.to(ScalarType.Float64);
        double[] s = ToHost([d.isfinite().logical_not().any().to(ScalarType.Float64), d.nan_to_num(1.0).min()]);
        if (s[0] != 0 || s[1] <= 0)
            throw Invalid(name, Inv($"{name} to hold finite positive values"), s[0] != 0 ? "a NaN or infinite value" : Inv($"a minimum of {Format(s[1])}"));
    }

    /// <summary>Same shape as <paramref name="reference"/>, same device, floating.</summary>
    internal static void SameShapeFloating(Tensor? t, string name, Tensor reference, string referenceName)
    {
        var x = Floating(t, name);
        if (!x.shape.SequenceEqual(reference.shape))
            throw Invalid(name, Inv($"{name} of shape {Shape(reference)} ({referenceName}'s shape)"), "shape " + Shape(x));
        SameDevice(x, name, reference, referenceName + "'s");
    }
}
