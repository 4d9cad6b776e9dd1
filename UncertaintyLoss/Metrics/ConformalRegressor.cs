using System;
using System.Text.Json;
using System.Text.Json.Serialization;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss.Metrics;

/// <summary>
/// Split conformal regression on scaled residuals: calibrated on held-out (prediction, scale, target) triples, it gives
/// intervals ŷ ± q̂·σ̂ that contain the target with probability at least 1 − α. The scale σ̂ is any per-position spread the
/// model predicts — a <see cref="Sculpt"/> distribution's scale (its <c>yRisk</c>), an evidential regression's standard
/// deviation — or none (constant-width intervals). See
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/conformal.md">conformal.md</see>.
/// </summary>
/// <remarks>
/// <para><b>Score.</b> s = |y − ŷ|/σ̂ (or |y − ŷ| without a scale); q̂ is the k-th smallest of the n calibration scores,
/// k = ⌈(n + 1)(1 − α)⌉ (+∞ when k &gt; n: infinite intervals). Coverage is between 1 − α and 1 − α + 1/(n + 1) for
/// continuous scores, marginally over exchangeable samples (Lei et al. 2018, "Distribution-Free Predictive Inference for
/// Regression"; Papadopoulos et al. 2002 for the normalised score).</para>
/// <para><b>Shapes.</b> prediction, target and scale: one shape, any rank; every element is a sample.</para>
/// </remarks>
public sealed class ConformalRegressor
{
    private ConformalRegressor(double alpha, double threshold, bool scaled, long calibrationSize)
    {
        Alpha = alpha;
        Threshold = threshold;
        Scaled = scaled;
        CalibrationSize = calibrationSize;
    }

    /// <summary>The miscoverage level α.</summary>
    public double Alpha { get; }

    /// <summary>The calibrated threshold q̂ on |y − ŷ|/σ̂ (+∞ when the calibration set is too small for α).</summary>
    public double Threshold { get; }

    /// <summary>Whether it was calibrated with a predicted scale (then <see cref="Interval"/> needs one).</summary>
    public bool Scaled { get; }

    /// <summary>The number n of calibration samples.</summary>
    public long CalibrationSize { get; }

    /// <summary>Calibrates on held-out predictions, optional predicted scales, and targets.</summary>
    /// <param name="prediction">ŷ, any shape, floating.</param>
    /// <param name="target">y, the prediction's shape.</param>
    /// <param name="alpha">The miscoverage level α ∈ (0, 1) (default 0.1).</param>
    /// <param name="scale">σ̂ &gt; 0, the prediction's shape, or null for constant-width intervals.</param>
    /// <returns>The calibrated regressor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="prediction"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, not floating, of another shape or device, empty, or holds a
    /// non-finite value; a scale is not positive.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is not in (0, 1).</exception>
    public static ConformalRegressor Calibrate(Tensor prediction, Tensor target, double alpha = 0.1, Tensor? scale = null)
    {
        CheckInputs(prediction, scale, target, nameof(prediction), nameof(scale));
        Check.SameShapeFloating(target, nameof(target), prediction, nameof(prediction));
        Check.MiscoverageLevel(alpha, nameof(alpha));
        if (prediction.numel() == 0)
            throw Check.Invalid(nameof(prediction), "a non-empty calibration set", "an empty tensor");
        Check.FiniteValues(target, nameof(target));

        using var scope = NewDisposeScope();
        var residual = (target.to(ScalarType.Float64) - prediction.to(ScalarType.Float64)).abs();
        var scores = (scale is null ? residual : residual / scale.to(ScalarType.Float64)).reshape(-1);
        long n = scores.numel();
        return new ConformalRegressor(alpha, ConformalClassifier.Quantile(scores, n, alpha), scale is not null, n);
    }

    /// <summary>The conformal interval [ŷ − q̂σ̂, ŷ + q̂σ̂] of new predictions.</summary>
    /// <param name="prediction">ŷ, any shape, floating.</param>
    /// <param name="scale">σ̂ &gt; 0 of the prediction's shape; required if and only if calibrated with a scale.</param>
    /// <returns>Lower and upper bounds, the prediction's shape, dtype and device.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="prediction"/> is null, or <paramref name="scale"/> is null but
    /// the regressor was calibrated with one.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, not floating, of another shape or device, or holds a
    /// non-finite value; a scale is not positive; a scale is given to a regressor calibrated without one.</exception>
    public (Tensor Lower, Tensor Upper) Interval(Tensor prediction, Tensor? scale = null)
    {
        if (Scaled)
            Check.NotNull(scale, nameof(scale));
        else if (scale is not null)
            throw Check.Invalid(nameof(scale), "no scale (this regressor was calibrated without one)", "a scale");
        CheckInputs(prediction, scale, null, nameof(prediction), nameof(scale));

        using var scope = NewDisposeScope();
        var width = scale is null ? full_like(prediction, Threshold) : scale * Threshold;
        var lower = (prediction - width).MoveToOuterDisposeScope();
        var upper = (prediction + width).MoveToOuterDisposeScope();
        return (lower, upper);
    }

    /// <summary>The calibration as JSON (α, q̂, whether scaled, n).</summary>
    public string ToJson() => JsonSerializer.Serialize(new State(nameof(ConformalRegressor), Alpha, Threshold, Scaled, CalibrationSize), ConformalJson.Options);

    /// <summary>Restores a regressor saved by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The regressor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="json"/> is not a saved <see cref="ConformalRegressor"/>.</exception>
    public static ConformalRegressor FromJson(string json)
    {
        var s = ConformalJson.Read<State>(json, nameof(ConformalRegressor));
        if (s.Kind != nameof(ConformalRegressor) || !(s.Alpha > 0 && s.Alpha < 1) || !(s.Threshold >= 0) || s.CalibrationSize < 1)
            throw Check.Invalid(nameof(json), "JSON written by ConformalRegressor.ToJson", "a missing or out-of-range field");
        return new ConformalRegressor(s.Alpha, s.Threshold, s.Scaled, s.CalibrationSize);
    }

    /// <inheritdoc/>
    public override string ToString() => Check.Inv($"ConformalRegressor(α = {Alpha}, q̂ = {Threshold}, scaled = {Scaled}, n = {CalibrationSize})");

    private static void CheckInputs(Tensor? prediction, Tensor? scale, Tensor? target, string predictionName, string scaleName)
    {
        var p = Check.Floating(prediction, predictionName);
        if (scale is not null)
            Check.SameShapeFloating(scale, scaleName, p, predictionName);
        Check.FiniteValues(p, predictionName);
        if (scale is not null)
            Check.PositiveValues(scale, scaleName);
    }

    private sealed record State(string Kind, double Alpha, double Threshold, bool Scaled, long CalibrationSize);
}

/// <summary>
/// Conformalized quantile regression (CQR; Romano, Patterson and Candès, NeurIPS 2019): calibrated on held-out predicted
/// lower and upper quantiles and targets, it widens (or narrows) the predicted band so that it contains the target with
/// probability at least 1 − α. See
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/conformal.md">conformal.md</see>.
/// </summary>
/// <remarks>
/// <para><b>Score.</b> s = max(q̂_lo − y, y − q̂_hi) (negative inside the band); the threshold Q is the k-th smallest
/// calibration score, k = ⌈(n + 1)(1 − α)⌉ (+∞ when k &gt; n), and the interval is [q̂_lo − Q, q̂_hi + Q].</para>
/// <para><b>Shapes.</b> lower, upper and target: one shape, any rank; every element is a sample.</para>
/// </remarks>
public sealed class ConformalQuantileRegressor
{
    private ConformalQuantileRegressor(double alpha, double threshold, long calibrationSize)
    {
        Alpha = alpha;
        Threshold = threshold;
        CalibrationSize = calibrationSize;
    }

    /// <summary>The miscoverage level α.</summary>
    public double Alpha { get; }

    /// <summary>The calibrated correction Q added to both ends (negative: the band shrinks; +∞ when the calibration set is too small).</summary>
    public double Threshold { get; }

    /// <summary>The number n of calibration samples.</summary>
    public long CalibrationSize { get; }

    /// <summary>Calibrates on held-out quantile predictions and targets.</summary>
    /// <param name="lower">The predicted lower quantile (e.g. α/2), any shape, floating.</param>
    /// <param name="upper">The predicted upper quantile (e.g. 1 − α/2), the lower's shape.</param>
    /// <param name="target">y, the lower's shape.</param>
    /// <param name="alpha">The miscoverage level α ∈ (0, 1) (default 0.1).</param>
    /// <returns>The calibrated regressor.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, not floating, of another shape or device, empty, or holds a
    /// non-finite value.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is not in (0, 1).</exception>
    public static ConformalQuantileRegressor Calibrate(Tensor lower, Tensor upper, Tensor target, double alpha = 0.1)
    {
        CheckBand(lower, upper);
        Check.SameShapeFloating(target, nameof(target), lower, nameof(lower));
        Check.MiscoverageLevel(alpha, nameof(alpha));
        if (lower.numel() == 0)
            throw Check.Invalid(nameof(lower), "a non-empty calibration set", "an empty tensor");
        Check.FiniteValues(target, nameof(target));

        using var scope = NewDisposeScope();
        var y = target.to(ScalarType.Float64);
        var scores = maximum(lower.to(ScalarType.Float64) - y, y - upper.to(ScalarType.Float64)).reshape(-1);
        long n = scores.numel();
        return new ConformalQuantileRegressor(alpha, ConformalClassifier.Quantile(scores, n, alpha), n);
    }

    /// <summary>The conformal interval [lower − Q, upper + Q].</summary>
    /// <param name="lower">The predicted lower quantile, any shape, floating.</param>
    /// <param name="upper">The predicted upper quantile, the lower's shape.</param>
    /// <returns>Lower and upper bounds, the inputs' shape, dtype and device.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, not floating, of another shape or device, or holds a non-finite value.</exception>
    public (Tensor Lower, Tensor Upper) Interval(Tensor lower, Tensor upper)
    {
        CheckBand(lower, upper);
        using var scope = NewDisposeScope();
        return ((lower - Threshold).MoveToOuterDisposeScope(), (upper + Threshold).MoveToOuterDisposeScope());
    }

    /// <summary>The calibration as JSON (α, Q, n).</summary>
    public string ToJson() => JsonSerializer.Serialize(new State(nameof(ConformalQuantileRegressor), Alpha, Threshold, CalibrationSize), ConformalJson.Options);

    /// <summary>Restores a regressor saved by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The regressor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="json"/> is not a saved <see cref="ConformalQuantileRegressor"/>.</exception>
    public static ConformalQuantileRegressor FromJson(string json)
    {
        var s = ConformalJson.Read<State>(json, nameof(ConformalQuantileRegressor));
        if (s.Kind != nameof(ConformalQuantileRegressor) || !(s.Alpha > 0 && s.Alpha < 1) || double.IsNaN(s.Threshold) || s.CalibrationSize < 1)
            throw Check.Invalid(nameof(json), "JSON written by ConformalQuantileRegressor.ToJson", "a missing or out-of-range field");
        return new ConformalQuantileRegressor(s.Alpha, s.Threshold, s.CalibrationSize);
    }

    /// <inheritdoc/>
    public override string ToString() => Check.Inv($"ConformalQuantileRegressor(α = {Alpha}, Q = {Threshold}, n = {CalibrationSize})");

    private static void CheckBand(Tensor? lower, Tensor? upper)
    {
        var lo = Check.Floating(lower, nameof(lower));
        Check.SameShapeFloating(upper, nameof(upper), lo, nameof(lower));
        Check.FiniteValues(lo, nameof(lower));
        Check.FiniteValues(upper!, nameof(upper));
    }

    private sealed record State(string Kind, double Alpha, double Threshold, long CalibrationSize);
}

/// <summary>The JSON settings of the calibrators and conformal predictors: camelCase, ±∞ written as "Infinity".</summary>
internal static class ConformalJson
{
    internal static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    /// <summary>Parses <paramref name="json"/> as <typeparamref name="T"/>, or throws an ArgumentException naming <c>json</c>.</summary>
    internal static T Read<T>(string? json, string owner) where T : class
    {
        Check.NotNull(json, "json");
        try
        {
            return JsonSerializer.Deserialize<T>(json!, Options)
                ?? throw Check.Invalid("json", Check.Inv($"JSON written by {owner}.ToJson"), "null");
        }
        catch (JsonException e)
        {
            throw Check.Invalid("json", Check.Inv($"JSON written by {owner}.ToJson"), "text that does not parse: " + e.Message, inner: e);
        }
    }
}
