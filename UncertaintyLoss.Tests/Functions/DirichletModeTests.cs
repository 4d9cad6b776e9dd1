namespace UncertaintyLoss.Tests;

/// <summary>Properties of <see cref="UL.DirichletMode"/> of its own (the generic ones are in Ops/).</summary>
public sealed class DirichletModeTests
{
    /// <summary>The output sums to 1 over the classes at every position (1e-12 in Float64, 1e-5 in Float32; evidence up to 1e6).</summary>
    [SeededProperty(MaxTest = 50, Seed = "(564765,78251)", QuietOnSuccess = true)]
    public Property Properties_AnyEvidence_SumsToOneOverClasses() =>
        OpGens.AtEveryPosition("DirichletMode", c =>
        {
            double[] p = Tensors.ToDoubles(UL.DirichletMode(c.Tensor()));
            double tol = c.Dtype == ScalarType.Float64 ? 1e-12 : 1e-5;
            return position => ReferenceTensor.Sum(PropertyLayout.Gather(p, c.Shape, position)) is var total && Math.Abs(total - 1) <= tol ? null
                : $"sums to {PropertyFormat.R(total)}";
        });

    /// <summary>Positions whose evidence is all zero get exactly the uniform vector 1/C (in the output dtype).</summary>
    [SeededProperty(MaxTest = 50, Seed = "(769822,136305)", QuietOnSuccess = true)]
    public Property Properties_AllZeroEvidence_IsExactlyUniform() =>
        OpGens.AtEveryPosition("DirichletMode", c =>
        {
            double[] mode = Tensors.ToDoubles(UL.DirichletMode(c.Tensor()));
            double uniform = c.Dtype == ScalarType.Float32 ? (float)(1.0 / c.Classes) : 1.0 / c.Classes;
            return position => PropertyLayout.Gather(c.Values, c.Shape, position).Any(x => x != 0)
                || PropertyLayout.Gather(mode, c.Shape, position) is var m && m.All(x => x == uniform) ? null
                : $"{PropertyFormat.Vector(PropertyLayout.Gather(mode, c.Shape, position))} of zero evidence, expected all {PropertyFormat.R(uniform)}";
        }, extreme: false);
}
