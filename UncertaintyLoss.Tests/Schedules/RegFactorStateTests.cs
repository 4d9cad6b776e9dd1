namespace UncertaintyLoss.Tests.Schedules;

/// <summary>
/// Saving and restoring schedules: <see cref="IRegFactorSchedule.GetState"/>, <see cref="IRegFactorSchedule.Restore"/>,
/// and the JSON form of <see cref="RegFactorState"/>.
/// </summary>
[TestFixture]
public class RegFactorStateTests
{
    /// <summary>
    /// Run k steps, save, round-trip the state through JSON, restore into a freshly constructed schedule of the same
    /// configuration (and into one that had already stepped elsewhere): all continue with identical values for m more steps.
    /// </summary>
    [SeededProperty(MaxTest = 300, Seed = "(600011,818181)", QuietOnSuccess = true)]
    public Property Restore_JsonRoundTripIntoFreshSchedule_ContinuesIdentically() =>
        Prop.ForAll(
            (from config in ScheduleGens.Any
             from k in Gen.Frequency((3, Gen.Choose(0, 40)), (2, Gen.Choose(0, 7000)))
             from m in Gen.Choose(1, 300)
             from elsewhere in Gen.Choose(0, 500)
             select (config, k, m, elsewhere)).ToArbitrary(),
            x =>
            {
                var (config, k, m, elsewhere) = x;
                IRegFactorSchedule original = config.Build();
                for (int i = 0; i < k; i++)
                    original.Step();
                var state = original.GetState();
                if (state.StepCount != k || state.Schedule != ((RegFactorSchedule)original).Description)
                    return ScheduleProps.Outcome($"{config}: GetState() after {k} steps = {state}");

                string json = state.ToJson();
                var read = RegFactorState.FromJson(json);
                if (read != state)
                    return ScheduleProps.Outcome($"{config}: {json} reads back as {read}, saved {state}");

                IRegFactorSchedule fresh = config.Build();
                fresh.Restore(read);
                IRegFactorSchedule moved = config.Build();
                for (int i = 0; i < elsewhere; i++)
                    moved.Step();
                moved.Restore(RegFactorState.FromJson(json));
                foreach (var restored in new[] { fresh, moved })
                {
                    if (restored.StepCount != k || restored.Value != original.Value)
                        return ScheduleProps.Outcome($"{config}: restored at step {restored.StepCount} with Value {ScheduleConfig.R(restored.Value)}, saved at {k} with {ScheduleConfig.R(original.Value)}");
                }

                for (int i = 1; i <= m; i++)
                {
                    double expected = original.Step();
                    double a = fresh.Step(), b = moved.Step();
                    if (a != expected || b != expected || fresh.StepCount != original.StepCount || moved.StepCount != original.StepCount)
                        return ScheduleProps.Outcome($"{config}: {i} steps after restoring at {k}: original {ScheduleConfig.R(expected)}, restored {ScheduleConfig.R(a)} and {ScheduleConfig.R(b)}");
                }

                return ScheduleProps.Outcome(null);
            });

    /// <summary>
    /// Restoring succeeds exactly when the two configurations are the same schedule (defaults written out or left
    /// out, Delayed or WithWarmup); otherwise it throws ArgumentException and leaves the schedule where it was.
    /// Other configurations are random ones, one-parameter changes (down to the next double), and Linear ↔ EdlAnnealing.
    /// </summary>
    [SeededProperty(MaxTest = 400, Seed = "(737373,191919)", QuietOnSuccess = true)]
    public Property Restore_StateOfOtherConfiguration_ThrowsIffConfigurationsDiffer() =>
        Prop.ForAll(
            (from a in ScheduleGens.Any
             from b in Gen.Frequency(
                 (2, ScheduleGens.Any),
                 (3, Mutations(a)),
                 (2, Gen.Constant(a.Normalized())),
                 (1, Gen.Constant(a)))
             from k in Gen.Choose(0, 50)
             select (a, b, k)).ToArbitrary(),
            x =>
            {
                var (a, b, k) = x;
                var source = a.Build();
                for (int i = 0; i < k; i++)
                    source.Step();
                var target = b.Build();
                target.Step();
                bool same = a.Normalized() == b.Normalized();
                try
                {
                    target.Restore(source.GetState());
                }
                catch (ArgumentException e) when (e.GetType() == typeof(ArgumentException))
                {
                    if (same)
                        return ScheduleProps.Outcome($"restoring {a} into the same schedule {b} threw {e.Message}");
                    if (e.ParamName != "state" || target.StepCount != 1)
                        return ScheduleProps.Outcome($"restoring {a} into {b}: ParamName {e.ParamName}, StepCount {target.StepCount} (expected \"state\", 1)");
                    return ScheduleProps.Outcome(null);
                }

                return ScheduleProps.Outcome(same
                    ? target.StepCount == k && target.Value == source.Value ? null : $"restored {a} into {b}: StepCount {target.StepCount}, expected {k}"
                    : $"restoring {a} (\"{source.Description}\") into {b} (\"{target.Description}\") did not throw");
            });

    /// <summary>One parameter changed: steps ±1, max or start to the adjacent double, stairs ±1, delay ±1, or Linear ↔ EdlAnnealing.</summary>
    private static Gen<ScheduleConfig> Mutations(ScheduleConfig c)
    {
        var options = new List<ScheduleConfig>();
        switch (c.Kind)
        {
            case ScheduleKind.Delayed:
                options.Add(c with { Delay = c.Delay + 1 });
                if (c.Delay > 0)
                    options.Add(c with { Delay = c.Delay - 1 });
                options.Add(c.Inner!);
                foreach (var inner in InnerMutations(c.Inner!))
                    options.Add(c with { Inner = inner });
                break;
            default:
                options.AddRange(InnerMutations(c));
                break;
        }

        return Gen.Elements(options.ToArray());
    }

    private static IEnumerable<ScheduleConfig> InnerMutations(ScheduleConfig c)
    {
        switch (c.Kind)
        {
            case ScheduleKind.Delayed:
                yield return c with { Delay = c.Delay + 1 };
                yield break;
            case ScheduleKind.Constant:
                yield return c with { Max = Math.BitIncrement(c.Max!.Value) };
                yield break;
        }

        yield return c with { Steps = c.RampSteps + 1 };
        if (c.RampSteps > 1)
            yield return c with { Steps = c.RampSteps - 1 };
        yield return c.Kind == ScheduleKind.Exponential
            ? c with { Max = Math.BitIncrement(c.Maximum), Start = c.StartValue }
            : c with { Max = Math.BitIncrement(c.Maximum) };
        if (c.Kind == ScheduleKind.Exponential && Math.BitDecrement(c.StartValue) > 0)
            yield return c with { Start = Math.BitDecrement(c.StartValue) };
        if (c.Kind == ScheduleKind.Staircase)
            yield return c with { Stairs = c.StairCount + 1 };
        if (c.Kind == ScheduleKind.Linear)
            yield return c with { Kind = ScheduleKind.EdlAnnealing };
        if (c.Kind == ScheduleKind.EdlAnnealing)
            yield return c with { Kind = ScheduleKind.Linear, Steps = c.RampSteps };
    }

    /// <summary>A state with a negative step count is refused with ArgumentException, even for the right schedule; the schedule keeps its step.</summary>
    [SeededProperty(MaxTest = 100, Seed = "(42424243,5555)", QuietOnSuccess = true)]
    public Property Restore_NegativeStepCount_ThrowsArgumentException() =>
        Prop.ForAll(
            (from config in ScheduleGens.Any
             from negative in Gen.Frequency(
                 (2, Gen.Elements(-1L, long.MinValue, long.MinValue + 1)),
                 (3, ScheduleGens.AnyLong.Select(v => -1 - v)))
             select (config, negative)).ToArbitrary(),
            x =>
            {
                var (config, negative) = x;
                var schedule = config.Build();
                schedule.Step();
                schedule.Step();
                try
                {
                    schedule.Restore(new RegFactorState(schedule.Description, negative));
                }
                catch (ArgumentException e) when (e.GetType() == typeof(ArgumentException))
                {
                    return ScheduleProps.Outcome(e.ParamName == "state" && schedule.StepCount == 2
                        ? null
                        : $"{config}: step {negative}: ParamName {e.ParamName}, StepCount {schedule.StepCount}");
                }

                return ScheduleProps.Outcome($"{config}: restoring step {negative} did not throw (StepCount now {schedule.StepCount})");
            });

    [Test]
    public void Restore_Null_ThrowsArgumentNullException() =>
        Assert.That(() => RegFactor.Linear(10).Restore(null!),
            Throws.TypeOf<ArgumentNullException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo("state"));

    /// <summary>A state saved at long.MaxValue restores and stays at max.</summary>
    [Test]
    public void Restore_LongMaxValueStep_RestoresAtMax()
    {
        var schedule = RegFactor.Staircase(1000, 7, 4.0);
        var state = RegFactorState.FromJson(new RegFactorState(schedule.Description, long.MaxValue).ToJson());
        schedule.Restore(state);
        Assert.That(schedule.StepCount, Is.EqualTo(long.MaxValue));
        Assert.That(schedule.Value, Is.EqualTo(4.0));
    }

    /// <summary>The documented JSON text.</summary>
    [Test]
    public void ToJson_LinearAt250_IsDocumentedObject()
    {
        var schedule = RegFactor.Linear(1000);
        for (int i = 0; i < 250; i++)
            schedule.Step();
        Assert.That(schedule.GetState().ToJson(), Is.EqualTo("{\"schedule\":\"Linear(steps=1000, max=1)\",\"step\":250}"));
    }

    /// <summary>Hand-written JSON (other property order, whitespace, extra fields) reads back.</summary>
    [TestCase("{\"schedule\":\"Linear(steps=1000, max=1)\",\"step\":250}")]
    [TestCase("{ \"step\" : 250 , \"schedule\" : \"Linear(steps=1000, max=1)\" }")]
    [TestCase("{\"schedule\":\"Linear(steps=1000, max=1)\",\"step\":250,\"comment\":\"epoch 3\"}")]
    public void FromJson_ValidObject_ReadsState(string json) =>
        Assert.That(RegFactorState.FromJson(json), Is.EqualTo(new RegFactorState("Linear(steps=1000, max=1)", 250)));

    [Test]
    public void FromJson_Null_ThrowsArgumentNullException() =>
        Assert.That(() => RegFactorState.FromJson(null!),
            Throws.TypeOf<ArgumentNullException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo("json"));

    /// <summary>Text that is not a JSON object throws ArgumentException (ParamName "json").</summary>
    [TestCase("")]
    [TestCase("   ")]
    [TestCase("not json")]
    [TestCase("{")]
    [TestCase("{\"schedule\":\"Linear(steps=10, max=1)\",\"step\":3")]
    [TestCase("[]")]
    [TestCase("42")]
    [TestCase("\"Linear(steps=10, max=1)\"")]
    [TestCase("null")]
    public void FromJson_Garbage_ThrowsArgumentException(string json) => AssertNotASavedState(json);

    /// <summary>An object without "schedule" or without "step" (or with a null schedule) throws ArgumentException (ParamName "json").</summary>
    [TestCase("{}")]
    [TestCase("{\"step\":3}")]
    [TestCase("{\"schedule\":\"Linear(steps=10, max=1)\"}")]
    [TestCase("{\"schedule\":null,\"step\":3}")]
    [TestCase("{\"Schedule\":\"Linear(steps=10, max=1)\",\"StepCount\":3}")]
    public void FromJson_MissingField_ThrowsArgumentException(string json) => AssertNotASavedState(json);

    /// <summary>A field of the wrong type (or a step beyond long) throws ArgumentException (ParamName "json").</summary>
    [TestCase("{\"schedule\":7,\"step\":3}")]
    [TestCase("{\"schedule\":\"Linear(steps=10, max=1)\",\"step\":\"3\"}")]
    [TestCase("{\"schedule\":\"Linear(steps=10, max=1)\",\"step\":1.5}")]
    [TestCase("{\"schedule\":\"Linear(steps=10, max=1)\",\"step\":1e30}")]
    public void FromJson_WrongFieldType_ThrowsArgumentException(string json) => AssertNotASavedState(json);

    private static void AssertNotASavedState(string json) =>
        Assert.That(() => RegFactorState.FromJson(json),
            Throws.TypeOf<ArgumentException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo("json"));
}
