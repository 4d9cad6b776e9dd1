using System;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss;

/// <summary>
/// <see cref="UL.RedEvidentialLoss"/> (RED, Pandey and Yu, ICML 2023) as a module, a drop-in for <c>nn.CrossEntropyLoss</c>:
/// <c>criterion.forward(logits, target)</c>. Its default activation is exp (<see cref="EvidenceActivation.Exp"/>), the paper's,
/// and its default risk the log-likelihood; <see cref="DirichletLossModule.ConstantRegFactor"/> (or a schedule) weighs the KL term.
/// </summary>
/// <example>
/// <code>
/// var criterion = new RedEvidentialLossModule(schedule: RegFactor.EdlAnnealing(annealingEpochs: 10));
/// for (int epoch = 0; epoch &lt; epochs; epoch++)
/// {
///     foreach (var (x, y) in batches) { var loss = criterion.forward(model.forward(x), y); /* backward, step */ }
///     criterion.StepSchedule();   // once per epoch: the KL weight min(1, t/10)
/// }
/// </code>
/// </example>
public sealed class RedEvidentialLossModule : DirichletLossModule
{
    /// <summary>Creates the module.</summary>
    /// <param name="regFactor">A constant KL weight λ (finite, ≥ 0). With neither <paramref name="regFactor"/> nor
    /// <paramref name="schedule"/>, the module uses the schedule of EDL (RED trains with EDL's annealing), <see cref="RegFactor.Presets.Edl"/>
    /// (λ = min(1, epoch/10), stepped once per epoch with <see cref="DirichletLossModule.StepSchedule"/>); pass 0 for no regulariser.</param>
    /// <param name="correctEvidenceWeight">The weight of the correct-evidence regulariser (finite, ≥ 0; default 1, the paper's).</param>
    /// <param name="reduction">How to reduce the per-position losses (default <see cref="nn.Reduction.Mean"/>).</param>
    /// <param name="weight">Optional per-class weights of shape (C).</param>
    /// <param name="ignoreIndex">Class-index target value to ignore (default −100).</param>
    /// <param name="risk">The data term (default <see cref="EvidentialRisk.LogLikelihood"/>, the authors').</param>
    /// <param name="activation">How the input becomes evidence (default <see cref="EvidenceActivation.Exp"/>, the paper's).</param>
    /// <param name="schedule">Optional schedule of the KL weight, read at every forward.</param>
    /// <param name="clamp">The bound of <see cref="EvidenceActivation.Exp"/>: the input is clamped to [−clamp, clamp] before exp, as in <see cref="UL.ClampedExp"/> (default 10); ignored by the other activations.</param>
    /// <exception cref="ArgumentException"><paramref name="weight"/> is not a floating tensor of shape (C).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (see <see cref="UL.RedEvidentialLoss"/>).</exception>
    public RedEvidentialLossModule(double? regFactor = null, double correctEvidenceWeight = 1.0, nn.Reduction reduction = nn.Reduction.Mean,
        Tensor? weight = null, long ignoreIndex = -100, EvidentialRisk risk = EvidentialRisk.LogLikelihood,
        EvidenceActivation activation = EvidenceActivation.Exp, IRegFactorSchedule? schedule = null, double clamp = 10.0)
        : base(RegFactorOnceOptionsChecked(regFactor ?? 0.0, correctEvidenceWeight, risk), reduction, weight, ignoreIndex, activation, PresetUnlessGiven(regFactor, schedule, RegFactor.Presets.Edl), clamp)
    {
        CorrectEvidenceWeight = correctEvidenceWeight;
        Risk = risk;
    }

    /// <summary>The weight of the correct-evidence regulariser.</summary>
    public double CorrectEvidenceWeight { get; }

    /// <summary>The data term.</summary>
    public EvidentialRisk Risk { get; }

    /// <summary>The loss on the input, the activation computed inside the fused pass where it applies.</summary>
    private protected override Tensor LossOnInput(Tensor input, Tensor target, double lambda) =>
        UL.RedEvidentialLossCore(input, target, lambda, CorrectEvidenceWeight, reduction, weight, IgnoreIndex, Risk, Activation, Clamp);

    /// <inheritdoc/>
    protected override Tensor Loss(Tensor evidence, Tensor target, double lambda) =>
        UL.RedEvidentialLoss(evidence, target, lambda, CorrectEvidenceWeight, reduction, weight, IgnoreIndex, Risk);

    /// <summary>Rejects bad options before the base constructor creates anything.</summary>
    private static double RegFactorOnceOptionsChecked(double regFactor, double correctEvidenceWeight, EvidentialRisk risk)
    {
        Check.FiniteNonNegative(correctEvidenceWeight, nameof(correctEvidenceWeight), "the weight of the correct-evidence regulariser");
        Check.Defined(risk, nameof(risk));
        return regFactor;
    }
}
