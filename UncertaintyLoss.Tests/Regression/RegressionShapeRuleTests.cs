using UncertaintyLoss.Tests.SculptTests;

namespace UncertaintyLoss.Tests.Regression;

/// <summary>
/// One public function of the regression API in the shape-rule table: its tensor parameters in argument order, which of
/// them is the reference (the prediction, whose shape every result has), and a call returning all its result tensors.
/// </summary>
public sealed class ShapeRuleEntry
{
    public ShapeRuleEntry(string name, string[] parameters, int reference, Func<Tensor[], Tensor[]> call)
    {
        Name = name;
        Parameters = parameters;
        Reference = reference;
        Call = call;
    }

    public string Name { get; }

    public string[] Parameters { get; }

    public int Reference { get; }

    public string ReferenceName => Parameters[Reference];

    public Func<Tensor[], Tensor[]> Call { get; }

    /// <summary>The non-reference parameters, by index.</summary>
    public IEnumerable<int> Others => Enumerable.Range(0, Parameters.Length).Where(j => j != Reference);

    /// <summary>
    /// Valid Float64 values for parameter <paramref name="j"/>, all different (so that a wrong broadcast shows): locations
    /// in [−3, 3), scales, variances, ν and β in [0.2, 3.2), α in [1.2, 4.2).
    /// </summary>
    public Tensor Make(int j, long[] shape)
    {
        long n = shape.Aggregate(1L, (a, b) => a * b);
        var values = new double[n];
        for (long k = 0; k < n; k++)
        {
            double u = (0.6180339887498949 * (k + 1) + 0.137 * j) % 1.0;
            values[k] = Parameters[j] switch
            {
                "y" or "target" or "yHat" or "mean" or "gamma" => -3 + 6 * u,
                "alpha" => 1.2 + 3 * u,
                _ => 0.2 + 3 * u,
            };
        }

        return Tensors.FromDoubles(values, shape);
    }

    public override string ToString() => Name;

    /// <summary>Every regression function and distribution method; losses with None and Mean.</summary>
    public static IReadOnlyList<ShapeRuleEntry> All { get; } = Build();

    private static List<ShapeRuleEntry> Build()
    {
        string[] betaNll = { "target", "mean", "variance" };
        string[] nig = { "target", "gamma", "nu", "alpha", "beta" };
        string[] three = { "y", "yHat", "yRisk" };
        string[] two = { "yHat", "yRisk" };
        var list = new List<ShapeRuleEntry>
        {
            new("UL.BetaNll(None)", betaNll, 1, t => new[] { UL.BetaNll(t[1], t[2], t[0], 0.5, Reduction.None) }),
            new("UL.BetaNll(Mean)", betaNll, 1, t => new[] { UL.BetaNll(t[1], t[2], t[0], 0.5, Reduction.Mean) }),
            new("UL.EvidentialRegressionLoss(None)", nig, 1, t => new[] { UL.EvidentialRegressionLoss(t[1], t[2], t[3], t[4], t[0], 0.1, Reduction.None) }),
            new("UL.EvidentialRegressionLoss(Mean)", nig, 1, t => new[] { UL.EvidentialRegressionLoss(t[1], t[2], t[3], t[4], t[0], 0.1, Reduction.Mean) }),
            new("UL.EvidentialRegressionUncertainty", nig.Skip(1).ToArray(), 0, t =>
            {
                var (p, a, e) = UL.EvidentialRegressionUncertainty(t[0], t[1], t[2], t[3]);
                return new[] { p, a, e };
            }),
        };
        foreach (var family in Enum.GetValues<Family>())
        {
            Tensor[] With(Func<ISculptDistribution, Tensor[]> body)
            {
                var subject = new Subject(family);
                var d = subject.Create(subject.HasNu ? 3.0 : double.NaN);
                try
                {
                    return body(d);
                }
                finally
                {
                    Subject.Release(d);
                }
            }

            list.Add(new($"{family}.LossFunction(None)", three, 1, t => With(d => new[] { d.LossFunction(t[0], t[1], t[2], Reduction.None) })));
            list.Add(new($"{family}.LossFunction(Mean)", three, 1, t => With(d => new[] { d.LossFunction(t[0], t[1], t[2]) })));
            list.Add(new($"{family}.LogProb", three, 1, t => With(d => new[] { d.LogProb(t[0], t[1], t[2]) })));
            list.Add(new($"{family}.Cdf", three, 1, t => With(d => new[] { d.Cdf(t[0], t[1], t[2]) })));
            list.Add(new($"{family}.Sample", two, 0, t => With(d =>
            {
                using var generator = new Generator(7);
                return new[] { d.Sample((t[0], t[1]), generator) };
            })));
            list.Add(new($"{family}.Interval", two, 0, t => With(d =>
            {
                var (lower, upper) = d.Interval(t[0], t[1], 0.9);
                return new[] { lower, upper };
            })));
        }

        return list;
    }
}

/// <summary>A shape for one argument against a shape for the reference, and for rejected pairs what the message must add.</summary>
public sealed class ShapePair
{
    public ShapePair(string name, long[] reference, long[] other, string? hint = null)
    {
        Name = name;
        ReferenceShape = reference;
        OtherShape = other;
        Hint = hint;
    }

    public string Name { get; }

    public long[] ReferenceShape { get; }

    public long[] OtherShape { get; }

    /// <summary>A fragment the message must contain besides the shapes: {0} is the argument's name, {1} the reference's.</summary>
    public string? Hint { get; }

    public override string ToString() => Name;
}

/// <summary>
/// The shape rule of the regression API (issue 12, docs/sculpt.md "Shapes"): for every regression loss and distribution
/// method, the prediction (yHat, mean, gamma) gives the shape; every other tensor must have it or broadcast to it without
/// enlarging it. Rejected pairs throw exactly an ArgumentException naming the argument and showing both shapes and the
/// reference's name, before any computation and without leaving tensors alive; accepted pairs give the values of the
/// same call with the small tensors expanded explicitly.
/// </summary>
[TestFixture]
public sealed class RegressionShapeRuleTests
{
    private const long N = 8;

    /// <summary>Pairs the rule rejects. The first two are the silent (N, N) bug of PyTorch-style broadcasting.</summary>
    public static readonly ShapePair[] Rejected =
    {
        new("(N) vs (N,1)", new[] { N, 1 }, new[] { N }, "use {0}.unsqueeze(-1) or {1}.squeeze(-1)"),
        new("(N,1) vs (N)", new[] { N }, new[] { N, 1 }, "use {0}.squeeze(-1) or {1}.unsqueeze(-1)"),
        new("(1,N) vs (N,1)", new[] { N, 1 }, new[] { 1, N }, "broadcast to [8, 8]"),
        new("(N,3) vs (N,1)", new[] { N, 1 }, new[] { N, 3 }, "broadcast to [8, 3]"),
        new("(2,N) vs (N)", new[] { N }, new[] { 2, N }, "broadcast to [2, 8]"),
        new("(N) vs scalar", Array.Empty<long>(), new[] { N }, "broadcast to [8]"),
        new("(0) vs (1)", new long[] { 1 }, new long[] { 0 }, "broadcast to [0]"),
        new("(N+1) vs (N)", new[] { N }, new[] { N + 1 }),
    };

    /// <summary>Pairs the rule accepts: the other tensor broadcasts to the reference's shape without enlarging it.</summary>
    public static readonly ShapePair[] Accepted =
    {
        new("same shape", new[] { N, 3 }, new[] { N, 3 }),
        new("scalar vs (N,1)", new[] { N, 1 }, Array.Empty<long>()),
        new("(1,1) vs (N,1)", new[] { N, 1 }, new long[] { 1, 1 }),
        new("(C) vs (N,C)", new[] { N, 3 }, new long[] { 3 }),
        new("(N,1) vs (N,C)", new[] { N, 3 }, new[] { N, 1 }),
        new("(1) vs (N)", new[] { N }, new long[] { 1 }),
    };

    private static string Format(long[] shape) => "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>One case per function: its parameters and the shape pairs are looped inside (1,060 cases before).</summary>
    public static IEnumerable<TestCaseData> Entries() =>
        ShapeRuleEntry.All.Select(entry => new TestCaseData(entry).SetArgDisplayNames(entry.Name));

    /// <summary>Each non-reference argument alone at the small shape, and (where there are several) all of them at once.</summary>
    private static IEnumerable<int[]> SmallSets(ShapeRuleEntry entry) =>
        entry.Others.Select(j => new[] { j }).Concat(entry.Others.Count() > 1 ? new[] { entry.Others.ToArray() } : Array.Empty<int[]>());

    /// <summary>Every non-reference argument with every rejected shape pair: the exact ArgumentException, nothing left alive.</summary>
    [TestCaseSource(nameof(Entries))]
    public void Rejected_ThrowsArgumentExceptionNamingTheArgumentAndShowingBothShapes(ShapeRuleEntry entry)
    {
        foreach (int parameter in entry.Others)
        {
            foreach (var pair in Rejected)
                AssertRejected(entry, parameter, pair, $"{entry.Parameters[parameter]}, {pair.Name}");
        }
    }

    private static void AssertRejected(ShapeRuleEntry entry, int parameter, ShapePair pair, string where)
    {
        using var scope = NewDisposeScope();
        var inputs = Enumerable.Range(0, entry.Parameters.Length)
            .Select(j => entry.Make(j, j == parameter ? pair.OtherShape : pair.ReferenceShape)).ToArray();
        string name = entry.Parameters[parameter];
        long live = RegressionMemory.Live;

        var ex = Assert.Throws<ArgumentException>(() => entry.Call(inputs), where);

        Assert.That(ex!.ParamName, Is.EqualTo(name), where);
        Assert.That(ex.Message, Does.Contain($"{name} of shape {Format(pair.OtherShape)} against {entry.ReferenceName} of shape {Format(pair.ReferenceShape)}"), where);
        if (pair.Hint is not null)
            Assert.That(ex.Message, Does.Contain(string.Format(CultureInfo.InvariantCulture, pair.Hint, name, entry.ReferenceName)), where);
        Assert.That(RegressionMemory.Live, Is.EqualTo(live), $"{where}: the rejected call left tensors alive");
    }

    /// <summary>Every set of small arguments with every accepted shape pair: the result of the explicitly expanded call.</summary>
    [TestCaseSource(nameof(Entries))]
    public void Accepted_EqualsTheCallWithExplicitlyExpandedTensors(ShapeRuleEntry entry)
    {
        foreach (var small in SmallSets(entry))
        {
            foreach (var pair in Accepted)
                AssertAccepted(entry, small, pair, $"{string.Join("+", small.Select(j => entry.Parameters[j]))}, {pair.Name}");
        }
    }

    private static void AssertAccepted(ShapeRuleEntry entry, int[] small, ShapePair pair, string where)
    {
        using var scope = NewDisposeScope();
        var inputs = Enumerable.Range(0, entry.Parameters.Length)
            .Select(j => entry.Make(j, small.Contains(j) ? pair.OtherShape : pair.ReferenceShape)).ToArray();
        var expanded = inputs.Select(t => t.expand(pair.ReferenceShape).clone()).ToArray();

        var actual = entry.Call(inputs);
        var expected = entry.Call(expanded);

        Assert.That(actual.Length, Is.EqualTo(expected.Length), where);
        for (int i = 0; i < actual.Length; i++)
        {
            long[] shape = entry.Name.EndsWith("(Mean)", StringComparison.Ordinal) ? Array.Empty<long>() : pair.ReferenceShape;
            Assert.That(actual[i].shape, Is.EqualTo(shape), $"{where}, result {i}: the shape of {entry.ReferenceName}");
            Assert.That(actual[i].dtype, Is.EqualTo(ScalarType.Float64), $"{where}, result {i}");
            var want = Tensors.ToDoubles(expected[i]);
            var got = Tensors.ToDoubles(actual[i]);
            Assert.That(want.All(double.IsFinite), Is.True, $"{where}, result {i}: the expanded call gives finite values");
            for (int k = 0; k < want.Length; k++)
                Assert.That(got[k], Is.EqualTo(want[k]).Within(1e-12 * Math.Max(1, Math.Abs(want[k]))), $"{where}, result {i}, element {k}");
        }
    }
}
