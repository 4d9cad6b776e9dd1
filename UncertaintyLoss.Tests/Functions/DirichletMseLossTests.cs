namespace UncertaintyLoss.Tests;

/// <summary>Tests of <see cref="UL.DirichletMseLoss"/> of its own (the generic ones, driven by the Ops table, are in Ops/).</summary>
public sealed class DirichletMseLossTests
{
    // ---- memory: quirks of its own (the generic checks are in Ops/MemoryTests.cs) ----

    // ---- validation: quirks of its own (the generic checks are in Ops/ValidationTests.cs) ----

    // ---- weight and ignoreIndex: quirks of its own (the generic checks are in Ops/WeightIgnoreTests.cs) ----

    // ---- CUDA: quirks of its own (the generic checks are in Ops/CudaTests.cs) ----
}
