using System;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss;

/// <summary>
/// <see cref="UL.MaxNormLoss"/> as a module, a drop-in for <c>nn.CrossEntropyLoss</c>: <c>criterion.forward(logits, target)</c>.
/// </summary>
public sealed class MaxNormLossModule : DirichletLossModule
{
    /// <summary>Creates the module.</summary>
    /// <param name="regFactor">λ when no <paramref name="schedule"/> is set (default 0).</param>
    /// <param name="pNorm">The p of the p-norm (≥ 1, default 4).</param>
    /// <param name="reduction">How to reduce the per-position losses (default <see cref="nn.Reduction.Mean"/>).</param>
    /// <param name="weight">Optional per-class weights of shape (C).</param>
    /// <param name="ignoreIndex">Class-index target value to ignore (default −100).</param>
    /// <param name="fisherAlphaSum">Which Dirichlet strength A the Fisher regulariser's ψ₁(A) uses: <see cref="FisherAlphaSum.All"/>
    /// (the Python package, default) or <see cref="FisherAlphaSum.ExcludingTrueClass"/> (the paper). Not the regulariser's
    /// weight, which is λ (<paramref name="regFactor"/>).</param>
    /// <param name="activation">How the input becomes evidence (default <see cref="EvidenceActivation.Exp"/>).</param>
    /// <param name="schedule">Optional λ schedule, read at every forward.</param>
    /// <param name="clamp">The bound of <see cref="EvidenceActivation.Exp"/>: the input is clamped to [−clamp, clamp] before exp, as in <see cref="UL.ClampedExp"/> (default 10); ignored by the other activations.</param>
    /// <exception cref="ArgumentException"><paramref name="weight"/> is not a floating tensor of shape (C).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (see <see cref="UL.MaxNormLoss"/>).</exception>
    public MaxNormLossModule(double regFactor = 0.0, int pNorm = 4, nn.Reduction reduction = nn.Reduction.Mean, Tensor? weight = null,
        long ignoreIndex = -100, FisherAlphaSum fisherAlphaSum = FisherAlphaSum.All, EvidenceActivation activation = EvidenceActivation.Exp,
        IRegFactorSchedule? schedule = null, double clamp = 10.0)
        : base(regFactor, reduction, weight, ignoreIndex, activation, schedule, clamp)
    {
        Check.PNorm(pNorm, nameof(pNorm));
        Check.Defined(fisherAlphaSum, nameof(fisherAlphaSum));
        PNorm = pNorm;
        FisherAlphaSum = fisherAlphaSum;
    }

    /// <summary>The p of the p-norm.</summary>
    public int PNorm { get; }

    /// <summary>Which Dirichlet strength A the Fisher regulariser's ψ₁(A) uses (<see cref="UncertaintyLoss.FisherAlphaSum"/>):
    /// the sum of all α or the sum without the true class. It is a choice of formula, not a weight: the regulariser's weight
    /// is λ (<see cref="DirichletLossModule.CurrentRegFactor"/>).</summary>
    public FisherAlphaSum FisherAlphaSum { get; }

    /// <summary>The loss on the input, the activation computed inside the fused pass where it applies.</summary>
    private protected override Tensor LossOnInput(Tensor input, Tensor target, double lambda) =>
        UL.MaxNormLossCore(input, target, lambda, PNorm, reduction, weight, IgnoreIndex, FisherAlphaSum, Activation, Clamp);

    /// <inheritdoc/>
    protected override Tensor Loss(Tensor evidence, Tensor target, double lambda) =>
        UL.MaxNormLoss(evidence, target, lambda, PNorm, reduction, weight, IgnoreIndex, FisherAlphaSum);
}
