using static TorchSharp.torch;

namespace UncertaintyLoss.Internal;

/// <summary>Special functions composed from tensor operations where libtorch's own are not accurate enough.</summary>
internal static class SpecialFunctions
{
    /// <summary>Shift of the trigamma recurrence: the asymptotic series is used at x + Shift ≥ 12.</summary>
    private const int Shift = 11;

    /// <summary>
    /// Trigamma ψ₁(x) for x ≥ 1 (Dirichlet parameters α = evidence + 1). Algorithm: the recurrence
    /// ψ₁(x) = Σ_{k&lt;11} 1/(x + k)² + ψ₁(x + 11), then the asymptotic series
    /// ψ₁(z) = 1/z + 1/(2z²) + Σ_k B_2k / z^{2k+1} at z = x + 11 ≥ 12, summed smallest terms first.
    /// All terms are positive, so the result is accurate to a few ulp; the tests measure it against the
    /// MathNet-based reference (libtorch's <c>polygamma(1, x)</c> is only about 5e-10 relative in Float64).
    /// </summary>
    internal static Tensor Trigamma(Tensor x)
    {
        var z = x + Shift;
        var w = z.square().reciprocal();
        // 1/z + 1/(2z²) + (1/z³)(1/6 − w(1/30 − w(1/42 − w(1/30 − w(5/66 − w(691/2730 − w·7/6))))))
        var series = (w / z) * (1.0 / 6 - w * (1.0 / 30 - w * (1.0 / 42 - w * (1.0 / 30 - w * (5.0 / 66 - w * (691.0 / 2730 - w * (7.0 / 6)))))));
        var result = series + 0.5 * w + z.reciprocal();
        for (int k = Shift - 1; k >= 0; k--)
            result = result + (x + k).square().reciprocal();
        return result;
    }
    /// <summary>Arguments at or above this value take the asymptotic series in <see cref="TrigammaReciprocalRemainder"/>.</summary>
    internal const double ReciprocalSeriesFrom = 16.0;

    /// <summary>
    /// Coefficients c_k of the asymptotic series f(x) ≈ Σ_{k=1..15} c_k / x^k of <see cref="TrigammaReciprocalRemainder"/>:
    /// the series of 1/ψ₁(x) − x + ½ in t = 1/x, with ψ₁(x) ≈ t + t²/2 + Σ_k B_2k t^{2k+1}. Generated exactly with sympy 1.11
    /// (<c>series(1/psi1, t, 0, 17)</c>, Bernoulli numbers up to B_24); truncated after c_15, the series is within 1e-16
    /// relative of mpmath's 40-digit 1/ψ₁(x) − x + ½ at x = 16, closer above (FisherEvidentialLossTests checks it).
    /// </summary>
    internal static readonly double[] ReciprocalSeries =
    [
        1.0 / 12, 1.0 / 24, -1.0 / 720, -11.0 / 480, -113.0 / 12096, 527.0 / 24192, 79717.0 / 3628800, -34253.0 / 1036800,
        -28932091.0 / 479001600, 8115997.0 / 106444800, 574468115113.0 / 2615348736000, -121081664357.0 / 475517952000,
        -33192217165829.0 / 31384184832000, 1130712756539.0 / 965667225600, 211137303717165829.0 / 32011868528640000,
    ];

    /// <summary>
    /// f(x) = 1/ψ₁(x) − x + ½ for x ≥ 1, a small positive number (f(1) = 6/π² − ½ ≈ 0.108, f(x) ≈ 1/(12x)): the remainder
    /// that keeps 1/ψ₁(S) − Σ_j 1/ψ₁(α_j) = (K − 1)/2 + f(S) − Σ_j f(α_j) free of cancellation. Below x = 16 it is computed
    /// as written (absolute error a few ulp of x, far below the (K − 1)/2 ≥ ½ it is added to); from 16 on by the series.
    /// </summary>
    /// <param name="x">The arguments, ≥ 1.</param>
    /// <param name="trigamma">ψ₁(x), already computed.</param>
    internal static Tensor TrigammaReciprocalRemainder(Tensor x, Tensor trigamma)
    {
        var direct = trigamma.reciprocal() - x + 0.5;
        var w = x.reciprocal();
        var series = full_like(x, ReciprocalSeries[^1]);
        for (int k = ReciprocalSeries.Length - 2; k >= 0; k--)
            series = series * w + ReciprocalSeries[k];
        return where(x < ReciprocalSeriesFrom, direct, series * w);
    }
}
