using UncertaintyLoss.Tests.CudaKit;

namespace UncertaintyLoss.Tests;

/// <summary><see cref="UL.Uncertainty"/> on CUDA against the double-precision reference (inconclusive without CUDA).</summary>
public partial class UncertaintyTests
{
    [Category("Cuda")]
    [Test]
    public void Uncertainty_OnCuda_MatchesDoubleReference([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype, [Values] bool normalize)
    {
        var device = DeviceReferenceChecks.RequireCuda();
        DeviceReferenceChecks.MeasureMatches(device, dtype, e => UL.Uncertainty(e, normalize), e => ReferenceValues.TotalUncertainty(e, normalize));
    }
}
