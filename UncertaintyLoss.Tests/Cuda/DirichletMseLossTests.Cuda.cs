using UncertaintyLoss.Tests.CudaKit;

namespace UncertaintyLoss.Tests;

/// <summary><see cref="UL.DirichletMseLoss"/> on CUDA against the double-precision reference (inconclusive without CUDA).</summary>
public partial class DirichletMseLossTests
{
    [Category("Cuda")]
    [Test]
    public void DirichletMseLoss_OnCudaWithIndexTarget_MatchesDoubleReference([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype)
    {
        var device = DeviceReferenceChecks.RequireCuda();
        DeviceReferenceChecks.LossWithIndexTargetMatches(device, dtype, (e, t, r) => UL.DirichletMseLoss(e, t, r), ReferenceValues.ForIndex(ReferenceValues.Mse));
    }

    [Category("Cuda")]
    [Test]
    public void DirichletMseLoss_OnCudaWithProbabilityTarget_MatchesDoubleReference([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype)
    {
        var device = DeviceReferenceChecks.RequireCuda();
        DeviceReferenceChecks.LossWithProbabilityTargetMatches(device, dtype, (e, t, r) => UL.DirichletMseLoss(e, t, r), ReferenceValues.Mse);
    }
}
