namespace UncertaintyLoss.Tests;

/// <summary>Tests of <see cref="UL.EvidentialLoss"/> of its own (the generic ones, driven by the Ops table, are in Ops/).</summary>
public sealed class EvidentialLossTests
{
    // ---- memory: quirks of its own (the generic checks are in Ops/MemoryTests.cs) ----

    // ---- validation: quirks of its own (the generic checks are in Ops/ValidationTests.cs) ----

    // ---- weight and ignoreIndex: quirks of its own (the generic checks are in Ops/WeightIgnoreTests.cs) ----

    // ---- CUDA: quirks of its own (the generic checks are in Ops/CudaTests.cs) ----
}
