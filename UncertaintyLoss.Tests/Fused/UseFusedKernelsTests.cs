using UncertaintyLoss.Internal;

namespace UncertaintyLoss.Tests.Fused;

/// <summary>
/// <see cref="UL.UseFusedKernels"/>: the public switch that turns the fused CPU kernel off, for higher-order gradients
/// (the fused kernel's gradient is first-order only, docs/performance.md).
/// </summary>
[TestFixture]
public class UseFusedKernelsTests
{
    [TearDown]
    public void Restore() => UL.UseFusedKernels = true;

    [Test]
    public void UseFusedKernels_Default_IsTrueAndLeavesThePathAutomatic()
    {
        Assert.That(UL.UseFusedKernels, Is.True);
        Assert.That(Kernels.Path, Is.Not.EqualTo(KernelPath.Fused));
    }

    [Test]
    public void UseFusedKernels_False_SelectsTheComposedPath()
    {
        UL.UseFusedKernels = false;
        Assert.That(Kernels.Path, Is.EqualTo(KernelPath.Composed));
        using (Kernels.Force(KernelPath.Auto))
            Assert.That(Kernels.Path, Is.EqualTo(KernelPath.Auto), "a forced path (tests) still wins");
    }

    /// <summary>
    /// With the switch off, a Hessian-vector product through the loss (autograd.grad with create_graph, then a second
    /// backward) equals the central difference of the first-order gradient along the same direction.
    /// </summary>
    [Test]
    public void UseFusedKernels_False_SecondOrderGradientMatchesFiniteDifference([Values] bool maxNorm)
    {
        using var scope = NewDisposeScope();
        var (evidence, target, direction) = Case();
        UL.UseFusedKernels = false;
        var hv = HessianVectorProduct(evidence, target, direction, maxNorm);

        const double h = 1e-5;
        var plus = Gradient(evidence + h * direction, target, maxNorm);
        var minus = Gradient(evidence - h * direction, target, maxNorm);
        var expected = Tensors.ToDoubles((plus - minus) / (2 * h));
        double scale = 0;
        foreach (var v in expected)
            scale = Math.Max(scale, Math.Abs(v));
        Assert.That(scale, Is.GreaterThan(1e-6), "the case has curvature");
        var actual = Tensors.ToDoubles(hv);
        for (int i = 0; i < actual.Length; i++)
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(1e-6 * scale), $"element {i}");
    }

    /// <summary>
    /// With the switch on (the fused kernel forced), the same Hessian-vector product equals the finite difference too: a
    /// backward with create_graph recomputes through the composed path (before issue 12 it was 0, no curvature).
    /// </summary>
    [Test]
    public void UseFusedKernels_True_SecondOrderGradientMatchesFiniteDifference([Values] bool maxNorm)
    {
        using var scope = NewDisposeScope();
        using var fused = Kernels.Force(KernelPath.Fused);   // also when the suite runs with UL_KERNEL_PATH=Composed
        var (evidence, target, direction) = Case();
        var hv = Tensors.ToDoubles(HessianVectorProduct(evidence, target, direction, maxNorm));

        const double h = 1e-5;
        var plus = Gradient(evidence + h * direction, target, maxNorm);
        var minus = Gradient(evidence - h * direction, target, maxNorm);
        var expected = Tensors.ToDoubles((plus - minus) / (2 * h));
        double scale = expected.Max(Math.Abs);
        Assert.That(scale, Is.GreaterThan(1e-6), "the case has curvature");
        for (int i = 0; i < hv.Length; i++)
            Assert.That(hv[i], Is.EqualTo(expected[i]).Within(1e-6 * scale), $"element {i}");
    }

    private static (Tensor Evidence, Tensor Target, Tensor Direction) Case()
    {
        var generator = new Generator(20261122);
        var evidence = rand(new long[] { 6, 4 }, ScalarType.Float64, generator: generator) * 5;
        var target = randint(0, 4, new long[] { 6 }, generator: generator);
        var direction = randn(new long[] { 6, 4 }, ScalarType.Float64, generator: generator);
        return (evidence, target, direction);
    }

    private static Tensor Loss(Tensor evidence, Tensor target, bool maxNorm) =>
        maxNorm ? UL.MaxNormLoss(evidence, target, 0.7) : UL.EvidentialLoss(evidence, target, 0.7);

    private static Tensor Gradient(Tensor evidence, Tensor target, bool maxNorm)
    {
        var e = evidence.detach().requires_grad_();
        var g = torch.autograd.grad(new[] { Loss(e, target, maxNorm) }, new[] { e })[0];
        return g.detach();
    }

    private static Tensor HessianVectorProduct(Tensor evidence, Tensor target, Tensor direction, bool maxNorm)
    {
        var e = evidence.detach().requires_grad_();
        var g = torch.autograd.grad(new[] { Loss(e, target, maxNorm) }, new[] { e }, retain_graph: true, create_graph: true)[0];
        var gv = (g * direction).sum();
        if (!gv.requires_grad)
            return zeros_like(e);
        var hv = torch.autograd.grad(new[] { gv }, new[] { e }, allow_unused: true)[0];
        return hv is null || hv.IsInvalid ? zeros_like(e) : hv;
    }
}
