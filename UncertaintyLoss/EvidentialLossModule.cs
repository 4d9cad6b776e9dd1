using System;
using static TorchSharp.torch;

namespace UncertaintyLoss;

/// <summary>
/// <see cref="UL.EvidentialLoss"/> as a module, a drop-in for <c>nn.CrossEntropyLoss</c>: <c>criterion.forward(logits, target)</c>.
/// </summary>
/// <example>
/// <code>
/// var criterion = new EvidentialLossModule(schedule: RegFactor.EdlAnnealing(annealingEpochs: 10));
/// for (int epoch = 0; epoch &lt; epochs; epoch++)
/// {
///     foreach (var (x, y) in batches) { var loss = criterion.forward(model.forward(x), y); /* backward, step */ }
///     criterion.StepSchedule();   // once per epoch for the EDL schedule
/// }
/// </code>
/// </example>
public sealed class EvidentialLossModule : DirichletLossModule
{
    /// <summary>Creates the module.</summary>
    /// <param name="regFactor">A constant KL weight λ (finite, ≥ 0). With neither <paramref name="regFactor"/> nor
    /// <paramref name="schedule"/>, the module uses the schedule of EDL (Sensoy et al. 2018), <see cref="RegFactor.Presets.Edl"/>
    /// (λ = min(1, epoch/10), stepped once per epoch with <see cref="DirichletLossModule.StepSchedule"/>); pass 0 for no regulariser.</param>
    /// <param name="reduction">How to reduce the per-position losses (default <see cref="nn.Reduction.Mean"/>).</param>
    /// <param name="weight">Optional per-class weights of shape (C).</param>
    /// <param name="ignoreIndex">Class-index target value to ignore (default −100).</param>
    /// <param name="risk">The data term (default <see cref="EvidentialRisk.SquaredError"/>; see <see cref="UL.EvidentialLoss"/>).</param>
    /// <param name="activation">How the input becomes evidence (default <see cref="EvidenceActivation.Exp"/>).</param>
    /// <param name="schedule">Optional λ schedule, read at every forward.</param>
    /// <param name="clamp">The bound of <see cref="EvidenceActivation.Exp"/>: the input is clamped to [−clamp, clamp] before exp, as in <see cref="UL.ClampedExp"/> (default 10); ignored by the other activations.</param>
    /// <exception cref="ArgumentException"><paramref name="weight"/> is not a floating tensor of shape (C).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or <paramref name="risk"/> is not a
    /// defined value (see <see cref="UL.EvidentialLoss"/>).</exception>
    public EvidentialLossModule(double? regFactor = null, nn.Reduction reduction = nn.Reduction.Mean, Tensor? weight = null,
        long ignoreIndex = -100, EvidentialRisk risk = EvidentialRisk.SquaredError, EvidenceActivation activation = EvidenceActivation.Exp,
        IRegFactorSchedule? schedule = null, double clamp = 10.0)
        : base(RegFactorOnceRiskChecked(regFactor ?? 0.0, risk), reduction, weight, ignoreIndex, activation, PresetUnlessGiven(regFactor, schedule, RegFactor.Presets.Edl), clamp)
    {
        Risk = risk;
    }

    /// <summary>Rejects an undefined <paramref name="risk"/> before the base constructor creates anything.</summary>
    private static double RegFactorOnceRiskChecked(double regFactor, EvidentialRisk risk)
    {
        Internal.Check.Defined(risk, nameof(risk));
        return regFactor;
    }

    /// <summary>The data term of the loss.</summary>
    public EvidentialRisk Risk { get; }

    /// <summary>The loss on the input, the activation computed inside the fused pass where it applies.</summary>
    private protected override Tensor LossOnInput(Tensor input, Tensor target, double lambda) =>
        UL.EvidentialLossCore(input, target, lambda, reduction, weight, IgnoreIndex, Risk, Activation, Clamp);

    /// <inheritdoc/>
    protected override Tensor Loss(Tensor evidence, Tensor target, double lambda) =>
        UL.EvidentialLoss(evidence, target, lambda, reduction, weight, IgnoreIndex, Risk);
}
