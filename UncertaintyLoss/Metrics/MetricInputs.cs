using System.Collections.Generic;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss.Metrics;

/// <summary>
/// The evaluation metrics' inputs: checked (<see cref="Check.MetricClassification"/>, <see cref="Check.MetricBinary"/>) and
/// copied to the host, once per tensor and before any metric is computed. The value checks run on the host copies, on the
/// positions that are not ignored.
/// </summary>
internal static class MetricInputs
{
    /// <summary>The default ignore index of the classification metrics, as cross_entropy's.</summary>
    internal const long DefaultIgnoreIndex = -100;

    /// <summary>
    /// Checks a (N, C, d1, …, dk) probability tensor with N ≥ 1, C ≥ 2, a floating dtype, and an (N, d1, …, dk) integer
    /// class-index target on the same device; drops the positions whose target is <paramref name="ignoreIndex"/>; checks
    /// that the kept probabilities are in [0, 1] and the kept targets in [0, C) and that at least one position is kept;
    /// returns the kept positions as host arrays (row-major (M, C) probabilities, classes last).
    /// </summary>
    internal static (double[] Probabilities, long[] Target, int N, int C) Classification(
        Tensor? probabilities, Tensor? target, string probabilitiesName = "probabilities", string targetName = "target",
        long ignoreIndex = DefaultIgnoreIndex, bool allowAllIgnored = false)
    {
        var (positions, c) = Check.MetricClassification(probabilities, target, probabilitiesName, targetName);
        double[] probs;
        using (NewDisposeScope())
        {
            var host = probabilities!.detach().to(ScalarType.Float64, CPU);
            if (host.dim() > 2)
                host = host.movedim(new long[] { 1 }, new long[] { -1 });
            probs = host.contiguous().data<double>().ToArray();
        }

        long[] labels = ToHostLongs(target!);
        int kept = 0;
        for (int i = 0; i < positions; i++)
        {
            long label = labels[i];
            if (label == ignoreIndex)
                continue;
            if (label < 0 || label >= c)
                throw Check.Invalid(targetName, Check.Inv($"{targetName} to hold class indices in [0, {c}) or ignoreIndex ({ignoreIndex})"),
                    Check.Inv($"{label} at {Where(i, probabilities!.dim() > 2)}"));
            for (int k = 0; k < c; k++)
            {
                double v = probs[i * c + k];
                if (!(v >= 0.0 && v <= 1.0))
                    throw Check.Invalid(probabilitiesName, Check.Inv($"{probabilitiesName} to hold probabilities in [0, 1]"),
                        Check.Inv($"{Check.Format(v)} at {Where(i, probabilities!.dim() > 2)}, class {k}"),
                        Check.NotProbabilitiesHint(RowMin(probs, i, c), v));
            }

            if (kept != i)
            {
                labels[kept] = label;
                System.Array.Copy(probs, i * c, probs, kept * c, c);
            }

            kept++;
        }

        if (kept == 0 && !allowAllIgnored)
            Check.SomeKept(kept, positions, ignoreIndex, targetName);
        if (kept < positions)
        {
            System.Array.Resize(ref probs, kept * c);
            System.Array.Resize(ref labels, kept);
        }

        return (probs, labels, kept, c);
    }

    /// <summary>The smallest value of row <paramref name="i"/> of a row-major (M, C) array (NaN if any is NaN).</summary>
    private static double RowMin(double[] probs, int i, int c)
    {
        double min = double.PositiveInfinity;
        for (int k = 0; k < c; k++)
        {
            double v = probs[i * c + k];
            if (double.IsNaN(v))
                return double.NaN;
            min = System.Math.Min(min, v);
        }

        return min;
    }

    /// <summary>
    /// Checks a floating score tensor of rank ≥ 1 and a Bool or integer label tensor of the same shape on the same device;
    /// drops the positions whose label is <paramref name="ignoreIndex"/> (neither 0 nor 1); checks that the kept labels
    /// are 0 or 1, the kept scores not NaN, and that at least one position is kept; returns host copies of the kept ones.
    /// </summary>
    internal static (double[] Score, bool[] Label) Binary(Tensor? score, Tensor? label, string scoreName = "score", string labelName = "label",
        long ignoreIndex = DefaultIgnoreIndex, bool allowAllIgnored = false)
    {
        Check.BinaryIgnoreIndex(ignoreIndex, nameof(ignoreIndex));
        Check.MetricBinary(score, label, scoreName, labelName);
        double[] scores;
        using (NewDisposeScope())
            scores = score!.detach().to(ScalarType.Float64, CPU).contiguous().data<double>().ToArray();
        long[] raw = ToHostLongs(label!);
        bool nd = score!.dim() > 1;
        var keptScores = new List<double>(scores.Length);
        var keptLabels = new List<bool>(scores.Length);
        for (int i = 0; i < scores.Length; i++)
        {
            if (raw[i] == ignoreIndex)
                continue;
            if (raw[i] != 0 && raw[i] != 1)
                throw Check.Invalid(labelName, Check.Inv($"{labelName} to hold 0 or 1 (or ignoreIndex, {ignoreIndex})"), Check.Inv($"{raw[i]} at {Where(i, nd)}"));
            if (double.IsNaN(scores[i]))
                throw Check.Invalid(scoreName, Check.Inv($"{scoreName} without NaN"), Check.Inv($"NaN at {Where(i, nd)}"));
            keptScores.Add(scores[i]);
            keptLabels.Add(raw[i] == 1);
        }

        if (keptScores.Count == 0 && !allowAllIgnored)
            Check.SomeKept(0, scores.Length, ignoreIndex, labelName);
        return (keptScores.ToArray(), keptLabels.ToArray());
    }

    private static string Where(int i, bool nd) =>
        nd ? Check.Inv($"position {i} (flattened over N, d1, ..., dk)") : Check.Inv($"sample {i}");

    private static long[] ToHostLongs(Tensor t)
    {
        using var scope = NewDisposeScope();
        var host = t.detach().to(ScalarType.Int64, CPU).contiguous();
        return host.data<long>().ToArray();
    }
}
