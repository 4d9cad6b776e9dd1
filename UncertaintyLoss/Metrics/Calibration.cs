using System;
using System.Collections.Generic;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss.Metrics;

/// <summary>
/// One confidence bin of a reliability diagram: the samples whose confidence (maximum predicted probability) lies in
/// (<see cref="Lower"/>, <see cref="Upper"/>] — the first bin also takes confidence 0 — with their accuracy and mean
/// confidence.
/// </summary>
/// <param name="Lower">Lower edge b/B of the bin (exclusive, except 0 for the first bin).</param>
/// <param name="Upper">Upper edge (b+1)/B of the bin (inclusive).</param>
/// <param name="Count">Number of samples n_b in the bin.</param>
/// <param name="Accuracy">acc_b: the fraction of the bin's samples whose predicted class (arg max, first on ties) is the
/// target; NaN when the bin is empty.</param>
/// <param name="Confidence">conf_b: the mean confidence of the bin's samples; NaN when the bin is empty.</param>
public sealed record ReliabilityBin(double Lower, double Upper, long Count, double Accuracy, double Confidence);

/// <summary>
/// Calibration metrics of classifiers: the expected calibration error and the reliability-diagram table behind it.
/// See <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/metrics.md">metrics.md</see>.
/// </summary>
/// <remarks>
/// The inputs are validated, then copied once to the host and the metric is computed there in double precision; the
/// inputs may live on any device and are never modified or disposed.
/// </remarks>
public static class Calibration
{
    /// <summary>
    /// Expected calibration error with equal-width confidence bins (Guo et al. 2017):
    /// ECE = Σ_b (n_b / M) |acc_b − conf_b|, over the non-empty bins of <see cref="ReliabilityDiagram"/>.
    /// </summary>
    /// <remarks>
    /// <para>Confidence is the maximum predicted probability of a position, its prediction the class attaining it (the first
    /// such class on ties). Bin b = 0, …, B−1 holds confidences in (b/B, (b+1)/B]; the first bin also holds 0.</para>
    /// <para>Shapes: <paramref name="probabilities"/> (N, C) or (N, C, d1, …, dk), N ≥ 1, C ≥ 2, Float32 or Float64
    /// (Float16/BFloat16 are accepted too), values in [0, 1] (rows are not checked to sum to 1);
    /// <paramref name="target"/> (N) or (N, d1, …, dk), class indices in [0, C) or <paramref name="ignoreIndex"/>, Int64 or
    /// another integer dtype, on the same device. Positions whose target is <paramref name="ignoreIndex"/> are dropped
    /// (their probabilities are not checked); M is the number kept. Computed on the host in double.
    /// <see cref="ClassificationMetricsAccumulator"/> gives the same value batch by batch.</para>
    /// <para>Reference: C. Guo, G. Pleiss, Y. Sun, K. Q. Weinberger, "On Calibration of Modern Neural Networks",
    /// ICML 2017; M. P. Naeini, G. Cooper, M. Hauskrecht, AAAI 2015.</para>
    /// </remarks>
    /// <param name="probabilities">Predicted class probabilities, (N, C, d1, …, dk).</param>
    /// <param name="target">True class indices, (N, d1, …, dk).</param>
    /// <param name="bins">Number of equal-width bins B ≥ 1 (default 15).</param>
    /// <param name="ignoreIndex">Target value whose positions are dropped (default −100, as cross_entropy).</param>
    /// <returns>ECE in [0, 1].</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, or has the wrong shape, dtype, device or values, or every
    /// position is ignored.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bins"/> is less than 1.</exception>
    public static double ExpectedCalibrationError(Tensor probabilities, Tensor target, int bins = 15, long ignoreIndex = -100) =>
        Statistics(probabilities, target, bins, ignoreIndex, perClass: false).ExpectedCalibrationError();

    /// <summary>
    /// The table behind a reliability diagram: for each of B equal-width confidence bins, its edges, sample count,
    /// accuracy and mean confidence. Consistent with <see cref="ExpectedCalibrationError"/>, which is
    /// Σ_b (Count_b / M) |Accuracy_b − Confidence_b| over its non-empty bins.
    /// </summary>
    /// <remarks>
    /// <para>Bin b = 0, …, B−1 has Lower = b/B and Upper = (b+1)/B and holds the positions whose confidence c (maximum
    /// predicted probability, compared in double) satisfies Lower &lt; c ≤ Upper; the first bin also holds c = 0.
    /// All B bins are returned, in order; an empty bin has Count 0 and NaN accuracy and confidence.</para>
    /// <para>Shapes: <paramref name="probabilities"/> (N, C, d1, …, dk), k ≥ 0, N ≥ 1, C ≥ 2, floating, values in [0, 1];
    /// <paramref name="target"/> (N, d1, …, dk) integer class indices in [0, C) or <paramref name="ignoreIndex"/> (those
    /// positions are dropped), same device. Computed on the host in double.</para>
    /// <para>Reference: Guo et al., "On Calibration of Modern Neural Networks", ICML 2017 (Fig. 1);
    /// DeGroot and Fienberg, "The Comparison and Evaluation of Forecasters", 1983.</para>
    /// </remarks>
    /// <param name="probabilities">Predicted class probabilities, (N, C, d1, …, dk).</param>
    /// <param name="target">True class indices, (N, d1, …, dk).</param>
    /// <param name="bins">Number of equal-width bins B ≥ 1 (default 15).</param>
    /// <param name="ignoreIndex">Target value whose positions are dropped (default −100).</param>
    /// <returns>B bins, lowest confidence first.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, or has the wrong shape, dtype, device or values, or every
    /// position is ignored.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bins"/> is less than 1.</exception>
    public static IReadOnlyList<ReliabilityBin> ReliabilityDiagram(Tensor probabilities, Tensor target, int bins = 15, long ignoreIndex = -100) =>
        Statistics(probabilities, target, bins, ignoreIndex, perClass: false).ReliabilityDiagram();

    /// <summary>
    /// Maximum calibration error over equal-width confidence bins (Naeini et al. 2015): MCE = max_b |acc_b − conf_b| over
    /// the non-empty bins of <see cref="ReliabilityDiagram"/>.
    /// </summary>
    /// <remarks>
    /// <para>The bins, shapes and <paramref name="ignoreIndex"/> are those of <see cref="ExpectedCalibrationError"/>. A
    /// single position in an otherwise empty bin can set the MCE; read it with the bin counts.</para>
    /// <para>Reference: M. P. Naeini, G. F. Cooper, M. Hauskrecht, "Obtaining Well Calibrated Probabilities Using Bayesian
    /// Binning", AAAI 2015; Guo et al., ICML 2017 (eq. 5).</para>
    /// </remarks>
    /// <param name="probabilities">Predicted class probabilities, (N, C, d1, …, dk).</param>
    /// <param name="target">True class indices, (N, d1, …, dk).</param>
    /// <param name="bins">Number of equal-width bins B ≥ 1 (default 15).</param>
    /// <param name="ignoreIndex">Target value whose positions are dropped (default −100).</param>
    /// <returns>MCE in [0, 1].</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, or has the wrong shape, dtype, device or values, or every
    /// position is ignored.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bins"/> is less than 1.</exception>
    public static double MaximumCalibrationError(Tensor probabilities, Tensor target, int bins = 15, long ignoreIndex = -100) =>
        Statistics(probabilities, target, bins, ignoreIndex, perClass: false).MaximumCalibrationError();

    /// <summary>
    /// Adaptive (equal-mass) calibration error: the ECE with B bins that hold equally many positions, sorted by confidence
    /// (Nixon et al. 2019's ACE for the top label; Mukhoti et al. 2020's AdaECE).
    /// </summary>
    /// <remarks>
    /// <para>Sort the M kept positions by confidence c (maximum probability) ascending; position i = 0, …, M−1 is in bin
    /// ⌊i·B/M⌋ (bins differ in size by at most one; with B &gt; M some are empty and skipped). Then
    /// aECE = Σ_b (n_b / M) |acc_b − conf_b| as for <see cref="ExpectedCalibrationError"/>. <b>Ties:</b> the positions of
    /// one confidence value have no order, so each of them counts with its tie group's mean correctness (a group cut by a
    /// bin edge gives each part the same accuracy); the value therefore depends only on the multiset of (confidence,
    /// correct) pairs. Without ties this is the usual definition.</para>
    /// <para>Shapes and <paramref name="ignoreIndex"/> as <see cref="ExpectedCalibrationError"/>. Computed on the host in
    /// double by one sort of the distinct confidences.</para>
    /// <para>Reference: J. Nixon, M. Dusenberry, L. Zhang, G. Jerfel, D. Tran, "Measuring Calibration in Deep Learning",
    /// CVPR Workshops 2019; J. Mukhoti et al., "Calibrating Deep Neural Networks using Focal Loss", NeurIPS 2020.</para>
    /// </remarks>
    /// <param name="probabilities">Predicted class probabilities, (N, C, d1, …, dk).</param>
    /// <param name="target">True class indices, (N, d1, …, dk).</param>
    /// <param name="bins">Number of equal-mass bins B ≥ 1 (default 15).</param>
    /// <param name="ignoreIndex">Target value whose positions are dropped (default −100).</param>
    /// <returns>Adaptive ECE in [0, 1].</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, or has the wrong shape, dtype, device or values, or every
    /// position is ignored.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bins"/> is less than 1.</exception>
    public static double AdaptiveCalibrationError(Tensor probabilities, Tensor target, int bins = 15, long ignoreIndex = -100)
    {
        Check.AtLeast(bins, 1, nameof(bins));
        var statistics = Statistics(probabilities, target, 1, ignoreIndex, perClass: false, confidences: true);
        return RankStatistics.AdaptiveCalibrationError(statistics.Confidences!, bins);
    }

    /// <summary>
    /// Classwise ECE (Kull et al. 2019): the one-vs-rest ECE of every class, averaged over classes:
    /// cwECE = (1/C) Σ_k Σ_b (n_kb / M) |ō_kb − p̄_kb|, with equal-width bins of the class-k probabilities.
    /// </summary>
    /// <remarks>
    /// <para>For class k, bin b holds the positions whose p_k lies in (b/B, (b+1)/B] (the first bin also p_k = 0);
    /// n_kb is their number, p̄_kb their mean p_k and ō_kb the fraction of them whose target is k. Every class takes part,
    /// whether predicted or not.</para>
    /// <para>Shapes and <paramref name="ignoreIndex"/> as <see cref="ExpectedCalibrationError"/>.</para>
    /// <para>Reference: M. Kull, M. Perello-Nieto, M. Kängsepp, T. Silva Filho, H. Song, P. Flach, "Beyond temperature
    /// scaling: Obtaining well-calibrated multiclass probabilities with Dirichlet calibration", NeurIPS 2019 (eq. for
    /// classwise-ECE).</para>
    /// </remarks>
    /// <param name="probabilities">Predicted class probabilities, (N, C, d1, …, dk).</param>
    /// <param name="target">True class indices, (N, d1, …, dk).</param>
    /// <param name="bins">Number of equal-width bins B ≥ 1 per class (default 15).</param>
    /// <param name="ignoreIndex">Target value whose positions are dropped (default −100).</param>
    /// <returns>Classwise ECE in [0, 1].</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, or has the wrong shape, dtype, device or values, or every
    /// position is ignored.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bins"/> is less than 1.</exception>
    public static double ClasswiseCalibrationError(Tensor probabilities, Tensor target, int bins = 15, long ignoreIndex = -100) =>
        Statistics(probabilities, target, bins, ignoreIndex, perClass: true).ClasswiseCalibrationError();

    /// <summary>Validates, copies and accumulates once (the one-shot path is the accumulator's, with one batch).</summary>
    internal static ClassificationStatistics Statistics(Tensor probabilities, Tensor target, int bins, long ignoreIndex, bool perClass,
        bool confidences = false, double epsilon = 1e-12)
    {
        Check.AtLeast(bins, 1, nameof(bins));
        using var scope = NewDisposeScope();
        var (p, y, m, c) = MetricInputs.Classification(probabilities, target, nameof(probabilities), nameof(target), ignoreIndex);
        var statistics = new ClassificationStatistics(bins, c, perClass, confidences, epsilon);
        statistics.Add(p, y, m);
        return statistics;
    }
}
