using System;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss;

/// <summary>What the <c>…WithLogits</c> functions share: their checks, the evidence they compose where the fused pass
/// does not apply, and their messages, which name the logits.</summary>
public static partial class UL
{
    /// <summary>The checks of a <c>…WithLogits</c> function's own arguments, before the loss's.</summary>
    private static void CheckLogits(Tensor? logits, EvidenceActivation activation, double clamp)
    {
        Check.Evidence(logits, "logits");
        Check.Defined(activation, nameof(activation));
        Check.Clamp(clamp, nameof(clamp));
    }

    /// <summary>
    /// <paramref name="loss"/> of the evidence <paramref name="activation"/>(<paramref name="input"/>), composed (the path
    /// every input the fused pass does not take goes): the input itself for <see cref="EvidenceActivation.None"/>.
    /// </summary>
    private static Tensor OnEvidence(Tensor input, EvidenceActivation activation, double clamp, Func<Tensor, Tensor> loss)
    {
        if (activation == EvidenceActivation.None)
            return loss(input);
        using var scope = NewDisposeScope();
        return loss(ToEvidence(input, activation, clamp)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs a <c>…WithLogits</c> loss, restating a problem with the evidence (its range under the activation) against the
    /// logits, as the loss modules restate it against their input.
    /// </summary>
    private static Tensor AgainstLogits(EvidenceActivation activation, Func<Tensor> loss)
    {
        try
        {
            return loss();
        }
        catch (ArgumentException e) when (e.ParamName is "evidence" or "alpha" && Check.PartsOf(e) is { } parts)
        {
            throw Check.Restate(e, parts, "logits",
                $"logits that give {parts.Expected} under EvidenceActivation.{activation}" +
                (activation == EvidenceActivation.None ? $" (which passes the logits through as {e.ParamName})" : ""));
        }
    }
}
