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

/// <summary>Property-based tests of <see cref="UL.Uncertainty"/> (entropy of the Dirichlet mean) (FsCheck, fixed seeds): reference values, gradients and invariants.</summary>
public partial class UncertaintyTests
{
    private static readonly Gen<MeasureSpec> PropertiesSpecs = Gen.Elements(
        MeasureSpec.PerPosition("Uncertainty(normalize false)", e => UL.Uncertainty(e, normalize: false), e => DirichletReference.PredictiveEntropy(e, normalize: false)),
        MeasureSpec.PerPosition("Uncertainty(normalize true)", e => UL.Uncertainty(e, normalize: true), e => DirichletReference.PredictiveEntropy(e, normalize: true)),
        MeasureSpec.PerPosition("Uncertainty(default normalize false)", e => UL.Uncertainty(e), e => DirichletReference.PredictiveEntropy(e, normalize: false)));

    private static Gen<(MeasureSpec Spec, MeasureCase Case)> PropertiesCases(Gen<MeasureCase> cases) =>
        from spec in PropertiesSpecs
        from c in cases
        select (spec, c);

    private static Gen<MeasureCase> PropertiesStandardCases { get; } =
        PropertyGens.MeasureCases(PropertyGens.Shapes(), c => PropertyGens.EvidenceRows(c), PropertyGens.BothDtypes);

    private static Gen<MeasureCase> PropertiesExtremeCases { get; } =
        PropertyGens.MeasureCases(PropertyGens.Shapes(), c => PropertyGens.EvidenceRows(c, maxLog10: 6), PropertyGens.BothDtypes);

    /// <summary>Float64 and Float32, evidence in [0, 1e4]: every output matches the reference.</summary>
    [Property(MaxTest = 100, Replay = "(560715,48997)", QuietOnSuccess = true)]
    public Property Properties_RandomInputs_MatchReference() =>
        Prop.ForAll(PropertiesCases(PropertiesStandardCases).ToArbitrary(),
            t => PropertyChecks.MeasureMatchesReference(t.Spec, t.Case));

    /// <summary>Float64 autograd gradient of a weighted sum of the outputs matches central differences of the reference.</summary>
    [Property(MaxTest = 40, Replay = "(727074,8785)", QuietOnSuccess = true)]
    public Property Properties_Gradient_MatchesFiniteDifferenceOfReference() =>
        Prop.ForAll(PropertiesCases(PropertyGens.MeasureCases(PropertyGens.GradientShapes, c => PropertyGens.GradientEvidenceRows(c), Gen.Constant(ScalarType.Float64))).ToArbitrary(),
            t => PropertyChecks.MeasureGradientMatchesFiniteDifference(t.Spec, t.Case));

    /// <summary>Extreme inputs, both dtypes: finite outputs and gradients, the input's dtype and the documented shape.</summary>
    [Property(MaxTest = 50, Replay = "(820678,150571)", QuietOnSuccess = true)]
    public Property Properties_ExtremeInputs_FiniteWithDtypeAndShape() =>
        Prop.ForAll(PropertiesCases(PropertiesExtremeCases).ToArbitrary(),
            t => PropertyChecks.MeasureIsFiniteWithDtypeAndShape(t.Spec, t.Case));

    /// <summary>Permuting the batch permutes the outputs.</summary>
    [Property(MaxTest = 50, Replay = "(585486,199079)", QuietOnSuccess = true)]
    public Property Properties_BatchPermuted_PermutesOutputs() =>
        Prop.ForAll(PropertyGens.WithBatchPermutation(PropertiesCases(PropertiesStandardCases), t => t.Case.Shape).ToArbitrary(),
            t => PropertyChecks.MeasureBatchPermutationCommutes(t.Case.Spec, t.Case.Case, t.Permutation));

    /// <summary>Normalized uncertainty lies in [0, 1] (evidence up to 1e6, both dtypes).</summary>
    [Property(MaxTest = 50, Replay = "(700825,144009)", QuietOnSuccess = true)]
    public Property Properties_Normalized_LiesInUnitInterval() =>
        Prop.ForAll(PropertiesExtremeCases.ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            double[] h = Tensors.ToDoubles(UL.Uncertainty(c.Tensor(), normalize: true));
            int bad = Array.FindIndex(h, x => !(x >= 0 && x <= 1));
            return PropertyChecks.Verdict(bad < 0, () => $"Uncertainty(normalize true) = {PropertyFormat.R(h[bad])} outside [0, 1] at {c.DescribePosition(bad)}; {c}");
        });
}
