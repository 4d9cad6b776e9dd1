using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace UncertaintyLoss.Internal.Fused;

/// <summary>
/// The autograd node of a fused loss: the forward pass computes the loss and its gradient with respect to the
/// evidence in one pass (<c>FusedDirichlet.Call.Compute</c>) and saves the gradient; the backward pass is
/// one multiplication by the incoming gradient.
/// </summary>
/// <remarks>
/// <para><b>Higher-order gradients.</b> The saved gradient is a constant to autograd, so differentiating it again would
/// see no curvature. A backward that builds a graph (<c>create_graph: true</c>, e.g. a gradient penalty or a
/// Hessian-vector product) runs with grad mode on — the engine sets it so, as PyTorch's <c>once_differentiable</c>
/// relies on. Then this node recomputes the loss through the composed TorchSharp operations from the saved inputs and
/// returns their gradient, built with <c>create_graph</c>: the result is the composed path's, differentiable to any
/// order. Plain backwards (grad mode off) keep the one-multiplication path.</para>
/// <para><b>Released graphs.</b> TorchSharp's custom nodes never release their saved tensors, so a second backward
/// through this node alone would silently add the gradient again. <see cref="FusedDirichlet.Run"/> therefore multiplies
/// the node's output by a 0-dimensional one (<see cref="GuardReleasedGraph"/>): a native node whose saved tensor the
/// engine frees after a backward without <c>retain_graph</c>, so that a second backward raises PyTorch's own error
/// ("Trying to backward through the graph a second time"), exactly as on the composed path.</para>
/// </remarks>
internal sealed class FusedLossFunction : autograd.SingleTensorFunction<FusedLossFunction>
{
    /// <summary>The key of the <see cref="FusedDirichlet.Call"/> in the autograd context's saved data.</summary>
    private const string CallKey = "call";

    // Positions in the saved tensors (forward's save_for_backward list).
    private const int SavedGradient = 0;
    private const int SavedEvidence = 1;
    private const int SavedTarget = 2;
    private const int SavedWeight = 3;

    public override string Name => "UncertaintyLossFused";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var evidence = (Tensor)vars[0];
        var call = (FusedDirichlet.Call)vars[1];
        var result = call.Compute(out var gradient);
        // The gradient for first-order backwards; the inputs for a recomputation when a graph is built (see remarks).
        ctx.save_for_backward(new List<Tensor> { gradient!, evidence, call.Target, call.Weight! });
        ctx.save_data(CallKey, call);
        return result;
    }

    /// <summary>
    /// The tensor wrappers that the previous backward on this thread handed to native code: the gradient it returned
    /// and the incoming grad_output wrapper TorchSharp created for it. Native code copies the returned tensor when the
    /// callback returns, so they are released at the start of the next backward on the same thread (or by
    /// <see cref="ReleaseDeferred"/>) instead of waiting for the garbage collector: at most two per thread stay alive.
    /// </summary>
    [System.ThreadStatic]
    private static List<Tensor>? deferred;

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        ReleaseDeferred();
        var call = (FusedDirichlet.Call)ctx.get_data(CallKey);
        Tensor grad;
        try
        {
            using var scope = NewDisposeScope();
            var saved = ctx.get_saved_variables();
            if (is_grad_enabled())
                grad = DifferentiableGradient(call, saved[SavedEvidence], saved[SavedTarget], saved[SavedWeight], grad_output);
            else if (call.Reduction == nn.Reduction.None)
                grad = saved[SavedGradient] * grad_output.unsqueeze(1);
            else if (FusedDirichlet.IsScalarOne(grad_output))
                grad = saved[SavedGradient].alias();   // loss.backward(): the saved gradient is the answer (autograd copies before any in-place use, as the node still holds it)
            else
                grad = saved[SavedGradient] * grad_output;
            grad.DetachFromDisposeScope();
        }
        catch (Exception e)
        {
            // A managed exception must not cross the native engine (the process would end). The usual cause: a saved
            // input was modified in place after the loss was computed, which libtorch refuses ("modified by an inplace
            // operation"). Return a gradient of the wrong shape instead, so that the engine raises ("returned an invalid
            // gradient") and the caller's backward throws; the original message goes to the trace listeners.
            System.Diagnostics.Trace.TraceError("UncertaintyLoss fused backward failed: " + e.Message);
            grad = empty(0, grad_output.dtype);
        }

        (deferred ??= new List<Tensor>()).Add(grad);
        deferred.Add(grad_output);
        return new List<Tensor> { grad, null! };
    }

    /// <summary>
    /// The gradient as a differentiable function of the evidence (and of <paramref name="gradOutput"/>): the composed
    /// path's loss on the same inputs, differentiated with <c>create_graph</c> (a reentrant backward, which libtorch
    /// supports as it does for checkpointing).
    /// </summary>
    private static Tensor DifferentiableGradient(FusedDirichlet.Call call, Tensor evidence, Tensor target, Tensor? weight, Tensor gradOutput)
    {
        Tensor loss;
        using (Kernels.Force(KernelPath.Composed))
            loss = call.Composed(evidence, target, weight is null || weight.IsInvalid ? null : weight);
        var grads = autograd.grad(new[] { loss }, new[] { evidence }, new[] { gradOutput }, retain_graph: true, create_graph: true, allow_unused: true);
        var g = grads[0];
        return g is null || g.IsInvalid ? zeros_like(evidence) : g;
    }

    /// <summary>Disposes the wrappers kept by this thread's last backward (tests call it to count live tensors exactly).</summary>
    internal static void ReleaseDeferred()
    {
        if (deferred is null)
            return;
        foreach (var t in deferred)
            t.Dispose();
        deferred.Clear();
    }

    /// <summary>Applies the fused loss to <paramref name="evidence"/> with autograd tracking.</summary>
    internal static Tensor apply(Tensor evidence, FusedDirichlet.Call call) =>
        GuardReleasedGraph(autograd.SingleTensorFunction<FusedLossFunction>.apply(evidence, call));

    /// <summary>
    /// <paramref name="output"/> × 1 through a native multiplication that saves the 0-dimensional one: exact (x·1 = x
    /// for every x), and the engine frees the saved one after a backward without <c>retain_graph</c>, so that a second
    /// backward raises as the composed path does (see the class remarks).
    /// </summary>
    private static Tensor GuardReleasedGraph(Tensor output) => output * ones(System.Array.Empty<long>(), output.dtype, output.device);
}
