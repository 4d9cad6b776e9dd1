namespace UncertaintyLoss.Tests.PropertyTesting;

/// <summary>How a generated case encodes its target.</summary>
public enum PropertyTargetKind
{
    /// <summary>Int64 class indices of shape (N, d1..dk).</summary>
    Index,

    /// <summary>Class probabilities with the evidence's shape and dtype.</summary>
    Probability,
}

/// <summary>One generated position: its C class evidences and the class that holds most of them (−1 if none does).</summary>
public sealed record EvidenceRow(double[] Values, int Dominant);

/// <summary>
/// A generated loss input: evidence (N, C, d1..dk) and a target, with the dtype and reduction to call the loss with.
/// For Float32 the evidence and probability targets are already rounded to single precision, so the reference sees
/// exactly what the tensors hold.
/// </summary>
public sealed class LossCase
{
    public LossCase(long[] shape, double[] evidence, ScalarType dtype, long[]? index, double[]? probability, Reduction reduction)
    {
        Shape = shape;
        Evidence = evidence;
        Dtype = dtype;
        Index = index;
        Probability = probability;
        Reduction = reduction;
    }

    /// <summary>(N, C, d1..dk).</summary>
    public long[] Shape { get; }

    /// <summary>Row-major evidence of <see cref="Shape"/>.</summary>
    public double[] Evidence { get; }

    public ScalarType Dtype { get; }

    /// <summary>Class indices, row-major (N, d1..dk), or null for a probability target.</summary>
    public long[]? Index { get; }

    /// <summary>Class probabilities, row-major of <see cref="Shape"/>, or null for an index target.</summary>
    public double[]? Probability { get; }

    public Reduction Reduction { get; }

    public PropertyTargetKind Kind => Index is null ? PropertyTargetKind.Probability : PropertyTargetKind.Index;

    public int Classes => (int)Shape[1];

    public long[] PositionShape => ReferenceTensor.PositionShape(Shape);

    public int Positions => (int)PositionShape.Aggregate(1L, (a, b) => a * b);

    public LossCase With(double[]? evidence = null, ScalarType? dtype = null, Reduction? reduction = null) =>
        new(Shape, evidence ?? Evidence, dtype ?? Dtype, Index, Probability, reduction ?? Reduction);

    public Tensor EvidenceTensor(bool requiresGrad = false)
    {
        var t = Tensors.FromDoubles(Evidence, Shape, Dtype);
        return requiresGrad ? t.requires_grad_(true) : t;
    }

    public Tensor TargetTensor() =>
        Index is not null ? Tensors.FromLongs(Index, PositionShape) : Tensors.FromDoubles(Probability!, Shape, Dtype);

    /// <summary>The target of one position as a probability vector (one-hot for an index target).</summary>
    public double[] TargetVector(int position) =>
        Index is not null ? DirichletReference.OneHot((int)Index[position], Classes) : PropertyLayout.Gather(Probability!, Shape, position);

    /// <summary>Applies a per-position reference (index and probability overloads) to <paramref name="evidence"/> (default: this case's).</summary>
    public double[] PerPosition(Func<double[], int, double> byIndex, Func<double[], double[], double> byProbability, double[]? evidence = null) =>
        Index is not null
            ? ReferenceTensor.PerPosition(evidence ?? Evidence, Shape, Index, byIndex)
            : ReferenceTensor.PerPosition(evidence ?? Evidence, Shape, Probability!, byProbability);

    /// <summary>Applies <paramref name="f"/>(e, y) at every position, y the probability vector of the target.</summary>
    public double[] PerPositionWithVector(Func<double[], double[], double> f) =>
        Index is not null
            ? ReferenceTensor.PerPosition(Evidence, Shape, Index, (e, c) => f(e, DirichletReference.OneHot(c, e.Length)))
            : ReferenceTensor.PerPosition(Evidence, Shape, Probability!, f);

    /// <summary>The case with the batch dimension permuted: new sample i is old sample <paramref name="permutation"/>[i].</summary>
    public LossCase PermuteBatch(int[] permutation)
    {
        int perSample = Evidence.Length / (int)Shape[0];
        int perTarget = Positions / (int)Shape[0];
        return new LossCase(
            Shape,
            PropertyLayout.PermuteBlocks(Evidence, permutation, perSample),
            Dtype,
            Index is null ? null : PropertyLayout.PermuteBlocks(Index, permutation, perTarget),
            Probability is null ? null : PropertyLayout.PermuteBlocks(Probability, permutation, perSample),
            Reduction);
    }

    public string DescribePosition(int position)
    {
        string target = Index is not null
            ? "class " + Index[position].ToString(CultureInfo.InvariantCulture)
            : "y = " + PropertyFormat.Vector(PropertyLayout.Gather(Probability!, Shape, position));
        return $"position {position}: e = {PropertyFormat.Vector(PropertyLayout.Gather(Evidence, Shape, position))}, target {target}";
    }

    public override string ToString() =>
        $"LossCase(shape {Check(Shape)}, {Dtype}, {Kind} target, reduction {Reduction}, evidence {PropertyFormat.Summary(Evidence)})";

    private static string Check(long[] shape) => "[" + string.Join(", ", shape) + "]";
}

/// <summary>A generated input of an uncertainty measure (evidence or logits, no target).</summary>
public sealed class MeasureCase
{
    public MeasureCase(long[] shape, double[] values, ScalarType dtype)
    {
        Shape = shape;
        Values = values;
        Dtype = dtype;
    }

    public long[] Shape { get; }

    public double[] Values { get; }

    public ScalarType Dtype { get; }

    public int Classes => (int)Shape[1];

    public long[] PositionShape => ReferenceTensor.PositionShape(Shape);

    public int Positions => Values.Length / Classes;

    public Tensor Tensor(bool requiresGrad = false)
    {
        var t = Tensors.FromDoubles(Values, Shape, Dtype);
        return requiresGrad ? t.requires_grad_(true) : t;
    }

    public MeasureCase PermuteBatch(int[] permutation) =>
        new(Shape, PropertyLayout.PermuteBlocks(Values, permutation, Values.Length / (int)Shape[0]), Dtype);

    public string DescribePosition(int position) =>
        $"position {position}: input = {PropertyFormat.Vector(PropertyLayout.Gather(Values, Shape, position))}";

    public override string ToString() =>
        $"MeasureCase(shape [{string.Join(", ", Shape)}], {Dtype}, values {PropertyFormat.Summary(Values)})";
}

/// <summary>Row-major layout helpers for (N, C, d1..dk) data.</summary>
public static class PropertyLayout
{
    public static int SpatialSize(long[] shape)
    {
        long d = 1;
        for (int i = 2; i < shape.Length; i++)
            d *= shape[i];
        return (int)d;
    }

    public static double[] Gather(double[] data, long[] shape, int position)
    {
        int c = (int)shape[1], d = SpatialSize(shape), n = position / d, s = position % d;
        var v = new double[c];
        for (int j = 0; j < c; j++)
            v[j] = data[(n * c + j) * d + s];
        return v;
    }

    /// <summary>Lays out per-position C-vectors, position p = n·D + s, as row-major (N, C, d1..dk).</summary>
    public static double[] Scatter(IReadOnlyList<double[]> rows, long[] shape)
    {
        int c = (int)shape[1], d = SpatialSize(shape);
        var data = new double[rows.Count * c];
        for (int p = 0; p < rows.Count; p++)
        {
            int n = p / d, s = p % d;
            for (int j = 0; j < c; j++)
                data[(n * c + j) * d + s] = rows[p][j];
        }

        return data;
    }

    public static T[] PermuteBlocks<T>(T[] data, int[] permutation, int blockSize)
    {
        var result = new T[data.Length];
        for (int i = 0; i < permutation.Length; i++)
            Array.Copy(data, permutation[i] * blockSize, result, i * blockSize, blockSize);
        return result;
    }
}

/// <summary>Round-trip formatting for failure labels.</summary>
public static class PropertyFormat
{
    public static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public static string Vector(double[] v) => "[" + string.Join(", ", v.Select(R)) + "]";

    public static string Summary(double[] v) =>
        v.Length == 0 ? "(empty)" : $"min {R(v.Min())}, max {R(v.Max())}, {v.Count(x => x == 0)}/{v.Length} zeros";
}

/// <summary>FsCheck generators for shapes, evidence, logits and targets.</summary>
public static class PropertyGens
{
    private const int UnitSteps = 1 << 30;

    /// <summary>Uniform on [0, 1] in steps of 2⁻³⁰.</summary>
    public static Gen<double> Unit { get; } = Gen.Choose(0, UnitSteps).Select(i => i / (double)UnitSteps);

    public static Gen<double> Uniform(double lo, double hi) => Unit.Select(u => lo + (hi - lo) * u);

    public static Gen<double> LogUniform(double lo10, double hi10) => Unit.Select(u => Math.Pow(10, lo10 + (hi10 - lo10) * u));

    public static Gen<ScalarType> BothDtypes { get; } = Gen.Elements(ScalarType.Float64, ScalarType.Float32);

    public static Gen<Reduction> AnyReduction { get; } = Gen.Elements(Reduction.None, Reduction.Mean, Reduction.Sum);

    public static Gen<Reduction> Reduced { get; } = Gen.Elements(Reduction.Mean, Reduction.Sum);

    public static Gen<PropertyTargetKind> AnyKind { get; } = Gen.Elements(PropertyTargetKind.Index, PropertyTargetKind.Probability);

    private static Gen<int> ClassCount(int min, int max) =>
        max <= 6
            ? Gen.Choose(min, max)
            : Gen.Frequency(
                (4, Gen.Choose(min, Math.Min(5, max))),
                (3, Gen.Choose(Math.Min(6, max), Math.Min(20, max))),
                (2, Gen.Choose(Math.Min(21, max), max)));

    /// <summary>(N, C, d1..dk): N in 1..maxN, C in minC..maxC, 0..maxExtraDims extra dims in 1..maxExtraDim, numel ≤ maxNumel.</summary>
    public static Gen<long[]> Shapes(int maxN = 6, int minC = 2, int maxC = 50, int maxExtraDims = 2, int maxExtraDim = 4, int maxNumel = 2000) =>
        (from n in Gen.Choose(1, maxN)
         from c in ClassCount(minC, maxC)
         from k in Gen.Choose(0, maxExtraDims)
         from dims in Gen.ArrayOf(Gen.Choose(1, maxExtraDim), k)
         select new[] { (long)n, c }.Concat(dims.Select(d => (long)d)).ToArray())
        .Where(s => s.Aggregate(1L, (a, b) => a * b) <= maxNumel);

    /// <summary>Small shapes for finite-difference gradients: numel ≤ 60.</summary>
    public static Gen<long[]> GradientShapes { get; } = Shapes(maxN: 3, maxC: 6, maxExtraDims: 2, maxExtraDim: 3, maxNumel: 60);

    /// <summary>One evidence value: exact zeros, tiny values, O(1), O(100) and up to 10^maxLog10.</summary>
    public static Gen<double> EvidenceValue(double maxLog10) => Gen.Frequency(
        (30, Gen.Constant(0.0)),
        (10, LogUniform(-8, -4)),
        (30, Uniform(0, 5)),
        (15, Uniform(5, 100)),
        (15, LogUniform(2, maxLog10)));

    private static int ArgMax(double[] v)
    {
        int best = 0;
        for (int j = 1; j < v.Length; j++)
        {
            if (v[j] > v[best])
                best = j;
        }

        return v[best] > 0 ? best : -1;
    }

    /// <summary>
    /// The evidence of one position, in evidence ∈ [0, 10^maxLog10]: mixed scales with many exact zeros, all zero,
    /// one class holding almost everything, one common scale (1e-6..max), or sparse large values.
    /// </summary>
    public static Gen<EvidenceRow> EvidenceRows(int c, double maxLog10 = 4)
    {
        var small = Gen.Frequency((6, Gen.Constant(0.0)), (2, LogUniform(-8, -4)), (2, Uniform(0, 1)));
        var big = Gen.Frequency((1, Gen.Constant(Math.Pow(10, maxLog10))), (1, Gen.Constant(1e4)), (3, LogUniform(1, maxLog10)));
        var mixed = Gen.ArrayOf(EvidenceValue(maxLog10), c).Select(v => new EvidenceRow(v, ArgMax(v)));
        var zeros = Gen.Constant(0).Select(_ => new EvidenceRow(new double[c], -1));
        var dominant =
            from k in Gen.Choose(0, c - 1)
            from b in big
            from rest in Gen.ArrayOf(small, c)
            select new EvidenceRow(rest.Select((x, j) => j == k ? b : x).ToArray(), k);
        var sameScale =
            from s in Uniform(-6, maxLog10)
            from u in Gen.ArrayOf(Unit, c)
            let v = u.Select(x => x * Math.Pow(10, s)).ToArray()
            select new EvidenceRow(v, ArgMax(v));
        var sparse = Gen.ArrayOf(Gen.Frequency((3, Gen.Constant(0.0)), (1, LogUniform(0, maxLog10))), c)
            .Select(v => new EvidenceRow(v, ArgMax(v)));
        return Gen.Frequency((40, mixed), (10, zeros), (20, dominant), (15, sameScale), (15, sparse));
    }

    /// <summary>
    /// Evidence for finite differences: in [1e-3, 300], away from 0 so that every probe stays well inside e &gt; −1, and
    /// with at least one class ≥ 1 so that Σe (the mode's denominator) is far from 0 relative to the step.
    /// </summary>
    public static Gen<EvidenceRow> GradientEvidenceRows(int c)
    {
        var value = Gen.Frequency((3, LogUniform(-3, 0)), (4, Uniform(1e-3, 5)), (2, Uniform(5, 100)));
        var mixed =
            from v in Gen.ArrayOf(value, c)
            from k in Gen.Choose(0, c - 1)
            from big in Uniform(1, 100)
            let w = v.Select((x, j) => j == k ? Math.Max(x, big) : x).ToArray()
            select new EvidenceRow(w, ArgMax(w));
        var dominant =
            from k in Gen.Choose(0, c - 1)
            from b in LogUniform(1.5, 2.5)
            from rest in Gen.ArrayOf(LogUniform(-3, 0), c)
            select new EvidenceRow(rest.Select((x, j) => j == k ? b : x).ToArray(), k);
        return Gen.Frequency((3, mixed), (1, dominant));
    }

    /// <summary>Logits in [−30, 30]: uniform, narrow, confident (one large, others far below), all equal, or a two-way tie.</summary>
    public static Gen<EvidenceRow> LogitRows(int c, double bound = 30)
    {
        var uniform = Gen.ArrayOf(Uniform(-bound, bound), c);
        var narrow = Gen.ArrayOf(Uniform(-1, 1), c);
        var confident =
            from k in Gen.Choose(0, c - 1)
            from top in Uniform(bound / 3, bound)
            from gap in Uniform(1, 2 * bound)
            from rest in Gen.ArrayOf(Uniform(0, bound / 3), c)
            select rest.Select((x, j) => j == k ? top : Math.Max(-bound, top - gap - x)).ToArray();
        var equal = Uniform(-bound, bound).Select(x => Enumerable.Repeat(x, c).ToArray());
        var tie =
            from a in Gen.Choose(0, c - 1)
            from b in Gen.Choose(0, c - 1)
            from top in Uniform(-bound / 2, bound)
            from rest in Gen.ArrayOf(Uniform(-bound, bound), c)
            select rest.Select((x, j) => j == a || j == b ? top : Math.Min(x, top)).ToArray();
        return Gen.Frequency((3, uniform), (2, narrow), (3, confident), (1, equal), (1, tie))
            .Select(v => new EvidenceRow(v, -1));
    }

    /// <summary>The true class of a position: the dominant class 60% of the time when there is one.</summary>
    public static Gen<int> TrueClass(int c, int dominant) =>
        dominant >= 0 ? Gen.Frequency((6, Gen.Constant(dominant)), (4, Gen.Choose(0, c - 1))) : Gen.Choose(0, c - 1);

    private static double[] Normalize(double[] w, int fallback)
    {
        double total = w.Sum();
        if (!(total > 0))
            return DirichletReference.OneHot(fallback, w.Length);
        return w.Select(x => x / total).ToArray();
    }

    /// <summary>A probability target row: exact one-hot, dense soft, sparse soft, or label-smoothed one-hot.</summary>
    public static Gen<double[]> ProbabilityRows(int c, int dominant) =>
        from cls in TrueClass(c, dominant)
        from row in Gen.Frequency(
            (35, Gen.Constant(0).Select(_ => DirichletReference.OneHot(cls, c))),
            (20, Gen.ArrayOf(Unit, c).Select(w => Normalize(w, cls))),
            (20, Gen.ArrayOf(Gen.Frequency((3, Gen.Constant(0.0)), (1, Uniform(0.01, 1))), c)
                .Select(w => Normalize(w.Select((x, j) => j == cls ? x + 0.5 : x).ToArray(), cls))),
            (25, Gen.Elements(0.1, 0.01, 1e-6).Select(eps => Enumerable.Range(0, c).Select(j => j == cls ? 1 - eps : eps / (c - 1)).ToArray())))
        select row;

    /// <summary>Loss cases over the given shapes, rows, dtypes, reductions and target kinds.</summary>
    public static Gen<LossCase> LossCases(
        Gen<long[]> shapes, Func<int, Gen<EvidenceRow>> rows, Gen<ScalarType> dtypes, Gen<Reduction> reductions, Gen<PropertyTargetKind> kinds) =>
        from shape in shapes
        let c = (int)shape[1]
        let positions = (int)(shape.Aggregate(1L, (a, b) => a * b) / c)
        from evidenceRows in Gen.ArrayOf(rows(c), positions)
        from dtype in dtypes
        from reduction in reductions
        from kind in kinds
        from index in kind == PropertyTargetKind.Index
            ? Gen.CollectToArray(evidenceRows, r => TrueClass(c, r.Dominant).Select(x => (long)x))
            : Gen.Constant(Array.Empty<long>())
        from probability in kind == PropertyTargetKind.Probability
            ? Gen.CollectToArray(evidenceRows, r => ProbabilityRows(c, r.Dominant))
            : Gen.Constant(Array.Empty<double[]>())
        select Build(shape, evidenceRows, dtype, reduction, kind, index, probability);

    private static LossCase Build(long[] shape, EvidenceRow[] rows, ScalarType dtype, Reduction reduction, PropertyTargetKind kind, long[] index, double[][] probability)
    {
        double[] evidence = PropertyLayout.Scatter(rows.Select(r => r.Values).ToArray(), shape);
        double[]? y = kind == PropertyTargetKind.Probability ? PropertyLayout.Scatter(probability, shape) : null;
        if (dtype == ScalarType.Float32)
        {
            evidence = Tensors.RoundToSingle(evidence);
            y = y is null ? null : Tensors.RoundToSingle(y);
        }

        return new LossCase(shape, evidence, dtype, kind == PropertyTargetKind.Index ? index : null, y, reduction);
    }

    /// <summary>Standard loss cases: evidence in [0, 1e4], both dtypes, both target kinds.</summary>
    public static Gen<LossCase> StandardLossCases(Gen<Reduction> reductions, double maxLog10 = 4) =>
        LossCases(Shapes(), c => EvidenceRows(c, maxLog10), BothDtypes, reductions, AnyKind);

    /// <summary>Float64 gradient cases: numel ≤ 60, evidence in [1e-3, 300].</summary>
    public static Gen<LossCase> GradientLossCases(Gen<Reduction> reductions) =>
        LossCases(GradientShapes, GradientEvidenceRows, Gen.Constant(ScalarType.Float64), reductions, AnyKind);

    /// <summary>
    /// Cases where every position's evidence sits on its true class only (wrong classes exactly 0), any amount
    /// from 0 to 1e6; the target is the class index or the exact one-hot vector.
    /// </summary>
    public static Gen<LossCase> OnlyTrueClassCases(Gen<Reduction> reductions)
    {
        var amount = Gen.Frequency(
            (1, Gen.Constant(0.0)), (1, LogUniform(-8, -4)), (2, Uniform(0, 10)), (2, LogUniform(1, 6)),
            (1, Gen.Constant(1e4)), (1, Gen.Constant(1e6)));
        Func<int, Gen<EvidenceRow>> rows = c =>
            from k in Gen.Choose(0, c - 1)
            from a in amount
            select new EvidenceRow(Enumerable.Range(0, c).Select(j => j == k ? a : 0.0).ToArray(), k);
        // TrueClass picks the dominant class only 60% of the time; force it here.
        return from shape in Shapes()
               let c = (int)shape[1]
               let positions = (int)(shape.Aggregate(1L, (x, y) => x * y) / c)
               from evidenceRows in Gen.ArrayOf(rows(c), positions)
               from dtype in BothDtypes
               from reduction in reductions
               from kind in AnyKind
               select Build(shape, evidenceRows, dtype, reduction, kind,
                   evidenceRows.Select(r => (long)r.Dominant).ToArray(),
                   evidenceRows.Select(r => DirichletReference.OneHot(r.Dominant, c)).ToArray());
    }

    /// <summary>Measure cases from rows (evidence or logits) over the given shapes and dtypes.</summary>
    public static Gen<MeasureCase> MeasureCases(Gen<long[]> shapes, Func<int, Gen<EvidenceRow>> rows, Gen<ScalarType> dtypes) =>
        from shape in shapes
        let c = (int)shape[1]
        let positions = (int)(shape.Aggregate(1L, (a, b) => a * b) / c)
        from valueRows in Gen.ArrayOf(rows(c), positions)
        from dtype in dtypes
        let values = PropertyLayout.Scatter(valueRows.Select(r => r.Values).ToArray(), shape)
        select new MeasureCase(shape, dtype == ScalarType.Float32 ? Tensors.RoundToSingle(values) : values, dtype);

    /// <summary>A case paired with a permutation of its batch.</summary>
    public static Gen<(T Case, int[] Permutation)> WithBatchPermutation<T>(Gen<T> cases, Func<T, long[]> shape) =>
        from c in cases
        from p in Gen.Shuffle(Enumerable.Range(0, (int)shape(c)[0]).ToArray())
        select (c, p);
}
