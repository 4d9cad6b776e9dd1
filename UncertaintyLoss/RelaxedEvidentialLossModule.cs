using System;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss;

/// <summary>
/// <see cref="UL.RelaxedEvidentialLoss"/> (R-EDL) as a module, a drop-in for <c>nn.CrossEntropyLoss</c>:
/// <c>criterion.forward(logits, target)</c>. Its default activation is softplus, as in the paper.
/// </summary>
/// <example>
/// <code>
/// var criterion = new RelaxedEvidentialLossModule(schedule: RegFactor.EdlAnnealing(annealingEpochs: 10));
/// for (int epoch = 0; epoch &lt; epochs; epoch++)
/// {
///     foreach (var (x, y) in batches) { var loss = criterion.forward(model.forward(x), y); /* backward, step */ }
///     criterion.StepSchedule();   // once per epoch: λ_t = min(1, t/10), as the paper
/// }
/// </code>
/// </example>
public sealed class RelaxedEvidentialLossModule : DirichletLossModule
{
    /// <summary>Creates the module.</summary>
    /// <param name="regFactor">A constant KL weight λ (finite, ≥ 0). With neither <paramref name="regFactor"/> nor
    /// <paramref name="schedule"/>, the module uses the schedule of R-EDL (Chen et al. 2024), <see cref="RegFactor.Presets.Redl"/>
    /// (λ = min(1, epoch/10), stepped once per epoch with <see cref="DirichletLossModule.StepSchedule"/>); pass 0 for no regulariser.</param>
    /// <param name="priorWeight">The prior weight λ ∈ [1e-6, 1e6] in α = evidence + λ (default 0.1, the paper's).</param>
    /// <param name="reduction">How to reduce the per-position losses (default <see cref="nn.Reduction.Mean"/>).</param>
    /// <param name="weight">Optional per-class weights of shape (C).</param>
    /// <param name="ignoreIndex">Class-index target value to ignore (default −100).</param>
    /// <param name="activation">How the input becomes evidence (default <see cref="EvidenceActivation.Softplus"/>, the paper's).</param>
    /// <param name="schedule">Optional schedule of the KL weight, read at every forward.</param>
    /// <param name="clamp">The bound of <see cref="EvidenceActivation.Exp"/>: the input is clamped to [−clamp, clamp] before exp, as in <see cref="UL.ClampedExp"/> (default 10); ignored by the other activations.</param>
    /// <exception cref="ArgumentException"><paramref name="weight"/> is not a floating tensor of shape (C).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (see <see cref="UL.RelaxedEvidentialLoss"/>).</exception>
    public RelaxedEvidentialLossModule(double? regFactor = null, double priorWeight = 0.1, nn.Reduction reduction = nn.Reduction.Mean,
        Tensor? weight = null, long ignoreIndex = -100, EvidenceActivation activation = EvidenceActivation.Softplus,
        IRegFactorSchedule? schedule = null, double clamp = 10.0)
        : base(RegFactorOncePriorWeightChecked(regFactor ?? 0.0, priorWeight), reduction, weight, ignoreIndex, activation, PresetUnlessGiven(regFactor, schedule, RegFactor.Presets.Redl), clamp)
    {
        PriorWeight = priorWeight;
    }

    /// <summary>The prior weight λ.</summary>
    public double PriorWeight { get; }

    /// <summary>The loss on the input, the activation computed inside the fused pass where it applies.</summary>
    private protected override Tensor LossOnInput(Tensor input, Tensor target, double lambda) =>
        UL.RelaxedEvidentialLossCore(input, target, lambda, PriorWeight, reduction, weight, IgnoreIndex, Activation, Clamp);

    /// <inheritdoc/>
    protected override Tensor Loss(Tensor evidence, Tensor target, double lambda) =>
        UL.RelaxedEvidentialLoss(evidence, target, lambda, PriorWeight, reduction, weight, IgnoreIndex);

    /// <summary>Rejects a bad <paramref name="priorWeight"/> before the base constructor creates anything.</summary>
    private static double RegFactorOncePriorWeightChecked(double regFactor, double priorWeight)
    {
        Check.PriorWeight(priorWeight, nameof(priorWeight));
        return regFactor;
    }
}
