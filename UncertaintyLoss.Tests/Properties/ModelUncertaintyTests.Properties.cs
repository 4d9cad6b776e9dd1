using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using UncertaintyLoss.Tests.PropertyTesting;
using UncertaintyLoss.Tests.Reference;
using UncertaintyLoss.Tests.TestSupport;
using static TorchSharp.torch;
using PropertyAttribute = FsCheck.NUnit.PropertyAttribute;

namespace UncertaintyLoss.Tests;

/// <summary>Property-based tests of <see cref="UL.ModelUncertainty"/> (mutual information) (FsCheck, fixed seeds): reference values, gradients and invariants.</summary>
public partial class ModelUncertaintyTests
{
    private static readonly Gen<MeasureSpec> PropertiesSpecs = Gen.Constant(
        MeasureSpec.PerPosition("ModelUncertainty", UL.ModelUncertainty, DirichletReference.MutualInformation, DirichletReference.EntropyMagnitude));

    private static Gen<(MeasureSpec Spec, MeasureCase Case)> PropertiesCases(Gen<MeasureCase> cases) =>
        from spec in PropertiesSpecs
        from c in cases
        select (spec, c);

    private static Gen<MeasureCase> PropertiesStandardCases { get; } =
        PropertyGens.MeasureCases(PropertyGens.Shapes(), c => PropertyGens.EvidenceRows(c), PropertyGens.BothDtypes);

    private static Gen<MeasureCase> PropertiesExtremeCases { get; } =
        PropertyGens.MeasureCases(PropertyGens.Shapes(), c => PropertyGens.EvidenceRows(c, maxLog10: 6), PropertyGens.BothDtypes);

    /// <summary>Float64 and Float32, evidence in [0, 1e4]: every output matches the reference.</summary>
    [Property(MaxTest = 100, Replay = "(496359,28775)", QuietOnSuccess = true)]
    public Property Properties_RandomInputs_MatchReference() =>
        Prop.ForAll(PropertiesCases(PropertiesStandardCases).ToArbitrary(),
            t => PropertyChecks.MeasureMatchesReference(t.Spec, t.Case));

    /// <summary>Float64 autograd gradient of a weighted sum of the outputs matches central differences of the reference.</summary>
    [Property(MaxTest = 40, Replay = "(456263,17841)", QuietOnSuccess = true)]
    public Property Properties_Gradient_MatchesFiniteDifferenceOfReference() =>
        Prop.ForAll(PropertiesCases(PropertyGens.MeasureCases(PropertyGens.GradientShapes, c => PropertyGens.GradientEvidenceRows(c), Gen.Constant(ScalarType.Float64))).ToArbitrary(),
            t => PropertyChecks.MeasureGradientMatchesFiniteDifference(t.Spec, t.Case));

    /// <summary>Extreme inputs, both dtypes: finite outputs and gradients, the input's dtype and the documented shape.</summary>
    [Property(MaxTest = 50, Replay = "(845566,129627)", QuietOnSuccess = true)]
    public Property Properties_ExtremeInputs_FiniteWithDtypeAndShape() =>
        Prop.ForAll(PropertiesCases(PropertiesExtremeCases).ToArbitrary(),
            t => PropertyChecks.MeasureIsFiniteWithDtypeAndShape(t.Spec, t.Case));

    /// <summary>Permuting the batch permutes the outputs.</summary>
    [Property(MaxTest = 50, Replay = "(911480,62007)", QuietOnSuccess = true)]
    public Property Properties_BatchPermuted_PermutesOutputs() =>
        Prop.ForAll(PropertyGens.WithBatchPermutation(PropertiesCases(PropertiesStandardCases), t => t.Case.Shape).ToArbitrary(),
            t => PropertyChecks.MeasureBatchPermutationCommutes(t.Case.Spec, t.Case.Case, t.Permutation));

    /// <summary>0 ≤ ModelUncertainty ≤ Uncertainty at every position (evidence up to 1e6, both dtypes).</summary>
    [Property(MaxTest = 50, Replay = "(770431,193521)", QuietOnSuccess = true)]
    public Property Properties_AnyEvidence_BetweenZeroAndUncertainty() =>
        Prop.ForAll(PropertiesExtremeCases.ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            var e = c.Tensor();
            double[] mi = Tensors.ToDoubles(UL.ModelUncertainty(e));
            double[] h = Tensors.ToDoubles(UL.Uncertainty(e));
            int bad = Enumerable.Range(0, mi.Length).FirstOrDefault(i => !(mi[i] >= 0 && mi[i] <= h[i]), -1);
            return PropertyChecks.Verdict(bad < 0, () =>
                $"ModelUncertainty {PropertyFormat.R(mi[bad])} not in [0, Uncertainty {PropertyFormat.R(h[bad])}] at {c.DescribePosition(bad)}; {c}");
        });
}
