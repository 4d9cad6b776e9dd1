using BenchmarkDotNet.Attributes;
using TorchSharp;

namespace UncertaintyLoss.Benchmarks;

/// <summary>
/// The <c>…WithLogits</c> functions (regFactor 1, the default exp activation with clamp 10): the activation inside the
/// loss, from logits to their gradient in one pass on the fused path, against <c>cross_entropy</c> on the same logits and
/// targets (issue 18's goal rows; docs/performance.md).
/// </summary>
[MemoryDiagnoser]
public class WithLogitsBenchmarks : LossBenchmarkBase
{
    /// <summary><c>cross_entropy</c> on the logits (the Ratio column's 1.00).</summary>
    [Benchmark(Baseline = true)]
    public double CrossEntropy() => MeasureCrossEntropy();

    /// <summary><see cref="UL.EvidentialLossWithLogits"/>, squared-error risk.</summary>
    [Benchmark]
    public double EvidentialWithLogits() => Measure(static (x, y) => UL.EvidentialLossWithLogits(x, y, regFactor: 1.0));

    /// <summary><see cref="UL.EvidentialLossWithLogits"/> with regFactor 0: the same pass without the KL regulariser, whose
    /// special functions (ln Γ, ψ, ψ₁ per element) are the floor docs/performance.md measures as the difference of the two.</summary>
    [Benchmark]
    public double EvidentialWithLogitsWithoutKl() => Measure(static (x, y) => UL.EvidentialLossWithLogits(x, y, regFactor: 0.0));

    /// <summary><see cref="UL.EvidentialLossWithLogits"/>, log-likelihood risk.</summary>
    [Benchmark]
    public double EvidentialLogWithLogits() =>
        Measure(static (x, y) => UL.EvidentialLossWithLogits(x, y, regFactor: 1.0, risk: EvidentialRisk.LogLikelihood));

    /// <summary><see cref="UL.EvidentialLossWithLogits"/>, cross-entropy (digamma) risk.</summary>
    [Benchmark]
    public double EvidentialDigammaWithLogits() =>
        Measure(static (x, y) => UL.EvidentialLossWithLogits(x, y, regFactor: 1.0, risk: EvidentialRisk.CrossEntropy));

    /// <summary><see cref="UL.RelaxedEvidentialLossWithLogits"/> (R-EDL, prior weight 0.1), with exp as the other rows (its default is softplus).</summary>
    [Benchmark]
    public double RelaxedWithLogits() =>
        Measure(static (x, y) => UL.RelaxedEvidentialLossWithLogits(x, y, regFactor: 1.0, activation: EvidenceActivation.Exp));

    /// <summary><see cref="UL.FisherEvidentialLossWithLogits"/> (I-EDL, the library's recipe; coefficient 0.005), with exp as
    /// the other rows (its default is softplus).</summary>
    [Benchmark]
    public double FisherWithLogits() =>
        Measure(static (x, y) => UL.FisherEvidentialLossWithLogits(x, y, regFactor: 1.0, activation: EvidenceActivation.Exp));

    /// <summary><see cref="UL.RedEvidentialLossWithLogits"/> (RED: log-likelihood risk, correct-evidence weight 1, its
    /// defaults), fused since issue 18's second session.</summary>
    [Benchmark]
    public double RedWithLogits() => Measure(static (x, y) => UL.RedEvidentialLossWithLogits(x, y, regFactor: 1.0));

    /// <summary><see cref="UL.PosteriorNetworkLossWithLogits"/> (UCE − λ·entropy, λ = 1e-5, its default), fused since issue 18's
    /// second session.</summary>
    [Benchmark]
    public double PosteriorNetworkWithLogits() => Measure(static (x, y) => UL.PosteriorNetworkLossWithLogits(x, y));

    /// <summary><see cref="UL.MaxNormLossWithLogits"/> (p = 4).</summary>
    [Benchmark]
    public double MaxNormWithLogits() => Measure(static (x, y) => UL.MaxNormLossWithLogits(x, y, regFactor: 1.0));

    /// <summary><see cref="UL.EvidentialLossWithLogits"/>, squared-error risk, with probability targets (label smoothing
    /// ε = 0.1, the logits' dtype and shape; fused since issue 18's third session), against <c>cross_entropy</c> with
    /// index targets (the Ratio column's baseline; <c>cross_entropy</c> with the same probabilities is
    /// <see cref="CrossEntropySoftTargets"/>).</summary>
    [Benchmark]
    public double EvidentialWithLogitsSoftTargets() =>
        MeasureWithProbabilities(static (x, y) => UL.EvidentialLossWithLogits(x, y, regFactor: 1.0));

    /// <summary><c>cross_entropy</c> with the same label-smoothed probability targets.</summary>
    [Benchmark]
    public double CrossEntropySoftTargets() => MeasureWithProbabilities(static (x, y) => torch.nn.functional.cross_entropy(x, y));

    /// <summary><see cref="UL.BeliefMatchingLoss"/> on α = <see cref="UL.ClampedExp"/>(logits) (the paper's α = exp(logits);
    /// regFactor 0.01 and β = 1, its defaults), fused since issue 18's third session; the activation is a separate
    /// TorchSharp operation (belief matching has no …WithLogits form).</summary>
    [Benchmark]
    public double BeliefMatchingOnClampedExp() => Measure(static (x, y) => UL.BeliefMatchingLoss(UL.ClampedExp(x), y));

    /// <summary><see cref="UL.BeliefMatchingLossWithLogits"/> (its defaults: exp with clamp 10, regFactor 0.01, β = 1): the
    /// activation inside the fused pass (issue 18's third session).</summary>
    [Benchmark]
    public double BeliefMatchingWithLogits() => Measure(static (x, y) => UL.BeliefMatchingLossWithLogits(x, y));

    /// <summary><see cref="UL.PriorNetworkLoss"/> on α = <see cref="UL.ClampedExp"/>(logits) (τ = 100, its default; every
    /// position in distribution), fused since issue 18's fourth session; the activation is a separate TorchSharp operation.</summary>
    [Benchmark]
    public double PriorNetworkOnClampedExp() => Measure(static (x, y) => UL.PriorNetworkLoss(UL.ClampedExp(x), y));

    /// <summary><see cref="UL.PriorNetworkLossWithLogits"/> (its defaults: exp with clamp 10, τ = 100): the activation inside
    /// the fused pass (issue 18's fourth session).</summary>
    [Benchmark]
    public double PriorNetworkWithLogits() => Measure(static (x, y) => UL.PriorNetworkLossWithLogits(x, y));

    /// <summary>The two-step form the …WithLogits functions replace: <see cref="UL.EvidentialLoss"/> on
    /// <see cref="UL.ClampedExp"/>(logits), the reference row.</summary>
    [Benchmark]
    public double EvidentialTwoStep() => Measure(static (x, y) => UL.EvidentialLoss(UL.ClampedExp(x), y, regFactor: 1.0));
}
