namespace UncertaintyLoss.Tests;

/// <summary>Properties of <see cref="UL.UniformDirichletKl"/> of its own (the generic ones are in Ops/).</summary>
public sealed class UniformDirichletKlTests
{
    /// <summary>All evidence on the true class (wrong classes exactly 0, any amount up to 1e6): the KL divergence is exactly 0 for every reduction.</summary>
    [SeededProperty(MaxTest = 60, Seed = "(675902,193385)", QuietOnSuccess = true)]
    public Property Properties_EvidenceOnlyOnTrueClass_IsExactlyZero() =>
        Prop.ForAll(OpGens.Cases(OpTable.Loss("UniformDirichletKl"), PropertyGens.OnlyTrueClassCases(Gen.Constant(Reduction.None))).ToArbitrary(),
            t => PropertyChecks.LossIsExactlyZero(t.Spec, t.Case));
}
