namespace UncertaintyLoss.Tests.Ops;

/// <summary>A classification loss call: (evidence, target, reduction, weight, ignoreIndex) → loss, options fixed.</summary>
public delegate Tensor LossCall(Tensor evidence, Tensor target, Reduction reduction, Tensor? weight, long ignoreIndex);

/// <summary>A reference value at one position and the size of the terms that cancel in it (0: none cancel).</summary>
public readonly record struct Expected(double Value, double Magnitude)
{
    /// <summary>The scale a tolerance is relative to: max(|value|, magnitude).</summary>
    public double Scale => Math.Max(Math.Abs(Value), Magnitude);
}

/// <summary>
/// One classification loss with fixed options: the call and its double-precision reference at one position,
/// Σ over the target's probability vector y (one-hot for a class index), from <see cref="DirichletReference"/>.
/// </summary>
public sealed record LossVariant(string Name, LossCall Call, Func<double[], double[], Expected> Reference)
{
    /// <summary>The call without <c>weight</c> and <c>ignoreIndex</c> (their defaults).</summary>
    public Tensor Core(Tensor evidence, Tensor target, Reduction reduction) => Call(evidence, target, reduction, null, -100);

    /// <summary>What the loss takes: evidence, or the concentration α (its call then passes α = e + <see cref="OpTable.AlphaShift"/>).</summary>
    public LossInput Input { get; init; } = LossInput.Evidence;

    /// <summary>The reference at one position with true class <paramref name="c"/>.</summary>
    public Expected ByIndex(double[] e, int c) => Reference(e, DirichletReference.OneHot(c, e.Length));

    /// <summary>
    /// For a loss with a detached factor (RED's vacuity): (frozenAt, e, y) → the loss at e with that factor evaluated at
    /// frozenAt. Autograd's derivatives (every order) at e are this function's at e = frozenAt, not the reference's, so the
    /// gradient fixtures differentiate it instead. Null: the loss has none, and <see cref="Reference"/> is differentiated.
    /// </summary>
    public Func<double[], double[], double[], double>? Surrogate { get; init; }

    /// <summary>
    /// The function of the whole evidence array whose finite differences at <paramref name="at"/> are autograd's gradient:
    /// per position the <see cref="Surrogate"/> with its detached factors frozen at that position of <paramref name="at"/>,
    /// or <see cref="Reference"/>. <paramref name="perPosition"/> maps a per-position function over an evidence array (in a
    /// fixed order of positions).
    /// </summary>
    public Func<double[], double[]> Differentiated(Func<double[], Func<double[], double[], double>, double[]> perPosition, double[] at)
    {
        if (Surrogate is not { } surrogate)
            return e => perPosition(e, (x, y) => Reference(x, y).Value);
        var frozen = new List<double[]>();
        perPosition(at, (x, y) => { frozen.Add((double[])x.Clone()); return 0.0; });
        return e =>
        {
            int k = 0;
            return perPosition(e, (x, y) => surrogate(frozen[k++], x, y));
        };
    }

    /// <summary>As the property checks take it.</summary>
    public LossSpec Spec => new(Name, Core, (e, c) => ByIndex(e, c).Value, (e, y) => Reference(e, y).Value,
        (e, y) => Reference(e, y).Magnitude) { Differentiated = Differentiated };

    public override string ToString() => Name;
}

/// <summary>
/// One public classification loss: a typical variant for the deterministic concerns (memory, validation, CUDA,
/// weight/ignore) and a generator of variants (options, default arguments) for the property tests.
/// </summary>
public sealed record LossOp(string Function, LossVariant Typical, Gen<LossVariant> Variants, bool HasFusedPath)
{
    /// <summary>Whether the loss takes <c>weight</c> and <c>ignoreIndex</c> (the weight/ignore fixture iterates these).</summary>
    public bool SupportsWeightIgnore { get; init; } = true;

    /// <summary>Whether the loss takes probability (soft) targets of the evidence's shape as well as class indices.</summary>
    public bool SupportsProbabilityTargets { get; init; } = true;

    /// <summary>Whether the loss takes N-d (segmentation-shaped) inputs (N, C, d1, …, dk).</summary>
    public bool SupportsNd { get; init; } = true;

    /// <summary>
    /// What the loss takes as its first tensor. For <see cref="LossInput.Alpha"/> the variants' calls and references take
    /// the fixtures' non-negative e and evaluate the loss at α = e + <see cref="OpTable.AlphaShift"/>, and the validation
    /// fixture runs <see cref="AlphaCall"/> (the loss on α itself) against the α rows.
    /// </summary>
    public LossInput Input { get; init; } = LossInput.Evidence;

    /// <summary>For <see cref="LossInput.Alpha"/>: the typical options' call on α itself (Reduction.Mean), with no shift.</summary>
    public Func<Tensor, Tensor, Tensor>? AlphaCall { get; init; }
    /// The smallest evidence of the finite-difference gradient cases (default 0: the shared generators' 1e-3). A loss with
    /// ln e (RED) needs more: the Richardson differences' truncation error is 0.8·h⁴/e⁵ for ln e with h = 1e-4, 8e-5 of
    /// the gradient 1/e at e = 1e-3, and 8e-9 of it at 1e-2.
    /// </summary>
    public double GradientEvidenceFloor { get; init; }

    /// <summary>Its options' out-of-range values, each passed alone (the validation fixture iterates these).</summary>
    public IReadOnlyList<BadOption> BadOptions { get; init; } = [];

    /// <summary>
    /// The option sets the deterministic concerns (memory, CUDA, weight/ignore) run: one per code path the options select
    /// (regulariser off and on, each Fisher sum, p-norms). The last is the one used where one suffices. Default: the typical.
    /// </summary>
    public IReadOnlyList<LossVariant> OptionSets { get => optionSets ?? [Typical]; init => optionSets = value; }

    private readonly IReadOnlyList<LossVariant>? optionSets;

    public override string ToString() => Function;
}

/// <summary>
/// An out-of-range option value and the call (evidence, target) → loss that passes it: the library must throw an
/// <see cref="ArgumentOutOfRangeException"/> naming <paramref name="Argument"/> whose ActualValue is <paramref name="Value"/>.
/// </summary>
public sealed record BadOption(string Argument, object Value, Func<Tensor, Tensor, Tensor> Call)
{
    public override string ToString() => FormattableString.Invariant($"{Argument} {Value}");
}

/// <summary>What a loss takes as its first tensor: non-negative evidence (α = evidence + 1 inside), or the concentration α &gt; 0.</summary>
public enum LossInput
{
    Evidence,
    Alpha,
}

/// <summary>What a one-tensor function takes: non-negative evidence or real-valued logits.</summary>
public enum MeasureInput
{
    Evidence,
    Logits,
}

/// <summary>
/// One public one-tensor function (an uncertainty measure or an evidence activation): a typical form for the
/// deterministic concerns and a generator of forms for the property tests. <see cref="MeasureSpec"/> carries the call and
/// its reference (a scalar per position, or a vector per position for functions that keep the class dimension).
/// </summary>
public sealed record MeasureOp(string Function, MeasureSpec Typical, Gen<MeasureSpec> Variants, MeasureInput Input)
{
    /// <summary>Whether the output keeps the input's shape (class dimension included).</summary>
    public bool KeepsClassDimension => Typical.IsVector;

    /// <summary>The forms the deterministic concerns (memory, CUDA) run, one per option value. Default: the typical.</summary>
    public IReadOnlyList<MeasureSpec> OptionSets { get => optionSets ?? [Typical]; init => optionSets = value; }

    private readonly IReadOnlyList<MeasureSpec>? optionSets;

    public override string ToString() => Function;
}

/// <summary>
/// The table of the library's public tensor functions under test, in the spirit of PyTorch's <c>op_db</c>: every generic
/// concern (reference values, gradients, invariants, weight/ignore, validation, memory, CUDA) iterates it. Adding a
/// function is adding an entry here (plus its reference in <see cref="DirichletReference"/> and its own quirk tests).
/// </summary>
public static class OpTable
{
    private static string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    // ---- references (value, cancelling magnitude) at one position ----

    private static Expected Mse(double[] e, double[] y) => new(DirichletReference.DirichletMse(e, y), 0.0);

    private static Expected Kl(double[] e, double[] y) =>
        new(DirichletReference.UniformDirichletKl(e, y), DirichletReference.UniformDirichletKlMagnitude(e, y));

    private static Expected Log(double[] e, double[] y) => new(DirichletReference.DirichletLog(e, y), 0.0);

    private static Expected Digamma(double[] e, double[] y) =>
        new(DirichletReference.DirichletDigamma(e, y), DirichletReference.DirichletDigammaMagnitude(e, y));

    private static Expected Risk(double[] e, double[] y, EvidentialRisk risk) => risk switch
    {
        EvidentialRisk.SquaredError => Mse(e, y),
        EvidentialRisk.LogLikelihood => Log(e, y),
        EvidentialRisk.CrossEntropy => Digamma(e, y),
        _ => throw new ArgumentOutOfRangeException(nameof(risk), risk, null),
    };

    private static Expected Evidential(double[] e, double[] y, double regFactor, EvidentialRisk risk = EvidentialRisk.SquaredError)
    {
        var data = Risk(e, y, risk);
        if (regFactor == 0)
            return data;
        var kl = Kl(e, y);
        return new(data.Value + regFactor * kl.Value, data.Scale + regFactor * kl.Magnitude);
    }

    private static Expected Relaxed(double[] e, double[] y, double regFactor, double lambda)
    {
        var mse = new Expected(DirichletReference.RelaxedMse(e, y, lambda), DirichletReference.RelaxedMseMagnitude(e, y, lambda));
        if (regFactor == 0)
            return mse;
        return new(mse.Value + regFactor * DirichletReference.RelaxedKl(e, y, lambda),
            mse.Scale + regFactor * DirichletReference.RelaxedKlMagnitude(e, y, lambda));
    }

    private static Expected Fisher(double[] e, double[] y, double regFactor, double fisherCoefficient)
    {
        var data = new Expected(DirichletReference.FisherEvidential(e, y, fisherCoefficient),
            DirichletReference.FisherEvidentialMagnitude(e, y, fisherCoefficient));
        if (regFactor == 0)
            return data;
        var kl = Kl(e, y);
        return new(data.Value + regFactor * kl.Value, data.Scale + regFactor * kl.Magnitude);
    }

    private static Expected Red(double[] e, double[] y, double regFactor, double correctEvidenceWeight, EvidentialRisk risk)
    {
        var data = Evidential(e, y, regFactor, risk);
        return new(data.Value + correctEvidenceWeight * DirichletReference.CorrectEvidence(e, y),
            data.Scale + correctEvidenceWeight * DirichletReference.CorrectEvidenceMagnitude(e, y));
    }

    private static double RedSurrogate(double[] at, double[] e, double[] y, double regFactor, double correctEvidenceWeight, EvidentialRisk risk) =>
        Evidential(e, y, regFactor, risk).Value + correctEvidenceWeight * DirichletReference.CorrectEvidence(e, y, at);

    private static Expected PosteriorNetwork(double[] e, double[] y, double regFactor) =>
        new(DirichletReference.PosteriorNetwork(e, y, regFactor), DirichletReference.PosteriorNetworkMagnitude(e, y, regFactor));

    private static Expected PNorm(double[] e, double[] y, int p) => new(DirichletReference.DirichletPNorm(e, y, p), 0.0);

    private static Expected Fisher(double[] e, double[] y, FisherAlphaSum alphaSum)
    {
        bool paper = alphaSum == FisherAlphaSum.ExcludingTrueClass;
        return new(DirichletReference.FisherRegularizer(e, y, paper), DirichletReference.FisherMagnitude(e, y, paper));
    }

    private static Expected MaxNorm(double[] e, double[] y, double regFactor, int p, FisherAlphaSum alphaSum)
    {
        var pNorm = PNorm(e, y, p);
        if (regFactor == 0)
            return pNorm;
        var fisher = Fisher(e, y, alphaSum);
        return new(pNorm.Value + regFactor * fisher.Value, pNorm.Value + regFactor * fisher.Magnitude);
    }

    // ---- loss variants ----

    public static LossVariant EvidentialLoss(double regFactor) => new(
        $"EvidentialLoss(regFactor {F(regFactor)})",
        (e, t, r, w, i) => UL.EvidentialLoss(e, t, regFactor, r, w, i),
        (e, y) => Evidential(e, y, regFactor));

    /// <summary>EvidentialLoss with its <c>risk</c> argument passed explicitly (SquaredError included).</summary>
    public static LossVariant EvidentialLoss(double regFactor, EvidentialRisk risk) => new(
        $"EvidentialLoss(regFactor {F(regFactor)}, {risk})",
        (e, t, r, w, i) => UL.EvidentialLoss(e, t, regFactor, r, w, i, risk),
        (e, y) => Evidential(e, y, regFactor, risk));

    public static LossVariant RelaxedEvidentialLoss(double regFactor, double priorWeight) => new(
        $"RelaxedEvidentialLoss(regFactor {F(regFactor)}, priorWeight {F(priorWeight)})",
        (e, t, r, w, i) => UL.RelaxedEvidentialLoss(e, t, regFactor, priorWeight, r, w, i),
        (e, y) => Relaxed(e, y, regFactor, priorWeight));

    public static LossVariant FisherEvidentialLoss(double regFactor, double fisherCoefficient) => new(
        $"FisherEvidentialLoss(regFactor {F(regFactor)}, fisherCoefficient {F(fisherCoefficient)})",
        (e, t, r, w, i) => UL.FisherEvidentialLoss(e, t, regFactor, fisherCoefficient, r, w, i),
        (e, y) => Fisher(e, y, regFactor, fisherCoefficient));

    /// <summary>Out-of-range Fisher coefficients: negative, above 1e6, NaN, infinite.</summary>
    public static readonly double[] BadFisherCoefficients = { -1e-300, -1.0, 1.01e6, double.NaN, double.PositiveInfinity, double.NegativeInfinity };
    public static LossVariant RedEvidentialLoss(double regFactor, double correctEvidenceWeight, EvidentialRisk risk) => new(
        $"RedEvidentialLoss(regFactor {F(regFactor)}, correctEvidenceWeight {F(correctEvidenceWeight)}, {risk})",
        (e, t, r, w, i) => UL.RedEvidentialLoss(e, t, regFactor, correctEvidenceWeight, r, w, i, risk),
        (e, y) => Red(e, y, regFactor, correctEvidenceWeight, risk))
    {
        Surrogate = (at, e, y) => RedSurrogate(at, e, y, regFactor, correctEvidenceWeight, risk),
    };

    public static LossVariant CorrectEvidenceRegularizer { get; } = new(
        "CorrectEvidenceRegularizer",
        (e, t, r, w, i) => UL.CorrectEvidenceRegularizer(e, t, r, w, i),
        (e, y) => new(DirichletReference.CorrectEvidence(e, y), DirichletReference.CorrectEvidenceMagnitude(e, y)))
    {
        Surrogate = (at, e, y) => DirichletReference.CorrectEvidence(e, y, at),
    };

    public static LossVariant PosteriorNetworkLoss(double regFactor) => new(
        $"PosteriorNetworkLoss(regFactor {F(regFactor)})",
        (e, t, r, w, i) => UL.PosteriorNetworkLoss(e, t, regFactor, r, w, i),
        (e, y) => PosteriorNetwork(e, y, regFactor));

    public static LossVariant DirichletLogLoss { get; } = new(
        "DirichletLogLoss",
        (e, t, r, w, i) => UL.DirichletLogLoss(e, t, r, w, i),
        Log);

    public static LossVariant DirichletCrossEntropyLoss { get; } = new(
        "DirichletCrossEntropyLoss",
        (e, t, r, w, i) => UL.DirichletCrossEntropyLoss(e, t, r, w, i),
        Digamma);

    public static LossVariant MaxNormLoss(double regFactor, int pNorm, FisherAlphaSum alphaSum) => new(
        $"MaxNormLoss(regFactor {F(regFactor)}, pNorm {pNorm}, {alphaSum})",
        (e, t, r, w, i) => UL.MaxNormLoss(e, t, regFactor, pNorm, r, w, i, alphaSum),
        (e, y) => MaxNorm(e, y, regFactor, pNorm, alphaSum));

    public static LossVariant DirichletPNormLoss(int pNorm) => new(
        $"DirichletPNormLoss(pNorm {pNorm})",
        (e, t, r, w, i) => UL.DirichletPNormLoss(e, t, pNorm, r, w, i),
        (e, y) => PNorm(e, y, pNorm));

    public static LossVariant DirichletFisherRegularizer(FisherAlphaSum alphaSum) => new(
        $"DirichletFisherRegularizer({alphaSum})",
        (e, t, r, w, i) => UL.DirichletFisherRegularizer(e, t, r, w, i, alphaSum),
        (e, y) => Fisher(e, y, alphaSum));

    public static LossVariant DirichletMseLoss { get; } = new(
        "DirichletMseLoss",
        (e, t, r, w, i) => UL.DirichletMseLoss(e, t, r, w, i),
        Mse);

    public static LossVariant UniformDirichletKl { get; } = new(
        "UniformDirichletKl",
        (e, t, r, w, i) => UL.UniformDirichletKl(e, t, r, w, i),
        Kl);

    // ---- losses that take the concentration α: the fixtures' e ≥ 0 becomes α = e + AlphaShift ----

    /// <summary>
    /// The shift from the fixtures' non-negative e to the α of the losses that take α: α = e + 0.5 (exact in every dtype for
    /// e = 0; covers α below 1). Their own tests (Functions/BeliefMatchingLossTests.cs, PriorNetworkLossTests.cs) take α
    /// down to 1e-15.
    /// </summary>
    public const double AlphaShift = 0.5;

    private static double[] AtAlpha(double[] e) => e.Select(v => v + AlphaShift).ToArray();

    /// <summary>Calls <paramref name="call"/> on α = e + <see cref="AlphaShift"/>, disposing α's handle afterwards (the graph keeps what it needs).</summary>
    private static Tensor WithAlpha(Tensor e, Func<Tensor, Tensor> call)
    {
        using var alpha = e + AlphaShift;
        return call(alpha);
    }

    private static Expected BeliefMatching(double[] e, double[] y, double regFactor, double prior)
    {
        var alpha = AtAlpha(e);
        return new(DirichletReference.BeliefMatching(alpha, y, regFactor, prior), DirichletReference.BeliefMatchingMagnitude(alpha, y, regFactor, prior));
    }

    private static Expected PriorNetwork(double[] e, double[] y, double tau)
    {
        var alpha = AtAlpha(e);
        return new(DirichletReference.PriorNetworkReverseKl(alpha, y, tau), DirichletReference.PriorNetworkReverseKlMagnitude(alpha, y, tau));
    }

    public static LossVariant BeliefMatchingLoss(double regFactor, double priorConcentration) => new(
        $"BeliefMatchingLoss(regFactor {F(regFactor)}, priorConcentration {F(priorConcentration)}) at alpha = e + {F(AlphaShift)}",
        (e, t, r, w, i) => WithAlpha(e, a => UL.BeliefMatchingLoss(a, t, regFactor, priorConcentration, r, w, i)),
        (e, y) => BeliefMatching(e, y, regFactor, priorConcentration))
    { Input = LossInput.Alpha };

    /// <summary>
    /// The out-of-distribution marker of the table's PriorNetworkLoss variants: a value no fixture uses as a target or an
    /// ignoreIndex (they use −1 as an invalid class and as an ignoreIndex, which the default −1 would conflict with). The
    /// default −1 and out-of-distribution positions are tested in Functions/PriorNetworkLossTests.cs.
    /// </summary>
    public const long TableOutOfDistributionIndex = -1000;

    public static LossVariant PriorNetworkLoss(double targetConcentration) => new(
        $"PriorNetworkLoss(targetConcentration {F(targetConcentration)}, outOfDistributionIndex {TableOutOfDistributionIndex}) at alpha = e + {F(AlphaShift)}",
        (e, t, r, w, i) => WithAlpha(e, a => UL.PriorNetworkLoss(a, t, targetConcentration, r, w, i, TableOutOfDistributionIndex)),
        (e, y) => PriorNetwork(e, y, targetConcentration))
    { Input = LossInput.Alpha };

    /// <summary>As <see cref="Defaults"/>, for a loss that takes α: the calls get α = e + <see cref="AlphaShift"/>.</summary>
    private static LossVariant AlphaDefaults(string name, Func<Tensor, Tensor, Tensor> allDefaults, Func<Tensor, Tensor, Reduction, Tensor> withReduction,
        Func<double[], double[], Expected> reference) =>
        Defaults(name + $" at alpha = e + {F(AlphaShift)}", (e, t) => WithAlpha(e, a => allDefaults(a, t)), (e, t, r) => WithAlpha(e, a => withReduction(a, t, r)), reference)
        with { Input = LossInput.Alpha };

    /// <summary>Out-of-range concentration options (β of belief matching's prior, τ of a prior network's target).</summary>
    public static readonly double[] BadConcentrations = { double.NaN, 0.0, -1.0, 9.9e-7, 1.0000001e6, double.PositiveInfinity, double.NegativeInfinity };

    /// <summary>Total uncertainty; the entropy's terms cancel, so the tolerance scales with them (divided by ln C when normalized).</summary>
    public static MeasureSpec Uncertainty(bool normalize) => MeasureSpec.PerPosition(
        $"Uncertainty(normalize {(normalize ? "true" : "false")})",
        e => UL.Uncertainty(e, normalize),
        e => DirichletReference.PredictiveEntropy(e, normalize),
        e => DirichletReference.EntropyMagnitude(e) / (normalize ? Math.Log(e.Length) : 1.0));

    /// <summary>
    /// A variant that leaves every optional argument out — the reduction too when it is Mean — so that the defaults are
    /// tested to be the documented ones (<paramref name="name"/> states them).
    /// </summary>
    private static LossVariant Defaults(string name, Func<Tensor, Tensor, Tensor> allDefaults, Func<Tensor, Tensor, Reduction, Tensor> withReduction,
        Func<double[], double[], Expected> reference) =>
        new(name + " (default arguments)",
            (e, t, r, w, i) => w is not null || i != -100
                ? throw new InvalidOperationException("A default-arguments variant takes no weight or ignoreIndex.")
                : r == Reduction.Mean ? allDefaults(e, t) : withReduction(e, t, r),
            reference);

    /// <summary>One <see cref="BadOption"/> per value of <paramref name="values"/> (from <see cref="ValidationKit.BadOptions"/>).</summary>
    private static IEnumerable<BadOption> Bad<T>(string argument, IEnumerable<T> values, Func<T, Func<Tensor, Tensor, Tensor>> call)
        where T : notnull => values.Select(v => new BadOption(argument, v, call(v)));

    // ---- the table ----

    /// <summary>The classification losses.</summary>
    public static IReadOnlyList<LossOp> Losses { get; } = new[]
    {
        new LossOp("EvidentialLoss", EvidentialLoss(0.5),
            Gen.Frequency(
                (3, Gen.Elements(0.0, 0.5, 1.0).Select(EvidentialLoss)),
                (3, from lambda in Gen.Elements(0.0, 0.5, 1.0)
                    from risk in Gen.Elements(EvidentialRisk.SquaredError, EvidentialRisk.LogLikelihood, EvidentialRisk.CrossEntropy)
                    select EvidentialLoss(lambda, risk)),
                (1, Gen.Constant(Defaults("EvidentialLoss(regFactor 0)", (e, t) => UL.EvidentialLoss(e, t), (e, t, r) => UL.EvidentialLoss(e, t, reduction: r), (e, y) => Evidential(e, y, 0))))),
            HasFusedPath: true)
        {
            BadOptions =
            [
                .. Bad("regFactor", ValidationKit.BadOptions.RegFactors, v => (e, t) => UL.EvidentialLoss(e, t, regFactor: v)),
                .. Bad("risk", new[] { (EvidentialRisk)(-1), (EvidentialRisk)3 }, v => (e, t) => UL.EvidentialLoss(e, t, risk: v)),
            ],
            // 0.7 is not a binary fraction: a regFactor passed on at the wrong precision shows. One set per risk (each has
            // its own code in the fused kernel and on the composed path), regulariser off and on.
            OptionSets = [EvidentialLoss(0.0), EvidentialLoss(0.0, EvidentialRisk.LogLikelihood), EvidentialLoss(0.0, EvidentialRisk.CrossEntropy),
                EvidentialLoss(0.7, EvidentialRisk.LogLikelihood), EvidentialLoss(0.7, EvidentialRisk.CrossEntropy), EvidentialLoss(0.7)],
        },
        new LossOp("DirichletMseLoss", DirichletMseLoss,
            Gen.Elements(DirichletMseLoss, Defaults("DirichletMseLoss", (e, t) => UL.DirichletMseLoss(e, t), (e, t, r) => UL.DirichletMseLoss(e, t, r), Mse)),
            HasFusedPath: false),
        new LossOp("RelaxedEvidentialLoss", RelaxedEvidentialLoss(0.5, 0.1),
            Gen.Frequency(
                (6, from lambda in Gen.Elements(0.0, 0.5, 1.0)
                    from prior in Gen.Elements(0.1, 0.5, 1.0, 3.0)
                    select RelaxedEvidentialLoss(lambda, prior)),
                (1, Gen.Constant(Defaults("RelaxedEvidentialLoss(regFactor 0, priorWeight 0.1)", (e, t) => UL.RelaxedEvidentialLoss(e, t),
                    (e, t, r) => UL.RelaxedEvidentialLoss(e, t, reduction: r), (e, y) => Relaxed(e, y, 0, 0.1))))),
            HasFusedPath: true)
        {
            BadOptions =
            [
                .. Bad("regFactor", ValidationKit.BadOptions.RegFactors, v => (e, t) => UL.RelaxedEvidentialLoss(e, t, regFactor: v)),
                .. Bad("priorWeight", PriorWeightTests.BadPriorWeights, v => (e, t) => UL.RelaxedEvidentialLoss(e, t, priorWeight: v)),
            ],
            // 0.7 and 0.3 are not binary fractions: an option passed on at the wrong precision shows.
            OptionSets = [RelaxedEvidentialLoss(0.0, 0.1), RelaxedEvidentialLoss(0.7, 0.3)],
        },
        new LossOp("RedEvidentialLoss", RedEvidentialLoss(0.5, 1.0, EvidentialRisk.LogLikelihood),
            Gen.Frequency(
                (6, from lambda in Gen.Elements(0.0, 0.5)
                    from w in Gen.Elements(0.0, 0.5, 1.0)
                    from risk in Gen.Elements(EvidentialRisk.SquaredError, EvidentialRisk.LogLikelihood, EvidentialRisk.CrossEntropy)
                    select RedEvidentialLoss(lambda, w, risk)),
                (1, Gen.Constant(Defaults("RedEvidentialLoss(regFactor 0, correctEvidenceWeight 1, LogLikelihood)", (e, t) => UL.RedEvidentialLoss(e, t),
                    (e, t, r) => UL.RedEvidentialLoss(e, t, reduction: r), (e, y) => Red(e, y, 0, 1, EvidentialRisk.LogLikelihood)) with
                {
                    Surrogate = (at, e, y) => RedSurrogate(at, e, y, 0, 1, EvidentialRisk.LogLikelihood),
                }))),
            HasFusedPath: true)
        {
            BadOptions =
            [
                .. Bad("regFactor", ValidationKit.BadOptions.RegFactors, v => (e, t) => UL.RedEvidentialLoss(e, t, regFactor: v)),
                .. Bad("correctEvidenceWeight", ValidationKit.BadOptions.RegFactors, v => (e, t) => UL.RedEvidentialLoss(e, t, correctEvidenceWeight: v)),
                .. Bad("risk", new[] { (EvidentialRisk)(-1), (EvidentialRisk)3 }, v => (e, t) => UL.RedEvidentialLoss(e, t, risk: v)),
            ],
            // 0.7 and 0.3 are not binary fractions: an option passed on at the wrong precision shows.
            OptionSets = [RedEvidentialLoss(0.0, 0.3, EvidentialRisk.SquaredError), RedEvidentialLoss(0.7, 0.3, EvidentialRisk.CrossEntropy),
                RedEvidentialLoss(0.7, 1.0, EvidentialRisk.LogLikelihood)],
            GradientEvidenceFloor = 0.01,
        },
        new LossOp("CorrectEvidenceRegularizer", CorrectEvidenceRegularizer,
            Gen.Elements(CorrectEvidenceRegularizer, Defaults("CorrectEvidenceRegularizer", (e, t) => UL.CorrectEvidenceRegularizer(e, t),
                (e, t, r) => UL.CorrectEvidenceRegularizer(e, t, r), (e, y) => new(DirichletReference.CorrectEvidence(e, y), DirichletReference.CorrectEvidenceMagnitude(e, y))) with
            {
                Surrogate = (at, e, y) => DirichletReference.CorrectEvidence(e, y, at),
            }),
            HasFusedPath: false)
        {
            GradientEvidenceFloor = 0.01,
        },
        new LossOp("PosteriorNetworkLoss", PosteriorNetworkLoss(0.5),
            Gen.Frequency(
                (4, Gen.Elements(0.0, 1e-5, 0.5, 1.0).Select(PosteriorNetworkLoss)),
                (1, Gen.Constant(Defaults("PosteriorNetworkLoss(regFactor 1e-5)", (e, t) => UL.PosteriorNetworkLoss(e, t),
                    (e, t, r) => UL.PosteriorNetworkLoss(e, t, reduction: r), (e, y) => PosteriorNetwork(e, y, 1e-5))))),
            HasFusedPath: true)
        {
            BadOptions = [.. Bad("regFactor", ValidationKit.BadOptions.RegFactors, v => (e, t) => UL.PosteriorNetworkLoss(e, t, regFactor: v))],
            OptionSets = [PosteriorNetworkLoss(0.0), PosteriorNetworkLoss(0.7)],
        },
        new LossOp("FisherEvidentialLoss", FisherEvidentialLoss(0.5, 0.005),
            Gen.Frequency(
                (6, from lambda in Gen.Elements(0.0, 0.5, 1.0)
                    from c in Gen.Elements(0.0, 0.005, 0.05, 1.0)
                    select FisherEvidentialLoss(lambda, c)),
                (1, Gen.Constant(Defaults("FisherEvidentialLoss(regFactor 0, fisherCoefficient 0.005)", (e, t) => UL.FisherEvidentialLoss(e, t),
                    (e, t, r) => UL.FisherEvidentialLoss(e, t, reduction: r), (e, y) => Fisher(e, y, 0, 0.005))))),
            HasFusedPath: true)
        {
            BadOptions =
            [
                .. Bad("regFactor", ValidationKit.BadOptions.RegFactors, v => (e, t) => UL.FisherEvidentialLoss(e, t, regFactor: v)),
                .. Bad("fisherCoefficient", BadFisherCoefficients, v => (e, t) => UL.FisherEvidentialLoss(e, t, fisherCoefficient: v)),
            ],
            // 0.7 and 0.3 are not binary fractions: an option passed on at the wrong precision shows. A coefficient of 0
            // skips the log-determinant.
            OptionSets = [FisherEvidentialLoss(0.0, 0.0), FisherEvidentialLoss(0.7, 0.3)],
        },
        new LossOp("DirichletLogLoss", DirichletLogLoss,
            Gen.Elements(DirichletLogLoss, Defaults("DirichletLogLoss", (e, t) => UL.DirichletLogLoss(e, t), (e, t, r) => UL.DirichletLogLoss(e, t, r), Log)),
            HasFusedPath: false),
        new LossOp("DirichletCrossEntropyLoss", DirichletCrossEntropyLoss,
            Gen.Elements(DirichletCrossEntropyLoss, Defaults("DirichletCrossEntropyLoss", (e, t) => UL.DirichletCrossEntropyLoss(e, t), (e, t, r) => UL.DirichletCrossEntropyLoss(e, t, r), Digamma)),
            HasFusedPath: false),
        new LossOp("UniformDirichletKl", UniformDirichletKl,
            Gen.Elements(UniformDirichletKl, Defaults("UniformDirichletKl", (e, t) => UL.UniformDirichletKl(e, t), (e, t, r) => UL.UniformDirichletKl(e, t, r), Kl)),
            HasFusedPath: false),
        #region ops-entry-maxnorm
        new LossOp("MaxNormLoss", MaxNormLoss(0.5, 4, FisherAlphaSum.All),
            Gen.Frequency(
                (8, from lambda in Gen.Elements(0.0, 0.5, 1.0)
                    from p in Gen.Elements(1, 2, 3, 4, 7)
                    from sum in Gen.Elements(FisherAlphaSum.All, FisherAlphaSum.ExcludingTrueClass)
                    select MaxNormLoss(lambda, p, sum)),
                (1, Gen.Constant(Defaults("MaxNormLoss(regFactor 0, pNorm 4, All)", (e, t) => UL.MaxNormLoss(e, t), (e, t, r) => UL.MaxNormLoss(e, t, reduction: r),
                    (e, y) => MaxNorm(e, y, 0, 4, FisherAlphaSum.All)))),
                (1, Gen.Constant(Defaults("MaxNormLoss(regFactor 1, pNorm 4, All)", (e, t) => UL.MaxNormLoss(e, t, 1.0), (e, t, r) => UL.MaxNormLoss(e, t, 1.0, reduction: r),
                    (e, y) => MaxNorm(e, y, 1, 4, FisherAlphaSum.All))))),
            HasFusedPath: true)
        {
            BadOptions =
            [
                .. Bad("regFactor", ValidationKit.BadOptions.RegFactors, v => (e, t) => UL.MaxNormLoss(e, t, regFactor: v)),
                .. Bad("pNorm", ValidationKit.BadOptions.PNorms, v => (e, t) => UL.MaxNormLoss(e, t, pNorm: v)),
                .. Bad("fisherAlphaSum", ValidationKit.BadOptions.FisherAlphaSums.Select(v => (FisherAlphaSum)v), v => (e, t) => UL.MaxNormLoss(e, t, 0.5, fisherAlphaSum: v)),
            ],
            OptionSets =
            [
                MaxNormLoss(0.0, 4, FisherAlphaSum.All), MaxNormLoss(0.0, 4, FisherAlphaSum.ExcludingTrueClass), MaxNormLoss(0.0, 2, FisherAlphaSum.ExcludingTrueClass),
                MaxNormLoss(0.7, 4, FisherAlphaSum.All), MaxNormLoss(0.7, 4, FisherAlphaSum.ExcludingTrueClass),
            ],
        },
        #endregion
        new LossOp("DirichletPNormLoss", DirichletPNormLoss(4),
            Gen.Frequency(
                (4, Gen.Elements(1, 2, 3, 4, 7).Select(DirichletPNormLoss)),
                (1, Gen.Constant(Defaults("DirichletPNormLoss(pNorm 4)", (e, t) => UL.DirichletPNormLoss(e, t), (e, t, r) => UL.DirichletPNormLoss(e, t, reduction: r), (e, y) => PNorm(e, y, 4))))),
            HasFusedPath: false)
        {
            BadOptions = [.. Bad("pNorm", ValidationKit.BadOptions.PNorms, v => (e, t) => UL.DirichletPNormLoss(e, t, v))],
            OptionSets = [.. new[] { 1, 2, 3, 4 }.Select(DirichletPNormLoss)],
        },
        new LossOp("DirichletFisherRegularizer", DirichletFisherRegularizer(FisherAlphaSum.All),
            Gen.Frequency(
                (4, Gen.Elements(FisherAlphaSum.All, FisherAlphaSum.ExcludingTrueClass).Select(DirichletFisherRegularizer)),
                (1, Gen.Constant(Defaults("DirichletFisherRegularizer(All)", (e, t) => UL.DirichletFisherRegularizer(e, t), (e, t, r) => UL.DirichletFisherRegularizer(e, t, r),
                    (e, y) => Fisher(e, y, FisherAlphaSum.All))))),
            HasFusedPath: false)
        {
            BadOptions = [.. Bad("fisherAlphaSum", ValidationKit.BadOptions.FisherAlphaSums.Select(v => (FisherAlphaSum)v), v => (e, t) => UL.DirichletFisherRegularizer(e, t, fisherAlphaSum: v))],
            OptionSets = [DirichletFisherRegularizer(FisherAlphaSum.All), DirichletFisherRegularizer(FisherAlphaSum.ExcludingTrueClass)],
        },
        new LossOp("BeliefMatchingLoss", BeliefMatchingLoss(0.5, 1.0),
            Gen.Frequency(
                (8, from lambda in Gen.Elements(0.0, 0.01, 0.5, 1.0)
                    from prior in Gen.Elements(0.5, 1.0, 3.0)
                    select BeliefMatchingLoss(lambda, prior)),
                (1, Gen.Constant(AlphaDefaults("BeliefMatchingLoss(regFactor 0.01, priorConcentration 1)", (a, t) => UL.BeliefMatchingLoss(a, t),
                    (a, t, r) => UL.BeliefMatchingLoss(a, t, reduction: r), (e, y) => BeliefMatching(e, y, 0.01, 1.0))))),
            HasFusedPath: true)
        {
            Input = LossInput.Alpha,
            AlphaCall = (a, t) => UL.BeliefMatchingLoss(a, t, 0.5, 1.0),
            BadOptions =
            [
                .. Bad("regFactor", ValidationKit.BadOptions.RegFactors, v => (e, t) => UL.BeliefMatchingLoss(e, t, regFactor: v)),
                .. Bad("priorConcentration", BadConcentrations, v => (e, t) => UL.BeliefMatchingLoss(e, t, priorConcentration: v)),
            ],
            // 0.7 and 0.3 are not binary fractions: an option passed on at the wrong precision shows.
            OptionSets = [BeliefMatchingLoss(0.0, 1.0), BeliefMatchingLoss(0.7, 0.3)],
        },
        new LossOp("PriorNetworkLoss", PriorNetworkLoss(100.0),
            Gen.Frequency(
                (6, Gen.Elements(0.3, 1.0, 10.0, 100.0).Select(PriorNetworkLoss)),
                (1, Gen.Constant(AlphaDefaults("PriorNetworkLoss(targetConcentration 100)", (a, t) => UL.PriorNetworkLoss(a, t),
                    (a, t, r) => UL.PriorNetworkLoss(a, t, reduction: r), (e, y) => PriorNetwork(e, y, 100.0))))),
            HasFusedPath: true)
        {
            Input = LossInput.Alpha,
            AlphaCall = (a, t) => UL.PriorNetworkLoss(a, t, outOfDistributionIndex: TableOutOfDistributionIndex),
            BadOptions =
            [
                .. Bad("targetConcentration", BadConcentrations, v => (e, t) => UL.PriorNetworkLoss(e, t, targetConcentration: v)),
                .. Bad("outOfDistributionIndex", new[] { -100L }, v => (e, t) => UL.PriorNetworkLoss(e, t, outOfDistributionIndex: v)),
                .. Bad("outOfDistributionIndex", new[] { 255L }, v => (e, t) => UL.PriorNetworkLoss(e, t, ignoreIndex: 255, outOfDistributionIndex: v)),
            ],
            OptionSets = [PriorNetworkLoss(100.0), PriorNetworkLoss(0.3)],
        },
    };

    private static MeasureOp Single(MeasureSpec spec, MeasureInput input) => new(spec.Name, spec, Gen.Constant(spec), input);

    /// <summary>
    /// A measure of α = e + λ: its reference is the α = e' + 1 reference at e' = e + λ − 1 (the references accept
    /// e' &gt; −1), except where the formula has λ of its own (<see cref="Vacuity(double)"/>).
    /// </summary>
    private static double[] Shift(double[] e, double priorWeight) => e.Select(v => v + priorWeight - 1.0).ToArray();

    private static MeasureSpec WithPrior(string name, Func<Tensor, double, Tensor> call, Func<double[], double> reference,
        Func<double[], double>? magnitude, double priorWeight) =>
        MeasureSpec.PerPosition($"{name}(priorWeight {F(priorWeight)})", e => call(e, priorWeight), e => reference(Shift(e, priorWeight)),
            magnitude is null ? null : e => magnitude(Shift(e, priorWeight)));

    private static MeasureSpec Vacuity(double priorWeight) => MeasureSpec.PerPosition($"Vacuity(priorWeight {F(priorWeight)})",
        e => UL.Vacuity(e, priorWeight), e => e.Length * priorWeight / (e.Sum() + e.Length * priorWeight));

    private static MeasureSpec DirichletMean(double priorWeight) => MeasureSpec.PerClass($"DirichletMean(priorWeight {F(priorWeight)})",
        e => UL.DirichletMean(e, priorWeight), e => DirichletReference.DirichletMean(Shift(e, priorWeight)));

    /// <summary>A measure's default form, its prior-weight forms (0.1: R-EDL's default; 0.3; 3) for the properties, and option sets.</summary>
    private static MeasureOp WithPriors(MeasureSpec plain, Func<double, MeasureSpec> withPrior) =>
        new(plain.Name, plain, Gen.Elements(plain, withPrior(1.0), withPrior(0.1), withPrior(3.0)), MeasureInput.Evidence)
        {
            // 0.3 is not a binary fraction: a prior weight passed on at the wrong precision shows.
            OptionSets = [plain, withPrior(0.3)],
        };

    /// <summary>The uncertainty measures (evidence in; a value per position, or the Dirichlet mean / mode per class).</summary>
    public static IReadOnlyList<MeasureOp> Measures { get; } = new[]
    {
        new MeasureOp("Uncertainty", Uncertainty(normalize: true),
            Gen.Elements(
                Uncertainty(normalize: false),
                Uncertainty(normalize: true),
                WithPrior("Uncertainty", (e, l) => UL.Uncertainty(e, priorWeight: l), e => DirichletReference.PredictiveEntropy(e, normalize: false),
                    DirichletReference.EntropyMagnitude, 0.1),
                WithPrior("Uncertainty", (e, l) => UL.Uncertainty(e, priorWeight: l), e => DirichletReference.PredictiveEntropy(e, normalize: false),
                    DirichletReference.EntropyMagnitude, 3.0),
                MeasureSpec.PerPosition("Uncertainty (default arguments: normalize false)", e => UL.Uncertainty(e),
                    e => DirichletReference.PredictiveEntropy(e, normalize: false), DirichletReference.EntropyMagnitude)),
            MeasureInput.Evidence)
        {
            OptionSets = [Uncertainty(normalize: false), Uncertainty(normalize: true),
                WithPrior("Uncertainty", (e, l) => UL.Uncertainty(e, priorWeight: l), e => DirichletReference.PredictiveEntropy(e, normalize: false),
                    DirichletReference.EntropyMagnitude, 0.3)],
        },
        WithPriors(MeasureSpec.PerPosition("ModelUncertainty", UL.ModelUncertainty, DirichletReference.MutualInformation, DirichletReference.EntropyMagnitude),
            l => WithPrior("ModelUncertainty", UL.ModelUncertainty, DirichletReference.MutualInformation, DirichletReference.EntropyMagnitude, l)),
        WithPriors(MeasureSpec.PerPosition("DataUncertainty", UL.DataUncertainty, DirichletReference.ExpectedEntropy, DirichletReference.EntropyMagnitude),
            l => WithPrior("DataUncertainty", UL.DataUncertainty, DirichletReference.ExpectedEntropy, DirichletReference.EntropyMagnitude, l)),
        WithPriors(MeasureSpec.PerPosition("Vacuity", UL.Vacuity, DirichletReference.Vacuity), Vacuity),
        Single(MeasureSpec.PerPosition("DirichletPrecision", UL.DirichletPrecision, DirichletReference.Precision), MeasureInput.Evidence),
        Single(MeasureSpec.PerPosition("DirichletDifferentialEntropy", UL.DirichletDifferentialEntropy, DirichletReference.DifferentialEntropy,
            DirichletReference.DifferentialEntropyMagnitude), MeasureInput.Evidence),
        Single(MeasureSpec.PerPosition("ExpectedPairwiseKl", UL.ExpectedPairwiseKl, DirichletReference.ExpectedPairwiseKl,
            DirichletReference.ExpectedPairwiseKlMagnitude), MeasureInput.Evidence),
        WithPriors(MeasureSpec.PerClass("DirichletMean", UL.DirichletMean, DirichletReference.DirichletMean), DirichletMean),
        Single(MeasureSpec.PerClass("DirichletMode", UL.DirichletMode, DirichletReference.DirichletMode), MeasureInput.Evidence),
        // Softmax entropy is scaled by ln C, its largest value: log_softmax loses relative accuracy for confident rows.
        Single(MeasureSpec.PerPosition("CrossEntropyUncertainty", UL.CrossEntropyUncertainty, DirichletReference.SoftmaxEntropy, l => Math.Log(l.Length)),
            MeasureInput.Logits),
    };

    /// <summary>The loss entry of <paramref name="function"/>.</summary>
    public static LossOp Loss(string function) => Losses.Single(op => op.Function == function);

    /// <summary>The measure entry of <paramref name="function"/>.</summary>
    public static MeasureOp Measure(string function) => Measures.Single(op => op.Function == function);

    public static IEnumerable<TestCaseData> LossCases() => Losses.Select(op => new TestCaseData(op).SetArgDisplayNames(op.Function));

    public static IEnumerable<TestCaseData> FusedLossCases() =>
        Losses.Where(op => op.HasFusedPath).Select(op => new TestCaseData(op).SetArgDisplayNames(op.Function));

    public static IEnumerable<TestCaseData> MeasureCases() => Measures.Select(op => new TestCaseData(op).SetArgDisplayNames(op.Function));

    public static IEnumerable<TestCaseData> EvidenceMeasureCases() =>
        Measures.Where(op => op.Input == MeasureInput.Evidence).Select(op => new TestCaseData(op).SetArgDisplayNames(op.Function));
}
