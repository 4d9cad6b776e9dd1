using System;
using System.Globalization;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace UncertaintyLoss.Metrics;

/// <summary>
/// Validation and host copies shared by the evaluation metrics. Shape, dtype and device checks read metadata only;
/// the value checks run on the host copy, which is made once per tensor and before any metric is computed.
/// </summary>
internal static class MetricInputs
{
    private static string Shape(long[] shape) =>
        "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    private static bool IsFloating(ScalarType t) =>
        t is ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16 or ScalarType.BFloat16;

    private static bool IsInteger(ScalarType t) =>
        t is ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte;

    private static void NotNullOrDisposed(Tensor? t, string name)
    {
        if (t is null)
            throw new ArgumentNullException(name);
        if (t.IsInvalid)
            throw new ArgumentException($"{name} has been disposed.", name);
    }

    private static void SameDevice(Tensor reference, string referenceName, Tensor other, string otherName)
    {
        if (other.device.type != reference.device.type || other.device.index != reference.device.index)
            throw new ArgumentException(
                $"{otherName} must be on {referenceName}'s device: expected {reference.device}, received {other.device}.", otherName);
    }

    /// <summary>Copies <paramref name="t"/> (any device, any numeric dtype) to a host array of doubles.</summary>
    private static double[] ToHostDoubles(Tensor t)
    {
        using var scope = NewDisposeScope();
        var host = t.detach().to(ScalarType.Float64, CPU).contiguous();
        return host.data<double>().ToArray();
    }

    private static long[] ToHostLongs(Tensor t)
    {
        using var scope = NewDisposeScope();
        var host = t.detach().to(ScalarType.Int64, CPU).contiguous();
        return host.data<long>().ToArray();
    }

    /// <summary>
    /// Checks a (N, C) probability matrix with N ≥ 1, C ≥ 2, a floating dtype, finite values in [0, 1], and an (N)
    /// integer class-index target in [0, C) on the same device; returns both as host arrays (row-major probabilities).
    /// </summary>
    internal static (double[] Probabilities, long[] Target, int N, int C) Classification(
        Tensor? probabilities, Tensor? target, string probabilitiesName = "probabilities", string targetName = "target")
    {
        NotNullOrDisposed(probabilities, probabilitiesName);
        NotNullOrDisposed(target, targetName);
        var p = probabilities!;
        var y = target!;
        if (p.dim() != 2)
            throw new ArgumentException(
                $"{probabilitiesName} must have shape (N, C): expected rank 2, received shape {Shape(p.shape)}.", probabilitiesName);
        if (!IsFloating(p.dtype))
            throw new ArgumentException(
                $"{probabilitiesName} must be floating point (Float32 or Float64): received {p.dtype}.", probabilitiesName);
        long n = p.shape[0], c = p.shape[1];
        if (n < 1)
            throw new ArgumentException(
                $"{probabilitiesName} must hold at least one sample: received shape {Shape(p.shape)}.", probabilitiesName);
        if (c < 2)
            throw new ArgumentException(
                $"{probabilitiesName} must have at least 2 classes: received shape {Shape(p.shape)}.", probabilitiesName);
        if (n * c > int.MaxValue)
            throw new ArgumentException($"{probabilitiesName} is too large: received shape {Shape(p.shape)}.", probabilitiesName);
        if (y.dim() != 1 || y.shape[0] != n)
            throw new ArgumentException(
                $"{targetName} must hold one class index per sample: expected shape [{n}], received {Shape(y.shape)}.", targetName);
        if (!IsInteger(y.dtype))
            throw new ArgumentException(
                $"{targetName} must hold integer class indices (Int64, Int32, Int16, Int8 or Byte): received {y.dtype}.", targetName);
        SameDevice(p, probabilitiesName, y, targetName);

        double[] probs = ToHostDoubles(p);
        long[] labels = ToHostLongs(y);
        for (int i = 0; i < probs.Length; i++)
        {
            double v = probs[i];
            if (!(v >= 0.0 && v <= 1.0))
                throw new ArgumentException(
                    $"{probabilitiesName} must hold probabilities in [0, 1]: received {v.ToString("R", CultureInfo.InvariantCulture)} at sample {i / c}, class {i % c}.",
                    probabilitiesName);
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || labels[i] >= c)
                throw new ArgumentException(
                    $"{targetName} must hold class indices in [0, {c}): received {labels[i]} at sample {i}.", targetName);
        }

        return (probs, labels, (int)n, (int)c);
    }

    /// <summary>
    /// Checks an (N) floating score vector (no NaN; ±∞ allowed) and an (N) bool or integer 0/1 label vector on the
    /// same device, N ≥ 1; returns host copies.
    /// </summary>
    internal static (double[] Score, bool[] Label) Binary(Tensor? score, Tensor? label, string scoreName = "score", string labelName = "label")
    {
        NotNullOrDisposed(score, scoreName);
        NotNullOrDisposed(label, labelName);
        var s = score!;
        var l = label!;
        if (s.dim() != 1)
            throw new ArgumentException($"{scoreName} must have shape (N): expected rank 1, received shape {Shape(s.shape)}.", scoreName);
        if (!IsFloating(s.dtype))
            throw new ArgumentException($"{scoreName} must be floating point (Float32 or Float64): received {s.dtype}.", scoreName);
        long n = s.shape[0];
        if (n < 1)
            throw new ArgumentException($"{scoreName} must hold at least one sample: received shape {Shape(s.shape)}.", scoreName);
        if (l.dim() != 1 || l.shape[0] != n)
            throw new ArgumentException($"{labelName} must hold one label per score: expected shape [{n}], received {Shape(l.shape)}.", labelName);
        if (l.dtype != ScalarType.Bool && !IsInteger(l.dtype))
            throw new ArgumentException($"{labelName} must be Bool or an integer dtype holding 0 and 1: received {l.dtype}.", labelName);
        SameDevice(s, scoreName, l, labelName);

        double[] scores = ToHostDoubles(s);
        long[] raw = ToHostLongs(l);
        for (int i = 0; i < scores.Length; i++)
        {
            if (double.IsNaN(scores[i]))
                throw new ArgumentException($"{scoreName} must not hold NaN: received NaN at sample {i}.", scoreName);
        }

        var labels = new bool[raw.Length];
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] != 0 && raw[i] != 1)
                throw new ArgumentException($"{labelName} must hold 0 or 1: received {raw[i]} at sample {i}.", labelName);
            labels[i] = raw[i] == 1;
        }

        return (scores, labels);
    }
}
