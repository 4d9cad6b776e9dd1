namespace UncertaintyLoss.Tests.Ops;

/// <summary>
/// Every function of <see cref="OpTable"/>: the Float64 autograd gradient matches central finite differences of the MathNet
/// reference (on whichever kernel path the suite runs; the fused path's higher orders are in Trust/GradientOrderTests).
/// </summary>
[TestFixture]
public sealed class GradientTests
{
    /// <summary>Gradient of the Sum (and sometimes the Mean) loss, index and probability targets, N-d shapes.</summary>
    [TestCaseSource(typeof(OpTable), nameof(OpTable.LossCases))]
    public void Loss_Gradient_MatchesFiniteDifferenceOfReference(LossOp op) =>
        Prop.ForAll(OpGens.Cases(op, OpGens.WithEvidenceFloor(PropertyGens.GradientLossCases(Gen.Frequency((3, Gen.Constant(Reduction.Sum)), (1, Gen.Constant(Reduction.Mean)))),
                    op.GradientEvidenceFloor)).ToArbitrary(),
                t => PropertyChecks.LossGradientMatchesFiniteDifference(t.Spec, t.Case))
            .Check(Seeds.For($"Gradient|{op}", 40));

    /// <summary>Gradient of a weighted sum of the outputs.</summary>
    [TestCaseSource(typeof(OpTable), nameof(OpTable.MeasureCases))]
    public void Measure_Gradient_MatchesFiniteDifferenceOfReference(MeasureOp op) =>
        Prop.ForAll(OpGens.Cases(op, OpGens.Gradient(op)).ToArbitrary(),
                t => PropertyChecks.MeasureGradientMatchesFiniteDifference(t.Spec, t.Case))
            .Check(Seeds.For($"Gradient|{op}", 40));
}
