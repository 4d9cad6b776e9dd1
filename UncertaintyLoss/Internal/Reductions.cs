using System.Diagnostics;
using System.Linq;
using static TorchSharp.torch;

namespace UncertaintyLoss.Internal;

/// <summary>The reduction and the compute dtype shared by the classification and regression functions.</summary>
internal static class Reductions
{
    /// <summary>
    /// Applies a reduction over all elements, as <c>cross_entropy</c> does, except that the mean over no elements (an empty
    /// batch) is 0, not NaN
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/conventions.md#empty-batches">conventions.md, "Empty batches"</see>):
    /// a 0-dim tensor in the losses' dtype and device that
    /// stays in the graph with a zero gradient. None returns the (possibly empty) losses themselves.
    /// </summary>
    internal static Tensor Apply(Tensor perElement, nn.Reduction reduction) => reduction switch
    {
        nn.Reduction.None => perElement,
        nn.Reduction.Sum => perElement.sum(),
        nn.Reduction.Mean => perElement.numel() == 0 ? perElement.sum() : perElement.mean(),
        _ => throw new UnreachableException("Check.Reduction runs before any reduction."),
    };

    /// <summary>The dtype several broadcast floating operands compute in: the wider one (Float64 if any is, else Float32).</summary>
    internal static ScalarType Promote(params Tensor[] tensors) =>
        tensors.Any(t => t.dtype == ScalarType.Float64) ? ScalarType.Float64 : ScalarType.Float32;
}
