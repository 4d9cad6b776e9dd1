using System.Numerics;
using MathNet.Numerics;
using UncertaintyLoss.Internal.Fused;

namespace UncertaintyLoss.Tests.Fused;

/// <summary>
/// Accuracy of the fused path's vectorised special functions (<see cref="PolygammaVector"/>) over x in [1, 1e7]:
/// ln Γ and ψ against MathNet.Numerics, ψ₁ against the tests' double trigamma (<see cref="Trigamma"/>), ψ₂ against
/// closed forms at integers and half-integers (summed in <see cref="decimal"/>) and against Richardson-extrapolated
/// central differences of the reference trigamma elsewhere, and Log against <see cref="Math.Log(double)"/>.
/// Each test prints the worst error it measured (the numbers in docs/accuracy.md) and asserts a bound just above it.
/// </summary>
[TestFixture]
public class PolygammaVectorTests
{
    /// <summary>ζ(3) (Apéry's constant) to 28 decimal places.</summary>
    private const decimal Zeta3 = 1.2020569031595942853997381615m;

    /// <summary>Largest n of the decimal closed forms of ψ₂(n) and ψ₂(n + ½).</summary>
    private const int ClosedFormLimit = 10000;

    /// <summary>
    /// Dense grid near the reduction's range (step 1/64 on [1, 20]), log-spaced beyond to 1e7, integers and
    /// half-integers to 200, and points on either side of the asymptotic threshold 10.
    /// </summary>
    private static double[] Grid()
    {
        var points = new SortedSet<double>();
        for (int k = 64; k <= 20 * 64; k++)
            points.Add(k / 64.0);
        const int logPoints = 3000;
        for (int k = 0; k <= logPoints; k++)
            points.Add(20.0 * Math.Pow(1e7 / 20.0, k / (double)logPoints));
        for (int n = 1; n <= 200; n++)
        {
            points.Add(n);
            points.Add(n + 0.5);
        }

        foreach (double x in new[] { 1.0, 1 + 1e-12, 1 + 1e-6, 2 - 1e-9, 2 + 1e-9, 9.999999999, Math.BitDecrement(10.0), 10.0, Math.BitIncrement(10.0), 1e7 })
            points.Add(x);
        return points.ToArray();
    }

    private static (double Lgamma, double Digamma, double Trigamma) Lower(double x)
    {
        PolygammaVector.LgammaDigammaTrigamma(Vector.Create(x), true, out var lg, out var dg, out var tg);
        return (lg[0], dg[0], tg[0]);
    }

    private static (double Trigamma, double Tetragamma) Upper(double x)
    {
        PolygammaVector.TrigammaTetragamma(Vector.Create(x), true, out var tg, out var tt);
        return (tg[0], tt[0]);
    }

    private static string R(double v) => v.ToString("G3", CultureInfo.InvariantCulture);

    /// <summary>Worst |actual − expected| / scale(x, expected) over the grid, and where.</summary>
    private static (double Error, double At) Worst(IEnumerable<double> xs, Func<double, double> actual, Func<double, double> expected, Func<double, double, double> scale)
    {
        double worst = 0, at = double.NaN;
        foreach (double x in xs)
        {
            double e = expected(x);
            double error = Math.Abs(actual(x) - e) / scale(x, e);
            if (!(error <= worst))
            {
                worst = error;
                at = x;
            }
        }

        return (worst, at);
    }

    /// <summary>
    /// ln Γ against MathNet: absolute error on [1, 2.5] around the zeros at 1 and 2 (|ln Γ| ≤ 0.29 there), relative
    /// beyond. MathNet's GammaLn is itself off by up to ~4e-15 relative (8e-14 at x = 15, see
    /// <see cref="LgammaDigammaTrigamma_LgammaAtIntegers_MatchesLogOfExactFactorial"/>), so the measured difference is
    /// mostly MathNet's.
    /// </summary>
    [Test]
    public void LgammaDigammaTrigamma_Lgamma_MatchesMathNetOverOneToTenMillion()
    {
        var grid = Grid();
        var (error, at) = Worst(grid, x => Lower(x).Lgamma, SpecialFunctions.GammaLn, (_, e) => Math.Max(Math.Abs(e), 1.0));
        var nearZeros = grid.Where(x => x <= 2.5);
        var (absolute, absoluteAt) = Worst(nearZeros, x => Lower(x).Lgamma, SpecialFunctions.GammaLn, (_, _) => 1.0);
        var (relative, relativeAt) = Worst(grid.Where(x => x > 2.5), x => Lower(x).Lgamma, SpecialFunctions.GammaLn, (_, e) => Math.Abs(e));
        TestContext.Out.WriteLine($"lnΓ: worst error relative to max(|lnΓ|, 1) {R(error)} at x = {at:R}; absolute on [1, 2.5] {R(absolute)} at x = {absoluteAt:R}; relative on (2.5, 1e7] {R(relative)} at x = {relativeAt:R}");
        Assert.That(absolute, Is.LessThanOrEqualTo(LgammaAbsoluteBound), $"absolute error near the zeros, at x = {absoluteAt:R}");
        Assert.That(relative, Is.LessThanOrEqualTo(LgammaRelativeBound), $"relative error, at x = {relativeAt:R}");
    }

    /// <summary>ln Γ(n) = ln((n − 1)!) for n ≤ 19, where (n − 1)! is exact in double: the fused value's own error.</summary>
    [Test]
    public void LgammaDigammaTrigamma_LgammaAtIntegers_MatchesLogOfExactFactorial()
    {
        double factorial = 1, worst = 0, at = double.NaN;
        for (int n = 1; n <= 19; n++)
        {
            if (n > 1)
                factorial *= n - 1;
            double exact = Math.Log(factorial);
            double error = Math.Abs(Lower(n).Lgamma - exact) / Math.Max(Math.Abs(exact), 1.0);
            if (!(error <= worst))
            {
                worst = error;
                at = n;
            }
        }

        TestContext.Out.WriteLine($"lnΓ(n) vs ln((n − 1)!) for n ≤ 19: worst error relative to max(|lnΓ|, 1) {R(worst)} at n = {at}");
        Assert.That(worst, Is.LessThanOrEqualTo(LgammaExactBound), $"at n = {at}");
    }

    /// <summary>
    /// ψ(n) = −γ + Σ_{k&lt;n} 1/k and ψ(n + ½) = −γ − 2 ln 2 + 2Σ_{k=1..n} 1/(2k − 1), summed in decimal, n ≤ 1e4:
    /// the fused value's own error (relative to max(|ψ|, 1)).
    /// </summary>
    [Test]
    public void LgammaDigammaTrigamma_DigammaAtIntegersAndHalfIntegers_MatchesClosedForms()
    {
        const decimal EulerGamma = 0.5772156649015328606065120901m;
        const decimal Ln2 = 0.6931471805599453094172321215m;
        decimal harmonic = 0m, odd = 0m;
        double worst = 0, at = double.NaN;
        void Compare(double x, decimal exact)
        {
            double e = (double)exact;
            double error = Math.Abs(Lower(x).Digamma - e) / Math.Max(Math.Abs(e), 1.0);
            if (!(error <= worst))
            {
                worst = error;
                at = x;
            }
        }

        for (int n = 1; n <= ClosedFormLimit; n++)
        {
            Compare(n, -EulerGamma + harmonic);
            harmonic += 1m / n;
            odd += 1m / (2 * n - 1);
            Compare(n + 0.5, -EulerGamma - 2 * Ln2 + 2 * odd);
        }

        TestContext.Out.WriteLine($"ψ vs closed forms at n and n + ½, n ≤ {ClosedFormLimit}: worst error relative to max(|ψ|, 1) {R(worst)} at x = {at:R}");
        Assert.That(worst, Is.LessThanOrEqualTo(DigammaExactBound), $"at x = {at:R}");
    }

    /// <summary>
    /// ψ: relative error to max(|ψ|, 1), i.e. absolute around its zero at x ≈ 1.4616 where relative error is
    /// meaningless (ψ is then a difference of terms of size 1), relative elsewhere.
    /// </summary>
    [Test]
    public void LgammaDigammaTrigamma_Digamma_MatchesMathNetOverOneToTenMillion()
    {
        var (error, at) = Worst(Grid(), x => Lower(x).Digamma, SpecialFunctions.DiGamma, (_, e) => Math.Max(Math.Abs(e), 1.0));
        var (relative, relativeAt) = Worst(Grid().Where(x => x >= 3.0), x => Lower(x).Digamma, SpecialFunctions.DiGamma, (_, e) => Math.Abs(e));
        TestContext.Out.WriteLine($"ψ: worst error relative to max(|ψ|, 1) {R(error)} at x = {at:R}; relative on [3, 1e7] {R(relative)} at x = {relativeAt:R}");
        Assert.That(error, Is.LessThanOrEqualTo(DigammaBound), $"at x = {at:R}");
    }

    [Test]
    public void LgammaDigammaTrigamma_Trigamma_MatchesReferenceTrigammaOverOneToTenMillion()
    {
        var (error, at) = Worst(Grid(), x => Lower(x).Trigamma, Trigamma.Value, (_, e) => Math.Abs(e));
        TestContext.Out.WriteLine($"ψ₁ (LgammaDigammaTrigamma): worst relative error {R(error)} at x = {at:R}");
        Assert.That(error, Is.LessThanOrEqualTo(TrigammaBound), $"at x = {at:R}");
    }

    /// <summary>
    /// Arguments from 1e8 up to just below the fixed shift's limit (1e30), where the closed-form shift's P = Π(x + k) reaches
    /// 1e270 (issue 18, eighth session): every function finite and within its bound of MathNet (ln Γ, ψ), the reference
    /// trigamma (ψ₁) and ψ₂'s asymptotic expansion −1/x² − 1/x³ − 1/(2x⁴) (its next term is O(x⁻⁶), below 1e-48 relative).
    /// </summary>
    [Test]
    public void Polygammas_LargeArgumentsToTheShiftLimit_MatchReferences()
    {
        var xs = new[] { 1e8, 1e12, 1e15, 1e18, 1e22, 1e26, 9.9e29 };
        var (lg, lgAt) = Worst(xs, x => Lower(x).Lgamma, SpecialFunctions.GammaLn, (_, e) => Math.Abs(e));
        var (dg, dgAt) = Worst(xs, x => Lower(x).Digamma, SpecialFunctions.DiGamma, (_, e) => Math.Abs(e));
        var (tg, tgAt) = Worst(xs, x => Lower(x).Trigamma, Trigamma.Value, (_, e) => Math.Abs(e));
        var (tg2, tg2At) = Worst(xs, x => Upper(x).Trigamma, Trigamma.Value, (_, e) => Math.Abs(e));
        var (tt, ttAt) = Worst(xs, x => Upper(x).Tetragamma, x => -1 / (x * x) - 1 / (x * x * x) - 0.5 / (x * x * x * x), (_, e) => Math.Abs(e));
        TestContext.Out.WriteLine($"[1e8, 1e30): lnΓ {R(lg)} at {lgAt:R}; ψ {R(dg)} at {dgAt:R}; ψ₁ {R(tg)} / {R(tg2)} at {tgAt:R} / {tg2At:R}; ψ₂ {R(tt)} at {ttAt:R}");
        Assert.That(lg, Is.LessThanOrEqualTo(LgammaRelativeBound), $"lnΓ at x = {lgAt:R}");
        Assert.That(dg, Is.LessThanOrEqualTo(DigammaBound), $"ψ at x = {dgAt:R}");
        Assert.That(tg, Is.LessThanOrEqualTo(TrigammaBound), $"ψ₁ at x = {tgAt:R}");
        Assert.That(tg2, Is.LessThanOrEqualTo(TrigammaBound), $"ψ₁ (TrigammaTetragamma) at x = {tg2At:R}");
        Assert.That(tt, Is.LessThanOrEqualTo(TetragammaBound), $"ψ₂ at x = {ttAt:R}");
    }

    [Test]
    public void TrigammaTetragamma_Trigamma_MatchesReferenceTrigammaOverOneToTenMillion()
    {
        var (error, at) = Worst(Grid(), x => Upper(x).Trigamma, Trigamma.Value, (_, e) => Math.Abs(e));
        TestContext.Out.WriteLine($"ψ₁ (TrigammaTetragamma): worst relative error {R(error)} at x = {at:R}");
        Assert.That(error, Is.LessThanOrEqualTo(TrigammaBound), $"at x = {at:R}");
    }

    /// <summary>
    /// ψ₂(n) = −2ζ(3) + 2Σ_{k&lt;n} k⁻³ and ψ₂(n + ½) = −14ζ(3) + 16Σ_{k=1..n} (2k − 1)⁻³, summed in decimal (28
    /// digits: the cancellation that makes these forms useless in double, ψ₂(n) ≈ −1/n², leaves over 18 digits at
    /// n = 1e4), for every n up to 1e4.
    /// </summary>
    [Test]
    public void TrigammaTetragamma_TetragammaAtIntegersAndHalfIntegers_MatchesClosedForms()
    {
        decimal integerSum = 0m, halfSum = 0m;
        double worst = 0, at = double.NaN;
        void Compare(double x, decimal exact)
        {
            double e = (double)exact;
            double error = Math.Abs(Upper(x).Tetragamma - e) / Math.Abs(e);
            if (!(error <= worst))
            {
                worst = error;
                at = x;
            }
        }

        for (int n = 1; n <= ClosedFormLimit; n++)
        {
            Compare(n, -2m * Zeta3 + 2m * integerSum);          // Σ_{k<n} k⁻³
            decimal k = n;
            integerSum += 1m / (k * k * k);
            decimal odd = 2 * n - 1;
            halfSum += 1m / (odd * odd * odd);
            Compare(n + 0.5, -14m * Zeta3 + 16m * halfSum);     // Σ_{k=1..n} (2k − 1)⁻³
        }

        TestContext.Out.WriteLine($"ψ₂ vs closed forms at n and n + ½, n ≤ {ClosedFormLimit}: worst relative error {R(worst)} at x = {at:R}");
        Assert.That(worst, Is.LessThanOrEqualTo(TetragammaBound), $"at x = {at:R}");
    }

    /// <summary>
    /// ψ₂ elsewhere against (4D(h) − D(2h))/3, D(h) the central difference of the reference trigamma, h = 1e-3·x:
    /// truncation O(h⁴) ≈ 1e-12 relative, rounding ≈ 3e-16/1e-3 — a looser check than the closed forms.
    /// </summary>
    [Test]
    public void TrigammaTetragamma_TetragammaOffTheClosedForms_MatchesDifferencedTrigamma()
    {
        static double Difference(double x, double h) => (Trigamma.Value(x + h) - Trigamma.Value(x - h)) / ((x + h) - (x - h));
        static double Extrapolated(double x)
        {
            double h = 1e-3 * x;
            return (4 * Difference(x, h) - Difference(x, 2 * h)) / 3;
        }

        var points = Grid().Where(x => x != Math.Floor(x) && x * 2 != Math.Floor(x * 2)).ToArray();
        var (error, at) = Worst(points, x => Upper(x).Tetragamma, Extrapolated, (_, e) => Math.Abs(e));
        TestContext.Out.WriteLine($"ψ₂ vs differenced reference trigamma at {points.Length} other points in [1, 1e7]: worst relative difference {R(error)} at x = {at:R}");
        Assert.That(error, Is.LessThanOrEqualTo(TetragammaDifferenceBound), $"at x = {at:R}");
    }

    /// <summary>Lanes are independent: four different arguments in one vector give, bitwise, each lane's broadcast result.</summary>
    [Test]
    public void PolygammaVector_MixedLanes_EqualBroadcastResultsBitwise()
    {
        var quads = new[] { (1.0, 9.5, 10.0, 3e6), (2.5, 1.0, 1e7, 17.25), (9.999, 10.001, 1.0 + 1e-9, 4.0) };
        foreach (var (a, b, c, d) in quads)
        {
            double[] values = { a, b, c, d };
            for (int lane = 0; lane < 4; lane++)
            {
                var x = VectorLanes.Window(values, lane, out int at);
                PolygammaVector.LgammaDigammaTrigamma(x, true, out var lg, out var dg, out var tg);
                PolygammaVector.TrigammaTetragamma(x, true, out var tg2, out var tt);
                var log = PolygammaVector.Log(x);
                var (l, g, t) = Lower(values[lane]);
                var (t2, t3) = Upper(values[lane]);
                Assert.That(lg[at], Is.EqualTo(l), $"lnΓ lane {lane}, x = {values[lane]:R}");
                Assert.That(dg[at], Is.EqualTo(g), $"ψ lane {lane}, x = {values[lane]:R}");
                Assert.That(tg[at], Is.EqualTo(t), $"ψ₁ lane {lane}, x = {values[lane]:R}");
                Assert.That(tg2[at], Is.EqualTo(t2), $"ψ₁ (second) lane {lane}, x = {values[lane]:R}");
                Assert.That(tt[at], Is.EqualTo(t3), $"ψ₂ lane {lane}, x = {values[lane]:R}");
                Assert.That(log[at], Is.EqualTo(PolygammaVector.Log(Vector.Create(values[lane]))[0]), $"ln lane {lane}");
            }
        }
    }

    /// <summary>Without the optional outputs the kept ones are bitwise unchanged and the others are zero.</summary>
    [Test]
    public void PolygammaVector_OptionalOutputsOff_OtherOutputsUnchanged()
    {
        foreach (double x in new[] { 1.0, 3.7, 12.0, 5e5 })
        {
            var v = Vector.Create(x);
            PolygammaVector.LgammaDigammaTrigamma(v, false, out var lg, out var dg, out var tg);
            PolygammaVector.TrigammaTetragamma(v, false, out var tg2, out var tt);
            var (l, g, _) = Lower(x);
            var (t2, _) = Upper(x);
            Assert.That(lg[0], Is.EqualTo(l));
            Assert.That(dg[0], Is.EqualTo(g));
            Assert.That(tg[0], Is.EqualTo(0.0));
            Assert.That(tg2[0], Is.EqualTo(t2));
            Assert.That(tt[0], Is.EqualTo(0.0));
        }
    }

    /// <summary>NaN arguments give NaN in every output.</summary>
    [Test]
    public void PolygammaVector_NaN_GivesNaN()
    {
        var v = Vector.Create(double.NaN);
        PolygammaVector.LgammaDigammaTrigamma(v, true, out var lg, out var dg, out var tg);
        PolygammaVector.TrigammaTetragamma(v, true, out var tg2, out var tt);
        Assert.That(new[] { lg, dg, tg, tg2, tt }.Select(r => r[0]), Is.All.NaN);
    }

    /// <summary>Log against Math.Log on [1, 1e300]: a dense grid on [1, 4], log-spaced beyond, and points next to 1, √2 and powers of two.</summary>
    [Test]
    public void Log_OneToTenToThe300_MatchesMathLog()
    {
        var points = new List<double>();
        for (int k = 0; k <= 4096; k++)
            points.Add(1.0 + 3.0 * k / 4096);
        for (int k = 0; k <= 30000; k++)
            points.Add(Math.Pow(10, 300.0 * k / 30000));
        foreach (double x in new[] { 1 + 1e-15, Math.BitIncrement(1.0), 1 + 1e-8, Math.Sqrt(2), Math.BitDecrement(Math.Sqrt(2)), Math.BitIncrement(Math.Sqrt(2)), double.MaxValue })
            points.Add(x);
        for (int e = 1; e < 1000; e++)
        {
            points.Add(Math.ScaleB(1.0, e));
            points.Add(Math.BitDecrement(Math.ScaleB(1.0, e)));
            points.Add(Math.ScaleB(Math.Sqrt(2), e));
        }

        double Log(double x) => PolygammaVector.Log(Vector.Create(x))[0];
        Assert.That(Log(1.0), Is.EqualTo(0.0), "ln 1 is exactly 0");
        var (error, at) = Worst(points.Where(x => x > 1), Log, Math.Log, (_, e) => Math.Abs(e));
        TestContext.Out.WriteLine($"Log: worst relative error vs Math.Log on (1, 1e300] and to double.MaxValue: {R(error)} at x = {at:R}");
        Assert.That(error, Is.LessThanOrEqualTo(LogBound), $"at x = {at:R}");
    }

    /// <summary>
    /// Exp (the fused activation's eˣ) against Math.Exp on [−708, 709]: a dense grid on [−30, 30] (the evidence range: e^27.6
    /// is UL.MaxEvidence), log-spaced magnitudes beyond, and the reduction's breakpoints k·ln 2 ± ½ ln 2; relative error.
    /// Outside the range the argument is clamped (e^709 for larger x).
    /// </summary>
    [Test]
    public void Exp_MinusSevenHundredEightToSevenHundredNine_MatchesMathExp()
    {
        var points = new List<double>();
        for (int k = -30000; k <= 30000; k++)
            points.Add(k / 1000.0);
        for (int k = 0; k <= 2000; k++)
        {
            double m = 30 * Math.Pow(709.0 / 30, k / 2000.0);
            points.Add(Math.Min(m, 709.0));
            points.Add(Math.Max(-m, -708.0));
        }

        for (int k = -1020; k <= 1020; k++)
        {
            double at = (k + 0.5) * Math.Log(2);
            if (at > -708 && at < 709)
                points.AddRange(new[] { Math.BitDecrement(at), at, Math.BitIncrement(at) });
        }

        double Exp(double x) => PolygammaVector.Exp(Vector.Create(x))[0];
        Assert.That(Exp(0.0), Is.EqualTo(1.0), "e⁰ is exactly 1");
        var (error, at2) = Worst(points, Exp, Math.Exp, (_, e) => Math.Abs(e));
        TestContext.Out.WriteLine($"Exp: worst relative error vs Math.Exp on [−708, 709]: {R(error)} at x = {at2:R}");
        Assert.That(error, Is.LessThanOrEqualTo(ExpBound), $"at x = {at2:R}");
        Assert.That(Exp(1000.0), Is.EqualTo(Math.Exp(709.0)).Within(ExpBound * Math.Exp(709.0)), "clamped above");
    }

    /// <summary>
    /// ExpSingle (the fused activation's eˣ for Float32 logits, in float lanes) against Math.Exp of the same float on
    /// [−87.3, 88]: every 64th float of [−30, 30] (about 33 million points, subnormals included; the evidence
    /// range: e^27.6 is UL.MaxEvidence), a grid beyond, and the reduction's breakpoints (k + ½)·ln 2 with their float
    /// neighbours; relative error of the float result.
    /// </summary>
    [Test]
    public void ExpSingle_MinusEightySevenToEightyEight_WithinTwoFloatUlps()
    {
        var points = new List<double>();
        for (int bits = 0; bits <= BitConverter.SingleToInt32Bits(30f); bits += 64)
        {
            float x = BitConverter.Int32BitsToSingle(bits);
            points.Add(x);
            points.Add(-x);
        }

        for (int k = -8730; k <= 8800; k++)
            points.Add((float)(k / 100.0));
        for (int k = -126; k <= 126; k++)
        {
            float at = (float)((k + 0.5) * Math.Log(2));
            if (at > -87.3f && at < 88f)
                points.AddRange(new double[] { MathF.BitDecrement(at), at, MathF.BitIncrement(at) });
        }

        var single = new float[Vector<float>.Count];
        double Exp(double x)
        {
            Array.Fill(single, (float)x);
            return PolygammaVector.ExpSingle(new Vector<float>(single))[0];
        }

        Assert.That(Exp(0.0), Is.EqualTo(1.0), "e⁰ is exactly 1");
        var (error, at2) = Worst(points, Exp, Math.Exp, (_, e) => Math.Abs(e));
        TestContext.Out.WriteLine($"ExpSingle: worst relative error vs Math.Exp on [−87.3, 88]: {R(error)} at x = {at2:R} ({points.Count} points)");
        Assert.That(error, Is.LessThanOrEqualTo(ExpSingleBound), $"at x = {at2:R}");
    }

    /// <summary>
    /// Floats in [1, <see cref="PolygammaVector.SingleTrigammaHighest"/>] (max-norm's α = e + 1 for the evidence its float
    /// lanes take): every 512th float in [1, 2], step 1/64 to 20, log-spaced beyond, and the integers and half-integers.
    /// </summary>
    private static double[] SingleGrid()
    {
        var points = new SortedSet<double>();
        for (int bits = BitConverter.SingleToInt32Bits(1f); bits <= BitConverter.SingleToInt32Bits(2f); bits += 512)
            points.Add(BitConverter.Int32BitsToSingle(bits));
        for (int k = 64; k <= 20 * 64; k++)
            points.Add(k / 64.0);
        for (int k = 0; k <= 2000; k++)
            points.Add((float)(20.0 * Math.Pow(PolygammaVector.SingleTrigammaHighest / 20.0, k / 2000.0)));
        for (int n = 1; n <= (int)PolygammaVector.SingleTrigammaHighest; n++)
        {
            points.Add(n);
            points.Add(n + 0.5);
        }

        return points.Where(x => x <= PolygammaVector.SingleTrigammaHighest).ToArray();
    }

    private static (double Trigamma, double Tetragamma) Single(double x)
    {
        PolygammaVector.TrigammaTetragammaSingle(new Vector<float>((float)x), true, out var tg, out var tt);
        PolygammaVector.TrigammaTetragammaSingle(new Vector<float>((float)x), false, out var tgOnly, out var ttOff);
        Assert.That(tgOnly[0], Is.EqualTo(tg[0]), $"ψ₁ without ψ₂ at x = {x:R}");
        Assert.That(ttOff[0], Is.EqualTo(0f), $"ψ₂ off at x = {x:R}");
        return (tg[0], tt[0]);
    }

    /// <summary>
    /// The single-precision ψ₁ and ψ₂ (max-norm's float lanes, issue 18, fourteenth session) on float arguments in
    /// [1, 257]: ψ₁ against the reference trigamma, ψ₂ against its closed forms at integers and half-integers (decimal, as
    /// above) and against the differenced reference trigamma elsewhere, relative to the value at the same float argument.
    /// </summary>
    [Test]
    public void TrigammaTetragammaSingle_OneTo257_MatchesReferences()
    {
        var grid = SingleGrid();
        var (trigammaError, trigammaAt) = Worst(grid, x => Single(x).Trigamma, Trigamma.Value, (_, e) => Math.Abs(e));

        decimal integerSum = 0m, halfSum = 0m;
        var closedForms = new Dictionary<double, double>();
        for (int n = 1; n <= (int)PolygammaVector.SingleTrigammaHighest; n++)
        {
            closedForms[n] = (double)(-2m * Zeta3 + 2m * integerSum);
            decimal k = n;
            integerSum += 1m / (k * k * k);
            decimal odd = 2 * n - 1;
            halfSum += 1m / (odd * odd * odd);
            closedForms[n + 0.5] = (double)(-14m * Zeta3 + 16m * halfSum);
        }

        static double Difference(double x, double h) => (Trigamma.Value(x + h) - Trigamma.Value(x - h)) / ((x + h) - (x - h));
        double Tetragamma(double x) =>
            closedForms.TryGetValue(x, out double exact) ? exact : (4 * Difference(x, 1e-3 * x) - Difference(x, 2e-3 * x)) / 3;
        var (tetragammaError, tetragammaAt) = Worst(grid, x => Single(x).Tetragamma, Tetragamma, (_, e) => Math.Abs(e));

        TestContext.Out.WriteLine($"ψ₁ (TrigammaTetragammaSingle, {grid.Length} floats in [1, {PolygammaVector.SingleTrigammaHighest}]): worst relative error {R(trigammaError)} at x = {trigammaAt:R}");
        TestContext.Out.WriteLine($"ψ₂ (TrigammaTetragammaSingle): worst relative error {R(tetragammaError)} at x = {tetragammaAt:R}");
        Assert.That(trigammaError, Is.LessThanOrEqualTo(TrigammaSingleBound), $"ψ₁ at x = {trigammaAt:R}");
        Assert.That(tetragammaError, Is.LessThanOrEqualTo(TetragammaSingleBound), $"ψ₂ at x = {tetragammaAt:R}");
    }

    [Test]
    public void Log_NaNAndPositiveInfinity_PassThrough()
    {
        double[] values = { double.NaN, double.PositiveInfinity, 1.0, Math.E };
        double Lane(int i) => PolygammaVector.Log(VectorLanes.Window(values, i, out int at))[at];
        Assert.That(Lane(0), Is.NaN);
        Assert.That(Lane(1), Is.EqualTo(double.PositiveInfinity));
        Assert.That(Lane(2), Is.EqualTo(0.0));
        Assert.That(Lane(3), Is.EqualTo(1.0).Within(2.3e-16));
    }

    /// <summary>Log-spaced points on [1e-6, 1): R-EDL's α = e + λ with prior weight λ ≥ 1e-6 (issue 14).</summary>
    private static double[] BelowOne() =>
        Enumerable.Range(0, 2401).Select(k => Math.Pow(10, -6 + 6.0 * k / 2400)).Where(x => x < 1).Append(Math.BitDecrement(1.0)).Append(0.1).Append(0.3).ToArray();

    /// <summary>
    /// ln Γ, ψ and ψ₁ on [1e-6, 1), where the shift takes 10 steps per lane (R-EDL's prior weight λ &lt; 1): ln Γ against
    /// MathNet relative to max(|ln Γ|, 1), ψ against MathNet relative, ψ₁ against the reference trigamma relative.
    /// </summary>
    [Test]
    public void LgammaDigammaTrigamma_BelowOne_MatchesReferences()
    {
        var xs = BelowOne();
        var (lg, lgAt) = Worst(xs, x => Lower(x).Lgamma, SpecialFunctions.GammaLn, (_, e) => Math.Max(Math.Abs(e), 1.0));
        var (dg, dgAt) = Worst(xs, x => Lower(x).Digamma, SpecialFunctions.DiGamma, (_, e) => Math.Abs(e));
        var (tg, tgAt) = Worst(xs, x => Lower(x).Trigamma, Trigamma.Value, (_, e) => Math.Abs(e));
        TestContext.Out.WriteLine($"[1e-6, 1): lnΓ {R(lg)} at x = {lgAt:R}; ψ {R(dg)} at x = {dgAt:R}; ψ₁ {R(tg)} at x = {tgAt:R}");
        Assert.That(lg, Is.LessThanOrEqualTo(LgammaAbsoluteBound), $"lnΓ at x = {lgAt:R}");
        Assert.That(dg, Is.LessThanOrEqualTo(DigammaBound), $"ψ at x = {dgAt:R}");
        Assert.That(tg, Is.LessThanOrEqualTo(TrigammaBound), $"ψ₁ at x = {tgAt:R}");
    }

    /// <summary>
    /// A lane's result does not depend on the other lanes of its vector: mixed vectors (a lane below 1 sends the vector
    /// to the per-lane shift) give bit for bit the values of each argument broadcast to all four lanes.
    /// </summary>
    [Test]
    public void Polygammas_MixedLanes_BitwiseEqualToBroadcast()
    {
        foreach (var lanes in new[] { new[] { 0.1, 5.0, 1.5, 1e6 }, new[] { 3.0, 1e-6, 2.5, 1e17 }, new[] { 1.0, 9.5, 0.999, 12.0 } })
        {
            for (int i = 0; i < 4; i++)
            {
                var v = VectorLanes.Window(lanes, i, out int lane);
                PolygammaVector.LgammaDigammaTrigamma(v, true, out var lg, out var dg, out var tg);
                PolygammaVector.TrigammaTetragamma(v, true, out var tg2, out var tt);
                PolygammaVector.LgammaDigammaTrigamma(Vector.Create(lanes[i]), true, out var lgOne, out var dgOne, out var tgOne);
                PolygammaVector.TrigammaTetragamma(Vector.Create(lanes[i]), true, out var tg2One, out var ttOne);
                string at = $"x = {lanes[i]:R} among [{string.Join(", ", lanes)}]";
                Assert.That(lg[lane], Is.EqualTo(lgOne[0]), "lnΓ, " + at);
                Assert.That(dg[lane], Is.EqualTo(dgOne[0]), "ψ, " + at);
                Assert.That(tg[lane], Is.EqualTo(tgOne[0]), "ψ₁, " + at);
                Assert.That(tg2[lane], Is.EqualTo(tg2One[0]), "ψ₁ (upper), " + at);
                Assert.That(tt[lane], Is.EqualTo(ttOne[0]), "ψ₂, " + at);
            }
        }
    }

    /// <summary>
    /// Log1p (the log-likelihood risk's ln(1 + Ŝ/α_t)) relative to ln(1 + x): against Math.Log(1 + x) where 1 + x is exact
    /// (x = m·2⁻⁵² for m &lt; 2⁵², and integers to 2⁵²), and against the series x − x²/2 + x³/3 − x⁴/4 + x⁵/5 (truncation
    /// below 1e-20 relative) for x ≤ 1e-4 of any value, down to 1e-300. .NET's double.LogP1 is Math.Log(x + 1), no reference.
    /// </summary>
    [Test]
    public void Log1p_MatchesExactReferences()
    {
        double Log1p(double x) => PolygammaVector.Log1p(Vector.Create(x))[0];
        var exact = new List<double>();
        for (int k = 0; k < 52; k++)
        {
            foreach (double m in new[] { 1.0, 3.0, 7.0, 1000.0, 123456789.0 })
            {
                double x = m * Math.ScaleB(1.0, k - 52);
                if (x < 1)
                    exact.Add(x);
            }
        }

        exact.AddRange(Enumerable.Range(1, 52).Select(e => Math.ScaleB(1.0, e) - 1));
        exact.AddRange(new[] { 1.0, 2.0, 3.0, 1e6, 4e12 });
        var (exactError, exactAt) = Worst(exact, Log1p, x => Math.Log(1 + x), (_, e) => Math.Abs(e));
        var small = Enumerable.Range(0, 2001).Select(k => Math.Pow(10, -300 + 296.0 * k / 2000) * Math.PI / 3).Where(x => x <= 1e-4).ToArray();
        static double Series(double x) => x * (1 - x * (0.5 - x * (1.0 / 3 - x * (0.25 - x * 0.2))));
        var (seriesError, seriesAt) = Worst(small, Log1p, Series, (_, e) => Math.Abs(e));
        TestContext.Out.WriteLine($"Log1p: exact 1 + x {R(exactError)} at x = {exactAt:R}; series (x ≤ 1e-4) {R(seriesError)} at x = {seriesAt:R}");
        Assert.That(Log1p(0.0), Is.EqualTo(0.0), "ln 1 = 0");
        Assert.That(exactError, Is.LessThanOrEqualTo(Log1pBound), $"at x = {exactAt:R}");
        Assert.That(seriesError, Is.LessThanOrEqualTo(Log1pBound), $"at x = {seriesAt:R}");
    }

    /// <summary>
    /// Log1pOfUnit (softplus's ln(1 + e^−|x|) and the reciprocal its sigmoid uses, issue 18, fifth session) for t in [0, 1]:
    /// ln(1 + t) against Math.Log(1 + t) where 1 + t is exact (t = m·2⁻⁵², and 1) and against the series below 1e-4,
    /// as <see cref="Log1p_MatchesExactReferences"/>; 1/(1 + t) against the correctly rounded 1.0 / (1 + t) where 1 + t is
    /// exact. Both sides of the split at t = √2 − 1 are covered.
    /// </summary>
    [Test]
    public void Log1pOfUnit_MatchesExactReferences()
    {
        double Log1p(double t) => PolygammaVector.Log1pOfUnit(Vector.Create(t), out _)[0];
        double Reciprocal(double t)
        {
            PolygammaVector.Log1pOfUnit(Vector.Create(t), out var reciprocal);
            return reciprocal[0];
        }

        var exact = new List<double> { 1.0, 0.5, 0.25, 0.375, 0.4140625, 0.4150390625, 0.75 };
        for (int k = 0; k < 52; k++)
        {
            foreach (double m in new[] { 1.0, 3.0, 7.0, 1000.0, 123456789.0, 1865452045155277.0, 3730904090310553.0 })
            {
                double t = m * Math.ScaleB(1.0, k - 52);
                if (t <= 1)
                    exact.Add(t);
            }
        }

        Assert.That(exact.Any(t => t > PolygammaVector.Sqrt2Minus1) && exact.Any(t => t < PolygammaVector.Sqrt2Minus1 && t > 0.4), "both sides of the split");
        var (logError, logAt) = Worst(exact, Log1p, t => Math.Log(1 + t), (_, e) => Math.Abs(e));
        var (reciprocalError, reciprocalAt) = Worst(exact, Reciprocal, t => 1.0 / (1 + t), (_, e) => Math.Abs(e));
        var small = Enumerable.Range(0, 2001).Select(k => Math.Pow(10, -300 + 296.0 * k / 2000) * Math.PI / 3).Where(t => t <= 1e-4).ToArray();
        static double Series(double t) => t * (1 - t * (0.5 - t * (1.0 / 3 - t * (0.25 - t * 0.2))));
        var (seriesError, seriesAt) = Worst(small, Log1p, Series, (_, e) => Math.Abs(e));
        TestContext.Out.WriteLine($"Log1pOfUnit: exact 1 + t {R(logError)} at t = {logAt:R}; series (t ≤ 1e-4) {R(seriesError)} at t = {seriesAt:R}; reciprocal {R(reciprocalError)} at t = {reciprocalAt:R}");
        Assert.That(Log1p(0.0), Is.EqualTo(0.0), "ln 1 = 0");
        Assert.That(Reciprocal(0.0), Is.EqualTo(1.0), "1/1");
        Assert.That(logError, Is.LessThanOrEqualTo(Log1pOfUnitBound), $"at t = {logAt:R}");
        Assert.That(seriesError, Is.LessThanOrEqualTo(Log1pOfUnitBound), $"at t = {seriesAt:R}");
        Assert.That(reciprocalError, Is.LessThanOrEqualTo(Log1pOfUnitBound), $"at t = {reciprocalAt:R}");
    }

    /// <summary>
    /// <see cref="PolygammaVector.KlElementTerms"/>'s decomposition, r + ln product − κ ln strength with κ = (x − m) + 8.5,
    /// against m·ψ(x) − ln Γ(x) from MathNet, relative to the larger of |m·ψ(x)|, |ln Γ(x)| and 1 (the terms the evidential
    /// KL sums and cancels): EDL's m = x − 1 over [1, 1e7] and R-EDL's m = x − λ over [λ, 1) and [1, 1e7] for λ = 0.1 and its
    /// smallest prior weight 1e-6 (a lane below 1 ends its nine shift steps at z in [9, 10)), each argument alone in its vector and beside a lane of 1e31, which sends the vector to the
    /// per-lane shift. MathNet's ln Γ is itself off by up to ~1e-14 here (<see cref="LgammaDigammaTrigamma_Lgamma_MatchesMathNetOverOneToTenMillion"/>),
    /// so the bound is ln Γ's; the output compares with m·ψ − ln Γ from <see cref="PolygammaVector.LgammaDigammaTrigamma"/>.
    /// </summary>
    [Test]
    public void KlElementTerms_Reconstruct_MatchesMathNet()
    {
        foreach (double offset in new[] { 1.0, 0.1, 1e-6 })
        {
            var xs = Grid().Concat(BelowOne().Where(x => x >= offset)).ToArray();
            foreach (bool besideHuge in new[] { false, true })
            {
                double Reconstructed(double x)
                {
                    var v = besideHuge ? VectorLanes.Window([x, 1e31], 0, out int lane) : Vector.Create(x);
                    PolygammaVector.KlElementTerms(v, v - Vector.Create(offset), false, out var r, out var product, out var strength, out _);
                    double kappa = offset + PolygammaVector.UnconditionalShiftSteps - 0.5;
                    return r[0] + Math.Log(product[0]) - kappa * Math.Log(strength[0]);
                }

                double Expected(double x) => (x - offset) * SpecialFunctions.DiGamma(x) - SpecialFunctions.GammaLn(x);
                double Scale(double x) => Math.Max(Math.Max(Math.Abs((x - offset) * SpecialFunctions.DiGamma(x)), Math.Abs(SpecialFunctions.GammaLn(x))), 1.0);
                var (error, at) = Worst(xs, Reconstructed, Expected, (x, _) => Scale(x));
                var (before, beforeAt) = Worst(xs, x => (x - offset) * Lower(x).Digamma - Lower(x).Lgamma, Expected, (x, _) => Scale(x));
                TestContext.Out.WriteLine($"m = x − {offset}, beside 1e31: {besideHuge}: worst {R(error)} at x = {at:R} (m·ψ − ln Γ from LgammaDigammaTrigamma: {R(before)} at x = {beforeAt:R})");
                Assert.That(error, Is.LessThanOrEqualTo(KlElementTermsBound), $"m = x − {offset}, at x = {at:R}");
            }
        }
    }

    /// <summary>
    /// <see cref="PolygammaVector.KlElementTerms"/>: ψ₁ bit for bit that of <see cref="PolygammaVector.LgammaDigammaTrigamma"/>;
    /// every output of a lane bit for bit the same beside any other lanes (below 1, huge, NaN) as broadcast; a lane outside
    /// the domain [0, 1e30) (from 1e30 on, negative, NaN) gives r = NaN and strength 1.
    /// </summary>
    [Test]
    public void KlElementTerms_MixedLanes_BitwiseEqualToBroadcast()
    {
        foreach (var lanes in new[] { new[] { 0.1, 5.0, 1.5, 1e6 }, new[] { 3.0, 1e31, 2.5, 1e17 }, new[] { 1.0, double.NaN, 0.999, 12.0 }, new[] { 7.0, -2.0, 0.0, 1e12 } })
        {
            for (int i = 0; i < 4; i++)
            {
                var v = VectorLanes.Window(lanes, i, out int lane);
                var m = v - Vector.Create(1.0);
                PolygammaVector.KlElementTerms(v, m, true, out var r, out var product, out var strength, out var tg);
                var one = Vector.Create(lanes[i]);
                PolygammaVector.KlElementTerms(one, one - Vector.Create(1.0), true, out var rOne, out var productOne, out var strengthOne, out var tgOne);
                PolygammaVector.LgammaDigammaTrigamma(one, true, out _, out _, out var tgReference);
                string at = $"x = {lanes[i]:R} among [{string.Join(", ", lanes)}]";
                if (!(lanes[i] >= 0 && lanes[i] < PolygammaVector.UnconditionalShiftLimit))
                {
                    Assert.That(r[lane], Is.NaN, "r, " + at);
                    Assert.That(strength[lane], Is.EqualTo(1.0), "strength, " + at);
                    continue;
                }

                Assert.That(r[lane], Is.EqualTo(rOne[0]), "r, " + at);
                Assert.That(product[lane], Is.EqualTo(productOne[0]), "product, " + at);
                Assert.That(strength[lane], Is.EqualTo(strengthOne[0]), "strength, " + at);
                Assert.That(tg[lane], Is.EqualTo(tgOne[0]), "ψ₁, " + at);
                Assert.That(tgOne[0], Is.EqualTo(tgReference[0]), "ψ₁ against LgammaDigammaTrigamma, " + at);
                Assert.That(strengthOne[0], Is.EqualTo(lanes[i] + PolygammaVector.UnconditionalShiftSteps).Within(1e-15 * lanes[i] + 1e-14), "strength, " + at);
            }
        }
    }

    // Bounds just above the measured worst errors (see each test's output and docs/accuracy.md). Two differ where the
    // vector multiply-add is not fused (x86 without FMA3, e.g. DOTNET_EnableAVX=0): ln Γ at integers 5.4e-15 and ψ₁ 4.8e-15
    // were measured there (2026-12-03), against 2.5e-15 and 4e-15 with FMA.
    private const double LgammaAbsoluteBound = 1e-14;
    private const double LgammaRelativeBound = 2e-14;
    private static readonly double LgammaExactBound = PolygammaVector.MadIsFused ? 2.5e-15 : 6e-15;
    private const double DigammaBound = 5e-15;
    private const double DigammaExactBound = 1e-15;
    private static readonly double TrigammaBound = PolygammaVector.MadIsFused ? 4e-15 : 5e-15;
    private const double TetragammaBound = 3e-14;
    private const double TetragammaDifferenceBound = 2e-11;
    private const double LogBound = 5e-16;
    private const double Log1pBound = 5e-16;
    private const double Log1pOfUnitBound = 5e-16;
    private const double ExpBound = 5e-16;
    private const double ExpSingleBound = 2.4e-7;
    private const double TrigammaSingleBound = 5e-7;
    private const double TetragammaSingleBound = 8e-7;
    private const double KlElementTermsBound = 2e-14;
}
