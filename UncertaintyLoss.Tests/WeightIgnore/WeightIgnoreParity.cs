namespace UncertaintyLoss.Tests.WeightIgnoreKit;

/// <summary>Input shapes of the Core-parity test.</summary>
public enum ParityShape
{
    Flat,
    Spatial,
    EmptyBatch,
    EmptySpatialDimension,
}

/// <summary>Relations between the weighted / ignored call and the Core call (no reference formulas involved).</summary>
public static class WeightIgnoreParity
{
    private const double Rtol = 1e-12;

    private static WeightIgnoreCase Case(bool spatial, string salt, Func<int, bool>? ignore = null, long ignoreIndex = -100) =>
        WeightIgnoreCases.Build(salt, spatial ? new long[] { 2, 4, 3, 2 } : new long[] { 10, 4 }, ScalarType.Float64, false, ScalarType.Float64,
            ignoreIndex, ignore ?? (_ => false), WeightIgnoreCases.StableSeed(salt + spatial));

    /// <summary>
    /// Without weight, an ignoreIndex that no target holds gives the Core result exactly, for every reduction; also for an
    /// empty batch, whose Mean is 0 (docs/conventions.md, "Empty batches").
    /// </summary>
    public static void AssertAbsentIgnoreIndexIsCore(WeightedLoss loss, ScalarType dtype, long ignoreIndex, ParityShape kind)
    {
        var shape = kind switch
        {
            ParityShape.Flat => new long[] { 10, 4 },
            ParityShape.Spatial => new long[] { 2, 4, 3, 2 },
            ParityShape.EmptyBatch => new long[] { 0, 4 },
            _ => new long[] { 2, 4, 0 },
        };
        var c = WeightIgnoreCases.Build("absent", shape, dtype, false, dtype, ignoreIndex, _ => false, WeightIgnoreCases.StableSeed($"{loss}|{dtype}|{kind}"));
        WeightIgnoreChecks.AssertEqualsCoreExactly(loss, c, ignoreIndex);
        if (c.Target.Length == 0)
        {
            // The Mean over no position is 0, with or without weights (docs/conventions.md, "Empty batches").
            using var scope = NewDisposeScope();
            double mean = loss.Call(c.EvidenceTensor(), c.TargetTensor(), Reduction.Mean, null, ignoreIndex).to(ScalarType.Float64).item<double>();
            Assert.That(mean, Is.EqualTo(0.0), $"Empty batch without weight: Mean {mean:R}, expected 0.");
        }
    }

    /// <summary>
    /// A weight of all ones: None is the Core None exactly; Sum and Mean agree with the Core ones to 1e-12 relative. With
    /// ignored positions too, the Mean equals the unweighted ignored Mean (Σ over kept / number kept).
    /// </summary>
    public static void AssertAllOnesWeightIsUnweighted(WeightedLoss loss, bool spatial)
    {
        using var scope = NewDisposeScope();
        var c = Case(spatial, $"ones|{loss}");
        var evidence = c.EvidenceTensor();
        var target = c.TargetTensor();
        var ones = Tensors.FromDoubles(Enumerable.Repeat(1.0, c.Classes).ToArray(), new long[] { c.Classes });
        Assert.That(Tensors.ToDoubles(loss.Call(evidence, target, Reduction.None, ones, -100)),
            Is.EqualTo(Tensors.ToDoubles(loss.Core(evidence, target, Reduction.None))), "None with weight 1 must be the Core None exactly.");
        foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum })
        {
            double core = loss.Core(evidence, target, reduction).item<double>();
            double weighted = loss.Call(evidence, target, reduction, ones, -100).item<double>();
            Assert.That(WeightIgnoreChecks.RelativelyClose(weighted, core, Rtol), Is.True, $"{reduction}: weight 1 gives {weighted:R}, unweighted {core:R}; {c}");
        }

        // Half the positions ignored: weight 1 + ignore = ignore alone = mean over the kept positions.
        var half = Case(spatial, $"ones-ignored|{loss}", p => p % 2 == 0);
        var halfTarget = half.TargetTensor();
        var halfEvidence = half.EvidenceTensor();
        double ignoredOnly = loss.Call(halfEvidence, halfTarget, Reduction.Mean, null, -100).item<double>();
        double ignoredWeighted = loss.Call(halfEvidence, halfTarget, Reduction.Mean, ones, -100).item<double>();
        double[] kept = Tensors.ToDoubles(loss.Core(halfEvidence, half.TargetTensor().clamp_min(0), Reduction.None))
            .Where((_, p) => p % 2 != 0).ToArray();
        double keptMean = ReferenceTensor.Mean(kept);
        Assert.That(WeightIgnoreChecks.RelativelyClose(ignoredWeighted, ignoredOnly, Rtol), Is.True, $"Mean with weight 1 and ignored positions {ignoredWeighted:R} vs without weight {ignoredOnly:R}");
        Assert.That(WeightIgnoreChecks.RelativelyClose(ignoredOnly, keptMean, Rtol), Is.True, $"Mean with ignored positions {ignoredOnly:R} vs the Core mean over the kept positions {keptMean:R}");
    }

    /// <summary>
    /// ignoreIndex equal to a real class c: the positions of class c are ignored. None is the Core None times w[y]
    /// with those positions exactly 0 (bit for bit: the same per-position values); Sum and Mean are the weighted sum and
    /// mean over the other positions (1e-12 relative).
    /// </summary>
    public static void AssertRealClassIgnoreIndexIgnoresIt(WeightedLoss loss, long ignoredClass, bool spatial, bool weighted)
    {
        using var scope = NewDisposeScope();
        var c = Case(spatial, $"real|{loss}|{ignoredClass}");
        long[] y = c.Target.ToArray();
        y[0] = ignoredClass;                                                  // the class is present ...
        y[1] = (ignoredClass + 1) % c.Classes;                                // ... and so is another
        var evidence = c.EvidenceTensor();
        var target = Tensors.FromLongs(y, c.PositionShape);
        double[] w = weighted ? new[] { 0.5, 2.0, 1.25, 3.0 } : new[] { 1.0, 1.0, 1.0, 1.0 };
        var weight = weighted ? Tensors.FromDoubles(w, new long[] { 4 }) : null;

        double[] core = Tensors.ToDoubles(loss.Core(evidence, target, Reduction.None));
        double[] expectedNone = core.Select((l, p) => y[p] == ignoredClass ? 0.0 : l * w[y[p]]).ToArray();
        double[] none = Tensors.ToDoubles(loss.Call(evidence, target, Reduction.None, weight, ignoredClass));
        Assert.That(none, Is.EqualTo(expectedNone), $"None with ignoreIndex = class {ignoredClass}; target [{string.Join(", ", y)}]");

        double[] keptWeights = y.Select(t => t == ignoredClass ? 0.0 : w[t]).ToArray();
        double sum = ReferenceTensor.Sum(expectedNone);
        double mean = sum / ReferenceTensor.Sum(keptWeights);
        double gotSum = loss.Call(evidence, target, Reduction.Sum, weight, ignoredClass).item<double>();
        double gotMean = loss.Call(evidence, target, Reduction.Mean, weight, ignoredClass).item<double>();
        Assert.That(WeightIgnoreChecks.RelativelyClose(gotSum, sum, Rtol), Is.True, $"Sum {gotSum:R}, expected {sum:R}");
        Assert.That(WeightIgnoreChecks.RelativelyClose(gotMean, mean, Rtol), Is.True, $"Mean {gotMean:R}, expected {mean:R}");
    }

    /// <summary>Byte, Int8, Int16 and Int32 targets holding classes and the ignoreIndex give the Int64 results exactly.</summary>
    public static void AssertNarrowTargetIsInt64(WeightedLoss loss, ScalarType indexType)
    {
        long ignoreIndex = indexType switch
        {
            ScalarType.Byte => 255,
            ScalarType.Int8 => -1,
            ScalarType.Int16 => -100,
            _ => 255,
        };
        using var scope = NewDisposeScope();
        var c = WeightIgnoreCases.Build("narrow", new long[] { 2, 3, 4, 5 }, ScalarType.Float32, true, ScalarType.Float32, ignoreIndex,
            p => p % 20 < 5 || p % 5 == 0, WeightIgnoreCases.StableSeed($"narrow|{loss}|{indexType}"));
        var evidence = c.EvidenceTensor();
        var wide = c.TargetTensor();
        var narrow = wide.to(indexType);
        Assert.That(Tensors.ToLongs(narrow), Is.EqualTo(c.Target), "Test setup: the narrow target holds the same values.");
        foreach (var reduction in WeightIgnoreCases.AllReductions)
        {
            double[] expected = Tensors.ToDoubles(loss.Call(evidence, wide, reduction, c.WeightTensor(), ignoreIndex));
            double[] actual = Tensors.ToDoubles(loss.Call(evidence, narrow, reduction, c.WeightTensor(), ignoreIndex));
            Assert.That(actual, Is.EqualTo(expected), $"{reduction}: {indexType} target with ignoreIndex {ignoreIndex}");
        }
    }
}
