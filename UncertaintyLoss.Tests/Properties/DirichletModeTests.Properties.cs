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

/// <summary>Property-based tests of <see cref="UL.DirichletMode"/> (FsCheck, fixed seeds): reference values, gradients and invariants.</summary>
public partial class DirichletModeTests
{
    private static readonly Gen<MeasureSpec> PropertiesSpecs = Gen.Constant(
        MeasureSpec.PerClass("DirichletMode", UL.DirichletMode, DirichletReference.DirichletMode));

    private static Gen<(MeasureSpec Spec, MeasureCase Case)> PropertiesCases(Gen<MeasureCase> cases) =>
        from spec in PropertiesSpecs
        from c in cases
        select (spec, c);

    private static Gen<MeasureCase> PropertiesStandardCases { get; } =
        PropertyGens.MeasureCases(PropertyGens.Shapes(), c => PropertyGens.EvidenceRows(c), PropertyGens.BothDtypes);

    private static Gen<MeasureCase> PropertiesExtremeCases { get; } =
        PropertyGens.MeasureCases(PropertyGens.Shapes(), c => PropertyGens.EvidenceRows(c, maxLog10: 6), PropertyGens.BothDtypes);

    /// <summary>Float64 and Float32, evidence in [0, 1e4]: every output matches the reference.</summary>
    [Property(MaxTest = 100, Replay = "(241451,185635)", QuietOnSuccess = true)]
    public Property Properties_RandomInputs_MatchReference() =>
        Prop.ForAll(PropertiesCases(PropertiesStandardCases).ToArbitrary(),
            t => PropertyChecks.MeasureMatchesReference(t.Spec, t.Case));

    /// <summary>Float64 autograd gradient of a weighted sum of the outputs matches central differences of the reference.</summary>
    [Property(MaxTest = 40, Replay = "(258670,17517)", QuietOnSuccess = true)]
    public Property Properties_Gradient_MatchesFiniteDifferenceOfReference() =>
        Prop.ForAll(PropertiesCases(PropertyGens.MeasureCases(PropertyGens.GradientShapes, c => PropertyGens.GradientEvidenceRows(c), Gen.Constant(ScalarType.Float64))).ToArbitrary(),
            t => PropertyChecks.MeasureGradientMatchesFiniteDifference(t.Spec, t.Case));

    /// <summary>Extreme inputs, both dtypes: finite outputs and gradients, the input's dtype and the documented shape.</summary>
    [Property(MaxTest = 50, Replay = "(668389,105475)", QuietOnSuccess = true)]
    public Property Properties_ExtremeInputs_FiniteWithDtypeAndShape() =>
        Prop.ForAll(PropertiesCases(PropertiesExtremeCases).ToArbitrary(),
            t => PropertyChecks.MeasureIsFiniteWithDtypeAndShape(t.Spec, t.Case));

    /// <summary>Permuting the batch permutes the outputs.</summary>
    [Property(MaxTest = 50, Replay = "(823504,123541)", QuietOnSuccess = true)]
    public Property Properties_BatchPermuted_PermutesOutputs() =>
        Prop.ForAll(PropertyGens.WithBatchPermutation(PropertiesCases(PropertiesStandardCases), t => t.Case.Shape).ToArbitrary(),
            t => PropertyChecks.MeasureBatchPermutationCommutes(t.Case.Spec, t.Case.Case, t.Permutation));

    /// <summary>The output sums to 1 over the classes at every position (1e-12 in Float64, 1e-5 in Float32; evidence up to 1e6).</summary>
    [Property(MaxTest = 50, Replay = "(564765,78251)", QuietOnSuccess = true)]
    public Property Properties_AnyEvidence_SumsToOneOverClasses() =>
        Prop.ForAll(PropertiesExtremeCases.ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            double[] p = Tensors.ToDoubles(UL.DirichletMode(c.Tensor()));
            double tol = c.Dtype == ScalarType.Float64 ? 1e-12 : 1e-5;
            for (int position = 0; position < c.Positions; position++)
            {
                double total = ReferenceTensor.Sum(PropertyLayout.Gather(p, c.Shape, position));
                if (!(Math.Abs(total - 1) <= tol))
                    return Prop.Label(false, $"DirichletMode sums to {PropertyFormat.R(total)} at {c.DescribePosition(position)}; {c}");
            }

            return Prop.ToProperty(true);
        });

    /// <summary>Positions whose evidence is all zero get exactly the uniform vector 1/C (in the output dtype).</summary>
    [Property(MaxTest = 50, Replay = "(769822,136305)", QuietOnSuccess = true)]
    public Property Properties_AllZeroEvidence_IsExactlyUniform() =>
        Prop.ForAll(PropertiesStandardCases.ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            double[] mode = Tensors.ToDoubles(UL.DirichletMode(c.Tensor()));
            double uniform = c.Dtype == ScalarType.Float32 ? (float)(1.0 / c.Classes) : 1.0 / c.Classes;
            for (int position = 0; position < c.Positions; position++)
            {
                if (PropertyLayout.Gather(c.Values, c.Shape, position).Any(x => x != 0))
                    continue;
                double[] m = PropertyLayout.Gather(mode, c.Shape, position);
                if (m.Any(x => x != uniform))
                    return Prop.Label(false, $"DirichletMode of zero evidence = {PropertyFormat.Vector(m)}, expected all {PropertyFormat.R(uniform)} at {c.DescribePosition(position)}; {c}");
            }

            return Prop.ToProperty(true);
        });
}
