namespace UncertaintyLoss.Internal.Fused;

/// <summary>Which loss a fused call computes, with its options: <see cref="Evidential"/>, <see cref="Red"/>,
/// <see cref="PosteriorNetwork"/>, <see cref="BeliefMatching"/>, <see cref="PriorNetwork"/>, <see cref="Relaxed"/>,
/// <see cref="Fisher"/> or <see cref="MaxNorm"/>.</summary>
internal sealed record FusedLoss
{
    /// <summary>
    /// The prior weight of EDL's Dirichlet, α = e + 1 (Sensoy et al. 2018, section 3): the fixed value that
    /// <see cref="UL.RelaxedEvidentialLoss"/>'s <c>priorWeight</c> replaces (R-EDL, Chen et al. 2024, where λ = 1 is EDL).
    /// </summary>
    internal const double EdlPriorWeight = 1.0;

    private FusedLoss()
    {
    }

    /// <summary>The loss.</summary>
    internal FusedLossKind Kind { get; private init; }

    /// <summary>The regulariser's weight λ (the caller's <c>regFactor</c>, validated).</summary>
    internal double RegFactor { get; private init; }

    /// <summary>The evidential loss's risk (the caller's <c>risk</c>, validated); <see cref="EvidentialRisk.SquaredError"/>
    /// (without the variance term) for the relaxed loss, <see cref="EvidentialRisk.SquaredError"/> for the max-norm loss,
    /// which has none.</summary>
    internal EvidentialRisk Risk { get; private init; } = EvidentialRisk.SquaredError;

    /// <summary>The prior weight λ of α = e + λ: <see cref="EdlPriorWeight"/> for the evidential and max-norm losses, the
    /// caller's <c>priorWeight</c> (validated, in [1e-6, 1e6]) for the relaxed loss.</summary>
    internal double PriorWeight { get; private init; } = EdlPriorWeight;

    /// <summary>The max-norm loss's p (validated, at most <see cref="FusedDirichlet.MaxFusedPNorm"/>); 0 for the
    /// other losses, which have none.</summary>
    internal int PNorm { get; private init; }

    /// <summary>I-EDL's log-determinant coefficient c (the caller's <c>fisherCoefficient</c>, validated); 0 for the other losses.</summary>
    internal double FisherCoefficient { get; private init; }

    /// <summary>The max-norm loss's Fisher strength A; the default for the other losses, which have none.</summary>
    internal FisherAlphaSum FisherAlphaSum { get; private init; }

    /// <summary>RED's weight w of the correct-evidence regulariser (<see cref="FusedLossKind.Red"/> only; 0 otherwise).</summary>
    internal double CorrectEvidenceWeight { get; private init; }

    /// <summary>The concentration of the KL's prior Dirichlet: <see cref="PriorWeight"/> for the evidential family (EDL's 1,
    /// R-EDL's λ), belief matching's β (whose input is α itself, <see cref="PriorWeight"/> 0). The KL's element terms
    /// weigh ψ(α_j) by α_j − <see cref="KlConcentration"/>, which is the evidence exactly when the two are equal.</summary>
    internal double KlConcentration => klConcentration ?? PriorWeight;

    private double? klConcentration;

    /// <summary>Whether the input is the concentration α itself rather than evidence (<see cref="FusedLossKind.BeliefMatching"/>,
    /// <see cref="FusedLossKind.PriorNetwork"/>): its range is checked as α's, and α = e + 0 in the kernels.</summary>
    internal bool IsConcentration => Kind is FusedLossKind.BeliefMatching or FusedLossKind.PriorNetwork;

    /// <summary>The value of padding lanes and ignored positions in a tile: 1 when the input is a concentration
    /// (<see cref="IsConcentration"/>: α must stay &gt; 0, as the composed path fills ignored positions), else 0.</summary>
    internal double Fill => IsConcentration ? 1.0 : 0.0;

    /// <summary>The Prior Network loss's target concentration τ (<see cref="FusedLossKind.PriorNetwork"/> only; 0 otherwise):
    /// the weight of its cross-entropy risk.</summary>
    internal double TargetConcentration { get; private init; }

    /// <summary>The class-index target value that marks an out-of-distribution position (<see cref="FusedLossKind.PriorNetwork"/>
    /// only; null otherwise).</summary>
    internal long? OutOfDistributionIndex { get; private init; }

    /// <summary>The evidence activation applied inside the pass (the <c>…WithLogits</c> functions):
    /// <see cref="EvidenceActivation.None"/> when the input is already evidence.</summary>
    internal EvidenceActivation Activation { get; private init; } = EvidenceActivation.None;

    /// <summary>The bound of <see cref="EvidenceActivation.Exp"/> (validated); unused by the other activations.</summary>
    internal double Clamp { get; private init; }

    /// <summary>This loss on the evidence <paramref name="activation"/>(input) (with <paramref name="clamp"/> for
    /// <see cref="EvidenceActivation.Exp"/>), the activation computed inside the fused pass.</summary>
    internal FusedLoss WithActivation(EvidenceActivation activation, double clamp) => this with { Activation = activation, Clamp = clamp };

    /// <summary>
    /// The largest α for which the evidential row kernel renormalises its KL products once per four vectors
    /// (<see cref="ProductGroup"/>): 1e8. Then the shift's product Π_{k&lt;9}(α + k) &lt; (1e8 + 8)^9 ≈ 1e72 and the strength
    /// α + 9 stay below 2^255 ≈ 5.8e76, the bound of four factors in
    /// <see cref="PolygammaVector.ProductAccumulator.MultiplyOnly"/>; from below, α ≥ e^−clamp ≥ 1e−8 keeps the product above
    /// 8!·1e−8 &gt; 2^−255.
    /// </summary>
    internal const double MaxAlphaForFourFactors = 1e8;

    /// <summary>
    /// How many vectors the evidential row kernel's KL loop may multiply into its two running products before it
    /// renormalises them (<see cref="PolygammaVector.ProductAccumulator.MultiplyOnly"/>: the same bits as renormalising after
    /// each; issue 18, fifteenth session), from what bounds this loss's α:
    /// <list type="bullet">
    /// <item>4: the exp activation with e^clamp + λ ≤ <see cref="MaxAlphaForFourFactors"/> (every clamp up to about 18.4, the
    /// default 10 among them): α in [e^−clamp, 1e8].</item>
    /// <item>2: other evidence (any activation, or evidence passed in), whose range check runs on every call: α in
    /// [λ, <see cref="UL.MaxEvidence"/> + λ] with λ ≥ 1e−6 (<c>Check.MinPriorWeight</c>), so Π(α + k) ≤ (1e12 + 1e6 + 8)^9 ≈ 1e108
    /// and ≥ 1e−6·8!, within [2^−511, 2^511] for two factors.</item>
    /// <item>1: a concentration under another activation: its range is checked only while the value checks are on.</item>
    /// </list>
    /// </summary>
    internal int ProductGroupLimit =>
        Activation == EvidenceActivation.Exp && System.Math.Exp(Clamp) + PriorWeight <= MaxAlphaForFourFactors ? 4
        : !IsConcentration && PriorWeight >= Check.MinPriorWeight && UL.MaxEvidence + PriorWeight <= 1e16 ? 2
        : 1;

    /// <summary>The group the row kernel uses (1: renormalise after every vector); the job sets it to
    /// <see cref="ProductGroupLimit"/>.</summary>
    internal int ProductGroup { get; private init; } = 1;

    /// <summary>This loss with <see cref="ProductGroup"/> set to <paramref name="group"/>.</summary>
    internal FusedLoss WithProductGroup(int group) => this with { ProductGroup = group };

    /// <summary><see cref="UL.EvidentialLoss"/>: the Dirichlet <paramref name="risk"/> + <paramref name="regFactor"/>·KL.</summary>
    internal static FusedLoss Evidential(double regFactor, EvidentialRisk risk = EvidentialRisk.SquaredError) =>
        new() { Kind = FusedLossKind.Evidential, RegFactor = regFactor, Risk = risk };

    /// <summary><see cref="UL.RedEvidentialLoss"/> (RED): the evidential loss with <paramref name="risk"/> and
    /// <paramref name="regFactor"/>·KL, plus <paramref name="correctEvidenceWeight"/> times the correct-evidence regulariser
    /// −ν·ln max(e_t, ε) (<see cref="UL.CorrectEvidenceRegularizer"/>).</summary>
    internal static FusedLoss Red(double regFactor, double correctEvidenceWeight, EvidentialRisk risk) =>
        new() { Kind = FusedLossKind.Red, RegFactor = regFactor, Risk = risk, CorrectEvidenceWeight = correctEvidenceWeight };

    /// <summary><see cref="UL.PosteriorNetworkLoss"/>: the UCE (the cross-entropy risk) − <paramref name="regFactor"/>·H[Dir(α)].</summary>
    internal static FusedLoss PosteriorNetwork(double regFactor) =>
        new() { Kind = FusedLossKind.PosteriorNetwork, RegFactor = regFactor, Risk = EvidentialRisk.CrossEntropy };

    /// <summary><see cref="UL.BeliefMatchingLoss"/>: the cross-entropy risk + <paramref name="regFactor"/>·KL(Dir(α) ‖
    /// Dir(<paramref name="priorConcentration"/>·1)), on the concentration α (α = e + 0).</summary>
    internal static FusedLoss BeliefMatching(double regFactor, double priorConcentration) =>
        new() { Kind = FusedLossKind.BeliefMatching, RegFactor = regFactor, Risk = EvidentialRisk.CrossEntropy, PriorWeight = 0.0, klConcentration = priorConcentration };

    /// <summary><see cref="UL.PriorNetworkLoss"/>: KL(Dir(α) ‖ Dir(1 + <paramref name="targetConcentration"/>·y)) =
    /// τ·Σ_j y_j (ψ(S) − ψ(α_j)) + KL(Dir(α) ‖ Dir(1)) + a per-position constant (<see cref="EvidentialKernel"/>), on the
    /// concentration α (α = e + 0); class index <paramref name="outOfDistributionIndex"/> marks y = 0.</summary>
    internal static FusedLoss PriorNetwork(double targetConcentration, long outOfDistributionIndex) =>
        new()
        {
            Kind = FusedLossKind.PriorNetwork, RegFactor = 1.0, Risk = EvidentialRisk.CrossEntropy, PriorWeight = 0.0, klConcentration = 1.0,
            TargetConcentration = targetConcentration, OutOfDistributionIndex = outOfDistributionIndex,
        };

    /// <summary><see cref="UL.RelaxedEvidentialLoss"/>: squared error of the mean of Dir(e + <paramref name="priorWeight"/>)
    /// + <paramref name="regFactor"/>·KL to Dir(<paramref name="priorWeight"/>, …).</summary>
    internal static FusedLoss Relaxed(double regFactor, double priorWeight) =>
        new() { Kind = FusedLossKind.Relaxed, RegFactor = regFactor, PriorWeight = priorWeight };

    /// <summary><see cref="UL.FisherEvidentialLoss"/>: Fisher-weighted squared error − <paramref name="fisherCoefficient"/>·ln|I(α)|
    /// + <paramref name="regFactor"/>·KL (α = e + 1).</summary>
    internal static FusedLoss Fisher(double regFactor, double fisherCoefficient) =>
        new() { Kind = FusedLossKind.Fisher, RegFactor = regFactor, FisherCoefficient = fisherCoefficient };

    /// <summary><see cref="UL.MaxNormLoss"/>: Dirichlet <paramref name="pNorm"/>-norm + <paramref name="regFactor"/>·Fisher
    /// regulariser with strength <paramref name="fisherAlphaSum"/>.</summary>
    internal static FusedLoss MaxNorm(double regFactor, int pNorm, FisherAlphaSum fisherAlphaSum) =>
        new() { Kind = FusedLossKind.MaxNorm, RegFactor = regFactor, PNorm = pNorm, FisherAlphaSum = fisherAlphaSum };
}
