using System;

namespace UncertaintyLoss.Internal;

/// <summary>Host-side Student-t CDF and quantile (libtorch has no incomplete beta function).</summary>
internal static class StudentTMath
{
    /// <summary>
    /// Regularised incomplete beta I_x(a, b), by its continued fraction (DLMF 8.17.22) evaluated with the modified Lentz
    /// method, using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges slowly.
    /// </summary>
    internal static double IncompleteBeta(double a, double b, double x)
    {
        if (x <= 0)
            return 0;
        if (x >= 1)
            return 1;
        if (x > (a + 1) / (a + b + 2))
            return 1 - IncompleteBeta(b, a, 1 - x);
        double lnFront = a * Math.Log(x) + b * Math.Log(1 - x) - LogBeta(a, b) - Math.Log(a);
        const double tiny = 1e-300;
        double f = 1, c = 1, d = 0;
        for (int i = 0; i <= 400; i++)
        {
            int m = i / 2;
            double numerator;
            if (i == 0)
                numerator = 1;
            else if (i % 2 == 0)
                numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
            else
                numerator = -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
            d = 1 + numerator * d;
            d = Math.Abs(d) < tiny ? tiny : d;
            d = 1 / d;
            c = 1 + numerator / c;
            c = Math.Abs(c) < tiny ? tiny : c;
            double cd = c * d;
            f *= cd;
            if (Math.Abs(1 - cd) < 1e-16)
                break;
        }

        return Math.Exp(lnFront) * (f - 1);
    }

    /// <summary>ln B(a, b) from ln Γ.</summary>
    internal static double LogBeta(double a, double b) => LogGamma(a) + LogGamma(b) - LogGamma(a + b);

    /// <summary>ln Γ(x) for x &gt; 0: Lanczos approximation (g = 7, 9 terms), with the reflection-free shift for x &lt; 0.5.</summary>
    internal static double LogGamma(double x)
    {
        if (x < 0.5)
            return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        double[] g =
        {
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        };
        x -= 1;
        double sum = g[0];
        for (int i = 1; i < 9; i++)
            sum += g[i] / (x + i);
        double t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }

    /// <summary>Student-t CDF with ν degrees of freedom at the standardised value t.</summary>
    internal static double Cdf(double t, double nu)
    {
        if (double.IsNaN(t))
            return double.NaN;
        double tail = 0.5 * IncompleteBeta(nu / 2, 0.5, nu / (nu + t * t));
        return t > 0 ? 1 - tail : tail;
    }

    /// <summary>The q-quantile of the standard Student-t (q in (0, 1)), by bisection on <see cref="Cdf"/> to full precision.</summary>
    internal static double Quantile(double q, double nu)
    {
        if (q == 0.5)
            return 0;
        if (q < 0.5)
            return -Quantile(1 - q, nu);
        double lo = 0, hi = 1;
        while (Cdf(hi, nu) < q)
        {
            lo = hi;
            hi *= 2;
            if (double.IsInfinity(hi))
                return double.PositiveInfinity;
        }

        for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (Cdf(mid, nu) < q)
                lo = mid;
            else
                hi = mid;
        }

        return 0.5 * (lo + hi);
    }
}
