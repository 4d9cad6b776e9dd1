namespace UncertaintyLoss.Tests.Ops;

/// <summary>
/// Every function of <see cref="OpTable"/> against its MathNet double-precision reference (FsCheck): random shapes
/// (N-d included), Float64 and Float32, index and probability targets, evidence in [0, 1e4]; Float64 within ~1e-10 and
/// Float32 within ~1e-5 relative of max(|value|, cancelling terms).
/// </summary>
[TestFixture]
public sealed class ReferenceValueTests
{
    /// <summary>Reduction None: every position matches the reference.</summary>
    [TestCaseSource(typeof(OpTable), nameof(OpTable.LossCases))]
    public void Loss_ReductionNone_MatchesReferencePerPosition(LossOp op) =>
        Prop.ForAll(OpGens.Cases(op, PropertyGens.StandardLossCases(Gen.Constant(Reduction.None))).ToArbitrary(),
                t => PropertyChecks.LossMatchesReference(t.Spec, t.Case))
            .Check(Seeds.For($"ReferenceValues.None|{op}", 100));

    /// <summary>Reductions Mean and Sum match the compensated mean and sum of the reference.</summary>
    [TestCaseSource(typeof(OpTable), nameof(OpTable.LossCases))]
    public void Loss_ReductionMeanOrSum_MatchesReducedReference(LossOp op) =>
        Prop.ForAll(OpGens.Cases(op, PropertyGens.StandardLossCases(PropertyGens.Reduced)).ToArbitrary(),
                t => PropertyChecks.LossMatchesReference(t.Spec, t.Case))
            .Check(Seeds.For($"ReferenceValues.Reduced|{op}", 60));

    /// <summary>Every output element matches the reference (a value per position, or per class for the mean and mode).</summary>
    [TestCaseSource(typeof(OpTable), nameof(OpTable.MeasureCases))]
    public void Measure_RandomInputs_MatchReference(MeasureOp op) =>
        Prop.ForAll(OpGens.Cases(op, OpGens.Standard(op)).ToArbitrary(),
                t => PropertyChecks.MeasureMatchesReference(t.Spec, t.Case))
            .Check(Seeds.For($"ReferenceValues|{op}", 100));
}
