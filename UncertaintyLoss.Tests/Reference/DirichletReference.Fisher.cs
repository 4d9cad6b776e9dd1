namespace UncertaintyLoss.Tests.Reference;

/// <summary>I-EDL's loss (Deng et al., ICML 2023), written from the paper's eq. 11 as printed.</summary>
public static partial class DirichletReference
{
    /// <summary>
    /// I-EDL's Fisher-weighted squared error Σ_j ψ₁(α_j)[(y_j − p_j)² + p_j(1 − p_j)/(S + 1)] minus
    /// <paramref name="fisherCoefficient"/> times ln|I(α)| = Σ_j ln ψ₁(α_j) + ln(1 − ψ₁(S) Σ_j 1/ψ₁(α_j)), with α = e + 1,
    /// S = Σ_j α_j, p = α/S; ψ₁ is <see cref="Trigamma"/>. The logarithm's argument is evaluated as written, so it cancels
    /// (see <see cref="FisherEvidentialMagnitude"/>).
    /// </summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <param name="y">Target probability vector of length K.</param>
    /// <param name="fisherCoefficient">The weight c of the log-determinant.</param>
    /// <returns>The loss at this position, without the KL term.</returns>
    public static double FisherEvidential(double[] e, double[] y, double fisherCoefficient)
    {
        CheckPair(e, y);
        var (mse, logTrigammas, logOneMinusP, _) = FisherTerms(e, y);
        return mse - fisherCoefficient * (logTrigammas + logOneMinusP);
    }

    /// <summary>
    /// Size of what cancels in <see cref="FisherEvidential"/>: the squared error's terms, plus c times
    /// (Σ_j |ln ψ₁(α_j)| + |ln(1 − P)| + P/(1 − P)), P = ψ₁(S) Σ_j 1/ψ₁(α_j). The last is the condition of ln(1 − P): P tends
    /// to 1 − (K − 1)/(2S) as S grows, so a rounding of P is amplified by 1/(1 − P) ≈ 2S/(K − 1) — in this reference too.
    /// </summary>
    /// <param name="e">Evidence vector of length K.</param>
    /// <param name="y">Target probability vector of length K.</param>
    /// <param name="fisherCoefficient">The weight c of the log-determinant.</param>
    /// <returns>A non-negative magnitude.</returns>
    public static double FisherEvidentialMagnitude(double[] e, double[] y, double fisherCoefficient)
    {
        CheckPair(e, y);
        var (mse, _, logOneMinusP, p) = FisherTerms(e, y);
        double logs = e.Sum(ej => Math.Abs(Math.Log(Trigamma.Value(ej + 1.0))));
        return Math.Abs(mse) + fisherCoefficient * (logs + Math.Abs(logOneMinusP) + p / (1.0 - p));
    }

    private static (double Mse, double LogTrigammas, double LogOneMinusP, double P) FisherTerms(double[] e, double[] y)
    {
        int k = e.Length;
        double s = e.Sum() + k;
        double trigammaS = Trigamma.Value(s);
        double mse = 0.0, logTrigammas = 0.0, reciprocals = 0.0;
        for (int j = 0; j < k; j++)
        {
            double alpha = e[j] + 1.0;
            double p = alpha / s;
            double t = Trigamma.Value(alpha);
            mse += t * ((y[j] - p) * (y[j] - p) + p * (1.0 - p) / (s + 1.0));
            logTrigammas += Math.Log(t);
            reciprocals += 1.0 / t;
        }

        double pProduct = trigammaS * reciprocals;
        return (mse, logTrigammas, Math.Log(1.0 - pProduct), pProduct);
    }
}
