namespace UncertaintyLoss.Tests.WeightIgnoreKit;

/// <summary>A generated property input: the loss, its input and the reduction.</summary>
public sealed record WeightIgnoreSample(WeightedLoss Loss, WeightIgnoreCase Case, Reduction Reduction)
{
    public override string ToString() => $"{Loss} {Reduction} on {Case}";
}

/// <summary>FsCheck generators of random shapes, evidence, weights and ignore patterns.</summary>
public static class WeightIgnoreGens
{
    private const int Steps = 1 << 20;

    private static Gen<double> Unit { get; } = Gen.Choose(0, Steps).Select(i => i / (double)Steps);

    /// <summary>1 in 4 zero, 1 in 2 uniform in [0, 5], 1 in 4 log-uniform in [1e-3, 1e3].</summary>
    public static Gen<double> EvidenceValue { get; } = Gen.Frequency(
        (1, Gen.Constant(0.0)),
        (2, Unit.Select(u => 5 * u)),
        (1, Unit.Select(u => Math.Pow(10, -3 + 6 * u))));

    /// <summary>k/8 for k in 0..24 (exact in Float32); 0 with probability about 1/5.</summary>
    public static Gen<double> WeightValue { get; } = Gen.Frequency(
        (1, Gen.Constant(0.0)),
        (4, Gen.Choose(1, 24).Select(k => k / 8.0)));

    /// <summary>(N, C, d…): N in 1..5, C in 2..6, up to two extra dimensions of 1..4.</summary>
    public static Gen<long[]> Shape { get; } =
        from n in Gen.Choose(1, 5)
        from c in Gen.Choose(2, 6)
        from k in Gen.Choose(0, 2)
        from dims in Gen.ArrayOf(Gen.Choose(1, 4), k)
        select new[] { (long)n, c }.Concat(dims.Select(d => (long)d)).ToArray();

    /// <summary>
    /// Random inputs: any of the shapes above, Float64 or Float32 evidence, no weight or a random weight (Float64 or
    /// Float32), ignoreIndex among −100, 255, −1 and the real classes 0 and 1, and a fraction 0, 0.2, 0.5 or 1 of the
    /// positions set to it (when the ignoreIndex is a real class its own positions are ignored as well).
    /// </summary>
    public static Gen<WeightIgnoreCase> Cases { get; } =
        from shape in Shape
        let classes = (int)shape[1]
        let numel = (int)shape.Aggregate(1L, (a, b) => a * b)
        let positions = numel / classes
        from dtype in Gen.Elements(ScalarType.Float64, ScalarType.Float32)
        from evidence in Gen.ArrayOf(EvidenceValue, numel)
        from labels in Gen.ArrayOf(Gen.Choose(0, classes - 1), positions)
        from ignoreIndex in Gen.Elements(-100L, 255L, -1L, 0L, 1L)
        from percent in Gen.Elements(0, 20, 50, 100)
        from ignored in Gen.ArrayOf(Gen.Choose(0, 99).Select(x => x < percent), positions)
        from weighted in Gen.Frequency((1, Gen.Constant(false)), (3, Gen.Constant(true)))
        from weight in Gen.ArrayOf(WeightValue, classes)
        from weightDtype in Gen.Elements(ScalarType.Float64, ScalarType.Float32)
        select new WeightIgnoreCase("generated", shape, evidence, dtype,
            labels.Select((y, p) => ignored[p] ? ignoreIndex : y).ToArray(),
            weighted ? weight : null, weightDtype, ignoreIndex);

    public static Gen<WeightIgnoreSample> Samples(Gen<WeightedLoss> losses) =>
        from loss in losses
        from c in Cases
        from reduction in Gen.Elements(Reduction.None, Reduction.Mean, Reduction.Sum)
        select new WeightIgnoreSample(loss, c, reduction);

    /// <summary>The property: the sample matches the weighted/ignored reference (the failure is the label).</summary>
    public static Property MatchesReference(WeightIgnoreSample s)
    {
        string? failure = WeightIgnoreChecks.ReferenceFailure(s.Loss, s.Case, s.Reduction);
        return failure is null ? Prop.ToProperty(true) : Prop.Label(false, failure);
    }
}
