using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using UncertaintyLoss.Tests.Ops;
using UncertaintyLoss.Tests.PropertyTesting;
using UncertaintyLoss.Tests.Reference;
using UncertaintyLoss.Tests.TestSupport;
using static TorchSharp.torch;

namespace UncertaintyLoss.Tests;

/// <summary>Properties of <see cref="UL.Uncertainty"/> of its own (the generic ones are in Ops/).</summary>
public partial class UncertaintyTests
{
    /// <summary>Normalized uncertainty lies in [0, 1] (evidence up to 1e6, both dtypes).</summary>
    [SeededProperty(MaxTest = 50, Seed = "(700825,144009)", QuietOnSuccess = true)]
    public Property Properties_Normalized_LiesInUnitInterval() =>
        Prop.ForAll(OpGens.Extreme(OpTable.Measure("Uncertainty")).ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            double[] h = Tensors.ToDoubles(UL.Uncertainty(c.Tensor(), normalize: true));
            int bad = Array.FindIndex(h, x => !(x >= 0 && x <= 1));
            return PropertyChecks.Verdict(bad < 0, () => $"Uncertainty(normalize true) = {PropertyFormat.R(h[bad])} outside [0, 1] at {c.DescribePosition(bad)}; {c}");
        });

    // ---- memory: quirks of its own (the generic checks are in Ops/MemoryTests.cs) ----

    // ---- validation: quirks of its own (the generic checks are in Ops/ValidationTests.cs) ----

    // ---- weight and ignoreIndex: quirks of its own (the generic checks are in Ops/WeightIgnoreTests.cs) ----

    // ---- CUDA: quirks of its own (the generic checks are in Ops/CudaTests.cs) ----
}
