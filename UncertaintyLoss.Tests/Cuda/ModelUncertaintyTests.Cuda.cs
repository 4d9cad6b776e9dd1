using UncertaintyLoss.Tests.CudaKit;

namespace UncertaintyLoss.Tests;

/// <summary><see cref="UL.ModelUncertainty"/> on CUDA against the double-precision reference (inconclusive without CUDA).</summary>
public partial class ModelUncertaintyTests
{
    [Category("Cuda")]
    [Test]
    public void ModelUncertainty_OnCuda_MatchesDoubleReference([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype)
    {
        var device = DeviceReferenceChecks.RequireCuda();
        DeviceReferenceChecks.MeasureMatches(device, dtype, e => UL.ModelUncertainty(e), ReferenceValues.MutualInformation);
    }
}
