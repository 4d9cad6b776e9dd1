using FsCheck;
using FsCheck.Fluent;
using UncertaintyLoss.Tests.PropertyTesting;
using UncertaintyLoss.Tests.Reference;
using PropertyAttribute = FsCheck.NUnit.PropertyAttribute;
using Reduction = TorchSharp.torch.nn.Reduction;

namespace UncertaintyLoss.Tests;

/// <summary>Property-based tests of <see cref="UL.DirichletPNormLoss"/> (FsCheck, fixed seeds): reference values, gradients and invariants.</summary>
public partial class DirichletPNormLossTests
{
    private static readonly Gen<LossSpec> PropertiesSpecs = Gen.Frequency(
        (4, Gen.Elements(1, 2, 3, 4, 7).Select(p => new LossSpec(
            $"DirichletPNormLoss(pNorm {p})",
            (e, t, r) => UL.DirichletPNormLoss(e, t, p, r),
            (e, c) => DirichletReference.DirichletPNorm(e, c, p),
            (e, y) => DirichletReference.DirichletPNorm(e, y, p)))),
        (1, Gen.Constant(new LossSpec(
            "DirichletPNormLoss(default pNorm 4)",
            (e, t, r) => UL.DirichletPNormLoss(e, t, reduction: r),
            (e, c) => DirichletReference.DirichletPNorm(e, c, 4),
            (e, y) => DirichletReference.DirichletPNorm(e, y, 4)))));

    private static Gen<(LossSpec Spec, LossCase Case)> PropertiesCases(Gen<LossCase> cases) =>
        from spec in PropertiesSpecs
        from c in cases
        select (spec, c);

    /// <summary>Reduction None, Float64 and Float32, index and probability targets, evidence in [0, 1e4]: every position matches the reference.</summary>
    [Property(MaxTest = 100, Replay = "(541698,184103)", QuietOnSuccess = true)]
    public Property Properties_ReductionNone_MatchesReferencePerPosition() =>
        Prop.ForAll(PropertiesCases(PropertyGens.StandardLossCases(Gen.Constant(Reduction.None))).ToArbitrary(),
            t => PropertyChecks.LossMatchesReference(t.Spec, t.Case));

    /// <summary>Reductions Mean and Sum match the compensated mean and sum of the reference.</summary>
    [Property(MaxTest = 60, Replay = "(532935,12911)", QuietOnSuccess = true)]
    public Property Properties_ReductionMeanOrSum_MatchesReducedReference() =>
        Prop.ForAll(PropertiesCases(PropertyGens.StandardLossCases(PropertyGens.Reduced)).ToArbitrary(),
            t => PropertyChecks.LossMatchesReference(t.Spec, t.Case));

    /// <summary>Float64 autograd gradient of the Sum (and sometimes Mean) loss matches central differences of the reference.</summary>
    [Property(MaxTest = 40, Replay = "(411916,34801)", QuietOnSuccess = true)]
    public Property Properties_Gradient_MatchesFiniteDifferenceOfReference() =>
        Prop.ForAll(PropertiesCases(PropertyGens.GradientLossCases(Gen.Frequency((3, Gen.Constant(Reduction.Sum)), (1, Gen.Constant(Reduction.Mean))))).ToArbitrary(),
            t => PropertyChecks.LossGradientMatchesFiniteDifference(t.Spec, t.Case));

    /// <summary>Reduction None summed equals Sum and averaged equals Mean (1e-12 relative in Float64).</summary>
    [Property(MaxTest = 50, Replay = "(577901,52023)", QuietOnSuccess = true)]
    public Property Properties_ReductionNoneSummedAndAveraged_EqualsSumAndMean() =>
        Prop.ForAll(PropertiesCases(PropertyGens.StandardLossCases(Gen.Constant(Reduction.None))).ToArbitrary(),
            t => PropertyChecks.ReductionsAgree(t.Spec, t.Case));

    /// <summary>Permuting the batch permutes the per-position losses.</summary>
    [Property(MaxTest = 50, Replay = "(444742,101937)", QuietOnSuccess = true)]
    public Property Properties_BatchPermuted_PermutesPerPositionLosses() =>
        Prop.ForAll(PropertyGens.WithBatchPermutation(PropertiesCases(PropertyGens.StandardLossCases(Gen.Constant(Reduction.None))), t => t.Case.Shape).ToArbitrary(),
            t => PropertyChecks.LossBatchPermutationCommutes(t.Case.Spec, t.Case.Case, t.Permutation));

    /// <summary>Evidence up to 1e6, both dtypes: values and the gradient of the Sum are finite.</summary>
    [Property(MaxTest = 50, Replay = "(825826,182051)", QuietOnSuccess = true)]
    public Property Properties_EvidenceUpTo1e6_ValuesAndGradientsFinite() =>
        Prop.ForAll(PropertiesCases(PropertyGens.StandardLossCases(Gen.Constant(Reduction.Sum), maxLog10: 6)).ToArbitrary(),
            t => PropertyChecks.LossIsFiniteWithGradient(t.Spec, t.Case));

    /// <summary>The output has the evidence's dtype; shape (N, d1..dk) for None, a scalar for Mean and Sum.</summary>
    [Property(MaxTest = 50, Replay = "(573324,51185)", QuietOnSuccess = true)]
    public Property Properties_AnyReduction_KeepsDtypeAndDocumentedShape() =>
        Prop.ForAll(PropertiesCases(PropertyGens.StandardLossCases(PropertyGens.AnyReduction)).ToArbitrary(),
            t => PropertyChecks.LossDtypeAndShape(t.Spec, t.Case));
}
