using System;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss;

/// <summary>
/// <see cref="UL.PriorNetworkLoss"/> (reverse KL) as a module, a drop-in for <c>nn.CrossEntropyLoss</c>:
/// <c>criterion.forward(logits, target)</c>, with out-of-distribution positions marked in the target. The activation's
/// output is the concentration α itself (not evidence): with the default <see cref="EvidenceActivation.Exp"/>,
/// α = exp(clamp(logits, −c, c)) with c the <c>clamp</c> option, as the paper's α = exp(logits).
/// </summary>
/// <remarks>
/// The reverse KL has no regulariser: the inherited <see cref="DirichletLossModule.ConstantRegFactor"/> is 0 and it and
/// <see cref="DirichletLossModule.Schedule"/> are not used by <see cref="Loss"/> (setting them changes nothing).
/// </remarks>
/// <example>
/// <code>
/// var criterion = new PriorNetworkLossModule(targetConcentration: 100);
/// // A batch of in-distribution images (their labels) and out-of-distribution ones (label −1).
/// var loss = criterion.forward(model.forward(cat(new[] { x, xOod })), cat(new[] { y, full(xOod.shape[0], -1L) }));
/// </code>
/// </example>
public sealed class PriorNetworkLossModule : DirichletLossModule
{
    /// <summary>Creates the module.</summary>
    /// <param name="targetConcentration">τ ∈ [1e-6, 1e6] (default 100, the authors' training script's).</param>
    /// <param name="reduction">How to reduce the per-position losses (default <see cref="nn.Reduction.Mean"/>).</param>
    /// <param name="weight">Optional per-class weights of shape (C); out-of-distribution positions have weight 1.</param>
    /// <param name="ignoreIndex">Class-index target value to ignore (default −100).</param>
    /// <param name="outOfDistributionIndex">Class-index target value that marks an out-of-distribution position (default −1;
    /// must differ from <paramref name="ignoreIndex"/>).</param>
    /// <param name="activation">How the input becomes α (default <see cref="EvidenceActivation.Exp"/>, the paper's; with
    /// <see cref="EvidenceActivation.None"/> the input is α).</param>
    /// <param name="clamp">The bound of <see cref="EvidenceActivation.Exp"/>: the input is clamped to [−clamp, clamp] before exp, as in <see cref="UL.ClampedExp"/> (default 10); ignored by the other activations.</param>
    /// <exception cref="ArgumentException"><paramref name="weight"/> is not a floating tensor of shape (C).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (see <see cref="UL.PriorNetworkLoss"/>).</exception>
    public PriorNetworkLossModule(double targetConcentration = 100.0, nn.Reduction reduction = nn.Reduction.Mean,
        Tensor? weight = null, long ignoreIndex = -100, long outOfDistributionIndex = -1,
        EvidenceActivation activation = EvidenceActivation.Exp, double clamp = 10.0)
        : base(NoRegFactorOptionsChecked(targetConcentration, ignoreIndex, outOfDistributionIndex), reduction, weight, ignoreIndex, activation, null, clamp)
    {
        TargetConcentration = targetConcentration;
        OutOfDistributionIndex = outOfDistributionIndex;
    }

    /// <summary>The target concentration τ.</summary>
    public double TargetConcentration { get; }

    /// <summary>The class-index target value that marks an out-of-distribution position.</summary>
    public long OutOfDistributionIndex { get; }

    /// <summary>The loss on the input, the activation computed inside the fused pass where it applies (issue 18, fourth session).</summary>
    private protected override Tensor LossOnInput(Tensor input, Tensor target, double lambda) =>
        UL.PriorNetworkLossCore(input, target, TargetConcentration, reduction, weight, IgnoreIndex, OutOfDistributionIndex, Activation, Clamp);

    /// <inheritdoc/>
    /// <remarks>The regularisation factor is not used: the reverse KL has no regulariser.</remarks>
    protected override Tensor Loss(Tensor evidence, Tensor target, double lambda) =>
        UL.PriorNetworkLoss(evidence, target, TargetConcentration, reduction, weight, IgnoreIndex, OutOfDistributionIndex);

    /// <summary>Rejects bad options before the base constructor creates anything; the base's regFactor is 0.</summary>
    private static double NoRegFactorOptionsChecked(double targetConcentration, long ignoreIndex, long outOfDistributionIndex)
    {
        Check.Concentration(targetConcentration, nameof(targetConcentration), "the target concentration τ");
        Check.OutOfDistributionIndex(outOfDistributionIndex, ignoreIndex, nameof(outOfDistributionIndex));
        return 0.0;
    }
}
