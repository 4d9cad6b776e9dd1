namespace UncertaintyLoss.Tests.SculptTests;

/// <summary><see cref="Sculpt.Normal"/>: yRisk is the standard deviation.</summary>
[TestFixture]
public sealed class NormalTests : DistributionTestsBase
{
    public NormalTests()
        : base(Family.Normal)
    {
    }

    [Test]
    public void Name_Always_IsNormal()
    {
        Assert.That(Sculpt.Normal.Name, Is.EqualTo("Normal"));
        Assert.That(Sculpt.Normal.ToString(), Is.EqualTo("Normal"));
    }

    /// <summary>ln p(0 | 0, 1) = −½ ln 2π; yRisk is σ, not σ²: ln p(2 | 0, 2) = −½ − ln 2 − ½ ln 2π.</summary>
    [Test]
    public void LogProb_KnownPoints_MatchClosedForm()
    {
        using var scope = NewDisposeScope();
        var lp = Tensors.ToDoubles(Sculpt.Normal.LogProb(tensor(new[] { 0.0, 2.0 }), tensor(new[] { 0.0, 0.0 }), tensor(new[] { 1.0, 2.0 })));
        double c = 0.5 * Math.Log(2 * Math.PI);
        Assert.That(lp[0], Is.EqualTo(-c).Within(1e-15));
        Assert.That(lp[1], Is.EqualTo(-0.5 - Math.Log(2) - c).Within(1e-15));
    }

    /// <summary>
    /// The lower tail keeps its relative accuracy (Φ(z) = ½erfc(−z/√2) has no cancellation): Float64 within 1e-10
    /// relative (plus the 8ε·z² sensitivity to z) for z down to −37, Float32 within 1e-5·(1 + 8·6e-8·z²/1e-5) down to −12.
    /// MathNet's erfc-based CDF is the reference.
    /// </summary>
    [TestCase(ScalarType.Float64, -3.0)]
    [TestCase(ScalarType.Float64, -5.0)]
    [TestCase(ScalarType.Float64, -8.0)]
    [TestCase(ScalarType.Float64, -10.0)]
    [TestCase(ScalarType.Float64, -20.0)]
    [TestCase(ScalarType.Float64, -37.0)]
    [TestCase(ScalarType.Float32, -3.0)]
    [TestCase(ScalarType.Float32, -5.0)]
    [TestCase(ScalarType.Float32, -8.0)]
    [TestCase(ScalarType.Float32, -12.0)]
    public void Cdf_LowerTail_RelativelyAccurate(ScalarType dtype, double z)
    {
        using var scope = NewDisposeScope();
        double expected = MathNet.Numerics.Distributions.Normal.CDF(0, 1, z);
        double actual = Tensors.ToDoubles(Sculpt.Normal.Cdf(tensor(new[] { z }, dtype), tensor(new[] { 0.0 }, dtype), tensor(1.0, dtype)))[0];
        double rtol = dtype == ScalarType.Float64 ? 1e-10 : 1e-5;
        double tolerance = expected * (rtol + 8 * SculptChecks.Epsilon(dtype) * z * z);
        Assert.That(actual, Is.EqualTo(expected).Within(tolerance), $"Phi({Fmt.R(z)}) in {dtype}: relative error {Fmt.R(Math.Abs(actual - expected) / expected)}");
    }
}

/// <summary><see cref="Sculpt.Laplace"/>: yRisk is the scale b.</summary>
[TestFixture]
public sealed class LaplaceTests : DistributionTestsBase
{
    public LaplaceTests()
        : base(Family.Laplace)
    {
    }

    [Test]
    public void Name_Always_IsLaplace() => Assert.That(Sculpt.Laplace.Name, Is.EqualTo("Laplace"));

    /// <summary>Both tails without cancellation: F(−40) = ½e^−40 relatively, 1 − F(40) = ½e^−40 (as far as doubles near 1 resolve).</summary>
    [Test]
    public void Cdf_FarTails_AccurateWithoutCancellation()
    {
        using var scope = NewDisposeScope();
        var f = Tensors.ToDoubles(Sculpt.Laplace.Cdf(tensor(new[] { -40.0, 40.0, -700.0 }), zeros(new long[] { 3 }, ScalarType.Float64), tensor(1.0)));
        Assert.That(f[0], Is.EqualTo(0.5 * Math.Exp(-40)).Within(1e-14 * 0.5 * Math.Exp(-40)));
        Assert.That(f[1], Is.EqualTo(1.0));
        Assert.That(f[2], Is.EqualTo(0.5 * Math.Exp(-700)).Within(1e-13 * 0.5 * Math.Exp(-700)));
    }

    /// <summary>
    /// The inverse-CDF sampler maps a uniform u ∈ [0, 1) through −sign(u − ½)·ln(1 − 2|u − ½|); torch.rand can return
    /// exactly 0 (probability 2⁻²⁴ per Float32 draw), which gives ln(0) = −∞. The test first checks that the 2²⁴
    /// uniforms of Generator(1) contain an exact 0 (they do: one), then draws the Laplace sample with the same seed —
    /// the sampler's single rand call sees the same uniforms. A correct sampler never returns an infinite value.
    /// </summary>
    [Test]
    public void Sample_Float32UniformExactlyZero_SampleStillFinite()
    {
        using var scope = NewDisposeScope();
        const long n = 1L << 24;
        using (var probe = new Generator(1))
            Assume.That((rand(new long[] { n }, ScalarType.Float32, generator: probe) == 0).any().item<bool>(), Is.True, "precondition: an exact 0 among the uniforms");
        using var generator = new Generator(1);
        var sample = Sculpt.Laplace.Sample((zeros(new long[] { n }, ScalarType.Float32), ones(new long[] { 1 }, ScalarType.Float32)), generator);
        long infinite = sample.isinf().sum().item<long>();
        Assert.That(infinite, Is.EqualTo(0), "Laplace samples must be finite.");
    }
}

/// <summary><see cref="Sculpt.Cauchy"/>: yRisk is the half-width at half-maximum.</summary>
[TestFixture]
public sealed class CauchyTests : DistributionTestsBase
{
    public CauchyTests()
        : base(Family.Cauchy)
    {
    }

    [Test]
    public void Name_Always_IsCauchy() => Assert.That(Sculpt.Cauchy.Name, Is.EqualTo("Cauchy"));

    /// <summary>yRisk is the half-width at half-maximum: F(yHat ± yRisk) = ½ ± ¼.</summary>
    [Test]
    public void Cdf_OneScaleFromLocation_IsQuarterFromHalf()
    {
        using var scope = NewDisposeScope();
        var f = Tensors.ToDoubles(Sculpt.Cauchy.Cdf(tensor(new[] { -1.0, 5.0 }), tensor(new[] { 2.0, 2.0 }), tensor(3.0)));
        Assert.That(f[0], Is.EqualTo(0.25).Within(1e-15));
        Assert.That(f[1], Is.EqualTo(0.75).Within(1e-15));
    }

    /// <summary>
    /// Float32 lower tail: F(z) ≈ 1/(π|z|) is representable to 6e-8 relative, but ½ + atan(z)/π cancels to the ulp of ½
    /// (3e-8 absolute), i.e. 1e-4 relative at z = −1000. Expected within 1e-5 relative of MathNet (double, accurate to
    /// ~1e-13 here).
    /// </summary>
    [TestCase(-100.0)]
    [TestCase(-1000.0)]
    [TestCase(-30000.0)]
    public void Cdf_Float32LowerTail_RelativelyAccurate(double z)
    {
        using var scope = NewDisposeScope();
        double expected = MathNet.Numerics.Distributions.Cauchy.CDF(0, 1, z);
        double actual = Tensors.ToDoubles(Sculpt.Cauchy.Cdf(tensor(new[] { (float)z }), tensor(new[] { 0f }), tensor(1f)))[0];
        Assert.That(actual, Is.EqualTo(expected).Within(1e-5 * expected), $"relative error {Fmt.R(Math.Abs(actual - expected) / expected)}");
    }
}

/// <summary><see cref="Sculpt.StudentT"/> with a fixed ν (random ν ∈ [0.5, 100] in the property tests; ν ∈ {1.5, 4, 30} for sampling).</summary>
[TestFixture]
public sealed class StudentTTests : DistributionTestsBase
{
    public StudentTTests()
        : base(Family.StudentT)
    {
    }

    [Test]
    public void Name_FixedNu_ShowsNuRoundTrip()
    {
        Assert.That(Sculpt.StudentT(4).Name, Is.EqualTo("StudentT(nu=4)"));
        Assert.That(Sculpt.StudentT(2.5).Name, Is.EqualTo("StudentT(nu=2.5)"));
        Assert.That(Sculpt.StudentT(0.1).ToString(), Is.EqualTo("StudentT(nu=0.1)"));
    }

    [Test]
    public void Nu_Fixed_IsExactlyTheArgumentAndNoParameter()
    {
        var d = Sculpt.StudentT(3.7);
        Assert.That(d.Nu, Is.EqualTo(3.7));
        Assert.That(d.RawNu, Is.Null);
    }

    /// <summary>ν = 1 is Cauchy: LogProb, Cdf and Interval agree with Sculpt.Cauchy.</summary>
    [Test]
    public void AllMethods_NuOne_EqualCauchy()
    {
        using var scope = NewDisposeScope();
        var y = tensor(new[] { -30.0, -1.0, 0.0, 0.3, 2.0, 100.0 });
        var yHat = full(new long[] { 6 }, 0.5, ScalarType.Float64);
        var yRisk = tensor(new[] { 1.5 });
        var t = Sculpt.StudentT(1);
        Assert.That(Tensors.ToDoubles(t.LogProb(y, yHat, yRisk)), Is.EqualTo(Tensors.ToDoubles(Sculpt.Cauchy.LogProb(y, yHat, yRisk))).Within(1e-12));
        Assert.That(Tensors.ToDoubles(t.Cdf(y, yHat, yRisk)), Is.EqualTo(Tensors.ToDoubles(Sculpt.Cauchy.Cdf(y, yHat, yRisk))).Within(1e-13));
        Assert.That(Tensors.ToDoubles(t.Interval(yHat, yRisk, 0.9).Upper), Is.EqualTo(Tensors.ToDoubles(Sculpt.Cauchy.Interval(yHat, yRisk, 0.9).Upper)).Within(1e-12));
    }

    /// <summary>Student-t's host-side Cdf keeps the input dtype (Float32 in, Float32 out) and handles NaN.</summary>
    [Test]
    public void Cdf_Float32WithNaN_Float32WithNaNPropagated()
    {
        using var scope = NewDisposeScope();
        var cdf = Sculpt.StudentT(3).Cdf(tensor(new[] { float.NaN, 0f, 1f }), zeros(new long[] { 3 }, ScalarType.Float32), tensor(1f));
        Assert.That(cdf.dtype, Is.EqualTo(ScalarType.Float32));
        var v = Tensors.ToDoubles(cdf);
        Assert.That(double.IsNaN(v[0]), Is.True);
        Assert.That(v[1], Is.EqualTo(0.5));
        Assert.That(v[2], Is.EqualTo(MathNet.Numerics.Distributions.StudentT.CDF(0, 1, 3, 1)).Within(1e-7));
    }

    /// <summary>
    /// Cdf of empty inputs is empty, as for the other families: the host-side path must cope with 0 elements, of rank 1
    /// and of higher rank (TorchSharp's data accessor fails on an empty (0, 3) tensor).
    /// </summary>
    [TestCase(new long[] { 0 })]
    [TestCase(new long[] { 0, 3 })]
    [TestCase(new long[] { 2, 0, 4 })]
    public void Cdf_EmptyInputs_EmptyResult(long[] shape)
    {
        using var scope = NewDisposeScope();
        var e = zeros(shape, ScalarType.Float64);
        Tensor? cdf = null;
        Assert.DoesNotThrow(() => cdf = Sculpt.StudentT(3).Cdf(e, e, ones(new long[] { 1 }, ScalarType.Float64)));
        Assert.That(cdf!.shape, Is.EqualTo(shape));
    }
}

/// <summary><see cref="Sculpt.LearnedStudentT"/>: ν = softplus(RawNu) + 1e-3 with RawNu a Float32 parameter.</summary>
[TestFixture]
public sealed class LearnedStudentTTests : DistributionTestsBase
{
    public LearnedStudentTTests()
        : base(Family.LearnedStudentT)
    {
    }

    [Test]
    public void Name_Learned_SaysLearned()
    {
        var d = Sculpt.LearnedStudentT();
        try
        {
            Assert.That(d.Name, Is.EqualTo("StudentT(learned nu)"));
        }
        finally
        {
            d.RawNu!.Dispose();
        }
    }

    /// <summary>
    /// Nu starts at initialNu (within the Float32 rounding of RawNu: ≤ 1e-6 relative) and equals softplus(RawNu) + 1e-3
    /// computed here in double (1e-12); RawNu is a Float32 leaf that requires grad. Default initialNu is 4.
    /// </summary>
    [TestCase(4.0)]
    [TestCase(0.01)]
    [TestCase(0.5)]
    [TestCase(30.0)]
    [TestCase(100.0)]
    [TestCase(1e4)]
    public void Nu_Initial_IsInitialNuAndSoftplusOfRawNu(double initialNu)
    {
        var d = Sculpt.LearnedStudentT(initialNu);
        try
        {
            var raw = d.RawNu!;
            Assert.That(raw.requires_grad, Is.True);
            Assert.That(raw.dtype, Is.EqualTo(ScalarType.Float32));
            Assert.That(raw.numel(), Is.EqualTo(1));
            Assert.That(d.Nu, Is.EqualTo(initialNu).Within(1e-6 * initialNu));
            Assert.That(d.Nu, Is.EqualTo(SculptChecks.Softplus(raw.ToSingle()) + 1e-3).Within(1e-12 * initialNu));
        }
        finally
        {
            d.RawNu!.Dispose();
        }
    }

    [Test]
    public void Nu_Default_IsFour()
    {
        var d = Sculpt.LearnedStudentT();
        try
        {
            Assert.That(d.Nu, Is.EqualTo(4.0).Within(1e-6));
        }
        finally
        {
            d.RawNu!.Dispose();
        }
    }

    /// <summary>An optimizer step on RawNu moves ν, and LogProb uses the new ν (MathNet at softplus(raw) + 1e-3).</summary>
    [Test]
    public void LogProb_AfterRawNuUpdate_UsesNewNu()
    {
        var d = Sculpt.LearnedStudentT(3);
        try
        {
            using var scope = NewDisposeScope();
            using (no_grad())
                d.RawNu!.add_(1.25);
            double nu = SculptChecks.Softplus(d.RawNu!.ToSingle()) + 1e-3;
            Assert.That(d.Nu, Is.EqualTo(nu).Within(1e-12 * nu));
            Assert.That(nu, Is.GreaterThan(4));
            var lp = Tensors.ToDoubles(d.LogProb(tensor(new[] { 0.0, 3.0, -8.0 }), full(new long[] { 3 }, 1.0, ScalarType.Float64), tensor(2.0)));
            var expected = new[] { 0.0, 3.0, -8.0 }.Select(y => new MathNet.Numerics.Distributions.StudentT(1.0, 2.0, nu).DensityLn(y)).ToArray();
            Assert.That(lp, Is.EqualTo(expected).Within(1e-10));
            double cdf = d.Cdf(tensor(new[] { 3.0 }), tensor(new[] { 1.0 }), tensor(2.0)).item<double>();
            Assert.That(cdf, Is.EqualTo(MathNet.Numerics.Distributions.StudentT.CDF(1.0, 2.0, nu, 3.0)).Within(1e-12));
        }
        finally
        {
            d.RawNu!.Dispose();
        }
    }

    /// <summary>LossFunction gives RawNu a gradient (ν learns through the NLL), in RawNu's dtype.</summary>
    [Test]
    public void LossFunction_Backward_ReachesRawNu()
    {
        var d = Sculpt.LearnedStudentT(6);
        try
        {
            using var scope = NewDisposeScope();
            d.LossFunction(tensor(new[] { 0.0, 9.0, -12.0 }), full(new long[] { 3 }, 0.5, ScalarType.Float64), tensor(1.0), Reduction.Sum).backward();
            Assert.That(d.RawNu!.grad, Is.Not.Null);
            Assert.That(d.RawNu!.grad!.dtype, Is.EqualTo(ScalarType.Float32));
            Assert.That(d.RawNu!.grad!.ToSingle(), Is.Not.EqualTo(0f));
        }
        finally
        {
            d.RawNu!.Dispose();
        }
    }
}
