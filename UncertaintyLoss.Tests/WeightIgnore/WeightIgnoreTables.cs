namespace UncertaintyLoss.Tests.WeightIgnoreKit;

/// <summary>Test-case tables and the assertion bodies the six fixtures share.</summary>
public static class WeightIgnoreTables
{
    private static readonly ScalarType[] Dtypes = { ScalarType.Float64, ScalarType.Float32 };

    /// <summary>Every loss × Float64/Float32 × (N, C), (N, C, d1), (N, C, H, W) × weight only / ignore only / both.</summary>
    public static IEnumerable<TestCaseData> ReferenceCases(IEnumerable<WeightedLoss> losses) =>
        from loss in losses
        from dtype in Dtypes
        from shape in Enum.GetValues<CaseShape>()
        from variant in Enum.GetValues<WeightVariant>()
        select new TestCaseData(loss, dtype, shape, variant);

    /// <summary>Every loss × the three shapes × Mean and Sum, Float64, weight and ignored positions.</summary>
    public static IEnumerable<TestCaseData> GradientCases(IEnumerable<WeightedLoss> losses) =>
        from loss in losses
        from shape in Enum.GetValues<CaseShape>()
        from reduction in new[] { Reduction.Mean, Reduction.Sum }
        select new TestCaseData(loss, shape, reduction);

    /// <summary>None, Mean and Sum of a table case against the weighted/ignored reference.</summary>
    public static void AssertMatchesReference(WeightedLoss loss, ScalarType dtype, CaseShape shape, WeightVariant variant)
    {
        var c = WeightIgnoreCases.Standard(shape, dtype, variant, loss.Name);
        Assert.That(c.IgnoredCount > 0, Is.EqualTo(variant != WeightVariant.WeightOnly), "Test setup: ignored positions exactly when asked.");
        Assert.Multiple(() =>
        {
            foreach (var reduction in WeightIgnoreCases.AllReductions)
                Assert.That(WeightIgnoreChecks.ReferenceFailure(loss, c, reduction), Is.Null, reduction.ToString());
        });
    }

    /// <summary>The gradient of a table case (weight and ignored positions, Float64, evidence up to 100).</summary>
    public static void AssertGradient(WeightedLoss loss, CaseShape shape, Reduction reduction)
    {
        var c = WeightIgnoreCases.Standard(shape, ScalarType.Float64, WeightVariant.WeightAndIgnore, "gradient|" + loss.Name, maxEvidence: 100);
        Assert.That(c.IgnoredCount, Is.GreaterThan(0), "Test setup: some positions are ignored.");
        Assert.That(WeightIgnoreChecks.GradientFailure(loss, c, reduction), Is.Null);
    }

    /// <summary>Every position carries the ignoreIndex (−100 for (3, 4), 255 for (2, 3, 2, 2)), with or without a weight.</summary>
    public static void AssertAllIgnoredIsZero(WeightedLoss loss, ScalarType dtype, bool spatial, bool weighted)
    {
        var shape = spatial ? new long[] { 2, 3, 2, 2 } : new long[] { 3, 4 };
        long ignoreIndex = spatial ? 255 : -100;
        var c = WeightIgnoreCases.Build("all-ignored", shape, dtype, weighted, dtype, ignoreIndex, _ => true,
            WeightIgnoreCases.StableSeed($"all|{loss}|{dtype}|{spatial}"), maxEvidence: 100);
        WeightIgnoreChecks.AssertZeroEverywhere(loss, c);
    }

    /// <summary>Targets use classes 1 and 3 only (and possibly −100), whose weights are 0; classes 0 and 2 weigh 2.5 and 1.</summary>
    public static void AssertZeroWeightOnPresentClassesIsZero(WeightedLoss loss, ScalarType dtype, bool withIgnored)
    {
        var random = new Random(WeightIgnoreCases.StableSeed($"zero|{loss}|{dtype}|{withIgnored}"));
        var shape = new long[] { 4, 4, 3 };
        var target = Enumerable.Range(0, 12).Select(p => withIgnored && p % 4 == 0 ? -100L : p % 2 == 0 ? 1L : 3L).ToArray();
        var c = new WeightIgnoreCase("zero-weights", shape, WeightIgnoreCases.RandomEvidence(random, 48, 100), dtype, target,
            new[] { 2.5, 0.0, 1.0, 0.0 }, dtype, -100);
        WeightIgnoreChecks.AssertZeroEverywhere(loss, c);
    }

    /// <summary>Float32 evidence (2, 3, 2, 2) with four positions set to 255 and a weight of <paramref name="weightDtype"/>.</summary>
    public static WeightIgnoreCase MemoryCase(ScalarType weightDtype) =>
        WeightIgnoreCases.Build("memory", new long[] { 2, 3, 2, 2 }, ScalarType.Float32, true, weightDtype, 255, p => p % 2 == 1,
            WeightIgnoreCases.StableSeed("memory" + weightDtype), maxEvidence: 100);

    /// <summary>
    /// Float16 / BFloat16 evidence with a Float32 weight and ignored positions: the result keeps the evidence's dtype and
    /// matches the reference on the rounded evidence within the output's precision.
    /// </summary>
    public static void AssertHalfPrecision(WeightedLoss loss, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var c = WeightIgnoreCases.Build("half", new long[] { 4, 3, 3 }, ScalarType.Float64, true, ScalarType.Float32, -100, p => p % 4 == 3,
            WeightIgnoreCases.StableSeed($"half|{loss}|{dtype}"), maxEvidence: 50);
        var evidence = Tensors.FromDoubles(c.Evidence, c.Shape, dtype);
        var rounded = new WeightIgnoreCase("half", c.Shape, Tensors.ToDoubles(evidence), ScalarType.Float64, c.Target, c.Weight, ScalarType.Float32, c.IgnoreIndex);
        double rtol = dtype == ScalarType.BFloat16 ? 1.6e-2 : 2e-3;
        double[] l = rounded.PerPosition(loss.Reference);
        double[] m = loss.Magnitude is null ? l.Select(Math.Abs).ToArray() : rounded.PerPosition(loss.Magnitude);
        double[] s = l.Select((x, i) => Math.Max(Math.Abs(x), m[i])).ToArray();
        foreach (var reduction in WeightIgnoreCases.AllReductions)
        {
            var output = loss.Call(evidence, rounded.TargetTensor(), reduction, rounded.WeightTensor(), rounded.IgnoreIndex);
            Assert.That(output.dtype, Is.EqualTo(dtype), $"{reduction}: the result has the evidence's dtype");
            double[] actual = Tensors.ToDoubles(output);
            double[] expected, scale;
            if (reduction == Reduction.None)
            {
                expected = WeightedReductionReference.None(l, rounded.Target, rounded.Weight, rounded.IgnoreIndex);
                scale = WeightedReductionReference.None(s, rounded.Target, rounded.Weight, rounded.IgnoreIndex);
            }
            else if (reduction == Reduction.Sum)
            {
                expected = new[] { WeightedReductionReference.Sum(l, rounded.Target, rounded.Weight, rounded.IgnoreIndex) };
                scale = new[] { WeightedReductionReference.Sum(s, rounded.Target, rounded.Weight, rounded.IgnoreIndex) };
            }
            else
            {
                expected = new[] { WeightedReductionReference.Mean(l, rounded.Target, rounded.Weight, rounded.IgnoreIndex) };
                scale = new[] { WeightedReductionReference.Mean(s, rounded.Target, rounded.Weight, rounded.IgnoreIndex) };
            }

            Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{reduction}: number of values");
            for (int i = 0; i < actual.Length; i++)
            {
                Assert.That(Math.Abs(actual[i] - expected[i]), Is.LessThanOrEqualTo(rtol * scale[i]),
                    $"{reduction} value {i}: actual {actual[i]:R}, expected {expected[i]:R}; {rounded}");
            }
        }
    }
}
