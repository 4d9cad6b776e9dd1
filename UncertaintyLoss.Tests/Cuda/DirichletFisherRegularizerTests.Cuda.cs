using UncertaintyLoss.Tests.CudaKit;

namespace UncertaintyLoss.Tests;

/// <summary><see cref="UL.DirichletFisherRegularizer"/> on CUDA against the double-precision reference (inconclusive without CUDA).</summary>
public partial class DirichletFisherRegularizerTests
{
    [Category("Cuda")]
    [Test]
    public void DirichletFisherRegularizer_OnCudaWithIndexTarget_MatchesDoubleReference([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype, [Values] FisherAlphaSum fisherAlphaSum)
    {
        var device = DeviceReferenceChecks.RequireCuda();
        DeviceReferenceChecks.LossWithIndexTargetMatches(device, dtype, (e, t, r) => UL.DirichletFisherRegularizer(e, t, r, fisherAlphaSum), ReferenceValues.ForIndex((e, y) => ReferenceValues.Fisher(e, y, fisherAlphaSum)));
    }

    [Category("Cuda")]
    [Test]
    public void DirichletFisherRegularizer_OnCudaWithProbabilityTarget_MatchesDoubleReference([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype, [Values] FisherAlphaSum fisherAlphaSum)
    {
        var device = DeviceReferenceChecks.RequireCuda();
        DeviceReferenceChecks.LossWithProbabilityTargetMatches(device, dtype, (e, t, r) => UL.DirichletFisherRegularizer(e, t, r, fisherAlphaSum), (e, y) => ReferenceValues.Fisher(e, y, fisherAlphaSum));
    }
}
