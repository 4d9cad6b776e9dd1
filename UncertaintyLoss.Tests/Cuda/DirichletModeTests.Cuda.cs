using UncertaintyLoss.Tests.CudaKit;

namespace UncertaintyLoss.Tests;

/// <summary><see cref="UL.DirichletMode"/> on CUDA against the double-precision reference (inconclusive without CUDA).</summary>
public partial class DirichletModeTests
{
    [Category("Cuda")]
    [Test]
    public void DirichletMode_OnCuda_MatchesDoubleReference([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype)
    {
        var device = DeviceReferenceChecks.RequireCuda();
        DeviceReferenceChecks.VectorMeasureMatches(device, dtype, e => UL.DirichletMode(e), DirichletReference.DirichletMode);
    }
}
