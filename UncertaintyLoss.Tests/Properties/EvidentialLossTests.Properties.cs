using FsCheck;
using FsCheck.Fluent;
using UncertaintyLoss.Tests.PropertyTesting;
using UncertaintyLoss.Tests.Reference;
using PropertyAttribute = FsCheck.NUnit.PropertyAttribute;
using Reduction = TorchSharp.torch.nn.Reduction;

namespace UncertaintyLoss.Tests;

/// <summary>Property-based tests of <see cref="UL.EvidentialLoss"/> (Dirichlet MSE + λ·KL) (FsCheck, fixed seeds): reference values, gradients and invariants.</summary>
public partial class EvidentialLossTests
{
    private static readonly Gen<LossSpec> PropertiesSpecs = Gen.Frequency(
        (3, Gen.Elements(0.0, 0.5, 1.0).Select(lambda => new LossSpec(
            $"EvidentialLoss(regFactor {lambda})",
            (e, t, r) => UL.EvidentialLoss(e, t, lambda, r),
            (e, c) => PropertiesReference(e, DirichletReference.OneHot(c, e.Length), lambda),
            (e, y) => PropertiesReference(e, y, lambda),
            lambda > 0 ? (e, y) => DirichletReference.DirichletMse(e, y) + lambda * DirichletReference.UniformDirichletKlMagnitude(e, y) : null))),
        (1, Gen.Constant(new LossSpec(
            "EvidentialLoss(default regFactor 0)",
            (e, t, r) => UL.EvidentialLoss(e, t, reduction: r),
            (e, c) => PropertiesReference(e, DirichletReference.OneHot(c, e.Length), 0),
            (e, y) => PropertiesReference(e, y, 0)))));

    private static double PropertiesReference(double[] e, double[] y, double lambda) =>
        DirichletReference.DirichletMse(e, y) + (lambda > 0 ? lambda * DirichletReference.UniformDirichletKl(e, y) : 0);

    private static Gen<(LossSpec Spec, LossCase Case)> PropertiesCases(Gen<LossCase> cases) =>
        from spec in PropertiesSpecs
        from c in cases
        select (spec, c);

    /// <summary>Reduction None, Float64 and Float32, index and probability targets, evidence in [0, 1e4]: every position matches the reference.</summary>
    [Property(MaxTest = 100, Replay = "(203022,59699)", QuietOnSuccess = true)]
    public Property Properties_ReductionNone_MatchesReferencePerPosition() =>
        Prop.ForAll(PropertiesCases(PropertyGens.StandardLossCases(Gen.Constant(Reduction.None))).ToArbitrary(),
            t => PropertyChecks.LossMatchesReference(t.Spec, t.Case));

    /// <summary>Reductions Mean and Sum match the compensated mean and sum of the reference.</summary>
    [Property(MaxTest = 60, Replay = "(260203,46567)", QuietOnSuccess = true)]
    public Property Properties_ReductionMeanOrSum_MatchesReducedReference() =>
        Prop.ForAll(PropertiesCases(PropertyGens.StandardLossCases(PropertyGens.Reduced)).ToArbitrary(),
            t => PropertyChecks.LossMatchesReference(t.Spec, t.Case));

    /// <summary>Float64 autograd gradient of the Sum (and sometimes Mean) loss matches central differences of the reference.</summary>
    [Property(MaxTest = 40, Replay = "(875038,51397)", QuietOnSuccess = true)]
    public Property Properties_Gradient_MatchesFiniteDifferenceOfReference() =>
        Prop.ForAll(PropertiesCases(PropertyGens.GradientLossCases(Gen.Frequency((3, Gen.Constant(Reduction.Sum)), (1, Gen.Constant(Reduction.Mean))))).ToArbitrary(),
            t => PropertyChecks.LossGradientMatchesFiniteDifference(t.Spec, t.Case));

    /// <summary>Reduction None summed equals Sum and averaged equals Mean (1e-12 relative in Float64).</summary>
    [Property(MaxTest = 50, Replay = "(864703,104557)", QuietOnSuccess = true)]
    public Property Properties_ReductionNoneSummedAndAveraged_EqualsSumAndMean() =>
        Prop.ForAll(PropertiesCases(PropertyGens.StandardLossCases(Gen.Constant(Reduction.None))).ToArbitrary(),
            t => PropertyChecks.ReductionsAgree(t.Spec, t.Case));

    /// <summary>Permuting the batch permutes the per-position losses.</summary>
    [Property(MaxTest = 50, Replay = "(58922,189645)", QuietOnSuccess = true)]
    public Property Properties_BatchPermuted_PermutesPerPositionLosses() =>
        Prop.ForAll(PropertyGens.WithBatchPermutation(PropertiesCases(PropertyGens.StandardLossCases(Gen.Constant(Reduction.None))), t => t.Case.Shape).ToArbitrary(),
            t => PropertyChecks.LossBatchPermutationCommutes(t.Case.Spec, t.Case.Case, t.Permutation));

    /// <summary>Evidence up to 1e6, both dtypes: values and the gradient of the Sum are finite.</summary>
    [Property(MaxTest = 50, Replay = "(596152,1665)", QuietOnSuccess = true)]
    public Property Properties_EvidenceUpTo1e6_ValuesAndGradientsFinite() =>
        Prop.ForAll(PropertiesCases(PropertyGens.StandardLossCases(Gen.Constant(Reduction.Sum), maxLog10: 6)).ToArbitrary(),
            t => PropertyChecks.LossIsFiniteWithGradient(t.Spec, t.Case));

    /// <summary>The output has the evidence's dtype; shape (N, d1..dk) for None, a scalar for Mean and Sum.</summary>
    [Property(MaxTest = 50, Replay = "(971314,20799)", QuietOnSuccess = true)]
    public Property Properties_AnyReduction_KeepsDtypeAndDocumentedShape() =>
        Prop.ForAll(PropertiesCases(PropertyGens.StandardLossCases(PropertyGens.AnyReduction)).ToArbitrary(),
            t => PropertyChecks.LossDtypeAndShape(t.Spec, t.Case));
}
