using BenchmarkDotNet.Attributes;

namespace UncertaintyLoss.Benchmarks;

/// <summary>
/// <see cref="UL.EvidentialLoss"/> (regFactor 1, <see cref="UL.ClampedExp"/> evidence), with each of its three risks,
/// against <c>cross_entropy</c> on the same logits and targets.
/// </summary>
[MemoryDiagnoser]
public class EvidentialLossBenchmarks : LossBenchmarkBase
{
    /// <summary><c>cross_entropy</c> on the logits (the Ratio column's 1.00).</summary>
    [Benchmark(Baseline = true)]
    public double CrossEntropy() => MeasureCrossEntropy();

    /// <summary><see cref="UL.EvidentialLoss"/> on <c>ClampedExp(logits)</c>.</summary>
    [Benchmark]
    public double EvidentialLoss() => Measure(static (x, y) => UL.EvidentialLoss(UL.ClampedExp(x), y, regFactor: 1.0));

    /// <summary>The loss alone, on precomputed evidence (a leaf <c>ClampedExp(logits)</c>): what the loss costs without
    /// the evidence activation.</summary>
    [Benchmark]
    public double EvidentialLossOnEvidence() => MeasureOnEvidence(static (e, y) => UL.EvidentialLoss(e, y, regFactor: 1.0));

    /// <summary><see cref="UL.EvidentialLoss"/> with the log-likelihood risk (EDL eq. 3, torch-uncertainty's default
    /// <c>DECLoss</c> form) on <c>ClampedExp(logits)</c>.</summary>
    [Benchmark]
    public double EvidentialLossLog() =>
        Measure(static (x, y) => UL.EvidentialLoss(UL.ClampedExp(x), y, regFactor: 1.0, risk: EvidentialRisk.LogLikelihood));

    /// <summary>The log-likelihood form alone, on precomputed evidence.</summary>
    [Benchmark]
    public double EvidentialLossLogOnEvidence() =>
        MeasureOnEvidence(static (e, y) => UL.EvidentialLoss(e, y, regFactor: 1.0, risk: EvidentialRisk.LogLikelihood));

    /// <summary><see cref="UL.EvidentialLoss"/> with the cross-entropy (digamma) risk (EDL eq. 4) on <c>ClampedExp(logits)</c>.</summary>
    [Benchmark]
    public double EvidentialLossDigamma() =>
        Measure(static (x, y) => UL.EvidentialLoss(UL.ClampedExp(x), y, regFactor: 1.0, risk: EvidentialRisk.CrossEntropy));

    /// <summary>The cross-entropy (digamma) form alone, on precomputed evidence.</summary>
    [Benchmark]
    public double EvidentialLossDigammaOnEvidence() =>
        MeasureOnEvidence(static (e, y) => UL.EvidentialLoss(e, y, regFactor: 1.0, risk: EvidentialRisk.CrossEntropy));
}
