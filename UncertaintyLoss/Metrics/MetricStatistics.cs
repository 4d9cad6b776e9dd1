using System;
using System.Collections.Generic;

namespace UncertaintyLoss.Metrics;

/// <summary>
/// A Neumaier-compensated running sum: the rounding error of each addition is carried, so the result is accurate to about
/// one rounding of the exact sum whatever the number of terms. Adding the same terms in the same order gives the same
/// bits, so a batched accumulation equals the one-shot one exactly when the batches come in order.
/// </summary>
internal struct CompensatedSum
{
    private double sum;
    private double compensation;

    /// <summary>Adds <paramref name="value"/>.</summary>
    internal void Add(double value)
    {
        double t = sum + value;
        if (Math.Abs(sum) >= Math.Abs(value))
            compensation += (sum - t) + value;
        else
            compensation += (value - t) + sum;
        sum = t;
    }

    /// <summary>The sum.</summary>
    internal readonly double Value => sum + compensation;
}

/// <summary>
/// The sufficient statistics of the classification metrics, updated position by position (kept positions only): the
/// top-label equal-width bins, the per-class equal-width bins (classwise ECE, Brier decomposition), the Brier and NLL sums,
/// and optionally the exact count of correct and wrong predictions per distinct confidence (the rank-based metrics).
/// Memory: O(B·C) plus, with the confidence map, O(distinct confidences).
/// </summary>
internal sealed class ClassificationStatistics
{
    internal readonly int Bins;
    internal readonly int Classes;
    internal readonly double Epsilon;
    internal long Count;

    // Top label, equal-width bins.
    internal readonly long[] BinCount;
    internal readonly long[] BinCorrect;
    internal readonly CompensatedSum[] BinConfidence;

    // Per class k and bin b (index k·B + b): n, Σo, Σp, Σp², Σp·o.
    internal readonly long[]? ClassBinCount;
    internal readonly long[]? ClassBinPositives;
    internal readonly CompensatedSum[]? ClassBinForecast;
    internal readonly CompensatedSum[]? ClassBinForecastSquared;
    internal readonly CompensatedSum[]? ClassBinForecastPositive;

    internal CompensatedSum Brier;
    internal CompensatedSum Nll;

    /// <summary>Distinct confidence → (correct, wrong) counts, or null.</summary>
    internal readonly ScoreCounts? Confidences;

    internal ClassificationStatistics(int bins, int classes, bool perClass, bool confidences, double epsilon = 1e-12, int? rankBits = null)
    {
        Bins = bins;
        Classes = classes;
        Epsilon = epsilon;
        BinCount = new long[bins];
        BinCorrect = new long[bins];
        BinConfidence = new CompensatedSum[bins];
        if (perClass)
        {
            ClassBinCount = new long[bins * classes];
            ClassBinPositives = new long[bins * classes];
            ClassBinForecast = new CompensatedSum[bins * classes];
            ClassBinForecastSquared = new CompensatedSum[bins * classes];
            ClassBinForecastPositive = new CompensatedSum[bins * classes];
        }

        if (confidences)
            Confidences = new ScoreCounts(rankBits);
    }

    /// <summary>Adds the M kept positions of row-major (M, C) probabilities <paramref name="p"/> with targets <paramref name="y"/>.</summary>
    internal void Add(double[] p, long[] y, int m)
    {
        int c = Classes;
        for (int i = 0; i < m; i++)
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

            bool correct = predicted == y[i];
            int b = BinOf(confidence, Bins);
            BinCount[b]++;
            BinConfidence[b].Add(confidence);
            if (correct)
                BinCorrect[b]++;
            Confidences?.Add(confidence, correct);

            double brier = 0.0;
            for (int k = 0; k < c; k++)
            {
                double v = p[row + k];
                bool positive = k == y[i];
                double d = v - (positive ? 1.0 : 0.0);
                brier += d * d;
                if (ClassBinCount is not null)
                {
                    int cell = k * Bins + BinOf(v, Bins);
                    ClassBinCount[cell]++;
                    ClassBinForecast![cell].Add(v);
                    ClassBinForecastSquared![cell].Add(v * v);
                    if (positive)
                    {
                        ClassBinPositives![cell]++;
                        ClassBinForecastPositive![cell].Add(v);
                    }
                }
            }

            Brier.Add(brier);
            Nll.Add(-Math.Log(Math.Max(p[row + (int)y[i]], Epsilon)));
            Count++;
        }
    }

    /// <summary>The bin b with b/B &lt; v ≤ (b+1)/B (b = 0 for v = 0), with the edges computed exactly as reported.</summary>
    internal static int BinOf(double v, int bins)
    {
        int b = (int)Math.Ceiling(v * bins) - 1;
        b = Math.Clamp(b, 0, bins - 1);
        while (b > 0 && v <= (double)b / bins)
            b--;
        while (b < bins - 1 && v > (double)(b + 1) / bins)
            b++;
        return b;
    }

    // ------------------------------------------------------------------ metrics

    internal IReadOnlyList<ReliabilityBin> ReliabilityDiagram()
    {
        var table = new ReliabilityBin[Bins];
        for (int b = 0; b < Bins; b++)
        {
            double lower = (double)b / Bins, upper = (double)(b + 1) / Bins;
            table[b] = BinCount[b] == 0
                ? new ReliabilityBin(lower, upper, 0, double.NaN, double.NaN)
                : new ReliabilityBin(lower, upper, BinCount[b], (double)BinCorrect[b] / BinCount[b], BinConfidence[b].Value / BinCount[b]);
        }

        return table;
    }

    internal double ExpectedCalibrationError()
    {
        double ece = 0.0;
        foreach (var bin in ReliabilityDiagram())
        {
            if (bin.Count > 0)
                ece += (double)bin.Count / Count * Math.Abs(bin.Accuracy - bin.Confidence);
        }

        return ece;
    }

    internal double MaximumCalibrationError()
    {
        double mce = 0.0;
        foreach (var bin in ReliabilityDiagram())
        {
            if (bin.Count > 0)
                mce = Math.Max(mce, Math.Abs(bin.Accuracy - bin.Confidence));
        }

        return mce;
    }

    internal double ClasswiseCalibrationError()
    {
        double total = 0.0;
        for (int k = 0; k < Classes; k++)
        {
            for (int b = 0; b < Bins; b++)
            {
                int cell = k * Bins + b;
                long n = ClassBinCount![cell];
                if (n == 0)
                    continue;
                double frequency = (double)ClassBinPositives![cell] / n;
                double forecast = ClassBinForecast![cell].Value / n;
                total += (double)n / Count * Math.Abs(frequency - forecast);
            }
        }

        return total / Classes;
    }

    internal double BrierScore() => Brier.Value / Count;

    internal double NegativeLogLikelihood() => Nll.Value / Count;

    internal BrierComponents BrierDecomposition()
    {
        double reliability = 0, resolution = 0, uncertainty = 0, variance = 0, covariance = 0;
        for (int k = 0; k < Classes; k++)
        {
            long positives = 0;
            for (int b = 0; b < Bins; b++)
                positives += ClassBinPositives![k * Bins + b];
            double baseRate = (double)positives / Count;
            uncertainty += baseRate * (1.0 - baseRate);
            for (int b = 0; b < Bins; b++)
            {
                int cell = k * Bins + b;
                long n = ClassBinCount![cell];
                if (n == 0)
                    continue;
                double meanForecast = ClassBinForecast![cell].Value / n;
                double frequency = (double)ClassBinPositives![cell] / n;
                reliability += n * (meanForecast - frequency) * (meanForecast - frequency);
                resolution += n * (frequency - baseRate) * (frequency - baseRate);
                variance += ClassBinForecastSquared![cell].Value - n * meanForecast * meanForecast;
                covariance += ClassBinForecastPositive![cell].Value - n * meanForecast * frequency;
            }
        }

        return new BrierComponents(reliability / Count, resolution / Count, uncertainty, variance / Count, covariance / Count, BrierScore());
    }
}

/// <summary>
/// Exact counts per distinct score: score → (positives, negatives), with ±0 as one key. Memory O(distinct scores). The
/// metrics read the distinct scores in sorted order, so they depend only on the multiset of (score, label) pairs, not on
/// the order or batching in which they were added.
/// </summary>
internal sealed class ScoreCounts
{
    private readonly Dictionary<double, (long Positives, long Negatives)> counts = new();
    private readonly int bits;

    /// <summary>Exact counts, or counts of the scores rounded to <paramref name="bits"/> significant bits (1–53; 53 is exact).</summary>
    internal ScoreCounts(int? bits = null) => this.bits = bits ?? 53;

    /// <summary>
    /// <paramref name="x"/> rounded to <paramref name="bits"/> significant bits (the leading one and bits − 1 stored
    /// bits), halves away from zero, on the magnitude's bit pattern: monotone non-decreasing in x, ±∞ and ±0 kept, a value
    /// near the largest double may round to ±∞.
    /// </summary>
    internal static double Round(double x, int bits)
    {
        if (bits >= 53 || double.IsInfinity(x) || x == 0.0)
            return x;
        int drop = 53 - bits;
        long raw = BitConverter.DoubleToInt64Bits(x);
        long sign = raw & long.MinValue;
        long magnitude = raw & long.MaxValue;
        magnitude = (magnitude + (1L << (drop - 1))) & ~((1L << drop) - 1);
        if (magnitude > 0x7FF0000000000000L)
            magnitude = 0x7FF0000000000000L;
        return BitConverter.Int64BitsToDouble(sign | magnitude);
    }

    internal long Positives { get; private set; }

    internal long Negatives { get; private set; }

    internal int Distinct => counts.Count;

    internal void Add(double score, bool positive)
    {
        if (score == 0.0)
            score = 0.0;
        else if (bits < 53)
            score = Round(score, bits);
        counts.TryGetValue(score, out var c);
        counts[score] = positive ? (c.Positives + 1, c.Negatives) : (c.Positives, c.Negatives + 1);
        if (positive) Positives++; else Negatives++;
    }

    internal void Add(double[] scores, bool[] labels)
    {
        for (int i = 0; i < scores.Length; i++)
            Add(scores[i], labels[i]);
    }

    /// <summary>The distinct scores in ascending order with their counts.</summary>
    internal (double[] Score, long[] Positives, long[] Negatives) Ascending()
    {
        var keys = new double[counts.Count];
        counts.Keys.CopyTo(keys, 0);
        Array.Sort(keys);
        var pos = new long[keys.Length];
        var neg = new long[keys.Length];
        for (int i = 0; i < keys.Length; i++)
            (pos[i], neg[i]) = counts[keys[i]];
        return (keys, pos, neg);
    }
}

/// <summary>The rank-based metrics, computed from exact <see cref="ScoreCounts"/> (tie groups are atomic or averaged, as each
/// metric documents).</summary>
internal static class RankStatistics
{
    /// <summary>Mann–Whitney AUROC, ties ½.</summary>
    internal static double Auroc(ScoreCounts counts)
    {
        var (_, pos, neg) = counts.Ascending();
        double wins = 0.0, negativesBelow = 0.0;
        for (int g = 0; g < pos.Length; g++)
        {
            wins += pos[g] * (negativesBelow + 0.5 * neg[g]);
            negativesBelow += neg[g];
        }

        return wins / ((double)counts.Positives * counts.Negatives);
    }

    /// <summary>Average precision (sklearn), tie groups one threshold.</summary>
    internal static double Aupr(ScoreCounts counts)
    {
        var (_, pos, neg) = counts.Ascending();
        double ap = 0.0, previousRecall = 0.0;
        long truePositives = 0, predicted = 0;
        for (int g = pos.Length - 1; g >= 0; g--)
        {
            truePositives += pos[g];
            predicted += pos[g] + neg[g];
            double recall = (double)truePositives / counts.Positives;
            double precision = (double)truePositives / predicted;
            ap += (recall - previousRecall) * precision;
            previousRecall = recall;
        }

        return ap;
    }

    /// <summary>FPR at the highest threshold whose TPR reaches <paramref name="tpr"/>.</summary>
    internal static double FprAtTpr(ScoreCounts counts, double tpr)
    {
        var (_, pos, neg) = counts.Ascending();
        long truePositives = 0, falsePositives = 0;
        for (int g = pos.Length - 1; g >= 0; g--)
        {
            truePositives += pos[g];
            falsePositives += neg[g];
            if ((double)truePositives / counts.Positives >= tpr)
                break;
        }

        return (double)falsePositives / counts.Negatives;
    }

    /// <summary>Equal-mass ECE over confidence counts (positives = correct), ties averaged.</summary>
    internal static double AdaptiveCalibrationError(ScoreCounts counts, int bins)
    {
        var (conf, correct, wrong) = counts.Ascending();
        long m = counts.Positives + counts.Negatives;
        var binCount = new long[bins];
        var binCorrect = new CompensatedSum[bins];
        var binConfidence = new CompensatedSum[bins];
        long start = 0;
        for (int g = 0; g < conf.Length; g++)
        {
            long n = correct[g] + wrong[g];
            long end = start + n;
            // Positions [start, end) ascending; position i is in bin ⌊i·B/M⌋.
            long i = start;
            while (i < end)
            {
                int b = (int)(i * bins / m);
                long binEnd = Math.Min(end, FirstPosition(b + 1, bins, m));
                long overlap = binEnd - i;
                binCount[b] += overlap;
                binCorrect[b].Add((double)overlap * correct[g] / n);
                binConfidence[b].Add(overlap * conf[g]);
                i = binEnd;
            }

            start = end;
        }

        double ece = 0.0;
        for (int b = 0; b < bins; b++)
        {
            if (binCount[b] > 0)
                ece += (double)binCount[b] / m * Math.Abs(binCorrect[b].Value / binCount[b] - binConfidence[b].Value / binCount[b]);
        }

        return ece;
    }

    /// <summary>The first position i with ⌊i·B/M⌋ ≥ b: ⌈b·M/B⌉.</summary>
    private static long FirstPosition(int b, int bins, long m) => ((long)b * m + bins - 1) / bins;

    /// <summary>Risk–coverage points (descending thresholds), AURC (mean selective risk, ties averaged) and AUGRC (trapezoid).</summary>
    internal static (IReadOnlyList<RiskCoveragePoint> Curve, double Aurc, double Augrc) Selective(ScoreCounts counts, bool curve)
    {
        var (conf, correct, wrong) = counts.Ascending();
        long m = counts.Positives + counts.Negatives;
        var points = curve ? new List<RiskCoveragePoint>(conf.Length) : null;
        var aurc = new CompensatedSum();
        var errorSum = new CompensatedSum(); // Σ_i E_i over coverages i/M, i = 1..M
        long accepted = 0, errors = 0;
        for (int g = conf.Length - 1; g >= 0; g--)
        {
            long n = correct[g] + wrong[g];
            double w = wrong[g];
            // Within the group, accepting j of its n samples brings j·w/n expected errors (random tie order).
            for (long j = 1; j <= n; j++)
                aurc.Add((errors + j * w / n) / (accepted + j));
            errorSum.Add(n * (double)errors + w * (n + 1) / 2.0);
            accepted += n;
            errors += wrong[g];
            points?.Add(new RiskCoveragePoint(conf[g], (double)accepted / m, (double)errors / accepted, (double)errors / m));
        }

        // Trapezoid over coverages 0, 1/M, …, 1 with GR(0) = 0: (1/M²)(Σ_{i=1}^{M} E_i − E_M/2).
        double augrc = (errorSum.Value - errors / 2.0) / ((double)m * m);
        return (points ?? (IReadOnlyList<RiskCoveragePoint>)Array.Empty<RiskCoveragePoint>(), aurc.Value / m, augrc);
    }
}
