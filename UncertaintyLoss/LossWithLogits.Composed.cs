using System;
using static TorchSharp.torch;

namespace UncertaintyLoss;

/// <summary>The <c>…WithLogits</c> forms of RED, the Posterior Network loss (issue 18) and belief matching (issue 18's third
/// session), on the fused CPU path since then, so that every loss of the family on evidence or α = exp(logits) takes logits
/// the same way.</summary>
public static partial class UL
{
    /// <summary>
    /// <see cref="RedEvidentialLoss"/> on <see cref="ToEvidence"/>(<paramref name="logits"/>, <paramref name="activation"/>,
    /// <paramref name="clamp"/>), with the activation computed inside the loss: on the fused CPU path (since issue 18's
    /// second session), one read of the logits and one write of their gradient, as <see cref="EvidentialLossWithLogits"/>;
    /// problems of the evidence are reported against the logits.
    /// </summary>
    /// <param name="logits">Raw network outputs, (N, C) or (N, C, d1, …, dk), floating point.</param>
    /// <param name="target"><inheritdoc cref="RedEvidentialLoss" path="/param[@name='target']"/></param>
    /// <param name="regFactor"><inheritdoc cref="RedEvidentialLoss" path="/param[@name='regFactor']"/></param>
    /// <param name="correctEvidenceWeight"><inheritdoc cref="RedEvidentialLoss" path="/param[@name='correctEvidenceWeight']"/></param>
    /// <param name="reduction"><inheritdoc cref="RedEvidentialLoss" path="/param[@name='reduction']"/></param>
    /// <param name="weight"><inheritdoc cref="RedEvidentialLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="RedEvidentialLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <param name="risk"><inheritdoc cref="RedEvidentialLoss" path="/param[@name='risk']"/></param>
    /// <param name="activation">How the logits become evidence (default <see cref="EvidenceActivation.Exp"/>, as <see cref="RedEvidentialLossModule"/>'s).</param>
    /// <param name="clamp"><inheritdoc cref="EvidentialLossWithLogits" path="/param[@name='clamp']"/></param>
    /// <returns>As <see cref="RedEvidentialLoss"/>, with the logits' dtype and device.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> <see cref="RedEvidentialLoss"/>(<see cref="ToEvidence"/>(logits, activation, clamp), …): the same
    /// value and gradient as the two calls, to rounding (exactly on the composed path; in Float32 the two-step form rounds the
    /// evidence to Float32, the fused path does too for Exp with a clamp of at most 10, computing it in float lanes, and
    /// otherwise computes the activation in double precision).</para>
    /// <para><b>Shape.</b> logits: as <see cref="RedEvidentialLoss"/>'s evidence; the rest as there.</para>
    /// <para><b>Reference.</b> As <see cref="RedEvidentialLoss"/>; the activations and their trade-offs:
    /// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/activations.md">activations.md</see>.</para>
    /// <para><b>Python.</b> RED's code applies its activation to the logits first.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">As <see cref="EvidentialLossWithLogits"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="RedEvidentialLoss"/>; or <paramref name="activation"/> is not a
    /// defined value, or <paramref name="clamp"/> is negative or NaN.</exception>
    public static Tensor RedEvidentialLossWithLogits(Tensor logits, Tensor target, double regFactor = 0.0, double correctEvidenceWeight = 1.0,
        nn.Reduction reduction = nn.Reduction.Mean, Tensor? weight = null, long ignoreIndex = -100,
        EvidentialRisk risk = EvidentialRisk.LogLikelihood, EvidenceActivation activation = EvidenceActivation.Exp, double clamp = 10.0)
    {
        CheckLogits(logits, activation, clamp);
        return AgainstLogits(activation, () => RedEvidentialLossCore(logits, target, regFactor, correctEvidenceWeight, reduction, weight, ignoreIndex, risk, activation, clamp));
    }

    /// <summary>
    /// <see cref="PosteriorNetworkLoss"/> on <see cref="ToEvidence"/>(<paramref name="logits"/>, <paramref name="activation"/>,
    /// <paramref name="clamp"/>), with the activation computed inside the loss: on the fused CPU path (since issue 18's
    /// second session), one read of the logits and one write of their gradient, as <see cref="EvidentialLossWithLogits"/>;
    /// problems of the evidence are reported against the logits.
    /// </summary>
    /// <param name="logits">Raw network outputs, (N, C) or (N, C, d1, …, dk), floating point.</param>
    /// <param name="target"><inheritdoc cref="PosteriorNetworkLoss" path="/param[@name='target']"/></param>
    /// <param name="regFactor"><inheritdoc cref="PosteriorNetworkLoss" path="/param[@name='regFactor']"/></param>
    /// <param name="reduction"><inheritdoc cref="PosteriorNetworkLoss" path="/param[@name='reduction']"/></param>
    /// <param name="weight"><inheritdoc cref="PosteriorNetworkLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="PosteriorNetworkLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <param name="activation">How the logits become evidence (default <see cref="EvidenceActivation.Exp"/>, as <see cref="PosteriorNetworkLossModule"/>'s).</param>
    /// <param name="clamp"><inheritdoc cref="EvidentialLossWithLogits" path="/param[@name='clamp']"/></param>
    /// <returns>As <see cref="PosteriorNetworkLoss"/>, with the logits' dtype and device.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> <see cref="PosteriorNetworkLoss"/>(<see cref="ToEvidence"/>(logits, activation, clamp), …): the same
    /// value and gradient as the two calls, to rounding (exactly on the composed path; in Float32 the two-step form rounds the
    /// evidence to Float32, the fused path does too for Exp with a clamp of at most 10, computing it in float lanes, and
    /// otherwise computes the activation in double precision).</para>
    /// <para><b>Shape.</b> logits: as <see cref="PosteriorNetworkLoss"/>'s evidence; the rest as there.</para>
    /// <para><b>Reference.</b> As <see cref="PosteriorNetworkLoss"/>; the activations and their trade-offs:
    /// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/activations.md">activations.md</see>.</para>
    /// <para><b>Python.</b> None (the Posterior Network's evidence comes from its flows).</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">As <see cref="EvidentialLossWithLogits"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="PosteriorNetworkLoss"/>; or <paramref name="activation"/> is not a
    /// defined value, or <paramref name="clamp"/> is negative or NaN.</exception>
    public static Tensor PosteriorNetworkLossWithLogits(Tensor logits, Tensor target, double regFactor = 1e-5,
        nn.Reduction reduction = nn.Reduction.Mean, Tensor? weight = null, long ignoreIndex = -100,
        EvidenceActivation activation = EvidenceActivation.Exp, double clamp = 10.0)
    {
        CheckLogits(logits, activation, clamp);
        return AgainstLogits(activation, () => PosteriorNetworkLossCore(logits, target, regFactor, reduction, weight, ignoreIndex, activation, clamp));
    }

    /// <summary>
    /// <see cref="BeliefMatchingLoss"/> on α = <see cref="ToEvidence"/>(<paramref name="logits"/>, <paramref name="activation"/>,
    /// <paramref name="clamp"/>) (the paper's α = exp(logits), clamped), with the activation computed inside the loss: on the
    /// fused CPU path (issue 18's third session) one read of the logits and one write of their gradient; elsewhere the two
    /// steps composed. Problems of α are reported against the logits.
    /// </summary>
    /// <param name="logits">Raw network outputs, (N, C) or (N, C, d1, …, dk), floating point.</param>
    /// <param name="target"><inheritdoc cref="BeliefMatchingLoss" path="/param[@name='target']"/></param>
    /// <param name="regFactor"><inheritdoc cref="BeliefMatchingLoss" path="/param[@name='regFactor']"/></param>
    /// <param name="priorConcentration"><inheritdoc cref="BeliefMatchingLoss" path="/param[@name='priorConcentration']"/></param>
    /// <param name="reduction"><inheritdoc cref="BeliefMatchingLoss" path="/param[@name='reduction']"/></param>
    /// <param name="weight"><inheritdoc cref="BeliefMatchingLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="BeliefMatchingLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <param name="activation">How the logits become α (default <see cref="EvidenceActivation.Exp"/>, as
    /// <see cref="BeliefMatchingLossModule"/>'s). α must be &gt; 0: <see cref="EvidenceActivation.Relu"/> and
    /// <see cref="EvidenceActivation.None"/> give α = 0 for logits ≤ 0, which is rejected.</param>
    /// <param name="clamp"><inheritdoc cref="EvidentialLossWithLogits" path="/param[@name='clamp']"/></param>
    /// <returns>As <see cref="BeliefMatchingLoss"/>, with the logits' dtype and device.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> <see cref="BeliefMatchingLoss"/>(<see cref="ToEvidence"/>(logits, activation, clamp), …): the same
    /// value and gradient as the two calls, to rounding (exactly on the composed path; the fused path computes the activation
    /// in double precision, while in Float32 the two-step form rounds α to Float32 first).</para>
    /// <para><b>Shape.</b> logits: as <see cref="BeliefMatchingLoss"/>'s alpha; the rest as there.</para>
    /// <para><b>Reference.</b> As <see cref="BeliefMatchingLoss"/>; the activations:
    /// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/activations.md">activations.md</see>.</para>
    /// <para><b>Python.</b> tjoo512/belief-matching-framework, <c>loss.py</c>, applies <c>torch.exp</c> to the logits itself
    /// (unclamped) before its loss; this is that with the clamp.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">As <see cref="BeliefMatchingLoss"/>, against <paramref name="logits"/>: they are not
    /// floating point or have the wrong shape, or give α out of range under the activation (0, +∞ or above
    /// <see cref="MaxEvidence"/>, while the value checks are on).</exception>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="BeliefMatchingLoss"/>; or <paramref name="activation"/> is not a
    /// defined value, or <paramref name="clamp"/> is negative or NaN.</exception>
    public static Tensor BeliefMatchingLossWithLogits(Tensor logits, Tensor target, double regFactor = 0.01, double priorConcentration = 1.0,
        nn.Reduction reduction = nn.Reduction.Mean, Tensor? weight = null, long ignoreIndex = -100,
        EvidenceActivation activation = EvidenceActivation.Exp, double clamp = 10.0)
    {
        CheckLogits(logits, activation, clamp);
        return AgainstLogits(activation, () => BeliefMatchingLossCore(logits, target, regFactor, priorConcentration, reduction, weight, ignoreIndex, activation, clamp));
    }
    /// <summary>
    /// <see cref="PriorNetworkLoss"/> on α = <see cref="ToEvidence"/>(<paramref name="logits"/>, <paramref name="activation"/>,
    /// <paramref name="clamp"/>) (the paper's α = exp(logits), clamped), with the activation computed inside the loss: on the
    /// fused CPU path (issue 18's fourth session) one read of the logits and one write of their gradient; elsewhere the two
    /// steps composed. Problems of α are reported against the logits.
    /// </summary>
    /// <param name="logits">Raw network outputs, (N, C) or (N, C, d1, …, dk), floating point.</param>
    /// <param name="target"><inheritdoc cref="PriorNetworkLoss" path="/param[@name='target']"/></param>
    /// <param name="targetConcentration"><inheritdoc cref="PriorNetworkLoss" path="/param[@name='targetConcentration']"/></param>
    /// <param name="reduction"><inheritdoc cref="PriorNetworkLoss" path="/param[@name='reduction']"/></param>
    /// <param name="weight"><inheritdoc cref="PriorNetworkLoss" path="/param[@name='weight']"/></param>
    /// <param name="ignoreIndex"><inheritdoc cref="PriorNetworkLoss" path="/param[@name='ignoreIndex']"/></param>
    /// <param name="outOfDistributionIndex"><inheritdoc cref="PriorNetworkLoss" path="/param[@name='outOfDistributionIndex']"/></param>
    /// <param name="activation">How the logits become α (default <see cref="EvidenceActivation.Exp"/>, as
    /// <see cref="PriorNetworkLossModule"/>'s). α must be &gt; 0: <see cref="EvidenceActivation.Relu"/> and
    /// <see cref="EvidenceActivation.None"/> give α = 0 for logits ≤ 0, which is rejected.</param>
    /// <param name="clamp"><inheritdoc cref="EvidentialLossWithLogits" path="/param[@name='clamp']"/></param>
    /// <returns>As <see cref="PriorNetworkLoss"/>, with the logits' dtype and device.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> <see cref="PriorNetworkLoss"/>(<see cref="ToEvidence"/>(logits, activation, clamp), …): the same
    /// value and gradient as the two calls, to rounding (exactly on the composed path; the fused path computes the activation
    /// in double precision, while in Float32 the two-step form rounds α to Float32 first).</para>
    /// <para><b>Shape.</b> logits: as <see cref="PriorNetworkLoss"/>'s alpha; the rest as there.</para>
    /// <para><b>Reference.</b> As <see cref="PriorNetworkLoss"/>; the activations:
    /// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/activations.md">activations.md</see>.</para>
    /// <para><b>Python.</b> KaosEngineer/PriorNetworks applies <c>torch.exp</c> to the logits itself (unclamped) before its
    /// loss; this is that with the clamp.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> or <paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentException">As <see cref="PriorNetworkLoss"/>, against <paramref name="logits"/>: they are not
    /// floating point or have the wrong shape, or give α out of range under the activation (0, +∞ or above
    /// <see cref="MaxEvidence"/>, while the value checks are on).</exception>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="PriorNetworkLoss"/>; or <paramref name="activation"/> is not a
    /// defined value, or <paramref name="clamp"/> is negative or NaN.</exception>
    public static Tensor PriorNetworkLossWithLogits(Tensor logits, Tensor target, double targetConcentration = 100.0,
        nn.Reduction reduction = nn.Reduction.Mean, Tensor? weight = null, long ignoreIndex = -100, long outOfDistributionIndex = -1,
        EvidenceActivation activation = EvidenceActivation.Exp, double clamp = 10.0)
    {
        CheckLogits(logits, activation, clamp);
        return AgainstLogits(activation, () => PriorNetworkLossCore(logits, target, targetConcentration, reduction, weight, ignoreIndex,
            outOfDistributionIndex, activation, clamp));
    }
}
