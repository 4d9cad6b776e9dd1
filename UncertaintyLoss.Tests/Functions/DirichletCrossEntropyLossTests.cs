namespace UncertaintyLoss.Tests;

/// <summary>Properties of <see cref="UL.DirichletCrossEntropyLoss"/> and <see cref="UL.DirichletLogLoss"/> of their own (the generic ones are in Ops/).</summary>
public sealed class DirichletCrossEntropyLossTests
{
    /// <summary>
    /// ψ(S) − ψ(α) ≥ ln S − ln α ≥ 0 at every position, because ln x − ψ(x) is positive and decreasing and α ≤ S
    /// (Sensoy et al. 2018, eqs. 3 and 4): the digamma risk is never below the log risk, and both vanish only in the limit.
    /// </summary>
    [TestCase(ScalarType.Float64)]
    [TestCase(ScalarType.Float32)]
    public void DigammaRisk_AtEveryPosition_AtLeastTheLogRiskAndNonNegative(ScalarType dtype)
    {
        var generator = new torch.Generator(20261203);
        using var scope = torch.NewDisposeScope();
        // Evidence spread over 1e-3 .. 1e6 (log-uniform), with some exact zeros; 3 and 10 classes.
        foreach (long classes in new long[] { 3, 10 })
        {
            var evidence = torch.pow(10.0, torch.rand(new long[] { 256, classes }, generator: generator, dtype: ScalarType.Float64) * 9 - 3);
            evidence = torch.where(torch.rand(evidence.shape, generator: generator, dtype: ScalarType.Float64) < 0.1, 0.0, evidence).to(dtype);
            var target = torch.randint(0, classes, new long[] { 256 }, generator: generator);
            var digamma = UL.DirichletCrossEntropyLoss(evidence, target, Reduction.None).to(ScalarType.Float64);
            var log = UL.DirichletLogLoss(evidence, target, Reduction.None).to(ScalarType.Float64);
            // The digamma form loses relative accuracy to cancellation when α_c ≈ S; allow that much below the log form.
            var slack = (torch.digamma(evidence.to(ScalarType.Float64).sum(1) + classes).abs() * 4 * (dtype == ScalarType.Float32 ? 1.2e-7 : 2.3e-16));
            Assert.Multiple(() =>
            {
                Assert.That((log >= 0).all().item<bool>(), Is.True, $"C = {classes}: log risk negative");
                Assert.That((digamma >= log - slack).all().item<bool>(), Is.True,
                    $"C = {classes}: digamma risk below the log risk by up to {(log - digamma).max().item<double>()}");
            });
        }
    }
}
