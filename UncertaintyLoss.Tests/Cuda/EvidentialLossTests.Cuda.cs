using UncertaintyLoss.Tests.CudaKit;

namespace UncertaintyLoss.Tests;

/// <summary><see cref="UL.EvidentialLoss"/> on CUDA against the double-precision reference (inconclusive without CUDA).</summary>
public partial class EvidentialLossTests
{
    [Category("Cuda")]
    [Test]
    public void EvidentialLoss_OnCudaWithIndexTarget_MatchesDoubleReference([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype)
    {
        var device = DeviceReferenceChecks.RequireCuda();
        DeviceReferenceChecks.LossWithIndexTargetMatches(device, dtype, (e, t, r) => UL.EvidentialLoss(e, t, 0.7, r), ReferenceValues.ForIndex((e, y) => ReferenceValues.Evidential(e, y, 0.7)));
    }

    [Category("Cuda")]
    [Test]
    public void EvidentialLoss_OnCudaWithProbabilityTarget_MatchesDoubleReference([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype)
    {
        var device = DeviceReferenceChecks.RequireCuda();
        DeviceReferenceChecks.LossWithProbabilityTargetMatches(device, dtype, (e, t, r) => UL.EvidentialLoss(e, t, 0.7, r), (e, y) => ReferenceValues.Evidential(e, y, 0.7));
    }
}
