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

/// <summary>Property-based tests of <see cref="UL.CrossEntropyUncertainty"/> (softmax entropy of logits) (FsCheck, fixed seeds): reference values, gradients and invariants.</summary>
public partial class CrossEntropyUncertaintyTests
{
    private static readonly Gen<MeasureSpec> PropertiesSpecs = Gen.Constant(
        MeasureSpec.PerPosition("CrossEntropyUncertainty", UL.CrossEntropyUncertainty, DirichletReference.SoftmaxEntropy));

    private static Gen<(MeasureSpec Spec, MeasureCase Case)> PropertiesCases(Gen<MeasureCase> cases) =>
        from spec in PropertiesSpecs
        from c in cases
        select (spec, c);

    private static Gen<MeasureCase> PropertiesStandardCases { get; } =
        PropertyGens.MeasureCases(PropertyGens.Shapes(), c => PropertyGens.LogitRows(c), PropertyGens.BothDtypes);

    private static Gen<MeasureCase> PropertiesExtremeCases { get; } =
        PropertyGens.MeasureCases(PropertyGens.Shapes(), c => PropertyGens.LogitRows(c, bound: 1e6), PropertyGens.BothDtypes);

    /// <summary>Float64 and Float32, logits in [−30, 30]: every output matches the reference.</summary>
    [Property(MaxTest = 100, Replay = "(998255,437)", QuietOnSuccess = true)]
    public Property Properties_RandomInputs_MatchReference() =>
        Prop.ForAll(PropertiesCases(PropertiesStandardCases).ToArbitrary(),
            t => PropertyChecks.MeasureMatchesReference(t.Spec, t.Case));

    /// <summary>Float64 autograd gradient of a weighted sum of the outputs matches central differences of the reference.</summary>
    [Property(MaxTest = 40, Replay = "(149838,102471)", QuietOnSuccess = true)]
    public Property Properties_Gradient_MatchesFiniteDifferenceOfReference() =>
        Prop.ForAll(PropertiesCases(PropertyGens.MeasureCases(PropertyGens.GradientShapes, c => PropertyGens.LogitRows(c), Gen.Constant(ScalarType.Float64))).ToArbitrary(),
            t => PropertyChecks.MeasureGradientMatchesFiniteDifference(t.Spec, t.Case));

    /// <summary>Extreme inputs, both dtypes: finite outputs and gradients, the input's dtype and the documented shape.</summary>
    [Property(MaxTest = 50, Replay = "(590086,198455)", QuietOnSuccess = true)]
    public Property Properties_ExtremeInputs_FiniteWithDtypeAndShape() =>
        Prop.ForAll(PropertiesCases(PropertiesExtremeCases).ToArbitrary(),
            t => PropertyChecks.MeasureIsFiniteWithDtypeAndShape(t.Spec, t.Case));

    /// <summary>Permuting the batch permutes the outputs.</summary>
    [Property(MaxTest = 50, Replay = "(724841,182025)", QuietOnSuccess = true)]
    public Property Properties_BatchPermuted_PermutesOutputs() =>
        Prop.ForAll(PropertyGens.WithBatchPermutation(PropertiesCases(PropertiesStandardCases), t => t.Case.Shape).ToArbitrary(),
            t => PropertyChecks.MeasureBatchPermutationCommutes(t.Case.Spec, t.Case.Case, t.Permutation));

    /// <summary>0 ≤ entropy ≤ ln C (to rounding: 1e-12 / 1e-6 relative), logits up to ±1e6, both dtypes.</summary>
    [Property(MaxTest = 50, Replay = "(859798,161567)", QuietOnSuccess = true)]
    public Property Properties_AnyLogits_BetweenZeroAndLogClasses() =>
        Prop.ForAll(PropertiesExtremeCases.ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            double[] h = Tensors.ToDoubles(UL.CrossEntropyUncertainty(c.Tensor()));
            double max = Math.Log(c.Classes) * (1 + (c.Dtype == ScalarType.Float64 ? 1e-12 : 1e-6));
            int bad = Array.FindIndex(h, x => !(x >= 0 && x <= max));
            return PropertyChecks.Verdict(bad < 0, () => $"CrossEntropyUncertainty {PropertyFormat.R(h[bad])} outside [0, ln C] at {c.DescribePosition(bad)}; {c}");
        });
}
