namespace UncertaintyLoss.Tests;

/// <summary>Properties of <see cref="UL.Vacuity"/> of its own (the generic ones are in Ops/).</summary>
public sealed class VacuityTests
{
    /// <summary>Vacuity lies in (0, 1], and is exactly 1 where all evidence is zero (evidence up to 1e6, both dtypes).</summary>
    [SeededProperty(MaxTest = 50, Seed = "(798963,57307)", QuietOnSuccess = true)]
    public Property Properties_AnyEvidence_InUnitIntervalAndOneWithoutEvidence() =>
        Prop.ForAll(OpGens.Extreme(OpTable.Measure("Vacuity")).ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            double[] u = Tensors.ToDoubles(UL.Vacuity(c.Tensor()));
            for (int position = 0; position < u.Length; position++)
            {
                bool noEvidence = PropertyLayout.Gather(c.Values, c.Shape, position).All(x => x == 0);
                if (!(u[position] > 0 && u[position] <= 1) || (noEvidence && u[position] != 1))
                    return Prop.Label(false, $"Vacuity {PropertyFormat.R(u[position])} at {c.DescribePosition(position)}; {c}");
            }

            return Prop.ToProperty(true);
        });

    // ---- memory: quirks of its own (the generic checks are in Ops/MemoryTests.cs) ----

    // ---- validation: quirks of its own (the generic checks are in Ops/ValidationTests.cs) ----

    // ---- weight and ignoreIndex: quirks of its own (the generic checks are in Ops/WeightIgnoreTests.cs) ----

    // ---- CUDA: quirks of its own (the generic checks are in Ops/CudaTests.cs) ----
}
