using System;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss;

/// <summary>
/// <see cref="UL.FisherEvidentialLoss"/> (I-EDL) as a module, a drop-in for <c>nn.CrossEntropyLoss</c>:
/// <c>criterion.forward(logits, target)</c>. Its default activation is softplus, as in the authors' configurations.
/// </summary>
/// <example>
/// <code>
/// var criterion = new FisherEvidentialLossModule(schedule: RegFactor.EdlAnnealing(annealingEpochs: 10));
/// for (int epoch = 0; epoch &lt; epochs; epoch++)
/// {
///     foreach (var (x, y) in batches) { var loss = criterion.forward(model.forward(x), y); /* backward, step */ }
///     criterion.StepSchedule();   // once per epoch: λ_t = min(1, t/10), as the paper
/// }
/// </code>
/// </example>
public sealed class FisherEvidentialLossModule : DirichletLossModule
{
    /// <summary>Creates the module.</summary>
    /// <param name="regFactor">A constant KL weight λ (finite, ≥ 0). With neither <paramref name="regFactor"/> nor
    /// <paramref name="schedule"/>, the module uses the schedule of I-EDL (Deng et al. 2023), <see cref="RegFactor.Presets.Iedl"/>
    /// (λ = min(1, epoch/10), stepped once per epoch with <see cref="DirichletLossModule.StepSchedule"/>); pass 0 for no regulariser.</param>
    /// <param name="fisherCoefficient">The weight c ∈ [0, 1e6] of the Fisher log-determinant (default 0.005, the authors'
    /// MNIST value; 0.05 for their CIFAR-10 configuration).</param>
    /// <param name="reduction">How to reduce the per-position losses (default <see cref="nn.Reduction.Mean"/>).</param>
    /// <param name="weight">Optional per-class weights of shape (C).</param>
    /// <param name="ignoreIndex">Class-index target value to ignore (default −100).</param>
    /// <param name="activation">How the input becomes evidence (default <see cref="EvidenceActivation.Softplus"/>, the authors').</param>
    /// <param name="schedule">Optional schedule of the KL weight, read at every forward.</param>
    /// <param name="clamp">The bound of <see cref="EvidenceActivation.Exp"/>: the input is clamped to [−clamp, clamp] before exp, as in <see cref="UL.ClampedExp"/> (default 10); ignored by the other activations.</param>
    /// <exception cref="ArgumentException"><paramref name="weight"/> is not a floating tensor of shape (C).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (see <see cref="UL.FisherEvidentialLoss"/>).</exception>
    public FisherEvidentialLossModule(double? regFactor = null, double fisherCoefficient = 0.005, nn.Reduction reduction = nn.Reduction.Mean,
        Tensor? weight = null, long ignoreIndex = -100, EvidenceActivation activation = EvidenceActivation.Softplus,
        IRegFactorSchedule? schedule = null, double clamp = 10.0)
        : base(RegFactorOnceFisherCoefficientChecked(regFactor ?? 0.0, fisherCoefficient), reduction, weight, ignoreIndex, activation, PresetUnlessGiven(regFactor, schedule, RegFactor.Presets.Iedl), clamp)
    {
        FisherCoefficient = fisherCoefficient;
    }

    /// <summary>The weight of the Fisher log-determinant.</summary>
    public double FisherCoefficient { get; }

    /// <summary>The loss on the input, the activation computed inside the fused pass where it applies.</summary>
    private protected override Tensor LossOnInput(Tensor input, Tensor target, double lambda) =>
        UL.FisherEvidentialLossCore(input, target, lambda, FisherCoefficient, reduction, weight, IgnoreIndex, Activation, Clamp);

    /// <inheritdoc/>
    protected override Tensor Loss(Tensor evidence, Tensor target, double lambda) =>
        UL.FisherEvidentialLoss(evidence, target, lambda, FisherCoefficient, reduction, weight, IgnoreIndex);

    /// <summary>Rejects a bad <paramref name="fisherCoefficient"/> before the base constructor creates anything.</summary>
    private static double RegFactorOnceFisherCoefficientChecked(double regFactor, double fisherCoefficient)
    {
        Check.FisherCoefficient(fisherCoefficient, nameof(fisherCoefficient));
        return regFactor;
    }
}
