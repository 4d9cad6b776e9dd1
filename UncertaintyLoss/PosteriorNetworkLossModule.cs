using System;
using static TorchSharp.torch;

namespace UncertaintyLoss;

/// <summary>
/// <see cref="UL.PosteriorNetworkLoss"/> (Posterior Network's UCE with entropy regulariser) as a module, a drop-in for
/// <c>nn.CrossEntropyLoss</c>: <c>criterion.forward(logits, target)</c>, with evidence <see cref="EvidenceActivation.Exp"/>
/// by default and the entropy weight <see cref="DirichletLossModule.ConstantRegFactor"/> = 1e-5 (the authors' default).
/// </summary>
/// <remarks>
/// Posterior Network's own evidence is N_c·q(z | c), a class count times a normalising flow's density of the latent; with
/// a plain classifier head, exp(logits) plays the role of those pseudo-counts. To train with the paper's density, compute
/// the pseudo-counts yourself and pass them with <see cref="EvidenceActivation.None"/>, or call
/// <see cref="UL.PosteriorNetworkLoss"/>.
/// </remarks>
public sealed class PosteriorNetworkLossModule : DirichletLossModule
{
    /// <summary>Creates the module.</summary>
    /// <param name="regFactor">The entropy weight when no <paramref name="schedule"/> is set (default 1e-5, the authors').</param>
    /// <param name="reduction">How to reduce the per-position losses (default <see cref="nn.Reduction.Mean"/>).</param>
    /// <param name="weight">Optional per-class weights of shape (C).</param>
    /// <param name="ignoreIndex">Class-index target value to ignore (default −100).</param>
    /// <param name="activation">How the input becomes evidence (default <see cref="EvidenceActivation.Exp"/>).</param>
    /// <param name="schedule">Optional schedule of the entropy weight, read at every forward.</param>
    /// <param name="clamp">The bound of <see cref="EvidenceActivation.Exp"/>: the input is clamped to [−clamp, clamp] before exp, as in <see cref="UL.ClampedExp"/> (default 10); ignored by the other activations.</param>
    /// <exception cref="ArgumentException"><paramref name="weight"/> is not a floating tensor of shape (C).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (see <see cref="UL.PosteriorNetworkLoss"/>).</exception>
    public PosteriorNetworkLossModule(double regFactor = 1e-5, nn.Reduction reduction = nn.Reduction.Mean,
        Tensor? weight = null, long ignoreIndex = -100, EvidenceActivation activation = EvidenceActivation.Exp,
        IRegFactorSchedule? schedule = null, double clamp = 10.0)
        : base(regFactor, reduction, weight, ignoreIndex, activation, schedule, clamp)
    {
    }

    /// <summary>The loss on the input, the activation computed inside the fused pass where it applies.</summary>
    private protected override Tensor LossOnInput(Tensor input, Tensor target, double lambda) =>
        UL.PosteriorNetworkLossCore(input, target, lambda, reduction, weight, IgnoreIndex, Activation, Clamp);

    /// <inheritdoc/>
    protected override Tensor Loss(Tensor evidence, Tensor target, double lambda) =>
        UL.PosteriorNetworkLoss(evidence, target, lambda, reduction, weight, IgnoreIndex);
}
