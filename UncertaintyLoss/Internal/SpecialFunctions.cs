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
}
