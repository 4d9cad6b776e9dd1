using System;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss.Metrics;

/// <summary>
/// Threshold-free binary ranking metrics — AUROC and average precision — for scoring, for example, how well an
/// uncertainty separates misclassified from correct or out-of-distribution from in-distribution samples.
/// See <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/metrics.md">metrics.md</see>.
/// </summary>
/// <remarks>
/// The inputs are validated, then copied once to the host; the metric is computed there in double precision from the
/// exact number of positives and negatives per distinct score (a hash map, then one sort of the distinct scores, tied
/// scores grouped), the same computation as <see cref="RankingAccumulator"/>'s. Scores and labels may be (N) or
/// (N, d1, …, dk); positions whose label is the ignore index are dropped. The inputs may live on any device and are never
/// modified or disposed.
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
    /// <para>Shapes: <paramref name="score"/> (N) or (N, d1, …, dk), N ≥ 1, Float32 or Float64 (Float16/BFloat16 accepted), no NaN
    /// (±∞ allowed); <paramref name="label"/> the same shape, Bool or an integer dtype holding 0 and 1 (or −100: dropped), on the same device.
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
    public static double Auroc(Tensor score, Tensor label) => Auroc(score, label, MetricInputs.DefaultIgnoreIndex);

    /// <summary>
    /// AUROC over the positions whose label is not <paramref name="ignoreIndex"/>; see <see cref="Auroc(Tensor, Tensor)"/>.
    /// </summary>
    /// <remarks>
    /// <para>Shapes: <paramref name="score"/> (N) or (N, d1, …, dk), floating; <paramref name="label"/> the same shape,
    /// Bool or an integer dtype holding 0, 1 or <paramref name="ignoreIndex"/> (those positions are dropped, and their
    /// scores are not checked). The two-argument overload uses −100. <see cref="RankingAccumulator"/> gives the same value
    /// batch by batch.</para>
    /// </remarks>
    /// <param name="score">Scores, higher meaning "more likely positive", (N, d1, …, dk).</param>
    /// <param name="label">True labels (1 or true = positive), (N, d1, …, dk).</param>
    /// <param name="ignoreIndex">Label value whose positions are dropped; neither 0 nor 1.</param>
    /// <returns>AUROC in [0, 1].</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, has the wrong shape, dtype, device or values, or the kept
    /// labels lack positives or negatives.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ignoreIndex"/> is 0 or 1.</exception>
    public static double Auroc(Tensor score, Tensor label, long ignoreIndex) =>
        RankStatistics.Auroc(Counts(score, label, ignoreIndex, both: true, "AUROC"));

    /// <summary>
    /// Average precision, the step-wise area under the precision–recall curve as sklearn's average_precision_score:
    /// AP = Σ_n (R_n − R_{n−1}) P_n over the distinct score thresholds t_1 &gt; t_2 &gt; … (tied scores form one
    /// threshold), where P_n and R_n are the precision and recall of predicting positive when score ≥ t_n, and R_0 = 0.
    /// </summary>
    /// <remarks>
    /// <para>1 for a perfect ranking; no interpolation is applied. With no negatives it is 1.</para>
    /// <para>Shapes: <paramref name="score"/> (N) or (N, d1, …, dk), N ≥ 1, Float32 or Float64 (Float16/BFloat16 accepted), no NaN
    /// (±∞ allowed); <paramref name="label"/> the same shape, Bool or an integer dtype holding 0 and 1 (or −100: dropped), on the same device.
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
    public static double Aupr(Tensor score, Tensor label) => Aupr(score, label, MetricInputs.DefaultIgnoreIndex);

    /// <summary>
    /// Average precision over the positions whose label is not <paramref name="ignoreIndex"/>; see
    /// <see cref="Aupr(Tensor, Tensor)"/>.
    /// </summary>
    /// <remarks>
    /// <para>Shapes as <see cref="Auroc(Tensor, Tensor, long)"/>. The two-argument overload uses −100.</para>
    /// </remarks>
    /// <param name="score">Scores, higher meaning "more likely positive", (N, d1, …, dk).</param>
    /// <param name="label">True labels (1 or true = positive), (N, d1, …, dk).</param>
    /// <param name="ignoreIndex">Label value whose positions are dropped; neither 0 nor 1.</param>
    /// <returns>Average precision in (0, 1].</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, has the wrong shape, dtype, device or values, or the kept
    /// labels have no positives.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ignoreIndex"/> is 0 or 1.</exception>
    public static double Aupr(Tensor score, Tensor label, long ignoreIndex) =>
        RankStatistics.Aupr(Counts(score, label, ignoreIndex, both: false, "average precision"));

    /// <summary>
    /// False-positive rate at a true-positive rate (FPR@95 for the default 0.95): the FPR of "positive when score ≥ t" at
    /// the highest threshold t whose TPR reaches <paramref name="truePositiveRate"/>.
    /// </summary>
    /// <remarks>
    /// <para>Thresholds are the distinct scores, so tied scores are accepted or rejected together (no interpolation); with
    /// TPR(t) = #{positives ≥ t}/P and FPR(t) = #{negatives ≥ t}/Q, the result is FPR(t*) with
    /// t* = max {t : TPR(t) ≥ τ}, the lowest FPR among thresholds with TPR ≥ τ. This is the first ROC point with TPR ≥ τ,
    /// as OpenOOD's fpr_recall and the common "FPR at 95 % TPR" code. Lower is better; 0 for a perfect ranking.</para>
    /// <para>Shapes: <paramref name="score"/> (N) or (N, d1, …, dk), floating, no NaN at kept positions;
    /// <paramref name="label"/> the same shape, Bool or integer holding 0, 1 or <paramref name="ignoreIndex"/> (dropped).
    /// Computed on the host in double.</para>
    /// <para>Undefined without both classes: throws <see cref="ArgumentException"/> naming <paramref name="label"/>.</para>
    /// <para>Reference: D. Hendrycks, K. Gimpel, "A Baseline for Detecting Misclassified and Out-of-Distribution Examples
    /// in Neural Networks", ICLR 2017; S. Liang, Y. Li, R. Srikant, "Enhancing the Reliability of Out-of-distribution Image
    /// Detection in Neural Networks" (ODIN), ICLR 2018.</para>
    /// </remarks>
    /// <param name="score">Scores, higher meaning "more likely positive", (N, d1, …, dk).</param>
    /// <param name="label">True labels (1 or true = positive), (N, d1, …, dk).</param>
    /// <param name="truePositiveRate">The TPR τ to reach, in (0, 1] (default 0.95).</param>
    /// <param name="ignoreIndex">Label value whose positions are dropped (default −100); neither 0 nor 1.</param>
    /// <returns>FPR in [0, 1].</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, has the wrong shape, dtype, device or values, or the kept
    /// labels lack positives or negatives.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="truePositiveRate"/> is not in (0, 1], or
    /// <paramref name="ignoreIndex"/> is 0 or 1.</exception>
    public static double FprAtTpr(Tensor score, Tensor label, double truePositiveRate = 0.95, long ignoreIndex = -100)
    {
        Check.TruePositiveRate(truePositiveRate, nameof(truePositiveRate));
        return RankStatistics.FprAtTpr(Counts(score, label, ignoreIndex, both: true, "FPR at a TPR"), truePositiveRate);
    }

    /// <summary>Validates, copies and counts the kept (score, label) pairs; checks the classes the metric needs.</summary>
    private static ScoreCounts Counts(Tensor score, Tensor label, long ignoreIndex, bool both, string metric)
    {
        using var scope = NewDisposeScope();
        var (s, l) = MetricInputs.Binary(score, label, nameof(score), nameof(label), ignoreIndex);
        var counts = new ScoreCounts();
        counts.Add(s, l);
        RequireClasses(counts, both, metric, nameof(label));
        return counts;
    }

    /// <summary>Throws naming <paramref name="name"/> unless the counts hold a positive (and a negative, if <paramref name="both"/>).</summary>
    internal static void RequireClasses(ScoreCounts counts, bool both, string metric, string name)
    {
        if (both && (counts.Positives == 0 || counts.Negatives == 0))
            throw Check.Invalid(name, Check.Inv($"{name} to hold both positives and negatives for {metric}"),
                Check.Inv($"{counts.Positives} positive(s) and {counts.Negatives} negative(s)"));
        if (!both && counts.Positives == 0)
            throw Check.Invalid(name, Check.Inv($"{name} to hold at least one positive for {metric}"),
                Check.Inv($"0 positives among {counts.Negatives} samples"));
    }
}
