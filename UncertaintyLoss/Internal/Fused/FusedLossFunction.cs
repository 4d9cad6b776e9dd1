using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace UncertaintyLoss.Internal.Fused;

/// <summary>
/// The autograd node of a fused loss: the forward pass computes the loss and its gradient with respect to the
/// evidence in one pass (<see cref="FusedDirichlet.Call.Compute"/>) and saves the gradient; the backward pass is
/// one multiplication by the incoming gradient. First-order gradients only: the saved gradient is a constant to
/// autograd, so a second differentiation (create_graph) through the loss sees no curvature.
/// </summary>
internal sealed class FusedLossFunction : autograd.SingleTensorFunction<FusedLossFunction>
{
    public override string Name => "UncertaintyLossFused";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var call = (FusedDirichlet.Call)vars[1];
        var result = call.Compute(out var gradient);
        ctx.save_for_backward(new List<Tensor> { gradient! });
        ctx.save_data("reduction", call.Reduction);
        return result;
    }

    /// <summary>
    /// The tensor wrappers that the previous backward on this thread handed to native code: the gradient it returned
    /// and the incoming grad_output wrapper TorchSharp created for it. Native code copies the returned tensor when the
    /// callback returns, so they are released at the start of the next backward on the same thread (or by
    /// <see cref="ReleaseDeferred"/>) instead of waiting for the garbage collector: at most two per thread stay alive.
    /// </summary>
    [ThreadStatic]
    private static List<Tensor>? deferred;

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        ReleaseDeferred();
        Tensor grad;
        using (var scope = NewDisposeScope())
        {
            var gradient = ctx.get_saved_variables()[0];
            var reduction = (nn.Reduction)ctx.get_data("reduction");
            if (reduction == nn.Reduction.None)
                grad = gradient * grad_output.unsqueeze(1);
            else if (grad_output.numel() == 1 && grad_output.device_type == DeviceType.CPU && grad_output.to(ScalarType.Float64).item<double>() == 1.0)
                grad = gradient.alias();   // loss.backward(): the saved gradient is the answer (autograd copies before any in-place use, as the node still holds it)
            else
                grad = gradient * grad_output;
            grad.DetachFromDisposeScope();
        }

        (deferred ??= new List<Tensor>()).Add(grad);
        deferred.Add(grad_output);
        return new List<Tensor> { grad, null! };
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
    internal static Tensor apply(Tensor evidence, FusedDirichlet.Call call) => autograd.SingleTensorFunction<FusedLossFunction>.apply(evidence, call);
}
