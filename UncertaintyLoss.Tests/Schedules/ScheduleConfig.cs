using System.Numerics;

namespace UncertaintyLoss.Tests.Schedules;

/// <summary>The schedule factories of <see cref="RegFactor"/>.</summary>
public enum ScheduleKind
{
    Linear,
    EdlAnnealing,
    Cosine,
    Exponential,
    Staircase,
    Constant,
    Delayed,
}

/// <summary>
/// A generated schedule configuration: which factory, with which arguments (null: the argument is left out, so the
/// factory's default is used), and the test's own closed-form reference for it.
/// </summary>
/// <param name="Kind">The factory.</param>
/// <param name="Steps">steps / annealingEpochs (null only for <see cref="ScheduleKind.EdlAnnealing"/>: default 10).</param>
/// <param name="Max">max (the value for <see cref="ScheduleKind.Constant"/>); null: default 1.</param>
/// <param name="Stairs">Staircase stairs; null: default 10.</param>
/// <param name="Start">Exponential start; null: default 0.01·max.</param>
/// <param name="Delay">Delayed: the delay.</param>
/// <param name="ViaWarmup">Delayed: built with the <c>WithWarmup</c> extension instead of <c>RegFactor.Delayed</c>.</param>
/// <param name="Inner">Delayed: the inner schedule.</param>
public sealed record ScheduleConfig(
    ScheduleKind Kind,
    long? Steps = null,
    double? Max = null,
    int? Stairs = null,
    double? Start = null,
    long Delay = 0,
    bool ViaWarmup = false,
    ScheduleConfig? Inner = null)
{
    /// <summary>The λ the schedule ends at (for Constant, its value).</summary>
    public double Maximum => Kind == ScheduleKind.Delayed ? Inner!.Maximum : Max ?? 1.0;

    /// <summary>steps, with the EDL default of 10 epochs filled in.</summary>
    public long RampSteps => Steps ?? 10;

    /// <summary>Exponential: start, with the default 0.01·max filled in.</summary>
    public double StartValue => Start ?? 0.01 * Maximum;

    /// <summary>Stairs, with the default 10 filled in.</summary>
    public int StairCount => Stairs ?? 10;

    /// <summary>The first step at which λ is (and stays) exactly <see cref="Maximum"/>.</summary>
    public long ReachStep => Kind switch
    {
        ScheduleKind.Constant => 0,
        ScheduleKind.Delayed => Delay + Inner!.ReachStep,
        _ => RampSteps,
    };

    /// <summary>
    /// λ &lt; max at every step before <see cref="ReachStep"/>: true for every ramp with max &gt; 0, except an exponential
    /// ramp that starts at (or within 1e-6 relative of) its maximum. Vacuous for a constant (no step before 0).
    /// </summary>
    public bool StrictlyBelowMaximumBeforeReach => Kind switch
    {
        ScheduleKind.Delayed => Inner!.StrictlyBelowMaximumBeforeReach,
        ScheduleKind.Exponential => StartValue <= Maximum * (1 - 1e-6),
        _ => Maximum > 0,
    };

    /// <summary>The same schedule with every default written out, built with <c>RegFactor.Delayed</c>: equal iff the schedules are.</summary>
    public ScheduleConfig Normalized() => Kind switch
    {
        ScheduleKind.Delayed => this with { ViaWarmup = false, Inner = Inner!.Normalized() },
        ScheduleKind.Constant => this,
        ScheduleKind.Exponential => this with { Max = Maximum, Start = StartValue },
        ScheduleKind.Staircase => this with { Max = Maximum, Stairs = StairCount },
        _ => this with { Steps = RampSteps, Max = Maximum },
    };

    /// <summary>A freshly constructed schedule of this configuration.</summary>
    public RegFactorSchedule Build()
    {
        switch (Kind)
        {
            case ScheduleKind.Linear:
                return Max is double linearMax ? RegFactor.Linear(Steps!.Value, linearMax) : RegFactor.Linear(Steps!.Value);
            case ScheduleKind.EdlAnnealing:
                return (Steps, Max) switch
                {
                    (null, null) => RegFactor.EdlAnnealing(),
                    (long epochs, null) => RegFactor.EdlAnnealing(epochs),
                    (null, double m) => RegFactor.EdlAnnealing(max: m),
                    (long epochs, double m) => RegFactor.EdlAnnealing(epochs, m),
                };
            case ScheduleKind.Cosine:
                return Max is double cosineMax ? RegFactor.Cosine(Steps!.Value, cosineMax) : RegFactor.Cosine(Steps!.Value);
            case ScheduleKind.Exponential:
                return Max is double expMax ? RegFactor.Exponential(Steps!.Value, expMax, Start) : RegFactor.Exponential(Steps!.Value, start: Start);
            case ScheduleKind.Staircase:
                return (Stairs, Max) switch
                {
                    (null, null) => RegFactor.Staircase(Steps!.Value),
                    (int stairs, null) => RegFactor.Staircase(Steps!.Value, stairs),
                    (null, double m) => RegFactor.Staircase(Steps!.Value, max: m),
                    (int stairs, double m) => RegFactor.Staircase(Steps!.Value, stairs, m),
                };
            case ScheduleKind.Constant:
                return RegFactor.Constant(Max!.Value);
            case ScheduleKind.Delayed:
                return ViaWarmup ? Inner!.Build().WithWarmup(Delay) : RegFactor.Delayed(Inner!.Build(), Delay);
            default:
                throw new InvalidOperationException(Kind.ToString());
        }
    }

    /// <summary>
    /// The test's own closed form of λ after <paramref name="t"/> steps and how far the library may be from it
    /// (0: exactly). Written from the documented formulas, not from the library's expressions: the cosine ramp as
    /// max·sin²(πt/(2·steps)), the exponential ramp through logarithms, the staircase's floor in BigInteger arithmetic.
    /// </summary>
    public (double Value, double Tolerance) Reference(long t)
    {
        double max = Maximum;
        switch (Kind)
        {
            case ScheduleKind.Constant:
                return (max, 0);
            case ScheduleKind.Delayed:
                return t < Delay ? (0.0, 0) : Inner!.Reference(t - Delay);
        }

        long n = RampSteps;
        if (t >= n)
            return (max, 0);
        double f = (double)t / n;
        switch (Kind)
        {
            case ScheduleKind.Linear:
            case ScheduleKind.EdlAnnealing:
                // max·t/steps; the library may round max·(t/steps) differently by an ulp or two.
                return (max * t / n, 1e-15 * max);
            case ScheduleKind.Cosine:
            {
                double s = Math.Sin(Math.PI * t / (2.0 * n));
                // 1 − cos(x) loses up to ε absolute near x = 0; sin² does not.
                return (max * s * s, 1e-14 * max);
            }

            case ScheduleKind.Exponential:
            {
                double v = Math.Exp((1 - f) * Math.Log(StartValue) + f * Math.Log(max));
                // |ln start| ≤ ~700: the logarithms' rounding is ≤ ~3e-13 relative.
                return (v, 2e-12 * v);
            }

            case ScheduleKind.Staircase:
            {
                int stairs = StairCount;
                long k = (long)(new BigInteger(t) * stairs / n);
                // The stair index must be exact; max·k/stairs may be rounded in either order (an ulp or two).
                return (max * k / stairs, 1e-15 * max);
            }

            default:
                throw new InvalidOperationException(Kind.ToString());
        }
    }

    /// <summary>The C# expression that builds the schedule (for failure messages).</summary>
    public override string ToString()
    {
        string steps = Steps?.ToString(CultureInfo.InvariantCulture) ?? "";
        var args = new List<string>();
        if (Kind != ScheduleKind.Constant && Kind != ScheduleKind.Delayed && Steps is not null)
            args.Add(steps);
        if (Kind == ScheduleKind.Staircase && Stairs is not null)
            args.Add("stairs: " + Stairs.Value.ToString(CultureInfo.InvariantCulture));
        if (Max is double m)
            args.Add((Kind == ScheduleKind.Constant ? "" : "max: ") + R(m));
        if (Kind == ScheduleKind.Exponential && Start is double s)
            args.Add("start: " + R(s));
        return Kind == ScheduleKind.Delayed
            ? ViaWarmup
                ? $"{Inner}.WithWarmup({Delay})"
                : $"RegFactor.Delayed({Inner}, {Delay})"
            : $"RegFactor.{Kind}({string.Join(", ", args)})";
    }

    public static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>FsCheck generators of valid schedule configurations and step counts.</summary>
public static class ScheduleGens
{
    private const int UnitSteps = 1 << 30;

    /// <summary>Uniform on [0, 1] in steps of 2⁻³⁰.</summary>
    public static Gen<double> Unit { get; } = Gen.Choose(0, UnitSteps).Select(i => i / (double)UnitSteps);

    public static Gen<double> Uniform(double lo, double hi) => Unit.Select(u => lo + (hi - lo) * u);

    public static Gen<double> LogUniform(double lo10, double hi10) => Unit.Select(u => Math.Pow(10, lo10 + (hi10 - lo10) * u));

    /// <summary>A long in [0, 2⁶²).</summary>
    public static Gen<long> AnyLong { get; } =
        from hi in Gen.Choose(0, int.MaxValue)
        from lo in Gen.Choose(0, int.MaxValue)
        select ((long)hi << 31) | (long)lo;

    /// <summary>steps in 1..5000: mostly small, the ends 1, 2 and 5000 often.</summary>
    public static Gen<long> Steps { get; } = Gen.Frequency(
        (3, Gen.Choose(1, 20)),
        (5, Gen.Choose(1, 5000)),
        (1, Gen.Elements(1, 2, 5000)))
        .Select(s => (long)s);

    /// <summary>max in [0, 10]: 0, round values, uniform, and tiny (down to 1e-280).</summary>
    public static Gen<double> MaxValue { get; } = Gen.Frequency(
        (1, Gen.Constant(0.0)),
        (2, Gen.Elements(1.0, 10.0, 0.5, 0.1, 1e-3)),
        (5, Uniform(0, 10)),
        (1, LogUniform(-280, 1)));

    /// <summary>max in (0, 10] for the exponential ramp.</summary>
    public static Gen<double> PositiveMax { get; } = Gen.Frequency(
        (2, Gen.Elements(1.0, 10.0, 0.5, 0.1, 1e-3)),
        (5, Uniform(0, 10).Where(m => m > 0)),
        (1, LogUniform(-280, 1)));

    /// <summary>Optional max (null: the factory's default, 1).</summary>
    public static Gen<double?> OptionalMax(Gen<double> max) =>
        Gen.Frequency((1, Gen.Constant<double?>(null)), (4, max.Select(m => (double?)m)));

    /// <summary>Exponential start in (0, max]: the default, exactly max, or max·u for u from 1e-12 to 0.999.</summary>
    public static Gen<double?> Start(double max) => Gen.Frequency(
        (2, Gen.Constant<double?>(null)),
        (1, Gen.Constant<double?>(max)),
        (5, LogUniform(-12, Math.Log10(0.999)).Select(u => (double?)(max * u))));

    public static Gen<int?> Stairs { get; } = Gen.Frequency(
        (1, Gen.Constant<int?>(null)),
        (3, Gen.Choose(1, 10).Select(s => (int?)s)),
        (3, Gen.Choose(1, 50).Select(s => (int?)s)));

    public static Gen<long> Delay { get; } = Gen.Frequency(
        (1, Gen.Constant(0)),
        (3, Gen.Choose(0, 20)),
        (3, Gen.Choose(0, 1000)))
        .Select(d => (long)d);

    public static Gen<ScheduleConfig> Linear { get; } =
        from steps in Steps
        from max in OptionalMax(MaxValue)
        select new ScheduleConfig(ScheduleKind.Linear, steps, max);

    public static Gen<ScheduleConfig> EdlAnnealing { get; } =
        from steps in Gen.Frequency((1, Gen.Constant<long?>(null)), (3, Steps.Select(s => (long?)s)))
        from max in OptionalMax(MaxValue)
        select new ScheduleConfig(ScheduleKind.EdlAnnealing, steps, max);

    public static Gen<ScheduleConfig> Cosine { get; } =
        from steps in Steps
        from max in OptionalMax(MaxValue)
        select new ScheduleConfig(ScheduleKind.Cosine, steps, max);

    public static Gen<ScheduleConfig> Exponential { get; } =
        from steps in Steps
        from max in OptionalMax(PositiveMax)
        from start in Start(max ?? 1.0)
        select new ScheduleConfig(ScheduleKind.Exponential, steps, max, Start: start);

    public static Gen<ScheduleConfig> Staircase { get; } =
        from steps in Steps
        from stairs in Stairs
        from max in OptionalMax(MaxValue)
        select new ScheduleConfig(ScheduleKind.Staircase, steps, max, stairs);

    public static Gen<ScheduleConfig> Constant { get; } =
        MaxValue.Select(v => new ScheduleConfig(ScheduleKind.Constant, Max: v));

    /// <summary>Every undelayed kind, equally often.</summary>
    public static Gen<ScheduleConfig> Undelayed { get; } = Gen.OneOf(Linear, EdlAnnealing, Cosine, Exponential, Staircase, Constant);

    /// <summary>Delayed (or WithWarmup) around any kind, sometimes twice.</summary>
    public static Gen<ScheduleConfig> Delayed { get; } =
        from inner in Gen.Frequency((4, Undelayed), (1, Undelayed.SelectMany(Wrap)))
        from outer in Wrap(inner)
        select outer;

    private static Gen<ScheduleConfig> Wrap(ScheduleConfig inner) =>
        from delay in Delay
        from viaWarmup in Gen.Elements(false, true)
        select new ScheduleConfig(ScheduleKind.Delayed, Delay: delay, ViaWarmup: viaWarmup, Inner: inner);

    /// <summary>Every kind: each undelayed kind and Delayed equally often.</summary>
    public static Gen<ScheduleConfig> Any { get; } = Gen.OneOf(Linear, EdlAnnealing, Cosine, Exponential, Staircase, Constant, Delayed);

    /// <summary>Every kind but Constant (Delayed around a constant is a ramp: a step from 0 to the constant).</summary>
    public static Gen<ScheduleConfig> Ramps { get; } = Gen.OneOf(Linear, EdlAnnealing, Cosine, Exponential, Staircase, Delayed);

    /// <summary>Step counts at or beyond <paramref name="reach"/>: a few steps later, far later, and up to long.MaxValue.</summary>
    public static long[] LateSteps(long reach, long random) =>
        new[]
        {
            reach, reach + 1, reach + 2, reach + 3, reach + 100, reach + 12_345,
            reach + random, Math.Max(reach, long.MaxValue / 2), long.MaxValue - 1, long.MaxValue,
        };
}

/// <summary>Property verdicts with a failure label.</summary>
public static class ScheduleProps
{
    public static Property Outcome(string? failure) => failure is null ? Prop.ToProperty(true) : Prop.Label(false, failure);
}
