using UncertaintyLoss.Tests.CudaKit;

namespace UncertaintyLoss.Tests;

/// <summary><see cref="UL.DataUncertainty"/> on CUDA against the double-precision reference (inconclusive without CUDA).</summary>
public partial class DataUncertaintyTests
{
    [Category("Cuda")]
    [Test]
    public void DataUncertainty_OnCuda_MatchesDoubleReference([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype)
    {
        var device = DeviceReferenceChecks.RequireCuda();
        DeviceReferenceChecks.MeasureMatches(device, dtype, e => UL.DataUncertainty(e), ReferenceValues.ExpectedEntropy);
    }
}
