using System.Runtime.InteropServices;

namespace UncertaintyLoss.Tests.Ops;

/// <summary>
/// <c>weight</c> and <c>ignoreIndex</c> of every loss of <see cref="OpTable"/> that takes them (cross_entropy semantics):
/// values against the loss's reference reduced by <see cref="WeightedReductionReference"/>, gradients, all-ignored
/// batches, relations with the call without them, rejected arguments and tensor lifetimes. The seeded and generated
/// inputs (<see cref="WeightIgnoreCase"/>) are at the end of this file.
/// </summary>
[TestFixture]
[Category("WeightIgnore")]
public sealed class WeightIgnoreTests
{
    private static readonly Reduction[] AllReductions = { Reduction.None, Reduction.Mean, Reduction.Sum };

    private static long Live => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    private static string R(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The losses that take <c>weight</c> and <c>ignoreIndex</c>.</summary>
    public static IEnumerable<LossOp> Losses() => OpTable.Losses.Where(op => op.SupportsWeightIgnore);

    /// <summary>The option sets a loss is checked with (<see cref="LossOp.OptionSets"/>); the last is <see cref="MainOption"/>.</summary>
    private static IReadOnlyList<LossVariant> OptionsOf(LossOp op) => op.OptionSets;

    /// <summary>Every option set of every loss.</summary>
    public static IEnumerable<LossVariant> Options() => Losses().SelectMany(OptionsOf);

    /// <summary>The option set used where one suffices: the typical one, or ExcludingTrueClass where the loss has it.</summary>
    private static LossVariant MainOption(LossOp op) => OptionsOf(op)[^1];

    // ---- values against the weighted reference ----

    /// <summary>(9, 4) / (3, 3, 5) / (2, 5, 6, 7) × weight, ignoreIndex or both × Float64/Float32: None, Mean and Sum match.</summary>
    [Test]
    public void Loss_WeightOrIgnoreIndex_MatchesWeightedReferenceForEveryReduction([ValueSource(nameof(Options))] LossVariant loss,
        [Values(ScalarType.Float64, ScalarType.Float32)] ScalarType dtype, [Values] CaseShape shape, [Values] WeightVariant variant)
    {
        var c = WeightIgnoreCase.Standard(shape, dtype, variant, loss.Name);
        Assert.That(c.IgnoredCount > 0, Is.EqualTo(variant != WeightVariant.WeightOnly), "Test setup: ignored positions exactly when asked.");
        Assert.Multiple(() =>
        {
            foreach (var reduction in AllReductions)
                Assert.That(ReferenceFailure(loss, c, reduction), Is.Null, reduction.ToString());
        });
    }

    /// <summary>Random shapes, dtypes, weights (zeros included), ignoreIndex values (real classes included) and ignore patterns.</summary>
    [TestCaseSource(nameof(Losses))]
    public void Loss_RandomWeightsAndIgnorePatterns_MatchWeightedReference(LossOp op) =>
        Prop.ForAll((from loss in op.Variants.Where(v => !v.Name.EndsWith("(default arguments)", StringComparison.Ordinal)) // those take no weight
                     from c in WeightIgnoreCase.Generated
                     from reduction in Gen.Elements(AllReductions)
                     select (loss, c, reduction)).ToArbitrary(),
                s => ReferenceFailure(s.loss, s.c, s.reduction) is string failure ? Prop.Label(false, failure) : Prop.ToProperty(true))
            .Check(Seeds.For($"WeightIgnore.RandomWeightsAndIgnorePatterns|{op}", 60));

    /// <summary>
    /// Float16 / BFloat16 evidence (4, 3, 3) with a Float32 weight and ignored positions: the result keeps the evidence's
    /// dtype and matches the reference on the rounded evidence within 2e-3 (Float16) or 1.6e-2 (BFloat16) relative.
    /// </summary>
    [Test]
    public void Loss_HalfPrecisionEvidence_KeepsDtypeAndMatchesReference([ValueSource(nameof(Losses))] LossOp op,
        [Values(ScalarType.Float16, ScalarType.BFloat16)] ScalarType dtype)
    {
        var loss = MainOption(op);
        var c = WeightIgnoreCase.Build("half", new long[] { 4, 3, 3 }, ScalarType.Float64, true, ScalarType.Float32, -100, p => p % 4 == 3, $"half|{loss}|{dtype}", maxEvidence: 50);
        double[] rounded;
        using (NewDisposeScope())
            rounded = Tensors.ToDoubles(Tensors.FromDoubles(c.Evidence, c.Shape, dtype));
        var onHalfGrid = new WeightIgnoreCase("half", c.Shape, rounded, ScalarType.Float64, c.Target, c.Weight, ScalarType.Float32, c.IgnoreIndex);
        foreach (var reduction in AllReductions)
            Assert.That(ReferenceFailure(loss, onHalfGrid, reduction, dtype, dtype == ScalarType.BFloat16 ? 1.6e-2 : 2e-3), Is.Null, reduction.ToString());
    }

    /// <summary>
    /// The call with <paramref name="reduction"/> against the weighted/ignored reference: the dtype (the evidence's, or
    /// <paramref name="evidenceDtype"/> the evidence is made in), the shape (N, d…) or scalar, and each value within
    /// rtol·max(|expected|, scale) where scale reduces max(|l_n|, cancelling terms) alike (exactly 0 where v_n = 0, and
    /// a Mean of 0 when Σ v_n = 0). Null on success.
    /// </summary>
    private static string? ReferenceFailure(LossVariant loss, WeightIgnoreCase c, Reduction reduction, ScalarType? evidenceDtype = null, double? rtol = null)
    {
        using var scope = NewDisposeScope();
        var dtype = evidenceDtype ?? c.Dtype;
        double tolerance = rtol ?? Tolerance.Relative(c.Dtype);
        double[]? w = c.EffectiveWeight;
        double[] expected = WeightedReductionReference.Reduce(c.Values(loss), c.Target, w, c.IgnoreIndex, reduction);
        double[] scale = WeightedReductionReference.Reduce(c.Scales(loss), c.Target, w, c.IgnoreIndex, reduction);

        var output = loss.Call(Tensors.FromDoubles(c.Evidence, c.Shape, dtype), c.TargetTensor(), reduction, c.WeightTensor(), c.IgnoreIndex);

        if (output.dtype != dtype)
            return $"{loss} {reduction}: dtype {output.dtype}, expected the evidence's {dtype}; {c}";
        long[] shape = reduction == Reduction.None ? c.PositionShape : Array.Empty<long>();
        if (!output.shape.SequenceEqual(shape))
            return $"{loss} {reduction}: shape [{string.Join(", ", output.shape)}], expected [{string.Join(", ", shape)}]; {c}";
        double[] actual = Tensors.ToDoubles(output);
        for (int n = 0; n < expected.Length; n++)
        {
            if (!(Math.Abs(actual[n] - expected[n]) <= tolerance * Math.Max(Math.Abs(expected[n]), scale[n]) + double.Epsilon))
            {
                string where = reduction == Reduction.None
                    ? $"at position {n} (target {c.Target[n]}{(c.IsIgnored(n) ? ", ignored" : "")})"
                    : $"(Σ v_n = {R(WeightedReductionReference.Denominator(c.Target, w, c.IgnoreIndex))})";
                return $"{loss} {reduction} {where}: actual {R(actual[n])}, expected {R(expected[n])}, scale {R(scale[n])}; {c}";
            }
        }

        return null;
    }

    // ---- gradients ----

    /// <summary>
    /// Float64, weight and ignored positions, evidence up to 100, the three table shapes, Mean and Sum: the autograd
    /// gradient is exactly 0 at every evidence element of a position whose weight v_n is 0 (ignored or weighted 0) and
    /// matches Richardson-extrapolated central differences of the reference reduction elsewhere (1e-6 of the largest
    /// component, plus 1e-10·|F| / max(1, |x_i|) for the differences' rounding noise).
    /// </summary>
    [Test]
    public void Loss_GradientWithWeightAndIgnoredPositions_MatchesFiniteDifferenceAndIsZeroWhereIgnored([ValueSource(nameof(Options))] LossVariant loss,
        [Values] CaseShape shape, [Values(Reduction.Mean, Reduction.Sum)] Reduction reduction)
    {
        var c = WeightIgnoreCase.Standard(shape, ScalarType.Float64, WeightVariant.WeightAndIgnore, "gradient|" + loss.Name, maxEvidence: 100);
        double floor = OpTable.Losses.First(op => op.OptionSets.Contains(loss)).GradientEvidenceFloor;
        if (floor > 0)
            c = new WeightIgnoreCase(c.Label, c.Shape, c.Evidence.Select(x => Math.Max(x, floor)).ToArray(), c.Dtype, c.Target, c.Weight, c.WeightDtype, c.IgnoreIndex);
        Assert.That(c.IgnoredCount, Is.GreaterThan(0), "Test setup: some positions are ignored.");
        using var scope = NewDisposeScope();
        var evidence = c.EvidenceTensor(requiresGrad: true);
        loss.Call(evidence, c.TargetTensor(), reduction, c.WeightTensor(), c.IgnoreIndex).backward();
        Assert.That(evidence.grad, Is.Not.Null, "No gradient reached the evidence.");
        double[] actual = Tensors.ToDoubles(evidence.grad!);

        double[]? w = c.EffectiveWeight;
        double[] v = WeightedReductionReference.PositionWeights(c.Target, w, c.IgnoreIndex);
        for (int p = 0; p < v.Length; p++)
        {
            if (v[p] == 0.0)
                Assert.That(c.ElementsOf(p).Select(i => actual[i]), Is.All.EqualTo(0.0), $"Gradient at position {p} (target {c.Target[p]}, {(c.IsIgnored(p) ? "ignored" : "weight 0")}); {c}");
        }

        // Autograd differentiates the loss with its detached factors (if any) held at c.Evidence: LossVariant.Differentiated.
        var differentiated = loss.Differentiated(
            (ev, f) => WeightedReductionReference.Evaluate(ev, c.Shape, c.Target, c.IgnoreIndex, (x, k) => f(x, DirichletReference.OneHot(k, x.Length))), c.Evidence);
        double F(double[] e) => WeightedReductionReference.Reduce(differentiated(e), c.Target, w, c.IgnoreIndex, reduction)[0];
        double[] fine = FiniteDifference.CentralGradient(F, c.Evidence, relativeStep: 1e-4);
        double[] coarse = FiniteDifference.CentralGradient(F, c.Evidence, relativeStep: 2e-4);
        double[] expected = fine.Select((g, i) => (4 * g - coarse[i]) / 3).ToArray();
        double gradientScale = expected.Max(Math.Abs), value = F(c.Evidence);
        for (int i = 0; i < actual.Length; i++)
        {
            double tolerance = 1e-6 * Math.Max(gradientScale, double.Epsilon) + 1e-10 * Math.Abs(value) / Math.Max(1.0, Math.Abs(c.Evidence[i]));
            Assert.That(Math.Abs(actual[i] - expected[i]), Is.LessThanOrEqualTo(tolerance),
                $"Gradient at element {i}: autograd {R(actual[i])}, finite difference {R(expected[i])}, gradient scale {R(gradientScale)}; {c}");
        }
    }

    /// <summary>
    /// Every position ignored, (3, 4) with −100 or (2, 3, 2, 2) with 255, with or without a weight: zero everywhere
    /// (<see cref="AssertZeroEverywhere"/>).
    /// </summary>
    [Test]
    public void Loss_AllPositionsIgnored_ReturnsZeroNotNaNWithZeroGradient([ValueSource(nameof(Options))] LossVariant loss,
        [Values(ScalarType.Float64, ScalarType.Float32)] ScalarType dtype, [Values] bool spatial, [Values] bool weighted) =>
        AssertZeroEverywhere(loss, WeightIgnoreCase.Build("all-ignored", spatial ? new long[] { 2, 3, 2, 2 } : new long[] { 3, 4 }, dtype, weighted, dtype,
            spatial ? 255 : -100, _ => true, $"all|{loss}|{dtype}|{spatial}", maxEvidence: 100));

    /// <summary>
    /// (4, 4, 3) whose targets are classes 1 and 3 only (and −100 at every fourth position, or not), weighted 0; classes 0
    /// and 2 weigh 2.5 and 1: zero everywhere (<see cref="AssertZeroEverywhere"/>).
    /// </summary>
    [Test]
    public void Loss_ZeroWeightOnEveryPresentClass_ReturnsZeroWithZeroGradient([ValueSource(nameof(Options))] LossVariant loss,
        [Values(ScalarType.Float64, ScalarType.Float32)] ScalarType dtype, [Values] bool withIgnored)
    {
        var evidence = WeightIgnoreCase.RandomEvidence($"zero|{loss}|{dtype}|{withIgnored}", 48, 100);
        var target = Enumerable.Range(0, 12).Select(p => withIgnored && p % 4 == 0 ? -100L : p % 2 == 0 ? 1L : 3L).ToArray();
        AssertZeroEverywhere(loss, new WeightIgnoreCase("zero-weights", new long[] { 4, 4, 3 }, evidence, dtype, target, new[] { 2.5, 0.0, 1.0, 0.0 }, dtype, -100));
    }

    /// <summary>
    /// None all exactly 0 with the position shape, Sum 0, Mean 0 (not NaN, unlike cross_entropy), all in the evidence's
    /// dtype; backward through each leaves an all-zero, finite gradient.
    /// </summary>
    private static void AssertZeroEverywhere(LossVariant loss, WeightIgnoreCase c)
    {
        foreach (var reduction in AllReductions)
        {
            using var scope = NewDisposeScope();
            var evidence = c.EvidenceTensor(requiresGrad: true);
            var output = loss.Call(evidence, c.TargetTensor(), reduction, c.WeightTensor(), c.IgnoreIndex);
            Assert.That(output.dtype, Is.EqualTo(c.Dtype), $"{reduction}: dtype");
            Assert.That(output.shape, Is.EqualTo(reduction == Reduction.None ? c.PositionShape : Array.Empty<long>()), $"{reduction}: shape");
            Assert.That(Tensors.ToDoubles(output), Is.All.EqualTo(0.0), $"{reduction}: exactly 0 (not NaN); {c}");

            (reduction == Reduction.None ? output.sum() : output).backward();
            Assert.That(evidence.grad, Is.Not.Null, $"{reduction}: backward must reach the evidence");
            Assert.That(Tensors.ToDoubles(evidence.grad!), Is.All.EqualTo(0.0), $"{reduction}: the gradient must be all zeros (and finite); {c}");
        }
    }

    // ---- relations with the call without weight and ignoreIndex ----

    /// <summary>
    /// Without weight, an ignoreIndex that no target holds (255 or −1) gives the result of the call without it exactly
    /// (==), for every reduction, dtype and shape ((10, 4), (2, 4, 3, 2), an empty batch (0, 4) and an empty dimension
    /// (2, 4, 0)); the Mean of an empty batch is 0 (docs/conventions.md, "Empty batches").
    /// </summary>
    [Test]
    public void Loss_NoWeightAndIgnoreIndexAbsent_EqualsCallWithoutThemExactly([ValueSource(nameof(Options))] LossVariant loss,
        [Values(ScalarType.Float64, ScalarType.Float32)] ScalarType dtype, [Values(255L, -1L)] long ignoreIndex,
        [Values("10, 4", "2, 4, 3, 2", "0, 4", "2, 4, 0")] string shape)
    {
        var c = WeightIgnoreCase.Build("absent", shape.Split(", ").Select(long.Parse).ToArray(), dtype, false, dtype, ignoreIndex, _ => false, $"{loss}|{dtype}|{shape}");
        Assert.That(c.Target, Has.None.EqualTo(ignoreIndex), "Test setup: no position may be ignored.");
        foreach (var reduction in AllReductions)
        {
            using var scope = NewDisposeScope();
            var evidence = c.EvidenceTensor();
            var target = c.TargetTensor();
            var without = loss.Core(evidence, target, reduction);
            var with = loss.Call(evidence, target, reduction, null, ignoreIndex);
            Assert.That(with.dtype, Is.EqualTo(without.dtype), $"{reduction}: dtype");
            Assert.That(with.shape, Is.EqualTo(without.shape), $"{reduction}: shape");
            double[] expected = ValuesOf(without);
            Assert.That(expected.All(double.IsFinite), Is.True, "Test setup: the call without them is finite.");
            Assert.That(ValuesOf(with), Is.EqualTo(expected), $"{reduction}: ignoreIndex {ignoreIndex} (absent) without weight must not change the result; {c}");
            if (c.Target.Length == 0 && reduction == Reduction.Mean)
                Assert.That(expected, Is.EqualTo(new[] { 0.0 }), "The Mean of an empty batch is 0.");
        }
    }

    /// <summary>As <see cref="Tensors.ToDoubles"/>, also for an empty tensor (TorchSharp's data accessor rejects those).</summary>
    private static double[] ValuesOf(Tensor t) => t.numel() == 0 ? Array.Empty<double>() : Tensors.ToDoubles(t);

    /// <summary>
    /// A weight of all ones on (10, 4) or (2, 4, 3, 2): None is the unweighted None exactly; Sum and Mean agree with the
    /// unweighted ones to 1e-12 relative. With half the positions ignored too, the Mean equals the unweighted ignored
    /// Mean, which is the mean over the kept positions of the unweighted None.
    /// </summary>
    [Test]
    public void Loss_AllOnesWeight_EqualsUnweightedResult([ValueSource(nameof(Options))] LossVariant loss, [Values] bool spatial)
    {
        using var scope = NewDisposeScope();
        var shape = spatial ? new long[] { 2, 4, 3, 2 } : new long[] { 10, 4 };
        var c = WeightIgnoreCase.Build("ones", shape, ScalarType.Float64, false, ScalarType.Float64, -100, _ => false, $"ones|{loss}{spatial}");
        var (evidence, target) = (c.EvidenceTensor(), c.TargetTensor());
        var ones = torch.ones(new long[] { c.Classes }, ScalarType.Float64);
        Assert.That(Tensors.ToDoubles(loss.Call(evidence, target, Reduction.None, ones, -100)),
            Is.EqualTo(Tensors.ToDoubles(loss.Core(evidence, target, Reduction.None))), "None with weight 1 must be the unweighted None exactly.");
        foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum })
        {
            double unweighted = loss.Core(evidence, target, reduction).item<double>();
            Assert.That(loss.Call(evidence, target, reduction, ones, -100).item<double>(), Is.EqualTo(unweighted).Within(1e-12 * Math.Abs(unweighted)), $"{reduction}; {c}");
        }

        // Half the positions ignored: weight 1 + ignore = ignore alone = mean over the kept positions.
        var half = WeightIgnoreCase.Build("ones-ignored", shape, ScalarType.Float64, false, ScalarType.Float64, -100, p => p % 2 == 0, $"ones-ignored|{loss}{spatial}");
        var (halfEvidence, halfTarget) = (half.EvidenceTensor(), half.TargetTensor());
        double ignoredOnly = loss.Call(halfEvidence, halfTarget, Reduction.Mean, null, -100).item<double>();
        double ignoredWeighted = loss.Call(halfEvidence, halfTarget, Reduction.Mean, ones, -100).item<double>();
        double keptMean = ReferenceTensor.Mean(Tensors.ToDoubles(loss.Core(halfEvidence, halfTarget.clamp_min(0), Reduction.None)).Where((_, p) => p % 2 != 0).ToArray());
        Assert.That(ignoredWeighted, Is.EqualTo(ignoredOnly).Within(1e-12 * Math.Abs(ignoredOnly)), "Mean with weight 1 and ignored positions vs without weight");
        Assert.That(ignoredOnly, Is.EqualTo(keptMean).Within(1e-12 * Math.Abs(keptMean)), "Mean with ignored positions vs the unweighted mean over the kept positions");
    }

    /// <summary>
    /// ignoreIndex equal to a real class c (0 or 2, present, next to another class) on (10, 4) or (2, 4, 3, 2), weighted
    /// [0.5, 2, 1.25, 3] or not: None is the unweighted None times w[y] with the positions of c exactly 0 (bit for bit);
    /// Sum and Mean are the weighted sum and mean over the other positions (1e-12 relative).
    /// </summary>
    [Test]
    public void Loss_IgnoreIndexEqualToARealClass_IgnoresThatClass([ValueSource(nameof(Options))] LossVariant loss, [Values(0L, 2L)] long ignoredClass,
        [Values] bool spatial, [Values] bool weighted)
    {
        using var scope = NewDisposeScope();
        var c = WeightIgnoreCase.Build("real", spatial ? new long[] { 2, 4, 3, 2 } : new long[] { 10, 4 }, ScalarType.Float64, false, ScalarType.Float64, -100,
            _ => false, $"real|{loss}|{ignoredClass}{spatial}");
        long[] y = c.Target.ToArray();
        y[0] = ignoredClass;                                                  // the class is present ...
        y[1] = (ignoredClass + 1) % c.Classes;                                // ... and so is another
        var evidence = c.EvidenceTensor();
        var target = Tensors.FromLongs(y, c.PositionShape);
        double[] w = weighted ? new[] { 0.5, 2.0, 1.25, 3.0 } : new[] { 1.0, 1.0, 1.0, 1.0 };
        var weight = weighted ? Tensors.FromDoubles(w, new long[] { 4 }) : null;

        double[] expectedNone = Tensors.ToDoubles(loss.Core(evidence, target, Reduction.None)).Select((l, p) => y[p] == ignoredClass ? 0.0 : l * w[y[p]]).ToArray();
        double sum = ReferenceTensor.Sum(expectedNone);
        double mean = sum / ReferenceTensor.Sum(y.Select(t => t == ignoredClass ? 0.0 : w[t]).ToArray());
        Assert.That(Tensors.ToDoubles(loss.Call(evidence, target, Reduction.None, weight, ignoredClass)), Is.EqualTo(expectedNone), $"None; target [{string.Join(", ", y)}]");
        Assert.That(loss.Call(evidence, target, Reduction.Sum, weight, ignoredClass).item<double>(), Is.EqualTo(sum).Within(1e-12 * Math.Abs(sum)), "Sum");
        Assert.That(loss.Call(evidence, target, Reduction.Mean, weight, ignoredClass).item<double>(), Is.EqualTo(mean).Within(1e-12 * Math.Abs(mean)), "Mean");
    }

    /// <summary>
    /// Byte (ignoreIndex 255), Int8 (−1), Int16 (−100) and Int32 (255) targets of (2, 3, 4, 5) holding classes and the
    /// ignoreIndex, with a weight: every reduction gives the Int64 target's result exactly.
    /// </summary>
    [Test]
    public void Loss_NarrowIntegerTargetWithIgnoreIndex_EqualsInt64Target([ValueSource(nameof(Losses))] LossOp op,
        [Values(ScalarType.Byte, ScalarType.Int8, ScalarType.Int16, ScalarType.Int32)] ScalarType indexType)
    {
        var loss = MainOption(op);
        long ignoreIndex = indexType switch { ScalarType.Int8 => -1, ScalarType.Int16 => -100, _ => 255 };
        using var scope = NewDisposeScope();
        var c = WeightIgnoreCase.Build("narrow", new long[] { 2, 3, 4, 5 }, ScalarType.Float32, true, ScalarType.Float32, ignoreIndex,
            p => p % 20 < 5 || p % 5 == 0, $"narrow|{loss}|{indexType}");
        var (evidence, wide) = (c.EvidenceTensor(), c.TargetTensor());
        var narrow = wide.to(indexType);
        Assert.That(Tensors.ToLongs(narrow), Is.EqualTo(c.Target), "Test setup: the narrow target holds the same values.");
        foreach (var reduction in AllReductions)
        {
            Assert.That(Tensors.ToDoubles(loss.Call(evidence, narrow, reduction, c.WeightTensor(), ignoreIndex)),
                Is.EqualTo(Tensors.ToDoubles(loss.Call(evidence, wide, reduction, c.WeightTensor(), ignoreIndex))), $"{reduction}: {indexType} target");
        }
    }

    /// <summary>
    /// Probability targets with the default weight and ignoreIndex given explicitly are accepted: every reduction matches
    /// the reference Σ over y (evidence and target (2, 3) of <see cref="Evidence23"/> and <see cref="Probabilities23"/>).
    /// </summary>
    [Test]
    public void Loss_ProbabilityTargetWithDefaultWeightAndIgnoreIndex_MatchesReference([ValueSource(nameof(Options))] LossVariant loss)
    {
        using var scope = NewDisposeScope();
        var (evidence, target) = (Evidence23(), Probabilities23());
        double[] e = Tensors.ToDoubles(evidence), y = Tensors.ToDoubles(target);   // the values the Float32 tensors hold
        var expected = new[] { loss.Reference(e[..3], y[..3]), loss.Reference(e[3..], y[3..]) };
        foreach (var reduction in AllReductions)
        {
            double[] actual = Tensors.ToDoubles(loss.Call(evidence, target, reduction, null, -100));
            double[] want = reduction == Reduction.None ? expected.Select(x => x.Value).ToArray()
                : new[] { expected.Sum(x => x.Value) / (reduction == Reduction.Mean ? 2 : 1) };
            Assert.That(actual, Is.EqualTo(want).Within(1e-5 * expected.Sum(x => x.Scale)), $"{reduction}: probability target with weight null and ignoreIndex −100");
        }
    }

    // ---- rejected arguments ----

    /// <summary>One rejected combination: lazily built (evidence, target, weight), the ignoreIndex, and the expected ArgumentException.</summary>
    public sealed record Rejection(string Name, Func<(Tensor Evidence, Tensor Target, Tensor? Weight)> Build, long IgnoreIndex, string ParamName, params string[] MessageParts)
    {
        public override string ToString() => Name;
    }

    private static Tensor Evidence23() => Tensors.FromDoubles(new[] { 0.0, 1.0, 0.5, 2.0, 3.0, 0.0 }, new long[] { 2, 3 }, ScalarType.Float32);

    private static Tensor Probabilities23() => Tensors.FromDoubles(new[] { 1.0, 0.0, 0.0, 0.2, 0.3, 0.5 }, new long[] { 2, 3 }, ScalarType.Float32);

    private static Tensor Index(params long[] values) => Tensors.FromLongs(values, new long[] { values.Length });

    private static Tensor Narrow(ScalarType type, params long[] values) => Index(values).to(type);

    private static Tensor Weight(params double[] values) => Tensors.FromDoubles(values, new long[] { values.Length }, ScalarType.Float32);

    private static Rejection BadWeight(string name, Func<Tensor> weight, params string[] parts) => new(name, () => (Evidence23(), Index(0, 1), weight()), -100, "weight", parts);

    private static Rejection BadTarget(string name, Func<Tensor> target, long ignoreIndex, params string[] parts) => new(name, () => (Evidence23(), target(), null), ignoreIndex, "target", parts);

    /// <summary>The rejected weight / ignoreIndex / target combinations (evidence (2, 3) unless said otherwise).</summary>
    public static IEnumerable<Rejection> Rejections()
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
        yield return new("WeightWithProbabilityTarget", () => (Evidence23(), Probabilities23(), Weight(1, 2, 3)), -100, "weight", "class-index", "probability");
        yield return new("IgnoreIndex255WithProbabilityTarget", () => (Evidence23(), Probabilities23(), null), 255, "ignoreIndex", "probability", "255");
        yield return new("IgnoreIndexZeroWithProbabilityTarget", () => (Evidence23(), Probabilities23(), null), 0, "ignoreIndex", "probability", "= 0");

        // A target outside [0, C) that is not the ignoreIndex is still rejected.
        yield return BadTarget("TargetMinusOneWithDefaultIgnoreIndex", () => Index(0, -1), -100, "[0, 2]", "-100", "[-1, 0]");
        yield return BadTarget("TargetEqualToClassCountWithIgnoreIndex255", () => Index(3, 255), 255, "[0, 2]", "255", "[0, 3]");
        yield return BadTarget("TargetMinus100WithIgnoreIndex255", () => Index(-100, 1), 255, "255", "[-100, 1]");
        yield return new("TargetOutOfRangeWithWeight", () => (Evidence23(), Index(0, 5), Weight(1, 2, 3)), -100, "target", "[0, 2]", "5");
        yield return BadTarget("ByteTarget156WithDefaultIgnoreIndex", () => Narrow(ScalarType.Byte, 0, 156), -100, "[0, 2]", "156");
        yield return BadTarget("ByteTarget255WithIgnoreIndexMinusOne", () => Narrow(ScalarType.Byte, 0, 255), -1, "[0, 2]", "255");
        yield return BadTarget("Int8TargetMinusOneWithIgnoreIndex255", () => Narrow(ScalarType.Int8, 0, -1), 255, "[0, 2]", "-1");
        yield return BadTarget("Int32Target5WithIgnoreIndexBeyondInt32", () => Narrow(ScalarType.Int32, 0, 5), (1L << 32) + 5, "[0, 2]", "5");

        // An empty batch still validates the weight's values.
        yield return new("EmptyBatchWithNegativeWeight",
            () => (Tensors.FromDoubles(Array.Empty<double>(), new long[] { 0, 3 }, ScalarType.Float32), Index(), Weight(1, -0.5, 2)), -100, "weight", "-0.5");
    }

    /// <summary>
    /// Every reduction throws exactly <see cref="ArgumentException"/> (no subclass, no raw libtorch
    /// <see cref="ExternalException"/>) naming the parameter, whose message holds every expected part; the call leaves no
    /// tensor alive and disposes no input.
    /// </summary>
    [Test]
    public void Loss_InvalidWeightIgnoreIndexOrTarget_ThrowsExactArgumentException([ValueSource(nameof(Losses))] LossOp op, [ValueSource(nameof(Rejections))] Rejection row)
    {
        var loss = MainOption(op);
        using var scope = NewDisposeScope();
        var (evidence, target, weight) = row.Build();
        foreach (var reduction in AllReductions)
        {
            long before = Live;
            var caught = Assert.Catch(() => loss.Call(evidence, target, reduction, weight, row.IgnoreIndex).Dispose(), $"{reduction}: expected ArgumentException for '{row.ParamName}'")!;
            Assert.That(caught is ExternalException, Is.False, () => $"{reduction}: a raw libtorch exception leaked: {caught.GetType().Name}: {caught.Message.Split('\n')[0]}");
            Assert.That(caught.GetType(), Is.EqualTo(typeof(ArgumentException)), () => $"{reduction}: wrong exception type: {caught}");
            Assert.That(((ArgumentException)caught).ParamName, Is.EqualTo(row.ParamName), () => $"{reduction}: wrong ParamName in: {caught.Message}");
            foreach (var part in row.MessageParts)
                Assert.That(caught.Message, Does.Contain(part), $"{reduction}: the message should contain \"{part}\".");
            Assert.That(Live, Is.EqualTo(before), $"{reduction}: a rejected call leaves tensors alive.");
        }

        Assert.That(evidence.IsInvalid || target.IsInvalid, Is.False, "A rejected call must not dispose its inputs.");
    }

    // ---- edge inputs ----

    /// <summary>An empty batch (0, 3) or empty dimension (2, 3, 0) with a weight: None is empty, Sum and Mean are 0 (not NaN), in Float32.</summary>
    [Test]
    public void Loss_EmptyBatchWithWeight_ReturnsZeroMeanAndSum([ValueSource(nameof(Losses))] LossOp op, [Values] bool emptyDimension)
    {
        using var scope = NewDisposeScope();
        var shape = emptyDimension ? new long[] { 2, 3, 0 } : new long[] { 0, 3 };
        var evidence = zeros(shape, ScalarType.Float32);
        var target = zeros(ReferenceTensor.PositionShape(shape), ScalarType.Int64);
        var weight = Weight(0.5, 1.0, 1.5);
        foreach (var reduction in AllReductions)
        {
            var output = MainOption(op).Call(evidence, target, reduction, weight, 255);
            Assert.That(output.dtype, Is.EqualTo(ScalarType.Float32), $"{reduction}: dtype");
            Assert.That(output.shape, Is.EqualTo(reduction == Reduction.None ? ReferenceTensor.PositionShape(shape) : Array.Empty<long>()), $"{reduction}: shape");
            if (reduction != Reduction.None)
                Assert.That(output.item<float>(), Is.EqualTo(0f), $"{reduction} over no position with a weight is 0 (not NaN).");
        }
    }

    /// <summary>
    /// NaN evidence (which the range check lets through, as cross_entropy does) and the largest admissible value at a
    /// position ignored with the default −100: Sum and its gradient equal those of the batch without that position exactly,
    /// and the gradient there is exactly 0.
    /// </summary>
    [Test]
    public void Loss_NaNAndHugeEvidenceAtIgnoredPosition_ResultAndGradientEqualThoseWithoutIt([ValueSource(nameof(Options))] LossVariant loss)
    {
        using var scope = NewDisposeScope();
        // A loss that takes α rejects NaN at every position, ignored ones included (ValidationKit's NaNAlphaAtIgnoredPosition
        // row); with the value checks off, what is left to test is that the masking keeps it out.
        using var checksOff = loss.Input == LossInput.Alpha ? UL.ValidationScope(validateValues: false) : null;
        var evidence = Tensors.FromDoubles(new[] { double.NaN, UL.MaxEvidence, 0.0, 2.0, 0.5, 1.0 }, new long[] { 2, 3 }, ScalarType.Float32).requires_grad_(true);
        var kept = Tensors.FromDoubles(new[] { 2.0, 0.5, 1.0 }, new long[] { 1, 3 }, ScalarType.Float32).requires_grad_(true);
        var value = loss.Core(evidence, Index(-100, 1), Reduction.Sum);
        value.backward();
        var expected = loss.Core(kept, Index(1), Reduction.Sum);
        expected.backward();

        double[] grad = Tensors.ToDoubles(evidence.grad!);
        Assert.That(value.item<float>(), Is.EqualTo(expected.item<float>()), "value");
        Assert.That(grad.All(double.IsFinite), Is.True, "gradient finite");
        Assert.That(grad.Take(3), Is.All.EqualTo(0.0), "gradient at the ignored position");
        Assert.That(grad.Skip(3), Is.EqualTo(Tensors.ToDoubles(kept.grad!)), "gradient at the kept position");
    }

    // ---- tensor lifetimes ----

    /// <summary>Float32 evidence (2, 3, 2, 2) with four positions set to 255 and a weight of <paramref name="weightDtype"/>.</summary>
    private static WeightIgnoreCase MemoryCase(ScalarType weightDtype) =>
        WeightIgnoreCase.Build("memory", new long[] { 2, 3, 2, 2 }, ScalarType.Float32, true, weightDtype, 255, p => p % 2 == 1, "memory" + weightDtype, maxEvidence: 100);

    /// <summary>
    /// With a weight and ignored positions, outside any scope: every reduction leaves exactly its result alive and nothing
    /// once the result is disposed; the result is in the graph exactly when the evidence is; the inputs stay valid and
    /// unchanged (values, requires_grad, the weight's dtype).
    /// </summary>
    [Test]
    public void Loss_CallWithWeightAndIgnoredPositions_LeavesOnlyItsResultAlive([ValueSource(nameof(Options))] LossVariant loss, [Values] bool requiresGrad,
        [Values(ScalarType.Float32, ScalarType.Float64)] ScalarType weightDtype)
    {
        var c = MemoryCase(weightDtype);
        Assert.That(c.IgnoredCount, Is.GreaterThan(0), "Test setup: some positions are ignored.");
        using var evidence = c.EvidenceTensor(requiresGrad);
        using var target = c.TargetTensor();
        using var weight = c.WeightTensor()!;
        foreach (var reduction in AllReductions)
        {
            long before = Live;
            var result = loss.Call(evidence, target, reduction, weight, c.IgnoreIndex);
            Assert.That(Live, Is.EqualTo(before + 1), $"{reduction}: only the result may be left alive by the call.");
            Assert.That(result.requires_grad, Is.EqualTo(requiresGrad), $"{reduction}: the result is in the graph exactly when the evidence is.");
            result.Dispose();
            Assert.That(Live, Is.EqualTo(before), $"{reduction}: a tensor created by the call outlives it.");
        }

        Assert.That(evidence.IsInvalid || target.IsInvalid || weight.IsInvalid, Is.False, "The call disposed an input.");
        Assert.That(Tensors.ToDoubles(evidence), Is.EqualTo(c.Evidence), "The call changed the evidence.");
        Assert.That(Tensors.ToLongs(target), Is.EqualTo(c.Target), "The call changed the target.");
        Assert.That(Tensors.ToDoubles(weight), Is.EqualTo(c.Weight), "The call changed the weight.");
        Assert.That(evidence.requires_grad, Is.EqualTo(requiresGrad), "The evidence's requires_grad changed.");
        Assert.That(weight.dtype, Is.EqualTo(c.WeightDtype), "The weight's dtype changed.");
    }

    /// <summary>Inside a caller's scope the result (and nothing else) joins that scope; the inputs are not disposed.</summary>
    [Test]
    public void Loss_CallInsideCallerScope_AttachesOnlyItsResultToThatScope([ValueSource(nameof(Losses))] LossOp op, [Values] Reduction reduction)
    {
        var c = MemoryCase(ScalarType.Float64);
        long before = Live;
        Tensor result;
        using (var scope = NewDisposeScope())
        {
            var (evidence, target, weight) = (c.EvidenceTensor(requiresGrad: true), c.TargetTensor(), c.WeightTensor()!);
            int count = scope.DisposablesCount;
            result = MainOption(op).Call(evidence, target, reduction, weight, c.IgnoreIndex);
            Assert.That(scope.Contains(result), Is.True, "The result must join the caller's scope.");
            Assert.That(scope.DisposablesCount, Is.EqualTo(count + 1), "Only the result may join the caller's scope.");
            Assert.That(evidence.IsInvalid || target.IsInvalid || weight.IsInvalid, Is.False, "The call must not dispose its inputs.");
        }

        Assert.That(result.IsInvalid, Is.True, "Disposing the caller's scope disposes the result.");
        Assert.That(Live, Is.EqualTo(before), "Nothing may stay alive after the caller's scope ends.");
    }
}

/// <summary>The shapes of the table-driven weight/ignore cases.</summary>
public enum CaseShape
{
    /// <summary>(9, 4), ignoreIndex −100 (the default, passed explicitly) at positions 1, 4 and 7.</summary>
    Flat,

    /// <summary>(3, 3, 5), ignoreIndex −1, weights in the other floating dtype than the evidence.</summary>
    Sequence,

    /// <summary>(2, 5, 6, 7) segmentation, ignoreIndex 255 on the one-pixel border.</summary>
    Segmentation,
}

/// <summary>Which of <c>weight</c> and <c>ignoreIndex</c> a table-driven case uses.</summary>
public enum WeightVariant
{
    WeightOnly,
    IgnoreOnly,
    WeightAndIgnore,
}

/// <summary>
/// One weight/ignore input: evidence (N, C, d…), a class-index target (N, d…) holding classes or the ignore index, and
/// optional per-class weights. Float32 evidence and Float32 weights are rounded to single precision here, so the
/// reference sees what the tensors hold.
/// </summary>
public sealed class WeightIgnoreCase
{
    public WeightIgnoreCase(string label, long[] shape, double[] evidence, ScalarType dtype, long[] target, double[]? weight, ScalarType weightDtype, long ignoreIndex)
    {
        Label = label;
        Shape = shape;
        Dtype = dtype;
        Evidence = dtype == ScalarType.Float32 ? Tensors.RoundToSingle(evidence) : evidence;
        Target = target;
        WeightDtype = weightDtype;
        Weight = weight is null ? null : weightDtype == ScalarType.Float32 ? Tensors.RoundToSingle(weight) : weight;
        IgnoreIndex = ignoreIndex;
    }

    public string Label { get; }

    public long[] Shape { get; }

    public double[] Evidence { get; }

    public ScalarType Dtype { get; }

    public long[] Target { get; }

    /// <summary>The weight values the tensor holds (null: no weight).</summary>
    public double[]? Weight { get; }

    public ScalarType WeightDtype { get; }

    public long IgnoreIndex { get; }

    public int Classes => (int)Shape[1];

    public long[] PositionShape => ReferenceTensor.PositionShape(Shape);

    /// <summary>The weights as the loss computes with them: in the evidence's (compute) dtype.</summary>
    public double[]? EffectiveWeight => Weight is null ? null : Dtype == ScalarType.Float32 ? Tensors.RoundToSingle(Weight) : Weight;

    public bool IsIgnored(int position) => Target[position] == IgnoreIndex;

    public int IgnoredCount => Target.Count(t => t == IgnoreIndex);

    public Tensor EvidenceTensor(bool requiresGrad = false) => Tensors.FromDoubles(Evidence, Shape, Dtype).requires_grad_(requiresGrad);

    public Tensor TargetTensor() => Tensors.FromLongs(Target, PositionShape);

    public Tensor? WeightTensor() => Weight is null ? null : Tensors.FromDoubles(Weight, new long[] { Classes }, WeightDtype);

    /// <summary>The reference l_n of <paramref name="loss"/> per position (0 where ignored: not evaluated).</summary>
    public double[] Values(LossVariant loss, double[]? evidence = null) =>
        WeightedReductionReference.Evaluate(evidence ?? Evidence, Shape, Target, IgnoreIndex, (e, c) => loss.ByIndex(e, c).Value);

    /// <summary>max(|l_n|, cancelling terms) per position: the scale a relative tolerance applies to.</summary>
    public double[] Scales(LossVariant loss) =>
        WeightedReductionReference.Evaluate(Evidence, Shape, Target, IgnoreIndex, (e, c) => loss.ByIndex(e, c).Scale);

    /// <summary>Flat evidence indices (row-major) of position <paramref name="position"/>'s C values.</summary>
    public IEnumerable<int> ElementsOf(int position)
    {
        int d = (int)(Evidence.Length / Shape[0] / Shape[1]);
        int n = position / d, s = position % d;
        for (int j = 0; j < Classes; j++)
            yield return (n * Classes + j) * d + s;
    }

    public override string ToString()
    {
        string w = Weight is null ? "none" : $"{WeightDtype} [{string.Join(", ", Weight.Select(x => x.ToString("R", CultureInfo.InvariantCulture)))}]";
        string t = Target.Length <= 24 ? "[" + string.Join(", ", Target) + "]" : $"{Target.Length} positions";
        return $"{Label}: shape [{string.Join(", ", Shape)}], {Dtype}, ignoreIndex {IgnoreIndex} ({IgnoredCount} ignored), target {t}, weight {w}";
    }

    // ---- seeded inputs ----

    /// <summary>FNV-1a, stable across processes (string.GetHashCode is not).</summary>
    private static int StableSeed(string text)
    {
        uint h = 2166136261;
        foreach (char ch in text)
        {
            h ^= ch;
            h *= 16777619;
        }

        return (int)(h & 0x7fffffff);
    }

    /// <summary>25% zeros, 50% uniform in [0, 5], 25% log-uniform in [1e-3, <paramref name="maxEvidence"/>], seeded by <paramref name="seed"/>.</summary>
    public static double[] RandomEvidence(string seed, int count, double maxEvidence) => RandomEvidence(new Random(StableSeed(seed)), count, maxEvidence);

    private static double[] RandomEvidence(Random random, int count, double maxEvidence) =>
        Enumerable.Range(0, count).Select(_ =>
        {
            double u = random.NextDouble();
            return u < 0.25 ? 0.0 : u < 0.75 ? 5.0 * random.NextDouble() : Math.Pow(10, -3 + (Math.Log10(maxEvidence) + 3) * random.NextDouble());
        }).ToArray();

    /// <summary>Weights k/8, k in 0..24 (exact in Float32), about one class in six weighted 0, never all 0.</summary>
    private static double[] RandomWeight(Random random, int classes)
    {
        var w = Enumerable.Range(0, classes).Select(_ => random.Next(6) == 0 ? 0.0 : random.Next(1, 25) / 8.0).ToArray();
        if (w.All(x => x == 0.0))
            w[0] = 1.5;
        return w;
    }

    /// <summary>
    /// Random evidence and classes from a generator seeded by <paramref name="seed"/>; positions for which
    /// <paramref name="ignore"/> is true get <paramref name="ignoreIndex"/>.
    /// </summary>
    public static WeightIgnoreCase Build(string label, long[] shape, ScalarType dtype, bool weighted, ScalarType weightDtype, long ignoreIndex,
        Func<int, bool> ignore, string seed, double maxEvidence = 1e3)
    {
        var random = new Random(StableSeed(seed));
        int classes = (int)shape[1];
        int numel = (int)shape.Aggregate(1L, (a, b) => a * b);
        var evidence = RandomEvidence(random, numel, maxEvidence);
        var target = Enumerable.Range(0, numel / classes).Select(p => ignore(p) ? ignoreIndex : random.Next(classes)).ToArray();
        var weight = weighted ? RandomWeight(random, classes) : null;
        return new WeightIgnoreCase(label, shape, evidence, dtype, target, weight, weightDtype, ignoreIndex);
    }

    /// <summary>The table-driven cases: see <see cref="CaseShape"/> and <see cref="WeightVariant"/>.</summary>
    public static WeightIgnoreCase Standard(CaseShape kind, ScalarType dtype, WeightVariant variant, string salt, double maxEvidence = 1e3)
    {
        bool weighted = variant != WeightVariant.IgnoreOnly;
        bool ignoring = variant != WeightVariant.WeightOnly;
        string seed = $"{salt}|{kind}|{dtype}|{variant}", label = $"{kind}/{variant}";
        var other = dtype == ScalarType.Float64 ? ScalarType.Float32 : ScalarType.Float64;
        const int h = 6, w = 7;
        return kind switch
        {
            CaseShape.Flat => Build(label, new long[] { 9, 4 }, dtype, weighted, dtype, -100, p => ignoring && p % 3 == 1, seed, maxEvidence),
            CaseShape.Sequence => Build(label, new long[] { 3, 3, 5 }, dtype, weighted, other, -1, p => ignoring && (p % 5 == 0 || p == 7), seed, maxEvidence),
            _ => Build(label, new long[] { 2, 5, h, w }, dtype, weighted, dtype, 255, p =>
            {
                int s = p % (h * w), row = s / w, col = s % w;
                return ignoring && (row == 0 || row == h - 1 || col == 0 || col == w - 1);
            }, seed, maxEvidence),
        };
    }

    // ---- FsCheck inputs ----

    private const int Steps = 1 << 20;

    private static Gen<double> Unit { get; } = Gen.Choose(0, Steps).Select(i => i / (double)Steps);

    /// <summary>
    /// Random inputs: (N, C, d…) with N in 1..5, C in 2..6 and up to two extra dimensions of 1..4; Float64 or Float32
    /// evidence (1 in 4 zero, 1 in 2 uniform in [0, 5], 1 in 4 log-uniform in [1e-3, 1e3]); no weight or a weight of
    /// k/8, k in 0..24, 0 with probability about 1/5 (Float64 or Float32); ignoreIndex among −100, 255, −1 and the real
    /// classes 0 and 1, and a fraction 0, 0.2, 0.5 or 1 of the positions set to it (when the ignoreIndex is a real class
    /// its own positions are ignored as well).
    /// </summary>
    public static Gen<WeightIgnoreCase> Generated { get; } =
        from n in Gen.Choose(1, 5)
        from classes in Gen.Choose(2, 6)
        from k in Gen.Choose(0, 2)
        from dims in Gen.ArrayOf(Gen.Choose(1, 4), k)
        let shape = new[] { (long)n, classes }.Concat(dims.Select(d => (long)d)).ToArray()
        let positions = (int)shape.Aggregate(1L, (a, b) => a * b) / classes
        from dtype in Gen.Elements(ScalarType.Float64, ScalarType.Float32)
        from evidence in Gen.ArrayOf(Gen.Frequency((1, Gen.Constant(0.0)), (2, Unit.Select(u => 5 * u)), (1, Unit.Select(u => Math.Pow(10, -3 + 6 * u)))), positions * classes)
        from labels in Gen.ArrayOf(Gen.Choose(0, classes - 1), positions)
        from ignoreIndex in Gen.Elements(-100L, 255L, -1L, 0L, 1L)
        from percent in Gen.Elements(0, 20, 50, 100)
        from ignored in Gen.ArrayOf(Gen.Choose(0, 99).Select(x => x < percent), positions)
        from weighted in Gen.Frequency((1, Gen.Constant(false)), (3, Gen.Constant(true)))
        from weight in Gen.ArrayOf(Gen.Frequency((1, Gen.Constant(0.0)), (4, Gen.Choose(1, 24).Select(j => j / 8.0))), classes)
        from weightDtype in Gen.Elements(ScalarType.Float64, ScalarType.Float32)
        select new WeightIgnoreCase("generated", shape, evidence, dtype, labels.Select((y, p) => ignored[p] ? ignoreIndex : y).ToArray(),
            weighted ? weight : null, weightDtype, ignoreIndex);
}
