using UncertaintyLoss.Internal;
using UncertaintyLoss.Internal.Fused;

namespace UncertaintyLoss.Tests.Fused;

/// <summary>How a case's evidence is drawn.</summary>
public enum EvidenceMode
{
    /// <summary>Uniform on [0, 10].</summary>
    Moderate,

    /// <summary>10^U(−8, 6), a fifth exact zeros.</summary>
    LogSpread,

    /// <summary>Each element 0, tiny (1e-8..1e-3) or huge (1e5..1e6).</summary>
    TinyAndHuge,

    /// <summary>Every element 0.</summary>
    AllZero,
}

/// <summary>Which positions carry the ignore index.</summary>
public enum IgnoreMode
{
    None,
    Some,
    All,
}

/// <summary>How a probability target is drawn (<see cref="FusedCases.WithProbabilities"/>).</summary>
public enum ProbabilityMode
{
    /// <summary>Normalised random weights u³ (u uniform), so that some classes get almost nothing.</summary>
    Soft,

    /// <summary>One-hot rows (the index target's loss).</summary>
    OneHot,

    /// <summary>Label smoothing: (1 − 0.1)·onehot + 0.1/C.</summary>
    Smoothed,

    /// <summary>Each entry 0, 1 or uniform in [0, 1], not normalised (the losses do not require Σ y = 1).</summary>
    Unnormalised,
}

/// <summary>The fused losses (and <see cref="UL.EvidentialLoss"/>'s risks), as the fixed-case tests name them.</summary>
public enum FusedLossUnderTest
{
    /// <summary><see cref="UL.EvidentialLoss"/>, squared-error risk.</summary>
    Evidential,

    /// <summary><see cref="UL.EvidentialLoss"/>, log-likelihood risk.</summary>
    EvidentialLog,

    /// <summary><see cref="UL.EvidentialLoss"/>, cross-entropy (digamma) risk.</summary>
    EvidentialDigamma,

    /// <summary><see cref="UL.RelaxedEvidentialLoss"/> with the paper's prior weight 0.1 (<see cref="FusedCases.DefaultPriorWeight"/>).</summary>
    Relaxed,

    /// <summary><see cref="UL.MaxNormLoss"/>.</summary>
    MaxNorm,

    /// <summary><see cref="UL.FisherEvidentialLoss"/> (I-EDL) with coefficient 0.05 (<see cref="FusedCases.DefaultFisherCoefficient"/>).</summary>
    Fisher,

    /// <summary><see cref="UL.RedEvidentialLoss"/> (RED) with its default log-likelihood risk and correct-evidence weight 0.7
    /// (<see cref="FusedCases.DefaultCorrectEvidenceWeight"/>).</summary>
    Red,

    /// <summary><see cref="UL.PosteriorNetworkLoss"/> (UCE − λ·entropy).</summary>
    PosteriorNetwork,

    /// <summary><see cref="UL.BeliefMatchingLoss"/> on α = evidence + <see cref="FusedCases.BeliefMatchingAlphaOffset"/>, prior
    /// concentration <see cref="FusedCases.DefaultPriorConcentration"/>.</summary>
    BeliefMatching,

    /// <summary><see cref="UL.PriorNetworkLoss"/> on α = evidence + <see cref="FusedCases.BeliefMatchingAlphaOffset"/>, target
    /// concentration <see cref="FusedCases.DefaultTargetConcentration"/>, every fourth kept position out of distribution
    /// (<see cref="FusedCase.As"/>).</summary>
    PriorNetwork,
}

/// <summary>
/// One call of <see cref="UL.EvidentialLoss"/> (risk <see cref="Risk"/>), <see cref="UL.RelaxedEvidentialLoss"/> (when
/// <see cref="PriorWeight"/> is set) or <see cref="UL.MaxNormLoss"/> with its inputs.
/// </summary>
public sealed record FusedCase(bool MaxNorm, ScalarType Dtype, long[] Shape, double[] Evidence, long[] Target, ScalarType TargetDtype,
    Reduction Reduction, double RegFactor, int PNorm, FisherAlphaSum AlphaSum, double[]? Weight, long IgnoreIndex, double[] GradOutput)
{
    /// <summary>The evidential loss's risk (ignored for the max-norm and relaxed losses).</summary>
    public EvidentialRisk Risk { get; init; } = EvidentialRisk.SquaredError;

    /// <summary>R-EDL's prior weight: set, the case calls <see cref="UL.RelaxedEvidentialLoss"/>.</summary>
    public double? PriorWeight { get; init; }

    /// <summary>I-EDL's log-determinant coefficient: set, the case calls <see cref="UL.FisherEvidentialLoss"/>.</summary>
    public double? FisherCoefficient { get; init; }

    /// <summary>RED's correct-evidence weight: set, the case calls <see cref="UL.RedEvidentialLoss"/> (with <see cref="Risk"/>).</summary>
    public double? CorrectEvidenceWeight { get; init; }

    /// <summary>Whether the case calls <see cref="UL.PosteriorNetworkLoss"/> (λ = <see cref="RegFactor"/>).</summary>
    public bool PosteriorNetwork { get; init; }

    /// <summary>Belief matching's prior concentration β: set, the case calls <see cref="UL.BeliefMatchingLoss"/> on
    /// α = evidence + <see cref="FusedCases.BeliefMatchingAlphaOffset"/> (λ = <see cref="RegFactor"/>).</summary>
    public double? PriorConcentration { get; init; }

    /// <summary>The Prior Network loss's target concentration τ: set, the case calls <see cref="UL.PriorNetworkLoss"/> on
    /// α = evidence + <see cref="FusedCases.BeliefMatchingAlphaOffset"/> with <see cref="OutOfDistributionIndex"/>.</summary>
    public double? TargetConcentration { get; init; }

    /// <summary>The Prior Network loss's out-of-distribution marker (<see cref="FusedCases.OutOfDistributionIndexFor"/>).</summary>
    public long OutOfDistributionIndex { get; init; } = -1;

    /// <summary>A probability target (row-major, the evidence's shape, in <see cref="TargetDtype"/>): set, it replaces
    /// <see cref="Target"/> (whose entries are then only each position's largest class, for the tolerances).</summary>
    public double[]? Probabilities { get; init; }

    public long Classes => Shape[1];

    /// <summary>The case with <paramref name="loss"/>'s function and options.</summary>
    public FusedCase As(FusedLossUnderTest loss) => this with
    {
        MaxNorm = loss == FusedLossUnderTest.MaxNorm,
        Risk = loss switch
        {
            FusedLossUnderTest.EvidentialLog => EvidentialRisk.LogLikelihood,
            FusedLossUnderTest.EvidentialDigamma => EvidentialRisk.CrossEntropy,
            FusedLossUnderTest.Red => EvidentialRisk.LogLikelihood,
            _ => EvidentialRisk.SquaredError,
        },
        PriorWeight = loss == FusedLossUnderTest.Relaxed ? FusedCases.DefaultPriorWeight : null,
        FisherCoefficient = loss == FusedLossUnderTest.Fisher ? FusedCases.DefaultFisherCoefficient : null,
        CorrectEvidenceWeight = loss == FusedLossUnderTest.Red ? FusedCases.DefaultCorrectEvidenceWeight : null,
        PosteriorNetwork = loss == FusedLossUnderTest.PosteriorNetwork,
        PriorConcentration = loss == FusedLossUnderTest.BeliefMatching ? FusedCases.DefaultPriorConcentration : null,
        TargetConcentration = loss == FusedLossUnderTest.PriorNetwork ? FusedCases.DefaultTargetConcentration : null,
        OutOfDistributionIndex = FusedCases.OutOfDistributionIndexFor(TargetDtype, IgnoreIndex),
        Target = loss == FusedLossUnderTest.PriorNetwork ? FusedCases.MarkOutOfDistribution(Target, IgnoreIndex, FusedCases.OutOfDistributionIndexFor(TargetDtype, IgnoreIndex)) : Target,
    };

    public Tensor EvidenceTensor(bool requiresGrad = true)
    {
        var e = Tensors.FromDoubles(Evidence, Shape, Dtype);
        return requiresGrad ? e.requires_grad_() : e;
    }

    public Tensor TargetTensor()
    {
        if (Probabilities is not null)
            return Tensors.FromDoubles(Probabilities, Shape, TargetDtype);
        using var scope = NewDisposeScope();
        return Tensors.FromLongs(Target, ReferenceTensor.PositionShape(Shape)).to(TargetDtype).MoveToOuterDisposeScope();
    }

    public Tensor? WeightTensor() => Weight is null ? null : Tensors.FromDoubles(Weight, new[] { Classes }, Dtype);

    public Tensor Loss(Tensor evidence, Tensor target, Tensor? weight) =>
        MaxNorm ? UL.MaxNormLoss(evidence, target, RegFactor, PNorm, Reduction, weight, IgnoreIndex, AlphaSum)
        : FisherCoefficient is double fisher ? UL.FisherEvidentialLoss(evidence, target, RegFactor, fisher, Reduction, weight, IgnoreIndex)
        : PriorWeight is double prior ? UL.RelaxedEvidentialLoss(evidence, target, RegFactor, prior, Reduction, weight, IgnoreIndex)
        : CorrectEvidenceWeight is double w ? UL.RedEvidentialLoss(evidence, target, RegFactor, w, Reduction, weight, IgnoreIndex, Risk)
        : PosteriorNetwork ? UL.PosteriorNetworkLoss(evidence, target, RegFactor, Reduction, weight, IgnoreIndex)
        : PriorConcentration is double beta ? UL.BeliefMatchingLoss(FusedCases.BeliefMatchingAlpha(evidence), target, RegFactor, beta, Reduction, weight, IgnoreIndex)
        : TargetConcentration is double tau ? UL.PriorNetworkLoss(FusedCases.BeliefMatchingAlpha(evidence), target, tau, Reduction, weight, IgnoreIndex, OutOfDistributionIndex)
        : UL.EvidentialLoss(evidence, target, RegFactor, Reduction, weight, IgnoreIndex, Risk);

    /// <summary>The function and its options.</summary>
    public string Function =>
        MaxNorm ? $"MaxNormLoss(λ {RegFactor}, p {PNorm}, {AlphaSum})"
        : FisherCoefficient is double fisher ? $"FisherEvidentialLoss(λ {RegFactor}, fisherCoefficient {fisher.ToString("R", CultureInfo.InvariantCulture)})"
        : PriorWeight is double prior ? $"RelaxedEvidentialLoss(λ {RegFactor}, priorWeight {prior.ToString("R", CultureInfo.InvariantCulture)})"
        : CorrectEvidenceWeight is double w ? $"RedEvidentialLoss(λ {RegFactor}, correctEvidenceWeight {w.ToString("R", CultureInfo.InvariantCulture)}, {Risk})"
        : PosteriorNetwork ? $"PosteriorNetworkLoss(λ {RegFactor})"
        : PriorConcentration is double beta ? $"BeliefMatchingLoss(λ {RegFactor}, β {beta.ToString("R", CultureInfo.InvariantCulture)}, α = e + {FusedCases.BeliefMatchingAlphaOffset})"
        : TargetConcentration is double tau ? $"PriorNetworkLoss(τ {tau.ToString("R", CultureInfo.InvariantCulture)}, outOfDistributionIndex {OutOfDistributionIndex}, α = e + {FusedCases.BeliefMatchingAlphaOffset})"
        : $"EvidentialLoss(λ {RegFactor}, {Risk})";

    public override string ToString() =>
        $"{Function} {Dtype} shape [{string.Join(", ", Shape)}] " +
        $"{(Probabilities is null ? "target" : "probability target")} {TargetDtype} {Reduction} weight {(Weight is null ? "none" : "[" + string.Join(", ", Weight.Select(w => w.ToString("G3", CultureInfo.InvariantCulture))) + "]")} " +
        $"ignoreIndex {IgnoreIndex} ({Target.Count(t => t == IgnoreIndex)} of {Target.Length} ignored), evidence range [{Evidence.Min():G3}, {Evidence.Max():G3}]";
}

/// <summary>What one path returned: the output's values, dtype and shape, and the evidence's gradient.</summary>
public sealed record PathResult(double[] Output, ScalarType Dtype, long[] Shape, double[] Gradient);

/// <summary>Builds <see cref="FusedCase"/>s and runs them on a forced path.</summary>
public static class FusedCases
{
    /// <summary>R-EDL's prior weight in the fixed cases: 0.1, the paper's (and the library's default).</summary>
    public const double DefaultPriorWeight = 0.1;

    /// <summary>I-EDL's log-determinant coefficient in the fixed cases: 0.05, the authors' CIFAR-10 value (larger than the
    /// 0.005 default, so that the log-determinant's share of the value and gradient is not negligible).</summary>
    public const double DefaultFisherCoefficient = 0.05;

    /// <summary>Belief matching's prior concentration β in the fixed cases: 0.3 (not 1, so that the KL's constant
    /// K ln Γ(β) − ln Γ(Kβ) and its weights α − β are exercised; not a binary fraction).</summary>
    public const double DefaultPriorConcentration = 0.3;

    /// <summary>Belief matching takes the concentration α itself (&gt; 0): the cases pass α = evidence + 0.25, so that α
    /// covers (0.25, 1e6] with the evidence's zeros, tiny and huge values, and the gradient with respect to the evidence
    /// is the one with respect to α.</summary>
    public const double BeliefMatchingAlphaOffset = 0.25;

    /// <summary>α = min(evidence + <see cref="BeliefMatchingAlphaOffset"/>, <see cref="UL.MaxEvidence"/>), differentiable
    /// (the cases' evidence reaches <see cref="UL.MaxEvidence"/> itself); created in a scope of its own, so that only the
    /// loss's result stays alive (the memory tests count the live tensors).</summary>
    public static Tensor BeliefMatchingAlpha(Tensor evidence)
    {
        using var scope = NewDisposeScope();
        return (evidence + BeliefMatchingAlphaOffset).clamp_max(UL.MaxEvidence).MoveToOuterDisposeScope();
    }

    /// <summary><see cref="BeliefMatchingAlpha"/> of one value, in double.</summary>
    public static double BeliefMatchingAlpha(double evidence) => Math.Min(evidence + BeliefMatchingAlphaOffset, UL.MaxEvidence);

    /// <summary>The Prior Network loss's target concentration τ in the fixed cases: 12.7 (not the default 100, so that a τ
    /// lost on the way shows; not a binary fraction).</summary>
    public const double DefaultTargetConcentration = 12.7;

    /// <summary>The Prior Network cases' out-of-distribution marker: −1 (the default) for signed targets, 254 for Byte
    /// targets (which cannot hold −1); never the case's ignore index.</summary>
    public static long OutOfDistributionIndexFor(ScalarType targetDtype, long ignoreIndex) =>
        targetDtype == ScalarType.Byte ? (ignoreIndex == 254 ? 253 : 254) : (ignoreIndex == -1 ? -2 : -1);

    /// <summary><paramref name="target"/> with every fourth position that is not ignored (p % 4 == 3) set to
    /// <paramref name="marker"/>.</summary>
    public static long[] MarkOutOfDistribution(long[] target, long ignoreIndex, long marker) =>
        target.Select((t, p) => p % 4 == 3 && t != ignoreIndex ? marker : t).ToArray();

    /// <summary>RED's correct-evidence weight in the fixed cases: 0.7 (the default is 1; 0.7 is not a binary fraction, so
    /// an option passed on at the wrong precision shows).</summary>
    public const double DefaultCorrectEvidenceWeight = 0.7;

    /// <summary>
    /// Which fused loss <paramref name="op"/> is; a new entry with a fused path needs its own case here.
    /// </summary>
    /// <exception cref="ArgumentException">The entry has no fused path, or one this fixture does not know.</exception>
    public static FusedLossUnderTest LossOf(LossOp op) => op.Function switch
    {
        "EvidentialLoss" => FusedLossUnderTest.Evidential,
        "RelaxedEvidentialLoss" => FusedLossUnderTest.Relaxed,
        "MaxNormLoss" => FusedLossUnderTest.MaxNorm,
        "FisherEvidentialLoss" => FusedLossUnderTest.Fisher,
        "RedEvidentialLoss" => FusedLossUnderTest.Red,
        "PosteriorNetworkLoss" => FusedLossUnderTest.PosteriorNetwork,
        "BeliefMatchingLoss" => FusedLossUnderTest.BeliefMatching,
        "PriorNetworkLoss" => FusedLossUnderTest.PriorNetwork,
        _ => throw new ArgumentException($"Expected EvidentialLoss, RelaxedEvidentialLoss, FisherEvidentialLoss, RedEvidentialLoss, PosteriorNetworkLoss or MaxNormLoss, but received {op.Function}: add its fused call to FusedCase.Loss.", nameof(op)),
    };

    public static FusedCase Build(int seed, bool maxNorm, ScalarType dtype, long[] shape, EvidenceMode evidenceMode, ScalarType targetDtype,
        Reduction reduction, double regFactor, int pNorm, FisherAlphaSum alphaSum, bool weighted, IgnoreMode ignoreMode, long ignoreIndex)
    {
        var random = new Random(seed);
        long classes = shape[1];
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var positionShape = ReferenceTensor.PositionShape(shape);
        long positions = positionShape.Aggregate(1L, (a, b) => a * b);
        var evidence = new double[count];
        for (long i = 0; i < count; i++)
        {
            evidence[i] = evidenceMode switch
            {
                EvidenceMode.Moderate => 10 * random.NextDouble(),
                EvidenceMode.LogSpread => random.Next(5) == 0 ? 0.0 : Math.Pow(10, -8 + 14 * random.NextDouble()),
                EvidenceMode.TinyAndHuge => random.Next(3) switch
                {
                    0 => 0.0,
                    1 => Math.Pow(10, -8 + 5 * random.NextDouble()),
                    _ => Math.Pow(10, 5 + random.NextDouble()),
                },
                _ => 0.0,
            };
        }

        int maxClass = targetDtype == ScalarType.Byte ? (int)Math.Min(classes, 255) : (int)classes;
        var target = new long[positions];
        for (long i = 0; i < positions; i++)
        {
            target[i] = random.Next(maxClass);
            bool ignore = ignoreMode == IgnoreMode.All || (ignoreMode == IgnoreMode.Some && random.Next(4) == 0);
            if (ignore)
                target[i] = ignoreIndex;
        }

        double[]? weight = weighted ? Enumerable.Range(0, (int)classes).Select(_ => random.Next(6) == 0 ? 0.0 : 3 * random.NextDouble()).ToArray() : null;
        var gradOutput = reduction == Reduction.None
            ? Enumerable.Range(0, (int)positions).Select(_ => 2 * random.NextDouble() - 0.5).ToArray()
            : new[] { 0.5 + random.NextDouble() };
        return new FusedCase(maxNorm, dtype, shape, evidence, target, targetDtype, reduction, regFactor, pNorm, alphaSum, weight, ignoreIndex, gradOutput);
    }

    /// <summary>
    /// <paramref name="c"/> with a probability target drawn by <paramref name="mode"/> in <paramref name="dtype"/> (Float32 or
    /// Float64) in place of its class indices: no weight, the default ignoreIndex; <see cref="FusedCase.Target"/> keeps
    /// each position's largest class.
    /// </summary>
    public static FusedCase WithProbabilities(FusedCase c, int seed, ProbabilityMode mode, ScalarType dtype)
    {
        var random = new Random(seed);
        long classes = c.Classes;
        long d = c.Evidence.Length / (c.Shape[0] * classes);
        var y = new double[c.Evidence.Length];
        var largest = new long[c.Target.Length];
        for (long p = 0; p < c.Target.Length; p++)
        {
            long n = p / d, at = p % d;
            var row = new double[classes];
            long hot = random.NextInt64(classes);
            for (long j = 0; j < classes; j++)
            {
                row[j] = mode switch
                {
                    ProbabilityMode.Soft => Math.Pow(random.NextDouble(), 3),
                    ProbabilityMode.OneHot => j == hot ? 1.0 : 0.0,
                    ProbabilityMode.Smoothed => (j == hot ? 0.9 : 0.0) + 0.1 / classes,
                    _ => random.Next(4) switch { 0 => 0.0, 1 => 1.0, _ => random.NextDouble() },
                };
            }

            if (mode == ProbabilityMode.Soft)
            {
                double sum = row.Sum();
                for (long j = 0; j < classes; j++)
                    row[j] = sum > 0 ? row[j] / sum : 1.0 / classes;
            }

            for (long j = 0; j < classes; j++)
            {
                double v = dtype == ScalarType.Float32 ? (float)row[j] : row[j];
                y[(n * classes + j) * d + at] = Math.Clamp(v, 0.0, 1.0);
                if (row[j] > row[largest[p]])
                    largest[p] = j;
            }
        }

        return c with { Probabilities = y, TargetDtype = dtype, Target = largest, Weight = null, IgnoreIndex = -100 };
    }

    /// <summary>Runs the case with <paramref name="path"/> forced: the output, and the gradient of Σ grad_output·output.</summary>
    /// <exception cref="InvalidOperationException">The fused path was forced but the call started no fused job (the
    /// loss did not take the kernel; a forced path the kernel cannot serve throws inside the loss already).</exception>
    internal static PathResult Run(FusedCase c, KernelPath path)
    {
        using var scope = NewDisposeScope();
        using var force = Kernels.Force(path);
        var evidence = c.EvidenceTensor();
        long jobs = FusedDirichlet.JobsStarted;
        var output = c.Loss(evidence, c.TargetTensor(), c.WeightTensor());
        if (path == KernelPath.Fused && FusedDirichlet.JobsStarted == jobs)
            throw new InvalidOperationException($"{c.Function}: the fused path was forced but the fused kernel did not run.");
        var gradOutput = Tensors.FromDoubles(c.GradOutput, output.shape, c.Dtype);
        output.backward(new[] { gradOutput });
        return new PathResult(Tensors.ToDoubles(output), output.dtype, output.shape, Tensors.ToDoubles(evidence.grad!));
    }

    /// <summary>
    /// Size of the terms that cancel in each output (the tests' convention, <see cref="Tolerance.Close"/>): per position
    /// w·(MSE + λ·KL magnitude) or w·(F + λ·Fisher magnitude) from the reference, reduced as the output. A loss of 4e-8
    /// that is a difference of lnΓ terms of size 10 is only known to ~1e-15·10 absolutely on either path.
    /// </summary>
    internal static double[] Magnitudes(FusedCase c)
    {
        long classes = c.Classes;
        double PerPosition(double[] e, double[] y)
        {
            if (c.MaxNorm)
                return DirichletReference.DirichletPNorm(e, y, c.PNorm) + c.RegFactor * DirichletReference.FisherMagnitude(e, y, c.AlphaSum == FisherAlphaSum.ExcludingTrueClass);
            if (c.FisherCoefficient is double fisher)
                return Math.Max(Math.Abs(DirichletReference.FisherEvidential(e, y, fisher)), DirichletReference.FisherEvidentialMagnitude(e, y, fisher))
                    + c.RegFactor * DirichletReference.UniformDirichletKlMagnitude(e, y);
            if (c.PosteriorNetwork)
                return Math.Max(Math.Abs(DirichletReference.PosteriorNetwork(e, y, c.RegFactor)), DirichletReference.PosteriorNetworkMagnitude(e, y, c.RegFactor));
            if (c.PriorConcentration is double beta)
            {
                var alpha = e.Select(BeliefMatchingAlpha).ToArray();
                return Math.Max(Math.Abs(DirichletReference.BeliefMatching(alpha, y, c.RegFactor, beta)), DirichletReference.BeliefMatchingMagnitude(alpha, y, c.RegFactor, beta));
            }
            if (c.TargetConcentration is double tau)
            {
                var alpha = e.Select(BeliefMatchingAlpha).ToArray();
                return Math.Max(Math.Abs(DirichletReference.PriorNetworkReverseKl(alpha, y, tau)), DirichletReference.PriorNetworkReverseKlMagnitude(alpha, y, tau));
            }
            if (c.PriorWeight is double prior)
                return Math.Max(DirichletReference.RelaxedMse(e, y, prior), DirichletReference.RelaxedMseMagnitude(e, y, prior))
                    + c.RegFactor * DirichletReference.RelaxedKlMagnitude(e, y, prior);
            double risk = c.Risk switch
            {
                EvidentialRisk.LogLikelihood => DirichletReference.DirichletLog(e, y),
                EvidentialRisk.CrossEntropy => Math.Max(DirichletReference.DirichletDigamma(e, y), DirichletReference.DirichletDigammaMagnitude(e, y)),
                _ => DirichletReference.DirichletMse(e, y),
            };
            double correctEvidence = c.CorrectEvidenceWeight is double w ? w * DirichletReference.CorrectEvidenceMagnitude(e, y) : 0.0;
            return risk + c.RegFactor * DirichletReference.UniformDirichletKlMagnitude(e, y) + correctEvidence;
        }

        // An out-of-distribution position (the Prior Network loss) has the all-zero target and weight 1.
        bool Outside(long t) => c.TargetConcentration is not null && t == c.OutOfDistributionIndex;
        var perPosition = c.Probabilities is not null
            ? ReferenceTensor.PerPosition(c.Evidence, c.Shape, c.Probabilities, PerPosition)
            : ReferenceTensor.PerPosition(c.Evidence, c.Shape, c.Target.Select(t => t == c.IgnoreIndex ? 0L : Outside(t) ? -1L : t).ToArray(),
                (e, t) => PerPosition(e, t < 0 ? new double[classes] : DirichletReference.OneHot(t, (int)classes)));
        var weights = c.Probabilities is not null
            ? c.Target.Select(_ => 1.0).ToArray()
            : c.Target.Select(t => t == c.IgnoreIndex ? 0.0 : c.Weight is null || Outside(t) ? 1.0 : c.Weight[t]).ToArray();
        var weighted = perPosition.Select((m, i) => m * weights[i]).ToArray();
        if (c.Reduction == Reduction.None)
            return weighted;
        double total = weighted.Sum(), weightTotal = weights.Sum();
        return new[] { c.Reduction == Reduction.Sum ? total : weightTotal > 0 ? total / weightTotal : 0.0 };
    }

    /// <summary>
    /// Bound on the error of torch's CPU trigamma, which the composed path's autograd uses for ψ₁ (the derivative of
    /// digamma): its asymptotic series stops at the 1/(42z⁷) term after shifting the argument (reflected below ½) by six,
    /// so z ≥ 6.5 and the first omitted term, 1/(30z⁹), is at most 1/(30·6.5⁹) = 1.6e-9 absolute. Measured against
    /// mpmath's polygamma(1, x) (30 digits; PyTorch 1.13's CPU autograd of digamma, the same series, 2026-12-03):
    /// −1.17e-9 at x = 0.3, −1.48e-9 at 0.474, +1.53e-9 at 0.5, +7.9e-10 at 1, +3.0e-10 at 1.8. The fused path's ψ₁ is
    /// accurate to 3.5e-15 (docs/accuracy.md).
    /// </summary>
    public const double TorchTrigammaError = 1.6e-9;

    /// <summary>
    /// How far the composed path's gradient of an evidential-family case (not max-norm) can be from the exact one through
    /// <see cref="TorchTrigammaError"/>: ψ₁ enters the gradient as regFactor·(e_k ψ₁(α_k) − Ê ψ₁(S̃)) (the KL) and as
    /// ψ₁(S) − ψ₁(α_t) (the cross-entropy risk), times the position's weight and incoming gradient (÷ Σw for the mean).
    /// R-EDL's α = e + λ with λ &lt; 1 reaches the smallest shifted arguments: fresh seeds (UL_FSCHECK_SEED=6378106324154895848,
    /// 1527809342922710698 and 7284813852672906610, 2026-12-03) found 2.2e-9 to 2.3e-9·max|grad| between the paths at
    /// prior weight 0.3, beyond the 2e-9 that suffices for EDL's α ≥ 1.
    /// </summary>
    private static double ComposedTrigammaErrorBound(FusedCase c)
    {
        if (c.MaxNorm)
            return 0;
        // The Posterior Network's risk is the cross-entropy one whatever Risk says, and its entropy term is the KL's with
        // every class included (the true class's evidence counts too).
        // Belief matching likewise (its KL is over every class, with weights α_j − β, |α_j − β| ≤ e_j + offset + β).
        // The Prior Network loss: the KL to Dir(1) with weight 1 (whatever RegFactor says) and the cross-entropy risk times τ.
        bool beliefMatching = c.PriorConcentration is not null;
        bool priorNetwork = c.TargetConcentration is not null;
        bool fullKl = c.PosteriorNetwork || beliefMatching || priorNetwork;
        double shift = beliefMatching ? BeliefMatchingAlphaOffset + c.PriorConcentration!.Value : priorNetwork ? BeliefMatchingAlphaOffset + 1.0 : 0.0;
        bool crossEntropy = fullKl || (c.PriorWeight is null && c.Risk == EvidentialRisk.CrossEntropy);
        double klWeight = priorNetwork ? 1.0 : c.RegFactor;
        double riskWeight = c.TargetConcentration ?? 1.0;
        long classes = c.Classes, d = c.Evidence.Length / (c.Shape[0] * classes);
        double worst = 0, weightTotal = 0;
        for (long p = 0; p < c.Target.Length; p++)
        {
            long t = c.Target[p];
            if (t == c.IgnoreIndex)
                continue;
            bool outside = priorNetwork && t == c.OutOfDistributionIndex;
            double w = c.Weight is null || outside ? 1.0 : c.Weight[t];
            weightTotal += w;
            long n = p / d, at = p % d;
            double others = 0, largest = 0, targetMass = 1;
            if (c.Probabilities is not null)
            {
                // A probability target: every class's misleading evidence (1 − y_j)·e_j ≤ e_j enters the KL, and the
                // cross-entropy risk's ψ₁ terms are weighted by y (Σ y ≤ C).
                targetMass = 0;
                for (long j = 0; j < classes; j++)
                {
                    double e = c.Evidence[(n * classes + j) * d + at] + shift;
                    others += e;
                    largest = Math.Max(largest, e);
                    targetMass += c.Probabilities[(n * classes + j) * d + at];
                }

                double gp = Math.Abs(c.Reduction == Reduction.None ? c.GradOutput[p] : c.GradOutput[0]);
                worst = Math.Max(worst, gp * (klWeight * (largest + others) + (crossEntropy ? 2 * riskWeight * Math.Max(targetMass, 1) : 0)));
                continue;
            }

            for (long j = 0; j < classes; j++)
            {
                double e = c.Evidence[(n * classes + j) * d + at] + shift;
                if (j != t || fullKl)
                {
                    others += e;
                    largest = Math.Max(largest, e);
                }
            }

            double g = Math.Abs(c.Reduction == Reduction.None ? c.GradOutput[p] : c.GradOutput[0]);
            worst = Math.Max(worst, w * g * (klWeight * (largest + others) + (crossEntropy ? 2 * riskWeight : 0)));
        }

        double perElement = TorchTrigammaError * worst;
        return c.Reduction == Reduction.Mean ? (weightTotal > 0 ? perElement / weightTotal : 0) : perElement;
    }

    /// <summary>Fused and composed agree: dtype and shape identical, values within rtol·|composed|, gradients within rtol·max|grad|.</summary>
    /// <remarks>
    /// Float32: the fused path computes in double and rounds once, while the composed path computes in Float32, whose
    /// lnΓ/ψ₁ differences lose most digits for evidence near 1e6 (0.8 % measured); the Float32 fused result is therefore
    /// compared with the composed path run in Float64 on the same (Float32-rounded) inputs, at 1e-5.
    /// Float64 gradients of the evidential losses with λ &gt; 0 or the cross-entropy risk (ψ₁ in the gradient): the composed path's autograd differentiates torch's digamma
    /// with torch's CPU trigamma, whose asymptotic series stops at the 1/(42x⁷) term (truncation ≈ 1/(30x⁹) after six
    /// shifts, ≈ 3e-10 at α = 1.8); the fused path uses the full ψ₁. They agree to 2e-9·max|grad| there, 1e-10 elsewhere.
    /// Float64 gradients of the max-norm family get the same 2e-9: a fresh seed (UL_FSCHECK_SEED=2702212701843574566,
    /// 2026-12-03) found p = 16, λ = 1, evidence up to 9e5, where the paths differ by 3.1e-10·max|grad| with max|grad|
    /// only 9e-7 (the gradient is a difference of much larger terms there). Which path is closer to the exact value there
    /// is not yet known; the outputs still agree to 1e-10.
    /// </remarks>
    /// <param name="c">The case.</param>
    /// <param name="gradientMagnitude">Size of the terms that cancel in the gradient, where the caller knows it is larger
    /// than max|grad| (the tolerance is relative to the larger of the two); 0 by default.</param>
    public static string? Compare(FusedCase c, double gradientMagnitude = 0)
    {
        var fused = Run(c, KernelPath.Fused);
        var reference = c.Dtype == ScalarType.Float32
            ? c with
            {
                Dtype = ScalarType.Float64,
                Evidence = Tensors.RoundToSingle(c.Evidence),
                Weight = c.Weight is null ? null : Tensors.RoundToSingle(c.Weight),
                GradOutput = Tensors.RoundToSingle(c.GradOutput),
            }
            : c;
        var composed = Run(reference, KernelPath.Composed);
        double rtol = Tolerance.Relative(c.Dtype);
        bool trigammaInGradient = c.MaxNorm || c.RegFactor > 0 || c.TargetConcentration is not null || (c.PriorWeight is null && c.Risk == EvidentialRisk.CrossEntropy);
        double gradientRtol = c.Dtype == ScalarType.Float64 && trigammaInGradient ? 2e-9 : rtol;
        if (c.Dtype == ScalarType.Float32)
            composed = composed with { Dtype = ScalarType.Float32 };
        if (fused.Dtype != composed.Dtype || !fused.Shape.SequenceEqual(composed.Shape))
            return $"dtype/shape: fused {fused.Dtype} [{string.Join(", ", fused.Shape)}], composed {composed.Dtype} [{string.Join(", ", composed.Shape)}]";
        var magnitude = Magnitudes(reference);
        for (int i = 0; i < fused.Output.Length; i++)
        {
            double a = fused.Output[i], e = composed.Output[i];
            if (!(Math.Abs(a - e) <= rtol * Math.Max(Math.Abs(e), magnitude[i]) + double.Epsilon))
                return $"output[{i}]: fused {a:R}, composed {e:R}, relative difference {Math.Abs(a - e) / Math.Abs(e):G3}, magnitude {magnitude[i]:G3}";
        }

        double scale = Math.Max(composed.Gradient.Length == 0 ? 0 : composed.Gradient.Max(Math.Abs), gradientMagnitude);
        double trigammaBound = c.Dtype == ScalarType.Float64 ? ComposedTrigammaErrorBound(reference) : 0;
        for (int i = 0; i < fused.Gradient.Length; i++)
        {
            double a = fused.Gradient[i], e = composed.Gradient[i];
            if (!(Math.Abs(a - e) <= gradientRtol * scale + trigammaBound + double.Epsilon))
                return $"gradient[{i}]: fused {a:R}, composed {e:R}, difference / max|grad| {Math.Abs(a - e) / scale:G3} (max|grad| {scale:G3}, torch trigamma bound {trigammaBound:G3})";
        }

        return null;
    }
}

/// <summary>
/// The fused CPU path of <see cref="UL.EvidentialLoss"/> (every risk), <see cref="UL.RelaxedEvidentialLoss"/> and
/// <see cref="UL.MaxNormLoss"/> against the composed path
/// (the reference implementation of the formulas), both forced with <see cref="Kernels.Force"/>: values, gradients,
/// dtype and shape, validation, thread-count independence, eligibility, non-finite inputs and tensor lifetimes.
/// </summary>
[TestFixture]
public class FusedPathTests
{
    private static readonly Gen<long[]> Shapes =
        from n in Gen.Frequency((3, Gen.Choose(1, 8)), (1, Gen.Choose(9, 64)))
        from c in Gen.Frequency((12, Gen.Choose(2, 10)), (4, Gen.Choose(11, 50)), (1, Gen.Choose(120, 140)))   // 128 on: the row-major kernel
        from spatial in Gen.Frequency((3, Gen.Constant(Array.Empty<long>())),
            (2, Gen.Choose(1, 7).Select(d => new long[] { d })),
            (1, from d1 in Gen.Choose(1, 5) from d2 in Gen.Choose(1, 5) select new long[] { d1, d2 }))
        select new long[] { n, c }.Concat(spatial).ToArray();

    /// <summary>R-EDL's prior weights drawn: the paper's 0.1, 0.3 (not a binary fraction), EDL's 1, 3, and the
    /// smallest admissible 1e-6 (α below 1: the special functions' per-lane shift).</summary>
    private static readonly Gen<double> PriorWeights = Gen.Elements(0.1, 0.3, 1.0, 3.0, 1e-6);

    /// <summary>The Prior Network loss's target concentrations drawn: the smallest admissible 1e-6, 0.3, 12.7, the default
    /// 100 and 1e4.</summary>
    private static readonly Gen<double> TargetConcentrations = Gen.Elements(1e-6, 0.3, 12.7, 100.0, 1e4);

    private static Gen<FusedCase> Cases(FusedLossUnderTest loss) =>
        from seed in Gen.Choose(0, int.MaxValue - 1)
        from dtype in Gen.Elements(ScalarType.Float64, ScalarType.Float32)
        from shape in Shapes
        from evidenceMode in Gen.Frequency((3, Gen.Constant(EvidenceMode.Moderate)), (3, Gen.Constant(EvidenceMode.LogSpread)),
            (3, Gen.Constant(EvidenceMode.TinyAndHuge)), (1, Gen.Constant(EvidenceMode.AllZero)))
        from targetDtype in Gen.Elements(ScalarType.Int64, ScalarType.Int32, ScalarType.Byte)
        from reduction in Gen.Elements(Reduction.None, Reduction.Mean, Reduction.Sum)
        from regFactor in Gen.Elements(0.0, 0.3, 1.0)
        from pNorm in Gen.Elements(1, 2, 3, 4, 5, 6, 16)
        from alphaSum in Gen.Elements(FisherAlphaSum.All, FisherAlphaSum.ExcludingTrueClass)
        from weighted in Gen.Elements(false, true)
        from ignoreMode in Gen.Frequency((4, Gen.Constant(IgnoreMode.None)), (3, Gen.Constant(IgnoreMode.Some)), (1, Gen.Constant(IgnoreMode.All)))
        from ignoreIndex in targetDtype == ScalarType.Byte ? Gen.Elements(255L, 1L) : Gen.Elements(-100L, 255L, 1L)
        from risk in Gen.Elements(EvidentialRisk.SquaredError, EvidentialRisk.LogLikelihood, EvidentialRisk.CrossEntropy)
        from prior in PriorWeights
        from correctEvidenceWeight in Gen.Elements(0.0, 0.7, 1.0)
        from targetConcentration in TargetConcentrations
        select FusedCases.Build(seed, loss == FusedLossUnderTest.MaxNorm, dtype, shape, evidenceMode, targetDtype, reduction, regFactor, pNorm, alphaSum, weighted, ignoreMode, ignoreIndex).As(loss) with
        {
            Risk = risk,
            PriorWeight = loss == FusedLossUnderTest.Relaxed ? prior : null,
            CorrectEvidenceWeight = loss == FusedLossUnderTest.Red ? correctEvidenceWeight : null,
            PriorConcentration = loss == FusedLossUnderTest.BeliefMatching ? prior : null,
            TargetConcentration = loss == FusedLossUnderTest.PriorNetwork ? targetConcentration : null,
        };

    /// <summary>
    /// Random shapes (N ≤ 64, C in [2, 50], up to two spatial dims), both dtypes, every fused loss (the evidential loss
    /// with each risk, R-EDL with prior weights 1e-6 to 3, belief matching with prior concentrations 1e-6 to 3), evidence 0..1e6 with
    /// exact zeros and tiny/huge mixes, every reduction, λ = 0 and &gt; 0, p in 1..6 and 16, both Fisher strengths,
    /// weights, ignored positions (some, all, an ignore index that is a real class), Int64/Int32/Byte targets:
    /// output within 1e-10 (Float64) / 1e-5 (Float32) relative, gradient of Σ grad_output·output within that times max|grad|.
    /// </summary>
    /// <remarks>Every loss of <see cref="OpTable"/> with a fused path (<see cref="LossOp.HasFusedPath"/>), 75 cases each.</remarks>
    [TestCaseSource(typeof(OpTable), nameof(OpTable.FusedLossCases))]
    public void FusedPath_RandomCases_MatchesComposedPath(LossOp op) =>
        Prop.ForAll(Cases(FusedCases.LossOf(op)).ToArbitrary(), c =>
            {
                var failure = FusedCases.Compare(c);
                return PropertyChecks.Verdict(failure is null, () => $"{failure}; {c}");
            })
            .Check(Seeds.For($"FusedPath.RandomCases|{op}", 75));

    /// <summary>
    /// Probability targets (issue 18, third session): the random cases above with soft, one-hot, label-smoothed and
    /// unnormalised targets (entries 0, 1 or uniform; Σ y ≠ 1) in Float32 or Float64, no weight or ignoreIndex:
    /// the same tolerances.
    /// </summary>
    /// <remarks>Every loss of <see cref="OpTable"/> with a fused path, 60 cases each.</remarks>
    [TestCaseSource(typeof(OpTable), nameof(OpTable.FusedLossCases))]
    public void FusedPath_RandomProbabilityTargets_MatchesComposedPath(LossOp op) =>
        Prop.ForAll((from c in Cases(FusedCases.LossOf(op))
                     from seed in Gen.Choose(0, int.MaxValue - 1)
                     from mode in Gen.Elements(Enum.GetValues<ProbabilityMode>())
                     from dtype in Gen.Elements(ScalarType.Float32, ScalarType.Float64)
                     select FusedCases.WithProbabilities(c, seed, mode, dtype)).ToArbitrary(), c =>
            {
                var failure = FusedCases.Compare(c);
                return PropertyChecks.Verdict(failure is null, () => $"{failure}; {c}");
            })
            .Check(Seeds.For($"FusedPath.RandomProbabilityTargets|{op}", 60));

    /// <summary>
    /// A one-hot probability target gives the index target's loss and gradient: the two fused kernels (written
    /// separately, the index one with cancellation-free forms of its own) agree to 1e-12 relative (Float64, evidence in
    /// [0, 10], where no large terms cancel; every fused loss that takes probability targets, 2-D and N-d, every reduction).
    /// </summary>
    [Test]
    public void FusedPath_OneHotProbabilities_MatchIndexTarget([Values] FusedLossUnderTest loss,
        [Values(false, true)] bool spatial, [Values] Reduction reduction)
    {
        var shape = spatial ? new long[] { 3, 7, 5, 4 } : new long[] { 40, 13 };
        var index = FusedCases.Build(5, false, ScalarType.Float64, shape, EvidenceMode.Moderate, ScalarType.Int64, reduction, 0.5, 4,
            FisherAlphaSum.All, weighted: false, IgnoreMode.None, -100).As(loss);
        var oneHot = FusedCases.WithProbabilities(index, 0, ProbabilityMode.OneHot, ScalarType.Float64);
        oneHot = oneHot with
        {
            Probabilities = OneHotOf(index),
            Target = index.Target,
        };
        var a = FusedCases.Run(index, KernelPath.Fused);
        var b = FusedCases.Run(oneHot, KernelPath.Fused);
        double scale = a.Gradient.Max(Math.Abs);
        for (int i = 0; i < a.Output.Length; i++)
            Assert.That(b.Output[i], Is.EqualTo(a.Output[i]).Within(1e-12 * Math.Max(1, Math.Abs(a.Output[i]))), $"output[{i}]");
        for (int i = 0; i < a.Gradient.Length; i++)
            Assert.That(b.Gradient[i], Is.EqualTo(a.Gradient[i]).Within(1e-12 * scale), $"gradient[{i}]");
    }

    /// <summary>
    /// The Prior Network loss's out-of-distribution positions as probability targets: all-zero rows (every fourth position,
    /// <see cref="OneHotOf"/>) among one-hot ones, 2-D and N-d, both dtypes, every reduction, against the composed path
    /// (β = 1 there: the flat target, no risk).
    /// </summary>
    [Test]
    public void FusedPath_PriorNetworkZeroRows_MatchComposedPath([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype,
        [Values(false, true)] bool spatial, [Values] Reduction reduction)
    {
        var shape = spatial ? new long[] { 3, 7, 5, 4 } : new long[] { 40, 13 };
        var index = FusedCases.Build(9, false, dtype, shape, EvidenceMode.LogSpread, ScalarType.Int64, reduction, 0.5, 4,
            FisherAlphaSum.All, weighted: false, IgnoreMode.None, -100).As(FusedLossUnderTest.PriorNetwork);
        Assert.That(index.Target.Count(t => t == index.OutOfDistributionIndex), Is.GreaterThan(0), "out-of-distribution positions");
        var probabilities = FusedCases.WithProbabilities(index, 0, ProbabilityMode.OneHot, dtype) with
        {
            Probabilities = OneHotOf(index),
            Target = index.Target.Select(t => t == index.OutOfDistributionIndex ? 0L : t).ToArray(),
        };
        Assert.That(FusedCases.Compare(probabilities), Is.Null);
    }

    private static double[] OneHotOf(FusedCase c)
    {
        long classes = c.Classes, d = c.Evidence.Length / (c.Shape[0] * classes);
        var y = new double[c.Evidence.Length];
        for (long p = 0; p < c.Target.Length; p++)
        {
            // An out-of-distribution position of the Prior Network loss is the all-zero row.
            if (c.TargetConcentration is null || c.Target[p] != c.OutOfDistributionIndex)
                y[(p / d * classes + c.Target[p]) * d + p % d] = 1.0;
        }

        return y;
    }

    /// <summary>
    /// Probability targets whose rows do not sum to 1 (entries 0, 1 or uniform; the losses' formulas take any y in
    /// [0, 1]^C, and the gradients carry Y = Σ y where a normalised target has 1): every fused loss, Float64 and Float32,
    /// 2-D and N-d, against the composed path.
    /// </summary>
    [Test]
    public void FusedPath_UnnormalisedProbabilities_MatchesComposedPath([Values] FusedLossUnderTest loss,
        [Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype, [Values(false, true)] bool spatial)
    {
        var shape = spatial ? new long[] { 3, 5, 4, 2 } : new long[] { 20, 6 };
        var c = FusedCases.WithProbabilities(FusedCases.Build(21, loss == FusedLossUnderTest.MaxNorm, dtype, shape, EvidenceMode.LogSpread, ScalarType.Int64,
            Reduction.None, 0.5, 3, FisherAlphaSum.ExcludingTrueClass, weighted: false, IgnoreMode.None, -100).As(loss), 22, ProbabilityMode.Unnormalised, dtype);
        Assert.That(FusedCases.Compare(c), Is.Null, c.ToString());
    }

    /// <summary>
    /// The max-norm loss with a probability target where one class holds nearly all the evidence (1e5..1e6, the others 0
    /// or tiny): there M_c is tiny for that class, so its gradient weight y_c F_c/(p M_c) dwarfs the others', and the
    /// fused gradient must sum the others without it (a subtraction loses every digit). Float64, against the composed path.
    /// </summary>
    [Test]
    public void FusedPath_MaxNormProbabilitiesOneDominantClass_MatchesComposedPath([Values(3, 4, 6)] int pNorm, [Values(0.0, 1.0)] double regFactor,
        [Values] FisherAlphaSum alphaSum)
    {
        var random = new Random(pNorm * 10 + (int)regFactor);
        const int n = 8, classes = 7;
        var evidence = new double[n * classes];
        for (int i = 0; i < n; i++)
        {
            int dominant = random.Next(classes);
            for (int j = 0; j < classes; j++)
                evidence[i * classes + j] = j == dominant ? Math.Pow(10, 5 + random.NextDouble()) : (random.Next(2) == 0 ? 0.0 : 1e-4 * random.NextDouble());
        }

        var c = new FusedCase(true, ScalarType.Float64, new long[] { n, classes }, evidence, new long[n], ScalarType.Int64, Reduction.Sum,
            regFactor, pNorm, alphaSum, null, -100, new[] { 1.0 });
        c = FusedCases.WithProbabilities(c, pNorm, ProbabilityMode.Soft, ScalarType.Float64);
        Assert.That(FusedCases.Compare(c), Is.Null, c.ToString());
    }

    /// <summary>A probability target that requires a gradient takes the composed path, which differentiates it; without
    /// one it takes the fused path.</summary>
    [Test]
    public void FusedPath_ProbabilityTargetRequiringGrad_StaysComposed([Values] FusedLossUnderTest loss)
    {
        using var scope = NewDisposeScope();
        using var auto = Kernels.Force(KernelPath.Auto);   // the suite's UL_KERNEL_PATH=Composed run included
        var c = FusedCases.WithProbabilities(FusedCases.Build(3, false, ScalarType.Float64, new long[] { 4, 3 }, EvidenceMode.Moderate,
            ScalarType.Int64, Reduction.Mean, 0.5, 4, FisherAlphaSum.All, weighted: false, IgnoreMode.None, -100).As(loss), 4, ProbabilityMode.Soft, ScalarType.Float64);
        var e = c.EvidenceTensor();
        long jobs = FusedDirichlet.JobsStarted;
        var soft = c.TargetTensor().requires_grad_();
        c.Loss(e, soft, null).backward();
        Assert.That(FusedDirichlet.JobsStarted, Is.EqualTo(jobs), "a probability target requiring grad starts no fused job");
        Assert.That(soft.grad, Is.Not.Null, "the target's gradient");
        Assert.That(soft.grad!.abs().max().item<double>(), Is.GreaterThan(0), "a non-zero target gradient");

        c.Loss(e, c.TargetTensor(), null).backward();
        Assert.That(FusedDirichlet.JobsStarted, Is.EqualTo(jobs + 1), "a probability target without grad takes the fused path");
    }

    /// <summary>
    /// Shapes that need several tiles and several parallel chunks (C large; N·D large), on two threads: the test
    /// processes run libtorch single-threaded (<c>OMP_NUM_THREADS=1</c> in tests.runsettings), and the fused pass takes
    /// its thread count from <c>torch.get_num_threads()</c>.
    /// </summary>
    [TestCase(FusedLossUnderTest.Evidential, 300L, 257L, 0L, 0L, ScalarType.Float64)]
    [TestCase(FusedLossUnderTest.MaxNorm, 300L, 257L, 0L, 0L, ScalarType.Float64)]
    [TestCase(FusedLossUnderTest.Evidential, 300L, 257L, 0L, 0L, ScalarType.Float32)]
    [TestCase(FusedLossUnderTest.MaxNorm, 4L, 21L, 33L, 35L, ScalarType.Float64)]
    [TestCase(FusedLossUnderTest.Evidential, 4L, 21L, 33L, 35L, ScalarType.Float64)]
    [TestCase(FusedLossUnderTest.MaxNorm, 4L, 21L, 33L, 35L, ScalarType.Float32)]
    [TestCase(FusedLossUnderTest.EvidentialLog, 300L, 257L, 0L, 0L, ScalarType.Float64)]
    [TestCase(FusedLossUnderTest.EvidentialLog, 4L, 21L, 33L, 35L, ScalarType.Float32)]
    [TestCase(FusedLossUnderTest.EvidentialDigamma, 300L, 257L, 0L, 0L, ScalarType.Float32)]
    [TestCase(FusedLossUnderTest.EvidentialDigamma, 4L, 21L, 33L, 35L, ScalarType.Float64)]
    [TestCase(FusedLossUnderTest.Relaxed, 300L, 257L, 0L, 0L, ScalarType.Float64)]
    [TestCase(FusedLossUnderTest.Relaxed, 4L, 21L, 33L, 35L, ScalarType.Float32)]
    public void FusedPath_ManyTilesAndChunks_MatchesComposedPath(FusedLossUnderTest loss, long n, long c, long d1, long d2, ScalarType dtype)
    {
        var shape = d1 == 0 ? new[] { n, c } : new[] { n, c, d1, d2 };
        int threads = torch.get_num_threads();
        try
        {
            torch.set_num_threads(2);
            foreach (var reduction in new[] { Reduction.None, Reduction.Mean })
            {
                var fusedCase = FusedCases.Build(17, false, dtype, shape, EvidenceMode.LogSpread, ScalarType.Int64, reduction, 0.5, 4,
                    FisherAlphaSum.ExcludingTrueClass, weighted: true, IgnoreMode.Some, -100).As(loss);
                Assert.That(FusedCases.Compare(fusedCase), Is.Null, fusedCase.ToString());
            }
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }

    /// <summary>As <see cref="FusedPath_ManyTilesAndChunks_MatchesComposedPath"/>, with soft probability targets.</summary>
    [TestCase(FusedLossUnderTest.Evidential, 300L, 257L, 0L, 0L, ScalarType.Float64)]
    [TestCase(FusedLossUnderTest.EvidentialLog, 4L, 21L, 33L, 35L, ScalarType.Float32)]
    [TestCase(FusedLossUnderTest.EvidentialDigamma, 300L, 257L, 0L, 0L, ScalarType.Float32)]
    [TestCase(FusedLossUnderTest.Relaxed, 4L, 21L, 33L, 35L, ScalarType.Float64)]
    [TestCase(FusedLossUnderTest.Fisher, 300L, 257L, 0L, 0L, ScalarType.Float64)]
    [TestCase(FusedLossUnderTest.Red, 4L, 21L, 33L, 35L, ScalarType.Float64)]
    [TestCase(FusedLossUnderTest.PosteriorNetwork, 300L, 257L, 0L, 0L, ScalarType.Float32)]
    public void FusedPath_ManyTilesAndChunksWithProbabilities_MatchesComposedPath(FusedLossUnderTest loss, long n, long c, long d1, long d2, ScalarType dtype)
    {
        var shape = d1 == 0 ? new[] { n, c } : new[] { n, c, d1, d2 };
        int threads = torch.get_num_threads();
        try
        {
            torch.set_num_threads(2);
            foreach (var reduction in new[] { Reduction.None, Reduction.Mean })
            {
                var fusedCase = FusedCases.WithProbabilities(FusedCases.Build(17, false, dtype, shape, EvidenceMode.LogSpread, ScalarType.Int64, reduction,
                    0.5, 4, FisherAlphaSum.All, weighted: false, IgnoreMode.None, -100).As(loss), 18, ProbabilityMode.Soft, dtype);
                Assert.That(FusedCases.Compare(fusedCase), Is.Null, fusedCase.ToString());
            }
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }

    /// <summary>The fused result does not depend on the thread count or on which threads run the chunks (libtorch's OpenMP
    /// team, <see cref="OpenMpTeam"/>, or the .NET thread pool): chunk sums are added in a fixed order.</summary>
    [TestCase(FusedLossUnderTest.BeliefMatching, 300L, 257L, 0L, 0L)]
    [TestCase(FusedLossUnderTest.PriorNetwork, 4L, 21L, 33L, 35L)]
    [TestCase(FusedLossUnderTest.Evidential, 300L, 257L, 0L, 0L)]
    [TestCase(FusedLossUnderTest.MaxNorm, 300L, 257L, 0L, 0L)]
    [TestCase(FusedLossUnderTest.Evidential, 4L, 21L, 33L, 35L)]
    [TestCase(FusedLossUnderTest.MaxNorm, 4L, 21L, 33L, 35L)]
    [TestCase(FusedLossUnderTest.EvidentialLog, 300L, 257L, 0L, 0L)]
    [TestCase(FusedLossUnderTest.EvidentialDigamma, 4L, 21L, 33L, 35L)]
    [TestCase(FusedLossUnderTest.Relaxed, 300L, 257L, 0L, 0L)]
    [TestCase(FusedLossUnderTest.Relaxed, 4L, 21L, 33L, 35L)]
    public void FusedPath_OneOrTwoThreads_BitwiseIdentical(FusedLossUnderTest loss, long n, long c, long d1, long d2)
    {
        var shape = d1 == 0 ? new[] { n, c } : new[] { n, c, d1, d2 };
        int threads = torch.get_num_threads();
        try
        {
            foreach (var reduction in new[] { Reduction.Sum, Reduction.Mean, Reduction.None })
            {
                var fusedCase = FusedCases.Build(5, false, ScalarType.Float64, shape, EvidenceMode.TinyAndHuge, ScalarType.Int64, reduction, 1.0, 4,
                    FisherAlphaSum.All, weighted: true, IgnoreMode.Some, -100).As(loss);
                torch.set_num_threads(1);
                var one = FusedCases.Run(fusedCase, KernelPath.Fused);
                torch.set_num_threads(2);
                long regions = OpenMpTeam.RegionsStarted;
                var two = FusedCases.Run(fusedCase, KernelPath.Fused);
                if (OpenMpTeam.Found)
                    Assert.That(OpenMpTeam.RegionsStarted, Is.GreaterThan(regions), "libtorch's OpenMP team ran the chunks");
                PathResult pool;
                OpenMpTeam.Enabled = false;
                try
                {
                    pool = FusedCases.Run(fusedCase, KernelPath.Fused);
                }
                finally
                {
                    OpenMpTeam.Enabled = true;
                }

                Assert.That(two.Output, Is.EqualTo(one.Output), $"{reduction} output");
                Assert.That(two.Gradient, Is.EqualTo(one.Gradient), $"{reduction} gradient");
                Assert.That(pool.Output, Is.EqualTo(one.Output), $"{reduction} output, .NET thread pool");
                Assert.That(pool.Gradient, Is.EqualTo(one.Gradient), $"{reduction} gradient, .NET thread pool");
            }
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }
}
