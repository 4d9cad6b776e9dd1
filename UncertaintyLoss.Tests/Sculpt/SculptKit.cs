using MnCauchy = MathNet.Numerics.Distributions.Cauchy;
using MnLaplace = MathNet.Numerics.Distributions.Laplace;
using MnNormal = MathNet.Numerics.Distributions.Normal;
using MnStudentT = MathNet.Numerics.Distributions.StudentT;
using SculptApi = UncertaintyLoss.Sculpt;

namespace UncertaintyLoss.Tests.SculptTests;

/// <summary>The five Sculpt distributions under test.</summary>
public enum Family
{
    Normal,
    Laplace,
    Cauchy,
    StudentT,
    LearnedStudentT,
}

/// <summary>
/// One distribution family with its MathNet reference (log-density, CDF, quantile, standard density) and the magnitude of
/// the terms of its log-density (what Float32 rounding errors scale with).
/// </summary>
public sealed class Subject
{
    public Subject(Family family) => Family = family;

    public Family Family { get; }

    public bool HasNu => Family is Family.StudentT or Family.LearnedStudentT;

    /// <summary>ν for the fixed-parameter tests (sampling, intervals); NaN when the family has none.</summary>
    public double DefaultNu => Family switch
    {
        Family.StudentT => 4.0,
        Family.LearnedStudentT => 2.5,
        _ => double.NaN,
    };

    /// <summary>The ν values the 100k-sample tests run with.</summary>
    public double[] SampleNus => Family switch
    {
        Family.StudentT => new[] { 1.5, 4.0, 30.0 },
        Family.LearnedStudentT => new[] { 2.5 },
        _ => new[] { double.NaN },
    };

    /// <summary>A new distribution (a learned Student-t owns its RawNu: dispose it with <see cref="Release"/>).</summary>
    public ISculptDistribution Create(double nu) => Family switch
    {
        Family.Normal => SculptApi.Normal,
        Family.Laplace => SculptApi.Laplace,
        Family.Cauchy => SculptApi.Cauchy,
        Family.StudentT => SculptApi.StudentT(nu),
        Family.LearnedStudentT => SculptApi.LearnedStudentT(nu),
        _ => throw new ArgumentOutOfRangeException(nameof(nu)),
    };

    public static void Release(ISculptDistribution d)
    {
        if (d is StudentTDistribution { RawNu: { } raw })
            raw.Dispose();
    }

    /// <summary>
    /// The ν the library computes with in <paramref name="dtype"/>: a fixed ν is put in a tensor of that dtype (so
    /// Float32 rounds it), a learned one is softplus(RawNu) + 1e-3 evaluated in that dtype.
    /// </summary>
    public static double EffectiveNu(ISculptDistribution d, ScalarType dtype)
    {
        if (d is not StudentTDistribution t)
            return double.NaN;
        return dtype == ScalarType.Float64 ? t.Nu : (float)t.Nu;
    }

    /// <summary>MathNet's ln p(y | μ = yHat, scale = s).</summary>
    public double LogDensity(double y, double mu, double s, double nu) => Family switch
    {
        Family.Normal => new MnNormal(mu, s).DensityLn(y),
        Family.Laplace => new MnLaplace(mu, s).DensityLn(y),
        Family.Cauchy => new MnCauchy(mu, s).DensityLn(y),
        _ => new MnStudentT(mu, s, nu).DensityLn(y),
    };

    /// <summary>
    /// P(Y ≤ y) from MathNet, where MathNet's value is accurate to ~1e-13 relative. MathNet's Laplace CDF is
    /// ½(1 + sign·(1 − e^{−|z|})), which cancels below the location (it returns 0 for z &lt; −37); there the exact identity
    /// F(y) = ½e^{z} = b·p(y) gives the CDF from MathNet's density instead, without cancellation.
    /// </summary>
    public double Cdf(double y, double mu, double s, double nu) => Family switch
    {
        Family.Normal => new MnNormal(mu, s).CumulativeDistribution(y),
        Family.Laplace => y < mu ? s * Math.Exp(new MnLaplace(mu, s).DensityLn(y)) : new MnLaplace(mu, s).CumulativeDistribution(y),
        Family.Cauchy => new MnCauchy(mu, s).CumulativeDistribution(y),
        _ => new MnStudentT(mu, s, nu).CumulativeDistribution(y),
    };

    /// <summary>Density of the standard distribution at z (how the CDF reacts to an error in z).</summary>
    public double StandardDensity(double z, double nu) => Family switch
    {
        Family.Normal => MnNormal.PDF(0, 1, z),
        Family.Laplace => MnLaplace.PDF(0, 1, z),
        Family.Cauchy => MnCauchy.PDF(0, 1, z),
        _ => MnStudentT.PDF(0, 1, nu, z),
    };

    /// <summary>The p-quantile of the standard distribution (MathNet's InverseCumulativeDistribution; for Laplace a root of MathNet's CDF).</summary>
    public double StandardQuantile(double p, double nu) => Family switch
    {
        Family.Normal => new MnNormal(0, 1).InverseCumulativeDistribution(p),
        // MathNet's Laplace has no inverse CDF: solve MathNet's CDF for p with MathNet's Brent root finder instead.
        Family.Laplace => MathNet.Numerics.RootFinding.Brent.FindRoot(x => MnLaplace.CDF(0, 1, x) - p, -60, 60, 1e-15, 200),
        Family.Cauchy => new MnCauchy(0, 1).InverseCumulativeDistribution(p),
        _ => new MnStudentT(0, 1, nu).InverseCumulativeDistribution(p),
    };

    /// <summary>Σ|terms| of ln p: the size of what rounding errors scale with (≥ |ln p|).</summary>
    public double LogDensityMagnitude(double y, double mu, double s, double nu)
    {
        double z = (y - mu) / s;
        double logS = Math.Abs(Math.Log(s));
        return Family switch
        {
            Family.Normal => 0.5 * z * z + logS + 0.92,
            Family.Laplace => Math.Abs(z) + logS + 0.7,
            Family.Cauchy => Math.Log(1 + z * z) + logS + 1.15,
            _ => Math.Abs(MathNet.Numerics.SpecialFunctions.GammaLn((nu + 1) / 2)) + Math.Abs(MathNet.Numerics.SpecialFunctions.GammaLn(nu / 2))
                 + Math.Abs(0.5 * Math.Log(nu * Math.PI)) + logS + (nu + 1) / 2 * Math.Log(1 + z * z / nu),
        };
    }

    public override string ToString() => Family.ToString();
}

/// <summary>PyTorch broadcasting of row-major arrays, for the references.</summary>
public static class Broadcasting
{
    public static long[] Shape(params long[][] shapes)
    {
        int rank = shapes.Max(s => s.Length);
        var result = Enumerable.Repeat(1L, rank).ToArray();
        foreach (var s in shapes)
        {
            for (int i = 0; i < s.Length; i++)
            {
                int j = rank - s.Length + i;
                if (s[i] != 1)
                {
                    if (result[j] != 1 && result[j] != s[i])
                        throw new ArgumentException("Shapes do not broadcast.");
                    result[j] = s[i];
                }
            }
        }

        return result;
    }

    public static long Numel(long[] shape) => shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>For each row-major position of <paramref name="outShape"/>, the row-major position in <paramref name="inShape"/>.</summary>
    public static int[] Sources(long[] outShape, long[] inShape)
    {
        long n = Numel(outShape);
        var result = new int[n];
        int rank = outShape.Length;
        for (long flat = 0; flat < n; flat++)
        {
            long rest = flat;
            long index = 0;
            long stride = 1;
            for (int d = rank - 1; d >= 0; d--)
            {
                long coordinate = rest % outShape[d];
                rest /= outShape[d];
                int k = d - (rank - inShape.Length);
                if (k >= 0)
                {
                    if (inShape[k] != 1)
                        index += coordinate * stride;
                    stride *= inShape[k];
                }
            }

            result[flat] = (int)index;
        }

        return result;
    }
}

/// <summary>A generated input: y, yHat, yRisk (each with its own broadcastable shape), ν, dtype and reduction.</summary>
public sealed class SculptCase
{
    public SculptCase(long[] yShape, double[] y, long[] hatShape, double[] hat, long[] riskShape, double[] risk, double nu, ScalarType dtype, Reduction reduction)
    {
        bool single = dtype == ScalarType.Float32;
        YShape = yShape;
        Y = single ? Tensors.RoundToSingle(y) : y;
        HatShape = hatShape;
        Hat = single ? Tensors.RoundToSingle(hat) : hat;
        RiskShape = riskShape;
        Risk = single ? Tensors.RoundToSingle(risk) : risk;
        Nu = nu;
        Dtype = dtype;
        Reduction = reduction;
        OutShape = Broadcasting.Shape(yShape, hatShape, riskShape);
        YSource = Broadcasting.Sources(OutShape, yShape);
        HatSource = Broadcasting.Sources(OutShape, hatShape);
        RiskSource = Broadcasting.Sources(OutShape, riskShape);
    }

    public long[] YShape { get; }

    public double[] Y { get; }

    public long[] HatShape { get; }

    public double[] Hat { get; }

    public long[] RiskShape { get; }

    public double[] Risk { get; }

    /// <summary>ν to construct a Student-t with (ignored by the other families).</summary>
    public double Nu { get; }

    public ScalarType Dtype { get; }

    public Reduction Reduction { get; }

    public long[] OutShape { get; }

    public int[] YSource { get; }

    public int[] HatSource { get; }

    public int[] RiskSource { get; }

    public int Count => YSource.Length;

    /// <summary>The (y, yHat, yRisk) of output position <paramref name="i"/>.</summary>
    public (double Y, double Hat, double Risk) At(int i) => (Y[YSource[i]], Hat[HatSource[i]], Risk[RiskSource[i]]);

    public (Tensor Y, Tensor YHat, Tensor YRisk) Tensors3(bool requiresGrad = false) =>
        (Tensors.FromDoubles(Y, YShape, Dtype),
         Tensors.FromDoubles(Hat, HatShape, Dtype).requires_grad_(requiresGrad),
         Tensors.FromDoubles(Risk, RiskShape, Dtype).requires_grad_(requiresGrad));

    public override string ToString() => Inv(
        $"{Dtype} {Reduction} nu={Fmt.R(Nu)} y{Fmt.Shape(YShape)}={Fmt.Vector(Y)} yHat{Fmt.Shape(HatShape)}={Fmt.Vector(Hat)} yRisk{Fmt.Shape(RiskShape)}={Fmt.Vector(Risk)}");

    private static string Inv(FormattableString s) => FormattableString.Invariant(s);
}

/// <summary>Round-trip formatting for failure messages.</summary>
public static class Fmt
{
    public static string R(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    public static string Vector(IEnumerable<double> v) => "[" + string.Join(", ", v.Select(R)) + "]";

    public static string Shape(long[] s) => "(" + string.Join(",", s.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";
}

/// <summary>Generators of <see cref="SculptCase"/> (FsCheck).</summary>
public static class SculptGens
{
    private const int UnitSteps = 1 << 30;

    public static Gen<double> Unit { get; } = Gen.Choose(0, UnitSteps).Select(i => i / (double)UnitSteps);

    public static Gen<double> Uniform(double lo, double hi) => Unit.Select(u => lo + (hi - lo) * u);

    public static Gen<double> LogUniform(double lo, double hi) => Unit.Select(u => Math.Exp(Math.Log(lo) + (Math.Log(hi) - Math.Log(lo)) * u));

    public static Gen<double> Signed(Gen<double> magnitude) =>
        from m in magnitude
        from negative in Gen.Elements(false, true)
        select negative ? -m : m;

    /// <summary>yRisk in [1e-3, 1e3], log-uniform.</summary>
    public static Gen<double> Risk { get; } = LogUniform(1e-3, 1e3);

    /// <summary>y and yHat in [−50, 50].</summary>
    public static Gen<double> Location { get; } = Uniform(-50, 50);

    /// <summary>ν in [0.5, 100], log-uniform.</summary>
    public static Gen<double> Nu { get; } = LogUniform(0.5, 100);

    /// <summary>Standardised offsets for y = yHat + yRisk·t: the bulk, the tails, and tiny offsets.</summary>
    public static Gen<double> Offset { get; } = Gen.Frequency(
        (4, Uniform(-6, 6)),
        (3, Signed(Uniform(6, 40))),
        (2, Signed(LogUniform(1e-6, 1e5))));

    /// <summary>Broadcast patterns (y, yHat, yRisk shapes) of up to 36 elements; y and yRisk never enlarge yHat's shape (the shape rule).</summary>
    private static Gen<(long[] Y, long[] Hat, long[] Risk)> Shapes { get; } =
        from n in Gen.Choose(1, 6)
        from m in Gen.Choose(1, 6)
        from pattern in Gen.Choose(0, 4)
        select pattern switch
        {
            0 => (new long[] { n }, new long[] { n }, new long[] { n }),
            1 => (new long[] { n, 1 }, new long[] { n, m }, new long[] { 1 }),
            2 => (new long[] { m }, new long[] { n, m }, new long[] { n, 1 }),
            3 => (Array.Empty<long>(), new long[] { n }, new long[] { n }),
            _ => (new long[] { n, m }, new long[] { n, m }, new long[] { n, m }),
        };

    /// <summary>
    /// Inputs for the value tests: y and yHat in [−50, 50], yRisk in [1e-3, 1e3], ν in [0.5, 100]. Where the three
    /// share a shape, half the time y = yHat + yRisk·t (clamped to [−50, 50]) so that moderate and far tails, and
    /// y ≈ yHat, all appear; otherwise y is uniform.
    /// </summary>
    public static Gen<SculptCase> Values(Gen<ScalarType> dtypes, Gen<Reduction> reductions) =>
        from shapes in Shapes
        from hat in Gen.ArrayOf(Location, (int)Broadcasting.Numel(shapes.Hat))
        from risk in Gen.ArrayOf(Risk, (int)Broadcasting.Numel(shapes.Risk))
        from uniformY in Gen.ArrayOf(Location, (int)Broadcasting.Numel(shapes.Y))
        from offsets in Gen.ArrayOf(Offset, (int)Broadcasting.Numel(shapes.Y))
        from useOffsets in Gen.Elements(false, true)
        from nu in Nu
        from dtype in dtypes
        from reduction in reductions
        let sameShape = shapes.Y.SequenceEqual(shapes.Hat) && shapes.Y.SequenceEqual(shapes.Risk)
        let y = sameShape && useOffsets
            ? offsets.Select((t, i) => Math.Clamp(hat[i] + risk[i] * t, -50, 50)).ToArray()
            : uniformY
        select new SculptCase(shapes.Y, y, shapes.Hat, hat, shapes.Risk, risk, nu, dtype, reduction);

    /// <summary>
    /// Inputs for the gradient tests (Float64): y has the broadcast shape and y = yHat + yRisk·t with |t| in [0.1, 30]
    /// (moved towards yHat where that would leave [−50, 50]; |yHat| ≤ 40 leaves at least 10 of room), so that no element
    /// sits near Laplace's kink at y = yHat. yRisk in [1e-3, 1e3]. Patterns broadcast yRisk, so that its gradient
    /// accumulates over several elements (yHat has the full shape: the shape rule).
    /// </summary>
    public static Gen<SculptCase> Gradients { get; } =
        from n in Gen.Choose(1, 5)
        from m in Gen.Choose(1, 4)
        from pattern in Gen.Choose(0, 3)
        let shapes = pattern switch
        {
            0 => (Y: new long[] { n }, Hat: new long[] { n }, Risk: new long[] { n }),
            1 => (Y: new long[] { n, m }, Hat: new long[] { n, m }, Risk: new long[] { 1 }),
            2 => (Y: new long[] { n, m }, Hat: new long[] { n, m }, Risk: new long[] { n, 1 }),
            _ => (Y: new long[] { n, m }, Hat: new long[] { n, m }, Risk: new long[] { m }),
        }
        from hat in Gen.ArrayOf(Uniform(-40, 40), (int)Broadcasting.Numel(shapes.Hat))
        from risk in Gen.ArrayOf(Risk, (int)Broadcasting.Numel(shapes.Risk))
        from t in Gen.ArrayOf(Signed(Gen.Frequency((3, Uniform(0.1, 5)), (1, Uniform(5, 30)))), (int)Broadcasting.Numel(shapes.Y))
        from nu in Nu
        from reduction in Gen.Elements(Reduction.Mean, Reduction.Sum)
        let hs = Broadcasting.Sources(shapes.Y, shapes.Hat)
        let rs = Broadcasting.Sources(shapes.Y, shapes.Risk)
        let y = t.Select((ti, i) => OffsetFrom(hat[hs[i]], risk[rs[i]], ti)).ToArray()
        select new SculptCase(shapes.Y, y, shapes.Hat, hat, shapes.Risk, risk, nu, ScalarType.Float64, reduction);

    private static double OffsetFrom(double hat, double s, double t)
    {
        double room = t > 0 ? 50 - hat : hat + 50;
        return hat + Math.Sign(t) * Math.Min(Math.Abs(t) * s, room);
    }
}

/// <summary>Shared checks and utilities.</summary>
public static class SculptChecks
{
    public static long Live => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    /// <summary>Unit roundoff of the dtype the library computes in.</summary>
    public static double Epsilon(ScalarType dtype) => dtype == ScalarType.Float32 ? 5.96e-8 : 1.11e-16;

    /// <summary>Kolmogorov–Smirnov statistic D = sup |F_n − F| of the samples against <paramref name="cdf"/>.</summary>
    public static double KolmogorovSmirnov(double[] samples, Func<double, double> cdf)
    {
        var sorted = (double[])samples.Clone();
        Array.Sort(sorted);
        int n = sorted.Length;
        double d = 0;
        for (int i = 0; i < n; i++)
        {
            double f = cdf(sorted[i]);
            d = Math.Max(d, Math.Max(f - (double)i / n, (double)(i + 1) / n - f));
        }

        return d;
    }

    /// <summary>ln(1 + eˣ) without overflow or loss for large |x|.</summary>
    public static double Softplus(double x) => x > 0 ? x + Log1p(Math.Exp(-x)) : Log1p(Math.Exp(x));

    /// <summary>ln(1 + u), accurate for small u (Goldberg: u·ln(1+u)/((1+u) − 1) cancels the rounding of 1 + u).</summary>
    public static double Log1p(double u)
    {
        double w = 1 + u;
        return w == 1 ? u : Math.Log(w) * u / (w - 1);
    }

    public static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));
}
