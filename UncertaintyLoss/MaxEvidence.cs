namespace UncertaintyLoss;

public static partial class UL
{
    /// <summary>
    /// The largest evidence value the classification losses accept: 1e12. Larger evidence is rejected with an
    /// <see cref="System.ArgumentException"/> before any computation, as negative and infinite evidence are.
    /// </summary>
    /// <remarks>
    /// <para>Evidence is a pseudo-count of observations (α = evidence + 1): 1e12 is more than any training set holds, and
    /// evidence beyond it only arises from a diverged network (an unclamped exp, relu or softplus of huge logits).
    /// Up to this bound every loss and its gradient stay finite on both kernel paths, in Float32 and Float64, for any
    /// class count the path accepts; beyond it the p-norm's rising products (Π(S + i) for p ≤ 16), lgamma and the
    /// squared strengths overflow in one path or another. Accuracy is a separate matter:
    /// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/accuracy.md">accuracy.md</see>
    /// gives the
    /// measured errors, which grow with the evidence (ln Γ differences cancel).</para>
    /// <para>The uncertainty measures (<see cref="Uncertainty"/>, <see cref="Vacuity(TorchSharp.torch.Tensor)"/>, …) accept any finite evidence.</para>
    /// </remarks>
    public const double MaxEvidence = 1e12;
}
