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

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var gradient = ctx.get_saved_variables()[0];
        var reduction = (nn.Reduction)ctx.get_data("reduction");
        var grad = reduction == nn.Reduction.None ? gradient * grad_output.unsqueeze(1) : gradient * grad_output;
        return new List<Tensor> { grad, null! };
    }

    /// <summary>Applies the fused loss to <paramref name="evidence"/> with autograd tracking.</summary>
    internal static Tensor apply(Tensor evidence, FusedDirichlet.Call call) => autograd.SingleTensorFunction<FusedLossFunction>.apply(evidence, call);
}
