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

/// <summary>Property-based tests of <see cref="UL.DirichletMean"/> (FsCheck, fixed seeds): reference values, gradients and invariants.</summary>
public partial class DirichletMeanTests
{
    private static readonly Gen<MeasureSpec> PropertiesSpecs = Gen.Constant(
        MeasureSpec.PerClass("DirichletMean", UL.DirichletMean, DirichletReference.DirichletMean));

    private static Gen<(MeasureSpec Spec, MeasureCase Case)> PropertiesCases(Gen<MeasureCase> cases) =>
        from spec in PropertiesSpecs
        from c in cases
        select (spec, c);

    private static Gen<MeasureCase> PropertiesStandardCases { get; } =
        PropertyGens.MeasureCases(PropertyGens.Shapes(), c => PropertyGens.EvidenceRows(c), PropertyGens.BothDtypes);

    private static Gen<MeasureCase> PropertiesExtremeCases { get; } =
        PropertyGens.MeasureCases(PropertyGens.Shapes(), c => PropertyGens.EvidenceRows(c, maxLog10: 6), PropertyGens.BothDtypes);

    /// <summary>Float64 and Float32, evidence in [0, 1e4]: every output matches the reference.</summary>
    [Property(MaxTest = 100, Replay = "(140492,155157)", QuietOnSuccess = true)]
    public Property Properties_RandomInputs_MatchReference() =>
        Prop.ForAll(PropertiesCases(PropertiesStandardCases).ToArbitrary(),
            t => PropertyChecks.MeasureMatchesReference(t.Spec, t.Case));

    /// <summary>Float64 autograd gradient of a weighted sum of the outputs matches central differences of the reference.</summary>
    [Property(MaxTest = 40, Replay = "(679465,53985)", QuietOnSuccess = true)]
    public Property Properties_Gradient_MatchesFiniteDifferenceOfReference() =>
        Prop.ForAll(PropertiesCases(PropertyGens.MeasureCases(PropertyGens.GradientShapes, c => PropertyGens.GradientEvidenceRows(c), Gen.Constant(ScalarType.Float64))).ToArbitrary(),
            t => PropertyChecks.MeasureGradientMatchesFiniteDifference(t.Spec, t.Case));

    /// <summary>Extreme inputs, both dtypes: finite outputs and gradients, the input's dtype and the documented shape.</summary>
    [Property(MaxTest = 50, Replay = "(252661,46175)", QuietOnSuccess = true)]
    public Property Properties_ExtremeInputs_FiniteWithDtypeAndShape() =>
        Prop.ForAll(PropertiesCases(PropertiesExtremeCases).ToArbitrary(),
            t => PropertyChecks.MeasureIsFiniteWithDtypeAndShape(t.Spec, t.Case));

    /// <summary>Permuting the batch permutes the outputs.</summary>
    [Property(MaxTest = 50, Replay = "(774004,109115)", QuietOnSuccess = true)]
    public Property Properties_BatchPermuted_PermutesOutputs() =>
        Prop.ForAll(PropertyGens.WithBatchPermutation(PropertiesCases(PropertiesStandardCases), t => t.Case.Shape).ToArbitrary(),
            t => PropertyChecks.MeasureBatchPermutationCommutes(t.Case.Spec, t.Case.Case, t.Permutation));

    /// <summary>The output sums to 1 over the classes at every position (1e-12 in Float64, 1e-5 in Float32; evidence up to 1e6).</summary>
    [Property(MaxTest = 50, Replay = "(381513,195229)", QuietOnSuccess = true)]
    public Property Properties_AnyEvidence_SumsToOneOverClasses() =>
        Prop.ForAll(PropertiesExtremeCases.ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            double[] p = Tensors.ToDoubles(UL.DirichletMean(c.Tensor()));
            double tol = c.Dtype == ScalarType.Float64 ? 1e-12 : 1e-5;
            for (int position = 0; position < c.Positions; position++)
            {
                double total = ReferenceTensor.Sum(PropertyLayout.Gather(p, c.Shape, position));
                if (!(Math.Abs(total - 1) <= tol))
                    return Prop.Label(false, $"DirichletMean sums to {PropertyFormat.R(total)} at {c.DescribePosition(position)}; {c}");
            }

            return Prop.ToProperty(true);
        });
}
