using UncertaintyLoss.Internal;

namespace UncertaintyLoss.Tests;

/// <summary>
/// <see cref="UL.FisherEvidentialLoss"/>'s own tests (the generic ones run its table entry in Ops/Ops.cs; parity with the
/// authors' code is Parity/IedlParityTests.cs): the cancellation-free log-determinant and a closed form.
/// </summary>
[TestFixture]
public sealed class FisherEvidentialLossTests
{
    /// <summary>
    /// f(x) = 1/ψ₁(x) − x + ½ at 40 digits, mpmath 1.2.1 (<c>1/mp.psi(1, x) - x + 0.5</c>, mp.dps = 40), 2026-12-03; either
    /// side of the switch to the asymptotic series at x = 16, and far above it.
    /// </summary>
    private static readonly (double X, double F)[] Remainders =
    {
        (1, 0.1079271018540266286633), (1.5, 0.06974502137172122670092), (8, 0.01105920692414563502586),
        (15.99, 0.005373856798514070441153), (16, 0.005370397447833642261371), (16.01, 0.005366942543232297612502),
        (100, 0.0008374983810322516989399), (10000, 0.000008333749998608819351047), (1e8, 8.333333374999999986111e-10),
        (1e12, 8.333333333337500034205e-14),
    };

    /// <summary>
    /// Below 16 the remainder is 1/ψ₁(x) − x + ½ as written, whose absolute error is a few ulp of x (it is added to
    /// (K − 1)/2 ≥ ½, so that is all the loss needs); from 16 on, the series is accurate to a few ulp of f itself.
    /// </summary>
    [Test]
    public void TrigammaReciprocalRemainder_MatchesMpmath()
    {
        using var scope = NewDisposeScope();
        var x = tensor(Remainders.Select(r => r.X).ToArray(), ScalarType.Float64);
        double[] actual = Tensors.ToDoubles(SpecialFunctions.TrigammaReciprocalRemainder(x, SpecialFunctions.Trigamma(x)));
        Assert.Multiple(() =>
        {
            for (int i = 0; i < Remainders.Length; i++)
            {
                var (xi, f) = Remainders[i];
                double tolerance = xi < 16 ? 4 * Math.BitIncrement(xi) - 4 * xi : 4e-16 * f;
                Assert.That(actual[i], Is.EqualTo(f).Within(tolerance), $"f({xi})");
            }
        });
    }

    /// <summary>
    /// At zero evidence (α = 1, S = K = 2; ψ₁(1) = π²/6, ψ₁(2) = π²/6 − 1) the loss is
    /// (π²/6)·[2·(½)² + 2·(½·½)/3] − c·[2 ln(π²/6) + ln(1 − 2(π²/6 − 1)·6/π²)], and 1 − 2(π²/6 − 1)·6/π² = 12/π² − 1.
    /// </summary>
    [TestCase(0.005)]
    [TestCase(1.0)]
    public void ZeroEvidenceTwoClasses_IsTheClosedForm(double c)
    {
        using var scope = NewDisposeScope();
        double z = Math.PI * Math.PI / 6;
        double expected = z * (0.5 + 1.0 / 6) - c * (2 * Math.Log(z) + Math.Log(12 / (Math.PI * Math.PI) - 1));
        foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
        {
            var loss = UL.FisherEvidentialLoss(zeros(1, 2, dtype: dtype), tensor(new long[] { 1 }), fisherCoefficient: c);
            // Float64: 1e-14 relative. The fused path (the default since issue 18) takes ψ₁ from PolygammaVector, 3.5e-15
            // relative (docs/accuracy.md), which ln|I(α)| carries to 2.6e-15 of this loss at c = 1 (measured 2026-12-03); the
            // composed path's ψ₁ is within 1e-15.
            Assert.That(loss.to(ScalarType.Float64).item<double>(), Is.EqualTo(expected).Within((dtype == ScalarType.Float64 ? 1e-14 : 1e-6) * Math.Abs(expected)), $"{dtype}");
        }
    }

    /// <summary>
    /// The log-determinant term pushes the evidence down (I-EDL's point: it enlarges the Dirichlet's uncertainty where the
    /// information is low): with c &gt; 0 the gradient on a wrong class's evidence is larger than without.
    /// </summary>
    [Test]
    public void FisherTerm_AddsAPositiveGradientOnEveryClass()
    {
        using var scope = NewDisposeScope();
        var e = tensor(new double[] { 5.0, 0.3, 2.0, 0.0 }, [1, 4], ScalarType.Float64);
        var t = tensor(new long[] { 0 });
        double[] Grad(double c)
        {
            var leaf = e.clone().requires_grad_(true);
            UL.FisherEvidentialLoss(leaf, t, fisherCoefficient: c).backward();
            return Tensors.ToDoubles(leaf.grad!);
        }

        double[] without = Grad(0.0), with = Grad(1.0);
        Assert.That(Enumerable.Range(0, 4).All(j => with[j] > without[j]), Is.True,
            $"with c = 1: [{string.Join(", ", with)}]; without: [{string.Join(", ", without)}]");
    }
}
