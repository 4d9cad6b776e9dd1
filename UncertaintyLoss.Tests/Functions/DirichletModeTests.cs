namespace UncertaintyLoss.Tests;

/// <summary>Properties of <see cref="UL.DirichletMode"/> of its own (the generic ones are in Ops/).</summary>
public sealed class DirichletModeTests
{
    /// <summary>The output sums to 1 over the classes at every position (1e-12 in Float64, 1e-5 in Float32; evidence up to 1e6).</summary>
    [SeededProperty(MaxTest = 50, Seed = "(564765,78251)", QuietOnSuccess = true)]
    public Property Properties_AnyEvidence_SumsToOneOverClasses() =>
        Prop.ForAll(OpGens.Extreme(OpTable.Measure("DirichletMode")).ToArbitrary(), c =>
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
    [SeededProperty(MaxTest = 50, Seed = "(769822,136305)", QuietOnSuccess = true)]
    public Property Properties_AllZeroEvidence_IsExactlyUniform() =>
        Prop.ForAll(OpGens.Standard(OpTable.Measure("DirichletMode")).ToArbitrary(), c =>
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

    // ---- memory: quirks of its own (the generic checks are in Ops/MemoryTests.cs) ----

    // ---- validation: quirks of its own (the generic checks are in Ops/ValidationTests.cs) ----

    // ---- weight and ignoreIndex: quirks of its own (the generic checks are in Ops/WeightIgnoreTests.cs) ----

    // ---- CUDA: quirks of its own (the generic checks are in Ops/CudaTests.cs) ----
}
