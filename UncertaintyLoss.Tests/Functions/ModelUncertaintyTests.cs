namespace UncertaintyLoss.Tests;

/// <summary>Properties of <see cref="UL.ModelUncertainty"/> of its own (the generic ones are in Ops/).</summary>
public sealed class ModelUncertaintyTests
{
    /// <summary>0 ≤ ModelUncertainty ≤ Uncertainty at every position (evidence up to 1e6, both dtypes).</summary>
    [SeededProperty(MaxTest = 50, Seed = "(770431,193521)", QuietOnSuccess = true)]
    public Property Properties_AnyEvidence_BetweenZeroAndUncertainty() =>
        Prop.ForAll(OpGens.Extreme(OpTable.Measure("ModelUncertainty")).ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            var e = c.Tensor();
            double[] mi = Tensors.ToDoubles(UL.ModelUncertainty(e));
            double[] h = Tensors.ToDoubles(UL.Uncertainty(e));
            int bad = Enumerable.Range(0, mi.Length).FirstOrDefault(i => !(mi[i] >= 0 && mi[i] <= h[i]), -1);
            return PropertyChecks.Verdict(bad < 0, () =>
                $"ModelUncertainty {PropertyFormat.R(mi[bad])} not in [0, Uncertainty {PropertyFormat.R(h[bad])}] at {c.DescribePosition(bad)}; {c}");
        });

    // ---- memory: quirks of its own (the generic checks are in Ops/MemoryTests.cs) ----

    // ---- validation: quirks of its own (the generic checks are in Ops/ValidationTests.cs) ----

    // ---- weight and ignoreIndex: quirks of its own (the generic checks are in Ops/WeightIgnoreTests.cs) ----

    // ---- CUDA: quirks of its own (the generic checks are in Ops/CudaTests.cs) ----
}
