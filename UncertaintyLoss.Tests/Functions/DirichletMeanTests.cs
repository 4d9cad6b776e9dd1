namespace UncertaintyLoss.Tests;

/// <summary>Properties of <see cref="UL.DirichletMean"/> of its own (the generic ones are in Ops/).</summary>
public sealed class DirichletMeanTests
{
    /// <summary>The output sums to 1 over the classes at every position (1e-12 in Float64, 1e-5 in Float32; evidence up to 1e6).</summary>
    [SeededProperty(MaxTest = 50, Seed = "(381513,195229)", QuietOnSuccess = true)]
    public Property Properties_AnyEvidence_SumsToOneOverClasses() =>
        OpGens.AtEveryPosition("DirichletMean", c =>
        {
            double[] p = Tensors.ToDoubles(UL.DirichletMean(c.Tensor()));
            double tol = c.Dtype == ScalarType.Float64 ? 1e-12 : 1e-5;
            return position => ReferenceTensor.Sum(PropertyLayout.Gather(p, c.Shape, position)) is var total && Math.Abs(total - 1) <= tol ? null
                : $"sums to {PropertyFormat.R(total)}";
        });
}
