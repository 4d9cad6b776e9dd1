using BenchmarkDotNet.Attributes;

namespace UncertaintyLoss.Benchmarks;

/// <summary>
/// <see cref="UL.RelaxedEvidentialLoss"/> (R-EDL: regFactor 1, the paper's prior weight 0.1, <see cref="UL.ClampedExp"/>
/// evidence as in the other loss benchmarks) against <c>cross_entropy</c> on the same logits and targets.
/// </summary>
/// <remarks>With λ = 0.1 most α = e + λ of standard normal logits' evidence are below 1, so most vectors of the fused
/// kernel's special functions take the per-lane recurrence shift (PolygammaVector), the realistic case for R-EDL.</remarks>
[MemoryDiagnoser]
public class RelaxedEvidentialLossBenchmarks : LossBenchmarkBase
{
    /// <summary>R-EDL's prior weight λ: 0.1, the paper's (Chen, Gao and Xu, ICLR 2024) and the library's default.</summary>
    private const double PriorWeight = 0.1;

    /// <summary><c>cross_entropy</c> on the logits (the Ratio column's 1.00).</summary>
    [Benchmark(Baseline = true)]
    public double CrossEntropy() => MeasureCrossEntropy();

    /// <summary><see cref="UL.RelaxedEvidentialLoss"/> on <c>ClampedExp(logits)</c>.</summary>
    [Benchmark]
    public double RelaxedEvidentialLoss() =>
        Measure(static (x, y) => UL.RelaxedEvidentialLoss(UL.ClampedExp(x), y, regFactor: 1.0, priorWeight: PriorWeight));

    /// <summary>The loss alone, on precomputed evidence (a leaf <c>ClampedExp(logits)</c>).</summary>
    [Benchmark]
    public double RelaxedEvidentialLossOnEvidence() =>
        MeasureOnEvidence(static (e, y) => UL.RelaxedEvidentialLoss(e, y, regFactor: 1.0, priorWeight: PriorWeight));
}
