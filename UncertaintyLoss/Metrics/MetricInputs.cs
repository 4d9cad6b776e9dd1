using System.Linq;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss.Metrics;

/// <summary>
/// The evaluation metrics' inputs: checked (<see cref="Check.MetricClassification"/>, <see cref="Check.MetricBinary"/>) and
/// copied to the host, once per tensor and before any metric is computed. The value checks run on the host copies.
/// </summary>
internal static class MetricInputs
{
    /// <summary>
    /// Checks a (N, C) probability matrix with N ≥ 1, C ≥ 2, a floating dtype, finite values in [0, 1], and an (N)
    /// integer class-index target in [0, C) on the same device; returns both as host arrays (row-major probabilities).
    /// </summary>
    internal static (double[] Probabilities, long[] Target, int N, int C) Classification(
        Tensor? probabilities, Tensor? target, string probabilitiesName = "probabilities", string targetName = "target")
    {
        var (n, c) = Check.MetricClassification(probabilities, target, probabilitiesName, targetName);
        double[] probs = ToHostDoubles(probabilities!);
        long[] labels = ToHostLongs(target!);
        Check.ProbabilityValues(probs, c, probabilitiesName);
        Check.ClassIndexValues(labels, c, targetName);
        return (probs, labels, n, c);
    }

    /// <summary>
    /// Checks an (N) floating score vector (no NaN; ±∞ allowed) and an (N) bool or integer 0/1 label vector on the
    /// same device, N ≥ 1; returns host copies.
    /// </summary>
    internal static (double[] Score, bool[] Label) Binary(Tensor? score, Tensor? label, string scoreName = "score", string labelName = "label")
    {
        Check.MetricBinary(score, label, scoreName, labelName);
        double[] scores = ToHostDoubles(score!);
        long[] raw = ToHostLongs(label!);
        Check.NotNaN(scores, scoreName);
        Check.BinaryValues(raw, labelName);
        return (scores, raw.Select(v => v == 1).ToArray());
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
}
