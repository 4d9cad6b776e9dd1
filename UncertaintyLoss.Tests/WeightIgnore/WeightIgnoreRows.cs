using System.Runtime.InteropServices;

namespace UncertaintyLoss.Tests.WeightIgnoreKit;

/// <summary>
/// One rejected combination of weight / ignoreIndex / target: lazily built inputs (evidence (2, 3) unless said
/// otherwise) and the exact <see cref="ArgumentException"/> expected.
/// </summary>
public sealed class WeightIgnoreRow
{
    private readonly Func<(Tensor Evidence, Tensor Target, Tensor? Weight)> _build;

    public WeightIgnoreRow(string name, Func<(Tensor Evidence, Tensor Target, Tensor? Weight)> build, long ignoreIndex, string paramName, params string[] messageParts)
    {
        Name = name;
        _build = build;
        IgnoreIndex = ignoreIndex;
        ParamName = paramName;
        MessageParts = messageParts;
    }

    public string Name { get; }

    public long IgnoreIndex { get; }

    public string ParamName { get; }

    public IReadOnlyList<string> MessageParts { get; }

    public override string ToString() => Name;

    /// <summary>
    /// The call throws exactly <see cref="ArgumentException"/> (no subclass, no raw libtorch <see cref="ExternalException"/>)
    /// naming <see cref="ParamName"/>, whose message holds every part; it leaves no tensor alive and disposes no input.
    /// </summary>
    public void AssertRejectedBy(WeightedLoss loss)
    {
        using var scope = NewDisposeScope();
        var (evidence, target, weight) = _build();
        foreach (var reduction in WeightIgnoreCases.AllReductions)
        {
            long before = WeightIgnoreChecks.Live;
            Exception? caught = null;
            try
            {
                using var unexpected = loss.Call(evidence, target, reduction, weight, IgnoreIndex);
            }
            catch (Exception ex)
            {
                caught = ex;
            }

            Assert.That(caught, Is.Not.Null, $"{reduction}: expected ArgumentException for '{ParamName}', but nothing was thrown.");
            Assert.That(caught is ExternalException, Is.False, () => $"{reduction}: a raw libtorch exception leaked: {caught!.GetType().Name}: {FirstLine(caught.Message)}");
            Assert.That(caught!.GetType(), Is.EqualTo(typeof(ArgumentException)), () => $"{reduction}: wrong exception type: {caught}");
            var argument = (ArgumentException)caught;
            Assert.That(argument.ParamName, Is.EqualTo(ParamName), () => $"{reduction}: wrong ParamName in: {caught.Message}");
            foreach (var part in MessageParts)
                Assert.That(argument.Message, Does.Contain(part), () => $"{reduction}: the message should contain \"{part}\".");
            Assert.That(WeightIgnoreChecks.Live, Is.EqualTo(before), $"{reduction}: a rejected call leaves tensors alive.");
        }

        Assert.That(evidence.IsInvalid || target.IsInvalid, Is.False, "A rejected call must not dispose its inputs.");
    }

    private static string FirstLine(string s)
    {
        int i = s.IndexOf('\n');
        return i < 0 ? s : s[..i];
    }
}

/// <summary>The table of rejected weight / ignoreIndex / target combinations, shared by the six losses.</summary>
public static class WeightIgnoreRows
{
    private static Tensor Evidence23() => Tensors.FromDoubles(new[] { 0.0, 1.0, 0.5, 2.0, 3.0, 0.0 }, new long[] { 2, 3 }, ScalarType.Float32);

    private static Tensor Index(params long[] values) => Tensors.FromLongs(values, new long[] { values.Length });

    private static Tensor Weight(params double[] values) => Tensors.FromDoubles(values, new long[] { values.Length }, ScalarType.Float32);

    private static Tensor Probabilities23() => Tensors.FromDoubles(new[] { 1.0, 0.0, 0.0, 0.2, 0.3, 0.5 }, new long[] { 2, 3 }, ScalarType.Float32);

    private static Tensor Narrow(ScalarType type, params long[] values) => Index(values).to(type);

    private static WeightIgnoreRow BadWeight(string name, Func<Tensor> weight, params string[] parts) =>
        new(name, () => (Evidence23(), Index(0, 1), weight()), -100, "weight", parts);

    private static WeightIgnoreRow BadTarget(string name, Func<Tensor> target, long ignoreIndex, params string[] parts) =>
        new(name, () => (Evidence23(), target(), null), ignoreIndex, "target", parts);

    public static IEnumerable<WeightIgnoreRow> All()
    {
        // Shape and dtype of the weight (metadata checks).
        yield return BadWeight("WeightOfLengthCPlusOne", () => Weight(1, 1, 1, 1), "[3]", "[4]");
        yield return BadWeight("WeightOfShape1ByC", () => Weight(1, 2, 3).reshape(1, 3), "[3]", "[1, 3]");
        yield return BadWeight("ZeroDimensionalWeight", () => tensor(1.0f), "[3]", "[]");
        yield return BadWeight("Int64Weight", () => Index(1, 2, 3), "floating", "Int64");
        yield return BadWeight("Int32Weight", () => Narrow(ScalarType.Int32, 1, 2, 3), "floating", "Int32");
        yield return BadWeight("BoolWeight", () => Narrow(ScalarType.Bool, 1, 0, 1), "floating", "Bool");
        yield return BadWeight("DisposedWeight", () =>
        {
            var w = Weight(1, 2, 3);
            w.Dispose();
            return w;
        }, "disposed");

        // Values of the weight (data checks), also on a class no position uses.
        yield return BadWeight("NegativeWeightOnAbsentClass", () => Weight(1, 2, -0.5), "non-negative", "-0.5");
        yield return BadWeight("NaNWeight", () => Weight(1, double.NaN, 1), "NaN");
        yield return BadWeight("PositiveInfinityWeight", () => Weight(1, 1, double.PositiveInfinity), "finite", "Infinity");
        yield return BadWeight("NegativeInfinityWeight", () => Weight(double.NegativeInfinity, 1, 1), "-Infinity");
        yield return BadWeight("Float64NegativeWeightWithFloat32Evidence", () => Index(1, 2, 3).to(ScalarType.Float64).neg(), "-3");

        // Probability targets take neither a weight nor a non-default ignoreIndex.
        yield return new WeightIgnoreRow("WeightWithProbabilityTarget", () => (Evidence23(), Probabilities23(), Weight(1, 2, 3)), -100, "weight", "class-index", "probability");
        yield return new WeightIgnoreRow("IgnoreIndex255WithProbabilityTarget", () => (Evidence23(), Probabilities23(), null), 255, "ignoreIndex", "probability", "255");
        yield return new WeightIgnoreRow("IgnoreIndexZeroWithProbabilityTarget", () => (Evidence23(), Probabilities23(), null), 0, "ignoreIndex", "probability", "= 0");

        // A target outside [0, C) that is not the ignoreIndex is still rejected.
        yield return BadTarget("TargetMinusOneWithDefaultIgnoreIndex", () => Index(0, -1), -100, "[0, 2]", "-100", "[-1, 0]");
        yield return BadTarget("TargetEqualToClassCountWithIgnoreIndex255", () => Index(3, 255), 255, "[0, 2]", "255", "[0, 3]");
        yield return BadTarget("TargetMinus100WithIgnoreIndex255", () => Index(-100, 1), 255, "255", "[-100, 1]");
        yield return new WeightIgnoreRow("TargetOutOfRangeWithWeight", () => (Evidence23(), Index(0, 5), Weight(1, 2, 3)), -100, "target", "[0, 2]", "5");
        yield return BadTarget("ByteTarget156WithDefaultIgnoreIndex", () => Narrow(ScalarType.Byte, 0, 156), -100, "[0, 2]", "156");
        yield return BadTarget("ByteTarget255WithIgnoreIndexMinusOne", () => Narrow(ScalarType.Byte, 0, 255), -1, "[0, 2]", "255");
        yield return BadTarget("Int8TargetMinusOneWithIgnoreIndex255", () => Narrow(ScalarType.Int8, 0, -1), 255, "[0, 2]", "-1");
        yield return BadTarget("Int32Target5WithIgnoreIndexBeyondInt32", () => Narrow(ScalarType.Int32, 0, 5), (1L << 32) + 5, "[0, 2]", "5");

        // An empty batch still validates the weight's values.
        yield return new WeightIgnoreRow("EmptyBatchWithNegativeWeight",
            () => (Tensors.FromDoubles(Array.Empty<double>(), new long[] { 0, 3 }, ScalarType.Float32), Index(), Weight(1, -0.5, 2)), -100, "weight", "-0.5");
    }

    /// <summary>Valid edge inputs that must be accepted: probability targets with the default ignoreIndex (given explicitly) and no weight.</summary>
    public static void AssertProbabilityTargetWithDefaultsAccepted(WeightedLoss loss)
    {
        using var scope = NewDisposeScope();
        var evidence = Evidence23();
        var target = Probabilities23();
        foreach (var reduction in WeightIgnoreCases.AllReductions)
        {
            var core = Tensors.ToDoubles(loss.Core(evidence, target, reduction));
            var explicitDefaults = Tensors.ToDoubles(loss.Call(evidence, target, reduction, null, -100));
            Assert.That(explicitDefaults, Is.EqualTo(core), $"{reduction}: probability target with weight null and ignoreIndex −100 is the Core call.");
        }
    }
}
