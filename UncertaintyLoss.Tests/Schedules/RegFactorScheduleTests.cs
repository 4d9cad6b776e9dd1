using System.Numerics;

namespace UncertaintyLoss.Tests.Schedules;

/// <summary>
/// The built-in schedules of <see cref="RegFactor"/>: bounds, monotonicity, exactly reaching the maximum, the closed
/// forms, the hand-written ramp they replace, and <see cref="IRegFactorSchedule.Step"/>/<see cref="IRegFactorSchedule.Reset"/>.
/// Property tests run over random valid configurations (FsCheck, fixed seeds); see <see cref="ScheduleGens"/>.
/// </summary>
[TestFixture]
public class RegFactorScheduleTests
{
    private static Arbitrary<(ScheduleConfig Config, long Random)> WithRandomStep(Gen<ScheduleConfig> configs) =>
        (from config in configs
         from random in ScheduleGens.AnyLong
         select (config, random)).ToArbitrary();

    /// <summary>Every step 0..reach+10, then the late steps in increasing order.</summary>
    private static IEnumerable<long> StepsToCheck(ScheduleConfig config, long random)
    {
        long reach = config.ReachStep;
        for (long t = 0; t <= reach + 10; t++)
            yield return t;
        foreach (long t in ScheduleGens.LateSteps(reach, random).Where(t => t > reach + 10).Distinct().Order())
            yield return t;
    }

    private static string At(ScheduleConfig config, long t, double v) => $"{config}.ValueAt({t}) = {ScheduleConfig.R(v)}";

    // ---------------------------------------------------------------- bounds

    /// <summary>ValueAt(t) ∈ [0, max] at every step from 0 to far beyond the ramp, and Value ∈ [0, max] while stepping.</summary>
    [SeededProperty(MaxTest = 300, Seed = "(583201,220459)", QuietOnSuccess = true)]
    public Property ValueAt_AnyValidConfiguration_BoundedInZeroToMax() =>
        Prop.ForAll(WithRandomStep(ScheduleGens.Any), x =>
        {
            var (config, random) = x;
            var schedule = config.Build();
            double max = config.Maximum;
            foreach (long t in StepsToCheck(config, random))
            {
                double v = schedule.ValueAt(t);
                if (!(v >= 0 && v <= max))
                    return ScheduleProps.Outcome($"{At(config, t, v)} outside [0, {ScheduleConfig.R(max)}]");
            }

            IRegFactorSchedule stepped = schedule;
            for (long k = 0; k <= config.ReachStep + 10; k++)
            {
                double v = k == 0 ? stepped.Value : stepped.Step();
                if (!(v >= 0 && v <= max && stepped.Value >= 0))
                    return ScheduleProps.Outcome($"{config}: Value after {k} steps = {ScheduleConfig.R(v)} outside [0, {ScheduleConfig.R(max)}]");
            }

            return ScheduleProps.Outcome(null);
        });

    // ---------------------------------------------------------------- monotonicity

    /// <summary>Every ramp (Linear, EdlAnnealing, Cosine, Exponential, Staircase, Delayed) is non-decreasing from step 0 to long.MaxValue.</summary>
    [SeededProperty(MaxTest = 300, Seed = "(119737,904311)", QuietOnSuccess = true)]
    public Property ValueAt_Ramps_MonotoneNonDecreasing() =>
        Prop.ForAll(WithRandomStep(ScheduleGens.Ramps), x =>
        {
            var (config, random) = x;
            var schedule = config.Build();
            long previousStep = -1;
            double previous = double.NegativeInfinity;
            foreach (long t in StepsToCheck(config, random))
            {
                double v = schedule.ValueAt(t);
                if (!(v >= previous))
                    return ScheduleProps.Outcome($"{At(config, t, v)} < ValueAt({previousStep}) = {ScheduleConfig.R(previous)}");
                previous = v;
                previousStep = t;
            }

            return ScheduleProps.Outcome(null);
        });

    /// <summary>A constant schedule has exactly its value at every step, stepped or looked up.</summary>
    [SeededProperty(MaxTest = 100, Seed = "(700001,31337)", QuietOnSuccess = true)]
    public Property ValueAt_Constant_SameValueAtEveryStep() =>
        Prop.ForAll(WithRandomStep(ScheduleGens.Constant), x =>
        {
            var (config, random) = x;
            var schedule = config.Build();
            double value = config.Max!.Value;
            foreach (long t in StepsToCheck(config, random).Concat(Enumerable.Range(0, 200).Select(i => (long)i)))
            {
                double v = schedule.ValueAt(t);
                if (v != value)
                    return ScheduleProps.Outcome($"{At(config, t, v)}, expected {ScheduleConfig.R(value)}");
            }

            for (int k = 1; k <= 50; k++)
            {
                if (schedule.Step() != value || schedule.Value != value)
                    return ScheduleProps.Outcome($"{config}: Value after {k} steps = {ScheduleConfig.R(schedule.Value)}, expected {ScheduleConfig.R(value)}");
            }

            return ScheduleProps.Outcome(null);
        });

    // ---------------------------------------------------------------- reaching the maximum

    /// <summary>
    /// ValueAt(steps) == max exactly (ValueAt(delay + steps) for Delayed), and exactly max at every later step up to
    /// long.MaxValue; stepping the schedule there gives Value == max too.
    /// </summary>
    [SeededProperty(MaxTest = 300, Seed = "(424243,77777)", QuietOnSuccess = true)]
    public Property ValueAt_Ramps_ExactlyMaxFromConfiguredStepOn() =>
        Prop.ForAll(WithRandomStep(ScheduleGens.Ramps), x =>
        {
            var (config, random) = x;
            var schedule = config.Build();
            double max = config.Maximum;
            long reach = config.ReachStep;
            foreach (long t in ScheduleGens.LateSteps(reach, random))
            {
                double v = schedule.ValueAt(t);
                if (v != max)
                    return ScheduleProps.Outcome($"{At(config, t, v)}, expected exactly max = {ScheduleConfig.R(max)} from step {reach} on");
            }

            for (long k = 0; k < reach; k++)
                schedule.Step();
            for (int k = 0; k <= 3; k++)
            {
                if (schedule.Value != max)
                    return ScheduleProps.Outcome($"{config}: Value after {schedule.StepCount} steps = {ScheduleConfig.R(schedule.Value)}, expected exactly {ScheduleConfig.R(max)}");
                schedule.Step();
            }

            return ScheduleProps.Outcome(null);
        });

    /// <summary>
    /// With max &gt; 0, every step before the configured one is strictly below max: Linear, EdlAnnealing, Cosine,
    /// Exponential (start &lt; max), Staircase, and Delayed around them (and around a constant).
    /// </summary>
    [SeededProperty(MaxTest = 300, Seed = "(310063,155555)", QuietOnSuccess = true)]
    public Property ValueAt_RampsWithPositiveMax_StrictlyBelowMaxBeforeConfiguredStep() =>
        Prop.ForAll(WithRandomStep(ScheduleGens.Ramps.Where(c => c.StrictlyBelowMaximumBeforeReach && c.ReachStep > 0)), x =>
        {
            var (config, _) = x;
            var schedule = config.Build();
            double max = config.Maximum;
            for (long t = 0; t < config.ReachStep; t++)
            {
                double v = schedule.ValueAt(t);
                if (!(v < max))
                    return ScheduleProps.Outcome($"{At(config, t, v)}: not below max = {ScheduleConfig.R(max)} before step {config.ReachStep}");
            }

            return ScheduleProps.Outcome(null);
        });

    /// <summary>
    /// At step 0 λ is exactly 0 for Linear, EdlAnnealing, Cosine, Staircase and any positive delay, the value for a
    /// constant, and start (within an ulp or two of max·(start/max)) for Exponential.
    /// </summary>
    [SeededProperty(MaxTest = 200, Seed = "(8675309,4242421)", QuietOnSuccess = true)]
    public Property ValueAt_StepZero_ZeroExceptExponentialStartOrConstant() =>
        Prop.ForAll(ScheduleGens.Any.ToArbitrary(), config =>
        {
            double v = config.Build().ValueAt(0);
            var first = config;
            while (first.Kind == ScheduleKind.Delayed && first.Delay == 0)
                first = first.Inner!;
            bool ok = first.Kind switch
            {
                ScheduleKind.Exponential => v > 0 && Math.Abs(v - first.StartValue) <= 1e-15 * first.StartValue,
                ScheduleKind.Constant => v == first.Maximum,
                _ => v == 0,
            };
            return ScheduleProps.Outcome(ok ? null : $"{At(config, 0, v)}");
        });

    // ---------------------------------------------------------------- closed forms

    /// <summary>
    /// ValueAt(t) equals the test's own closed form (<see cref="ScheduleConfig.Reference"/>) at every step: exactly for
    /// Constant, the delay, everything from the configured step on, and Linear/EdlAnnealing/Staircase with max 1
    /// (t/steps, ⌊stairs·t/steps⌋/stairs with the floor in BigInteger); within a few ulp of max·t/steps,
    /// max·⌊stairs·t/steps⌋/stairs, max·sin²(πt/2steps) and exp((1−t/steps)·ln start + t/steps·ln max) otherwise.
    /// </summary>
    [SeededProperty(MaxTest = 300, Seed = "(271829,314159)", QuietOnSuccess = true)]
    public Property ValueAt_AnyValidConfiguration_MatchesClosedForm() =>
        Prop.ForAll(WithRandomStep(ScheduleGens.Any), x =>
        {
            var (config, random) = x;
            var schedule = config.Build();
            foreach (long t in StepsToCheck(config, random))
            {
                double v = schedule.ValueAt(t);
                var (expected, tolerance) = config.Reference(t);
                if (config.Maximum == 1 && config.Kind is ScheduleKind.Linear or ScheduleKind.EdlAnnealing or ScheduleKind.Staircase)
                    tolerance = 0;
                if (!(Math.Abs(v - expected) <= tolerance))
                    return ScheduleProps.Outcome($"{At(config, t, v)}, reference {ScheduleConfig.R(expected)} (tolerance {ScheduleConfig.R(tolerance)})");
            }

            return ScheduleProps.Outcome(null);
        });

    /// <summary>The EDL paper's schedule min(1, epoch/10): exactly 0, 0.1, 0.2, …, 0.9, then 1 for ever.</summary>
    [Test]
    public void EdlAnnealing_Default_IsMinOfOneAndEpochOverTen()
    {
        var schedule = RegFactor.EdlAnnealing();
        double[] expected = { 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1, 1 };
        var stepped = new List<double> { schedule.Value };
        for (int epoch = 1; epoch < expected.Length; epoch++)
            stepped.Add(schedule.Step());
        Assert.That(stepped, Is.EqualTo(expected));
        for (long epoch = 0; epoch <= 1000; epoch++)
            Assert.That(schedule.ValueAt(epoch), Is.EqualTo(Math.Min(1.0, epoch / 10.0)), $"epoch {epoch}");
        Assert.That(schedule.ValueAt(long.MaxValue), Is.EqualTo(1.0));
    }

    /// <summary>The staircase's ⌊stairs·t/steps⌋ is exact even where stairs·t overflows a long (steps near long.MaxValue).</summary>
    [TestCase(long.MaxValue, 50)]
    [TestCase(long.MaxValue, 1)]
    [TestCase(long.MaxValue - 1, 7)]
    [TestCase(4_611_686_018_427_387_904L, 37)] // 2⁶²
    [TestCase(1_000_000_007L, 50)]
    public void ValueAt_StaircaseWithHugeSteps_ExactFloorAtEveryStairEdge(long steps, int stairs)
    {
        const double max = 3.0;
        var schedule = RegFactor.Staircase(steps, stairs, max);
        var n = new BigInteger(steps);
        for (int k = 1; k <= stairs; k++)
        {
            // The first step of stair k: ⌈k·steps/stairs⌉.
            var edge = (k * n + stairs - 1) / stairs;
            foreach (var t in new[] { edge - 1, edge })
            {
                long step = (long)t;
                long stair = (long)(t * stairs / n);
                double expected = step >= steps ? max : max * stair / stairs;
                Assert.That(schedule.ValueAt(step), Is.EqualTo(expected).Within(1e-15 * max), $"step {step} (stair edge {k})");
            }
        }

        Assert.That(schedule.ValueAt(steps), Is.EqualTo(max));
        Assert.That(schedule.ValueAt(steps - 1), Is.LessThan(max));
    }

    /// <summary>With steps = long.MaxValue every ramp stays bounded, non-decreasing, and reaches max exactly at long.MaxValue.</summary>
    [TestCaseSource(nameof(HugeStepSchedules))]
    public void ValueAt_HugeSteps_BoundedMonotoneAndExactMaxAtEnd(string name, RegFactorSchedule schedule, double max)
    {
        long[] steps = { 0, 1, 2, 1L << 20, 1L << 40, 1L << 52, 1L << 53, long.MaxValue / 2, long.MaxValue - 1024, long.MaxValue - 1, long.MaxValue };
        double previous = double.NegativeInfinity;
        foreach (long t in steps)
        {
            double v = schedule.ValueAt(t);
            Assert.That(v, Is.InRange(0.0, max), $"{name}.ValueAt({t})");
            Assert.That(v, Is.GreaterThanOrEqualTo(previous), $"{name}.ValueAt({t}) decreased");
            previous = v;
        }

        Assert.That(schedule.ValueAt(long.MaxValue), Is.EqualTo(max), name);
    }

    private static IEnumerable<TestCaseData> HugeStepSchedules()
    {
        yield return new TestCaseData("Linear", RegFactor.Linear(long.MaxValue, 2.5), 2.5).SetArgDisplayNames("Linear");
        yield return new TestCaseData("EdlAnnealing", RegFactor.EdlAnnealing(long.MaxValue), 1.0).SetArgDisplayNames("EdlAnnealing");
        yield return new TestCaseData("Cosine", RegFactor.Cosine(long.MaxValue, 2.5), 2.5).SetArgDisplayNames("Cosine");
        yield return new TestCaseData("Exponential", RegFactor.Exponential(long.MaxValue, 2.5, 1e-9), 2.5).SetArgDisplayNames("Exponential");
        yield return new TestCaseData("Staircase", RegFactor.Staircase(long.MaxValue, 50, 2.5), 2.5).SetArgDisplayNames("Staircase");
        yield return new TestCaseData("Delayed", RegFactor.Delayed(RegFactor.Linear(1000, 2.5), long.MaxValue - 1000), 2.5).SetArgDisplayNames("Delayed");
    }

    /// <summary>
    /// The documented bound λ ∈ [0, max] holds for every finite max the factories accept, including double.MaxValue
    /// (values are computed without an intermediate that can overflow).
    /// </summary>
    [TestCaseSource(nameof(MaxValueSchedules))]
    public void ValueAt_MaxIsDoubleMaxValue_StaysWithinZeroToMax(string name, RegFactorSchedule schedule)
    {
        for (long t = 0; t <= 12; t++)
        {
            double v = schedule.ValueAt(t);
            Assert.That(v, Is.InRange(0.0, double.MaxValue), $"{name}.ValueAt({t})");
        }

        Assert.That(schedule.ValueAt(10), Is.EqualTo(double.MaxValue), name);
    }

    private static IEnumerable<TestCaseData> MaxValueSchedules()
    {
        yield return new TestCaseData("Linear", RegFactor.Linear(10, double.MaxValue)).SetArgDisplayNames("Linear");
        yield return new TestCaseData("Cosine", RegFactor.Cosine(10, double.MaxValue)).SetArgDisplayNames("Cosine");
        yield return new TestCaseData("Exponential", RegFactor.Exponential(10, double.MaxValue)).SetArgDisplayNames("Exponential");
        yield return new TestCaseData("Staircase", RegFactor.Staircase(10, 10, double.MaxValue)).SetArgDisplayNames("Staircase");
        yield return new TestCaseData("Delayed", RegFactor.Linear(5, double.MaxValue).WithWarmup(5)).SetArgDisplayNames("Delayed");
    }

    // ---------------------------------------------------------------- the hand-written ramp

    /// <summary>
    /// The seed's hand-written ramp (use reg, then reg = min(reg + 1/regSteps, 1)) and RegFactor.Linear(regSteps) give
    /// the same sequence within 1e-12 (the hand-written one accumulates rounding), and Linear is exactly 1 from step
    /// regSteps on.
    /// </summary>
    [SeededProperty(MaxTest = 200, Seed = "(99991,123457)", QuietOnSuccess = true)]
    public Property Step_LinearVersusHandWrittenRamp_SameSequenceAndExactlyOneAtRegSteps() =>
        Prop.ForAll(Gen.Choose(1, 5000).ToArbitrary(), regSteps => ScheduleProps.Outcome(CompareWithHandWrittenRamp(regSteps)));

    /// <summary>The same comparison for every regSteps in 1..5000.</summary>
    [Test]
    public void Step_LinearVersusHandWrittenRamp_AllRegStepsUpTo5000()
    {
        for (int regSteps = 1; regSteps <= 5000; regSteps++)
        {
            string? failure = CompareWithHandWrittenRamp(regSteps);
            if (failure is not null)
                Assert.Fail(failure);
        }
    }

    private static string? CompareWithHandWrittenRamp(int regSteps)
    {
        IRegFactorSchedule schedule = RegFactor.Linear(regSteps);
        double reg = 0;
        double worst = 0;
        for (int step = 0; step <= regSteps + 5; step++)
        {
            double scheduled = schedule.Value;
            double diff = Math.Abs(scheduled - reg);
            worst = Math.Max(worst, diff);
            if (!(diff <= 1e-12))
                return $"regSteps {regSteps}, step {step}: Linear {ScheduleConfig.R(scheduled)}, hand-written {ScheduleConfig.R(reg)}";
            if (step >= regSteps && scheduled != 1.0)
                return $"regSteps {regSteps}: Linear at step {step} = {ScheduleConfig.R(scheduled)}, expected exactly 1";
            if (step < regSteps && !(scheduled < 1.0))
                return $"regSteps {regSteps}: Linear at step {step} = {ScheduleConfig.R(scheduled)}, expected below 1";

            // The training step would use reg / scheduled here.
            reg = Math.Min(reg + 1.0 / regSteps, 1);
            schedule.Step();
        }

        return null;
    }

    // ---------------------------------------------------------------- Step and Reset

    /// <summary>
    /// Through the interface: Step() increments StepCount and returns the new Value, which is ValueAt(StepCount);
    /// Reset() returns to step 0 with Value == ValueAt(0), and stepping again repeats the same values.
    /// </summary>
    [SeededProperty(MaxTest = 200, Seed = "(13579,24681)", QuietOnSuccess = true)]
    public Property Step_AnyValidConfiguration_ReturnsNewValueAndCountsSteps() =>
        Prop.ForAll(
            (from config in ScheduleGens.Any
             from k in Gen.Frequency((2, Gen.Choose(0, 30)), (1, Gen.Choose(0, 3000)))
             select (config, k)).ToArbitrary(),
            x =>
            {
                var (config, k) = x;
                var concrete = config.Build();
                IRegFactorSchedule schedule = concrete;
                if (schedule.StepCount != 0 || schedule.Value != concrete.ValueAt(0))
                    return ScheduleProps.Outcome($"{config}: new schedule at step {schedule.StepCount}, Value {ScheduleConfig.R(schedule.Value)}");
                var first = new double[k + 1];
                first[0] = schedule.Value;
                for (int i = 1; i <= k; i++)
                {
                    double returned = schedule.Step();
                    first[i] = returned;
                    if (schedule.StepCount != i || returned != schedule.Value || returned != concrete.ValueAt(i))
                        return ScheduleProps.Outcome($"{config}: Step() #{i} returned {ScheduleConfig.R(returned)}, StepCount {schedule.StepCount}, Value {ScheduleConfig.R(schedule.Value)}, ValueAt({i}) {ScheduleConfig.R(concrete.ValueAt(i))}");
                }

                schedule.Reset();
                if (schedule.StepCount != 0 || schedule.Value != concrete.ValueAt(0))
                    return ScheduleProps.Outcome($"{config}: after Reset() StepCount {schedule.StepCount}, Value {ScheduleConfig.R(schedule.Value)}, ValueAt(0) {ScheduleConfig.R(concrete.ValueAt(0))}");
                for (int i = 1; i <= k; i++)
                {
                    if (schedule.Step() != first[i])
                        return ScheduleProps.Outcome($"{config}: after Reset() step {i} gives {ScheduleConfig.R(schedule.Value)}, first time {ScheduleConfig.R(first[i])}");
                }

                return ScheduleProps.Outcome(null);
            });

    /// <summary>At long.MaxValue steps, Step() keeps StepCount at long.MaxValue (no overflow to a negative count) and returns max.</summary>
    [Test]
    public void Step_AtLongMaxValue_SaturatesAtMax()
    {
        var schedule = RegFactor.Cosine(100, 0.75);
        schedule.Restore(new RegFactorState(schedule.Description, long.MaxValue - 1));
        Assert.That(schedule.Step(), Is.EqualTo(0.75));
        Assert.That(schedule.StepCount, Is.EqualTo(long.MaxValue));
        Assert.That(schedule.Step(), Is.EqualTo(0.75));
        Assert.That(schedule.StepCount, Is.EqualTo(long.MaxValue));
    }

    // ---------------------------------------------------------------- Delayed

    /// <summary>Delayed uses only its own step count: the inner schedule's steps neither matter nor change.</summary>
    [Test]
    public void Step_DelayedSchedule_IgnoresAndLeavesInnerStepCount()
    {
        var inner = RegFactor.Linear(4);
        for (int i = 0; i < 3; i++)
            inner.Step();
        var delayed = inner.WithWarmup(2);
        double[] values = { delayed.Value, delayed.Step(), delayed.Step(), delayed.Step(), delayed.Step(), delayed.Step(), delayed.Step(), delayed.Step() };
        Assert.That(values, Is.EqualTo(new[] { 0, 0, 0, 0.25, 0.5, 0.75, 1, 1 }));
        Assert.That(inner.StepCount, Is.EqualTo(3));
        Assert.That(inner.Value, Is.EqualTo(0.75));
    }

    /// <summary>A delay near long.MaxValue does not overflow: 0 before it, the inner ramp after it.</summary>
    [Test]
    public void ValueAt_DelayNearLongMaxValue_NoOverflow()
    {
        var delayed = RegFactor.Delayed(RegFactor.Linear(10), long.MaxValue - 5);
        Assert.That(delayed.ValueAt(long.MaxValue - 6), Is.Zero);
        Assert.That(delayed.ValueAt(long.MaxValue - 5), Is.Zero);
        Assert.That(delayed.ValueAt(long.MaxValue), Is.EqualTo(0.5));
    }

    // ---------------------------------------------------------------- descriptions

    /// <summary>The descriptions stored in checkpoints: a fixed, culture-independent text per configuration.</summary>
    [TestCaseSource(nameof(Descriptions))]
    public void Description_EveryFactory_IsStableCheckpointText(RegFactorSchedule schedule, string expected) =>
        Assert.That(schedule.Description, Is.EqualTo(expected));

    private static IEnumerable<TestCaseData> Descriptions()
    {
        yield return new TestCaseData(RegFactor.Linear(1000), "Linear(steps=1000, max=1)").SetArgDisplayNames("Linear(steps=1000, max=1)");
        yield return new TestCaseData(RegFactor.Linear(3, 0.1), "Linear(steps=3, max=0.1)").SetArgDisplayNames("Linear(steps=3, max=0.1)");
        yield return new TestCaseData(RegFactor.EdlAnnealing(), "EdlAnnealing(steps=10, max=1)").SetArgDisplayNames("EdlAnnealing(steps=10, max=1)");
        yield return new TestCaseData(RegFactor.Cosine(5, 2.5), "Cosine(steps=5, max=2.5)").SetArgDisplayNames("Cosine(steps=5, max=2.5)");
        yield return new TestCaseData(RegFactor.Exponential(100), "Exponential(steps=100, max=1, start=0.01)").SetArgDisplayNames("Exponential(steps=100, max=1, start=0.01)");
        yield return new TestCaseData(RegFactor.Exponential(100, 2, 1e-5), "Exponential(steps=100, max=2, start=1E-05)").SetArgDisplayNames("Exponential(steps=100, max=2, start=1E-05)");
        yield return new TestCaseData(RegFactor.Staircase(100), "Staircase(steps=100, stairs=10, max=1)").SetArgDisplayNames("Staircase(steps=100, stairs=10, max=1)");
        yield return new TestCaseData(RegFactor.Constant(0.5), "Constant(0.5)").SetArgDisplayNames("Constant(0.5)");
        yield return new TestCaseData(RegFactor.Delayed(RegFactor.Linear(10), 5), "Delayed(Linear(steps=10, max=1), delay=5)").SetArgDisplayNames("Delayed(Linear(steps=10, max=1), delay=5)");
        yield return new TestCaseData(RegFactor.Cosine(7).WithWarmup(0), "Delayed(Cosine(steps=7, max=1), delay=0)").SetArgDisplayNames("Delayed(Cosine(steps=7, max=1), delay=0)");
    }

    /// <summary>ToString shows the configuration, the step and the round-trip value.</summary>
    [Test]
    public void ToString_AfterOneStep_ShowsDescriptionStepAndValue()
    {
        var schedule = RegFactor.Linear(4);
        schedule.Step();
        Assert.That(schedule.ToString(), Is.EqualTo("Linear(steps=4, max=1) at step 1: 0.25"));
    }
}
