namespace UncertaintyLoss.Tests.Ops;

/// <summary>Generators of (variant, case) pairs for the functions of <see cref="OpTable"/>.</summary>
public static class OpGens
{
    /// <summary>A variant of <paramref name="op"/> (its options drawn) with a case.</summary>
    public static Gen<(LossSpec Spec, LossCase Case)> Cases(LossOp op, Gen<LossCase> cases) =>
        from variant in op.Variants
        from c in cases
        select (variant.Spec, c);

    /// <summary>The cases with every evidence value raised to at least <paramref name="floor"/> (0: unchanged).</summary>
    public static Gen<LossCase> WithEvidenceFloor(Gen<LossCase> cases, double floor) =>
        floor <= 0 ? cases : cases.Select(c => new LossCase(c.Shape, c.Evidence.Select(v => Math.Max(v, floor)).ToArray(), c.Dtype, c.Index, c.Probability, c.Reduction));

    /// <summary>A form of <paramref name="op"/> with a case.</summary>
    public static Gen<(MeasureSpec Spec, MeasureCase Case)> Cases(MeasureOp op, Gen<MeasureCase> cases) =>
        from spec in op.Variants
        from c in cases
        select (spec, c);

    /// <summary>
    /// A property of <paramref name="function"/> that must hold at every position: <paramref name="check"/> computes what it
    /// needs for a case and returns, per position, what is wrong there (null: nothing). Inputs: <see cref="Extreme"/>
    /// (evidence up to 1e6 or logits up to ±1e6), or <see cref="Standard"/> when <paramref name="extreme"/> is false.
    /// </summary>
    public static Property AtEveryPosition(string function, Func<MeasureCase, Func<int, string?>> check, bool extreme = true)
    {
        var op = OpTable.Measure(function);
        return Prop.ForAll((extreme ? Extreme(op) : Standard(op)).ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            var faultAt = check(c);
            for (int position = 0; position < c.Positions; position++)
            {
                if (faultAt(position) is string fault)
                    return Prop.Label(false, $"{function}: {fault} at {c.DescribePosition(position)}; {c}");
            }

            return Prop.ToProperty(true);
        });
    }

    /// <summary>Evidence in [0, 1e4] or logits in [−30, 30]; random shapes; both dtypes.</summary>
    public static Gen<MeasureCase> Standard(MeasureOp op) =>
        PropertyGens.MeasureCases(PropertyGens.Shapes(),
            c => op.Input == MeasureInput.Evidence ? PropertyGens.EvidenceRows(c) : PropertyGens.LogitRows(c),
            PropertyGens.BothDtypes);

    /// <summary>Evidence up to 1e6 or logits up to ±1e6; random shapes; both dtypes.</summary>
    public static Gen<MeasureCase> Extreme(MeasureOp op) =>
        PropertyGens.MeasureCases(PropertyGens.Shapes(),
            c => op.Input == MeasureInput.Evidence ? PropertyGens.EvidenceRows(c, maxLog10: 6) : PropertyGens.LogitRows(c, bound: 1e6),
            PropertyGens.BothDtypes);

    /// <summary>Float64 inputs for finite differences: small shapes, evidence in [1e-3, 300] or logits in [−30, 30].</summary>
    public static Gen<MeasureCase> Gradient(MeasureOp op) =>
        PropertyGens.MeasureCases(PropertyGens.GradientShapes,
            c => op.Input == MeasureInput.Evidence ? PropertyGens.GradientEvidenceRows(c) : PropertyGens.LogitRows(c),
            Gen.Constant(ScalarType.Float64));
}
