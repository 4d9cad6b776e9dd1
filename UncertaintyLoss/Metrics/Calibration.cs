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
/// See docs/metrics.md.
/// </summary>
/// <remarks>
/// The inputs are validated, then copied once to the host and the metric is computed there in double precision; the
/// inputs may live on any device and are never modified or disposed.
/// </remarks>
public static class Calibration
{
    /// <summary>
    /// Expected calibration error with equal-width confidence bins (Guo et al. 2017):
    /// ECE = Σ_b (n_b / N) |acc_b − conf_b|, over the non-empty bins of <see cref="ReliabilityDiagram"/>.
    /// </summary>
    /// <remarks>
    /// <para>Confidence is the maximum predicted probability of a sample, its prediction the class attaining it (the first
    /// such class on ties). Bin b = 0, …, B−1 holds confidences in (b/B, (b+1)/B]; the first bin also holds 0.</para>
    /// <para>Shapes: <paramref name="probabilities"/> (N, C), N ≥ 1, C ≥ 2, Float32 or Float64 (Float16/BFloat16 are
    /// accepted too), values in [0, 1] (rows are not checked to sum to 1); <paramref name="target"/> (N), class indices
    /// in [0, C), Int64 or another integer dtype, on the same device. Computed on the host in double.</para>
    /// <para>Reference: C. Guo, G. Pleiss, Y. Sun, K. Q. Weinberger, "On Calibration of Modern Neural Networks",
    /// ICML 2017; M. P. Naeini, G. Cooper, M. Hauskrecht, AAAI 2015.</para>
    /// </remarks>
    /// <param name="probabilities">Predicted class probabilities, (N, C).</param>
    /// <param name="target">True class indices, (N).</param>
    /// <param name="bins">Number of equal-width bins B ≥ 1 (default 15).</param>
    /// <returns>ECE in [0, 1].</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, or has the wrong shape, dtype, device or values.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bins"/> is less than 1.</exception>
    public static double ExpectedCalibrationError(Tensor probabilities, Tensor target, int bins = 15)
    {
        var table = ReliabilityDiagram(probabilities, target, bins);
        long total = 0;
        foreach (var bin in table)
            total += bin.Count;
        double ece = 0.0;
        foreach (var bin in table)
        {
            if (bin.Count > 0)
                ece += (double)bin.Count / total * Math.Abs(bin.Accuracy - bin.Confidence);
        }

        return ece;
    }

    /// <summary>
    /// The table behind a reliability diagram: for each of B equal-width confidence bins, its edges, sample count,
    /// accuracy and mean confidence. Consistent with <see cref="ExpectedCalibrationError"/>, which is
    /// Σ_b (Count_b / N) |Accuracy_b − Confidence_b| over its non-empty bins.
    /// </summary>
    /// <remarks>
    /// <para>Bin b = 0, …, B−1 has Lower = b/B and Upper = (b+1)/B and holds the samples whose confidence c (maximum
    /// predicted probability, compared in double) satisfies Lower &lt; c ≤ Upper; the first bin also holds c = 0.
    /// All B bins are returned, in order; an empty bin has Count 0 and NaN accuracy and confidence.</para>
    /// <para>Shapes: <paramref name="probabilities"/> (N, C), N ≥ 1, C ≥ 2, floating, values in [0, 1];
    /// <paramref name="target"/> (N) integer class indices in [0, C), same device. Computed on the host in double.</para>
    /// <para>Reference: Guo et al., "On Calibration of Modern Neural Networks", ICML 2017 (Fig. 1);
    /// DeGroot and Fienberg, "The Comparison and Evaluation of Forecasters", 1983.</para>
    /// </remarks>
    /// <param name="probabilities">Predicted class probabilities, (N, C).</param>
    /// <param name="target">True class indices, (N).</param>
    /// <param name="bins">Number of equal-width bins B ≥ 1 (default 15).</param>
    /// <returns>B bins, lowest confidence first.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, or has the wrong shape, dtype, device or values.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bins"/> is less than 1.</exception>
    public static IReadOnlyList<ReliabilityBin> ReliabilityDiagram(Tensor probabilities, Tensor target, int bins = 15)
    {
        Check.AtLeast(bins, 1, nameof(bins));
        using var scope = NewDisposeScope();
        var (p, y, n, c) = MetricInputs.Classification(probabilities, target, nameof(probabilities), nameof(target));

        var counts = new long[bins];
        var correct = new long[bins];
        var confidenceSums = new double[bins];
        for (int i = 0; i < n; i++)
        {
            int row = i * c;
            int predicted = 0;
            double confidence = p[row];
            for (int k = 1; k < c; k++)
            {
                if (p[row + k] > confidence)
                {
                    confidence = p[row + k];
                    predicted = k;
                }
            }

            int b = BinOf(confidence, bins);
            counts[b]++;
            confidenceSums[b] += confidence;
            if (predicted == y[i])
                correct[b]++;
        }

        var table = new ReliabilityBin[bins];
        for (int b = 0; b < bins; b++)
        {
            double lower = (double)b / bins, upper = (double)(b + 1) / bins;
            table[b] = counts[b] == 0
                ? new ReliabilityBin(lower, upper, 0, double.NaN, double.NaN)
                : new ReliabilityBin(lower, upper, counts[b], (double)correct[b] / counts[b], confidenceSums[b] / counts[b]);
        }

        return table;
    }

    /// <summary>The bin b with b/B &lt; c ≤ (b+1)/B (b = 0 for c = 0), with the edges computed exactly as reported.</summary>
    private static int BinOf(double confidence, int bins)
    {
        int b = (int)Math.Ceiling(confidence * bins) - 1;
        b = Math.Clamp(b, 0, bins - 1);
        while (b > 0 && confidence <= (double)b / bins)
            b--;
        while (b < bins - 1 && confidence > (double)(b + 1) / bins)
            b++;
        return b;
    }
}
