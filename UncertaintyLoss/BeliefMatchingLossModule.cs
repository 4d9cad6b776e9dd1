using System;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss;

/// <summary>
/// <see cref="UL.BeliefMatchingLoss"/> as a module, a drop-in for <c>nn.CrossEntropyLoss</c>:
/// <c>criterion.forward(logits, target)</c>. The activation's output is the concentration α itself (not evidence): with the
/// default <see cref="EvidenceActivation.Exp"/>, α = exp(clamp(logits, −c, c)) with c the <c>clamp</c> option, as the paper's α = exp(logits).
/// </summary>
/// <example>
/// <code>
/// var criterion = new BeliefMatchingLossModule();          // λ = 0.01, β = 1: the authors' defaults
/// foreach (var (x, y) in batches) { var loss = criterion.forward(model.forward(x), y); /* backward, step */ }
/// </code>
/// </example>
public sealed class BeliefMatchingLossModule : DirichletLossModule
{
    /// <summary>Creates the module.</summary>
    /// <param name="regFactor">The KL weight λ when no <paramref name="schedule"/> is set (default 0.01, the authors').</param>
    /// <param name="priorConcentration">The prior's concentration β ∈ [1e-6, 1e6] (default 1).</param>
    /// <param name="reduction">How to reduce the per-position losses (default <see cref="nn.Reduction.Mean"/>).</param>
    /// <param name="weight">Optional per-class weights of shape (C).</param>
    /// <param name="ignoreIndex">Class-index target value to ignore (default −100).</param>
    /// <param name="activation">How the input becomes α (default <see cref="EvidenceActivation.Exp"/>, the paper's; with
    /// <see cref="EvidenceActivation.None"/> the input is α).</param>
    /// <param name="schedule">Optional schedule of the KL weight, read at every forward.</param>
    /// <param name="clamp">The bound of <see cref="EvidenceActivation.Exp"/>: the input is clamped to [−clamp, clamp] before exp, as in <see cref="UL.ClampedExp"/> (default 10); ignored by the other activations.</param>
    /// <exception cref="ArgumentException"><paramref name="weight"/> is not a floating tensor of shape (C).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (see <see cref="UL.BeliefMatchingLoss"/>).</exception>
    public BeliefMatchingLossModule(double regFactor = 0.01, double priorConcentration = 1.0, nn.Reduction reduction = nn.Reduction.Mean,
        Tensor? weight = null, long ignoreIndex = -100, EvidenceActivation activation = EvidenceActivation.Exp,
        IRegFactorSchedule? schedule = null, double clamp = 10.0)
        : base(RegFactorOncePriorChecked(regFactor, priorConcentration), reduction, weight, ignoreIndex, activation, schedule, clamp)
    {
        PriorConcentration = priorConcentration;
    }

    /// <summary>The prior's concentration β.</summary>
    public double PriorConcentration { get; }

    /// <summary>The loss on the input, the activation computed inside the fused pass where it applies.</summary>
    private protected override Tensor LossOnInput(Tensor input, Tensor target, double lambda) =>
        UL.BeliefMatchingLossCore(input, target, lambda, PriorConcentration, reduction, weight, IgnoreIndex, Activation, Clamp);

    /// <inheritdoc/>
    protected override Tensor Loss(Tensor evidence, Tensor target, double lambda) =>
        UL.BeliefMatchingLoss(evidence, target, lambda, PriorConcentration, reduction, weight, IgnoreIndex);

    /// <summary>Rejects a bad <paramref name="priorConcentration"/> before the base constructor creates anything.</summary>
    private static double RegFactorOncePriorChecked(double regFactor, double priorConcentration)
    {
        Check.Concentration(priorConcentration, nameof(priorConcentration), "the prior's concentration β");
        return regFactor;
    }
}
