namespace UncertaintyLoss.Tests.Reference;

/// <summary>Central finite differences for checking analytic / autograd gradients of the reference formulas.</summary>
public static class FiniteDifference
{
    /// <summary>
    /// Central-difference gradient: component i is (f(x + hᵢeᵢ) − f(x − hᵢeᵢ)) / (2hᵢ) with
    /// hᵢ = <paramref name="relativeStep"/> · max(1, |xᵢ|). Truncation error is O(hᵢ²), rounding error
    /// about ε·|f| / hᵢ.
    /// </summary>
    /// <remarks>
    /// At zero evidence the lower probe x − h is slightly negative. That is fine for the Dirichlet
    /// formulas: they are analytic for α = e + 1 &gt; 0, i.e. for every e &gt; −1, so the two-sided
    /// difference still approximates the (one-sided in the domain e ≥ 0) derivative at e = 0.
    /// Formulas that are not smooth at a probe point (e.g. a max) give meaningless differences there.
    /// </remarks>
    /// <param name="f">Scalar function of a vector; each call gets a fresh copy of <paramref name="x"/>.</param>
    /// <param name="x">The point; left unchanged.</param>
    /// <param name="relativeStep">Relative step, positive; the default 1e-6 balances truncation and rounding.</param>
    /// <returns>A new array with ∂f/∂xᵢ estimates.</returns>
    public static double[] CentralGradient(Func<double[], double> f, double[] x, double relativeStep = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        if (!(relativeStep > 0.0))
        {
            throw new ArgumentOutOfRangeException(nameof(relativeStep), relativeStep, "The step must be positive.");
        }

        var gradient = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double h = relativeStep * Math.Max(1.0, Math.Abs(x[i]));
            var probe = (double[])x.Clone();
            probe[i] = x[i] + h;
            double plus = f(probe);
            probe = (double[])x.Clone();
            probe[i] = x[i] - h;
            double minus = f(probe);

            // Divide by the step actually taken, which rounding may make differ from 2h.
            gradient[i] = (plus - minus) / ((x[i] + h) - (x[i] - h));
        }

        return gradient;
    }
}
