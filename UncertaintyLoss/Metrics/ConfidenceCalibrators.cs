using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss.Metrics;

/// <summary>
/// The result of <see cref="ConfidenceCalibrator.TopLabel"/>: the predicted class, its calibrated confidence, and a
/// probability vector that carries that confidence.
/// </summary>
/// <param name="Prediction">The predicted class (arg max of the input probabilities), Int64, (N, d1..dk): calibration does
/// not change it.</param>
/// <param name="Confidence">g(max_k p_k), the calibrated probability that <paramref name="Prediction"/> is right, (N, d1..dk).</param>
/// <param name="Probabilities">(N, C, d1..dk), rows summing to 1: the predicted class holds <paramref name="Confidence"/>;
/// the other classes share 1 − Confidence in proportion to their input probabilities (equally when these are all 0),
/// except that none exceeds Confidence (the largest are capped at it and the remainder shared among the rest). So the
/// prediction stays an arg max (possibly tied) whenever Confidence ≥ 1/C; below 1/C no vector can keep it, and the others
/// share 1 − Confidence without the cap.</param>
public sealed record TopLabelCalibration(Tensor Prediction, Tensor Confidence, Tensor Probabilities);

/// <summary>
/// A calibration map g: [0, 1] → [0, 1] for a binary probability or the top-label confidence of a classifier, fit on
/// held-out data: <see cref="HistogramBinning"/> or <see cref="IsotonicRegression"/>. See
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/calibration.md">calibration.md</see>.
/// </summary>
/// <remarks>
/// <para><b>Binary.</b> Fit on the positive class's probability and 0/1 labels (<c>Fit</c>); <see cref="Apply"/> maps
/// new probabilities elementwise.</para>
/// <para><b>Top-label</b> (multiclass). Fit on the maximum probability c = max_k p_k of each position and whether its arg
/// max is the target (<c>FitTopLabel</c>); <see cref="TopLabel"/> returns the unchanged prediction, g(c), and a
/// renormalised vector (see <see cref="TopLabelCalibration.Probabilities"/>). Only the top label is calibrated (Gupta
/// and Ramdas, "Top-label calibration and multiclass-to-binary reductions", ICLR 2022): the other classes keep their
/// ratios, capped at g(c).</para>
/// <para>The map is applied on the host in double (one copy of the input each way); results have the input's dtype and device.</para>
/// </remarks>
public abstract class ConfidenceCalibrator
{
    private protected ConfidenceCalibrator()
    {
    }

    /// <summary>g(p) for one probability.</summary>
    /// <param name="probability">p in [0, 1].</param>
    /// <returns>The calibrated probability, in [0, 1].</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="probability"/> is NaN or outside [0, 1].</exception>
    public double Calibrate(double probability)
    {
        Check.InRange(probability >= 0 && probability <= 1, probability, nameof(probability), "probability in [0, 1]");
        return Map(probability);
    }

    /// <summary>g applied elementwise: calibrated binary probabilities (or confidences).</summary>
    /// <param name="probability">Probabilities of any shape, floating, in [0, 1].</param>
    /// <returns>g(p), the input's shape, dtype and device.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="probability"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="probability"/> is disposed, not floating, holds a NaN or a value
    /// outside [0, 1].</exception>
    public Tensor Apply(Tensor probability)
    {
        Check.UnitInterval(probability, nameof(probability));
        using var scope = NewDisposeScope();
        return MapTensor(probability.to(ScalarType.Float64)).to(probability.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Top-label calibration of multiclass probabilities: the prediction, g(max p), and a renormalised vector.</summary>
    /// <param name="probabilities">(N, C, d1..dk) class probabilities (rows along dimension 1 sum to 1 within 1e-3; 1e-2 for
    /// half precision).</param>
    /// <returns>The prediction, its calibrated confidence, and the vector of <see cref="TopLabelCalibration.Probabilities"/>,
    /// in the input's dtype (Int64 for the prediction) and on its device.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="probabilities"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="probabilities"/> is disposed, not floating, has rank below 2 or
    /// fewer than 2 classes, or holds a NaN, a value outside [0, 1] or a row not summing to 1.</exception>
    public TopLabelCalibration TopLabel(Tensor probabilities)
    {
        Check.ClassScores(probabilities, nameof(probabilities));
        Check.ProbabilityRows(probabilities, nameof(probabilities));
        using var scope = NewDisposeScope();
        var rows = ConformalClassifier.Rows(probabilities).cpu().contiguous().data<double>().ToArray();
        int classes = (int)probabilities.shape[1], n = rows.Length / classes;
        var prediction = new long[n];
        var confidence = new double[n];
        var order = new int[classes - 1];
        for (int i = 0; i < n; i++)
        {
            var row = new Span<double>(rows, i * classes, classes);
            int top = 0;
            for (int k = 1; k < classes; k++)
            {
                if (row[k] > row[top])
                    top = k;
            }

            double c = Map(row[top]);
            prediction[i] = top;
            confidence[i] = c;
            Redistribute(row, top, c, order);
        }

        var shape = probabilities.shape;
        long[] positions = [shape[0], .. shape[2..]];
        long[] moved = [.. positions, shape[1]];
        var q = tensor(rows, moved, ScalarType.Float64).movedim(new long[] { -1 }, new long[] { 1 }).contiguous();
        var device = probabilities.device;
        return new TopLabelCalibration(
            tensor(prediction, positions, ScalarType.Int64).to(device).MoveToOuterDisposeScope(),
            tensor(confidence, positions, ScalarType.Float64).to(probabilities.dtype).to(device).MoveToOuterDisposeScope(),
            q.to(probabilities.dtype).to(device).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Sets <paramref name="row"/>[<paramref name="top"/>] = c and shares 1 − c among the other classes in proportion to
    /// their values, none above c: the largest are capped at c in turn and the rest shared among the others (equally when
    /// their values are all 0). When (C − 1)·c &lt; 1 − c the cap cannot hold and the others share 1 − c without it.
    /// </summary>
    private static void Redistribute(Span<double> row, int top, double c, int[] order)
    {
        int m = 0;
        for (int k = 0; k < row.Length; k++)
        {
            if (k != top)
                order[m++] = k;
        }

        var values = row.ToArray();
        Array.Sort(order, (a, b) => values[b].CompareTo(values[a]));      // largest first
        double rest = 1 - c, weight = 0;
        foreach (var k in order)
            weight += values[k];
        bool capped = (row.Length - 1) * c >= rest;
        int j = 0;
        for (; j < order.Length && capped; j++)
        {
            int k = order[j];
            double share = weight > 0 ? rest * values[k] / weight : rest / (order.Length - j);
            if (share <= c)
                break;
            row[k] = c;
            rest -= c;
            weight -= values[k];
        }

        for (int r = j; r < order.Length; r++)
        {
            int k = order[r];
            row[k] = weight > 0 ? rest * values[k] / weight : rest / (order.Length - j);
        }

        row[top] = c;
    }

    /// <summary>g on the host.</summary>
    private protected abstract double Map(double probability);

    private Tensor MapTensor(Tensor values)
    {
        var host = values.cpu().contiguous().data<double>().ToArray();
        for (int i = 0; i < host.Length; i++)
            host[i] = Map(host[i]);
        return tensor(host, values.shape, ScalarType.Float64).to(values.device);
    }

    /// <summary>The kept (probability, label) pairs of a binary fit, on the host.</summary>
    private protected static (double[] P, bool[] Y) KeptBinary(Tensor probability, Tensor label, long ignoreIndex)
    {
        Check.UnitInterval(probability, nameof(probability));
        Check.BinaryLabels(probability, label, ignoreIndex, nameof(label), nameof(probability));
        using var scope = NewDisposeScope();
        var y = label.to(ScalarType.Int64).reshape(-1);
        var keep = y.ne(ignoreIndex);
        var p = probability.to(ScalarType.Float64).reshape(-1)[keep].cpu().contiguous().data<double>().ToArray();
        var labels = y[keep].cpu().contiguous().data<long>().ToArray().Select(v => v == 1).ToArray();
        return (p, labels);
    }

    /// <summary>The kept (confidence, correct) pairs of a top-label fit, on the host; the prediction is the first arg max.</summary>
    private protected static (double[] P, bool[] Y) KeptTopLabel(Tensor probabilities, Tensor target, long ignoreIndex)
    {
        Check.ClassScores(probabilities, nameof(probabilities));
        Check.ClassIndexTarget(probabilities, target, nameof(target), nameof(probabilities));
        Check.ProbabilityRows(probabilities, nameof(probabilities));
        Check.KeptClassIndices(target, probabilities.shape[1], ignoreIndex, nameof(target));
        var (rows, _, classes) = TemperatureScaling.KeptRows(probabilities, target, ignoreIndex);
        using var scope = NewDisposeScope();
        var y = target.to(ScalarType.Int64).reshape(-1);
        var kept = y[y.ne(ignoreIndex)].cpu().contiguous().data<long>().ToArray();
        int m = kept.Length;
        var confidence = new double[m];
        var correct = new bool[m];
        for (int i = 0; i < m; i++)
        {
            int row = i * classes, best = 0;
            for (int k = 1; k < classes; k++)
            {
                if (rows[row + k] > rows[row + best])
                    best = k;
            }

            confidence[i] = rows[row + best];
            correct[i] = best == kept[i];
        }

        return (confidence, correct);
    }

    private protected static void Monotone(IReadOnlyList<double> values, bool strict, string name, string expected)
    {
        for (int i = 1; i < values.Count; i++)
        {
            if (strict ? !(values[i] > values[i - 1]) : !(values[i] >= values[i - 1]))
                throw Check.Invalid(name, expected, Check.Inv($"{values[i - 1]} followed by {values[i]}"));
        }
    }
}

/// <summary>
/// Histogram binning (Zadrozny and Elkan, "Obtaining calibrated probability estimates from decision trees and naive
/// Bayesian classifiers", ICML 2001): the probabilities are split into B bins, and every probability in bin b is mapped
/// to the fraction of positives (binary) or of correct predictions (top-label) among the fit set's positions in bin b.
/// See <see cref="ConfidenceCalibrator"/> and
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/calibration.md">calibration.md</see>.
/// </summary>
/// <remarks>
/// <para><b>Bins.</b> Bin b holds the probabilities p with e_b &lt; p ≤ e_(b+1); the first bin also holds p = e_0 = 0, and
/// e_B = 1 (the convention of <see cref="Calibration.ExpectedCalibrationError"/>). Equal width: e_b = b/B. Equal mass:
/// e_b is the ⌈bM/B⌉-th smallest fit probability, so each bin holds about M/B positions (ties can leave bins empty). An
/// empty bin maps to its midpoint (e_b + e_(b+1))/2: no data, no correction.</para>
/// <para>g is a step function: not monotone in general, and every p in a bin gets the same value.</para>
/// </remarks>
public sealed class HistogramBinning : ConfidenceCalibrator
{
    private readonly double[] edges;
    private readonly double[] values;

    /// <summary>A calibrator with given bin edges and values.</summary>
    /// <param name="edges">B + 1 non-decreasing edges from 0 to 1 (B ≥ 1).</param>
    /// <param name="values">B values in [0, 1], one per bin.</param>
    /// <exception cref="ArgumentNullException"><paramref name="edges"/> or <paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="edges"/> has fewer than 2 values, does not start at 0 and end at
    /// 1, or decreases; <paramref name="values"/> does not hold B values in [0, 1].</exception>
    public HistogramBinning(IReadOnlyList<double> edges, IReadOnlyList<double> values)
    {
        var e = Check.NotNull(edges, nameof(edges)).ToArray();
        var v = Check.NotNull(values, nameof(values)).ToArray();
        if (e.Length < 2 || e[0] != 0 || e[^1] != 1)
            throw Check.Invalid(nameof(edges), "at least 2 edges, the first 0 and the last 1", Check.Inv($"{e.Length} edges from {(e.Length > 0 ? e[0] : double.NaN)} to {(e.Length > 0 ? e[^1] : double.NaN)}"));
        Monotone(e, strict: false, nameof(edges), "non-decreasing edges");
        if (v.Length != e.Length - 1 || !v.All(x => x >= 0 && x <= 1))
            throw Check.Invalid(nameof(values), Check.Inv($"{e.Length - 1} values in [0, 1], one per bin"), Check.Inv($"{v.Length} values"));
        this.edges = e;
        this.values = v;
    }

    /// <summary>The B + 1 bin edges e_0 = 0 ≤ e_1 ≤ … ≤ e_B = 1.</summary>
    public IReadOnlyList<double> Edges => Array.AsReadOnly(edges);

    /// <summary>The B bin values.</summary>
    public IReadOnlyList<double> Values => Array.AsReadOnly(values);

    /// <summary>The number of bins B.</summary>
    public int Bins => values.Length;

    /// <summary>Fits on binary probabilities (of the positive class) and 0/1 labels.</summary>
    /// <param name="probability">Probabilities of any shape (N, d1..dk), floating, in [0, 1].</param>
    /// <param name="label">0/1 labels of the same shape (Bool or integer), <paramref name="ignoreIndex"/> at positions to leave out.</param>
    /// <param name="bins">The number of bins B ≥ 1 (default 15).</param>
    /// <param name="equalMass">Equal-mass bins instead of equal-width ones (default false).</param>
    /// <param name="ignoreIndex">Label value of positions to leave out (default −100).</param>
    /// <returns>The fitted calibrator.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed; the shapes or devices do not match; a probability is NaN
    /// or outside [0, 1]; a label is not 0, 1 or <paramref name="ignoreIndex"/>; no position is kept.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bins"/> is below 1.</exception>
    public static HistogramBinning Fit(Tensor probability, Tensor label, int bins = 15, bool equalMass = false, long ignoreIndex = -100)
    {
        Check.AtLeast(bins, 1, nameof(bins));
        var (p, y) = KeptBinary(probability, label, ignoreIndex);
        return Build(p, y, bins, equalMass);
    }

    /// <summary>Fits on the top-label confidence of multiclass probabilities: max_k p_k and whether the arg max is the target.</summary>
    /// <param name="probabilities">(N, C, d1..dk) class probabilities (rows along dimension 1 sum to 1 within 1e-3).</param>
    /// <param name="target">(N, d1..dk) class indices.</param>
    /// <param name="bins">The number of bins B ≥ 1 (default 15).</param>
    /// <param name="equalMass">Equal-mass bins instead of equal-width ones (default false).</param>
    /// <param name="ignoreIndex">Target value of positions to leave out (default −100).</param>
    /// <returns>The fitted calibrator; apply it with <see cref="ConfidenceCalibrator.TopLabel"/>.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed; the shapes, dtypes or devices do not match; a probability is
    /// NaN, outside [0, 1], or a row does not sum to 1; a class index is outside [0, C) and not <paramref name="ignoreIndex"/>;
    /// no position is kept.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bins"/> is below 1.</exception>
    public static HistogramBinning FitTopLabel(Tensor probabilities, Tensor target, int bins = 15, bool equalMass = false, long ignoreIndex = -100)
    {
        Check.AtLeast(bins, 1, nameof(bins));
        var (p, y) = KeptTopLabel(probabilities, target, ignoreIndex);
        return Build(p, y, bins, equalMass);
    }

    private static HistogramBinning Build(double[] p, bool[] y, int bins, bool equalMass)
    {
        var e = new double[bins + 1];
        if (equalMass)
        {
            var sorted = p.OrderBy(v => v).ToArray();
            for (int b = 1; b < bins; b++)
                e[b] = sorted[Math.Max((int)Math.Ceiling((double)b * sorted.Length / bins) - 1, 0)];
        }
        else
        {
            for (int b = 1; b < bins; b++)
                e[b] = (double)b / bins;
        }

        e[bins] = 1;
        var positives = new double[bins];
        var counts = new long[bins];
        for (int i = 0; i < p.Length; i++)
        {
            int b = BinOf(e, p[i]);
            counts[b]++;
            if (y[i])
                positives[b]++;
        }

        var v = new double[bins];
        for (int b = 0; b < bins; b++)
            v[b] = counts[b] > 0 ? positives[b] / counts[b] : (e[b] + e[b + 1]) / 2;
        return new HistogramBinning(e, v);
    }

    /// <summary>The bin b with e_b &lt; p ≤ e_(b+1) (b = 0 for p ≤ e_1): the first edge from e_1 on that is ≥ p.</summary>
    private static int BinOf(double[] e, double p)
    {
        int lo = 1, hi = e.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (e[mid] >= p)
                hi = mid;
            else
                lo = mid + 1;
        }

        return lo - 1;
    }

    private protected override double Map(double probability) => values[BinOf(edges, probability)];

    /// <summary>The calibration as JSON: <c>{"kind":"HistogramBinning","edges":[…],"values":[…]}</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(new State(nameof(HistogramBinning), edges, values), ConformalJson.Options);

    /// <summary>Restores a calibrator saved by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The calibrator.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="json"/> is not a saved <see cref="HistogramBinning"/>.</exception>
    public static HistogramBinning FromJson(string json)
    {
        var s = ConformalJson.Read<State>(json, nameof(HistogramBinning));
        if (s.Kind != nameof(HistogramBinning) || s.Edges is null || s.Values is null)
            throw Check.Invalid(nameof(json), "JSON written by HistogramBinning.ToJson", "a missing or out-of-range field");
        try
        {
            return new HistogramBinning(s.Edges, s.Values);
        }
        catch (ArgumentException e)
        {
            throw Check.Invalid(nameof(json), "JSON written by HistogramBinning.ToJson", "an out-of-range field: " + e.Message, inner: e);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Check.Inv($"HistogramBinning(B = {Bins})");

    private sealed record State(string Kind, double[] Edges, double[] Values);
}

/// <summary>
/// Isotonic regression (Zadrozny and Elkan, "Transforming classifier scores into accurate multiclass probability
/// estimates", KDD 2002): the non-decreasing map g that minimises Σ_i (y_i − g(p_i))² over the fit set, found by
/// pool-adjacent-violators. See <see cref="ConfidenceCalibrator"/> and
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/calibration.md">calibration.md</see>.
/// </summary>
/// <remarks>
/// <para><b>Fit.</b> Positions are sorted by probability; equal probabilities are pooled first (one block, their mean
/// label); then adjacent blocks are merged while a block's mean exceeds the next one's (pool adjacent violators, Ayer et
/// al. 1955). Each final block keeps its smallest and largest probability as thresholds with its mean as value.</para>
/// <para><b>Apply.</b> g is the linear interpolation between the thresholds, constant below the first and above the last
/// (as scikit-learn's <c>IsotonicRegression(out_of_bounds="clip")</c>): non-decreasing and continuous; on the fit set's
/// probabilities it is exactly the PAV fit. Being monotone, it never swaps the ranking of two probabilities.</para>
/// </remarks>
public sealed class IsotonicRegression : ConfidenceCalibrator
{
    private readonly double[] thresholds;
    private readonly double[] values;

    /// <summary>A calibrator with given thresholds and values.</summary>
    /// <param name="thresholds">At least 1 strictly increasing probabilities in [0, 1].</param>
    /// <param name="values">One non-decreasing value in [0, 1] per threshold.</param>
    /// <exception cref="ArgumentNullException"><paramref name="thresholds"/> or <paramref name="values"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="thresholds"/> is empty, not strictly increasing or outside [0, 1];
    /// <paramref name="values"/> has another length, decreases or leaves [0, 1].</exception>
    public IsotonicRegression(IReadOnlyList<double> thresholds, IReadOnlyList<double> values)
    {
        var x = Check.NotNull(thresholds, nameof(thresholds)).ToArray();
        var v = Check.NotNull(values, nameof(values)).ToArray();
        if (x.Length == 0 || !x.All(t => t >= 0 && t <= 1))
            throw Check.Invalid(nameof(thresholds), "at least one threshold, all in [0, 1]", Check.Inv($"{x.Length} thresholds"));
        Monotone(x, strict: true, nameof(thresholds), "strictly increasing thresholds");
        if (v.Length != x.Length || !v.All(t => t >= 0 && t <= 1))
            throw Check.Invalid(nameof(values), Check.Inv($"{x.Length} values in [0, 1], one per threshold"), Check.Inv($"{v.Length} values"));
        Monotone(v, strict: false, nameof(values), "non-decreasing values");
        this.thresholds = x;
        this.values = v;
    }

    /// <summary>The thresholds (strictly increasing).</summary>
    public IReadOnlyList<double> Thresholds => Array.AsReadOnly(thresholds);

    /// <summary>g at each threshold (non-decreasing).</summary>
    public IReadOnlyList<double> Values => Array.AsReadOnly(values);

    /// <summary>Fits on binary probabilities (of the positive class) and 0/1 labels.</summary>
    /// <param name="probability">Probabilities of any shape (N, d1..dk), floating, in [0, 1].</param>
    /// <param name="label">0/1 labels of the same shape (Bool or integer), <paramref name="ignoreIndex"/> at positions to leave out.</param>
    /// <param name="ignoreIndex">Label value of positions to leave out (default −100).</param>
    /// <returns>The fitted calibrator.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed; the shapes or devices do not match; a probability is NaN
    /// or outside [0, 1]; a label is not 0, 1 or <paramref name="ignoreIndex"/>; no position is kept.</exception>
    public static IsotonicRegression Fit(Tensor probability, Tensor label, long ignoreIndex = -100)
    {
        var (p, y) = KeptBinary(probability, label, ignoreIndex);
        return Build(p, y);
    }

    /// <summary>Fits on the top-label confidence of multiclass probabilities: max_k p_k and whether the arg max is the target.</summary>
    /// <param name="probabilities">(N, C, d1..dk) class probabilities (rows along dimension 1 sum to 1 within 1e-3).</param>
    /// <param name="target">(N, d1..dk) class indices.</param>
    /// <param name="ignoreIndex">Target value of positions to leave out (default −100).</param>
    /// <returns>The fitted calibrator; apply it with <see cref="ConfidenceCalibrator.TopLabel"/>.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed; the shapes, dtypes or devices do not match; a probability is
    /// NaN, outside [0, 1], or a row does not sum to 1; a class index is outside [0, C) and not <paramref name="ignoreIndex"/>;
    /// no position is kept.</exception>
    public static IsotonicRegression FitTopLabel(Tensor probabilities, Tensor target, long ignoreIndex = -100)
    {
        var (p, y) = KeptTopLabel(probabilities, target, ignoreIndex);
        return Build(p, y);
    }

    /// <summary>Pool adjacent violators over (probability, label) pairs; ties pooled first.</summary>
    internal static IsotonicRegression Build(double[] p, bool[] y)
    {
        var order = Enumerable.Range(0, p.Length).OrderBy(i => p[i]).ToArray();
        var sum = new List<double>();
        var weight = new List<double>();
        var low = new List<double>();
        var high = new List<double>();
        int start = 0;
        while (start < order.Length)
        {
            int end = start;
            double s = 0;
            while (end < order.Length && p[order[end]] == p[order[start]])
            {
                s += y[order[end]] ? 1 : 0;
                end++;
            }

            sum.Add(s);
            weight.Add(end - start);
            low.Add(p[order[start]]);
            high.Add(p[order[start]]);
            start = end;
            while (sum.Count > 1 && sum[^2] / weight[^2] > sum[^1] / weight[^1])
            {
                int last = sum.Count - 1;
                sum[last - 1] += sum[last];
                weight[last - 1] += weight[last];
                high[last - 1] = high[last];
                sum.RemoveAt(last);
                weight.RemoveAt(last);
                low.RemoveAt(last);
                high.RemoveAt(last);
            }
        }

        var x = new List<double>();
        var v = new List<double>();
        for (int b = 0; b < sum.Count; b++)
        {
            double mean = Math.Clamp(sum[b] / weight[b], 0, 1);
            if (v.Count > 0)
                mean = Math.Max(mean, v[^1]);                    // guards the rounding of the means
            x.Add(low[b]);
            v.Add(mean);
            if (high[b] > low[b])
            {
                x.Add(high[b]);
                v.Add(mean);
            }
        }

        return new IsotonicRegression(x, v);
    }

    private protected override double Map(double probability)
    {
        if (probability <= thresholds[0])
            return values[0];
        if (probability >= thresholds[^1])
            return values[^1];
        int hi = Array.BinarySearch(thresholds, probability);
        if (hi >= 0)
            return values[hi];
        hi = ~hi;                                                 // thresholds[hi − 1] < p < thresholds[hi]
        double t = (probability - thresholds[hi - 1]) / (thresholds[hi] - thresholds[hi - 1]);
        return Math.Clamp(values[hi - 1] + t * (values[hi] - values[hi - 1]), values[hi - 1], values[hi]);
    }

    /// <summary>The calibration as JSON: <c>{"kind":"IsotonicRegression","thresholds":[…],"values":[…]}</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(new State(nameof(IsotonicRegression), thresholds, values), ConformalJson.Options);

    /// <summary>Restores a calibrator saved by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The calibrator.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="json"/> is not a saved <see cref="IsotonicRegression"/>.</exception>
    public static IsotonicRegression FromJson(string json)
    {
        var s = ConformalJson.Read<State>(json, nameof(IsotonicRegression));
        if (s.Kind != nameof(IsotonicRegression) || s.Thresholds is null || s.Values is null)
            throw Check.Invalid(nameof(json), "JSON written by IsotonicRegression.ToJson", "a missing or out-of-range field");
        try
        {
            return new IsotonicRegression(s.Thresholds, s.Values);
        }
        catch (ArgumentException e)
        {
            throw Check.Invalid(nameof(json), "JSON written by IsotonicRegression.ToJson", "an out-of-range field: " + e.Message, inner: e);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Check.Inv($"IsotonicRegression({thresholds.Length} thresholds)");

    private sealed record State(string Kind, double[] Thresholds, double[] Values);
}
