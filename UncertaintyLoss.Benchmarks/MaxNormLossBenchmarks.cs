using BenchmarkDotNet.Attributes;

namespace UncertaintyLoss.Benchmarks;

/// <summary>
/// <see cref="UL.MaxNormLoss"/> (regFactor 1, <see cref="UL.ClampedExp"/> evidence) against <c>cross_entropy</c>
/// on the same logits and targets.
/// </summary>
[MemoryDiagnoser]
public class MaxNormLossBenchmarks : LossBenchmarkBase
{
    /// <summary><c>cross_entropy</c> on the logits (the Ratio column's 1.00).</summary>
    [Benchmark(Baseline = true)]
    public double CrossEntropy() => MeasureCrossEntropy();

    /// <summary><see cref="UL.MaxNormLoss"/> on <c>ClampedExp(logits)</c>.</summary>
    [Benchmark]
    public double MaxNormLoss() => Measure(static (x, y) => UL.MaxNormLoss(UL.ClampedExp(x), y, regFactor: 1.0));

    /// <summary>The loss alone, on precomputed evidence (a leaf <c>ClampedExp(logits)</c>): what the loss costs without
    /// the evidence activation.</summary>
    [Benchmark]
    public double MaxNormLossOnEvidence() => MeasureOnEvidence(static (e, y) => UL.MaxNormLoss(e, y, regFactor: 1.0));

    /// <summary><see cref="UL.MaxNormLoss"/> on <c>ClampedExp(logits)</c> with label-smoothed probability targets (ε = 0.1,
    /// mass on every class). Probability targets always take the composed path; compare with <see cref="MaxNormLoss"/>
    /// at <c>Path=Composed</c>.</summary>
    [Benchmark]
    public double MaxNormLossSoftTargets() => MeasureWithProbabilities(static (x, y) => UL.MaxNormLoss(UL.ClampedExp(x), y, regFactor: 1.0));
}
