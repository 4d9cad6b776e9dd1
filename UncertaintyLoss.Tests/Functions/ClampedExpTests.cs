using NUnit.Framework;

namespace UncertaintyLoss.Tests;

/// <summary>Tests of <see cref="UL.ClampedExp"/> of its own (the generic ones, driven by the Ops table, are in Ops/).</summary>
public partial class ClampedExpTests
{
    // ---- memory: quirks of its own (the generic checks are in Ops/MemoryTests.cs) ----

    /// <summary>Every input kind outside any scope (clamp 2): only the result stays alive, with the input's dtype.</summary>
    [Category("Memory")]
    [Test]
    public void ClampedExp_CallOutsideAnyScope_LeavesOnlyItsResultAlive([Values] TestSupport.MeasureInputKind kind) =>
        TestSupport.LiveTensors.MeasureLeavesOnlyItsResult("ClampedExp(clamp 2)", x => UL.ClampedExp(x, 2.0), kind);

    /// <summary>Inside nested caller scopes (default clamp): the result, and nothing else, joins the innermost.</summary>
    [Category("Memory")]
    [Test]
    public void ClampedExp_CallInsideCallerScope_AttachesResultToThatScope(
        [Values(TestSupport.MeasureInputKind.Float32RequiresGrad, TestSupport.MeasureInputKind.Float16)] TestSupport.MeasureInputKind kind) =>
        TestSupport.LiveTensors.MeasureResultJoinsCallerScope("ClampedExp", x => UL.ClampedExp(x), kind);

    /// <summary>An integer x, or a negative clamp, is rejected without leaving a tensor alive.</summary>
    [Category("Memory")]
    [Test]
    public void ClampedExp_RejectedInput_LeavesNoTensorAlive([Values] bool integerX) =>
        TestSupport.LiveTensors.RejectionLeavesNothing($"ClampedExp(integer x {integerX})",
            new[] { integerX ? TestSupport.Rejected.IntegerX() : TestSupport.Rejected.Evidence() },
            x => UL.ClampedExp(x[0], integerX ? 10.0 : -1.0));

    // ---- validation: quirks of its own (the generic checks are in Ops/ValidationTests.cs) ----

    // ---- weight and ignoreIndex: quirks of its own (the generic checks are in Ops/WeightIgnoreTests.cs) ----

    // ---- CUDA: quirks of its own (the generic checks are in Ops/CudaTests.cs) ----

    /// <summary>On CUDA, clamps 10, 2.5 and 0: elementwise exp(clamp(x)) within the dtype's tolerance, on the device, in the input's dtype.</summary>
    [Category("Cuda")]
    [Test]
    public void ClampedExp_OnCuda_MatchesDoubleReference(
        [Values(TorchSharp.torch.ScalarType.Float32, TorchSharp.torch.ScalarType.Float64)] TorchSharp.torch.ScalarType dtype, [Values(10.0, 2.5, 0.0)] double clamp) =>
        ClampedExpMatches(TestSupport.Requires.Cuda(), dtype, clamp);

    private static void ClampedExpMatches(TorchSharp.torch.Device device, TorchSharp.torch.ScalarType dtype, double clamp)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var x = new[] { -30.0, -10.5, -10.0, -2.0, -0.25, 0.0, 0.125, 1.0, 3.5, 9.99, 10.0, 11.0, 25.0, 1e4 };
        var shape = new long[] { 2, 7 };
        var expected = System.Array.ConvertAll(Ops.CudaTests.AsStored(x, dtype), v => System.Math.Exp(System.Math.Clamp(v, -clamp, clamp)));
        var actual = UL.ClampedExp(TestSupport.Tensors.FromDoubles(x, shape, dtype, device), clamp);
        Ops.CudaTests.AssertMatches(actual, device, dtype, shape, expected, new double[expected.Length], "per element");
    }
}
