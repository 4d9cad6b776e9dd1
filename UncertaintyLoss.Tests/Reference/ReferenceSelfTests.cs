using MathNet.Numerics;

namespace UncertaintyLoss.Tests.Reference;

/// <summary>Checks <see cref="Trigamma"/> against closed forms, mpmath values and a decimal evaluation.</summary>
[TestFixture]
public class TrigammaTests
{
    private const double PiSquared = Math.PI * Math.PI;

    // π²/6 and π²/2 to 28 decimals.
    private const decimal PiSquaredOverSix = 1.6449340668482264364724151666m;
    private const decimal PiSquaredOverTwo = 4.9348022005446793094172454999m;

    /// <summary>Asserted bound on the relative error; see the measured value in the Trigamma XML doc.</summary>
    private const double RelativeBound = 5e-16;

    [Test]
    public void Value_AtOne_IsPiSquaredOverSix()
    {
        Assert.That(Trigamma.Value(1.0), Is.EqualTo(PiSquared / 6.0).Within(RelativeBound * PiSquared / 6.0));
    }

    [Test]
    public void Value_AtHalf_IsPiSquaredOverTwo()
    {
        Assert.That(Trigamma.Value(0.5), Is.EqualTo(PiSquared / 2.0).Within(RelativeBound * PiSquared / 2.0));
    }

    [Test]
    public void Value_AtTwo_IsPiSquaredOverSixMinusOne()
    {
        Assert.That(Trigamma.Value(2.0), Is.EqualTo(PiSquared / 6.0 - 1.0).Within(RelativeBound));
    }

    // Expected values: mpmath.psi(1, x) at 40 digits, evaluated at the double nearest to x.
    [TestCase(0.001, 1000001.6425331958273)]
    [TestCase(0.1, 101.4332991507927477)]
    [TestCase(0.3, 12.245364546107731301)]
    [TestCase(0.7, 2.8340491566946109126)]
    [TestCase(1.3, 1.1342534349966193011)]
    [TestCase(2.5000001, 0.49035773247983085899)]
    [TestCase(3.14159, 0.37424413730244577399)]
    [TestCase(7.25, 0.14787923315893216965)]
    [TestCase(9.99, 0.10527695014824178439)]
    [TestCase(10.5, 0.099916956059126733204)]
    [TestCase(25.3, 0.040317120341256496017)]
    [TestCase(123.456, 0.0081329458342781978071)]
    [TestCase(1000.5, 0.00099999991666669583331)]
    [TestCase(10000.25, 0.00010000249997916197918)]
    [TestCase(1e6, 0.0000010000005000001666667)]
    public void Value_NonIntegerArguments_MatchMpmath(double x, double expected)
    {
        // The expected literal itself is rounded to the nearest double (half an ulp).
        Assert.That(Trigamma.Value(x), Is.EqualTo(expected).Within(RelativeBound * expected));
    }

    [Test]
    public void Value_IntegersAndHalfIntegers_MatchExactSeriesInDecimal()
    {
        double maxError = 0.0;
        decimal integerSum = 0m;
        decimal halfSum = 0m;
        for (int n = 0; n <= 200; n++)
        {
            if (n >= 1)
            {
                // ψ₁(n) = π²/6 − Σ_{k<n} 1/k², ψ₁(n + ½) = π²/2 − 4 Σ_{k≤n} 1/(2k − 1)².
                decimal odd = 2 * n - 1;
                halfSum += 4m / (odd * odd);
                maxError = Math.Max(maxError, RelativeError(Trigamma.Value(n), PiSquaredOverSix - integerSum));
                integerSum += 1m / ((decimal)n * n);
            }

            maxError = Math.Max(maxError, RelativeError(Trigamma.Value(n + 0.5), PiSquaredOverTwo - halfSum));
        }

        TestContext.Out.WriteLine($"max relative error at integers and half-integers up to 200: {maxError:E2}");
        Assert.That(maxError, Is.LessThan(RelativeBound));
    }

    [Test]
    public void Value_DenseGrid_MatchesHighPrecisionDecimalEvaluation()
    {
        // x = k/64 on (0, 100] and k/4 on (100, 10000]: exact in both double and decimal. The decimal
        // evaluation shifts to z ≥ 40 (truncation below 1e-26), so a wrong coefficient or threshold in
        // the double version (which stops shifting at 12) would show up here.
        double maxError = 0.0;
        double worstX = 0.0;
        for (int k = 1; k <= 6400 + 39600; k++)
        {
            decimal xd = k <= 6400 ? k / 64m : 100m + (k - 6400) / 4m;
            double x = (double)xd;
            double error = RelativeError(Trigamma.Value(x), DecimalTrigamma(xd));
            if (error > maxError)
            {
                maxError = error;
                worstX = x;
            }
        }

        TestContext.Out.WriteLine($"max relative error on the grid: {maxError:E2} at x = {worstX}");
        Assert.That(maxError, Is.LessThan(RelativeBound));
    }

    [TestCase(0.2)]
    [TestCase(1.0)]
    [TestCase(4.5)]
    [TestCase(33.0)]
    public void Value_Always_MatchesCentralDifferenceOfDigamma(double x)
    {
        double h = 1e-5 * x;
        double derivative = (SpecialFunctions.DiGamma(x + h) - SpecialFunctions.DiGamma(x - h)) / (2.0 * h);
        Assert.That(Trigamma.Value(x), Is.EqualTo(derivative).Within(1e-6 * derivative));
    }

    // At or above the threshold both sides come from the asymptotic series, so this is no tautology.
    [TestCase(12.0)]
    [TestCase(12.3)]
    [TestCase(50.0)]
    [TestCase(1000.0)]
    public void Value_AboveThreshold_SatisfiesRecurrence(double x)
    {
        double difference = Trigamma.Value(x) - Trigamma.Value(x + 1.0);
        Assert.That(difference, Is.EqualTo(1.0 / (x * x)).Within(4e-16 * Trigamma.Value(x)));
    }

    [TestCase(1e3)]
    [TestCase(1e4)]
    public void Value_LargeX_ApproachesOneOverXPlusHalfOverXSquared(double x)
    {
        double remainder = Trigamma.Value(x) - (1.0 / x + 1.0 / (2.0 * x * x));
        Assert.That(remainder * x * x * x, Is.EqualTo(1.0 / 6.0).Within(1e-5));
    }

    [Test]
    public void Value_PositiveInfinity_IsZero()
    {
        Assert.That(Trigamma.Value(double.PositiveInfinity), Is.EqualTo(0.0));
    }

    [TestCase(0.0)]
    [TestCase(-1.5)]
    public void Value_NonPositive_Throws(double x)
    {
        Assert.That(() => Trigamma.Value(x), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    private static decimal DecimalTrigamma(decimal x)
    {
        decimal sum = 0m;
        while (x < 40m)
        {
            sum += 1m / (x * x);
            x += 1m;
        }

        decimal inv = 1m / x;
        decimal inv2 = inv * inv;
        decimal tail = inv2 * (1m / 6m + inv2 * (-1m / 30m + inv2 * (1m / 42m + inv2 * (-1m / 30m
                     + inv2 * (5m / 66m + inv2 * (-691m / 2730m + inv2 * (7m / 6m)))))));
        return sum + inv + inv2 / 2m + inv * tail;
    }

    private static double RelativeError(double computed, decimal exact)
    {
        return Math.Abs((double)((ExactDecimal(computed) - exact) / exact));
    }

    /// <summary>Converts a positive normal double to decimal without the 15-digit rounding of the built-in cast.</summary>
    private static decimal ExactDecimal(double value)
    {
        long bits = BitConverter.DoubleToInt64Bits(value);
        int exponent = (int)((bits >> 52) & 0x7FF) - 1075;
        long mantissa = (bits & 0xFFFFFFFFFFFFFL) | (1L << 52);
        decimal result = mantissa;
        for (; exponent > 0; exponent--)
        {
            result *= 2m;
        }

        // Divide by 2^-exponent in at most two exactly representable steps.
        for (; exponent < 0; exponent += Math.Min(-exponent, 62))
        {
            result /= 1L << Math.Min(-exponent, 62);
        }

        return result;
    }
}

/// <summary>Checks <see cref="DirichletReference"/> against closed forms and numerical integration.</summary>
[TestFixture]
public class DirichletReferenceTests
{
    private static readonly double Ln2 = Math.Log(2.0);

    /// <summary>
    /// Values of <c>torch.distributions.Dirichlet(α).entropy()</c> in float64 (PyTorch 1.13.0a0, Debian python3-torch,
    /// 2026-12-03). The first is also the closed form −ln Γ(K) for the uniform Dirichlet (density Γ(K) on the simplex).
    /// MathNet 5.0's <c>Dirichlet.Entropy</c> is not usable as a reference: it returns +0.693 for α = (1, 1, 1), 45.6 for
    /// α = (4, 1.5, 13) and 1240 for α = (251, 1, 2, 8.5).
    /// </summary>
    [TestCase(new[] { 0.0, 0.0, 0.0 }, -0.6931471805599453)]
    [TestCase(new[] { 3.0, 0.5, 12.0 }, -2.5809077163576717)]
    [TestCase(new[] { 250.0, 0.0, 1.0, 7.5 }, -11.701690906785416)]
    public void DifferentialEntropy_MatchesTorchDistributionsDirichletEntropy(double[] e, double torchEntropy)
    {
        Assert.That(DirichletReference.DifferentialEntropy(e), Is.EqualTo(torchEntropy).Within(1e-14 * DirichletReference.DifferentialEntropyMagnitude(e)));
    }

    /// <summary>With K = 2, Dir(α) is Beta(α₀, α₁): its differential entropy is −∫ f ln f.</summary>
    [TestCase(new[] { 3.0, 1.0 })]
    [TestCase(new[] { 0.0, 0.0 })]
    [TestCase(new[] { 9.0, 2.5 })]
    public void DifferentialEntropy_TwoClasses_MatchesIntegralOfTheBetaDensity(double[] e)
    {
        double a = e[0] + 1, b = e[1] + 1;
        double integral = -Integrate.DoubleExponential(x => { double lf = BetaLogDensity(x, a, b); return lf == double.NegativeInfinity ? 0.0 : Math.Exp(lf) * lf; }, 0.0, 1.0, 1e-13);
        Assert.That(DirichletReference.DifferentialEntropy(e), Is.EqualTo(integral).Within(1e-10));
    }

    /// <summary>The definition of the expected pairwise KL reduces to (K − 1)/S, because ψ(x + 1) − ψ(x) = 1/x.</summary>
    [TestCase(new[] { 0.0, 0.0 })]
    [TestCase(new[] { 3.0, 0.5, 12.0 })]
    [TestCase(new[] { 250.0, 0.0, 1.0, 7.5 })]
    public void ExpectedPairwiseKl_IsKMinusOneOverPrecision(double[] e)
    {
        double s = e.Sum() + e.Length;
        Assert.That(DirichletReference.ExpectedPairwiseKl(e), Is.EqualTo((e.Length - 1) / s).Within(1e-14 * DirichletReference.ExpectedPairwiseKlMagnitude(e)));
    }

    /// <summary>
    /// RED's regulariser, −ν ln max(e_y, 1e-5) with ν = K/S, against values written out by hand: (2, 0.5, 1.5), class 0:
    /// −(3/7) ln 2; (0, 3, 0.25, 7), class 3: −(4/14.25) ln 7; (1000, 0.001), class 1: −(2/1003.001) ln 0.001; zero evidence
    /// of the true class: the floor, −(3/6) ln 1e-5.
    /// </summary>
    [TestCase(new[] { 2.0, 0.5, 1.5 }, 0, -0.29706307738283366)]
    [TestCase(new[] { 0.0, 3.0, 0.25, 7.0 }, 3, -0.5462203927172808)]
    [TestCase(new[] { 1000.0, 0.001 }, 1, 0.01378792092818697)]
    [TestCase(new[] { 0.0, 2.0, 1.0 }, 0, 5.756462732485114)]
    public void CorrectEvidence_MatchesClosedForm(double[] e, int c, double expected)
    {
        double closedForm = -(e.Length / (e.Sum() + e.Length)) * Math.Log(Math.Max(e[c], 1e-5));
        Assert.Multiple(() =>
        {
            Assert.That(expected, Is.EqualTo(closedForm).Within(1e-15 * Math.Abs(closedForm)), "the written-out value");
            Assert.That(DirichletReference.CorrectEvidence(e, DirichletReference.OneHot(c, e.Length)), Is.EqualTo(expected).Within(1e-15 * Math.Abs(expected)));
        });
    }

    /// <summary>The frozen vacuity: ν comes from frozenAt, the logarithm from e; a soft target averages over the true class.</summary>
    [Test]
    public void CorrectEvidence_FrozenVacuityAndSoftTarget_AreSeparate()
    {
        double[] at = [2.0, 0.5, 1.5], e = [4.0, 0.5, 1.5], y = [0.25, 0.0, 0.75];
        double expected = -(3.0 / 7.0) * (0.25 * Math.Log(4.0) + 0.75 * Math.Log(1.5));
        Assert.That(DirichletReference.CorrectEvidence(e, y, at), Is.EqualTo(expected).Within(1e-15));
    }

    /// <summary>
    /// Posterior Network's loss against <c>torch.digamma(S) − torch.digamma(α_y) − λ·torch.distributions.Dirichlet(α).entropy()</c>
    /// in float64 (PyTorch 1.13.0a0, Debian python3-torch, 2026-12-03); λ = 0 is the Dirichlet cross-entropy risk.
    /// </summary>
    [TestCase(new[] { 2.0, 0.5, 1.5 }, 0, 1e-5, 0.9500114961467637)]
    [TestCase(new[] { 0.0, 3.0, 0.25, 7.0 }, 3, 0.5, 2.575427105261615)]
    [TestCase(new[] { 1e3, 1e-3 }, 1, 2.0, 19.30233932659167)]
    public void PosteriorNetwork_MatchesTorchDigammaAndDirichletEntropy(double[] e, int c, double lambda, double torchValue)
    {
        var y = DirichletReference.OneHot(c, e.Length);
        Assert.Multiple(() =>
        {
            Assert.That(DirichletReference.PosteriorNetwork(e, y, lambda), Is.EqualTo(torchValue).Within(1e-13 * DirichletReference.PosteriorNetworkMagnitude(e, y, lambda)));
            Assert.That(DirichletReference.PosteriorNetwork(e, y, 0.0), Is.EqualTo(DirichletReference.DirichletDigamma(e, y)));
        });
    }

    /// <summary>With λ = 1, R-EDL's KL is EDL's (the uniform Dirichlet); its squared error is EDL's without the variance term.</summary>
    [TestCase(new[] { 3.0, 0.5, 12.0 }, 1)]
    [TestCase(new[] { 0.0, 40.0, 1.0, 7.5 }, 0)]
    public void Relaxed_PriorWeightOne_ReducesToEdl(double[] e, int c)
    {
        var y = DirichletReference.OneHot(c, e.Length);
        double s = e.Sum() + e.Length;
        double variance = e.Sum(ej => (ej + 1) / s * (1 - (ej + 1) / s) / (s + 1));
        Assert.Multiple(() =>
        {
            Assert.That(DirichletReference.RelaxedKl(e, y, 1.0), Is.EqualTo(DirichletReference.UniformDirichletKl(e, y)).Within(1e-13));
            Assert.That(DirichletReference.RelaxedMse(e, y, 1.0), Is.EqualTo(DirichletReference.DirichletMse(e, y) - variance).Within(1e-15));
        });
    }

    /// <summary>
    /// Values of <c>torch.distributions.kl_divergence(Dirichlet(β), Dirichlet(λ·1))</c> in float64 (PyTorch 1.13.0a0,
    /// Debian python3-torch, 2026-12-03), for prior weights below 1 where the quadrature below is not accurate.
    /// </summary>
    [TestCase(new[] { 3.0, 1.0 }, 1, 0.1, 0.7147412339355953)]                // β = (3.1, 0.1)
    [TestCase(new[] { 9.0, 2.5 }, 1, 0.5, 1.198726588234961)]                 // β = (9.5, 0.5)
    [TestCase(new[] { 7.0, 3.5, 0.0 }, 0, 0.1, 1.1732190273966707)]          // β = (0.1, 3.6, 0.1)
    public void RelaxedKl_MatchesTorchDistributionsKlDivergence(double[] e, int c, double lambda, double torchKl)
    {
        var y = DirichletReference.OneHot(c, e.Length);
        Assert.That(DirichletReference.RelaxedKl(e, y, lambda), Is.EqualTo(torchKl).Within(1e-14 * DirichletReference.RelaxedKlMagnitude(e, y, lambda)));
    }

    /// <summary>
    /// With K = 2, KL(Dir(β) ‖ Dir(λ, λ)) is KL(Beta(β₀, β₁) ‖ Beta(λ, λ)) = ∫ f ln(f/g). λ ≥ 1 keeps both densities
    /// bounded, which the quadrature needs (with λ = 0.1 or 0.5 their endpoint singularities cost it 1e-6 to 4e-2).
    /// </summary>
    [TestCase(new[] { 3.0, 1.0 }, 1.5)]
    [TestCase(new[] { 9.0, 2.5 }, 2.5)]
    [TestCase(new[] { 0.25, 4.0 }, 2.0)]
    public void RelaxedKl_TwoClasses_MatchesIntegralOfTheBetaDensities(double[] e, double lambda)
    {
        var y = DirichletReference.OneHot(1, 2);                    // class 1 true: β = (e₀ + λ, λ)
        double a = e[0] + lambda, b = lambda;
        double integral = Integrate.DoubleExponential(x =>
        {
            double lf = BetaLogDensity(x, a, b);
            return lf == double.NegativeInfinity ? 0.0 : Math.Exp(lf) * (lf - BetaLogDensity(x, lambda, lambda));
        }, 0.0, 1.0, 1e-13);
        Assert.That(DirichletReference.RelaxedKl(e, y, lambda), Is.EqualTo(integral).Within(1e-9));
    }

    /// <summary>For integer α, ψ(S) − ψ(α) is a difference of harmonic numbers: H_{S−1} − H_{α−1}.</summary>
    [Test]
    public void DirichletDigamma_IntegerAlphas_IsDifferenceOfHarmonicNumbers()
    {
        // e = (2, 0, 1): α = (3, 1, 2), S = 6. Class 0: H5 − H2 = 1/3 + 1/4 + 1/5 = 47/60; class 1: H5 − H0 = 137/60.
        Assert.Multiple(() =>
        {
            Assert.That(DirichletReference.DirichletDigamma([2.0, 0.0, 1.0], DirichletReference.OneHot(0, 3)), Is.EqualTo(47.0 / 60.0).Within(1e-15));
            Assert.That(DirichletReference.DirichletDigamma([2.0, 0.0, 1.0], DirichletReference.OneHot(1, 3)), Is.EqualTo(137.0 / 60.0).Within(1e-15));
        });
    }

    /// <summary>With K = 2, Dir(α) is Beta(α₀, α₁) on p₀: the digamma risk is E[−ln p₀], the log risk −ln E[p₀].</summary>
    [TestCase(new[] { 3.0, 1.0 })]
    [TestCase(new[] { 0.0, 4.0 })]
    [TestCase(new[] { 9.0, 2.5 })]
    [TestCase(new[] { 0.25, 0.0 })]
    public void DirichletDigammaAndLog_TwoClasses_MatchIntegralsOfTheBetaDensity(double[] e)
    {
        double a = e[0] + 1, b = e[1] + 1;
        double expectedMinusLog = Integrate.DoubleExponential(x => x <= 0.0 ? 0.0 : -Math.Log(x) * Math.Exp(BetaLogDensity(x, a, b)), 0.0, 1.0, 1e-13);
        double mean = Integrate.DoubleExponential(x => x * Math.Exp(BetaLogDensity(x, a, b)), 0.0, 1.0, 1e-13);
        var y = DirichletReference.OneHot(0, 2);
        Assert.Multiple(() =>
        {
            Assert.That(DirichletReference.DirichletDigamma(e, y), Is.EqualTo(expectedMinusLog).Within(1e-10));
            Assert.That(DirichletReference.DirichletLog(e, y), Is.EqualTo(-Math.Log(mean)).Within(1e-10));
        });
    }

    /// <summary>The log risk keeps its relative accuracy when one class holds almost all the evidence: ln(1 + x) for tiny x.</summary>
    [Test]
    public void DirichletLog_DominantTrueClass_KeepsRelativeAccuracy()
    {
        // α = (1e12 + 1, 1, 1): ln S − ln α₀ = ln(1 + 2/(1e12 + 1)) = 2/(1e12 + 1) − ½(2/(1e12 + 1))² + …
        double x = 2.0 / (1e12 + 1.0);
        Assert.That(DirichletReference.DirichletLog([1e12, 0.0, 0.0], DirichletReference.OneHot(0, 3)), Is.EqualTo(x - x * x / 2).Within(1e-15 * x));
    }

    [Test]
    public void UniformDirichletKl_AlphaTildeAllOnes_IsZero()
    {
        // Zero evidence everywhere, and evidence only on the true class (removed by α̃).
        Assert.Multiple(() =>
        {
            Assert.That(DirichletReference.UniformDirichletKl(new double[4], DirichletReference.OneHot(2, 4)), Is.EqualTo(0.0).Within(1e-14));
            Assert.That(DirichletReference.UniformDirichletKl([0.0, 0.0, 7.5], DirichletReference.OneHot(2, 3)), Is.EqualTo(0.0).Within(1e-14));
        });
    }

    [Test]
    public void UniformDirichletKl_DirichletTwoOne_IsLn2MinusHalf()
    {
        // e = (1, 0), y = (0, 1): α̃ = (2, 1).
        // The tolerance allows for MathNet's GammaLn, which is accurate to a few 1e-15 only.
        double kl = DirichletReference.UniformDirichletKl([1.0, 0.0], [0.0, 1.0]);
        Assert.That(kl, Is.EqualTo(Ln2 - 0.5).Within(1e-14));
    }

    [TestCase(new[] { 3.0, 1.0 }, new[] { 0.5, 0.5 })]
    [TestCase(new[] { 0.0, 4.0 }, new[] { 1.0, 0.0 })]
    [TestCase(new[] { 9.0, 2.5 }, new[] { 0.2, 0.8 })]
    public void UniformDirichletKl_TwoClasses_MatchesIntegralOfDensityTimesLogDensity(double[] e, double[] y)
    {
        // With K = 2, Dir(α̃) is Beta(α̃₀, α̃₁) on p₀, and KL to the uniform is ∫ f ln f.
        double a = y[0] + (1 - y[0]) * (e[0] + 1), b = y[1] + (1 - y[1]) * (e[1] + 1);
        double integral = Integrate.DoubleExponential(x => { double lf = BetaLogDensity(x, a, b); return lf == double.NegativeInfinity ? 0.0 : Math.Exp(lf) * lf; }, 0.0, 1.0, 1e-13);
        Assert.That(DirichletReference.UniformDirichletKl(e, y), Is.EqualTo(integral).Within(1e-10));
    }

    [Test]
    public void UniformDirichletKl_RandomInputs_IsNonNegativeAndBelowMagnitude()
    {
        var random = new Random(1234);
        for (int trial = 0; trial < 200; trial++)
        {
            double[] e = RandomEvidence(random, 2 + trial % 5);
            double[] y = RandomProbabilities(random, e.Length);
            double kl = DirichletReference.UniformDirichletKl(e, y);
            double magnitude = DirichletReference.UniformDirichletKlMagnitude(e, y);
            Assert.That(kl, Is.GreaterThanOrEqualTo(-1e-14 * magnitude).And.LessThanOrEqualTo(magnitude), $"trial {trial}");
        }
    }

    [Test]
    public void DirichletMse_FlatDirichletOneHot_IsHalfPlusSixth()
    {
        // α = (1, 1), S = 2, p = (½, ½): (¼ + ¼) + 2·(¼)/3.
        Assert.That(DirichletReference.DirichletMse([0.0, 0.0], [1.0, 0.0]), Is.EqualTo(0.5 + 1.0 / 6.0).Within(1e-15));
    }

    [TestCase(new[] { 2.0, 0.5 }, new[] { 1.0, 0.0 })]
    [TestCase(new[] { 0.0, 6.0 }, new[] { 0.3, 0.7 })]
    public void DirichletMse_TwoClasses_MatchesExpectedSquaredErrorIntegral(double[] e, double[] y)
    {
        // E‖y − p‖² with p₀ ~ Beta(α₀, α₁), p₁ = 1 − p₀.
        double a = e[0] + 1, b = e[1] + 1;
        double integral = Integrate.DoubleExponential(
            x => Math.Exp(BetaLogDensity(x, a, b)) * (Math.Pow(y[0] - x, 2) + Math.Pow(y[1] - (1 - x), 2)), 0.0, 1.0, 1e-13);
        Assert.That(DirichletReference.DirichletMse(e, y), Is.EqualTo(integral).Within(1e-10));
    }

    [Test]
    public void DirichletPNorm_POne_IsTwiceOneMinusTrueClassMean()
    {
        double[] e = [0.5, 3.0, 0.0, 11.0];
        double s = 4 + 14.5;
        for (int c = 0; c < e.Length; c++)
        {
            Assert.That(DirichletReference.DirichletPNorm(e, c, 1), Is.EqualTo(2.0 * (1.0 - (e[c] + 1) / s)).Within(1e-14), $"c = {c}");
        }
    }

    [TestCase(0.0, 0.0)]
    [TestCase(5.0, 1.5)]
    [TestCase(0.2, 40.0)]
    public void DirichletPNorm_TwoClassesPTwo_MatchesClosedForm(double e0, double e1)
    {
        // c = 0: F² = E[(1 − p₀)²] + E[p₁²] = 2 α₁(α₁ + 1) / (S(S + 1)).
        double a1 = e1 + 1, s = e0 + e1 + 2;
        double expected = Math.Sqrt(2.0 * a1 * (a1 + 1) / (s * (s + 1)));
        Assert.That(DirichletReference.DirichletPNorm([e0, e1], 0, 2), Is.EqualTo(expected).Within(1e-14 * expected));
    }

    [TestCase(3)]
    [TestCase(7)]
    public void DirichletPNorm_TwoClasses_MatchesMomentIntegral(int p)
    {
        // c = 1: F^p = E[(1 − p₁)^p] + E[p₀^p] = 2 E[p₀^p], p₀ ~ Beta(α₀, α₁).
        double a = 2.5, b = 4.0;
        double moment = Integrate.DoubleExponential(x => Math.Exp(BetaLogDensity(x, a, b)) * Math.Pow(x, p), 0.0, 1.0, 1e-14);
        double expected = Math.Pow(2.0 * moment, 1.0 / p);
        Assert.That(DirichletReference.DirichletPNorm([a - 1, b - 1], 1, p), Is.EqualTo(expected).Within(1e-9 * expected));
    }

    [Test]
    public void DirichletPNorm_HugeTrueClassEvidence_StaysFiniteAndMatchesAsymptote()
    {
        // K = 3, c = 0, α = (1e8 + 1, 1, 1), p = 2: F² = (Ŝ(Ŝ + 1) + 2·1·2) / (S(S + 1)) = 10 / (S(S + 1)).
        double s = 1e8 + 3;
        double expected = Math.Sqrt(10.0 / (s * (s + 1)));
        Assert.That(DirichletReference.DirichletPNorm([1e8, 0.0, 0.0], 0, 2), Is.EqualTo(expected).Within(1e-13 * expected));
    }

    [Test]
    public void DirichletPNorm_OneHotTarget_EqualsIndexVersion()
    {
        double[] e = [1.0, 2.0, 0.25];
        Assert.That(DirichletReference.DirichletPNorm(e, DirichletReference.OneHot(2, 3), 4), Is.EqualTo(DirichletReference.DirichletPNorm(e, 2, 4)).Within(1e-15));
    }

    [Test]
    public void DirichletPNorm_SoftTarget_WeightsPerClassLosses()
    {
        double[] e = [1.0, 2.0, 0.25];
        double expected = 0.25 * DirichletReference.DirichletPNorm(e, 0, 2) + 0.75 * DirichletReference.DirichletPNorm(e, 1, 2);
        Assert.That(DirichletReference.DirichletPNorm(e, [0.25, 0.75, 0.0], 2), Is.EqualTo(expected).Within(1e-15));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void FisherRegularizer_NoWrongClassEvidence_IsZero(bool paperAlphaSum)
    {
        Assert.That(DirichletReference.FisherRegularizer([0.0, 12.0, 0.0], 1, paperAlphaSum), Is.EqualTo(0.0));
    }

    [Test]
    public void FisherRegularizer_PackageAlphaSum_MatchesTrigammaDifference()
    {
        // e = (2, 1), c = 0: α₁ = 2, A = S = 5; ½ (ψ₁(2) − ψ₁(5)) = ½ (1/4 + 1/9 + 1/16).
        Assert.That(DirichletReference.FisherRegularizer([2.0, 1.0], 0, paperAlphaSum: false), Is.EqualTo(0.5 * (0.25 + 1.0 / 9 + 1.0 / 16)).Within(1e-15));
    }

    [Test]
    public void FisherRegularizer_PaperAlphaSum_MatchesTrigammaDifference()
    {
        // e = (2, 1), c = 0: α₁ = 2, A = 1 + α₁ = 3; ½ (ψ₁(2) − ψ₁(3)) = ½ · 1/4.
        Assert.That(DirichletReference.FisherRegularizer([2.0, 1.0], 0, paperAlphaSum: true), Is.EqualTo(0.125).Within(1e-15));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void FisherRegularizer_RandomInputs_IsNonNegativeAndBelowMagnitude(bool paperAlphaSum)
    {
        var random = new Random(99);
        for (int trial = 0; trial < 200; trial++)
        {
            double[] e = RandomEvidence(random, 2 + trial % 5);
            double[] y = RandomProbabilities(random, e.Length);
            double r = DirichletReference.FisherRegularizer(e, y, paperAlphaSum);
            double magnitude = DirichletReference.FisherMagnitude(e, y, paperAlphaSum);
            Assert.That(r, Is.GreaterThanOrEqualTo(0.0).And.LessThanOrEqualTo(magnitude), $"trial {trial}");
        }
    }

    [Test]
    public void FisherRegularizer_OneHotTarget_EqualsIndexVersion()
    {
        double[] e = [0.5, 2.0, 3.0];
        Assert.That(DirichletReference.FisherRegularizer(e, DirichletReference.OneHot(1, 3), true), Is.EqualTo(DirichletReference.FisherRegularizer(e, 1, true)).Within(1e-15));
    }

    [Test]
    public void PredictiveEntropy_ZeroEvidenceNormalized_IsOne()
    {
        Assert.That(DirichletReference.PredictiveEntropy(new double[5], normalize: true), Is.EqualTo(1.0).Within(1e-15));
    }

    [Test]
    public void PredictiveEntropy_KnownMean_MatchesCategoricalEntropy()
    {
        // α = (1, 3): p = (¼, ¾).
        double expected = -(0.25 * Math.Log(0.25) + 0.75 * Math.Log(0.75));
        Assert.That(DirichletReference.PredictiveEntropy([0.0, 2.0], normalize: false), Is.EqualTo(expected).Within(1e-15));
    }

    [TestCase(0.0, 0.0)]
    [TestCase(3.0, 0.5)]
    public void ExpectedEntropy_TwoClasses_MatchesIntegral(double e0, double e1)
    {
        double a = e0 + 1, b = e1 + 1;
        double integral = Integrate.DoubleExponential(x =>
        {
            double h = (x > 0 ? -x * Math.Log(x) : 0.0) + (x < 1 ? -(1 - x) * Math.Log(1 - x) : 0.0);
            return Math.Exp(BetaLogDensity(x, a, b)) * h;
        }, 0.0, 1.0, 1e-13);
        Assert.That(DirichletReference.ExpectedEntropy([e0, e1]), Is.EqualTo(integral).Within(1e-10));
    }

    [Test]
    public void MutualInformation_ZeroEvidenceTwoClasses_IsLn2MinusHalf()
    {
        // Predictive entropy ln 2, expected entropy ψ(3) − ψ(2) = ½.
        Assert.That(DirichletReference.MutualInformation([0.0, 0.0]), Is.EqualTo(Ln2 - 0.5).Within(1e-15));
    }

    [Test]
    public void MutualInformation_RandomInputs_IsNonNegative()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 200; trial++)
        {
            double[] e = RandomEvidence(random, 2 + trial % 6);
            double tolerance = 1e-15 * DirichletReference.EntropyMagnitude(e);
            Assert.That(DirichletReference.MutualInformation(e), Is.GreaterThanOrEqualTo(-tolerance), $"trial {trial}");
        }
    }

    [TestCase(2, 500.0)]
    [TestCase(4, 1000.0)]
    [TestCase(10, 1e5)]
    public void MutualInformation_LargeUniformEvidence_IsAboutKMinusOneOverTwoS(int k, double evidence)
    {
        double[] e = new double[k];
        Array.Fill(e, evidence);
        double s = k * (evidence + 1);
        double expected = (k - 1) / (2.0 * s);
        Assert.That(DirichletReference.MutualInformation(e), Is.EqualTo(expected).Within(2.0 * expected / evidence));
    }

    [Test]
    public void SoftmaxEntropy_EqualLogits_IsLnK()
    {
        Assert.Multiple(() =>
        {
            Assert.That(DirichletReference.SoftmaxEntropy([0.3, 0.3, 0.3, 0.3, 0.3]), Is.EqualTo(Math.Log(5)).Within(1e-15));
            Assert.That(DirichletReference.SoftmaxEntropy([1000.0, 1000.0]), Is.EqualTo(Ln2).Within(1e-15));
        });
    }

    [Test]
    public void SoftmaxEntropy_ModerateLogits_MatchesNaiveFormula()
    {
        double[] logits = [1.0, -2.0, 0.5];
        double z = Math.Exp(1.0) + Math.Exp(-2.0) + Math.Exp(0.5);
        double expected = 0.0;
        foreach (double l in logits)
        {
            double q = Math.Exp(l) / z;
            expected -= q * Math.Log(q);
        }

        Assert.That(DirichletReference.SoftmaxEntropy(logits), Is.EqualTo(expected).Within(1e-15));
    }

    [Test]
    public void SoftmaxEntropy_OneDominantLogit_IsNearZero()
    {
        Assert.That(DirichletReference.SoftmaxEntropy([800.0, 0.0, -50.0]), Is.EqualTo(0.0).Within(1e-300));
    }

    [Test]
    public void DirichletMean_KnownEvidence_IsAlphaOverS()
    {
        Assert.That(DirichletReference.DirichletMean([1.0, 0.0, 6.0]), Is.EqualTo(new[] { 0.2, 0.1, 0.7 }).Within(1e-15));
    }

    [Test]
    public void DirichletMode_ZeroEvidence_IsUniform()
    {
        Assert.That(DirichletReference.DirichletMode(new double[4]), Is.EqualTo(new[] { 0.25, 0.25, 0.25, 0.25 }));
    }

    [Test]
    public void DirichletMode_KnownEvidence_IsEvidenceOverTotal()
    {
        Assert.That(DirichletReference.DirichletMode([1.0, 3.0, 0.0]), Is.EqualTo(new[] { 0.25, 0.75, 0.0 }));
    }

    [Test]
    public void DirichletMode_RandomInputs_SumsToOne()
    {
        var random = new Random(3);
        for (int trial = 0; trial < 100; trial++)
        {
            double sum = 0.0;
            foreach (double m in DirichletReference.DirichletMode(RandomEvidence(random, 2 + trial % 6)))
            {
                Assert.That(m, Is.GreaterThanOrEqualTo(0.0));
                sum += m;
            }

            Assert.That(sum, Is.EqualTo(1.0).Within(1e-14), $"trial {trial}");
        }
    }

    [Test]
    public void Vacuity_KnownEvidence_IsKOverS()
    {
        Assert.Multiple(() =>
        {
            Assert.That(DirichletReference.Vacuity(new double[3]), Is.EqualTo(1.0));
            Assert.That(DirichletReference.Vacuity([2.0, 0.0, 1.0]), Is.EqualTo(0.5));
        });
    }

    [Test]
    public void OneHot_ValidIndex_HasSingleOne()
    {
        Assert.That(DirichletReference.OneHot(1, 3), Is.EqualTo(new[] { 0.0, 1.0, 0.0 }));
    }

    [Test]
    public void DirichletPNorm_ClassOutOfRange_Throws()
    {
        Assert.That(() => DirichletReference.DirichletPNorm([1.0, 2.0], 2, 2), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    // ---- the references of the losses that take α (belief matching, reverse-KL Prior Networks) ----

    /// <summary>
    /// Values of <c>torch.distributions.kl_divergence(Dirichlet(a), Dirichlet(b))</c> in float64 (PyTorch 1.13.0a0, Debian
    /// python3-torch, /usr/bin/python3, 2026-12-03): concentrations below 1 (down to 0.01), targets β = 1 + τ·y as a Prior
    /// Network's, and a symmetric prior 0.5.
    /// </summary>
    [TestCase(new[] { 0.3, 2.5, 7.0 }, new[] { 1.0, 1.0, 1.0 }, 3.2765566067167)]
    [TestCase(new[] { 0.01, 0.5 }, new[] { 1.0, 101.0 }, 93.30195887120341)]
    [TestCase(new[] { 150.0, 0.2, 3.0, 0.04 }, new[] { 1.0, 1.0, 1001.0, 1.0 }, 4122.237525700559)]
    [TestCase(new[] { 2.0, 3.0 }, new[] { 0.5, 0.5 }, 0.5463032023040677)]
    [TestCase(new[] { 1e4, 1.0, 1.0 }, new[] { 1.0, 1.0, 1.0 }, 15.727933538398169)]
    [TestCase(new[] { 0.05, 0.05, 0.05, 0.05, 0.05 }, new[] { 1.0, 1.0, 1.0, 11.0, 1.0 }, 216.3450919141494)]
    public void DirichletKl_MatchesTorchDistributionsKlDivergence(double[] a, double[] b, double torchKl) =>
        Assert.That(DirichletReference.DirichletKl(a, b), Is.EqualTo(torchKl).Within(1e-14 * DirichletReference.DirichletKlMagnitude(a, b)));

    /// <summary>
    /// With K = 2, KL(Dir(a) ‖ Dir(b)) is KL(Beta(a₀, a₁) ‖ Beta(b₀, b₁)) = ∫ f ln(f/g). Concentrations ≥ 1 keep both
    /// densities bounded, which the quadrature needs.
    /// </summary>
    [TestCase(new[] { 3.0, 1.5 }, new[] { 1.0, 1.0 })]
    [TestCase(new[] { 1.25, 9.0 }, new[] { 1.0, 11.0 })]
    [TestCase(new[] { 20.0, 2.0 }, new[] { 5.0, 1.5 })]
    public void DirichletKl_TwoClasses_MatchesIntegralOfTheBetaDensities(double[] a, double[] b)
    {
        double integral = Integrate.DoubleExponential(x =>
        {
            double lf = BetaLogDensity(x, a[0], a[1]);
            return lf == double.NegativeInfinity ? 0.0 : Math.Exp(lf) * (lf - BetaLogDensity(x, b[0], b[1]));
        }, 0.0, 1.0, 1e-13);
        Assert.That(DirichletReference.DirichletKl(a, b), Is.EqualTo(integral).Within(1e-9));
    }

    /// <summary>
    /// At α = e + 1 the α-references agree with the evidence references: the expected cross-entropy is EDL's digamma
    /// risk, KL(Dir(α) ‖ Dir(1)) is the uniform KL with nothing removed (y = 0), and a Prior Network's out-of-distribution
    /// loss (y = 0) is that same KL.
    /// </summary>
    [TestCase(new[] { 3.0, 0.5, 12.0 }, 1)]
    [TestCase(new[] { 0.0, 40.0, 1.0, 7.5 }, 0)]
    public void AlphaReferences_AtEvidencePlusOne_AgreeWithEvidenceReferences(double[] e, int c)
    {
        var alpha = e.Select(v => v + 1.0).ToArray();
        var y = DirichletReference.OneHot(c, e.Length);
        var none = new double[e.Length];
        double uniformKl = DirichletReference.UniformDirichletKl(e, none);
        Assert.Multiple(() =>
        {
            Assert.That(DirichletReference.ExpectedCrossEntropyAtAlpha(alpha, y), Is.EqualTo(DirichletReference.DirichletDigamma(e, y)).Within(1e-14));
            Assert.That(DirichletReference.DirichletKl(alpha, Enumerable.Repeat(1.0, e.Length).ToArray()), Is.EqualTo(uniformKl).Within(1e-13));
            Assert.That(DirichletReference.PriorNetworkReverseKl(alpha, none, 100.0), Is.EqualTo(uniformKl).Within(1e-13));
            Assert.That(DirichletReference.BeliefMatching(alpha, y, 0.25, 1.0),
                Is.EqualTo(DirichletReference.DirichletDigamma(e, y) + 0.25 * uniformKl).Within(1e-13));
        });
    }

    /// <summary>KL(Dir(a) ‖ Dir(a)) = 0, and the Prior Network loss is 0 exactly at its target α = 1 + τ·y.</summary>
    [Test]
    public void DirichletKl_OfADistributionWithItself_IsZero()
    {
        double[] a = [0.2, 3.5, 40.0];
        Assert.Multiple(() =>
        {
            Assert.That(DirichletReference.DirichletKl(a, a), Is.EqualTo(0.0).Within(1e-13));
            Assert.That(DirichletReference.PriorNetworkReverseKl([1.0, 101.0, 1.0], DirichletReference.OneHot(1, 3), 100.0), Is.EqualTo(0.0).Within(1e-12));
        });
    }

    private static double BetaLogDensity(double x, double a, double b)
    {
        if (x <= 0.0 || x >= 1.0)
        {
            return (x <= 0.0 && a == 1.0) || (x >= 1.0 && b == 1.0) ? -SpecialFunctions.BetaLn(a, b) : double.NegativeInfinity;
        }

        return (a - 1) * Math.Log(x) + (b - 1) * Math.Log(1 - x) - SpecialFunctions.BetaLn(a, b);
    }

    private static double[] RandomEvidence(Random random, int k)
    {
        var e = new double[k];
        for (int j = 0; j < k; j++)
        {
            // Mix exact zeros, small and large evidence.
            int kind = random.Next(4);
            e[j] = kind == 0 ? 0.0 : kind == 1 ? random.NextDouble() : kind == 2 ? 20.0 * random.NextDouble() : Math.Exp(10.0 * random.NextDouble());
        }

        return e;
    }

    private static double[] RandomProbabilities(Random random, int k)
    {
        if (random.Next(2) == 0)
        {
            return DirichletReference.OneHot(random.Next(k), k);
        }

        var y = new double[k];
        double total = 0.0;
        for (int j = 0; j < k; j++)
        {
            y[j] = random.NextDouble();
            total += y[j];
        }

        for (int j = 0; j < k; j++)
        {
            y[j] /= total;
        }

        return y;
    }
}

/// <summary>Checks the layout helpers of <see cref="ReferenceTensor"/>.</summary>
[TestFixture]
public class ReferenceTensorTests
{
    // Shape (N = 2, C = 3, d = 2): element (n, j, s) at 6n + 2j + s holds 100n + 10j + s.
    private static readonly long[] Shape = [2, 3, 2];
    private static readonly double[] Data = [0, 1, 10, 11, 20, 21, 100, 101, 110, 111, 120, 121];

    [Test]
    public void PositionShape_SpatialInput_DropsClassDimension()
    {
        Assert.That(ReferenceTensor.PositionShape([4, 5, 6, 7]), Is.EqualTo(new long[] { 4, 6, 7 }));
    }

    [Test]
    public void PerPosition_SpatialInput_GathersAlongDimOne()
    {
        // Encode the gathered vector as v₀ + 1000 v₁ + 10⁶ v₂ to check order and content.
        double[] result = ReferenceTensor.PerPosition(Data, Shape, v => v[0] + 1e3 * v[1] + 1e6 * v[2]);
        Assert.That(result, Is.EqualTo(new[] { 0 + 1e4 + 2e7, 1 + 11e3 + 21e6, 100 + 110e3 + 120e6, 101 + 111e3 + 121e6 }));
    }

    [Test]
    public void PerPosition_IndexTarget_PassesTargetOfSamePosition()
    {
        double[] result = ReferenceTensor.PerPosition(Data, Shape, new long[] { 2, 0, 1, 2 }, (v, c) => v[c]);
        Assert.That(result, Is.EqualTo(new double[] { 20, 1, 110, 121 }));
    }

    [Test]
    public void PerPosition_ProbabilityTarget_GathersTargetLikeEvidence()
    {
        double[] target = new double[Data.Length];
        for (int i = 0; i < target.Length; i++)
        {
            target[i] = Data[i] / 2;
        }

        double[] result = ReferenceTensor.PerPosition(Data, Shape, target, (v, y) => y[2] - v[2] / 2 + y[1]);
        Assert.That(result, Is.EqualTo(new double[] { 5, 5.5, 55, 55.5 }));
    }

    [Test]
    public void PerPosition_TwoDimensionalInput_OnePositionPerRow()
    {
        double[] result = ReferenceTensor.PerPosition([1, 2, 3, 4, 5, 6], [2, 3], v => v[0] * v[1] * v[2]);
        Assert.That(result, Is.EqualTo(new double[] { 6, 120 }));
    }

    [Test]
    public void PerPositionVector_ReversingFunction_LaysResultsBackAlongDimOne()
    {
        double[] result = ReferenceTensor.PerPositionVector(Data, Shape, v => [v[2], v[1], v[0]]);
        Assert.That(result, Is.EqualTo(new double[] { 20, 21, 10, 11, 0, 1, 120, 121, 110, 111, 100, 101 }));
    }

    [Test]
    public void PerPosition_WrongDataLength_Throws()
    {
        Assert.That(() => ReferenceTensor.PerPosition(new double[5], Shape, v => v[0]), Throws.ArgumentException);
    }

    [Test]
    public void Sum_CancellingLargeTerms_KeepsSmallTerm()
    {
        // Naive left-to-right summation gives 0 here.
        Assert.That(ReferenceTensor.Sum([1e16, 1.0, -1e16]), Is.EqualTo(1.0));
    }

    [Test]
    public void Sum_ManyTenths_IsCompensated()
    {
        double[] values = new double[1_000_000];
        Array.Fill(values, 0.1);
        Assert.That(ReferenceTensor.Sum(values), Is.EqualTo(100_000.0).Within(1e-10));
    }

    [Test]
    public void Mean_KnownValues_IsArithmeticMean()
    {
        Assert.That(ReferenceTensor.Mean([1.0, 2.0, 6.0]), Is.EqualTo(3.0));
    }
}

/// <summary>Checks <see cref="FiniteDifference"/>.</summary>
[TestFixture]
public class FiniteDifferenceTests
{
    [Test]
    public void CentralGradient_Polynomial_MatchesAnalyticGradient()
    {
        double[] gradient = FiniteDifference.CentralGradient(v => v[0] * v[0] * v[1] + 3 * v[1], [1.5, -2.0]);
        Assert.That(gradient, Is.EqualTo(new[] { 2 * 1.5 * -2.0, 1.5 * 1.5 + 3 }).Within(1e-8));
    }

    [Test]
    public void CentralGradient_PNormWithPOne_MatchesDerivativeOfClosedForm()
    {
        // F = 2(1 − α_c/S): ∂F/∂e_c = −2(S − α_c)/S², ∂F/∂e_j = 2α_c/S² (j ≠ c). Zero evidence probes e < 0.
        double[] e = [0.0, 4.0, 1.0];
        double s = 8.0, ac = 5.0;
        double[] gradient = FiniteDifference.CentralGradient(x => DirichletReference.DirichletPNorm(x, 1, 1), e);
        Assert.That(gradient, Is.EqualTo(new[] { 2 * ac / (s * s), -2 * (s - ac) / (s * s), 2 * ac / (s * s) }).Within(1e-9));
    }

    [Test]
    public void CentralGradient_Always_LeavesInputUnchanged()
    {
        double[] x = [1.0, 2.0];
        FiniteDifference.CentralGradient(v => v[0] + v[1], x);
        Assert.That(x, Is.EqualTo(new[] { 1.0, 2.0 }));
    }
}
