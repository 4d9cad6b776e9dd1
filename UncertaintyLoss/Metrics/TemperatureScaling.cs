using System;
using System.Linq;
using System.Text.Json;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss.Metrics;

/// <summary>
/// Temperature scaling (Guo, Pleiss, Sun and Weinberger, "On Calibration of Modern Neural Networks", ICML 2017): one
/// temperature T &gt; 0, fit on held-out logits by minimising the negative log-likelihood of softmax(z/T), then applied to
/// new logits. It changes confidences, never the predicted class. See
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/calibration.md">calibration.md</see>.
/// </summary>
/// <remarks>
/// <para><b>Fit.</b> T minimises the mean over the kept positions of ln Σ_j exp(z_j/T) − z_y/T, searched over
/// [<see cref="MinTemperature"/>, <see cref="MaxTemperature"/>] (a 61-point grid in ln T, then golden-section search to
/// 1e-10 in ln T), in double precision on the host (the kept logits are copied once). The NLL is convex in 1/T, so the search finds the global
/// minimum; when every position is classified right with growing margin it decreases towards T → 0 and the fit stops at
/// the range's end.</para>
/// <para><b>Shapes.</b> logits (N, C, d1..dk); target (N, d1..dk) class indices; positions equal to <c>ignoreIndex</c> are left out.</para>
/// </remarks>
public sealed class TemperatureScaling
{
    /// <summary>The smallest temperature <see cref="Fit"/> returns.</summary>
    public const double MinTemperature = 1e-3;

    /// <summary>The largest temperature <see cref="Fit"/> returns.</summary>
    public const double MaxTemperature = 1e3;

    /// <summary>A calibrator with a given temperature.</summary>
    /// <param name="temperature">T, finite and &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="temperature"/> is not finite and positive.</exception>
    public TemperatureScaling(double temperature)
    {
        Check.FinitePositive(temperature, nameof(temperature), "the temperature");
        Temperature = temperature;
    }

    /// <summary>The temperature T.</summary>
    public double Temperature { get; }

    /// <summary>Fits the temperature on held-out logits and targets.</summary>
    /// <param name="logits">(N, C, d1..dk) logits, finite.</param>
    /// <param name="target">(N, d1..dk) class indices.</param>
    /// <param name="ignoreIndex">Target value of positions to leave out (default −100).</param>
    /// <returns>The fitted calibrator.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed; the shapes, dtypes or devices do not match; a logit is not
    /// finite; a class index is outside [0, C) and not <paramref name="ignoreIndex"/>; no position is kept.</exception>
    public static TemperatureScaling Fit(Tensor logits, Tensor target, long ignoreIndex = -100)
    {
        Check.ClassScores(logits, nameof(logits));
        Check.ClassIndexTarget(logits, target, nameof(target), nameof(logits));
        Check.FiniteValues(logits, nameof(logits));
        Check.KeptClassIndices(target, logits.shape[1], ignoreIndex, nameof(target));

        var (z, zTrue, classes) = KeptRows(logits, target, ignoreIndex);
        int m = zTrue.Length;
        double Nll(double t)
        {
            double total = 0;
            for (int i = 0; i < m; i++)
            {
                int row = i * classes;
                double max = double.NegativeInfinity;
                for (int k = 0; k < classes; k++)
                    max = Math.Max(max, z[row + k]);
                double sum = 0;
                for (int k = 0; k < classes; k++)
                    sum += Math.Exp((z[row + k] - max) / t);
                total += Math.Log(sum) + (max - zTrue[i]) / t;      // ln Σ exp(z/T) − z_y/T
            }

            return total / m;
        }

        return new TemperatureScaling(LogScaleSearch.Minimize(Nll, MinTemperature, MaxTemperature));
    }

    /// <summary>The scaled logits z/T, in the logits' dtype and device.</summary>
    /// <param name="logits">Logits of any shape, floating.</param>
    /// <returns>z/T.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="logits"/> is disposed or not floating.</exception>
    public Tensor Apply(Tensor logits)
    {
        Check.Floating(logits, nameof(logits));
        return logits / Temperature;
    }

    /// <summary>The calibrated probabilities softmax(z/T) along dimension 1.</summary>
    /// <param name="logits">(N, C, d1..dk) logits.</param>
    /// <returns>Probabilities of the logits' shape, dtype and device.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="logits"/> is disposed, not floating, or has rank below 2 or fewer than 2 classes.</exception>
    public Tensor Probabilities(Tensor logits)
    {
        Check.ClassScores(logits, nameof(logits));
        using var scope = NewDisposeScope();
        return (logits / Temperature).softmax(1).MoveToOuterDisposeScope();
    }

    /// <summary>The temperature as JSON: <c>{"kind":"TemperatureScaling","temperature":1.7}</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(new State(nameof(TemperatureScaling), Temperature), ConformalJson.Options);

    /// <summary>Restores a calibrator saved by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The calibrator.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="json"/> is not a saved <see cref="TemperatureScaling"/>.</exception>
    public static TemperatureScaling FromJson(string json)
    {
        var s = ConformalJson.Read<State>(json, nameof(TemperatureScaling));
        if (s.Kind != nameof(TemperatureScaling) || !(s.Temperature > 0 && double.IsFinite(s.Temperature)))
            throw Check.Invalid(nameof(json), "JSON written by TemperatureScaling.ToJson", "a missing or out-of-range field");
        return new TemperatureScaling(s.Temperature);
    }

    /// <inheritdoc/>
    public override string ToString() => Check.Inv($"TemperatureScaling(T = {Temperature})");

    /// <summary>
    /// The kept positions' scores as a row-major (M, C) host array in double, the true class's score of each, and C: the
    /// fits run on the host (one copy, then about 110 NLL evaluations without device synchronisation).
    /// </summary>
    internal static (double[] Rows, double[] True, int Classes) KeptRows(Tensor scores, Tensor target, long ignoreIndex)
    {
        using var scope = NewDisposeScope();
        var rows = ConformalClassifier.Rows(scores);
        var y = target.to(ScalarType.Int64).reshape(-1);
        var keep = y.ne(ignoreIndex);
        rows = rows[keep];
        var yTrue = rows.gather(1, y[keep].unsqueeze(1)).squeeze(1);
        return (rows.cpu().contiguous().data<double>().ToArray(), yTrue.cpu().contiguous().data<double>().ToArray(), (int)scores.shape[1]);
    }

    private sealed record State(string Kind, double Temperature);
}

/// <summary>
/// Evidence (concentration) temperature for Dirichlet models: one T &gt; 0 that divides the evidence, α = e/T + λ, fit on
/// held-out evidence by minimising the negative log-likelihood of the Dirichlet mean (e_y/T + λ)/(Σ_j e_j/T + Kλ).
/// T &gt; 1 softens an over-confident model, T &lt; 1 sharpens an under-confident one; the predicted class never changes.
/// See
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/calibration.md">calibration.md</see>.
/// </summary>
/// <remarks>
/// <para><b>Fit.</b> As <see cref="TemperatureScaling"/>: a 61-point grid in ln T over [1e-3, 1e3], then golden-section
/// search, in double precision on the host. The NLL need not be unimodal in T; the grid makes the search
/// find the best of its local minima.</para>
/// <para><b>Shapes.</b> evidence (N, C, d1..dk), non-negative; target (N, d1..dk) class indices; positions equal to
/// <c>ignoreIndex</c> are left out.</para>
/// </remarks>
public sealed class EvidenceScaling
{
    /// <summary>A calibrator with a given temperature and prior weight.</summary>
    /// <param name="temperature">T, finite and &gt; 0.</param>
    /// <param name="priorWeight">λ in α = e/T + λ (default 1, EDL's; R-EDL models: their λ).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="temperature"/> is not finite and positive, or
    /// <paramref name="priorWeight"/> is not in [1e-6, 1e6].</exception>
    public EvidenceScaling(double temperature, double priorWeight = 1.0)
    {
        Check.FinitePositive(temperature, nameof(temperature), "the temperature");
        Check.PriorWeight(priorWeight, nameof(priorWeight));
        Temperature = temperature;
        PriorWeight = priorWeight;
    }

    /// <summary>The temperature T.</summary>
    public double Temperature { get; }

    /// <summary>The prior weight λ.</summary>
    public double PriorWeight { get; }

    /// <summary>Fits the evidence temperature on held-out evidence and targets.</summary>
    /// <param name="evidence">(N, C, d1..dk) evidence, finite and non-negative.</param>
    /// <param name="target">(N, d1..dk) class indices.</param>
    /// <param name="priorWeight">λ in α = e/T + λ (default 1).</param>
    /// <param name="ignoreIndex">Target value of positions to leave out (default −100).</param>
    /// <returns>The fitted calibrator.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed; the shapes, dtypes or devices do not match; an evidence value is
    /// negative or not finite; a class index is outside [0, C) and not <paramref name="ignoreIndex"/>; no position is kept.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="priorWeight"/> is not in [1e-6, 1e6].</exception>
    public static EvidenceScaling Fit(Tensor evidence, Tensor target, double priorWeight = 1.0, long ignoreIndex = -100)
    {
        Check.ClassScores(evidence, nameof(evidence));
        Check.ClassIndexTarget(evidence, target, nameof(target), nameof(evidence));
        Check.PriorWeight(priorWeight, nameof(priorWeight));
        Check.FiniteValues(evidence, nameof(evidence));
        NonNegative(evidence);
        Check.KeptClassIndices(target, evidence.shape[1], ignoreIndex, nameof(target));

        var (e, eTrue, classes) = TemperatureScaling.KeptRows(evidence, target, ignoreIndex);
        int m = eTrue.Length;
        var totals = new double[m];
        for (int i = 0; i < m; i++)
        {
            for (int k = 0; k < classes; k++)
                totals[i] += e[i * classes + k];
        }

        double Nll(double t)
        {
            double sum = 0;
            for (int i = 0; i < m; i++)
                sum += Math.Log(totals[i] / t + classes * priorWeight) - Math.Log(eTrue[i] / t + priorWeight);
            return sum / m;
        }

        return new EvidenceScaling(LogScaleSearch.Minimize(Nll, TemperatureScaling.MinTemperature, TemperatureScaling.MaxTemperature), priorWeight);
    }

    /// <summary>The scaled evidence e/T, in the evidence's dtype and device.</summary>
    /// <param name="evidence">Evidence of any shape, floating.</param>
    /// <returns>e/T.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="evidence"/> is disposed or not floating.</exception>
    public Tensor Apply(Tensor evidence)
    {
        Check.Floating(evidence, nameof(evidence));
        return evidence / Temperature;
    }

    /// <summary>The calibrated probabilities: the Dirichlet mean (e/T + λ)/(Σ e/T + Kλ) along dimension 1.</summary>
    /// <param name="evidence">(N, C, d1..dk) evidence.</param>
    /// <returns>Probabilities of the evidence's shape, dtype and device.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="evidence"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="evidence"/> is disposed, not floating, or has rank below 2 or fewer than 2 classes.</exception>
    public Tensor Probabilities(Tensor evidence)
    {
        Check.ClassScores(evidence, nameof(evidence));
        using var scope = NewDisposeScope();
        var alpha = evidence / Temperature + PriorWeight;
        return (alpha / alpha.sum(1, keepdim: true)).MoveToOuterDisposeScope();
    }

    /// <summary>The calibration as JSON: <c>{"kind":"EvidenceScaling","temperature":0.4,"priorWeight":1}</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(new State(nameof(EvidenceScaling), Temperature, PriorWeight), ConformalJson.Options);

    /// <summary>Restores a calibrator saved by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The calibrator.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="json"/> is not a saved <see cref="EvidenceScaling"/>.</exception>
    public static EvidenceScaling FromJson(string json)
    {
        var s = ConformalJson.Read<State>(json, nameof(EvidenceScaling));
        if (s.Kind != nameof(EvidenceScaling) || !(s.Temperature > 0 && double.IsFinite(s.Temperature))
            || !(s.PriorWeight >= Check.MinPriorWeight && s.PriorWeight <= Check.MaxPriorWeight))
            throw Check.Invalid(nameof(json), "JSON written by EvidenceScaling.ToJson", "a missing or out-of-range field");
        return new EvidenceScaling(s.Temperature, s.PriorWeight);
    }

    /// <inheritdoc/>
    public override string ToString() => Check.Inv($"EvidenceScaling(T = {Temperature}, λ = {PriorWeight})");

    private static void NonNegative(Tensor evidence)
    {
        using var scope = NewDisposeScope();
        if (evidence.numel() > 0 && Check.ToHost([evidence.min()])[0] < 0)
            throw Check.Invalid(nameof(evidence), "evidence >= 0", "a negative value");
    }

    private sealed record State(string Kind, double Temperature, double PriorWeight);
}

/// <summary>A 1-D minimisation over a positive parameter on a log scale: grid, then golden-section search.</summary>
internal static class LogScaleSearch
{
    private const int GridPoints = 61;
    private const double Tolerance = 1e-10;

    /// <summary>The x in [<paramref name="min"/>, <paramref name="max"/>] minimising <paramref name="f"/>: the best of a
    /// 61-point grid in ln x, refined by golden-section search between its neighbours to 1e-10 in ln x.</summary>
    internal static double Minimize(Func<double, double> f, double min, double max)
    {
        double lo = Math.Log(min), hi = Math.Log(max), step = (hi - lo) / (GridPoints - 1);
        int best = 0;
        double bestValue = double.PositiveInfinity;
        for (int i = 0; i < GridPoints; i++)
        {
            double v = f(Math.Exp(lo + i * step));
            if (v < bestValue)
                (best, bestValue) = (i, v);
        }

        double a = lo + Math.Max(best - 1, 0) * step, b = lo + Math.Min(best + 1, GridPoints - 1) * step;
        double ratio = (Math.Sqrt(5) - 1) / 2;
        double c = b - ratio * (b - a), d = a + ratio * (b - a);
        double fc = f(Math.Exp(c)), fd = f(Math.Exp(d));
        while (b - a > Tolerance)
        {
            if (fc <= fd)
            {
                (b, d, fd) = (d, c, fc);
                c = b - ratio * (b - a);
                fc = f(Math.Exp(c));
            }
            else
            {
                (a, c, fc) = (c, d, fd);
                d = a + ratio * (b - a);
                fd = f(Math.Exp(d));
            }
        }

        double x = Math.Exp((a + b) / 2);
        return Math.Clamp(x, min, max);
    }
}
