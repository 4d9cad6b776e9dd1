using TorchSharp;
using static TorchSharp.torch;

namespace UncertaintyLoss.Internal;

/// <summary>
/// A validated classification target, ready for the loss kernels, with <c>cross_entropy</c>'s <c>weight</c> and
/// <c>ignoreIndex</c> semantics for the reduction. Created inside the public function's dispose scope.
/// </summary>
internal sealed class ClassTarget
{
    private readonly Tensor? keep;        // Bool (N, d…): false where the target equals ignoreIndex; null when none does
    private readonly Tensor? weight;      // per-class weights in the compute dtype; null when none were given

    private ClassTarget(TargetKind kind, Tensor target, Tensor? keep, Tensor? weight)
    {
        Kind = kind;
        Target = target;
        this.keep = keep;
        this.weight = weight;
    }

    /// <summary>Index or probability target.</summary>
    public TargetKind Kind { get; }

    /// <summary>Class indices (ignored entries replaced by class 0, whose loss is then discarded) or probabilities.</summary>
    public Tensor Target { get; }

    /// <summary>Prepares <paramref name="target"/> for the evidence in compute dtype <paramref name="work"/>.</summary>
    public static ClassTarget Create(Tensor work, Tensor target, TargetKind kind, bool anyIgnored, long ignoreIndex, Tensor? weight)
    {
        if (kind == TargetKind.Probability)
            return new ClassTarget(kind, target.to(work.dtype), null, null);
        var indices = target.to(ScalarType.Int64);
        Tensor? keep = null;
        if (anyIgnored)
        {
            keep = indices.ne(ignoreIndex);
            indices = indices.masked_fill(keep.logical_not(), 0);
        }

        return new ClassTarget(kind, indices, keep, weight?.to(work.dtype));
    }

    /// <summary>
    /// The evidence with ignored positions set to 0, so that a value there that the loss cannot digest (huge or NaN
    /// evidence) cannot reach the result or the gradient (0 times a NaN intermediate is still NaN).
    /// </summary>
    /// <param name="work">The evidence (or concentration) in the compute dtype.</param>
    /// <param name="fill">The value ignored positions get: 0 for evidence, 1 for a concentration α (which must stay &gt; 0).</param>
    public Tensor Evidence(Tensor work, double fill = 0.0) => keep is null ? work : work.masked_fill(keep.logical_not().unsqueeze(1), fill);

    /// <summary>
    /// Reduces per-position losses (N, d…). Without weights or ignored positions this is the plain mean or sum. With
    /// them, as <c>cross_entropy</c>: each position's loss is multiplied by w[target] (0 where ignored); <c>Sum</c>
    /// sums, <c>Mean</c> divides by Σ w[target] over the kept positions — and, unlike <c>cross_entropy</c>'s NaN, is 0 when
    /// that sum is 0 (every position ignored).
    /// </summary>
    /// <param name="perPosition">The per-position losses (N, d…).</param>
    /// <param name="reduction">How to reduce them.</param>
    /// <param name="unitWeight">Optional Bool mask (N, d…) of positions whose weight is 1 whatever their class index (the
    /// out-of-distribution positions of <see cref="UL.PriorNetworkLoss"/>); null: none.</param>
    public Tensor Reduce(Tensor perPosition, nn.Reduction reduction, Tensor? unitWeight = null)
    {
        if (keep is null && weight is null)
            return Reductions.Apply(perPosition, reduction);

        var w = weight is null
            ? ones_like(perPosition)
            : weight.index_select(0, Target.flatten()).reshape(Target.shape);
        if (weight is not null && unitWeight is not null)
            w = w.masked_fill(unitWeight, 1.0);
        var loss = perPosition;
        if (keep is not null)
        {
            var dropped = keep.logical_not();
            w = w.masked_fill(dropped, 0.0);
            loss = loss.masked_fill(dropped, 0.0);
        }

        var weighted = loss * w;
        switch (reduction)
        {
            case nn.Reduction.None:
                return weighted;
            case nn.Reduction.Sum:
                return weighted.sum();
            default:
                var total = w.sum();
                return weighted.sum() / where(total > 0, total, ones_like(total));
        }
    }
}
