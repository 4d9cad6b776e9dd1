using System;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss.Metrics;

/// <summary>
/// The binned decomposition of the Brier score (Murphy 1973, with the two within-bin terms of Stephenson et al. 2008):
/// <see cref="BrierScore"/> = <see cref="Reliability"/> − <see cref="Resolution"/> + <see cref="Uncertainty"/> +
/// <see cref="WithinBinVariance"/> − 2·<see cref="WithinBinCovariance"/>, an identity up to rounding. The within-bin terms
/// vanish when the forecasts are constant within every bin; then reliability − resolution + uncertainty is the Brier score.
/// </summary>
/// <param name="Reliability">REL = (1/M) Σ_k Σ_b n_kb (p̄_kb − ō_kb)², ≥ 0, 0 for calibrated bins (lower is better).</param>
/// <param name="Resolution">RES = (1/M) Σ_k Σ_b n_kb (ō_kb − ō_k)², ≥ 0 (higher is better).</param>
/// <param name="Uncertainty">UNC = Σ_k ō_k (1 − ō_k), the Brier score of always forecasting the class frequencies.</param>
/// <param name="WithinBinVariance">WBV = (1/M) Σ_k Σ_b Σ_{i in b} (p_ik − p̄_kb)², ≥ 0.</param>
/// <param name="WithinBinCovariance">WBC = (1/M) Σ_k Σ_b Σ_{i in b} (p_ik − p̄_kb)(o_ik − ō_kb).</param>
/// <param name="BrierScore">The multi-class Brier score (1/M) Σ_i Σ_k (p_ik − o_ik)², computed directly.</param>
public sealed record BrierComponents(double Reliability, double Resolution, double Uncertainty,
    double WithinBinVariance, double WithinBinCovariance, double BrierScore);

/// <summary>
/// Proper scoring rules for probabilistic classifiers: the Brier score (and its decomposition) and the negative
/// log-likelihood. See
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/metrics.md">metrics.md</see>.
/// </summary>
/// <remarks>
/// The inputs are validated, then copied once to the host and the metric is computed there in double precision; the
/// inputs may live on any device and are never modified or disposed. Probabilities may be (N, C) or (N, C, d1, …, dk) with
/// targets (N) or (N, d1, …, dk); positions whose target is the ignore index are dropped.
/// </remarks>
public static class ScoringRules
{
    /// <summary>
    /// Multi-class Brier score: (1/N) Σ_i Σ_c (p_ic − y_ic)², with y_i the one-hot encoding of the target. In [0, 2]
    /// for probability rows; 0 for a confident, correct classifier.
    /// </summary>
    /// <remarks>
    /// <para>Shapes: <paramref name="probabilities"/> (N, C) or (N, C, d1, …, dk), N ≥ 1, C ≥ 2, Float32 or Float64
    /// (Float16/BFloat16 are accepted too), values in [0, 1] (rows are not checked to sum to 1); <paramref name="target"/>
    /// (N) or (N, d1, …, dk), class indices in [0, C), Int64 or another integer dtype, on the same device; positions whose
    /// target is −100 are dropped (see the overload with ignoreIndex) and N counts the positions kept. Computed on the host
    /// in double.</para>
    /// <para>Reference: G. W. Brier, "Verification of Forecasts Expressed in Terms of Probability", Monthly Weather
    /// Review 78(1), 1950 (the original sum over classes, not the one-vs-rest binary variant).</para>
    /// </remarks>
    /// <param name="probabilities">Predicted class probabilities, (N, C, d1, …, dk).</param>
    /// <param name="target">True class indices, (N, d1, …, dk).</param>
    /// <returns>The mean Brier score.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, or has the wrong shape, dtype, device or values, or every
    /// position is ignored.</exception>
    public static double BrierScore(Tensor probabilities, Tensor target) => BrierScore(probabilities, target, MetricInputs.DefaultIgnoreIndex);

    /// <summary>
    /// Multi-class Brier score over the positions whose target is not <paramref name="ignoreIndex"/>:
    /// (1/M) Σ_i Σ_c (p_ic − y_ic)². See <see cref="BrierScore(Tensor, Tensor)"/>.
    /// </summary>
    /// <remarks>Shapes as <see cref="BrierScore(Tensor, Tensor)"/>; M is the number of positions kept.</remarks>
    /// <param name="probabilities">Predicted class probabilities, (N, C, d1, …, dk).</param>
    /// <param name="target">True class indices, (N, d1, …, dk).</param>
    /// <param name="ignoreIndex">Target value whose positions are dropped (−100 in the two-argument overload).</param>
    /// <returns>The mean Brier score.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, or has the wrong shape, dtype, device or values, or every
    /// position is ignored.</exception>
    public static double BrierScore(Tensor probabilities, Tensor target, long ignoreIndex) =>
        Calibration.Statistics(probabilities, target, 1, ignoreIndex, perClass: false).BrierScore();

    /// <summary>
    /// Negative log-likelihood of the true class: (1/N) Σ_i −ln max(p_{i, y_i}, ε). The floor ε keeps a zero
    /// probability on the true class finite (−ln ε ≈ 27.6 for the default 1e-12).
    /// </summary>
    /// <remarks>
    /// <para>Shapes: <paramref name="probabilities"/> (N, C) or (N, C, d1, …, dk), floating, values in [0, 1]
    /// (probabilities, not logits or log-probabilities); <paramref name="target"/> (N) or (N, d1, …, dk) integer class
    /// indices in [0, C) or <paramref name="ignoreIndex"/> (dropped; N counts the positions kept), same device. Computed on
    /// the host in double.</para>
    /// <para>Reference: I. J. Good, "Rational Decisions", JRSS B 14(1), 1952 (the logarithmic score);
    /// T. Gneiting and A. E. Raftery, "Strictly Proper Scoring Rules, Prediction, and Estimation", JASA 2007.</para>
    /// </remarks>
    /// <param name="probabilities">Predicted class probabilities, (N, C, d1, …, dk).</param>
    /// <param name="target">True class indices, (N, d1, …, dk).</param>
    /// <param name="epsilon">Floor ε on the true-class probability, 0 &lt; ε ≤ 1 (default 1e-12).</param>
    /// <param name="ignoreIndex">Target value whose positions are dropped (default −100).</param>
    /// <returns>The mean negative log-likelihood, in [0, −ln ε].</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, or has the wrong shape, dtype, device or values, or every
    /// position is ignored.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epsilon"/> is not in (0, 1].</exception>
    public static double NegativeLogLikelihood(Tensor probabilities, Tensor target, double epsilon = 1e-12, long ignoreIndex = -100)
    {
        Check.Epsilon(epsilon, nameof(epsilon));
        return Calibration.Statistics(probabilities, target, 1, ignoreIndex, perClass: false, epsilon: epsilon).NegativeLogLikelihood();
    }

    /// <summary>
    /// The Brier score's decomposition into reliability, resolution and uncertainty (Murphy 1973), per class with
    /// equal-width forecast bins, plus the two within-bin terms that make it an identity (Stephenson et al. 2008).
    /// </summary>
    /// <remarks>
    /// <para><b>Binning:</b> for every class k, the kept positions are binned by their forecast p_ik into B equal-width
    /// bins, bin b holding (b/B, (b+1)/B] (the first also 0), as <see cref="Calibration.ClasswiseCalibrationError"/>. With
    /// o_ik = [y_i = k], n_kb, p̄_kb and ō_kb the bin's size, mean forecast and frequency, ō_k the overall frequency:
    /// REL = (1/M) Σ_k Σ_b n_kb (p̄_kb − ō_kb)², RES = (1/M) Σ_k Σ_b n_kb (ō_kb − ō_k)², UNC = Σ_k ō_k (1 − ō_k).</para>
    /// <para><b>Exactness:</b> Brier = REL − RES + UNC + WBV − 2·WBC holds for any input (up to rounding); WBV and WBC are
    /// zero, and so REL − RES + UNC equals the Brier score exactly, only when the forecasts are constant within each bin
    /// (for example when every forecast is a bin's value, or B is large enough to separate the distinct forecasts).
    /// Otherwise REL − RES + UNC approximates it, off by WBV − 2·WBC.</para>
    /// <para>Shapes and <paramref name="ignoreIndex"/> as <see cref="Calibration.ExpectedCalibrationError"/>.</para>
    /// <para>Reference: A. H. Murphy, "A New Vector Partition of the Probability Score", J. Appl. Meteor. 12, 1973;
    /// D. B. Stephenson, C. A. S. Coelho, I. T. Jolliffe, "Two Extra Components in the Brier Score Decomposition", Weather
    /// and Forecasting 23, 2008.</para>
    /// </remarks>
    /// <param name="probabilities">Predicted class probabilities, (N, C, d1, …, dk).</param>
    /// <param name="target">True class indices, (N, d1, …, dk).</param>
    /// <param name="bins">Number of equal-width forecast bins B ≥ 1 per class (default 10).</param>
    /// <param name="ignoreIndex">Target value whose positions are dropped (default −100).</param>
    /// <returns>The components and the Brier score.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, or has the wrong shape, dtype, device or values, or every
    /// position is ignored.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bins"/> is less than 1.</exception>
    public static BrierComponents BrierDecomposition(Tensor probabilities, Tensor target, int bins = 10, long ignoreIndex = -100) =>
        Calibration.Statistics(probabilities, target, bins, ignoreIndex, perClass: true).BrierDecomposition();
}
