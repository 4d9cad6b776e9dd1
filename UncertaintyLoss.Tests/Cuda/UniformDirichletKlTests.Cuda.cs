using UncertaintyLoss.Tests.CudaKit;

namespace UncertaintyLoss.Tests;

/// <summary><see cref="UL.UniformDirichletKl"/> on CUDA against the double-precision reference (inconclusive without CUDA).</summary>
public partial class UniformDirichletKlTests
{
    [Category("Cuda")]
    [Test]
    public void UniformDirichletKl_OnCudaWithIndexTarget_MatchesDoubleReference([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype)
    {
        var device = DeviceReferenceChecks.RequireCuda();
        DeviceReferenceChecks.LossWithIndexTargetMatches(device, dtype, (e, t, r) => UL.UniformDirichletKl(e, t, r), ReferenceValues.ForIndex(ReferenceValues.Kl));
    }

    [Category("Cuda")]
    [Test]
    public void UniformDirichletKl_OnCudaWithProbabilityTarget_MatchesDoubleReference([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype)
    {
        var device = DeviceReferenceChecks.RequireCuda();
        DeviceReferenceChecks.LossWithProbabilityTargetMatches(device, dtype, (e, t, r) => UL.UniformDirichletKl(e, t, r), ReferenceValues.Kl);
    }
}
