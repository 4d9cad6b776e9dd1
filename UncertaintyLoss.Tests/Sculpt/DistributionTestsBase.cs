namespace UncertaintyLoss.Tests.SculptTests;

/// <summary>
/// The tests every Sculpt distribution must pass, against MathNet: LogProb, Cdf, LossFunction (values, reductions,
/// broadcasting, dtype), gradients against central differences, sampling (Kolmogorov–Smirnov, reparameterisation,
/// reproducibility) and intervals. Each family's fixture derives from this one.
/// </summary>
public abstract class DistributionTestsBase
{
    /// <summary>
    /// α = 0.01 critical value of the one-sample Kolmogorov–Smirnov statistic for large n: K_α/√n with
    /// K_α = √(−½ ln(α/2)) = 1.628 (the limit of the Kolmogorov distribution's quantile). A correct sampler exceeds it
    /// with probability 1%; the seeds are fixed, so the outcome is deterministic.
    /// </summary>
    private const double KsCritical001 = 1.628;

    private const int SampleCount = 100_000;

    protected DistributionTestsBase(Family family) => Subject = new Subject(family);

    protected Subject Subject { get; }

    /// <summary>Runs <paramref name="body"/> with a new distribution, then disposes its RawNu (if any).</summary>
    protected T With<T>(double nu, Func<ISculptDistribution, T> body)
    {
        var d = Subject.Create(nu);
        try
        {
            return body(d);
        }
        finally
        {
            Subject.Release(d);
        }
    }

    protected void With(double nu, Action<ISculptDistribution> body) => With<bool>(nu, d =>
    {
        body(d);
        return true;
    });

    private static Property Holds(string? failure) => Prop.Label(failure is null, failure ?? "ok");

    // ------------------------------------------------------------------------------------------------------------
    // LogProb
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Float64: ln p matches MathNet within 1e-10·max(|ln p|, 1) — both evaluate the same closed form in double (for
    /// Student-t, ln Γ terms of up to ~150 cancel: ~1e-13 absolute), so 1e-10 leaves three orders of margin.
    /// </summary>
    [SeededProperty(MaxTest = 100, Seed = "(716235,296583)", QuietOnSuccess = true)]
    public Property LogProb_RandomInputsFloat64_MatchesMathNet() =>
        Prop.ForAll(SculptGens.Values(Gen.Constant(ScalarType.Float64), Gen.Constant(Reduction.None)).ToArbitrary(), c => Holds(CheckLogProb(c)));

    /// <summary>
    /// Float32 (inputs rounded to single for the reference): within 1e-5·max(1, Σ|terms|) — each term of ln p is
    /// computed with ~1e-7 relative error in single precision, so the error scales with the terms that cancel
    /// (½z², ln s, the ln Γ of Student-t), not with their sum.
    /// </summary>
    [SeededProperty(MaxTest = 100, Seed = "(115906,862249)", QuietOnSuccess = true)]
    public Property LogProb_RandomInputsFloat32_MatchesMathNet() =>
        Prop.ForAll(SculptGens.Values(Gen.Constant(ScalarType.Float32), Gen.Constant(Reduction.None)).ToArbitrary(), c => Holds(CheckLogProb(c)));

    private string? CheckLogProb(SculptCase c) => With(c.Nu, d =>
    {
        using var scope = NewDisposeScope();
        var (y, yHat, yRisk) = c.Tensors3();
        var result = d.LogProb(y, yHat, yRisk);
        if (!result.shape.SequenceEqual(c.OutShape) || result.dtype != c.Dtype)
            return $"shape {Fmt.Shape(result.shape)} dtype {result.dtype}, expected {Fmt.Shape(c.OutShape)} {c.Dtype}; {c}";
        double nu = Subject.EffectiveNu(d, c.Dtype);
        var actual = Tensors.ToDoubles(result);
        for (int i = 0; i < c.Count; i++)
        {
            var (yi, hi, si) = c.At(i);
            double expected = Subject.LogDensity(yi, hi, si, nu);
            double tolerance = LogDensityTolerance(c.Dtype, expected, Subject.LogDensityMagnitude(yi, hi, si, nu));
            if (!(Math.Abs(actual[i] - expected) <= tolerance))
                return $"ln p at {i} (y={Fmt.R(yi)}, yHat={Fmt.R(hi)}, s={Fmt.R(si)}, nu={Fmt.R(nu)}): {Fmt.R(actual[i])} vs MathNet {Fmt.R(expected)}; {c}";
        }

        return null;
    });

    private static double LogDensityTolerance(ScalarType dtype, double expected, double magnitude) =>
        dtype == ScalarType.Float64 ? 1e-10 * Math.Max(Math.Abs(expected), 1) : 1e-5 * Math.Max(magnitude, 1);

    // ------------------------------------------------------------------------------------------------------------
    // Cdf
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Float64: relative 1e-10 in both tails (values near 1 are accurate relatively; the lower tail is compared
    /// relatively too, against a reference accurate there: MathNet's erfc-based Normal CDF, its incomplete-beta Student-t
    /// CDF, Laplace through b·p(y)). Plus 8ε·|z|·g(z), g the standard density: the effect of rounding z = (y − yHat)/s
    /// itself. For Cauchy an absolute 4.4e-16 (4 half-ulps of ½): library and MathNet both evaluate ½ + atan(z)/π, which
    /// cancels in the lower tail (there F ≥ 3e-6 for |z| ≤ 1e5, so it stays below 1.5e-10 relative).
    /// </summary>
    [SeededProperty(MaxTest = 100, Seed = "(402937,551621)", QuietOnSuccess = true)]
    public Property Cdf_RandomInputsFloat64_MatchesMathNet() =>
        Prop.ForAll(SculptGens.Values(Gen.Constant(ScalarType.Float64), Gen.Constant(Reduction.None)).ToArbitrary(), c => Holds(CheckCdf(c)));

    /// <summary>
    /// Float32: relative 1e-5 in both tails plus 8ε₃₂·|z|·g(z) (the CDF's sensitivity to the single-precision rounding
    /// of z, e.g. ≈ 5e-7·z² relative in the Normal lower tail) plus 1e-44 (a few Float32 denormal ulps, where the
    /// lower tail underflows). MathNet in double is far more accurate than that everywhere, so it is the reference.
    /// </summary>
    [SeededProperty(MaxTest = 100, Seed = "(984120,31157)", QuietOnSuccess = true)]
    public Property Cdf_RandomInputsFloat32_MatchesMathNet() =>
        Prop.ForAll(SculptGens.Values(Gen.Constant(ScalarType.Float32), Gen.Constant(Reduction.None)).ToArbitrary(), c => Holds(CheckCdf(c)));

    private string? CheckCdf(SculptCase c) => With(c.Nu, d =>
    {
        using var scope = NewDisposeScope();
        var (y, yHat, yRisk) = c.Tensors3();
        var result = d.Cdf(y, yHat, yRisk);
        if (!result.shape.SequenceEqual(c.OutShape) || result.dtype != c.Dtype)
            return $"shape {Fmt.Shape(result.shape)} dtype {result.dtype}, expected {Fmt.Shape(c.OutShape)} {c.Dtype}; {c}";
        double nu = Subject.EffectiveNu(d, c.Dtype);
        var actual = Tensors.ToDoubles(result);
        for (int i = 0; i < c.Count; i++)
        {
            var (yi, hi, si) = c.At(i);
            double expected = Subject.Cdf(yi, hi, si, nu);
            double z = (yi - hi) / si;
            double tolerance = CdfTolerance(c.Dtype, expected, z, Subject.StandardDensity(z, nu));
            if (!(Math.Abs(actual[i] - expected) <= tolerance))
                return $"F at {i} (y={Fmt.R(yi)}, yHat={Fmt.R(hi)}, s={Fmt.R(si)}, z={Fmt.R(z)}, nu={Fmt.R(nu)}): {Fmt.R(actual[i])} vs MathNet {Fmt.R(expected)} (relative error {Fmt.R(Math.Abs(actual[i] - expected) / expected)}); {c}";
        }

        return null;
    });

    private double CdfTolerance(ScalarType dtype, double expected, double z, double standardDensity)
    {
        double conditioning = 8 * SculptChecks.Epsilon(dtype) * Math.Abs(z) * standardDensity;
        if (dtype == ScalarType.Float32)
            return 1e-5 * Math.Abs(expected) + conditioning + 1e-44;
        double absolute = Subject.Family == Family.Cauchy ? 4.4e-16 : 0;
        // 2e-322: a few dozen Float64 denormal ulps (4.9e-324), where the lower tail underflows (seen with a fresh seed:
        // 2.9397e-320 against MathNet's 2.939e-320, 1.4 ulps apart).
        return 1e-10 * Math.Abs(expected) + conditioning + absolute + 2e-322;
    }

    /// <summary>Cdf's gradient: ∂F/∂yHat = −p(y) and ∂F/∂yRisk = −z·p(y) (Student-t's host-side CDF has none, as documented).</summary>
    [Test]
    public void Cdf_InputsRequireGrad_GradientIsMinusDensityOrAbsentForStudentT()
    {
        With(Subject.DefaultNu, d =>
        {
            using var scope = NewDisposeScope();
            var yv = new[] { -3.0, 0.2, 1.5, 4.0, 9.0 };
            var hv = new[] { 0.5, -0.3, 1.0, 2.0, 0.0 };
            var sv = new[] { 1.0, 0.7, 2.0, 3.0, 4.5 };
            var y = Tensors.FromDoubles(yv, new long[] { 5 });
            var yHat = Tensors.FromDoubles(hv, new long[] { 5 }).requires_grad_();
            var yRisk = Tensors.FromDoubles(sv, new long[] { 5 }).requires_grad_();
            var cdf = d.Cdf(y, yHat, yRisk);
            if (Subject.HasNu)
            {
                Assert.That(cdf.requires_grad, Is.False, "Student-t's Cdf is evaluated on the host and carries no gradient.");
                return;
            }

            cdf.sum().backward();
            var gh = Tensors.ToDoubles(yHat.grad!);
            var gs = Tensors.ToDoubles(yRisk.grad!);
            for (int i = 0; i < 5; i++)
            {
                double p = Math.Exp(Subject.LogDensity(yv[i], hv[i], sv[i], double.NaN));
                double z = (yv[i] - hv[i]) / sv[i];
                Assert.That(gh[i], Is.EqualTo(-p).Within(1e-12 * Math.Max(p, 1e-300) + 1e-15), $"dF/dyHat at {i}");
                Assert.That(gs[i], Is.EqualTo(-z * p).Within(1e-12 * Math.Abs(z * p) + 1e-15), $"dF/dyRisk at {i}");
            }
        });
    }

    // ------------------------------------------------------------------------------------------------------------
    // LossFunction
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// LossFunction = −(MathNet ln p), reduced by Mean or Sum over all broadcast elements, or per element (None) with the
    /// broadcast shape; both dtypes. Tolerance as for ln p, with magnitudes summed over the elements (÷n for Mean).
    /// </summary>
    [SeededProperty(MaxTest = 100, Seed = "(558193,771063)", QuietOnSuccess = true)]
    public Property LossFunction_RandomInputs_IsMinusReducedMathNetLogDensity() =>
        Prop.ForAll(SculptGens.Values(Gen.Elements(ScalarType.Float64, ScalarType.Float32), Gen.Elements(Reduction.None, Reduction.Mean, Reduction.Sum)).ToArbitrary(),
            c => Holds(CheckLoss(c)));

    private string? CheckLoss(SculptCase c) => With(c.Nu, d =>
    {
        using var scope = NewDisposeScope();
        var (y, yHat, yRisk) = c.Tensors3();
        var result = d.LossFunction(y, yHat, yRisk, c.Reduction);
        var expectedShape = c.Reduction == Reduction.None ? c.OutShape : Array.Empty<long>();
        if (!result.shape.SequenceEqual(expectedShape) || result.dtype != c.Dtype)
            return $"shape {Fmt.Shape(result.shape)} dtype {result.dtype}, expected {Fmt.Shape(expectedShape)} {c.Dtype}; {c}";
        double nu = Subject.EffectiveNu(d, c.Dtype);
        var nll = new double[c.Count];
        var magnitude = new double[c.Count];
        for (int i = 0; i < c.Count; i++)
        {
            var (yi, hi, si) = c.At(i);
            nll[i] = -Subject.LogDensity(yi, hi, si, nu);
            magnitude[i] = c.Dtype == ScalarType.Float64 ? Math.Abs(nll[i]) : Subject.LogDensityMagnitude(yi, hi, si, nu);
        }

        var actual = Tensors.ToDoubles(result);
        if (c.Reduction == Reduction.None)
        {
            for (int i = 0; i < c.Count; i++)
            {
                if (!(Math.Abs(actual[i] - nll[i]) <= LogDensityTolerance(c.Dtype, nll[i], magnitude[i])))
                    return $"None at {i}: {Fmt.R(actual[i])} vs {Fmt.R(nll[i])}; {c}";
            }

            return null;
        }

        double k = c.Reduction == Reduction.Mean ? 1.0 / c.Count : 1.0;
        double expected = k * nll.Sum();
        double scale = Math.Max(k * magnitude.Sum(), 1);
        double tolerance = (c.Dtype == ScalarType.Float64 ? 1e-10 : 1e-5) * scale;
        return Math.Abs(actual[0] - expected) <= tolerance ? null : $"{c.Reduction}: {Fmt.R(actual[0])} vs {Fmt.R(expected)}; {c}";
    });

    /// <summary>y (N, 1) against yHat (N, 3) and yRisk (1): None has shape (N, 3), element (i, j) uses y_i, yHat_ij, yRisk_0.</summary>
    [Test]
    public void LossFunction_ColumnTargetMatrixPredictionScalarRisk_BroadcastsLikePyTorch()
    {
        With(Subject.DefaultNu, d =>
        {
            using var scope = NewDisposeScope();
            var yv = new[] { 0.5, -2.0, 3.0, 10.0 };
            var hv = new[] { 0.0, 1.0, -1.0, 2.0, -2.0, 0.5, 3.0, 3.5, 2.5, 7.0, 12.0, 9.0 };
            const double s = 1.7;
            var y = Tensors.FromDoubles(yv, new long[] { 4, 1 });
            var yHat = Tensors.FromDoubles(hv, new long[] { 4, 3 });
            var yRisk = Tensors.FromDoubles(new[] { s }, new long[] { 1 });
            var none = d.LossFunction(y, yHat, yRisk, Reduction.None);
            Assert.That(none.shape, Is.EqualTo(new long[] { 4, 3 }));
            double nu = Subject.EffectiveNu(d, ScalarType.Float64);
            var expected = new double[12];
            for (int i = 0; i < 4; i++)
            {
                for (int j = 0; j < 3; j++)
                    expected[3 * i + j] = -Subject.LogDensity(yv[i], hv[3 * i + j], s, nu);
            }

            var actual = Tensors.ToDoubles(none);
            for (int k = 0; k < 12; k++)
                Assert.That(actual[k], Is.EqualTo(expected[k]).Within(1e-10 * Math.Max(1, Math.Abs(expected[k]))), $"element {k}");
            Assert.That(d.LossFunction(y, yHat, yRisk).item<double>(), Is.EqualTo(expected.Average()).Within(1e-10 * Math.Max(1, expected.Select(Math.Abs).Average())));
            Assert.That(d.LossFunction(y, yHat, yRisk, Reduction.Sum).item<double>(), Is.EqualTo(expected.Sum()).Within(1e-10 * Math.Max(1, expected.Select(Math.Abs).Sum())));
        });
    }

    /// <summary>Float64 wins: Float32 y with Float64 yRisk computes and returns Float64; Float16 inputs compute in Float32.</summary>
    [TestCase(ScalarType.Float32, ScalarType.Float32, ScalarType.Float64, ScalarType.Float64)]
    [TestCase(ScalarType.Float64, ScalarType.Float32, ScalarType.Float32, ScalarType.Float64)]
    [TestCase(ScalarType.Float32, ScalarType.Float32, ScalarType.Float32, ScalarType.Float32)]
    [TestCase(ScalarType.Float16, ScalarType.Float16, ScalarType.Float16, ScalarType.Float32)]
    [TestCase(ScalarType.BFloat16, ScalarType.Float32, ScalarType.Float16, ScalarType.Float32)]
    public void AllMethods_MixedDtypes_PromoteAsDocumented(ScalarType yType, ScalarType hatType, ScalarType riskType, ScalarType expected)
    {
        With(Subject.DefaultNu, d =>
        {
            using var scope = NewDisposeScope();
            var y = Tensors.FromDoubles(new[] { 0.5, 1.5 }, new long[] { 2 }, yType);
            var yHat = Tensors.FromDoubles(new[] { 0.25, 2.0 }, new long[] { 2 }, hatType);
            var yRisk = Tensors.FromDoubles(new[] { 1.0, 0.5 }, new long[] { 2 }, riskType);
            using var generator = new Generator(5);
            var (lower, upper) = d.Interval(yHat, yRisk, 0.9);
            var dtypes = new[]
            {
                d.LossFunction(y, yHat, yRisk).dtype, d.LossFunction(y, yHat, yRisk, Reduction.None).dtype, d.LogProb(y, yHat, yRisk).dtype,
                d.Cdf(y, yHat, yRisk).dtype,
            };
            Assert.That(dtypes, Is.All.EqualTo(expected));

            // Interval and Sample take no y: they promote yHat and yRisk only.
            var hatRisk = hatType == ScalarType.Float64 || riskType == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
            Assert.That(new[] { lower.dtype, upper.dtype, d.Sample((yHat, yRisk), generator).dtype }, Is.All.EqualTo(hatRisk));

            // The values agree with the same computation on the inputs converted to Float64 (their held values).
            double nu = Subject.EffectiveNu(d, expected);
            var lp = Tensors.ToDoubles(d.LogProb(y, yHat, yRisk));
            var yd = Tensors.ToDoubles(y);
            var hd = Tensors.ToDoubles(yHat);
            var sd = Tensors.ToDoubles(yRisk);
            for (int i = 0; i < 2; i++)
            {
                double e = Subject.LogDensity(yd[i], hd[i], sd[i], nu);
                Assert.That(lp[i], Is.EqualTo(e).Within(LogDensityTolerance(expected, e, Subject.LogDensityMagnitude(yd[i], hd[i], sd[i], nu))));
            }
        });
    }

    // ------------------------------------------------------------------------------------------------------------
    // Gradients
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Float64 autograd gradients of LossFunction (Mean or Sum, yHat and yRisk broadcast) w.r.t. yHat and yRisk — and for
    /// the learned Student-t w.r.t. RawNu — against central differences of MathNet's −ln p. Each element's contribution is
    /// differenced on its own (the others do not depend on the variable), with a step of 1e-5 in units of its scale s
    /// (yHat) or of ln s (yRisk), so truncation (~1e-10) and rounding (~1e-11) errors stay small whatever s; tolerance
    /// 1e-6·Σ|contributions| (RawNu's gradient is Float32: 6e-8 relative more).
    /// </summary>
    [SeededProperty(MaxTest = 60, Seed = "(330172,620889)", QuietOnSuccess = true)]
    public Property LossFunction_Gradient_MatchesFiniteDifferenceOfMathNet() =>
        Prop.ForAll(SculptGens.Gradients.ToArbitrary(), c => Holds(CheckGradient(c)));

    private string? CheckGradient(SculptCase c) => With(c.Nu, d =>
    {
        using var scope = NewDisposeScope();
        var (y, yHat, yRisk) = c.Tensors3(requiresGrad: true);
        d.LossFunction(y, yHat, yRisk, c.Reduction).backward();
        double nu = Subject.EffectiveNu(d, ScalarType.Float64);
        double k = c.Reduction == Reduction.Mean ? 1.0 / c.Count : 1.0;
        const double step = 1e-5;

        // Rounding noise of one central difference: the terms of −ln p (Σ|terms| = M) carry a few ulps each, ~20ε·M
        // in all, divided by the step actually taken (and by s where the variable was rescaled by s).
        double Noise(int i, double denominator)
        {
            var (yi, hi, si) = c.At(i);
            return k * 20 * SculptChecks.Epsilon(ScalarType.Float64) * Subject.LogDensityMagnitude(yi, hi, si, nu) / denominator;
        }

        string? Compare(string what, double[] actual, int[] sources, Func<int, double> part, Func<int, double> noise)
        {
            for (int j = 0; j < actual.Length; j++)
            {
                var members = Enumerable.Range(0, c.Count).Where(i => sources[i] == j).ToArray();
                var parts = members.Select(part).ToArray();
                double expected = parts.Sum();
                double tolerance = 1e-6 * parts.Sum(Math.Abs) + members.Sum(noise);
                if (!(Math.Abs(actual[j] - expected) <= tolerance))
                    return $"d/d{what}[{j}]: {Fmt.R(actual[j])} vs finite difference {Fmt.R(expected)} (parts {Fmt.Vector(parts)}); {c}";
            }

            return null;
        }

        var gHat = Tensors.ToDoubles(yHat.grad!);
        var gRisk = Tensors.ToDoubles(yRisk.grad!);
        string? failure = Compare("yHat", gHat, c.HatSource, i =>
        {
            var (yi, hi, si) = c.At(i);
            return k * FiniteDifference.CentralGradient(v => -Subject.LogDensity(yi, hi + v[0] * si, si, nu), new[] { 0.0 }, step)[0] / si;
        }, i => Noise(i, step * c.At(i).Risk)) ?? Compare("yRisk", gRisk, c.RiskSource, i =>
        {
            var (yi, hi, si) = c.At(i);
            return k * FiniteDifference.CentralGradient(v => -Subject.LogDensity(yi, hi, si * Math.Exp(v[0]), nu), new[] { 0.0 }, step)[0] / si;
        }, i => Noise(i, step * c.At(i).Risk));
        if (failure is not null || d is not StudentTDistribution { RawNu: { } rawNu })
            return failure;

        // ν = softplus(raw) + 1e-3, in double here. RawNu's gradient is Float32 (6e-8 relative, inside 1e-6).
        double raw = rawNu.ToSingle();
        var all = Enumerable.Range(0, c.Count).ToArray();
        var rawParts = all.Select(i =>
        {
            var (yi, hi, si) = c.At(i);
            return k * FiniteDifference.CentralGradient(v => -Subject.LogDensity(yi, hi, si, SculptChecks.Softplus(v[0]) + 1e-3), new[] { raw }, step)[0];
        }).ToArray();
        double gRaw = rawNu.grad!.ToSingle();
        double expectedRaw = rawParts.Sum();
        double rawTolerance = 1e-6 * rawParts.Sum(Math.Abs) + all.Sum(i => Noise(i, step * Math.Max(1, Math.Abs(raw))));
        return Math.Abs(gRaw - expectedRaw) <= rawTolerance
            ? null
            : $"d/dRawNu: {Fmt.R(gRaw)} vs finite difference {Fmt.R(expectedRaw)} (raw {Fmt.R(raw)}, nu {Fmt.R(nu)}); {c}";
    });

    // ------------------------------------------------------------------------------------------------------------
    // Sample
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// 100k draws at yHat = 1.5, yRisk = 2 (a fixed Generator) pass a one-sample Kolmogorov–Smirnov test against MathNet's
    /// CDF at α = 0.01: D = sup|F_n − F| &lt; 1.628/√n ≈ 0.00515. Catches a wrong family, a scale read as a variance or
    /// standard deviation, a shifted location (each moves D by ≫ 0.005).
    /// </summary>
    [TestCase(ScalarType.Float64, 12345UL)]
    [TestCase(ScalarType.Float32, 77UL)]
    public void Sample_FixedParameters_PassesKolmogorovSmirnov(ScalarType dtype, ulong seed)
    {
        foreach (double nu in Subject.SampleNus)
        {
            With(nu, d =>
            {
                using var scope = NewDisposeScope();
                using var generator = new Generator(seed);
                var yHat = full(new long[] { SampleCount }, 1.5, dtype);
                var yRisk = tensor(new[] { 2.0 }, dtype);
                var sample = d.Sample((yHat, yRisk), generator);
                Assert.That(sample.shape, Is.EqualTo(new long[] { SampleCount }));
                var values = Tensors.ToDoubles(sample);
                double nuEff = Subject.EffectiveNu(d, ScalarType.Float64);
                double ks = SculptChecks.KolmogorovSmirnov(values, x => Subject.Cdf(x, 1.5, 2.0, nuEff));
                Assert.That(ks, Is.LessThan(KsCritical001 / Math.Sqrt(SampleCount)), $"nu = {Fmt.R(nu)}: KS statistic");
            });
        }
    }

    /// <summary>
    /// Reparameterisation: sample.sum().backward() gives ∂/∂yHat = 1 everywhere and ∂/∂yRisk = ε = (sample − yHat)/yRisk,
    /// within 1e-12·max(1, |ε|) (recovering ε from the rounded sample costs ~1e-15·(|yHat| + yRisk·|ε|)/yRisk).
    /// </summary>
    [Test]
    public void Sample_InputsRequireGrad_GradientIsOneForYHatAndNoiseForYRisk()
    {
        With(Subject.DefaultNu, d =>
        {
            using var scope = NewDisposeScope();
            const int n = 2000;
            var hv = Enumerable.Range(0, n).Select(i => -5 + 10.0 * i / n).ToArray();
            var sv = Enumerable.Range(0, n).Select(i => 0.1 + 4.9 * ((i * 7919) % n) / n).ToArray();
            var yHat = Tensors.FromDoubles(hv, new long[] { n }).requires_grad_();
            var yRisk = Tensors.FromDoubles(sv, new long[] { n }).requires_grad_();
            using var generator = new Generator(123);
            var sample = d.Sample((yHat, yRisk), generator);
            Assert.That(sample.requires_grad, Is.True);
            sample.sum().backward();
            var s = Tensors.ToDoubles(sample);
            var gh = Tensors.ToDoubles(yHat.grad!);
            var gs = Tensors.ToDoubles(yRisk.grad!);
            for (int i = 0; i < n; i++)
            {
                double eps = (s[i] - hv[i]) / sv[i];
                if (Math.Abs(gh[i] - 1) > 1e-12 || !(Math.Abs(gs[i] - eps) <= 1e-12 * Math.Max(1, Math.Abs(eps))))
                    Assert.Fail($"at {i}: d/dyHat = {Fmt.R(gh[i])}, d/dyRisk = {Fmt.R(gs[i])}, epsilon = {Fmt.R(eps)}");
            }

            if (d is StudentTDistribution { RawNu: { } rawNu })
                Assert.That(rawNu.grad is null || Tensors.ToDoubles(rawNu.grad).All(g => g == 0), Is.True, "The sample carries no gradient to nu (documented).");
        });
    }

    /// <summary>yHat (n, m) and broadcast yRisk (1, m): the sample is (n, m), ∂/∂yHat_ij = 1 and ∂/∂yRisk_j = Σ_i ε_ij.</summary>
    [Test]
    public void Sample_BroadcastRisk_GradientAccumulatesOverBroadcastDimension()
    {
        With(Subject.DefaultNu, d =>
        {
            using var scope = NewDisposeScope();
            var hv = new[] { -1.0, 0.0, 2.5, 1.0, 3.0, -2.0, 0.5, 4.0, 1.5, -0.5, 2.0, 6.0 };
            var sv = new[] { 0.5, 1.0, 2.0, 4.0 };
            var yHat = Tensors.FromDoubles(hv, new long[] { 3, 4 }).requires_grad_();
            var yRisk = Tensors.FromDoubles(sv, new long[] { 1, 4 }).requires_grad_();
            using var generator = new Generator(9);
            var sample = d.Sample((yHat, yRisk), generator);
            Assert.That(sample.shape, Is.EqualTo(new long[] { 3, 4 }));
            sample.sum().backward();
            var s = Tensors.ToDoubles(sample);
            Assert.That(Tensors.ToDoubles(yHat.grad!), Is.All.EqualTo(1.0).Within(1e-12));
            var gs = Tensors.ToDoubles(yRisk.grad!);
            for (int j = 0; j < 4; j++)
            {
                var eps = Enumerable.Range(0, 3).Select(i => (s[4 * i + j] - hv[4 * i + j]) / sv[j]).ToArray();
                Assert.That(gs[j], Is.EqualTo(eps.Sum()).Within(1e-12 * Math.Max(1, eps.Sum(Math.Abs))), $"d/dyRisk[{j}]");
            }
        });
    }

    [Test]
    public void Sample_SameSeed_IdenticalSamples()
    {
        With(Subject.DefaultNu, d =>
        {
            using var scope = NewDisposeScope();
            var yHat = Tensors.FromDoubles(new[] { 0.0, 1.0, -2.0, 3.0, 4.0, 5.0, 6.0, 7.0 }, new long[] { 2, 4 });
            var yRisk = Tensors.FromDoubles(new[] { 1.0, 2.0, 0.5, 3.0 }, new long[] { 4 });
            using var g1 = new Generator(42);
            using var g2 = new Generator(42);
            var a = Tensors.ToDoubles(d.Sample((yHat, yRisk), g1));
            var b = Tensors.ToDoubles(d.Sample((yHat, yRisk), g2));
            Assert.That(b, Is.EqualTo(a));
            Assert.That(a.Distinct().Count(), Is.EqualTo(a.Length), "the draws are not all alike");
        });
    }

    [Test]
    public void Sample_DifferentSeeds_DifferentSamples()
    {
        With(Subject.DefaultNu, d =>
        {
            using var scope = NewDisposeScope();
            var yHat = Tensors.FromDoubles(new[] { 0.0, 1.0, -2.0, 3.0 }, new long[] { 4 });
            var yRisk = Tensors.FromDoubles(new[] { 1.0 }, new long[] { 1 });
            using var g1 = new Generator(42);
            using var g2 = new Generator(43);
            var a = Tensors.ToDoubles(d.Sample((yHat, yRisk), g1));
            var b = Tensors.ToDoubles(d.Sample((yHat, yRisk), g2));
            Assert.That(Enumerable.Range(0, 4).All(i => a[i] != b[i]), Is.True, $"{Fmt.Vector(a)} vs {Fmt.Vector(b)}");

            // Consecutive draws from one generator differ too (the generator advances).
            using var g3 = new Generator(42);
            var c1 = Tensors.ToDoubles(d.Sample((yHat, yRisk), g3));
            var c2 = Tensors.ToDoubles(d.Sample((yHat, yRisk), g3));
            Assert.That(c1, Is.EqualTo(a));
            Assert.That(Enumerable.Range(0, 4).All(i => c1[i] != c2[i]), Is.True);
        });
    }

    /// <summary>Float32 in → Float32 out on the inputs' device, yHat's shape; Float64 in → Float64.</summary>
    [TestCase(ScalarType.Float32)]
    [TestCase(ScalarType.Float64)]
    public void Sample_InputDtype_OutputFollowsDtypeDeviceAndYHatShape(ScalarType dtype)
    {
        With(Subject.DefaultNu, d =>
        {
            using var scope = NewDisposeScope();
            var yHat = zeros(new long[] { 3, 5 }, dtype);
            var yRisk = ones(new long[] { 5 }, dtype);
            using var generator = new Generator(3);
            var sample = d.Sample((yHat, yRisk), generator);
            Assert.That(sample.dtype, Is.EqualTo(dtype));
            Assert.That(sample.device_type, Is.EqualTo(yHat.device_type));
            Assert.That(sample.shape, Is.EqualTo(new long[] { 3, 5 }));
            Assert.That(sample.requires_grad, Is.False);
            Assert.That(Tensors.ToDoubles(sample).All(double.IsFinite), Is.True);
        });
    }

    /// <summary>Without a generator the global one is used: it works and gives finite values (Student-t passes null on).</summary>
    [Test]
    public void Sample_NoGenerator_ReturnsFiniteSample()
    {
        With(Subject.DefaultNu, d =>
        {
            using var scope = NewDisposeScope();
            var yHat = zeros(new long[] { 100 }, ScalarType.Float64);
            var yRisk = ones(new long[] { 100 }, ScalarType.Float64);
            Tensor? sample = null;
            Assert.DoesNotThrow(() => sample = d.Sample((yHat, yRisk)));
            Assert.That(sample!.shape, Is.EqualTo(new long[] { 100 }));
            Assert.That(Tensors.ToDoubles(sample).All(double.IsFinite), Is.True);
        });
    }

    /// <summary>Empty inputs give an empty sample, and every method copes with zero elements.</summary>
    [Test]
    public void AllMethods_EmptyInputs_EmptyResults()
    {
        With(Subject.DefaultNu, d =>
        {
            using var scope = NewDisposeScope();
            var e = zeros(new long[] { 0, 3 }, ScalarType.Float32);
            var s = ones(new long[] { 0, 3 }, ScalarType.Float32);
            using var generator = new Generator(1);
            Assert.That(d.Sample((e, s), generator).shape, Is.EqualTo(new long[] { 0, 3 }));
            Assert.That(d.LogProb(e, e, s).shape, Is.EqualTo(new long[] { 0, 3 }));
            Assert.That(d.Cdf(e, e, s).shape, Is.EqualTo(new long[] { 0, 3 }));
            Assert.That(d.LossFunction(e, e, s, Reduction.None).shape, Is.EqualTo(new long[] { 0, 3 }));
            Assert.That(d.LossFunction(e, e, s, Reduction.Sum).item<float>(), Is.EqualTo(0f));
            Assert.That(d.Interval(e, s, 0.9).Lower.shape, Is.EqualTo(new long[] { 0, 3 }));
        });
    }

    // ------------------------------------------------------------------------------------------------------------
    // Interval
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// The half-width over yRisk, on either side, is MathNet's (1 + c)/2 quantile of the standard distribution within
    /// 1e-9 relative (MathNet's Student-t quantile is a root of its CDF to 1e-12 absolute; recovering q from yHat ± s·q
    /// costs ≤ 1e-11 for |yHat| ≤ 40, s ≥ 1e-3).
    /// </summary>
    [TestCase(0.5)]
    [TestCase(0.8)]
    [TestCase(0.95)]
    [TestCase(0.99)]
    public void Interval_Coverage_HalfWidthIsMathNetQuantile(double coverage)
    {
        foreach (double nu in Subject.SampleNus)
        {
            With(nu, d =>
            {
                using var scope = NewDisposeScope();
                var hv = new[] { 1.5, -3.0, 0.0, 40.0 };
                var sv = new[] { 2.0, 0.5, 10.0, 1e-3 };
                var (lower, upper) = d.Interval(Tensors.FromDoubles(hv, new long[] { 4 }), Tensors.FromDoubles(sv, new long[] { 4 }), coverage);
                Assert.That(lower.shape, Is.EqualTo(new long[] { 4 }));
                Assert.That(upper.dtype, Is.EqualTo(ScalarType.Float64));
                double q = Subject.StandardQuantile(0.5 + 0.5 * coverage, Subject.EffectiveNu(d, ScalarType.Float64));
                var lo = Tensors.ToDoubles(lower);
                var up = Tensors.ToDoubles(upper);
                for (int i = 0; i < 4; i++)
                {
                    Assert.That((up[i] - hv[i]) / sv[i], Is.EqualTo(q).Within(1e-9 * q), $"nu = {Fmt.R(nu)}: upper half-width at {i}");
                    Assert.That((hv[i] - lo[i]) / sv[i], Is.EqualTo(q).Within(1e-9 * q), $"nu = {Fmt.R(nu)}: lower half-width at {i}");
                }
            });
        }
    }

    /// <summary>
    /// On 100k draws (yHat = 1.5, yRisk = 2) the fraction inside Interval(c) is within 4 standard errors √(c(1−c)/n) of
    /// c, for c ∈ {0.5, 0.8, 0.95, 0.99} (a correct interval fails with probability ~6e-5 per coverage).
    /// </summary>
    [Test]
    public void Interval_SampledValues_EmpiricalCoverageWithinFourStandardErrors()
    {
        foreach (double nu in Subject.SampleNus)
        {
            With(nu, d =>
            {
                using var scope = NewDisposeScope();
                using var generator = new Generator(8675309);
                var sample = Tensors.ToDoubles(d.Sample((full(new long[] { SampleCount }, 1.5, ScalarType.Float64), tensor(new[] { 2.0 })), generator));
                foreach (double c in new[] { 0.5, 0.8, 0.95, 0.99 })
                {
                    var (lower, upper) = d.Interval(tensor(1.5), tensor(2.0), c);
                    double lo = lower.item<double>();
                    double up = upper.item<double>();
                    double inside = sample.Count(v => v >= lo && v <= up) / (double)SampleCount;
                    double se = Math.Sqrt(c * (1 - c) / SampleCount);
                    Assert.That(inside, Is.EqualTo(c).Within(4 * se), $"nu = {Fmt.R(nu)}, coverage {Fmt.R(c)}: [{Fmt.R(lo)}, {Fmt.R(up)}]");
                }
            });
        }
    }

    /// <summary>Interval broadcasts yRisk (2) to yHat (3, 2), keeps Float32, and is symmetric about yHat.</summary>
    [Test]
    public void Interval_Float32BroadcastRisk_Float32YHatShapeSymmetric()
    {
        With(Subject.DefaultNu, d =>
        {
            using var scope = NewDisposeScope();
            var yHat = Tensors.FromDoubles(new[] { 0.0, 0.0, 1.0, 1.0, 2.0, 2.0 }, new long[] { 3, 2 }, ScalarType.Float32);
            var yRisk = Tensors.FromDoubles(new[] { 1.0, 2.0 }, new long[] { 2 }, ScalarType.Float32);
            var (lower, upper) = d.Interval(yHat, yRisk, 0.9);
            Assert.That(lower.dtype, Is.EqualTo(ScalarType.Float32));
            Assert.That(upper.shape, Is.EqualTo(new long[] { 3, 2 }));
            var lo = Tensors.ToDoubles(lower);
            var up = Tensors.ToDoubles(upper);
            double q = Subject.StandardQuantile(0.95, Subject.EffectiveNu(d, ScalarType.Float64));
            for (int i = 0; i < 3; i++)
            {
                for (int j = 0; j < 2; j++)
                {
                    double s = j + 1.0;
                    Assert.That(up[2 * i + j], Is.EqualTo(i + s * q).Within(1e-5 * (i + s * q)));
                    Assert.That(lo[2 * i + j], Is.EqualTo(i - s * q).Within(1e-5 * Math.Max(1, Math.Abs(i - s * q))));
                }
            }
        });
    }
}
