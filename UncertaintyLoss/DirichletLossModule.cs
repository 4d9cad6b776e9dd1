using System;
using TorchSharp;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss;

/// <summary>
/// What the loss modules share: an evidence activation applied to the input (so the modules take logits, like
/// <c>nn.CrossEntropyLoss</c>), a regularisation factor that an optional <see cref="IRegFactorSchedule"/> overrides,
/// per-class weights and an ignore index.
/// </summary>
public abstract class DirichletLossModule : WeightedLoss<Tensor, Tensor, Tensor>
{
    /// <summary>Validates and stores the shared options.</summary>
    /// <param name="regFactor">λ when no <paramref name="schedule"/> is set (finite, ≥ 0).</param>
    /// <param name="reduction">How to reduce the per-position losses.</param>
    /// <param name="weight">Optional per-class weights of shape (C); see <see cref="UL.EvidentialLoss"/>.</param>
    /// <param name="ignoreIndex">Class-index target value to ignore (default −100).</param>
    /// <param name="activation">How the input becomes evidence (default <see cref="EvidenceActivation.Exp"/>: the input is logits).</param>
    /// <param name="schedule">Optional λ schedule; its <see cref="IRegFactorSchedule.Value"/> is used at every forward.</param>
    /// <param name="clamp">The bound of <see cref="EvidenceActivation.Exp"/>: the input is clamped to [−clamp, clamp] before exp, as in <see cref="UL.ClampedExp"/> (default 10); ignored by the other activations.</param>
    protected DirichletLossModule(double regFactor, nn.Reduction reduction, Tensor? weight, long ignoreIndex,
        EvidenceActivation activation, IRegFactorSchedule? schedule, double clamp)
        : base(weight!, reduction)
    {
        Check.RegFactor(regFactor, nameof(regFactor));
        Check.Reduction(reduction, nameof(reduction));
        Check.Defined(activation, nameof(activation));
        Check.Clamp(clamp, nameof(clamp));
        if (weight is not null)
            Check.WeightShape(weight, nameof(weight));
        ConstantRegFactor = regFactor;
        IgnoreIndex = ignoreIndex;
        Activation = activation;
        Schedule = schedule;
        Clamp = clamp;
    }

    /// <summary>
    /// The schedule a module constructor passes on: <paramref name="schedule"/> when given; otherwise the paper's
    /// <paramref name="preset"/> when no constant <paramref name="regFactor"/> was given either; otherwise none.
    /// </summary>
    private protected static IRegFactorSchedule? PresetUnlessGiven(double? regFactor, IRegFactorSchedule? schedule, Func<RegFactorSchedule> preset) =>
        schedule ?? (regFactor is null ? preset() : null);

    /// <summary>The constant λ, used when <see cref="Schedule"/> is null (the constructor's <c>regFactor</c>).</summary>
    /// <remarks>Not named <c>RegFactor</c>, so that in a class derived from this one <c>RegFactor</c> still names the
    /// schedule factory <see cref="UncertaintyLoss.RegFactor"/> (<c>Schedule = RegFactor.Linear(100)</c>); the members that
    /// hold a λ are <see cref="ConstantRegFactor"/> and <see cref="CurrentRegFactor"/> (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/conventions.md#names">conventions.md, "Names"</see>).</remarks>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative, NaN or infinite value.</exception>
    public double ConstantRegFactor
    {
        get => regFactor;
        set
        {
            Check.RegFactor(value, nameof(value));
            regFactor = value;
        }
    }

    private double regFactor;

    /// <summary>The λ schedule, or null for the constant <see cref="ConstantRegFactor"/>. The module reads it and never steps it:
    /// call <see cref="IRegFactorSchedule.Step"/> (or <see cref="StepSchedule"/>) once per batch or epoch.</summary>
    public IRegFactorSchedule? Schedule { get; set; }

    /// <summary>The λ the next forward uses: <see cref="Schedule"/>'s value, or <see cref="ConstantRegFactor"/>.</summary>
    public double CurrentRegFactor => Schedule?.Value ?? ConstantRegFactor;

    /// <summary>Class-index target value whose positions are ignored.</summary>
    public long IgnoreIndex { get; }

    /// <summary>How the input becomes evidence.</summary>
    public EvidenceActivation Activation { get; }

    /// <summary>The bound of <see cref="EvidenceActivation.Exp"/>: the input is clamped to [−<see cref="Clamp"/>,
    /// <see cref="Clamp"/>] before exp (<see cref="UL.ClampedExp"/>'s <c>clamp</c>); unused by the other activations.</summary>
    public double Clamp { get; }

    /// <summary>Advances <see cref="Schedule"/> by one step, if there is one, and returns the λ the next forward will use.</summary>
    public double StepSchedule()
    {
        Schedule?.Step();
        return CurrentRegFactor;
    }

    /// <summary>The loss of <paramref name="input"/> (logits, or evidence with <see cref="EvidenceActivation.None"/>) against <paramref name="target"/>.</summary>
    /// <param name="input">(N, C, d1, …, dk) logits.</param>
    /// <param name="target">Class indices (N, d1, …, dk) or class probabilities (N, C, d1, …, dk).</param>
    /// <returns>The loss, reduced as configured.</returns>
    /// <exception cref="ArgumentException">As the functional form (<see cref="UL.EvidentialLoss"/>); invalid evidence (negative
    /// input with <see cref="EvidenceActivation.None"/>, +∞ input with <see cref="EvidenceActivation.Softplus"/> or
    /// <see cref="EvidenceActivation.Relu"/>; for the modules whose loss takes the concentration α, input that gives α = 0 or
    /// +∞) is reported against <paramref name="input"/>.</exception>
    public override Tensor forward(Tensor input, Tensor target)
    {
        Check.Evidence(input, nameof(input));
        using var scope = NewDisposeScope();
        try
        {
            return LossOnInput(input, target, CurrentRegFactor).MoveToOuterDisposeScope();
        }
        catch (ArgumentException e) when (e.ParamName is "evidence" or "alpha" && Check.PartsOf(e) is { } parts)
        {
            // The evidence (or concentration α) is this module's own intermediate: restate the problem against forward's input.
            throw Check.Restate(e, parts, nameof(input),
                $"{nameof(input)} that gives {parts.Expected} under EvidenceActivation.{Activation}" +
                (Activation == EvidenceActivation.None ? $" (which passes the input through as {e.ParamName})" : ""));
        }
    }

    /// <summary>
    /// The loss of the module's input: <see cref="Loss"/> of <see cref="UL.ToEvidence"/>(input), unless the module's loss
    /// has a <c>…WithLogits</c> form that computes the activation inside its fused pass (evidential, RED, R-EDL, I-EDL, Posterior Network, max-norm).
    /// Problems with the evidence are reported against "evidence" (or "alpha"), which <see cref="forward"/> restates.
    /// </summary>
    private protected virtual Tensor LossOnInput(Tensor input, Tensor target, double lambda) =>
        Loss(UL.ToEvidence(input, Activation, Clamp), target, lambda);

    /// <summary>The functional loss on evidence.</summary>
    /// <param name="evidence">Non-negative evidence.</param>
    /// <param name="target">The target.</param>
    /// <param name="lambda">The regularisation factor for this call.</param>
    protected abstract Tensor Loss(Tensor evidence, Tensor target, double lambda);
}
