using FsCheck;
using FsCheck.Fluent;
using UncertaintyLoss.Tests.PropertyTesting;
using UncertaintyLoss.Tests.Reference;
using PropertyAttribute = FsCheck.NUnit.PropertyAttribute;
using Reduction = TorchSharp.torch.nn.Reduction;

namespace UncertaintyLoss.Tests;

/// <summary>Property-based tests of <see cref="UL.MaxNormLoss"/> (p-norm + λ·Fisher) (FsCheck, fixed seeds): reference values, gradients and invariants.</summary>
public partial class MaxNormLossTests
{
    private static readonly Gen<LossSpec> PropertiesSpecs = Gen.Frequency(
        (8, from lambda in Gen.Elements(0.0, 0.5, 1.0)
            from p in Gen.Elements(1, 2, 3, 4, 7)
            from sum in Gen.Elements(FisherAlphaSum.All, FisherAlphaSum.ExcludingTrueClass)
            select PropertiesSpec($"MaxNormLoss(regFactor {lambda}, pNorm {p}, {sum})", (e, t, r) => UL.MaxNormLoss(e, t, lambda, p, r, sum), lambda, p, sum)),
        (1, Gen.Constant(PropertiesSpec("MaxNormLoss(defaults: regFactor 0, pNorm 4, All)", (e, t, r) => UL.MaxNormLoss(e, t, reduction: r), 0, 4, FisherAlphaSum.All))),
        (1, Gen.Constant(PropertiesSpec("MaxNormLoss(regFactor 1, defaults: pNorm 4, All)", (e, t, r) => UL.MaxNormLoss(e, t, 1.0, reduction: r), 1, 4, FisherAlphaSum.All))));

    private static LossSpec PropertiesSpec(string name, System.Func<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor, Reduction, TorchSharp.torch.Tensor> torch, double lambda, int p, FisherAlphaSum sum)
    {
        bool paper = sum == FisherAlphaSum.ExcludingTrueClass;
        return new LossSpec(name, torch,
            (e, c) => DirichletReference.DirichletPNorm(e, c, p) + (lambda > 0 ? lambda * DirichletReference.FisherRegularizer(e, c, paper) : 0),
            (e, y) => DirichletReference.DirichletPNorm(e, y, p) + (lambda > 0 ? lambda * DirichletReference.FisherRegularizer(e, y, paper) : 0),
            lambda > 0 ? (e, y) => DirichletReference.DirichletPNorm(e, y, p) + lambda * DirichletReference.FisherMagnitude(e, y, paper) : null);
    }

    private static Gen<(LossSpec Spec, LossCase Case)> PropertiesCases(Gen<LossCase> cases) =>
        from spec in PropertiesSpecs
        from c in cases
        select (spec, c);

    /// <summary>Reduction None, Float64 and Float32, index and probability targets, evidence in [0, 1e4]: every position matches the reference.</summary>
    [Property(MaxTest = 100, Replay = "(101685,144909)", QuietOnSuccess = true)]
    public Property Properties_ReductionNone_MatchesReferencePerPosition() =>
        Prop.ForAll(PropertiesCases(PropertyGens.StandardLossCases(Gen.Constant(Reduction.None))).ToArbitrary(),
            t => PropertyChecks.LossMatchesReference(t.Spec, t.Case));

    /// <summary>Reductions Mean and Sum match the compensated mean and sum of the reference.</summary>
    [Property(MaxTest = 60, Replay = "(439753,12679)", QuietOnSuccess = true)]
    public Property Properties_ReductionMeanOrSum_MatchesReducedReference() =>
        Prop.ForAll(PropertiesCases(PropertyGens.StandardLossCases(PropertyGens.Reduced)).ToArbitrary(),
            t => PropertyChecks.LossMatchesReference(t.Spec, t.Case));

    /// <summary>Float64 autograd gradient of the Sum (and sometimes Mean) loss matches central differences of the reference.</summary>
    [Property(MaxTest = 40, Replay = "(459545,19203)", QuietOnSuccess = true)]
    public Property Properties_Gradient_MatchesFiniteDifferenceOfReference() =>
        Prop.ForAll(PropertiesCases(PropertyGens.GradientLossCases(Gen.Frequency((3, Gen.Constant(Reduction.Sum)), (1, Gen.Constant(Reduction.Mean))))).ToArbitrary(),
            t => PropertyChecks.LossGradientMatchesFiniteDifference(t.Spec, t.Case));

    /// <summary>Reduction None summed equals Sum and averaged equals Mean (1e-12 relative in Float64).</summary>
    [Property(MaxTest = 50, Replay = "(315897,121719)", QuietOnSuccess = true)]
    public Property Properties_ReductionNoneSummedAndAveraged_EqualsSumAndMean() =>
        Prop.ForAll(PropertiesCases(PropertyGens.StandardLossCases(Gen.Constant(Reduction.None))).ToArbitrary(),
            t => PropertyChecks.ReductionsAgree(t.Spec, t.Case));

    /// <summary>Permuting the batch permutes the per-position losses.</summary>
    [Property(MaxTest = 50, Replay = "(561384,161067)", QuietOnSuccess = true)]
    public Property Properties_BatchPermuted_PermutesPerPositionLosses() =>
        Prop.ForAll(PropertyGens.WithBatchPermutation(PropertiesCases(PropertyGens.StandardLossCases(Gen.Constant(Reduction.None))), t => t.Case.Shape).ToArbitrary(),
            t => PropertyChecks.LossBatchPermutationCommutes(t.Case.Spec, t.Case.Case, t.Permutation));

    /// <summary>Evidence up to 1e6, both dtypes: values and the gradient of the Sum are finite.</summary>
    [Property(MaxTest = 50, Replay = "(636272,124935)", QuietOnSuccess = true)]
    public Property Properties_EvidenceUpTo1e6_ValuesAndGradientsFinite() =>
        Prop.ForAll(PropertiesCases(PropertyGens.StandardLossCases(Gen.Constant(Reduction.Sum), maxLog10: 6)).ToArbitrary(),
            t => PropertyChecks.LossIsFiniteWithGradient(t.Spec, t.Case));

    /// <summary>The output has the evidence's dtype; shape (N, d1..dk) for None, a scalar for Mean and Sum.</summary>
    [Property(MaxTest = 50, Replay = "(613190,176739)", QuietOnSuccess = true)]
    public Property Properties_AnyReduction_KeepsDtypeAndDocumentedShape() =>
        Prop.ForAll(PropertiesCases(PropertyGens.StandardLossCases(PropertyGens.AnyReduction)).ToArbitrary(),
            t => PropertyChecks.LossDtypeAndShape(t.Spec, t.Case));
}
