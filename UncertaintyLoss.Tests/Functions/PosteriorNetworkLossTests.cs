namespace UncertaintyLoss.Tests;

/// <summary>
/// <see cref="UL.PosteriorNetworkLoss"/> (Posterior Network's UCE with entropy regulariser): its decomposition into the
/// Dirichlet cross-entropy risk and the differential entropy, and its value without evidence. Values and gradients of
/// every option against the reference are in the Ops table and Trust/GradientOrderTests.
/// </summary>
public sealed class PosteriorNetworkLossTests
{
    /// <summary>L(λ) = DirichletCrossEntropyLoss − λ·DirichletDifferentialEntropy per position; λ = 0 is the risk (to rounding:
    /// this call takes the fused CPU pass since issue 18's second session, the two functions it is compared with the
    /// composed operations).</summary>
    [Test]
    public void PosteriorNetworkLoss_Always_IsUcePlusEntropyTerm([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var e = Tensors.FromDoubles(new[] { 0.0, 3.0, 0.25, 7.0, 120.0, 0.5, 1.0, 2.0, 1e-3, 40.0, 0.0, 0.0 }, new long[] { 3, 4 }, dtype);
        var t = Tensors.FromLongs(new long[] { 3, 0, 1 }, new long[] { 3 });
        double[] uce = Tensors.ToDoubles(UL.DirichletCrossEntropyLoss(e, t, Reduction.None));
        double[] h = Tensors.ToDoubles(UL.DirichletDifferentialEntropy(e));
        double[] l = Tensors.ToDoubles(UL.PosteriorNetworkLoss(e, t, 0.5, Reduction.None));
        Assert.Multiple(() =>
        {
            double[] risk = Tensors.ToDoubles(UL.PosteriorNetworkLoss(e, t, 0.0, Reduction.None));
            for (int n = 0; n < 3; n++)
                Assert.That(risk[n], Is.EqualTo(uce[n]).Within(Tolerance.Relative(dtype) * Math.Abs(uce[n])), $"λ = 0, position {n}");
            for (int n = 0; n < 3; n++)
                Assert.That(l[n], Is.EqualTo(uce[n] - 0.5 * h[n]).Within(Tolerance.Relative(dtype) * (Math.Abs(uce[n]) + Math.Abs(h[n]))), $"position {n}");
        });
    }

    /// <summary>
    /// Without evidence the Dirichlet is uniform on the simplex, whose volume is 1/(K − 1)!: its entropy is −ln (K − 1)!
    /// (0 only for K = 2), and the loss is ψ(K) − ψ(1) + λ ln (K − 1)! = H_{K−1} + λ ln (K − 1)! (H the harmonic number).
    /// Within 5e-14 relative: the fused pass's ln Γ and ψ are a few ulps each (accuracy.md; measured 1.1e-14 at K = 2 and
    /// 3.2e-15 at K = 4, 2026-12-04).
    /// </summary>
    [TestCase(2, 1.0, 1.0)]
    [TestCase(4, 1.0 + 0.5 + 1.0 / 3.0, 6.0)]
    public void PosteriorNetworkLoss_ZeroEvidence_IsHarmonicNumberPlusLogFactorial(int classes, double harmonic, double factorial)
    {
        using var scope = NewDisposeScope();
        var e = torch.zeros(1, classes, dtype: ScalarType.Float64);
        var t = Tensors.FromLongs(new long[] { 1 }, new long[] { 1 });
        double expected = harmonic + 3.0 * Math.Log(factorial);
        Assert.That(UL.PosteriorNetworkLoss(e, t, 3.0).item<double>(), Is.EqualTo(expected).Within(5e-14 * expected));
    }

    /// <summary>The entropy term rewards spread: with the same true-class share, more evidence lowers H and so raises −λH.</summary>
    [Test]
    public void PosteriorNetworkLoss_EntropyTerm_PenalisesConcentration()
    {
        using var scope = NewDisposeScope();
        var t = Tensors.FromLongs(new long[] { 0 }, new long[] { 1 });
        double Term(double scale)
        {
            var e = Tensors.FromDoubles(new[] { 3 * scale, scale, scale }, new long[] { 1, 3 });
            return UL.PosteriorNetworkLoss(e, t, 1.0).item<double>() - UL.PosteriorNetworkLoss(e, t, 0.0).item<double>();
        }

        Assert.That(Term(100.0), Is.GreaterThan(Term(1.0)));
    }
}
