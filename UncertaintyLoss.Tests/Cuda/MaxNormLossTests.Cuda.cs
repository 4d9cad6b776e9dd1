using UncertaintyLoss.Tests.CudaKit;

namespace UncertaintyLoss.Tests;

/// <summary><see cref="UL.MaxNormLoss"/> on CUDA against the double-precision reference (inconclusive without CUDA).</summary>
public partial class MaxNormLossTests
{
    [Category("Cuda")]
    [Test]
    public void MaxNormLoss_OnCudaWithIndexTarget_MatchesDoubleReference([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype, [Values] FisherAlphaSum fisherAlphaSum)
    {
        var device = DeviceReferenceChecks.RequireCuda();
        DeviceReferenceChecks.LossWithIndexTargetMatches(device, dtype, (e, t, r) => UL.MaxNormLoss(e, t, 0.7, 4, r, fisherAlphaSum), ReferenceValues.ForIndex((e, y) => ReferenceValues.MaxNorm(e, y, 0.7, 4, fisherAlphaSum)));
    }

    [Category("Cuda")]
    [Test]
    public void MaxNormLoss_OnCudaWithProbabilityTarget_MatchesDoubleReference([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype, [Values] FisherAlphaSum fisherAlphaSum)
    {
        var device = DeviceReferenceChecks.RequireCuda();
        DeviceReferenceChecks.LossWithProbabilityTargetMatches(device, dtype, (e, t, r) => UL.MaxNormLoss(e, t, 0.7, 4, r, fisherAlphaSum), (e, y) => ReferenceValues.MaxNorm(e, y, 0.7, 4, fisherAlphaSum));
    }
}
