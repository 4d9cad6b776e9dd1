namespace UncertaintyLoss.Tests;

/// <summary>Properties of <see cref="UL.DirichletFisherRegularizer"/> of its own (the generic ones are in Ops/).</summary>
public sealed class DirichletFisherRegularizerTests
{
    private static LossSpec PropertiesSpec(string name, System.Func<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor, Reduction, TorchSharp.torch.Tensor> torch, bool paper) =>
        new(name, torch,
            (e, c) => DirichletReference.FisherRegularizer(e, c, paper),
            (e, y) => DirichletReference.FisherRegularizer(e, y, paper),
            (e, y) => DirichletReference.FisherMagnitude(e, y, paper));

    /// <summary>All evidence on the true class (wrong classes exactly 0, any amount up to 1e6): the regulariser is exactly 0 for every reduction.</summary>
    [SeededProperty(MaxTest = 60, Seed = "(865449,135771)", QuietOnSuccess = true)]
    public Property Properties_EvidenceOnlyOnTrueClass_IsExactlyZero() =>
        Prop.ForAll(OpGens.Cases(OpTable.Loss("DirichletFisherRegularizer"), PropertyGens.OnlyTrueClassCases(Gen.Constant(Reduction.None))).ToArbitrary(),
            t => PropertyChecks.LossIsExactlyZero(t.Spec, t.Case));
}
