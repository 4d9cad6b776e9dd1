namespace UncertaintyLoss.Tests.Schedules;

/// <summary>A user-defined schedule derived from <see cref="RegFactorSchedule"/> works through <see cref="IRegFactorSchedule"/>.</summary>
[TestFixture]
public class CustomRegFactorScheduleTests
{
    /// <summary>λ_t = √(min(t, steps)/steps); a description with characters JSON must escape.</summary>
    private sealed class SqrtSchedule : RegFactorSchedule
    {
        private readonly long steps;

        public SqrtSchedule(long steps) => this.steps = steps;

        public List<long> Queried { get; } = new();

        public override string Description => $"Sqrt \"λ\" \\ (steps={steps.ToString(CultureInfo.InvariantCulture)})";

        public override double ValueAt(long step)
        {
            Queried.Add(step);
            return Math.Sqrt((double)Math.Min(step, steps) / steps);
        }
    }

    [Test]
    public void Step_CustomSchedule_ValueFollowsValueAt()
    {
        var custom = new SqrtSchedule(16);
        IRegFactorSchedule schedule = custom;
        Assert.That(schedule.Value, Is.Zero);
        var values = new List<double>();
        for (int i = 1; i <= 20; i++)
        {
            values.Add(schedule.Step());
            Assert.That(schedule.StepCount, Is.EqualTo(i));
            Assert.That(schedule.Value, Is.EqualTo(values[^1]));
        }

        Assert.That(values[3], Is.EqualTo(0.5));   // √(4/16)
        Assert.That(values[8], Is.EqualTo(0.75));  // √(9/16)
        Assert.That(values[15], Is.EqualTo(1.0));
        Assert.That(values[19], Is.EqualTo(1.0));
        Assert.That(custom.Queried, Does.Contain(20L), "Value is read from ValueAt(StepCount)");

        schedule.Reset();
        Assert.That(schedule.StepCount, Is.Zero);
        Assert.That(schedule.Value, Is.Zero);
    }

    [Test]
    public void Restore_CustomScheduleThroughJson_ContinuesIdentically()
    {
        IRegFactorSchedule original = new SqrtSchedule(100);
        for (int i = 0; i < 37; i++)
            original.Step();
        string json = original.GetState().ToJson();
        var state = RegFactorState.FromJson(json);
        Assert.That(state.Schedule, Is.EqualTo("Sqrt \"λ\" \\ (steps=100)"));
        Assert.That(state.StepCount, Is.EqualTo(37));

        IRegFactorSchedule restored = new SqrtSchedule(100);
        restored.Restore(state);
        Assert.That(restored.Value, Is.EqualTo(original.Value));
        for (int i = 0; i < 80; i++)
            Assert.That(restored.Step(), Is.EqualTo(original.Step()), $"step {original.StepCount}");
    }

    [Test]
    public void Restore_CustomScheduleOtherConfiguration_ThrowsArgumentException()
    {
        var state = new SqrtSchedule(100).GetState();
        var other = new SqrtSchedule(101);
        Assert.That(() => other.Restore(state), Throws.TypeOf<ArgumentException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo("state"));
        Assert.That(() => RegFactor.Linear(100).Restore(state), Throws.TypeOf<ArgumentException>());
    }

    /// <summary>A custom schedule can be delayed; the delayed one reads the inner ValueAt at t − delay only.</summary>
    [Test]
    public void WithWarmup_CustomSchedule_DelaysItsValues()
    {
        var inner = new SqrtSchedule(4);
        var delayed = inner.WithWarmup(3);
        Assert.That(delayed.Description, Is.EqualTo("Delayed(Sqrt \"λ\" \\ (steps=4), delay=3)"));
        double[] values = { delayed.Value, delayed.Step(), delayed.Step(), delayed.Step(), delayed.Step(), delayed.Step(), delayed.Step(), delayed.Step() };
        Assert.That(values, Is.EqualTo(new[] { 0, 0, 0, 0, 0.5, Math.Sqrt(0.5), Math.Sqrt(0.75), 1 }));
        Assert.That(inner.Queried, Is.EqualTo(new long[] { 0, 1, 2, 3, 4 }));
        Assert.That(inner.StepCount, Is.Zero);

        var restored = new SqrtSchedule(4).WithWarmup(3);
        restored.Restore(RegFactorState.FromJson(delayed.GetState().ToJson()));
        Assert.That(restored.Value, Is.EqualTo(1.0));
    }
}
