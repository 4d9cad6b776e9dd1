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

/// <summary>Properties of <see cref="UL.CrossEntropyUncertainty"/> of its own (the generic ones are in Ops/).</summary>
public partial class CrossEntropyUncertaintyTests
{
    /// <summary>0 ≤ entropy ≤ ln C (to rounding: 1e-12 / 1e-6 relative), logits up to ±1e6, both dtypes.</summary>
    [SeededProperty(MaxTest = 50, Seed = "(859798,161567)", QuietOnSuccess = true)]
    public Property Properties_AnyLogits_BetweenZeroAndLogClasses() =>
        Prop.ForAll(OpGens.Extreme(OpTable.Measure("CrossEntropyUncertainty")).ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            double[] h = Tensors.ToDoubles(UL.CrossEntropyUncertainty(c.Tensor()));
            double max = Math.Log(c.Classes) * (1 + (c.Dtype == ScalarType.Float64 ? 1e-12 : 1e-6));
            int bad = Array.FindIndex(h, x => !(x >= 0 && x <= max));
            return PropertyChecks.Verdict(bad < 0, () => $"CrossEntropyUncertainty {PropertyFormat.R(h[bad])} outside [0, ln C] at {c.DescribePosition(bad)}; {c}");
        });

    // ---- memory: quirks of its own (the generic checks are in Ops/MemoryTests.cs) ----

    // ---- validation: quirks of its own (the generic checks are in Ops/ValidationTests.cs) ----

    // ---- weight and ignoreIndex: quirks of its own (the generic checks are in Ops/WeightIgnoreTests.cs) ----

    // ---- CUDA: quirks of its own (the generic checks are in Ops/CudaTests.cs) ----
}
