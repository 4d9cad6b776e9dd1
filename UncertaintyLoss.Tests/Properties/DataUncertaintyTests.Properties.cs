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

/// <summary>Property-based tests of <see cref="UL.DataUncertainty"/> (expected entropy) (FsCheck, fixed seeds): reference values, gradients and invariants.</summary>
public partial class DataUncertaintyTests
{
    private static readonly Gen<MeasureSpec> PropertiesSpecs = Gen.Constant(
        MeasureSpec.PerPosition("DataUncertainty", UL.DataUncertainty, DirichletReference.ExpectedEntropy, DirichletReference.EntropyMagnitude));

    private static Gen<(MeasureSpec Spec, MeasureCase Case)> PropertiesCases(Gen<MeasureCase> cases) =>
        from spec in PropertiesSpecs
        from c in cases
        select (spec, c);

    private static Gen<MeasureCase> PropertiesStandardCases { get; } =
        PropertyGens.MeasureCases(PropertyGens.Shapes(), c => PropertyGens.EvidenceRows(c), PropertyGens.BothDtypes);

    private static Gen<MeasureCase> PropertiesExtremeCases { get; } =
        PropertyGens.MeasureCases(PropertyGens.Shapes(), c => PropertyGens.EvidenceRows(c, maxLog10: 6), PropertyGens.BothDtypes);

    /// <summary>Float64 and Float32, evidence in [0, 1e4]: every output matches the reference.</summary>
    [Property(MaxTest = 100, Replay = "(62622,106403)", QuietOnSuccess = true)]
    public Property Properties_RandomInputs_MatchReference() =>
        Prop.ForAll(PropertiesCases(PropertiesStandardCases).ToArbitrary(),
            t => PropertyChecks.MeasureMatchesReference(t.Spec, t.Case));

    /// <summary>Float64 autograd gradient of a weighted sum of the outputs matches central differences of the reference.</summary>
    [Property(MaxTest = 40, Replay = "(86358,196399)", QuietOnSuccess = true)]
    public Property Properties_Gradient_MatchesFiniteDifferenceOfReference() =>
        Prop.ForAll(PropertiesCases(PropertyGens.MeasureCases(PropertyGens.GradientShapes, c => PropertyGens.GradientEvidenceRows(c), Gen.Constant(ScalarType.Float64))).ToArbitrary(),
            t => PropertyChecks.MeasureGradientMatchesFiniteDifference(t.Spec, t.Case));

    /// <summary>Extreme inputs, both dtypes: finite outputs and gradients, the input's dtype and the documented shape.</summary>
    [Property(MaxTest = 50, Replay = "(32141,124975)", QuietOnSuccess = true)]
    public Property Properties_ExtremeInputs_FiniteWithDtypeAndShape() =>
        Prop.ForAll(PropertiesCases(PropertiesExtremeCases).ToArbitrary(),
            t => PropertyChecks.MeasureIsFiniteWithDtypeAndShape(t.Spec, t.Case));

    /// <summary>Permuting the batch permutes the outputs.</summary>
    [Property(MaxTest = 50, Replay = "(871474,164333)", QuietOnSuccess = true)]
    public Property Properties_BatchPermuted_PermutesOutputs() =>
        Prop.ForAll(PropertyGens.WithBatchPermutation(PropertiesCases(PropertiesStandardCases), t => t.Case.Shape).ToArbitrary(),
            t => PropertyChecks.MeasureBatchPermutationCommutes(t.Case.Spec, t.Case.Case, t.Permutation));

    /// <summary>DataUncertainty ≥ 0 and DataUncertainty + ModelUncertainty = Uncertainty (1e-12 relative in Float64, 1e-6 in Float32; evidence up to 1e6).</summary>
    [Property(MaxTest = 50, Replay = "(15886,64877)", QuietOnSuccess = true)]
    public Property Properties_PlusModelUncertainty_EqualsUncertainty() =>
        Prop.ForAll(PropertiesExtremeCases.ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            var e = c.Tensor();
            double[] data = Tensors.ToDoubles(UL.DataUncertainty(e));
            double[] model = Tensors.ToDoubles(UL.ModelUncertainty(e));
            double[] total = Tensors.ToDoubles(UL.Uncertainty(e));
            double rtol = c.Dtype == ScalarType.Float64 ? 1e-12 : 1e-6;
            int bad = Enumerable.Range(0, data.Length).FirstOrDefault(i => !(data[i] >= 0 && Math.Abs(data[i] + model[i] - total[i]) <= rtol * total[i]), -1);
            return PropertyChecks.Verdict(bad < 0, () =>
                $"DataUncertainty {PropertyFormat.R(data[bad])} + ModelUncertainty {PropertyFormat.R(model[bad])} vs Uncertainty {PropertyFormat.R(total[bad])} at {c.DescribePosition(bad)}; {c}");
        });
}
