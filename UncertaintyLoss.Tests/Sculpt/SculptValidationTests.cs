using System.Runtime.InteropServices;

namespace UncertaintyLoss.Tests.SculptTests;

/// <summary>A public method of <see cref="ISculptDistribution"/>, called with (y, yHat, yRisk) — Sample and Interval ignore y.</summary>
public sealed class SculptOperation
{
    public SculptOperation(string name, string[] tensorNames, int results, Func<ISculptDistribution, Tensor, Tensor, Tensor, Tensor[]> call)
    {
        Name = name;
        TensorNames = tensorNames;
        Results = results;
        Call = call;
    }

    public string Name { get; }

    /// <summary>The tensor parameters the method takes, by their documented names.</summary>
    public string[] TensorNames { get; }

    /// <summary>How many tensors the method returns.</summary>
    public int Results { get; }

    public Func<ISculptDistribution, Tensor, Tensor, Tensor, Tensor[]> Call { get; }

    public bool TakesY => TensorNames.Contains("y");

    public override string ToString() => Name;

    private static readonly string[] Three = { "y", "yHat", "yRisk" };
    private static readonly string[] Two = { "yHat", "yRisk" };

    public static SculptOperation[] All { get; } =
    {
        new("LossFunctionMean", Three, 1, (d, y, h, r) => new[] { d.LossFunction(y, h, r) }),
        new("LossFunctionSum", Three, 1, (d, y, h, r) => new[] { d.LossFunction(y, h, r, Reduction.Sum) }),
        new("LossFunctionNone", Three, 1, (d, y, h, r) => new[] { d.LossFunction(y, h, r, Reduction.None) }),
        new("LogProb", Three, 1, (d, y, h, r) => new[] { d.LogProb(y, h, r) }),
        new("Cdf", Three, 1, (d, y, h, r) => new[] { d.Cdf(y, h, r) }),
        new("Sample", Two, 1, (d, y, h, r) => new[] { d.Sample((h, r)) }),
        new("SampleWithGenerator", Two, 1, (d, y, h, r) =>
        {
            using var generator = new Generator(11);
            return new[] { d.Sample((h, r), generator) };
        }),
        new("Interval", Two, 2, (d, y, h, r) =>
        {
            var (lower, upper) = d.Interval(h, r, 0.9);
            return new[] { lower, upper };
        }),
    };
}

/// <summary>
/// Argument validation of every Sculpt distribution and method: exact exception types and ParamName, messages that show
/// the offending shapes or values, and never a raw libtorch ExternalException.
/// </summary>
[TestFixture]
public sealed class SculptValidationTests
{
    private static readonly Family[] Families = Enum.GetValues<Family>();

    private static IEnumerable<TestCaseData> OperationParameters() =>
        from family in Families
        from op in SculptOperation.All
        from name in op.TensorNames
        select new TestCaseData(family, op.Name, name).SetArgDisplayNames(family.ToString(), op.Name, name);

    private static IEnumerable<TestCaseData> FamilyOperations() =>
        from family in Families
        from op in SculptOperation.All
        select new TestCaseData(family, op.Name).SetArgDisplayNames(family.ToString(), op.Name);

    private static SculptOperation Op(string name) => SculptOperation.All.Single(o => o.Name == name);

    /// <summary>Valid Float32 inputs of shape (3); <paramref name="replace"/> swaps in the tensor named <paramref name="name"/>.</summary>
    private static Tensor[] Call(Family family, string opName, string? name = null, Tensor? replace = null)
    {
        var subject = new Subject(family);
        var d = subject.Create(subject.HasNu ? 3.0 : double.NaN);
        try
        {
            using var scope = NewDisposeScope();
            var y = tensor(new[] { 0.5f, 1f, -2f });
            var yHat = tensor(new[] { 0f, 1f, 2f });
            var yRisk = tensor(new[] { 1f, 0.5f, 2f });
            Tensor? Pick(string n, Tensor t) => n == name ? replace : t;
            var results = Op(opName).Call(d, Pick("y", y)!, Pick("yHat", yHat)!, Pick("yRisk", yRisk)!);
            foreach (var r in results)
                r.MoveToOuterDisposeScope();
            return results;
        }
        finally
        {
            Subject.Release(d);
        }
    }

    [TestCaseSource(nameof(OperationParameters))]
    public void AllMethods_NullTensor_ThrowsArgumentNullNamingIt(Family family, string op, string name)
    {
        var ex = Assert.Throws<ArgumentNullException>(() => Call(family, op, name, null));
        Assert.That(ex!.ParamName, Is.EqualTo(name));
    }

    [TestCaseSource(nameof(OperationParameters))]
    public void AllMethods_IntegerTensor_ThrowsArgumentExceptionNamingIt(Family family, string op, string name)
    {
        using var scope = NewDisposeScope();
        foreach (var dtype in new[] { ScalarType.Int64, ScalarType.Int32, ScalarType.Bool })
        {
            var bad = ones(new long[] { 3 }, dtype);
            var ex = Assert.Throws<ArgumentException>(() => Call(family, op, name, bad), dtype.ToString());
            Assert.That(ex!.ParamName, Is.EqualTo(name), dtype.ToString());
            Assert.That(ex.Message, Does.Contain(dtype.ToString()).And.Contain("floating"));
        }
    }

    [TestCaseSource(nameof(OperationParameters))]
    public void AllMethods_DisposedTensor_ThrowsArgumentExceptionNamingIt(Family family, string op, string name)
    {
        var disposed = ones(new long[] { 3 });
        disposed.Dispose();
        var ex = Assert.Throws<ArgumentException>(() => Call(family, op, name, disposed));
        Assert.That(ex!.ParamName, Is.EqualTo(name));
        Assert.That(ex.Message, Does.Contain("disposed"));
    }

    /// <summary>yRisk must be positive: 0, −0, negative, −∞ and NaN (alone or among valid values) name yRisk.</summary>
    [TestCaseSource(nameof(FamilyOperations))]
    public void AllMethods_NonPositiveOrNaNRisk_ThrowsArgumentExceptionNamingYRisk(Family family, string op)
    {
        using var scope = NewDisposeScope();
        var badRisks = new[]
        {
            new[] { 1f, 0f, 2f }, new[] { -0f, 1f, 1f }, new[] { 1f, 1f, -1f }, new[] { float.NegativeInfinity, 1f, 1f },
            new[] { 1f, float.NaN, 1f }, new[] { -1e-30f, -5f, -1f },
        };
        foreach (var values in badRisks)
        {
            var ex = Assert.Throws<ArgumentException>(() => Call(family, op, "yRisk", tensor(values)), Fmt.Vector(values.Select(v => (double)v)));
            Assert.That(ex!.ParamName, Is.EqualTo("yRisk"));
            Assert.That(ex.Message, Does.Contain("positive"));
        }
    }

    /// <summary>Shapes that do not broadcast to yHat's: the message shows both shapes and ParamName is the one that clashes (y before yRisk).</summary>
    [TestCaseSource(nameof(FamilyOperations))]
    public void AllMethods_NonBroadcastableShapes_ThrowsArgumentExceptionShowingShapes(Family family, string op)
    {
        var operation = Op(op);
        var subject = new Subject(family);
        var d = subject.Create(subject.HasNu ? 3.0 : double.NaN);
        try
        {
            using var scope = NewDisposeScope();
            var cases = operation.TakesY
                ? new[]
                {
                    (Y: new long[] { 3 }, Hat: new long[] { 4 }, Risk: new long[] { 3 }, Name: "y", Shapes: new[] { "[3]", "[4]" }),
                    (Y: new long[] { 3 }, Hat: new long[] { 2, 3 }, Risk: new long[] { 4 }, Name: "yRisk", Shapes: new[] { "[2, 3]", "[4]" }),
                    (Y: new long[] { 2, 3 }, Hat: new long[] { 3, 3 }, Risk: new long[] { 1 }, Name: "y", Shapes: new[] { "[2, 3]", "[3, 3]" }),
                    (Y: new long[] { 5, 1 }, Hat: new long[] { 5, 4 }, Risk: new long[] { 5, 3 }, Name: "yRisk", Shapes: new[] { "[5, 4]", "[5, 3]" }),
                }
                : new[]
                {
                    (Y: new long[] { 1 }, Hat: new long[] { 3 }, Risk: new long[] { 4 }, Name: "yRisk", Shapes: new[] { "[3]", "[4]" }),
                    (Y: new long[] { 1 }, Hat: new long[] { 2, 3 }, Risk: new long[] { 2, 1, 2 }, Name: "yRisk", Shapes: new[] { "[2, 3]", "[2, 1, 2]" }),
                };
            foreach (var c in cases)
            {
                var y = zeros(c.Y);
                var yHat = zeros(c.Hat);
                var yRisk = ones(c.Risk);
                var ex = Assert.Throws<ArgumentException>(() => operation.Call(d, y, yHat, yRisk), $"{Fmt.Shape(c.Y)} {Fmt.Shape(c.Hat)} {Fmt.Shape(c.Risk)}");
                Assert.That(ex!.ParamName, Is.EqualTo(c.Name));
                foreach (var shape in c.Shapes)
                    Assert.That(ex.Message, Does.Contain(shape));
            }
        }
        finally
        {
            Subject.Release(d);
        }
    }

    [Test]
    public void Interval_InvalidCoverage_ThrowsArgumentOutOfRangeNamingCoverage(
        [Values] Family family,
        [Values(0.0, 1.0, double.NaN, -0.1, 1.1, double.PositiveInfinity, double.NegativeInfinity)] double coverage)
    {
        var subject = new Subject(family);
        var d = subject.Create(subject.HasNu ? 3.0 : double.NaN);
        try
        {
            using var scope = NewDisposeScope();
            var ex = Assert.Throws<ArgumentOutOfRangeException>(() => d.Interval(tensor(new[] { 0.0 }), tensor(new[] { 1.0 }), coverage));
            Assert.That(ex!.ParamName, Is.EqualTo("coverage"));
            Assert.That(ex.ActualValue, Is.EqualTo(coverage));
        }
        finally
        {
            Subject.Release(d);
        }
    }

    [Test]
    public void LossFunction_UndefinedReduction_ThrowsArgumentOutOfRangeNamingReduction(
        [Values] Family family,
        [Values(-1, 3, 99)] int reduction)
    {
        var subject = new Subject(family);
        var d = subject.Create(subject.HasNu ? 3.0 : double.NaN);
        try
        {
            using var scope = NewDisposeScope();
            var t = tensor(new[] { 1.0 });
            var ex = Assert.Throws<ArgumentOutOfRangeException>(() => d.LossFunction(t, t, t, (Reduction)reduction));
            Assert.That(ex!.ParamName, Is.EqualTo("reduction"));
        }
        finally
        {
            Subject.Release(d);
        }
    }

    [TestCase(0.0)]
    [TestCase(-0.0)]
    [TestCase(-1.0)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    [TestCase(double.NegativeInfinity)]
    public void StudentT_InvalidNu_ThrowsArgumentOutOfRangeNamingNu(double nu)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Sculpt.StudentT(nu));
        Assert.That(ex!.ParamName, Is.EqualTo("nu"));
        Assert.That(ex.ActualValue, Is.EqualTo(nu));
        long before = SculptChecks.Live;
        var ex2 = Assert.Throws<ArgumentOutOfRangeException>(() => Sculpt.LearnedStudentT(nu));
        Assert.That(ex2!.ParamName, Is.EqualTo("initialNu"));
        Assert.That(ex2.ActualValue, Is.EqualTo(nu));
        Assert.That(SculptChecks.Live, Is.EqualTo(before), "a rejected LearnedStudentT allocates nothing");
    }

    /// <summary>
    /// Odd but legal inputs (0-dim and empty tensors, half precision, ±∞ and NaN in y or yHat, +∞ risk, rank-4
    /// broadcasting) and illegal ones: any exception must be an ArgumentException (or subclass) from the library's checks,
    /// never libtorch's ExternalException.
    /// </summary>
    [TestCaseSource(nameof(FamilyOperations))]
    public void AllMethods_OddInputs_NeverRawLibtorchException(Family family, string op)
    {
        var operation = Op(op);
        var subject = new Subject(family);
        var d = subject.Create(subject.HasNu ? 3.0 : double.NaN);
        try
        {
            var inputs = new List<(string Label, Func<(Tensor Y, Tensor Hat, Tensor Risk)> Make)>
            {
                ("0-dim", () => (tensor(1.0), tensor(0.0), tensor(2.0))),
                ("empty", () => (zeros(0, 2), zeros(0, 2), ones(0, 2))),
                ("empty vs (1)", () => (zeros(0), zeros(0), ones(1))),
                ("Float16", () => (tensor(new[] { 1.0, 2.0 }).half(), tensor(new[] { 0.0, 1.0 }).half(), tensor(new[] { 1.0, 3.0 }).half())),
                ("BFloat16 mixed", () => (tensor(new[] { 1.0, 2.0 }).bfloat16(), tensor(new[] { 0.0, 1.0 }), tensor(new[] { 1.0, 3.0 }).half())),
                ("inf and NaN locations", () => (tensor(new[] { double.PositiveInfinity, double.NaN, 1.0 }), tensor(new[] { 0.0, 0.0, double.NegativeInfinity }), tensor(new[] { 1.0 }))),
                ("infinite risk", () => (tensor(new[] { 1.0 }), tensor(new[] { 0.0 }), tensor(new[] { double.PositiveInfinity }))),
                ("rank 4", () => (zeros(2, 1, 3, 1), zeros(1, 4, 1, 5), ones(3, 1))),
                ("non-contiguous", () => (zeros(3, 4).t(), zeros(4, 3).t(), ones(3, 4).t())),
                ("bad rank 4", () => (zeros(2, 1, 3, 1), zeros(1, 4, 2, 5), ones(3, 1))),
                ("complex", () => (zeros(2), zeros(2, ScalarType.ComplexFloat32), ones(2))),
            };
            foreach (var (label, make) in inputs)
            {
                using var scope = NewDisposeScope();
                var (y, yHat, yRisk) = make();
                try
                {
                    operation.Call(d, y, yHat, yRisk);
                }
                catch (Exception ex)
                {
                    Assert.That(ex, Is.Not.InstanceOf<ExternalException>(), $"{label}: {ex.GetType().Name}: {ex.Message}");
                    Assert.That(ex, Is.InstanceOf<ArgumentException>(), $"{label}: {ex.GetType().Name}: {ex.Message}");
                    Assert.That(ex.TargetSite?.DeclaringType?.Namespace, Does.StartWith("UncertaintyLoss"), $"{label}: thrown inside {ex.TargetSite?.DeclaringType}, not by the library's checks: {ex.Message}");
                }
            }
        }
        finally
        {
            Subject.Release(d);
        }
    }
}
