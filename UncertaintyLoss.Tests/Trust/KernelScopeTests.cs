using System.Threading.Tasks;
using UncertaintyLoss.Internal;
using UncertaintyLoss.Internal.Fused;

namespace UncertaintyLoss.Tests.Trust;

/// <summary>
/// <see cref="UL.KernelScope"/>: the kernel path for one thread or async flow, next to the process-wide
/// <see cref="UL.UseFusedKernels"/> (issue 12: flipping the global switch in one thread changed every other thread).
/// Which path ran is observed through <see cref="FusedDirichlet.JobsStarted"/> (the fused kernel's job counter).
/// </summary>
[TestFixture]
public sealed class KernelScopeTests
{
    /// <summary>What the suite runs on without a scope (Auto, or Composed under UL_KERNEL_PATH=Composed).</summary>
    private static KernelPath FusedAllowed => Kernels.Default;

    [TearDown]
    public void Restore() => UL.UseFusedKernels = true;

    [Test]
    public void KernelScope_False_SelectsTheComposedPathUntilDisposed()
    {
        var before = Kernels.Path;
        using (UL.KernelScope(fused: false))
        {
            Assert.That(Kernels.Path, Is.EqualTo(KernelPath.Composed));
            Assert.That(RunsFused(), Is.False, "inside the scope the loss composes TorchSharp operations");
        }

        Assert.That(Kernels.Path, Is.EqualTo(before));
    }

    [Test]
    public void KernelScope_True_OverridesTheGlobalSwitchForThisFlowOnly()
    {
        UL.UseFusedKernels = false;
        Assert.That(Kernels.Path, Is.EqualTo(KernelPath.Composed));
        using (UL.KernelScope(fused: true))
        {
            Assert.That(Kernels.Path, Is.EqualTo(FusedAllowed));
            if (FusedAllowed == KernelPath.Auto)
                Assert.That(RunsFused(), Is.True, "the scope re-enables the fused kernel despite UseFusedKernels = false");
        }

        Assert.That(Kernels.Path, Is.EqualTo(KernelPath.Composed));
    }

    [Test]
    public void KernelScope_Nested_RestoresEachLevelAndIgnoresASecondDispose()
    {
        var outer = UL.KernelScope(fused: false);
        var inner = UL.KernelScope(fused: true);
        Assert.That(Kernels.Path, Is.EqualTo(FusedAllowed));
        inner.Dispose();
        Assert.That(Kernels.Path, Is.EqualTo(KernelPath.Composed));
        inner.Dispose();
        Assert.That(Kernels.Path, Is.EqualTo(KernelPath.Composed), "disposing the inner scope twice does not undo the outer one");
        outer.Dispose();
        Assert.That(Kernels.Path, Is.EqualTo(FusedAllowed));
    }

    /// <summary>A scope held open in one thread does not change the path of another thread running at the same time.</summary>
    [Test]
    public void KernelScope_InOneThread_DoesNotAffectAnotherThread()
    {
        var (inScope, other) = FlowScopeKit.ReadWhileOpenInAnotherThread(() => UL.KernelScope(fused: false), () => Kernels.Path);
        Assert.That(inScope, Is.EqualTo(KernelPath.Composed));
        Assert.That(other, Is.EqualTo(FusedAllowed), "the other thread still sees the default");
    }

    /// <summary>The global switch, by contrast, is process-wide (documented): another thread sees it at once.</summary>
    [Test]
    public void UseFusedKernels_IsProcessWide()
    {
        UL.UseFusedKernels = false;
        Assert.That(FlowScopeKit.ReadInNewThread(() => Kernels.Path), Is.EqualTo(KernelPath.Composed));
    }

    /// <summary>The scope flows into await continuations (possibly on another thread) and into tasks started inside it.</summary>
    [Test]
    public async Task KernelScope_FlowsIntoAwaitContinuationsAndChildTasks()
    {
        using (UL.KernelScope(fused: false))
        {
            await Task.Yield();
            Assert.That(Kernels.Path, Is.EqualTo(KernelPath.Composed), "after an await");
            var inTask = await Task.Run(() => Kernels.Path);
            Assert.That(inTask, Is.EqualTo(KernelPath.Composed), "in a task started inside the scope");
            var ran = await Task.Run(RunsFused);
            Assert.That(ran, Is.False, "a loss computed in that task takes the composed path");
        }

        Assert.That(Kernels.Path, Is.EqualTo(FusedAllowed));
    }

    /// <summary>A scope opened inside an async method (and not disposed there) does not leak out to its caller.</summary>
    [Test]
    public async Task KernelScope_OpenedInsideAnAsyncMethod_DoesNotLeakToTheCaller()
    {
        var (inside, caller) = await FlowScopeKit.ReadAroundAnUndisposedScopeInAnAsyncMethod(() => UL.KernelScope(fused: false), () => Kernels.Path);
        Assert.That(inside, Is.EqualTo(KernelPath.Composed));
        Assert.That(caller, Is.EqualTo(FusedAllowed), "the caller's flow is unchanged");
    }

    private static bool RunsFused()
    {
        long before = FusedDirichlet.JobsStarted;
        using (NewDisposeScope())
            Loss();
        return FusedDirichlet.JobsStarted > before;
    }

    private static Tensor Loss() =>
        UL.EvidentialLoss(Tensors.FromDoubles(new[] { 0.0, 1.5, 3.0, 2.0, 0.5, 4.0 }, new long[] { 2, 3 }), Tensors.FromLongs(new long[] { 2, 0 }, new long[] { 2 }), 0.5);
}
