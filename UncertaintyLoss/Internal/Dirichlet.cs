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
    /// ln Σ_{k≠j} exp(x_k) for every class j (dim 1), without underflow or cancellation. With u = exp(x − max) and
    /// U = Σ_k u_k, every class but the one with the largest x gets max + ln(U − u_j), where U − u_j ≥ U/2 (the
    /// largest u, 1, is among the others); the largest gets a log-sum-exp over the others, which may all underflow u.
    /// </summary>
    internal static Tensor LogSumOfOthers(Tensor x)
    {
        var isMax = OneHot(x, x.argmax(1, keepdim: true), ScalarType.Bool);
        var max = x.amax(new long[] { 1 }, keepdim: true).detach();       // a shift the result does not depend on
        var u = (x - max).exp();
        var others = (u.sum(1, keepdim: true) - u).masked_fill(isMax, 1.0).log() + max;   // 1 at the max: no log(0) to differentiate
        var othersOfMax = x.masked_fill(isMax, double.NegativeInfinity).logsumexp(1, keepdim: true);
        return where(isMax, othersOfMax, others);
    }
}
