using UncertaintyLoss.Tests.CudaKit;

namespace UncertaintyLoss.Tests;

/// <summary><see cref="UL.DirichletPNormLoss"/> on CUDA against the double-precision reference (inconclusive without CUDA).</summary>
public partial class DirichletPNormLossTests
{
    [Category("Cuda")]
    [Test]
    public void DirichletPNormLoss_OnCudaWithIndexTarget_MatchesDoubleReference([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype, [Values(1, 2, 4)] int pNorm)
    {
        var device = DeviceReferenceChecks.RequireCuda();
        DeviceReferenceChecks.LossWithIndexTargetMatches(device, dtype, (e, t, r) => UL.DirichletPNormLoss(e, t, pNorm, r), ReferenceValues.ForIndex((e, y) => ReferenceValues.PNorm(e, y, pNorm)));
    }

    [Category("Cuda")]
    [Test]
    public void DirichletPNormLoss_OnCudaWithProbabilityTarget_MatchesDoubleReference([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype, [Values(1, 2, 4)] int pNorm)
    {
        var device = DeviceReferenceChecks.RequireCuda();
        DeviceReferenceChecks.LossWithProbabilityTargetMatches(device, dtype, (e, t, r) => UL.DirichletPNormLoss(e, t, pNorm, r), (e, y) => ReferenceValues.PNorm(e, y, pNorm));
    }
}
