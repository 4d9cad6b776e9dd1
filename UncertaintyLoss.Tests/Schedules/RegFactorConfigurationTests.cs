namespace UncertaintyLoss.Tests.Schedules;

/// <summary>The factories of <see cref="RegFactor"/> refuse invalid configurations with the documented exception and parameter name.</summary>
[TestFixture]
public class RegFactorConfigurationTests
{
    private static readonly double[] BadMax = { -1.0, -double.Epsilon, double.NaN, double.PositiveInfinity, double.NegativeInfinity };

    private static readonly long[] BadSteps = { 0, -1, long.MinValue };

    private static IEnumerable<TestCaseData> OutOfRange()
    {
        foreach (long steps in BadSteps)
        {
            yield return Case($"Linear(steps: {steps})", () => RegFactor.Linear(steps), "steps");
            yield return Case($"EdlAnnealing(annealingEpochs: {steps})", () => RegFactor.EdlAnnealing(steps), "annealingEpochs");
            yield return Case($"Cosine(steps: {steps})", () => RegFactor.Cosine(steps), "steps");
            yield return Case($"Exponential(steps: {steps})", () => RegFactor.Exponential(steps), "steps");
            yield return Case($"Staircase(steps: {steps})", () => RegFactor.Staircase(steps), "steps");
        }

        foreach (double max in BadMax)
        {
            string m = ScheduleConfig.R(max);
            yield return Case($"Linear(max: {m})", () => RegFactor.Linear(10, max), "max");
            yield return Case($"EdlAnnealing(max: {m})", () => RegFactor.EdlAnnealing(10, max), "max");
            yield return Case($"Cosine(max: {m})", () => RegFactor.Cosine(10, max), "max");
            yield return Case($"Exponential(max: {m})", () => RegFactor.Exponential(10, max), "max");
            yield return Case($"Exponential(max: {m}, start: 0.5)", () => RegFactor.Exponential(10, max, 0.5), "max");
            yield return Case($"Staircase(max: {m})", () => RegFactor.Staircase(10, 10, max), "max");
            yield return Case($"Constant({m})", () => RegFactor.Constant(max), "value");
        }

        yield return Case("Exponential(max: 0)", () => RegFactor.Exponential(10, 0.0), "max");
        yield return Case("Exponential(max: -0)", () => RegFactor.Exponential(10, -0.0), "max");
        foreach (double start in new[] { 0.0, -0.0, -0.5, double.NaN, double.PositiveInfinity, double.NegativeInfinity, Math.BitIncrement(2.0), 3.0 })
            yield return Case($"Exponential(max: 2, start: {ScheduleConfig.R(start)})", () => RegFactor.Exponential(10, 2.0, start), "start");

        foreach (int stairs in new[] { 0, -1, int.MinValue })
            yield return Case($"Staircase(stairs: {stairs})", () => RegFactor.Staircase(10, stairs), "stairs");

        foreach (long delay in new[] { -1L, long.MinValue })
        {
            yield return Case($"Delayed(delay: {delay})", () => RegFactor.Delayed(RegFactor.Linear(10), delay), "delay");
            yield return Case($"WithWarmup({delay})", () => RegFactor.Linear(10).WithWarmup(delay), "delay");
        }
    }

    private static TestCaseData Case(string name, Func<RegFactorSchedule> create, string paramName) =>
        new TestCaseData(create, paramName).SetArgDisplayNames(name);

    /// <summary>steps/stairs &lt; 1, negative/NaN/∞ max, exponential max ≤ 0 or start outside (0, max], negative delay.</summary>
    [TestCaseSource(nameof(OutOfRange))]
    public void Factory_InvalidArgument_ThrowsArgumentOutOfRangeWithParamName(Func<RegFactorSchedule> create, string paramName) =>
        Assert.That(() => create(), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo(paramName));

    /// <summary>A null inner schedule throws ArgumentNullException naming the public parameter, <c>schedule</c>.</summary>
    [Test]
    public void Delayed_NullSchedule_ThrowsArgumentNullExceptionForSchedule() =>
        Assert.That(() => RegFactor.Delayed(null!, 5),
            Throws.TypeOf<ArgumentNullException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo("schedule"));

    [Test]
    public void WithWarmup_NullSchedule_ThrowsArgumentNullExceptionForSchedule() =>
        Assert.That(() => ((RegFactorSchedule)null!).WithWarmup(5),
            Throws.TypeOf<ArgumentNullException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo("schedule"));

    private static IEnumerable<TestCaseData> EdgeButValid()
    {
        yield return new TestCaseData((Func<RegFactorSchedule>)(() => RegFactor.Linear(1, 0))).SetArgDisplayNames("Linear(1, max: 0)");
        yield return new TestCaseData((Func<RegFactorSchedule>)(() => RegFactor.EdlAnnealing(1, 10))).SetArgDisplayNames("EdlAnnealing(1, max: 10)");
        yield return new TestCaseData((Func<RegFactorSchedule>)(() => RegFactor.Cosine(long.MaxValue, double.Epsilon))).SetArgDisplayNames("Cosine(long.MaxValue, max: ε)");
        yield return new TestCaseData((Func<RegFactorSchedule>)(() => RegFactor.Exponential(1, 2, 2))).SetArgDisplayNames("Exponential(1, max: 2, start: max)");
        yield return new TestCaseData((Func<RegFactorSchedule>)(() => RegFactor.Exponential(1, 2, double.Epsilon))).SetArgDisplayNames("Exponential(1, max: 2, start: ε)");
        yield return new TestCaseData((Func<RegFactorSchedule>)(() => RegFactor.Staircase(1, 1, 0))).SetArgDisplayNames("Staircase(1, stairs: 1, max: 0)");
        yield return new TestCaseData((Func<RegFactorSchedule>)(() => RegFactor.Staircase(3, int.MaxValue))).SetArgDisplayNames("Staircase(3, stairs: int.MaxValue)");
        yield return new TestCaseData((Func<RegFactorSchedule>)(() => RegFactor.Constant(0))).SetArgDisplayNames("Constant(0)");
        yield return new TestCaseData((Func<RegFactorSchedule>)(() => RegFactor.Constant(double.MaxValue))).SetArgDisplayNames("Constant(double.MaxValue)");
        yield return new TestCaseData((Func<RegFactorSchedule>)(() => RegFactor.Delayed(RegFactor.Constant(1), 0))).SetArgDisplayNames("Delayed(Constant(1), 0)");
        yield return new TestCaseData((Func<RegFactorSchedule>)(() => RegFactor.Linear(5).WithWarmup(long.MaxValue))).SetArgDisplayNames("WithWarmup(long.MaxValue)");
    }

    /// <summary>The edges of the valid ranges are accepted (steps 1, max 0, start == max, stairs 1, delay 0 …).</summary>
    [TestCaseSource(nameof(EdgeButValid))]
    public void Factory_EdgeOfValidRange_Accepted(Func<RegFactorSchedule> create) =>
        Assert.That(() => create(), Throws.Nothing);
}
