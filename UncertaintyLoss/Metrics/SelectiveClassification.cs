using System;
using System.Collections.Generic;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss.Metrics;

/// <summary>
/// One point of a risk–coverage curve: accept the positions whose confidence is at least <see cref="Threshold"/>.
/// </summary>
/// <param name="Threshold">The confidence threshold t (a distinct confidence value).</param>
/// <param name="Coverage">The fraction of positions accepted, #{c ≥ t} / M.</param>
/// <param name="Risk">The selective risk: the error rate among the accepted, #{c ≥ t, wrong} / #{c ≥ t}.</param>
/// <param name="GeneralizedRisk">The generalized risk (Traub et al. 2024): #{c ≥ t, wrong} / M.</param>
public sealed record RiskCoveragePoint(double Threshold, double Coverage, double Risk, double GeneralizedRisk);

/// <summary>
/// Selective classification (Geifman and El-Yaniv 2017): a classifier that abstains below a confidence threshold, judged
/// by its risk–coverage curve, the area under it (AURC) and the area under the generalized risk–coverage curve (AUGRC).
/// Confidence is the maximum predicted probability, the prediction its arg max (first on ties); 0–1 loss.
/// See <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/metrics.md">metrics.md</see>.
/// </summary>
/// <remarks>
/// The inputs are validated, then copied once to the host; the metrics are computed there in double precision from the
/// exact counts of correct and wrong predictions per distinct confidence (one sort of the distinct values), so they
/// depend only on the multiset of (confidence, correct) pairs. Probabilities (N, C) or (N, C, d1, …, dk), targets (N) or
/// (N, d1, …, dk); positions whose target is the ignore index are dropped. <see cref="ClassificationMetricsAccumulator"/>
/// gives the same values batch by batch.
/// </remarks>
public static class SelectiveClassification
{
    /// <summary>
    /// The risk–coverage curve: one point per distinct confidence t, from the highest (lowest coverage) to the lowest
    /// (coverage 1), each with coverage, selective risk and generalized risk when accepting confidences ≥ t.
    /// </summary>
    /// <remarks>
    /// <para>Tied confidences are accepted together, so the curve has one point per distinct confidence; its last point
    /// has coverage 1 and risk equal to the error rate.</para>
    /// <para>Shapes: <paramref name="probabilities"/> (N, C, d1, …, dk), N ≥ 1, C ≥ 2, floating, values in [0, 1];
    /// <paramref name="target"/> (N, d1, …, dk) integer class indices in [0, C) or <paramref name="ignoreIndex"/>
    /// (dropped), same device.</para>
    /// <para>Reference: Y. Geifman, R. El-Yaniv, "Selective Classification for Deep Neural Networks", NeurIPS 2017;
    /// R. El-Yaniv, Y. Wiener, "On the Foundations of Noise-free Selective Classification", JMLR 11, 2010.</para>
    /// </remarks>
    /// <param name="probabilities">Predicted class probabilities, (N, C, d1, …, dk).</param>
    /// <param name="target">True class indices, (N, d1, …, dk).</param>
    /// <param name="ignoreIndex">Target value whose positions are dropped (default −100).</param>
    /// <returns>The points, by decreasing threshold (increasing coverage).</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, or has the wrong shape, dtype, device or values, or every
    /// position is ignored.</exception>
    public static IReadOnlyList<RiskCoveragePoint> RiskCoverageCurve(Tensor probabilities, Tensor target, long ignoreIndex = -100) =>
        RankStatistics.Selective(Confidences(probabilities, target, ignoreIndex), curve: true).Curve;

    /// <summary>
    /// Area under the risk–coverage curve, as the mean selective risk over the coverages 1/M, 2/M, …, 1:
    /// AURC = (1/M) Σ_{i=1}^{M} E_i / i, with E_i the number of errors among the i most confident positions.
    /// </summary>
    /// <remarks>
    /// <para><b>Ties:</b> positions of equal confidence have no order, so E_i is its expectation over a random order of
    /// each tie group (a group of n with w errors brings j·w/n errors when j of it are accepted). Without ties this is
    /// the usual mean of the selective risks (Geifman et al. 2019's AURC). Lower is better; the error rate r of the
    /// classifier gives AURC ≈ r for a random ranking and the optimum (1/M) Σ_i max(0, i − (1 − r)M)/i.</para>
    /// <para>Shapes and <paramref name="ignoreIndex"/> as <see cref="RiskCoverageCurve"/>.</para>
    /// <para>Reference: Y. Geifman, R. El-Yaniv, NeurIPS 2017; Y. Geifman, G. Uziel, R. El-Yaniv, "Bias-Reduced
    /// Uncertainty Estimation for Deep Neural Classifiers", ICLR 2019.</para>
    /// </remarks>
    /// <param name="probabilities">Predicted class probabilities, (N, C, d1, …, dk).</param>
    /// <param name="target">True class indices, (N, d1, …, dk).</param>
    /// <param name="ignoreIndex">Target value whose positions are dropped (default −100).</param>
    /// <returns>AURC in [0, 1].</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, or has the wrong shape, dtype, device or values, or every
    /// position is ignored.</exception>
    public static double Aurc(Tensor probabilities, Tensor target, long ignoreIndex = -100) =>
        RankStatistics.Selective(Confidences(probabilities, target, ignoreIndex), curve: false).Aurc;

    /// <summary>
    /// Area under the generalized risk–coverage curve (Traub et al. 2024), by the trapezoid rule over the coverages
    /// 0, 1/M, …, 1 with generalized risk E_i / M (E_0 = 0):
    /// AUGRC = (1/M) Σ_{i=1}^{M} (E_{i−1} + E_i) / (2M).
    /// </summary>
    /// <remarks>
    /// <para>It equals (1 − AUROC_f)·acc·(1 − acc) + ½(1 − acc)², with acc the accuracy and AUROC_f the AUROC of the
    /// confidence for separating correct from wrong predictions (ties ½), which is Traub et al.'s closed form (tested).
    /// Ties: E_i is its expectation over a random order of each tie group, as for <see cref="Aurc"/>. Lower is better;
    /// in [0, ½].</para>
    /// <para>Shapes and <paramref name="ignoreIndex"/> as <see cref="RiskCoverageCurve"/>.</para>
    /// <para>Reference: J. Traub, T. J. Bungert, C. T. Lüth, M. Baumgartner, K. H. Maier-Hein, L. Maier-Hein, P. F. Jäger,
    /// "Overcoming Common Flaws in the Evaluation of Selective Classification Systems", NeurIPS 2024.</para>
    /// </remarks>
    /// <param name="probabilities">Predicted class probabilities, (N, C, d1, …, dk).</param>
    /// <param name="target">True class indices, (N, d1, …, dk).</param>
    /// <param name="ignoreIndex">Target value whose positions are dropped (default −100).</param>
    /// <returns>AUGRC in [0, 0.5].</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, or has the wrong shape, dtype, device or values, or every
    /// position is ignored.</exception>
    public static double Augrc(Tensor probabilities, Tensor target, long ignoreIndex = -100) =>
        RankStatistics.Selective(Confidences(probabilities, target, ignoreIndex), curve: false).Augrc;

    private static ScoreCounts Confidences(Tensor probabilities, Tensor target, long ignoreIndex) =>
        Calibration.Statistics(probabilities, target, 1, ignoreIndex, perClass: false, confidences: true).Confidences!;
}
