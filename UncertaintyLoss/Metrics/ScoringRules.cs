using System;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss.Metrics;

/// <summary>
/// Proper scoring rules for probabilistic classifiers: the Brier score and the negative log-likelihood.
/// See docs/metrics.md.
/// </summary>
/// <remarks>
/// The inputs are validated, then copied once to the host and the metric is computed there in double precision; the
/// inputs may live on any device and are never modified or disposed.
/// </remarks>
public static class ScoringRules
{
    /// <summary>
    /// Multi-class Brier score: (1/N) Σ_i Σ_c (p_ic − y_ic)², with y_i the one-hot encoding of the target. In [0, 2]
    /// for probability rows; 0 for a confident, correct classifier.
    /// </summary>
    /// <remarks>
    /// <para>Shapes: <paramref name="probabilities"/> (N, C), N ≥ 1, C ≥ 2, Float32 or Float64 (Float16/BFloat16 are
    /// accepted too), values in [0, 1] (rows are not checked to sum to 1); <paramref name="target"/> (N), class indices
    /// in [0, C), Int64 or another integer dtype, on the same device. Computed on the host in double.</para>
    /// <para>Reference: G. W. Brier, "Verification of Forecasts Expressed in Terms of Probability", Monthly Weather
    /// Review 78(1), 1950 (the original sum over classes, not the one-vs-rest binary variant).</para>
    /// </remarks>
    /// <param name="probabilities">Predicted class probabilities, (N, C).</param>
    /// <param name="target">True class indices, (N).</param>
    /// <returns>The mean Brier score.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, or has the wrong shape, dtype, device or values.</exception>
    public static double BrierScore(Tensor probabilities, Tensor target)
    {
        using var scope = NewDisposeScope();
        var (p, y, n, c) = MetricInputs.Classification(probabilities, target, nameof(probabilities), nameof(target));
        double total = 0.0;
        for (int i = 0; i < n; i++)
        {
            double row = 0.0;
            for (int k = 0; k < c; k++)
            {
                double d = p[i * c + k] - (k == y[i] ? 1.0 : 0.0);
                row += d * d;
            }

            total += row;
        }

        return total / n;
    }

    /// <summary>
    /// Negative log-likelihood of the true class: (1/N) Σ_i −ln max(p_{i, y_i}, ε). The floor ε keeps a zero
    /// probability on the true class finite (−ln ε ≈ 27.6 for the default 1e-12).
    /// </summary>
    /// <remarks>
    /// <para>Shapes: <paramref name="probabilities"/> (N, C), N ≥ 1, C ≥ 2, floating, values in [0, 1] (probabilities,
    /// not logits or log-probabilities); <paramref name="target"/> (N) integer class indices in [0, C), same device.
    /// Computed on the host in double.</para>
    /// <para>Reference: I. J. Good, "Rational Decisions", JRSS B 14(1), 1952 (the logarithmic score);
    /// T. Gneiting and A. E. Raftery, "Strictly Proper Scoring Rules, Prediction, and Estimation", JASA 2007.</para>
    /// </remarks>
    /// <param name="probabilities">Predicted class probabilities, (N, C).</param>
    /// <param name="target">True class indices, (N).</param>
    /// <param name="epsilon">Floor ε on the true-class probability, 0 &lt; ε ≤ 1 (default 1e-12).</param>
    /// <returns>The mean negative log-likelihood, in [0, −ln ε].</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, or has the wrong shape, dtype, device or values.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epsilon"/> is not in (0, 1].</exception>
    public static double NegativeLogLikelihood(Tensor probabilities, Tensor target, double epsilon = 1e-12)
    {
        Check.InRange(epsilon > 0.0 && epsilon <= 1.0, epsilon, nameof(epsilon), "epsilon in (0, 1]");
        using var scope = NewDisposeScope();
        var (p, y, n, c) = MetricInputs.Classification(probabilities, target, nameof(probabilities), nameof(target));
        double total = 0.0;
        for (int i = 0; i < n; i++)
            total -= Math.Log(Math.Max(p[i * c + (int)y[i]], epsilon));
        return total / n;
    }
}
