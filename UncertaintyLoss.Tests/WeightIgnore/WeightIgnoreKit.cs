namespace UncertaintyLoss.Tests.WeightIgnoreKit;

/// <summary>A classification loss called with the new trailing arguments: (evidence, target, reduction, weight, ignoreIndex).</summary>
public delegate Tensor WeightedCall(Tensor evidence, Tensor target, Reduction reduction, Tensor? weight, long ignoreIndex);

/// <summary>The same loss called as before, without <c>weight</c> and <c>ignoreIndex</c>.</summary>
public delegate Tensor CoreCall(Tensor evidence, Tensor target, Reduction reduction);

/// <summary>A loss under test, its Core form, and its double-precision reference at one position.</summary>
public sealed class WeightedLoss
{
    public WeightedLoss(string name, WeightedCall call, CoreCall core, Func<double[], int, double> reference, Func<double[], int, double>? magnitude)
    {
        Name = name;
        Call = call;
        Core = core;
        Reference = reference;
        Magnitude = magnitude;
    }

    public string Name { get; }

    public WeightedCall Call { get; }

    public CoreCall Core { get; }

    /// <summary>Reference loss l(e, c) at one position with true class c.</summary>
    public Func<double[], int, double> Reference { get; }

    /// <summary>Size of the terms that cancel in the reference (null: |l| itself).</summary>
    public Func<double[], int, double>? Magnitude { get; }

    public override string ToString() => Name;
}

/// <summary>The six classification losses, with their references written from the papers (<see cref="DirichletReference"/>).</summary>
public static class WeightedLosses
{
    private static string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    private static double Mse(double[] e, int c) => DirichletReference.DirichletMse(e, DirichletReference.OneHot(c, e.Length));

    private static double Kl(double[] e, int c) => DirichletReference.UniformDirichletKl(e, DirichletReference.OneHot(c, e.Length));

    private static double KlMagnitude(double[] e, int c) => DirichletReference.UniformDirichletKlMagnitude(e, DirichletReference.OneHot(c, e.Length));

    private static double FisherMagnitude(double[] e, int c, bool paper) => DirichletReference.FisherMagnitude(e, DirichletReference.OneHot(c, e.Length), paper);

    public static WeightedLoss Evidential(double regFactor) => new(
        $"EvidentialLoss{{regFactor={F(regFactor)}}}",
        (e, t, r, w, i) => UL.EvidentialLoss(e, t, regFactor, r, w, i),
        (e, t, r) => UL.EvidentialLoss(e, t, regFactor, r),
        (e, c) => Mse(e, c) + (regFactor > 0 ? regFactor * Kl(e, c) : 0.0),
        (e, c) => Math.Abs(Mse(e, c)) + (regFactor > 0 ? regFactor * KlMagnitude(e, c) : 0.0));

    public static WeightedLoss DirichletMse() => new(
        "DirichletMseLoss",
        (e, t, r, w, i) => UL.DirichletMseLoss(e, t, r, w, i),
        (e, t, r) => UL.DirichletMseLoss(e, t, r),
        Mse,
        null);

    public static WeightedLoss UniformKl() => new(
        "UniformDirichletKl",
        (e, t, r, w, i) => UL.UniformDirichletKl(e, t, r, w, i),
        (e, t, r) => UL.UniformDirichletKl(e, t, r),
        Kl,
        KlMagnitude);

    public static WeightedLoss MaxNorm(double regFactor, int pNorm, FisherAlphaSum alphaSum)
    {
        bool paper = alphaSum == FisherAlphaSum.ExcludingTrueClass;
        return new WeightedLoss(
            $"MaxNormLoss{{regFactor={F(regFactor)},pNorm={pNorm},{alphaSum}}}",
            (e, t, r, w, i) => UL.MaxNormLoss(e, t, regFactor, pNorm, r, alphaSum, w, i),
            (e, t, r) => UL.MaxNormLoss(e, t, regFactor, pNorm, r, alphaSum),
            (e, c) => DirichletReference.DirichletPNorm(e, c, pNorm) + (regFactor > 0 ? regFactor * DirichletReference.FisherRegularizer(e, c, paper) : 0.0),
            (e, c) => DirichletReference.DirichletPNorm(e, c, pNorm) + (regFactor > 0 ? regFactor * FisherMagnitude(e, c, paper) : 0.0));
    }

    public static WeightedLoss PNorm(int pNorm) => new(
        $"DirichletPNormLoss{{pNorm={pNorm}}}",
        (e, t, r, w, i) => UL.DirichletPNormLoss(e, t, pNorm, r, w, i),
        (e, t, r) => UL.DirichletPNormLoss(e, t, pNorm, r),
        (e, c) => DirichletReference.DirichletPNorm(e, c, pNorm),
        null);

    public static WeightedLoss Fisher(FisherAlphaSum alphaSum)
    {
        bool paper = alphaSum == FisherAlphaSum.ExcludingTrueClass;
        return new WeightedLoss(
            $"DirichletFisherRegularizer{{{alphaSum}}}",
            (e, t, r, w, i) => UL.DirichletFisherRegularizer(e, t, r, alphaSum, w, i),
            (e, t, r) => UL.DirichletFisherRegularizer(e, t, r, alphaSum),
            (e, c) => DirichletReference.FisherRegularizer(e, c, paper),
            (e, c) => FisherMagnitude(e, c, paper));
    }
}

/// <summary>
/// One input: evidence (N, C, d…), class-index target (N, d…) holding classes or the ignore index, optional per-class
/// weights. Float32 evidence and weights are already rounded to single precision, so the reference sees what the
/// tensors hold.
/// </summary>
public sealed class WeightIgnoreCase
{
    public WeightIgnoreCase(string label, long[] shape, double[] evidence, ScalarType dtype, long[] target, double[]? weight, ScalarType weightDtype, long ignoreIndex)
    {
        Label = label;
        Shape = shape;
        Dtype = dtype;
        Evidence = dtype == ScalarType.Float32 ? Tensors.RoundToSingle(evidence) : evidence;
        Target = target;
        WeightDtype = weightDtype;
        Weight = weight is null ? null : weightDtype == ScalarType.Float32 ? Tensors.RoundToSingle(weight) : weight;
        IgnoreIndex = ignoreIndex;
    }

    public string Label { get; }

    public long[] Shape { get; }

    public double[] Evidence { get; }

    public ScalarType Dtype { get; }

    public long[] Target { get; }

    /// <summary>The weight values the tensor holds (null: no weight).</summary>
    public double[]? Weight { get; }

    public ScalarType WeightDtype { get; }

    public long IgnoreIndex { get; }

    public int Classes => (int)Shape[1];

    public long[] PositionShape => ReferenceTensor.PositionShape(Shape);

    /// <summary>The weights as the loss computes with them: in the evidence's (compute) dtype.</summary>
    public double[]? EffectiveWeight => Weight is null ? null : Dtype == ScalarType.Float32 ? Tensors.RoundToSingle(Weight) : Weight;

    public bool IsIgnored(int position) => Target[position] == IgnoreIndex;

    public int IgnoredCount => Target.Count(t => t == IgnoreIndex);

    public Tensor EvidenceTensor(bool requiresGrad = false)
    {
        var t = Tensors.FromDoubles(Evidence, Shape, Dtype);
        return requiresGrad ? t.requires_grad_(true) : t;
    }

    public Tensor TargetTensor() => Tensors.FromLongs(Target, PositionShape);

    public Tensor? WeightTensor() => Weight is null ? null : Tensors.FromDoubles(Weight, new long[] { Classes }, WeightDtype);

    /// <summary>Unweighted reference losses l_n (0 at ignored positions, which are not evaluated).</summary>
    public double[] PerPosition(Func<double[], int, double> f, double[]? evidence = null) =>
        WeightedReductionReference.Evaluate(evidence ?? Evidence, Shape, Target, IgnoreIndex, f);

    /// <summary>Flat evidence indices (row-major) of position <paramref name="position"/>'s C values.</summary>
    public IEnumerable<int> ElementsOf(int position)
    {
        int d = (int)(Evidence.Length / Shape[0] / Shape[1]);
        int n = position / d, s = position % d;
        for (int j = 0; j < Classes; j++)
            yield return (n * Classes + j) * d + s;
    }

    public override string ToString()
    {
        string w = Weight is null ? "none" : $"{WeightDtype} [{string.Join(", ", Weight.Select(x => x.ToString("R", CultureInfo.InvariantCulture)))}]";
        string t = Target.Length <= 24 ? "[" + string.Join(", ", Target) + "]" : $"{Target.Length} positions";
        return $"{Label}: shape [{string.Join(", ", Shape)}], {Dtype}, ignoreIndex {IgnoreIndex} ({IgnoredCount} ignored), target {t}, weight {w}";
    }
}

/// <summary>The shapes of the table-driven reference tests.</summary>
public enum CaseShape
{
    /// <summary>(9, 4), ignoreIndex −100 (the default, passed explicitly).</summary>
    Flat,

    /// <summary>(3, 3, 5), ignoreIndex −1, weights in the other floating dtype than the evidence.</summary>
    Sequence,

    /// <summary>(2, 5, 6, 7) segmentation, ignoreIndex 255 on the one-pixel border.</summary>
    Segmentation,
}

/// <summary>Which of the new arguments a table-driven case uses.</summary>
public enum WeightVariant
{
    WeightOnly,
    IgnoreOnly,
    WeightAndIgnore,
}

/// <summary>Deterministic (seeded) inputs.</summary>
public static class WeightIgnoreCases
{
    public static readonly Reduction[] AllReductions = { Reduction.None, Reduction.Mean, Reduction.Sum };

    /// <summary>FNV-1a, stable across processes (string.GetHashCode is not).</summary>
    public static int StableSeed(string text)
    {
        uint h = 2166136261;
        foreach (char ch in text)
        {
            h ^= ch;
            h *= 16777619;
        }

        return (int)(h & 0x7fffffff);
    }

    /// <summary>25% zeros, 50% uniform in [0, 5], 25% log-uniform in [1e-3, <paramref name="maxEvidence"/>].</summary>
    public static double[] RandomEvidence(Random random, int count, double maxEvidence)
    {
        var v = new double[count];
        for (int i = 0; i < count; i++)
        {
            double u = random.NextDouble();
            v[i] = u < 0.25 ? 0.0 : u < 0.75 ? 5.0 * random.NextDouble() : Math.Pow(10, -3 + (Math.Log10(maxEvidence) + 3) * random.NextDouble());
        }

        return v;
    }

    /// <summary>Weights k/8, k in 0..24 (exact in Float32), about one class in six weighted 0, never all 0.</summary>
    public static double[] RandomWeight(Random random, int classes)
    {
        var w = new double[classes];
        for (int j = 0; j < classes; j++)
            w[j] = random.Next(6) == 0 ? 0.0 : random.Next(1, 25) / 8.0;
        if (w.All(x => x == 0.0))
            w[0] = 1.5;
        return w;
    }

    /// <summary>
    /// Random evidence and classes; positions for which <paramref name="ignore"/> is true get <paramref name="ignoreIndex"/>.
    /// </summary>
    public static WeightIgnoreCase Build(string label, long[] shape, ScalarType dtype, bool weighted, ScalarType weightDtype, long ignoreIndex,
        Func<int, bool> ignore, int seed, double maxEvidence = 1e3)
    {
        var random = new Random(seed);
        int classes = (int)shape[1];
        int numel = (int)shape.Aggregate(1L, (a, b) => a * b);
        int positions = numel / classes;
        var evidence = RandomEvidence(random, numel, maxEvidence);
        var target = new long[positions];
        for (int p = 0; p < positions; p++)
            target[p] = ignore(p) ? ignoreIndex : random.Next(classes);
        var weight = weighted ? RandomWeight(random, classes) : null;
        return new WeightIgnoreCase(label, shape, evidence, dtype, target, weight, weightDtype, ignoreIndex);
    }

    /// <summary>The table-driven cases: see <see cref="CaseShape"/> and <see cref="WeightVariant"/>.</summary>
    public static WeightIgnoreCase Standard(CaseShape kind, ScalarType dtype, WeightVariant variant, string salt, double maxEvidence = 1e3)
    {
        bool weighted = variant != WeightVariant.IgnoreOnly;
        bool ignoring = variant != WeightVariant.WeightOnly;
        int seed = StableSeed($"{salt}|{kind}|{dtype}|{variant}");
        var other = dtype == ScalarType.Float64 ? ScalarType.Float32 : ScalarType.Float64;
        string label = $"{kind}/{variant}";
        switch (kind)
        {
            case CaseShape.Flat:
                // Positions 1, 4 and 7 carry the default ignore index −100.
                return Build(label, new long[] { 9, 4 }, dtype, weighted, dtype, -100, p => ignoring && p % 3 == 1, seed, maxEvidence);
            case CaseShape.Sequence:
                return Build(label, new long[] { 3, 3, 5 }, dtype, weighted, other, -1, p => ignoring && (p % 5 == 0 || p == 7), seed, maxEvidence);
            default:
                const int h = 6, w = 7;
                return Build(label, new long[] { 2, 5, h, w }, dtype, weighted, dtype, 255, p =>
                {
                    int s = p % (h * w), row = s / w, col = s % w;
                    return ignoring && (row == 0 || row == h - 1 || col == 0 || col == w - 1);
                }, seed, maxEvidence);
        }
    }
}
