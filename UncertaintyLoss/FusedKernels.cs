using System;
using UncertaintyLoss.Internal;

namespace UncertaintyLoss;

public static partial class UL
{
    /// <summary>
    /// The process-wide default of whether <see cref="EvidentialLoss"/>, <see cref="RelaxedEvidentialLoss"/>,
    /// <see cref="MaxNormLoss"/>, <see cref="FisherEvidentialLoss"/>, <see cref="RedEvidentialLoss"/>, <see cref="PosteriorNetworkLoss"/>,
    /// <see cref="BeliefMatchingLoss"/> and their <c>…WithLogits</c> forms may use their fused
    /// CPU kernel (default <see langword="true"/>): one vectorised double-precision pass computing the loss and its
    /// analytic gradient, used for contiguous Float32/Float64 CPU evidence (or logits, or belief matching's α) with class-index targets, or probability targets that do not require a gradient
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/performance.md">performance.md</see>).
    /// A <see cref="KernelScope"/> overrides it for one thread or async flow.
    /// </summary>
    /// <remarks>
    /// Both paths give the same values (1e-10 relative in Float64) and gradients of every order: a backward that builds
    /// a graph (<c>create_graph: true</c>, e.g. a gradient penalty or a Hessian-vector product) through the fused kernel
    /// recomputes the gradient through the composed TorchSharp operations, and a second backward through a released
    /// graph raises as on the composed path
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/conventions.md#gradients">conventions.md, "Gradients"</see>).
    /// Setting this to <see langword="false"/>
    /// selects the composed path everywhere, e.g. to compare the two. The setting is process-wide: changing it affects
    /// every thread; use <see cref="KernelScope"/> to change the path for one piece of code only.
    /// </remarks>
    public static bool UseFusedKernels { get; set; } = true;

    /// <summary>
    /// Selects the kernel path of the fused losses (<see cref="UseFusedKernels"/>) for the current thread and
    /// async flow until the returned scope is disposed: <paramref name="fused"/> = <see langword="false"/> always
    /// composes TorchSharp operations, <see langword="true"/> uses the fused CPU kernel wherever it applies — whatever
    /// <see cref="UseFusedKernels"/> says. Other threads and async flows are not affected.
    /// </summary>
    /// <param name="fused">Whether the fused CPU kernel may be used inside the scope.</param>
    /// <returns>A scope that restores the previous setting of this flow when disposed (disposing it twice does nothing).</returns>
    /// <remarks>
    /// <para>The setting is an <see cref="System.Threading.AsyncLocal{T}"/>: it flows into <c>await</c> continuations and
    /// into tasks started inside the scope, and a scope opened inside a task does not leak out to its caller. Scopes
    /// nest; dispose them in reverse order, as <c>using</c> does.</para>
    /// <para>Example: <c>using (UL.KernelScope(fused: false)) { loss = UL.EvidentialLoss(evidence, target); }</c>.</para>
    /// </remarks>
    public static IDisposable KernelScope(bool fused) => Kernels.UserScope(fused);
}
