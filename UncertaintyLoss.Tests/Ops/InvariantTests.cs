namespace UncertaintyLoss.Tests.Ops;

/// <summary>
/// Invariants every function of <see cref="OpTable"/> keeps, whatever its formula: reductions agree with each other, a
/// batch permutation permutes the output, the output is finite (with a finite gradient) for evidence up to 1e6 and has
/// the input's dtype and the documented shape.
/// </summary>
[TestFixture]
public sealed class InvariantTests
{
    /// <summary>Reduction None summed equals Sum and averaged equals Mean (1e-12 relative in Float64).</summary>
    [TestCaseSource(typeof(OpTable), nameof(OpTable.LossCases))]
    public void Loss_ReductionNoneSummedAndAveraged_EqualsSumAndMean(LossOp op) =>
        Prop.ForAll(OpGens.Cases(op, PropertyGens.StandardLossCases(Gen.Constant(Reduction.None))).ToArbitrary(),
                t => PropertyChecks.ReductionsAgree(t.Spec, t.Case))
            .Check(Seeds.For($"Invariants.Reductions|{op}", 50));

    /// <summary>Permuting the batch permutes the per-position losses.</summary>
    [TestCaseSource(typeof(OpTable), nameof(OpTable.LossCases))]
    public void Loss_BatchPermuted_PermutesPerPositionLosses(LossOp op) =>
        Prop.ForAll(PropertyGens.WithBatchPermutation(OpGens.Cases(op, PropertyGens.StandardLossCases(Gen.Constant(Reduction.None))), t => t.Case.Shape).ToArbitrary(),
                t => PropertyChecks.LossBatchPermutationCommutes(t.Case.Spec, t.Case.Case, t.Permutation))
            .Check(Seeds.For($"Invariants.Permutation|{op}", 50));

    /// <summary>Evidence up to 1e6, both dtypes: values and the gradient of the Sum are finite.</summary>
    [TestCaseSource(typeof(OpTable), nameof(OpTable.LossCases))]
    public void Loss_EvidenceUpTo1e6_ValuesAndGradientsFinite(LossOp op) =>
        Prop.ForAll(OpGens.Cases(op, PropertyGens.StandardLossCases(Gen.Constant(Reduction.Sum), maxLog10: 6)).ToArbitrary(),
                t => PropertyChecks.LossIsFiniteWithGradient(t.Spec, t.Case))
            .Check(Seeds.For($"Invariants.Finite|{op}", 50));

    /// <summary>The output has the evidence's dtype; shape (N, d1..dk) for None, a scalar for Mean and Sum.</summary>
    [TestCaseSource(typeof(OpTable), nameof(OpTable.LossCases))]
    public void Loss_AnyReduction_KeepsDtypeAndDocumentedShape(LossOp op) =>
        Prop.ForAll(OpGens.Cases(op, PropertyGens.StandardLossCases(PropertyGens.AnyReduction)).ToArbitrary(),
                t => PropertyChecks.LossDtypeAndShape(t.Spec, t.Case))
            .Check(Seeds.For($"Invariants.DtypeShape|{op}", 50));

    /// <summary>Extreme inputs, both dtypes: finite outputs and gradients, the input's dtype and the documented shape.</summary>
    [TestCaseSource(typeof(OpTable), nameof(OpTable.MeasureCases))]
    public void Measure_ExtremeInputs_FiniteWithDtypeAndShape(MeasureOp op) =>
        Prop.ForAll(OpGens.Cases(op, OpGens.Extreme(op)).ToArbitrary(),
                t => PropertyChecks.MeasureIsFiniteWithDtypeAndShape(t.Spec, t.Case))
            .Check(Seeds.For($"Invariants.Extreme|{op}", 50));

    /// <summary>Permuting the batch permutes the outputs.</summary>
    [TestCaseSource(typeof(OpTable), nameof(OpTable.MeasureCases))]
    public void Measure_BatchPermuted_PermutesOutputs(MeasureOp op) =>
        Prop.ForAll(PropertyGens.WithBatchPermutation(OpGens.Cases(op, OpGens.Standard(op)), t => t.Case.Shape).ToArbitrary(),
                t => PropertyChecks.MeasureBatchPermutationCommutes(t.Case.Spec, t.Case.Case, t.Permutation))
            .Check(Seeds.For($"Invariants.Permutation|{op}", 50));
}
