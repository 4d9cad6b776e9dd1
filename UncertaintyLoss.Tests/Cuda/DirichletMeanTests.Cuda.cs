using UncertaintyLoss.Tests.CudaKit;

namespace UncertaintyLoss.Tests;

/// <summary><see cref="UL.DirichletMean"/> on CUDA against the double-precision reference (inconclusive without CUDA).</summary>
public partial class DirichletMeanTests
{
    [Category("Cuda")]
    [Test]
    public void DirichletMean_OnCuda_MatchesDoubleReference([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype)
    {
        var device = DeviceReferenceChecks.RequireCuda();
        DeviceReferenceChecks.VectorMeasureMatches(device, dtype, e => UL.DirichletMean(e), DirichletReference.DirichletMean);
    }
}
