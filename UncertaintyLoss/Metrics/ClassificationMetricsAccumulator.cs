using System;
using System.Collections.Generic;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss.Metrics;

/// <summary>
/// Streaming evaluation of a classifier: <see cref="Update"/> once per batch of (N, C, d1, …, dk) probabilities and
/// (N, d1, …, dk) targets, then read any classification metric. The values are those of the one-shot calls
/// (<see cref="Calibration"/>, <see cref="ScoringRules"/>, <see cref="SelectiveClassification"/>) on all the batches
/// concatenated: bit for bit when the batches come in order, to rounding (about 1e-16 relative) in any other order.
/// See
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/metrics.md#streaming-evaluation">metrics.md, "Streaming evaluation"</see>.
/// </summary>
/// <remarks>
/// <para><b>Memory.</b> The binned metrics (ECE, reliability diagram, MCE, classwise ECE, Brier decomposition) and the Brier
/// score and NLL keep fixed-size sums: O(B·C), whatever the number of positions. The rank-based metrics (adaptive ECE,
/// risk–coverage curve, AURC, AUGRC) keep the exact number of correct and wrong predictions per distinct confidence value:
/// O(D) for D distinct confidences, never more than the number of positions and at most 65,536 for Float16 or BFloat16
/// probabilities. For a hard bound pass <c>rankBits</c> (confidences rounded to that many significant bits; 16 bits keep
/// D ≤ 2^15 per binary order of magnitude), or <c>rankMetrics: false</c> to keep only the fixed-size part.</para>
/// <para>Each batch is validated like the one-shot calls (its classes must be <see cref="Classes"/>) before any state
/// changes, copied once to the host, and not kept; no tensor outlives <see cref="Update"/>. A batch whose positions are
/// all ignored is accepted and adds nothing.</para>
/// </remarks>
public sealed class ClassificationMetricsAccumulator
{
    private readonly ClassificationStatistics statistics;

    /// <summary>Creates an empty accumulator.</summary>
    /// <param name="classes">Number of classes C ≥ 2 of every batch.</param>
    /// <param name="bins">Number of equal-width bins B ≥ 1 of the binned metrics and of the equal-mass bins of
    /// <see cref="AdaptiveCalibrationError"/> (default 15; the one-shot Brier decomposition's default is 10).</param>
    /// <param name="ignoreIndex">Target value whose positions are dropped (default −100).</param>
    /// <param name="epsilon">The NLL's floor ε in (0, 1] (default 1e-12).</param>
    /// <param name="rankMetrics">Whether to keep the per-confidence counts of the rank-based metrics (default true).</param>
    /// <param name="rankBits">Null (default) for exact rank-based metrics, or 1–53: confidences are rounded to that many
    /// significant bits before they are counted (monotone, so only near-equal confidences merge into ties), which bounds
    /// the distinct values to 2^(rankBits − 1) per binary order of magnitude; the rank-based metrics are then exactly those
    /// of the rounded confidences. 53 is exact.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classes"/> &lt; 2, <paramref name="bins"/> &lt; 1,
    /// <paramref name="epsilon"/> not in (0, 1], or <paramref name="rankBits"/> not null and not in [1, 53].</exception>
    public ClassificationMetricsAccumulator(int classes, int bins = 15, long ignoreIndex = -100, double epsilon = 1e-12, bool rankMetrics = true,
        int? rankBits = null)
    {
        Check.AtLeast(classes, 2, nameof(classes));
        Check.AtLeast(bins, 1, nameof(bins));
        Check.Epsilon(epsilon, nameof(epsilon));
        Check.RankBits(rankBits, nameof(rankBits));
        IgnoreIndex = ignoreIndex;
        statistics = new ClassificationStatistics(bins, classes, perClass: true, confidences: rankMetrics, epsilon, rankBits);
    }

    /// <summary>The number of classes C.</summary>
    public int Classes => statistics.Classes;

    /// <summary>The number of bins B.</summary>
    public int Bins => statistics.Bins;

    /// <summary>The ignored target value.</summary>
    public long IgnoreIndex { get; }

    /// <summary>The number of positions accumulated (ignored ones not counted).</summary>
    public long Count => statistics.Count;

    /// <summary>The number of distinct confidence values held for the rank-based metrics (0 without them): their memory.</summary>
    public int DistinctConfidences => statistics.Confidences?.Distinct ?? 0;

    /// <summary>Adds a batch.</summary>
    /// <param name="probabilities">Predicted class probabilities, (N, C, d1, …, dk), values in [0, 1].</param>
    /// <param name="target">True class indices in [0, C) or <see cref="IgnoreIndex"/>, (N, d1, …, dk).</param>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, has the wrong shape, dtype, device or values, or its
    /// classes are not <see cref="Classes"/>; the accumulator is then unchanged.</exception>
    public void Update(Tensor probabilities, Tensor target)
    {
        if (probabilities is not null && !probabilities.IsInvalid && probabilities.dim() >= 2 && probabilities.shape[1] != Classes)
            throw Check.Invalid(nameof(probabilities), Check.Inv($"{nameof(probabilities)} with {Classes} classes in dimension 1 (the accumulator's)"),
                "shape " + Check.Shape(probabilities));
        using var scope = NewDisposeScope();
        var (p, y, m, _) = MetricInputs.Classification(probabilities, target, nameof(probabilities), nameof(target), IgnoreIndex, allowAllIgnored: true);
        statistics.Add(p, y, m);
    }

    /// <summary>The ECE, as <see cref="Calibration.ExpectedCalibrationError"/> with <see cref="Bins"/> bins.</summary>
    /// <returns>ECE in [0, 1].</returns>
    /// <exception cref="InvalidOperationException">No position has been accumulated.</exception>
    public double ExpectedCalibrationError() => NotEmpty().ExpectedCalibrationError();

    /// <summary>The reliability table, as <see cref="Calibration.ReliabilityDiagram"/> with <see cref="Bins"/> bins.</summary>
    /// <returns>B bins, lowest confidence first.</returns>
    /// <exception cref="InvalidOperationException">No position has been accumulated.</exception>
    public IReadOnlyList<ReliabilityBin> ReliabilityDiagram() => NotEmpty().ReliabilityDiagram();

    /// <summary>The MCE, as <see cref="Calibration.MaximumCalibrationError"/> with <see cref="Bins"/> bins.</summary>
    /// <returns>MCE in [0, 1].</returns>
    /// <exception cref="InvalidOperationException">No position has been accumulated.</exception>
    public double MaximumCalibrationError() => NotEmpty().MaximumCalibrationError();

    /// <summary>The classwise ECE, as <see cref="Calibration.ClasswiseCalibrationError"/> with <see cref="Bins"/> bins.</summary>
    /// <returns>Classwise ECE in [0, 1].</returns>
    /// <exception cref="InvalidOperationException">No position has been accumulated.</exception>
    public double ClasswiseCalibrationError() => NotEmpty().ClasswiseCalibrationError();

    /// <summary>The Brier score, as <see cref="ScoringRules.BrierScore(Tensor, Tensor, long)"/>.</summary>
    /// <returns>The mean Brier score.</returns>
    /// <exception cref="InvalidOperationException">No position has been accumulated.</exception>
    public double BrierScore() => NotEmpty().BrierScore();

    /// <summary>The NLL with the accumulator's ε, as <see cref="ScoringRules.NegativeLogLikelihood"/>.</summary>
    /// <returns>The mean negative log-likelihood.</returns>
    /// <exception cref="InvalidOperationException">No position has been accumulated.</exception>
    public double NegativeLogLikelihood() => NotEmpty().NegativeLogLikelihood();

    /// <summary>The Brier decomposition, as <see cref="ScoringRules.BrierDecomposition"/> with <see cref="Bins"/> bins.</summary>
    /// <returns>The components and the Brier score.</returns>
    /// <exception cref="InvalidOperationException">No position has been accumulated.</exception>
    public BrierComponents BrierDecomposition() => NotEmpty().BrierDecomposition();

    /// <summary>The adaptive ECE, as <see cref="Calibration.AdaptiveCalibrationError"/> with <see cref="Bins"/> bins.</summary>
    /// <returns>Adaptive ECE in [0, 1].</returns>
    /// <exception cref="InvalidOperationException">No position has been accumulated, or the accumulator was made without
    /// rank metrics.</exception>
    public double AdaptiveCalibrationError() => RankStatistics.AdaptiveCalibrationError(Ranks(), Bins);

    /// <summary>The risk–coverage curve, as <see cref="SelectiveClassification.RiskCoverageCurve"/>.</summary>
    /// <returns>The points, by decreasing threshold.</returns>
    /// <exception cref="InvalidOperationException">No position has been accumulated, or the accumulator was made without
    /// rank metrics.</exception>
    public IReadOnlyList<RiskCoveragePoint> RiskCoverageCurve() => RankStatistics.Selective(Ranks(), curve: true).Curve;

    /// <summary>The AURC, as <see cref="SelectiveClassification.Aurc"/>.</summary>
    /// <returns>AURC in [0, 1].</returns>
    /// <exception cref="InvalidOperationException">No position has been accumulated, or the accumulator was made without
    /// rank metrics.</exception>
    public double Aurc() => RankStatistics.Selective(Ranks(), curve: false).Aurc;

    /// <summary>The AUGRC, as <see cref="SelectiveClassification.Augrc"/>.</summary>
    /// <returns>AUGRC in [0, 0.5].</returns>
    /// <exception cref="InvalidOperationException">No position has been accumulated, or the accumulator was made without
    /// rank metrics.</exception>
    public double Augrc() => RankStatistics.Selective(Ranks(), curve: false).Augrc;

    private ClassificationStatistics NotEmpty() =>
        statistics.Count > 0 ? statistics : throw new InvalidOperationException("Expected at least one accumulated position, but received none: call Update first.");

    private ScoreCounts Ranks()
    {
        NotEmpty();
        return statistics.Confidences ?? throw new InvalidOperationException(
            "Expected an accumulator that keeps the rank metrics' counts, but received one made with rankMetrics: false.");
    }
}

/// <summary>
/// Streaming ranking metrics: <see cref="Update"/> once per batch of scores and 0/1 labels (any shape, the same for both),
/// then read AUROC, average precision or FPR at a TPR. The values are exactly those of <see cref="Ranking"/>'s one-shot
/// calls on all the batches concatenated, bit for bit, in any batch order. See
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/metrics.md#streaming-evaluation">metrics.md, "Streaming evaluation"</see>.
/// </summary>
/// <remarks>
/// <para><b>Memory.</b> The exact number of positives and negatives per distinct score: O(D) for D distinct scores (±0
/// are one), never more than the number of positions, at most 65,536 for Float16 or BFloat16 scores. This is exact, not a
/// histogram; to bound the memory, pass <c>rankBits</c> (or round the scores yourself) and read the result as the exact
/// metric of the rounded scores.</para>
/// <para>Each batch is validated like the one-shot calls before any state changes; no tensor outlives
/// <see cref="Update"/>. A batch whose positions are all ignored is accepted and adds nothing.</para>
/// </remarks>
public sealed class RankingAccumulator
{
    private readonly ScoreCounts counts;

    /// <summary>Creates an empty accumulator.</summary>
    /// <param name="ignoreIndex">Label value whose positions are dropped (default −100); neither 0 nor 1.</param>
    /// <param name="rankBits">Null (default) for exact metrics, or 1–53: scores are rounded to that many significant bits
    /// before they are counted (monotone: only near-equal scores merge into ties), bounding the distinct values to
    /// 2^(rankBits − 1) per binary order of magnitude; the metrics are then exactly those of the rounded scores.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ignoreIndex"/> is 0 or 1, or
    /// <paramref name="rankBits"/> is not null and not in [1, 53].</exception>
    public RankingAccumulator(long ignoreIndex = -100, int? rankBits = null)
    {
        Check.BinaryIgnoreIndex(ignoreIndex, nameof(ignoreIndex));
        Check.RankBits(rankBits, nameof(rankBits));
        IgnoreIndex = ignoreIndex;
        counts = new ScoreCounts(rankBits);
    }

    /// <summary>The ignored label value.</summary>
    public long IgnoreIndex { get; }

    /// <summary>The number of positives accumulated.</summary>
    public long Positives => counts.Positives;

    /// <summary>The number of negatives accumulated.</summary>
    public long Negatives => counts.Negatives;

    /// <summary>The number of distinct scores held: the accumulator's memory.</summary>
    public int DistinctScores => counts.Distinct;

    /// <summary>Adds a batch.</summary>
    /// <param name="score">Scores, higher meaning "more likely positive", (N, d1, …, dk).</param>
    /// <param name="label">Labels 0/1 (or Bool), or <see cref="IgnoreIndex"/>, of the same shape.</param>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed or has the wrong shape, dtype, device or values; the
    /// accumulator is then unchanged.</exception>
    public void Update(Tensor score, Tensor label)
    {
        using var scope = NewDisposeScope();
        var (s, l) = MetricInputs.Binary(score, label, nameof(score), nameof(label), IgnoreIndex, allowAllIgnored: true);
        counts.Add(s, l);
    }

    /// <summary>AUROC, as <see cref="Ranking.Auroc(Tensor, Tensor)"/>.</summary>
    /// <returns>AUROC in [0, 1].</returns>
    /// <exception cref="InvalidOperationException">The accumulated labels lack positives or negatives.</exception>
    public double Auroc() => RankStatistics.Auroc(Require(both: true, "AUROC"));

    /// <summary>Average precision, as <see cref="Ranking.Aupr(Tensor, Tensor)"/>.</summary>
    /// <returns>Average precision in (0, 1].</returns>
    /// <exception cref="InvalidOperationException">The accumulated labels have no positives.</exception>
    public double Aupr() => RankStatistics.Aupr(Require(both: false, "average precision"));

    /// <summary>FPR at a TPR, as <see cref="Ranking.FprAtTpr"/>.</summary>
    /// <param name="truePositiveRate">The TPR τ to reach, in (0, 1] (default 0.95).</param>
    /// <returns>FPR in [0, 1].</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="truePositiveRate"/> is not in (0, 1].</exception>
    /// <exception cref="InvalidOperationException">The accumulated labels lack positives or negatives.</exception>
    public double FprAtTpr(double truePositiveRate = 0.95)
    {
        Check.TruePositiveRate(truePositiveRate, nameof(truePositiveRate));
        return RankStatistics.FprAtTpr(Require(both: true, "FPR at a TPR"), truePositiveRate);
    }

    private ScoreCounts Require(bool both, string metric)
    {
        if ((both && (counts.Positives == 0 || counts.Negatives == 0)) || counts.Positives == 0)
            throw new InvalidOperationException(Check.Message(
                Check.Inv($"accumulated labels with {(both ? "both positives and negatives" : "at least one positive")} for {metric}"),
                Check.Inv($"{counts.Positives} positive(s) and {counts.Negatives} negative(s)")));
        return counts;
    }
}
