using System;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using UncertaintyLoss.Internal;

namespace UncertaintyLoss;

/// <summary>
/// A schedule for the regularisation factor λ (<c>regFactor</c>) of <see cref="UL.EvidentialLoss"/> and
/// <see cref="UL.MaxNormLoss"/>: read <see cref="Value"/> for the current step's λ, call <see cref="Step"/> once per
/// batch or once per epoch — whichever unit the schedule was configured in.
/// </summary>
public interface IRegFactorSchedule
{
    /// <summary>λ at the current step, in [0, max].</summary>
    double Value { get; }

    /// <summary>How many times <see cref="Step"/> has been called since construction or <see cref="Reset"/>.</summary>
    long StepCount { get; }

    /// <summary>Advances one step (one batch or one epoch) and returns the new <see cref="Value"/>.</summary>
    double Step();

    /// <summary>Returns to step 0.</summary>
    void Reset();

    /// <summary>The state to save with a checkpoint; <see cref="Restore"/> continues from it exactly.</summary>
    RegFactorState GetState();

    /// <summary>Continues from a state saved by <see cref="GetState"/> of an identically configured schedule.</summary>
    /// <param name="state">The saved state.</param>
    /// <exception cref="ArgumentNullException"><paramref name="state"/> is null.</exception>
    /// <exception cref="ArgumentException">The state belongs to a differently configured schedule, or its step is negative.</exception>
    void Restore(RegFactorState state);
}

/// <summary>
/// The saved state of an <see cref="IRegFactorSchedule"/>: its configuration (to refuse restoring into a different
/// schedule) and its step count. Serialise it with <see cref="ToJson"/> and <see cref="FromJson"/>, or store the two
/// fields in your own checkpoint format.
/// </summary>
/// <param name="Schedule">The schedule's configuration, e.g. <c>Linear(steps=1000, max=1)</c>.</param>
/// <param name="StepCount">The number of steps taken.</param>
public sealed record RegFactorState(
    [property: JsonPropertyName("schedule"), JsonRequired] string Schedule,
    [property: JsonPropertyName("step"), JsonRequired] long StepCount)
{
    /// <summary>The state as a small JSON object, e.g. <c>{"schedule":"Linear(steps=1000, max=1)","step":250}</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>Reads a state written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="ArgumentException">The text is not a saved schedule state.</exception>
    public static RegFactorState FromJson(string json)
    {
        Check.NotNull(json, nameof(json));
        RegFactorState? state;
        try
        {
            state = JsonSerializer.Deserialize<RegFactorState>(json);
        }
        catch (JsonException e)
        {
            throw Check.Invalid(nameof(json), StateExpected, "text that is not one", e.Message, e);
        }

        if (state is null || state.Schedule is null)
            throw Check.Invalid(nameof(json), StateExpected + ", with \"schedule\" and \"step\"", "JSON whose state or \"schedule\" is null");
        return state;
    }

    private const string StateExpected = "a schedule state written by RegFactorState.ToJson";
}

/// <summary>
/// Base class of the schedules: λ is a pure function <see cref="ValueAt"/> of the step count, so a schedule's whole
/// state is its step count and restoring it continues exactly. Derive from it for a custom schedule.
/// </summary>
public abstract class RegFactorSchedule : IRegFactorSchedule
{
    /// <inheritdoc/>
    public double Value => ValueAt(StepCount);

    /// <inheritdoc/>
    public long StepCount { get; private set; }

    /// <summary>The schedule's configuration, stored in <see cref="RegFactorState.Schedule"/>.</summary>
    public abstract string Description { get; }

    /// <summary>λ after <paramref name="step"/> steps (for plotting, or to look ahead).</summary>
    /// <param name="step">A step count ≥ 0.</param>
    public abstract double ValueAt(long step);

    /// <inheritdoc/>
    public double Step()
    {
        if (StepCount < long.MaxValue)
            StepCount++;
        return Value;
    }

    /// <inheritdoc/>
    public void Reset() => StepCount = 0;

    /// <inheritdoc/>
    public RegFactorState GetState() => new(Description, StepCount);

    /// <inheritdoc/>
    public void Restore(RegFactorState state)
    {
        Check.NotNull(state, nameof(state));
        if (state.Schedule != Description)
            throw Check.Invalid(nameof(state), $"a state saved by this schedule, {Description}", $"the state of the schedule {state.Schedule}");
        if (state.StepCount < 0)
            throw Check.Invalid(nameof(state), "a saved step count >= 0", Check.Inv($"{state.StepCount}"));
        StepCount = state.StepCount;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Description} at step {StepCount}: {Value.ToString("R", CultureInfo.InvariantCulture)}";

    /// <summary>Formats a number for <see cref="Description"/>.</summary>
    protected static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// Factory methods for the regularisation-factor schedules. Every schedule starts at step 0, is bounded in [0, max],
/// and (except <see cref="Constant"/>) rises to <c>max</c> and stays there. Use one step per batch or per epoch.
/// </summary>
/// <example>
/// The Python package's annealing loop (<c>reg_factor = min(reg_factor + 1/reg_steps, 1)</c> after every batch):
/// <code>
/// var schedule = RegFactor.Linear(steps: 1000);
/// foreach (var (x, y) in batches)
/// {
///     var loss = UL.MaxNormLoss(UL.ClampedExp(model.forward(x)), y, regFactor: schedule.Value);
///     // backward, optimizer step …
///     schedule.Step();
/// }
/// </code>
/// </example>
public static class RegFactor
{
    /// <summary>Linear ramp λ_t = max · min(1, t/steps): 0 at step 0, exactly max from step <paramref name="steps"/> on.</summary>
    /// <param name="steps">Steps to reach the maximum (≥ 1).</param>
    /// <param name="max">The maximum λ (finite, ≥ 0; default 1).</param>
    /// <remarks>The Python package's README ramp with <c>reg_steps = steps</c>.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> &lt; 1 or <paramref name="max"/> negative or not finite.</exception>
    public static RegFactorSchedule Linear(long steps, double max = 1.0) => new LinearSchedule("Linear", steps, max);

    /// <summary>
    /// The EDL paper's annealing λ_t = max · min(1, epoch/annealingEpochs), stepped once per epoch (Sensoy et al. 2018
    /// use annealingEpochs = 10).
    /// </summary>
    /// <param name="annealingEpochs">Epochs to reach the maximum (≥ 1; default 10).</param>
    /// <param name="max">The maximum λ (default 1).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="annealingEpochs"/> &lt; 1 or <paramref name="max"/> negative or not finite.</exception>
    public static RegFactorSchedule EdlAnnealing(long annealingEpochs = 10, double max = 1.0) => new LinearSchedule("EdlAnnealing", annealingEpochs, max);

    /// <summary>Cosine ramp λ_t = max · (1 − cos(π·min(t, steps)/steps))/2: flat at both ends, exactly max from step <paramref name="steps"/> on.</summary>
    /// <param name="steps">Steps to reach the maximum (≥ 1).</param>
    /// <param name="max">The maximum λ (default 1).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> &lt; 1 or <paramref name="max"/> negative or not finite.</exception>
    public static RegFactorSchedule Cosine(long steps, double max = 1.0) => new CosineSchedule(steps, max);

    /// <summary>
    /// Exponential (geometric) ramp λ_t = max · (start/max)^(1 − t/steps) from <paramref name="start"/> at step 0 to exactly
    /// max at step <paramref name="steps"/>, then max: the same factor every step, so λ spends equal time in each decade.
    /// </summary>
    /// <param name="steps">Steps to reach the maximum (≥ 1).</param>
    /// <param name="max">The maximum λ (&gt; 0; default 1).</param>
    /// <param name="start">λ at step 0, in (0, max] (default 0.01·max).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> &lt; 1, <paramref name="max"/> not positive and finite, or <paramref name="start"/> outside (0, max].</exception>
    public static RegFactorSchedule Exponential(long steps, double max = 1.0, double? start = null) => new ExponentialSchedule(steps, max, start ?? 0.01 * max);

    /// <summary>
    /// Staircase λ_t = max · ⌊stairs · min(t, steps)/steps⌋ / stairs: <paramref name="stairs"/> equal steps up, exactly max
    /// from step <paramref name="steps"/> on.
    /// </summary>
    /// <param name="steps">Steps to reach the maximum (≥ 1).</param>
    /// <param name="stairs">Number of equal increments (≥ 1; default 10).</param>
    /// <param name="max">The maximum λ (default 1).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> or <paramref name="stairs"/> &lt; 1, or <paramref name="max"/> negative or not finite.</exception>
    public static RegFactorSchedule Staircase(long steps, int stairs = 10, double max = 1.0) => new StaircaseSchedule(steps, stairs, max);

    /// <summary>A constant λ.</summary>
    /// <param name="value">λ (finite, ≥ 0).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> negative or not finite.</exception>
    public static RegFactorSchedule Constant(double value) => new ConstantSchedule(value);

    /// <summary>
    /// Warm-up delay: λ = 0 for the first <paramref name="delay"/> steps, then <paramref name="schedule"/> from its step 0
    /// (λ_t = schedule(t − delay)). The inner schedule's own step count is not used.
    /// </summary>
    /// <param name="schedule">The schedule to delay.</param>
    /// <param name="delay">Steps of λ = 0 (≥ 0).</param>
    /// <exception cref="ArgumentNullException"><paramref name="schedule"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    public static RegFactorSchedule Delayed(RegFactorSchedule schedule, long delay)
    {
        return new DelayedSchedule(Check.NotNull(schedule, nameof(schedule)), delay);
    }

    /// <summary>The same schedule after a warm-up delay; see <see cref="Delayed"/>.</summary>
    /// <param name="schedule">The schedule to delay.</param>
    /// <param name="delay">Steps of λ = 0 (≥ 0).</param>
    public static RegFactorSchedule WithWarmup(this RegFactorSchedule schedule, long delay) => Delayed(schedule, delay);

    /// <summary>
    /// The regularisation-factor schedules the papers trained with, by method: the schedule to pass to the method's loss
    /// module, stepped once per epoch (each paper's training loop computes its factor from a 0-based epoch counter). Each
    /// is an ordinary schedule (<see cref="EdlAnnealing"/> or <see cref="Constant"/>), named after what it returns.
    /// See
    /// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/training-loop.md#presets-from-the-papers">training-loop.md, "Presets from the papers"</see>.
    /// </summary>
    public static class Presets
    {
        /// <summary>
        /// EDL (Sensoy, Kaplan and Kandemir, NeurIPS 2018, section 4): the KL weight min(1, epoch/10), i.e.
        /// <see cref="EdlAnnealing"/>(10). For <see cref="EvidentialLossModule"/>.
        /// </summary>
        public static RegFactorSchedule Edl() => EdlAnnealing(10);

        /// <summary>
        /// R-EDL (Chen, Gao and Xu, ICLR 2024): the KL weight min(1, epoch/10), as EDL (MengyuanChen21/ICLR2024-REDL,
        /// <c>ModifiedEvidentialN.forward</c>: <c>regr = np.minimum(1.0, epoch / 10.)</c>). The paper's other settings, prior
        /// weight λ = 0.1 and softplus evidence, are <see cref="RelaxedEvidentialLossModule"/>'s defaults.
        /// </summary>
        public static RegFactorSchedule Redl() => EdlAnnealing(10);

        /// <summary>
        /// I-EDL (Deng et al., ICML 2023): the KL weight min(1, epoch/10) (danruod/IEDL, <c>FisherEvidentialN.forward</c>:
        /// <c>regr = np.minimum(1.0, epoch / 10.)</c>). The Fisher coefficient and softplus evidence are
        /// <see cref="FisherEvidentialLossModule"/>'s defaults.
        /// </summary>
        public static RegFactorSchedule Iedl() => EdlAnnealing(10);

        /// <summary>
        /// Belief matching (Joo, Chung and Seo, ICML 2020): a constant KL coefficient 0.01 (tjoo512/belief-matching-framework,
        /// <c>cifar_trainer.py</c> and <c>imagenet_trainer.py</c>: <c>--coeff</c> default 1e-2).
        /// </summary>
        public static RegFactorSchedule BeliefMatching() => Constant(0.01);

        /// <summary>
        /// Posterior Network (Charpentier, Zügner and Günnemann, NeurIPS 2020): a constant entropy weight 1e-5
        /// (sharpenb/Posterior-Network, the training notebooks: <c>regr=1e-5</c>).
        /// </summary>
        public static RegFactorSchedule PosteriorNetwork() => Constant(1e-5);
    }

    private sealed class LinearSchedule : RegFactorSchedule
    {
        private readonly long steps;
        private readonly double max;
        private readonly string name;

        public LinearSchedule(string name, long steps, double max)
        {
            Check.AtLeast(steps, 1L, name == "Linear" ? nameof(steps) : "annealingEpochs");
            Check.FiniteNonNegative(max, nameof(max));
            this.name = name;
            this.steps = steps;
            this.max = max + 0.0;   // −0 → +0
        }

        public override string Description => $"{name}(steps={steps}, max={Format(max)})";

        public override double ValueAt(long step) => step >= steps ? max : max * ((double)Math.Max(step, 0) / steps);
    }

    private sealed class CosineSchedule : RegFactorSchedule
    {
        private readonly long steps;
        private readonly double max;

        public CosineSchedule(long steps, double max)
        {
            Check.AtLeast(steps, 1L, nameof(steps));
            Check.FiniteNonNegative(max, nameof(max));
            this.steps = steps;
            this.max = max + 0.0;
        }

        public override string Description => $"Cosine(steps={steps}, max={Format(max)})";

        public override double ValueAt(long step) =>
            step >= steps ? max : max * 0.5 * (1 - Math.Cos(Math.PI * Math.Max(step, 0) / steps));
    }

    private sealed class ExponentialSchedule : RegFactorSchedule
    {
        private readonly long steps;
        private readonly double max;
        private readonly double start;

        public ExponentialSchedule(long steps, double max, double start)
        {
            Check.AtLeast(steps, 1L, nameof(steps));
            Check.FinitePositive(max, nameof(max));
            Check.InRange(start > 0 && start <= max, start, nameof(start), Check.Inv($"{nameof(start)} in (0, max] = (0, {Check.Format(max)}]"));
            this.steps = steps;
            this.max = max;
            this.start = start;
        }

        public override string Description => $"Exponential(steps={steps}, max={Format(max)}, start={Format(start)})";

        public override double ValueAt(long step) =>
            step >= steps ? max : Math.Min(max, max * Math.Pow(start / max, 1 - (double)Math.Max(step, 0) / steps));
    }

    private sealed class StaircaseSchedule : RegFactorSchedule
    {
        private readonly long steps;
        private readonly int stairs;
        private readonly double max;

        public StaircaseSchedule(long steps, int stairs, double max)
        {
            Check.AtLeast(steps, 1L, nameof(steps));
            Check.AtLeast(stairs, 1, nameof(stairs));
            Check.FiniteNonNegative(max, nameof(max));
            this.steps = steps;
            this.stairs = stairs;
            this.max = max + 0.0;
        }

        public override string Description => $"Staircase(steps={steps}, stairs={stairs}, max={Format(max)})";

        public override double ValueAt(long step)
        {
            if (step >= steps)
                return max;
            // ⌊stairs·t/steps⌋ in exact integer arithmetic (128-bit product: no overflow, no rounding).
            long stair = (long)((Int128)Math.Max(step, 0) * stairs / steps);
            return max * ((double)stair / stairs);      // not (max·stair)/stairs, which overflows for max near double.MaxValue
        }
    }

    private sealed class ConstantSchedule : RegFactorSchedule
    {
        private readonly double value;

        public ConstantSchedule(double value)
        {
            Check.FiniteNonNegative(value, nameof(value));
            this.value = value + 0.0;
        }

        public override string Description => $"Constant({Format(value)})";

        public override double ValueAt(long step) => value;
    }

    private sealed class DelayedSchedule : RegFactorSchedule
    {
        private readonly RegFactorSchedule inner;
        private readonly long delay;

        public DelayedSchedule(RegFactorSchedule inner, long delay)
        {
            Check.NotNull(inner, nameof(inner));
            Check.AtLeast(delay, 0L, nameof(delay));
            this.inner = inner;
            this.delay = delay;
        }

        public override string Description => $"Delayed({inner.Description}, delay={delay})";

        public override double ValueAt(long step) => step < delay ? 0.0 : inner.ValueAt(step - delay);
    }
}
