using UncertaintyLoss.Tests.CudaKit;

namespace UncertaintyLoss.Tests;

/// <summary><see cref="UL.CrossEntropyUncertainty"/> on CUDA against the double-precision reference (inconclusive without CUDA).</summary>
public partial class CrossEntropyUncertaintyTests
{
    [Category("Cuda")]
    [Test]
    public void CrossEntropyUncertainty_OnCuda_MatchesDoubleReference([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype)
    {
        var device = DeviceReferenceChecks.RequireCuda();
        DeviceReferenceChecks.MeasureMatches(device, dtype, l => UL.CrossEntropyUncertainty(l), ReferenceValues.SoftmaxEntropy, logits: true);
    }
}
