using BenchmarkDotNet.Attributes;

namespace UncertaintyLoss.Benchmarks;

/// <summary>
/// <see cref="UL.EvidentialLoss"/> (regFactor 1, <see cref="UL.ClampedExp"/> evidence) against <c>cross_entropy</c>
/// on the same logits and targets.
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
}
