using System;
using TorchSharp;
using static TorchSharp.torch;

namespace UncertaintyLoss.Internal;

/// <summary>Building blocks shared by the loss families. Every method is called inside a dispose scope.</summary>
internal static class Dirichlet
{
    /// <summary>Half-precision inputs are computed in Float32 (lgamma and friends need it) and cast back.</summary>
    internal static Tensor ToCompute(Tensor t) =>
        t.dtype is ScalarType.Float16 or ScalarType.BFloat16 ? t.to(ScalarType.Float32) : t.alias();

    /// <summary>The result in the evidence's dtype.</summary>
    internal static Tensor ToOutput(Tensor result, Tensor evidence) =>
        result.dtype == evidence.dtype ? result : result.to(evidence.dtype);

    /// <summary>Dense class-probability target with the evidence's shape and the compute dtype.</summary>
    internal static Tensor DenseTarget(Tensor work, Tensor target, TargetKind kind) =>
        kind == TargetKind.Index
            ? OneHot(work, target.to(ScalarType.Int64).unsqueeze(1), work.dtype)
            : target.to(work.dtype);

    /// <summary>Boolean mask of the true class, shape of the evidence. Index targets only.</summary>
    internal static Tensor TrueClassMask(Tensor work, Tensor target) =>
        OneHot(work, target.to(ScalarType.Int64).unsqueeze(1), ScalarType.Bool);

    /// <summary>A tensor shaped like <paramref name="like"/>, 1 (true) at <paramref name="index"/> along dim 1, 0 elsewhere.</summary>
    /// <param name="like">(N, C, d…).</param>
    /// <param name="index">Int64 of shape (N, 1, d…).</param>
    /// <param name="dtype">The result's dtype.</param>
    internal static Tensor OneHot(Tensor like, Tensor index, ScalarType dtype) =>
        zeros(like.shape, dtype, like.device).scatter_(1, index, ones(index.shape, dtype, like.device));

    /// <summary>
    /// R_j = S − α_j = Σ_{k≠j} α_k for every class j, accurate to a few ulp: S − α_j cancels badly only
    /// for the class with the largest α, whose R is summed directly instead.
    /// </summary>
    internal static Tensor SumOfOthers(Tensor alpha, Tensor s)
    {
        var isMax = OneHot(alpha, alpha.argmax(1, keepdim: true), ScalarType.Bool);
        var rMax = alpha.masked_fill(isMax, 0.0).sum(1, keepdim: true);
        return where(isMax, rMax, s - alpha);
    }

    /// <summary>
    /// Applies a reduction over all elements, as <c>cross_entropy</c> does, except that the mean over no elements (an empty
    /// batch) is 0, not NaN (docs/conventions.md, "Empty batches"); it stays in the graph, with a zero gradient.
    /// </summary>
    internal static Tensor Reduce(Tensor perPosition, nn.Reduction reduction) => reduction switch
    {
        nn.Reduction.None => perPosition,
        nn.Reduction.Sum => perPosition.sum(),
        nn.Reduction.Mean => perPosition.numel() == 0 ? perPosition.sum() : perPosition.mean(),
        _ => throw new ArgumentOutOfRangeException(nameof(reduction)),
    };

    /// <summary>
    /// Expectation of a per-true-class loss under a probability target: Σ_c y_c L(α, c). The loss is
    /// evaluated once per class that has positive probability somewhere in the batch.
    /// </summary>
    internal static Tensor ExpectOverClasses(Tensor work, Tensor probabilities, Func<Tensor, Tensor> lossForMask)
    {
        long classes = work.shape[1];
        var present = (probabilities > 0).transpose(0, 1).reshape(classes, -1).any(1).cpu().data<bool>().ToArray();
        var viewShape = new long[work.dim()];
        Array.Fill(viewShape, 1L);
        viewShape[1] = classes;
        Tensor? total = null;
        for (int c = 0; c < classes; c++)
        {
            if (!present[c])
                continue;
            var mask = zeros(classes, ScalarType.Bool, work.device).index_fill_(0, tensor(new long[] { c }, device: work.device), true).reshape(viewShape);
            var weighted = lossForMask(mask) * probabilities.select(1, c);
            total = total is null ? weighted : total + weighted;
        }

        if (total is null)
        {
            total = work.select(1, 0) * 0.0;   // no class has probability mass: zero, still in the graph
        }

        return total;
    }
}
