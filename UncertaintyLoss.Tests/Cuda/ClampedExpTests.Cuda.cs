using UncertaintyLoss.Tests.CudaKit;

namespace UncertaintyLoss.Tests;

/// <summary><see cref="UL.ClampedExp"/> on CUDA against the double-precision reference (inconclusive without CUDA).</summary>
public partial class ClampedExpTests
{
    [Category("Cuda")]
    [Test]
    public void ClampedExp_OnCuda_MatchesDoubleReference([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype, [Values(10.0, 2.5, 0.0)] double clamp)
    {
        var device = DeviceReferenceChecks.RequireCuda();
        DeviceReferenceChecks.ClampedExpMatches(device, dtype, clamp);
    }
}
