using UncertaintyLoss.Internal;
using UncertaintyLoss.Internal.Fused;

namespace UncertaintyLoss.Tests.Fused;

/// <summary>Validation, eligibility, non-finite values and tensor lifetimes of the fused path.</summary>
[TestFixture]
public class FusedPathEdgeTests
{
    public enum Fault
    {
        NegativeEvidence,
        InfiniteEvidence,
        TargetAboveRange,
        TargetNegative,
        NegativeWeight,
        NaNWeight,
        InfiniteWeight,
    }

    private static (Tensor E, Tensor T, Tensor? W) Inputs(Fault fault)
    {
        var e = new[] { 0.0, 1.0, 2.0, 3.0, 0.5, 4.0 };
        var t = new long[] { 1, 2 };
        double[]? w = null;
        switch (fault)
        {
            case Fault.NegativeEvidence: e[2] = -0.25; break;
            case Fault.InfiniteEvidence: e[4] = double.PositiveInfinity; break;
            case Fault.TargetAboveRange: t[1] = 3; break;
            case Fault.TargetNegative: t[0] = -1; break;
            case Fault.NegativeWeight: w = new[] { 1.0, -2.0, 0.5 }; break;
            case Fault.NaNWeight: w = new[] { 1.0, double.NaN, 0.5 }; break;
            case Fault.InfiniteWeight: w = new[] { 1.0, double.PositiveInfinity, 0.5 }; break;
        }

        return (Tensors.FromDoubles(e, new long[] { 2, 3 }, ScalarType.Float32), Tensors.FromLongs(t, new long[] { 2 }),
            w is null ? null : Tensors.FromDoubles(w, new long[] { 3 }, ScalarType.Float32));
    }

    private static Exception? Catch(KernelPath path, bool maxNorm, Fault fault)
    {
        using var scope = NewDisposeScope();
        using var force = Kernels.Force(path);
        var (e, t, w) = Inputs(fault);
        try
        {
            _ = maxNorm ? UL.MaxNormLoss(e, t, 0.5, weight: w) : UL.EvidentialLoss(e, t, 0.5, weight: w);
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    [Test]
    public void FusedPath_InvalidValues_ThrowsAsComposedPath([Values] Fault fault, [Values] bool maxNorm)
    {
        var fused = Catch(KernelPath.Fused, maxNorm, fault);
        var composed = Catch(KernelPath.Composed, maxNorm, fault);
        Assert.That(composed, Is.InstanceOf<ArgumentException>());
        Assert.That(fused, Is.Not.Null);
        Assert.That(fused!.GetType(), Is.EqualTo(composed!.GetType()));
        Assert.That(((ArgumentException)fused).ParamName, Is.EqualTo(((ArgumentException)composed).ParamName));
        Assert.That(fused.Message, Is.EqualTo(composed.Message));
    }

    private static Tensor Evidence(ScalarType dtype = ScalarType.Float32) => Tensors.FromDoubles(new[] { 0.0, 1.0, 2.0, 3.0, 0.5, 4.0 }, new long[] { 2, 3 }, dtype);

    private static Tensor Index() => Tensors.FromLongs(new long[] { 1, 2 }, new long[] { 2 });

    [Test]
    public void ForceFused_CallItCannotServe_ThrowsInvalidOperationException()
    {
        using var scope = NewDisposeScope();
        using var force = Kernels.Force(KernelPath.Fused);
        Assert.That(() => UL.EvidentialLoss(Evidence(ScalarType.Float16), Index()), Throws.InstanceOf<InvalidOperationException>(), "Float16");
        Assert.That(() => UL.MaxNormLoss(Evidence(), Tensors.FromDoubles(new[] { 1.0, 0, 0, 0, 0, 1 }, new long[] { 2, 3 }, ScalarType.Float32)),
            Throws.InstanceOf<InvalidOperationException>(), "probability target");
        var transposed = Tensors.FromDoubles(new[] { 0.0, 1.0, 2.0, 3.0, 0.5, 4.0 }, new long[] { 3, 2 }, ScalarType.Float32).t();
        Assert.That(() => UL.EvidentialLoss(transposed, Index()), Throws.InstanceOf<InvalidOperationException>(), "non-contiguous");
        Assert.That(() => UL.MaxNormLoss(Evidence(), Index(), pNorm: 17), Throws.InstanceOf<InvalidOperationException>(), "pNorm 17");
        var weight = Tensors.FromDoubles(new[] { 1.0, 2.0, 3.0 }, new long[] { 3 }, ScalarType.Float32).requires_grad_();
        Assert.That(() => UL.EvidentialLoss(Evidence(), Index(), weight: weight), Throws.InstanceOf<InvalidOperationException>(), "weight requiring grad");
    }

    [Test]
    public void ForceFused_CudaEvidence_ThrowsInvalidOperationException()
    {
        Requires.Cuda();
        using var scope = NewDisposeScope();
        using var force = Kernels.Force(KernelPath.Fused);
        Assert.That(() => UL.EvidentialLoss(Evidence().cuda(), Index().cuda()), Throws.InstanceOf<InvalidOperationException>());
    }

    [Test]
    public void ForceFused_ContiguousFloat32CpuCall_DoesNotThrow()
    {
        using var scope = NewDisposeScope();
        using var force = Kernels.Force(KernelPath.Fused);
        Assert.That(() => UL.EvidentialLoss(Evidence(), Index(), 0.5), Throws.Nothing);
        Assert.That(() => UL.MaxNormLoss(Evidence().requires_grad_(), Index(), 0.5), Throws.Nothing);
    }

    [Test]
    public void Auto_TransposedEvidence_MatchesComposedPath([Values] bool maxNorm)
    {
        using var scope = NewDisposeScope();
        var transposed = Tensors.FromDoubles(new[] { 0.0, 1.0, 2.0, 3.0, 0.5, 4.0 }, new long[] { 3, 2 }, ScalarType.Float64).t();
        Tensor Loss(Tensor e) => maxNorm ? UL.MaxNormLoss(e, Index(), 0.5, reduction: Reduction.None) : UL.EvidentialLoss(e, Index(), 0.5, Reduction.None);
        var auto = Tensors.ToDoubles(Loss(transposed));
        double[] composed;
        using (Kernels.Force(KernelPath.Composed))
            composed = Tensors.ToDoubles(Loss(transposed.contiguous()));
        Assert.That(auto, Is.EqualTo(composed).Within(1e-12).Percent);
    }

    [Test]
    public void FusedPath_NaNEvidence_GivesNaNOnBothPaths([Values] bool maxNorm, [Values] bool fused)
    {
        using var scope = NewDisposeScope();
        using var force = Kernels.Force(fused ? KernelPath.Fused : KernelPath.Composed);
        var e = Tensors.FromDoubles(new[] { 0.0, double.NaN, 2.0, 3.0, 0.5, 4.0 }, new long[] { 2, 3 }, ScalarType.Float64);
        var none = Tensors.ToDoubles(maxNorm ? UL.MaxNormLoss(e, Index(), 0.5, reduction: Reduction.None) : UL.EvidentialLoss(e, Index(), 0.5, Reduction.None));
        var mean = Tensors.ToDoubles(maxNorm ? UL.MaxNormLoss(e, Index(), 0.5) : UL.EvidentialLoss(e, Index(), 0.5));
        Assert.That(none[0], Is.NaN);
        Assert.That(double.IsFinite(none[1]), Is.True);
        Assert.That(mean[0], Is.NaN);
    }

    [Test]
    public void FusedPath_EvidenceOneMillionEverywhere_LossAndGradientFinite([Values] bool maxNorm, [Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var force = Kernels.Force(KernelPath.Fused);
        var e = full(new long[] { 8, 10, 3 }, 1e6, dtype).requires_grad_();
        var t = zeros(new long[] { 8, 3 }, ScalarType.Int64);
        var loss = maxNorm ? UL.MaxNormLoss(e, t, 1.0, 16) : UL.EvidentialLoss(e, t, 1.0);
        loss.backward();
        Assert.That(double.IsFinite(loss.to(ScalarType.Float64).item<double>()), Is.True);
        Assert.That(e.grad!.isfinite().all().item<bool>(), Is.True);
    }

    /// <summary>Forced fused forward + backward: only the result (and then the evidence's gradient) stays alive.</summary>
    /// <remarks>
    /// The custom autograd node's backward hands its gradient wrapper to native code, which copies it when the callback
    /// returns; FusedLossFunction keeps that wrapper and the grad_output wrapper TorchSharp created for it until the
    /// thread's next backward (or ReleaseDeferred), so they are released here before counting. The repeated-call test
    /// below checks that nothing accumulates without that help.
    /// </remarks>
    [Test]
    public void FusedPath_ForwardAndBackward_LeavesOnlyResultAndGradAlive([Values] bool maxNorm, [Values] Reduction reduction)
    {
        using var force = Kernels.Force(KernelPath.Fused);
        var e = Tensors.FromDoubles(new[] { 0.0, 1.0, 2.0, 3.0, 0.5, 4.0 }, new long[] { 2, 3 }, ScalarType.Float32).requires_grad_();
        var t = Index();
        var gradOutput = reduction == Reduction.None ? ones(2) : ones(Array.Empty<long>());
        try
        {
            FusedLossFunction.ReleaseDeferred();   // an earlier test's backward on this thread
            long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            var result = maxNorm ? UL.MaxNormLoss(e, t, 0.5, reduction: reduction) : UL.EvidentialLoss(e, t, 0.5, reduction);
            Assert.That(DisposeScopeManager.Statistics.ThreadTotalLiveCount, Is.EqualTo(before + 1), "after the forward");
            result.backward(new[] { gradOutput });
            FusedLossFunction.ReleaseDeferred();
            Assert.That(DisposeScopeManager.Statistics.ThreadTotalLiveCount, Is.EqualTo(before + 1), "after the backward");
            result.Dispose();
            Assert.That(DisposeScopeManager.Statistics.ThreadTotalLiveCount, Is.EqualTo(before), "after disposing the result");
            var grad = e.grad!;
            Assert.That(DisposeScopeManager.Statistics.ThreadTotalLiveCount, Is.EqualTo(before + 1), "holding the gradient");
            grad.Dispose();
            Assert.That(DisposeScopeManager.Statistics.ThreadTotalLiveCount, Is.EqualTo(before), "at the end");
        }
        finally
        {
            e.Dispose();
            t.Dispose();
            gradOutput.Dispose();
        }
    }

    /// <summary>Repeated fused forward + backward calls: the live-tensor count does not grow from one call to the next.</summary>
    [Test]
    public void FusedPath_RepeatedForwardAndBackward_LiveCountDoesNotGrow([Values] bool maxNorm, [Values] Reduction reduction)
    {
        using var force = Kernels.Force(KernelPath.Fused);
        var e = Tensors.FromDoubles(new[] { 0.0, 1.0, 2.0, 3.0, 0.5, 4.0 }, new long[] { 2, 3 }, ScalarType.Float32).requires_grad_();
        var t = Index();
        var gradOutput = reduction == Reduction.None ? ones(2) : ones(Array.Empty<long>());
        try
        {
            long[] counts = new long[4];
            for (int i = 0; i < counts.Length; i++)
            {
                using (var scope = NewDisposeScope())
                {
                    var result = maxNorm ? UL.MaxNormLoss(e, t, 0.5, reduction: reduction) : UL.EvidentialLoss(e, t, 0.5, reduction);
                    result.backward(new[] { gradOutput });
                }

                e.grad!.Dispose();   // the accessor's wrapper
                counts[i] = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            }

            Assert.That(counts[3], Is.EqualTo(counts[1]), "live tensors after calls 2 and 4: " + string.Join(", ", counts));
        }
        finally
        {
            FusedLossFunction.ReleaseDeferred();
            e.Dispose();
            t.Dispose();
            gradOutput.Dispose();
        }
    }
}
