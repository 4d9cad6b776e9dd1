namespace UncertaintyLoss.Tests.ModuleTesting;

/// <summary>Which loss module (and its functional form) a shared check runs on.</summary>
public enum LossKind
{
    Evidential,
    MaxNorm,
    Relaxed,
    Fisher,
    Red,
    PosteriorNetwork,
}

/// <summary>
/// One generated module input: logits (N, C, d1..dk), a class-index or probability target, and every option of the
/// modules. Float32 logits, probabilities and weights are already rounded to single precision.
/// </summary>
public sealed class ModuleCase
{
    public ModuleCase(ScalarType dtype, long[] shape, double[] logits, long[]? index, double[]? probability, Reduction reduction,
        double regFactor, double[]? weight, long ignoreIndex, EvidenceActivation activation, double clamp, int pNorm,
        FisherAlphaSum fisherAlphaSum, double[] outputGradient)
    {
        Dtype = dtype;
        Shape = shape;
        Logits = logits;
        Index = index;
        Probability = probability;
        Reduction = reduction;
        RegFactor = regFactor;
        Weight = weight;
        IgnoreIndex = ignoreIndex;
        Activation = activation;
        Clamp = clamp;
        PNorm = pNorm;
        FisherAlphaSum = fisherAlphaSum;
        OutputGradient = outputGradient;
    }

    public ScalarType Dtype { get; }

    public long[] Shape { get; }

    public double[] Logits { get; }

    public long[]? Index { get; }

    public double[]? Probability { get; }

    public Reduction Reduction { get; }

    public double RegFactor { get; }

    public double[]? Weight { get; }

    public long IgnoreIndex { get; }

    public EvidenceActivation Activation { get; }

    public double Clamp { get; }

    public int PNorm { get; }

    public FisherAlphaSum FisherAlphaSum { get; }

    /// <summary>Weights w of Σ w·output whose gradient is compared (one per output element of reduction None; one for a scalar).</summary>
    public double[] OutputGradient { get; }

    public long[] PositionShape => new[] { Shape[0] }.Concat(Shape.Skip(2)).ToArray();

    public Tensor LogitsTensor(bool requiresGrad = false)
    {
        var t = Tensors.FromDoubles(Logits, Shape, Dtype);
        return requiresGrad ? t.requires_grad_(true) : t;
    }

    public Tensor TargetTensor() =>
        Index is not null ? Tensors.FromLongs(Index, PositionShape) : Tensors.FromDoubles(Probability!, Shape, Dtype);

    public Tensor? WeightTensor() => Weight is null ? null : Tensors.FromDoubles(Weight, new[] { Shape[1] }, Dtype);

    public override string ToString() =>
        FormattableString.Invariant(
            $"ModuleCase(shape [{string.Join(", ", Shape)}], {Dtype}, {(Index is null ? "probability" : "index")} target, {Reduction}, λ {RegFactor:R}, ") +
        FormattableString.Invariant(
            $"weight {(Weight is null ? "none" : "[" + string.Join(", ", Weight.Select(w => w.ToString("R", CultureInfo.InvariantCulture))) + "]")}, ignoreIndex {IgnoreIndex}, ") +
        FormattableString.Invariant(
            $"{Activation}, clamp {Clamp:R}, pNorm {PNorm}, {FisherAlphaSum}, logits [{string.Join(", ", Logits.Take(8).Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}{(Logits.Length > 8 ? ", …" : "")}])");
}

/// <summary>Generators, module factories, the functional reference and exact comparisons for the module tests.</summary>
public static class ModuleKit
{
    public static long Live => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    /// <summary>Builds a case from explicit options; the values come from <paramref name="seed"/>.</summary>
    /// <param name="ignoreChoice">0: default −100 (nothing ignored); 1: ignoreIndex −1 on about a quarter of the
    /// positions; 2: ignoreIndex = a valid class (every position of that class is ignored).</param>
    public static ModuleCase Build(ScalarType dtype, long[] shape, bool probability, Reduction reduction, double regFactor,
        EvidenceActivation activation, double clamp, bool weighted, int ignoreChoice, int pNorm, FisherAlphaSum fisher, int seed)
    {
        var rng = new Random(seed);
        int classes = (int)shape[1];
        int count = (int)shape.Aggregate(1L, (a, b) => a * b);
        int positions = count / classes;
        int spatial = positions / (int)shape[0];
        Func<double[], double[]> round = dtype == ScalarType.Float32 ? Tensors.RoundToSingle : v => v;

        var logits = new double[count];
        for (int i = 0; i < count; i++)
        {
            double v = 30 * rng.NextDouble() - 15;
            if (rng.Next(10) == 0)
                v = Math.Round(v);                        // some exact integers (0 included)
            logits[i] = activation == EvidenceActivation.None ? Math.Abs(v) : v;
        }

        long[]? index = null;
        double[]? prob = null;
        long ignoreIndex = -100;
        if (probability)
        {
            prob = new double[count];
            for (int p = 0; p < positions; p++)
            {
                var row = new double[classes];
                if (rng.Next(3) == 0)
                    row[rng.Next(classes)] = 1.0;
                else
                {
                    for (int j = 0; j < classes; j++)
                        row[j] = rng.Next(4) == 0 ? 0.0 : rng.NextDouble();
                    double s = row.Sum();
                    if (s == 0)
                        row[0] = s = 1.0;
                    for (int j = 0; j < classes; j++)
                        row[j] = Math.Min(1.0, row[j] / s);
                }

                int n = p / spatial, d = p % spatial;
                for (int j = 0; j < classes; j++)
                    prob[(n * classes + j) * spatial + d] = row[j];
            }

            prob = round(prob);
        }
        else
        {
            index = new long[positions];
            for (int p = 0; p < positions; p++)
                index[p] = rng.Next(classes);
            if (ignoreChoice == 1)
            {
                ignoreIndex = -1;
                for (int p = 0; p < positions; p++)
                    if (rng.Next(4) == 0)
                        index[p] = -1;
            }
            else if (ignoreChoice == 2)
            {
                ignoreIndex = rng.Next(classes);
            }
        }

        double[]? weight = weighted ? round(Enumerable.Range(0, classes).Select(_ => 0.1 + 2.9 * rng.NextDouble()).ToArray()) : null;
        int outputs = reduction == Reduction.None ? positions : 1;
        double[] outputGradient = round(Enumerable.Range(0, outputs).Select(_ => 0.5 + rng.NextDouble()).ToArray());
        return new ModuleCase(dtype, shape, round(logits), index, prob, reduction, regFactor, weight, ignoreIndex, activation,
            clamp, pNorm, fisher, outputGradient);
    }

    /// <summary>The prior weight the R-EDL module cases use (0.3, not a binary fraction, and not the default 0.1).</summary>
    public const double RelaxedPriorWeight = 0.3;

    /// <summary>The Fisher coefficient the I-EDL module cases use (0.3, not a binary fraction, and not the default 0.005).</summary>
    public const double FisherCoefficient = 0.3;
    /// <summary>The correct-evidence weight the RED module cases use (0.7, not a binary fraction, and not the default 1), with the cross-entropy risk (not the default).</summary>
    public const double RedCorrectEvidenceWeight = 0.7;

    /// <summary>The module of <paramref name="kind"/> configured as <paramref name="c"/>.</summary>
    public static DirichletLossModule Module(LossKind kind, ModuleCase c, Tensor? weight, IRegFactorSchedule? schedule = null) => kind switch
    {
        LossKind.Evidential => new EvidentialLossModule(c.RegFactor, c.Reduction, weight, c.IgnoreIndex, EvidentialRisk.SquaredError, c.Activation, schedule, c.Clamp),
        LossKind.MaxNorm => new MaxNormLossModule(c.RegFactor, c.PNorm, c.Reduction, weight, c.IgnoreIndex, c.FisherAlphaSum, c.Activation, schedule, c.Clamp),
        LossKind.Relaxed => new RelaxedEvidentialLossModule(c.RegFactor, RelaxedPriorWeight, c.Reduction, weight, c.IgnoreIndex, c.Activation, schedule, c.Clamp),
        LossKind.Fisher => new FisherEvidentialLossModule(c.RegFactor, FisherCoefficient, c.Reduction, weight, c.IgnoreIndex, c.Activation, schedule, c.Clamp),
        LossKind.Red => new RedEvidentialLossModule(c.RegFactor, RedCorrectEvidenceWeight, c.Reduction, weight, c.IgnoreIndex, EvidentialRisk.CrossEntropy,
            c.Activation, schedule, c.Clamp),
        LossKind.PosteriorNetwork => new PosteriorNetworkLossModule(c.RegFactor, c.Reduction, weight, c.IgnoreIndex, c.Activation, schedule, c.Clamp),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// What a user of the functional API writes: for the losses with a fused <c>…WithLogits</c> form (evidential, max-norm,
    /// R-EDL, I-EDL, RED, Posterior Network), that form with the module's activation and clamp, which the module must equal exactly (it calls the same
    /// code); for the others, the activation applied by hand (ClampedExp, softplus, relu or nothing), then the loss with the
    /// same options and λ. (The …WithLogits forms against the two-step form: WithLogitsTests.)
    /// </summary>
    public static Tensor Functional(LossKind kind, ModuleCase c, Tensor logits, Tensor target, Tensor? weight, double lambda)
    {
        switch (kind)
        {
            case LossKind.Evidential:
                return UL.EvidentialLossWithLogits(logits, target, regFactor: lambda, reduction: c.Reduction, weight: weight, ignoreIndex: c.IgnoreIndex,
                    activation: c.Activation, clamp: c.Clamp);
            case LossKind.MaxNorm:
                return UL.MaxNormLossWithLogits(logits, target, regFactor: lambda, pNorm: c.PNorm, reduction: c.Reduction,
                    fisherAlphaSum: c.FisherAlphaSum, weight: weight, ignoreIndex: c.IgnoreIndex, activation: c.Activation, clamp: c.Clamp);
            case LossKind.Relaxed:
                return UL.RelaxedEvidentialLossWithLogits(logits, target, regFactor: lambda, priorWeight: RelaxedPriorWeight, reduction: c.Reduction,
                    weight: weight, ignoreIndex: c.IgnoreIndex, activation: c.Activation, clamp: c.Clamp);
            case LossKind.Fisher:
                return UL.FisherEvidentialLossWithLogits(logits, target, regFactor: lambda, fisherCoefficient: FisherCoefficient, reduction: c.Reduction,
                    weight: weight, ignoreIndex: c.IgnoreIndex, activation: c.Activation, clamp: c.Clamp);
            case LossKind.PosteriorNetwork:
                return UL.PosteriorNetworkLossWithLogits(logits, target, regFactor: lambda, reduction: c.Reduction, weight: weight, ignoreIndex: c.IgnoreIndex,
                    activation: c.Activation, clamp: c.Clamp);
            case LossKind.Red:
                return UL.RedEvidentialLossWithLogits(logits, target, regFactor: lambda, correctEvidenceWeight: RedCorrectEvidenceWeight, reduction: c.Reduction,
                    weight: weight, ignoreIndex: c.IgnoreIndex, risk: EvidentialRisk.CrossEntropy, activation: c.Activation, clamp: c.Clamp);
        }

        var evidence = c.Activation switch
        {
            EvidenceActivation.Exp => UL.ClampedExp(logits, c.Clamp),
            EvidenceActivation.Softplus => nn.functional.softplus(logits),
            EvidenceActivation.Relu => nn.functional.relu(logits),
            EvidenceActivation.None => logits,
            _ => throw new ArgumentOutOfRangeException(nameof(c)),
        };
        return kind switch
        {
            LossKind.Evidential => UL.EvidentialLoss(evidence, target, regFactor: lambda, reduction: c.Reduction, weight: weight, ignoreIndex: c.IgnoreIndex),
            LossKind.MaxNorm => UL.MaxNormLoss(evidence, target, regFactor: lambda, pNorm: c.PNorm, reduction: c.Reduction,
                fisherAlphaSum: c.FisherAlphaSum, weight: weight, ignoreIndex: c.IgnoreIndex),
            LossKind.Relaxed => UL.RelaxedEvidentialLoss(evidence, target, regFactor: lambda, priorWeight: RelaxedPriorWeight, reduction: c.Reduction,
                weight: weight, ignoreIndex: c.IgnoreIndex),
            LossKind.Fisher => UL.FisherEvidentialLoss(evidence, target, regFactor: lambda, fisherCoefficient: FisherCoefficient, reduction: c.Reduction,
                weight: weight, ignoreIndex: c.IgnoreIndex),
            LossKind.Red => UL.RedEvidentialLoss(evidence, target, regFactor: lambda, correctEvidenceWeight: RedCorrectEvidenceWeight, reduction: c.Reduction,
                weight: weight, ignoreIndex: c.IgnoreIndex, risk: EvidentialRisk.CrossEntropy),
            LossKind.PosteriorNetwork => UL.PosteriorNetworkLoss(evidence, target, regFactor: lambda, reduction: c.Reduction, weight: weight, ignoreIndex: c.IgnoreIndex),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    /// <summary>
    /// Runs the module and the functional form on two copies of the logits (both leaves with requires_grad), compares
    /// dtype, shape and every output element exactly, then backpropagates Σ w·output through both and compares the
    /// gradients with respect to the logits exactly. Returns null when identical, else a description.
    /// </summary>
    public static string? CompareWithFunctional(LossKind kind, ModuleCase c)
    {
        using var scope = NewDisposeScope();
        var weight = c.WeightTensor();
        var module = Module(kind, c, weight);
        var target = c.TargetTensor();
        var x1 = c.LogitsTensor(requiresGrad: true);
        var x2 = c.LogitsTensor(requiresGrad: true);

        var got = module.forward(x1, target);
        var want = Functional(kind, c, x2, target, weight, c.RegFactor);
        string? difference = CompareExactly("output", got, want);
        if (difference is not null)
            return difference + "; " + c;

        var w = Tensors.FromDoubles(c.OutputGradient, want.shape, c.Dtype);
        (got * w).sum().backward();
        (want * w).sum().backward();
        difference = CompareExactly("gradient", x1.grad!, x2.grad!);
        return difference is null ? null : difference + "; " + c;
    }

    /// <summary>Null when <paramref name="actual"/> has <paramref name="expected"/>'s dtype and shape and the same value in every element (NaN equals NaN).</summary>
    public static string? CompareExactly(string what, Tensor actual, Tensor expected)
    {
        if (actual.dtype != expected.dtype || !actual.shape.SequenceEqual(expected.shape))
            return $"{what}: {actual.dtype} [{string.Join(", ", actual.shape)}], expected {expected.dtype} [{string.Join(", ", expected.shape)}]";
        double[] a = Tensors.ToDoubles(actual), e = Tensors.ToDoubles(expected);
        int bad = a.FindIndex((v, i) => !v.Equals(e[i]));
        return bad < 0 ? null : FormattableString.Invariant($"{what} element {bad}: {a[bad]:R}, expected exactly {e[bad]:R}");
    }

    private static int FindIndex(this double[] values, Func<double, int, bool> predicate)
    {
        for (int i = 0; i < values.Length; i++)
            if (predicate(values[i], i))
                return i;
        return -1;
    }

    public static Property Verdict(string? difference) => difference is null ? Prop.ToProperty(true) : Prop.Label(false, difference);

    /// <summary>Asserts that <paramref name="call"/> throws exactly <typeparamref name="T"/> naming <paramref name="paramName"/>.</summary>
    public static T AssertThrows<T>(TestDelegate call, string paramName) where T : ArgumentException
    {
        var e = Assert.Throws<T>(call)!;
        Assert.That(e.ParamName, Is.EqualTo(paramName), e.Message);
        return e;
    }
}

/// <summary>A schedule that records how it is used: how often <see cref="Value"/> was read and <see cref="Step"/> called.</summary>
public sealed class SpySchedule : IRegFactorSchedule
{
    private readonly double[] values;

    public SpySchedule(params double[] values) => this.values = values;

    public int ValueReads { get; private set; }

    public int StepCalls { get; private set; }

    public double Value
    {
        get
        {
            ValueReads++;
            return values[Math.Min(StepCount, values.Length - 1)];
        }
    }

    public long StepCount { get; private set; }

    public double Step()
    {
        StepCalls++;
        StepCount++;
        return values[Math.Min(StepCount, values.Length - 1)];
    }

    public void Reset() => StepCount = 0;

    public RegFactorState GetState() => new("Spy", StepCount);

    public void Restore(RegFactorState state) => StepCount = state.StepCount;
}
