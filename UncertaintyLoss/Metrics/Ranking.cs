using System;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss.Metrics;

/// <summary>
/// Threshold-free binary ranking metrics — AUROC and average precision — for scoring, for example, how well an
/// uncertainty separates misclassified from correct or out-of-distribution from in-distribution samples.
/// See docs/metrics.md.
/// </summary>
/// <remarks>
/// The inputs are validated, then copied once to the host; the metric is computed there in double precision by one
/// O(N log N) sort with tied scores grouped. The inputs may live on any device and are never modified or disposed.
/// </remarks>
public static class Ranking
{
    /// <summary>
    /// Area under the ROC curve, as the Mann–Whitney statistic: the probability that a random positive scores higher
    /// than a random negative, a tie counting ½:
    /// AUROC = (1 / (P·Q)) Σ_{i positive} Σ_{j negative} ([s_i &gt; s_j] + ½ [s_i = s_j]).
    /// </summary>
    /// <remarks>
    /// <para>1 for a perfect ranking, 0 for a reversed one, 0.5 when all scores are equal. Equals the trapezoidal area
    /// under the ROC curve (as sklearn's roc_auc_score).</para>
    /// <para>Shapes: <paramref name="score"/> (N), N ≥ 1, Float32 or Float64 (Float16/BFloat16 accepted), no NaN
    /// (±∞ allowed); <paramref name="label"/> (N), Bool or an integer dtype holding 0 and 1, on the same device.
    /// Computed on the host in double.</para>
    /// <para>Undefined without both classes: a label with no positives or no negatives throws
    /// <see cref="ArgumentException"/> (sklearn raises a ValueError there too).</para>
    /// <para>Reference: H. B. Mann and D. R. Whitney, Ann. Math. Statist. 18(1), 1947; J. A. Hanley and B. J. McNeil,
    /// "The meaning and use of the area under a ROC curve", Radiology 143, 1982; T. Fawcett, "An introduction to ROC
    /// analysis", Pattern Recognition Letters 27, 2006.</para>
    /// </remarks>
    /// <param name="score">Scores, higher meaning "more likely positive", (N).</param>
    /// <param name="label">True labels (1 or true = positive), (N).</param>
    /// <returns>AUROC in [0, 1].</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, has the wrong shape, dtype, device or values, or
    /// <paramref name="label"/> lacks positives or negatives.</exception>
    public static double Auroc(Tensor score, Tensor label)
    {
        using var scope = NewDisposeScope();
        var (s, l) = MetricInputs.Binary(score, label, nameof(score), nameof(label));
        long positives = CountTrue(l);
        long negatives = l.Length - positives;
        if (positives == 0 || negatives == 0)
            throw Check.Invalid(nameof(label), "label to hold both positives and negatives for AUROC",
                Check.Inv($"{positives} positive(s) and {negatives} negative(s)"));

        var (keys, isPositive) = Sorted(s, l, descending: false);
        // Ascending tie groups: each positive in a group beats every negative below it and ties the group's negatives.
        double wins = 0.0, negativesBelow = 0.0;
        int start = 0;
        while (start < keys.Length)
        {
            int end = start;
            long groupPositives = 0, groupNegatives = 0;
            while (end < keys.Length && keys[end] == keys[start])
            {
                if (isPositive[end]) groupPositives++; else groupNegatives++;
                end++;
            }

            wins += groupPositives * (negativesBelow + 0.5 * groupNegatives);
            negativesBelow += groupNegatives;
            start = end;
        }

        return wins / ((double)positives * negatives);
    }

    /// <summary>
    /// Average precision, the step-wise area under the precision–recall curve as sklearn's average_precision_score:
    /// AP = Σ_n (R_n − R_{n−1}) P_n over the distinct score thresholds t_1 &gt; t_2 &gt; … (tied scores form one
    /// threshold), where P_n and R_n are the precision and recall of predicting positive when score ≥ t_n, and R_0 = 0.
    /// </summary>
    /// <remarks>
    /// <para>1 for a perfect ranking; no interpolation is applied. With no negatives it is 1.</para>
    /// <para>Shapes: <paramref name="score"/> (N), N ≥ 1, Float32 or Float64 (Float16/BFloat16 accepted), no NaN
    /// (±∞ allowed); <paramref name="label"/> (N), Bool or an integer dtype holding 0 and 1, on the same device.
    /// Computed on the host in double.</para>
    /// <para>Undefined without positives (recall is 0/0): a label with no positives throws
    /// <see cref="ArgumentException"/> (sklearn warns and returns 0 or NaN, depending on the version).</para>
    /// <para>Reference: scikit-learn, sklearn.metrics.average_precision_score; M. Zhu, "Recall, Precision and Average
    /// Precision", University of Waterloo, 2004; C. D. Manning, P. Raghavan, H. Schütze, "Introduction to Information
    /// Retrieval", 2008, ch. 8.</para>
    /// </remarks>
    /// <param name="score">Scores, higher meaning "more likely positive", (N).</param>
    /// <param name="label">True labels (1 or true = positive), (N).</param>
    /// <returns>Average precision in (0, 1].</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, has the wrong shape, dtype, device or values, or
    /// <paramref name="label"/> has no positives.</exception>
    public static double Aupr(Tensor score, Tensor label)
    {
        using var scope = NewDisposeScope();
        var (s, l) = MetricInputs.Binary(score, label, nameof(score), nameof(label));
        long positives = CountTrue(l);
        if (positives == 0)
            throw Check.Invalid(nameof(label), "label to hold at least one positive for average precision",
                Check.Inv($"0 positives among {l.Length} samples"));

        var (keys, isPositive) = Sorted(s, l, descending: true);
        double ap = 0.0, previousRecall = 0.0;
        long truePositives = 0, predicted = 0;
        int start = 0;
        while (start < keys.Length)
        {
            int end = start;
            while (end < keys.Length && keys[end] == keys[start])
            {
                if (isPositive[end]) truePositives++;
                predicted++;
                end++;
            }

            double recall = (double)truePositives / positives;
            double precision = (double)truePositives / predicted;
            ap += (recall - previousRecall) * precision;
            previousRecall = recall;
            start = end;
        }

        return ap;
    }

    private static (double[] Keys, bool[] IsPositive) Sorted(double[] score, bool[] label, bool descending)
    {
        var keys = new double[score.Length];
        for (int i = 0; i < keys.Length; i++)
            keys[i] = descending ? -score[i] : score[i];
        var items = (bool[])label.Clone();
        Array.Sort(keys, items);
        return (keys, items);
    }

    private static long CountTrue(bool[] values)
    {
        long count = 0;
        foreach (bool b in values)
            count += b ? 1 : 0;
        return count;
    }
}
