using System;
using System.Text.Json;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss.Metrics;

/// <summary>The non-conformity score of a <see cref="ConformalClassifier"/>: how a class's probability becomes a score.</summary>
public enum ConformalScore
{
    /// <summary>
    /// LAC ("least ambiguous set-valued classifier", also called THR): s(x, y) = 1 − p_y, set {y : p_y ≥ 1 − q̂}. The
    /// smallest sets on average (Sadinle, Lei and Wasserman 2019), but a set can be empty when no class is probable enough.
    /// </summary>
    Lac = 0,

    /// <summary>
    /// APS, adaptive prediction sets (Romano, Sesia and Candès 2020): s(x, y) = the probability mass of the classes at
    /// least as probable as y (y included; randomised, the mass of the more probable classes plus u·p_y). Sets adapt to the
    /// input's difficulty and always hold the most probable class.
    /// </summary>
    Aps = 1,

    /// <summary>
    /// RAPS, regularised APS (Angelopoulos, Bates, Malik and Jordan 2021): APS's score plus λ·(rank(y) − k_reg)⁺, which
    /// penalises long tails of unlikely classes and gives smaller sets than APS.
    /// </summary>
    Raps = 2,
}

/// <summary>
/// Split conformal classification: calibrated on held-out (probabilities, target) pairs, it turns new probabilities into
/// prediction sets that contain the true class with probability at least 1 − α (marginally, over exchangeable
/// calibration and test samples). See
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/conformal.md">conformal.md</see>.
/// </summary>
/// <remarks>
/// <para><b>Calibration.</b> With n calibration positions and scores s_1..s_n, the threshold q̂ is the k-th smallest
/// score, k = ⌈(n + 1)(1 − α)⌉ (q̂ = +∞, every class in every set, when k &gt; n). Then P(y ∈ C(x)) ≥ 1 − α, and at most
/// 1 − α + 1/(n + 1) for continuous scores (LAC; randomised APS/RAPS up to the few sets that get their most probable class
/// added); non-randomised APS/RAPS over-cover. LAC sets can be empty; APS/RAPS sets never are.</para>
/// <para><b>Shapes.</b> probabilities (N, C, d1..dk) with rows along dimension 1 summing to 1 (softmax(logits, 1) or
/// <see cref="UL.DirichletMean(Tensor)"/>); target (N, d1..dk) class indices; every position (pixel) is one sample, and
/// positions whose target is <c>ignoreIndex</c> are left out. Sets have the probabilities' shape (Bool), on their device.</para>
/// <para><b>References.</b> Vovk, Gammerman and Shafer, "Algorithmic Learning in a Random World", 2005; Angelopoulos and
/// Bates, "A Gentle Introduction to Conformal Prediction", 2021; the scores' papers in <see cref="ConformalScore"/>.</para>
/// </remarks>
public sealed class ConformalClassifier
{
    private ConformalClassifier(ConformalScore score, double alpha, double threshold, double rapsPenalty, int rapsRank, bool randomized,
        long calibrationSize, long classes)
    {
        Score = score;
        Alpha = alpha;
        Threshold = threshold;
        RapsPenalty = rapsPenalty;
        RapsRank = rapsRank;
        Randomized = randomized;
        CalibrationSize = calibrationSize;
        Classes = classes;
    }

    /// <summary>The non-conformity score.</summary>
    public ConformalScore Score { get; }

    /// <summary>The miscoverage level α: sets cover the true class with probability ≥ 1 − α.</summary>
    public double Alpha { get; }

    /// <summary>The calibrated threshold q̂ on the score (+∞ when the calibration set is too small for α: every set is full).</summary>
    public double Threshold { get; }

    /// <summary>RAPS's λ (0 for the other scores).</summary>
    public double RapsPenalty { get; }

    /// <summary>RAPS's k_reg: ranks up to it are not penalised (0 for the other scores).</summary>
    public int RapsRank { get; }

    /// <summary>Whether APS/RAPS scores are randomised (u·p_y instead of p_y, u uniform in [0, 1)).</summary>
    public bool Randomized { get; }

    /// <summary>The number n of calibration positions.</summary>
    public long CalibrationSize { get; }

    /// <summary>The number of classes C it was calibrated for.</summary>
    public long Classes { get; }

    /// <summary>Calibrates a conformal classifier on held-out probabilities and targets.</summary>
    /// <param name="probabilities">(N, C, d1..dk) class probabilities (rows along dimension 1 sum to 1 within 1e-3; 1e-2 for
    /// half precision).</param>
    /// <param name="target">(N, d1..dk) class indices.</param>
    /// <param name="alpha">The miscoverage level α ∈ (0, 1) (default 0.1: 90 % coverage).</param>
    /// <param name="score">The non-conformity score (default <see cref="ConformalScore.Aps"/>).</param>
    /// <param name="rapsPenalty">RAPS's λ ≥ 0 (default 0.01); only for <see cref="ConformalScore.Raps"/>.</param>
    /// <param name="rapsRank">RAPS's k_reg ≥ 0 (default 5); only for <see cref="ConformalScore.Raps"/>.</param>
    /// <param name="randomized">Randomise APS/RAPS (default true, as the RAPS paper's code): coverage close to exactly 1 − α.
    /// Without randomisation a confident model's scores pile up just below 1 and the sets over-cover, often holding a second
    /// class. Either way the sets always hold the most probable class.</param>
    /// <param name="seed">The seed of the calibration scores' uniform draws when <paramref name="randomized"/> (default 0).</param>
    /// <param name="ignoreIndex">Target value of positions to leave out (default −100).</param>
    /// <returns>The calibrated classifier.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed; the shapes, dtypes or devices do not match; a probability is
    /// NaN, outside [0, 1], or a row does not sum to 1; a class index is outside [0, C) and not <paramref name="ignoreIndex"/>;
    /// no position is kept (an empty calibration set).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is not in (0, 1); <paramref name="score"/> is
    /// undefined; <paramref name="rapsPenalty"/> is negative or not finite; <paramref name="rapsRank"/> is negative; or a
    /// RAPS option is set for another score.</exception>
    public static ConformalClassifier Calibrate(Tensor probabilities, Tensor target, double alpha = 0.1, ConformalScore score = ConformalScore.Aps,
        double rapsPenalty = 0.01, int rapsRank = 5, bool randomized = true, long seed = 0, long ignoreIndex = -100)
    {
        Check.ClassScores(probabilities, nameof(probabilities));
        Check.ClassIndexTarget(probabilities, target, nameof(target), nameof(probabilities));
        Check.MiscoverageLevel(alpha, nameof(alpha));
        Check.Defined(score, nameof(score));
        Check.FiniteNonNegative(rapsPenalty, nameof(rapsPenalty), "RAPS's λ");
        Check.AtLeast(rapsRank, 0, nameof(rapsRank));
        long classes = probabilities.shape[1];
        Check.ProbabilityRows(probabilities, nameof(probabilities));
        long n = Check.KeptClassIndices(target, classes, ignoreIndex, nameof(target));
        if (score != ConformalScore.Raps)
            (rapsPenalty, rapsRank) = (0.0, 0);

        using var scope = NewDisposeScope();
        var p = Rows(probabilities);
        var y = target.to(ScalarType.Int64).reshape(-1);
        var keep = y.ne(ignoreIndex);
        p = p[keep];
        y = y[keep].unsqueeze(1);
        var pTrue = p.gather(1, y).squeeze(1);
        Tensor scores;
        if (score == ConformalScore.Lac)
        {
            scores = 1 - pTrue;
        }
        else
        {
            var (sorted, order) = p.sort(1, descending: true);
            var rank = order.eq(y).to(ScalarType.Int64).argmax(1, keepdim: true);          // 0-based rank of the true class
            var before = (sorted.cumsum(1) - sorted).gather(1, rank).squeeze(1);           // mass of the more probable classes
            var penalty = rapsPenalty * (rank.squeeze(1) + 1 - rapsRank).clamp_min(0).to(ScalarType.Float64);
            var u = randomized ? Uniform(pTrue.shape, seed, p.device) : ones_like(pTrue);
            scores = before + u * pTrue + penalty;
        }

        double threshold = Quantile(scores, n, alpha);
        return new ConformalClassifier(score, alpha, threshold, rapsPenalty, rapsRank, randomized, n, classes);
    }

    /// <summary>The prediction sets of new probabilities: true where a class is in the position's set.</summary>
    /// <param name="probabilities">(N, C, d1..dk) class probabilities, C as calibrated.</param>
    /// <param name="seed">The seed of the uniform draws of randomised APS/RAPS (default 1; ignored otherwise).</param>
    /// <returns>A Bool tensor of the probabilities' shape, on their device.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="probabilities"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="probabilities"/> is disposed, not floating, has another class count,
    /// or holds a NaN, a value outside [0, 1] or a row not summing to 1.</exception>
    public Tensor PredictSets(Tensor probabilities, long seed = 1)
    {
        Check.ClassScores(probabilities, nameof(probabilities));
        if (probabilities.shape[1] != Classes)
            throw Check.Invalid(nameof(probabilities), Check.Inv($"{nameof(probabilities)} with {Classes} classes in dimension 1 (as calibrated)"),
                "shape " + Check.Shape(probabilities));
        Check.ProbabilityRows(probabilities, nameof(probabilities));

        using var scope = NewDisposeScope();
        var p = Rows(probabilities);
        Tensor inSet;
        if (Score == ConformalScore.Lac)
        {
            inSet = (1 - p).le(Threshold);
        }
        else
        {
            var (sorted, order) = p.sort(1, descending: true);
            var before = sorted.cumsum(1) - sorted;
            var ranks = arange(1, Classes + 1, ScalarType.Float64, p.device).unsqueeze(0);
            var penalty = RapsPenalty * (ranks - RapsRank).clamp_min(0);
            Tensor sortedIn;
            if (Randomized)
            {
                // As Angelopoulos et al.'s code without zero sets: the most probable class is always in, so no set is
                // empty (coverage can only grow).
                var u = Uniform([p.shape[0], 1], seed, p.device);
                sortedIn = (before + u * sorted + penalty).le(Threshold);
                sortedIn[TensorIndex.Colon, 0] = tensor(true);
            }
            else
            {
                // The class whose mass crosses q̂ is included: the set always holds the most probable class.
                sortedIn = (before + penalty).lt(Threshold).logical_or((before + sorted + penalty).le(Threshold));
            }

            inSet = zeros_like(sortedIn).scatter_(1, order, sortedIn);
        }

        var shape = probabilities.shape;
        long[] movedShape = [shape[0], .. shape[2..], shape[1]];
        return inSet.reshape(movedShape).movedim(new long[] { -1 }, new long[] { 1 }).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The calibration as JSON (score, α, q̂, RAPS options, randomisation, n, C); q̂ = +∞ is written "Infinity".</summary>
    public string ToJson() => JsonSerializer.Serialize(
        new State(nameof(ConformalClassifier), Score.ToString(), Alpha, Threshold, RapsPenalty, RapsRank, Randomized, CalibrationSize, Classes), ConformalJson.Options);

    /// <summary>Restores a classifier saved by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The classifier.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="json"/> is not a saved <see cref="ConformalClassifier"/>, or a value in it is
    /// out of range.</exception>
    public static ConformalClassifier FromJson(string json)
    {
        var s = ConformalJson.Read<State>(json, nameof(ConformalClassifier));
        if (s.Kind != nameof(ConformalClassifier) || !Enum.TryParse<ConformalScore>(s.Score, out var score) || !Enum.IsDefined(score)
            || !(s.Alpha > 0 && s.Alpha < 1) || double.IsNaN(s.Threshold) || !(s.RapsPenalty >= 0 && double.IsFinite(s.RapsPenalty))
            || s.RapsRank < 0 || s.CalibrationSize < 1 || s.Classes < 2)
            throw Check.Invalid(nameof(json), "JSON written by ConformalClassifier.ToJson", "a missing or out-of-range field");
        return new ConformalClassifier(score, s.Alpha, s.Threshold, s.RapsPenalty, s.RapsRank, s.Randomized, s.CalibrationSize, s.Classes);
    }

    /// <inheritdoc/>
    public override string ToString() => Check.Inv($"ConformalClassifier({Score}, α = {Alpha}, q̂ = {Threshold}, n = {CalibrationSize})");

    /// <summary>
    /// The k-th smallest of <paramref name="scores"/>, k = ⌈(n + 1)(1 − α)⌉, or +∞ when k &gt; n. The product is rounded down
    /// by 1e-12 relative before the ceiling, so that (n + 1)(1 − α) an integer in exact arithmetic is not pushed up a rank
    /// by the rounding of 1 − α.
    /// </summary>
    internal static double Quantile(Tensor scores, long n, double alpha)
    {
        double exact = (n + 1) * (1 - alpha);
        long k = (long)Math.Ceiling(exact * (1 - 1e-12));
        if (k > n)
            return double.PositiveInfinity;
        return scores.to(ScalarType.Float64).kthvalue(Math.Max(k, 1), 0).values.item<double>();
    }

    /// <summary>(N, C, d…) → (N·d…, C) in Float64, the class dimension last.</summary>
    internal static Tensor Rows(Tensor scores) =>
        scores.to(ScalarType.Float64).movedim(new long[] { 1 }, new long[] { -1 }).reshape(-1, scores.shape[1]);

    private static Tensor Uniform(long[] shape, long seed, Device device)
    {
        using var generator = new Generator((ulong)seed);
        return rand(shape, generator: generator, dtype: ScalarType.Float64).to(device);
    }

    private sealed record State(string Kind, string Score, double Alpha, double Threshold, double RapsPenalty, int RapsRank, bool Randomized,
        long CalibrationSize, long Classes);
}
