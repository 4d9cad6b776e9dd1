namespace UncertaintyLoss.Tests;

/// <summary>
/// Probability (soft) targets in the max-norm family, evaluated for every class in one pass: many classes, one dominant
/// class in Float32, first- and second-order gradients, and an operation count that does not grow with C. Expected
/// values are the MathNet reference's expectation over the true class, Σ_c y_c L(α, c), or finite differences.
/// </summary>
[TestFixture]
public class MaxNormSoftTargetTests
{
    private const double Smoothing = 0.1;

    /// <summary>Evidence rows of C classes: uniform [0, 10], log-uniform [1e-6, 1e6], half zeros and [0, 1e4], one class 1e4..1e6.</summary>
    private static double[] EvidenceRow(Random random, int classes, int regime)
    {
        var row = new double[classes];
        for (int j = 0; j < classes; j++)
        {
            row[j] = (regime % 4) switch
            {
                0 => random.NextDouble() * 10,
                1 => Math.Pow(10, -6 + 12 * random.NextDouble()),
                2 => random.NextDouble() < 0.5 ? 0.0 : random.NextDouble() * 1e4,
                _ => random.NextDouble(),
            };
        }

        if (regime % 4 == 3)
            row[random.Next(classes)] = Math.Pow(10, 4 + 2 * random.NextDouble());
        return row;
    }

    /// <summary>(1 − ε)·onehot(hot) + ε/C: probability mass on every class.</summary>
    private static double[] Smoothed(int hot, int classes, double epsilon)
    {
        var y = Enumerable.Repeat(epsilon / classes, classes).ToArray();
        y[hot] += 1 - epsilon;
        return y;
    }

    /// <summary>N rows of evidence and label-smoothed targets; even rows put the hot class on the largest evidence.</summary>
    private static (double[] Evidence, double[] Target) Batch(int seed, int rows, int classes, double epsilon = Smoothing)
    {
        var random = new Random(seed);
        var evidence = new double[rows * classes];
        var target = new double[rows * classes];
        for (int i = 0; i < rows; i++)
        {
            var e = EvidenceRow(random, classes, i / 2);
            int hot = i % 2 == 0 ? Array.IndexOf(e, e.Max()) : random.Next(classes);
            Array.Copy(e, 0, evidence, i * classes, classes);
            Array.Copy(Smoothed(hot, classes, epsilon), 0, target, i * classes, classes);
        }

        return (evidence, target);
    }

    private static double[] Row(double[] values, int classes, int i) => values.Skip(i * classes).Take(classes).ToArray();

    /// <summary>Per-position values of <paramref name="loss"/> (Reduction.None) at the given rows.</summary>
    private static double[] Library(Func<Tensor, Tensor, Tensor> loss, double[] evidence, double[] target, int classes, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var shape = new long[] { evidence.Length / classes, classes };
        return Tensors.ToDoubles(loss(Tensors.FromDoubles(evidence, shape, dtype), Tensors.FromDoubles(target, shape, dtype)));
    }

    /// <summary>(a) C = 1000, label-smoothed, Float64: the p-norm loss is the reference's expectation to 1e-10 relative.</summary>
    [Test]
    public void DirichletPNormLoss_ThousandClassesLabelSmoothed_MatchesReferenceExpectation([Values(1, 4, 7)] int p)
    {
        const int classes = 1000;
        var (evidence, target) = Batch(20261201, 8, classes);
        var actual = Library((e, t) => UL.DirichletPNormLoss(e, t, p, Reduction.None), evidence, target, classes, ScalarType.Float64);
        for (int i = 0; i < actual.Length; i++)
        {
            double expected = DirichletReference.DirichletPNorm(Row(evidence, classes, i), Row(target, classes, i), p);
            Assert.That(actual[i], Is.EqualTo(expected).Within(1e-10 * Math.Abs(expected)), $"row {i}");
        }
    }

    /// <summary>
    /// (a) C = 1000, label-smoothed, Float64: the Fisher regulariser is the reference's expectation to 1e-10 relative to
    /// the size of its cancelling terms (<see cref="DirichletReference.FisherMagnitude"/>), and so is λ·R in MaxNormLoss.
    /// </summary>
    [Test]
    public void FisherAndMaxNorm_ThousandClassesLabelSmoothed_MatchReferenceExpectation([Values] FisherAlphaSum sum)
    {
        const int classes = 1000;
        const double lambda = 0.5;
        bool paper = sum == FisherAlphaSum.ExcludingTrueClass;
        var (evidence, target) = Batch(20261202, 8, classes);
        var fisher = Library((e, t) => UL.DirichletFisherRegularizer(e, t, Reduction.None, fisherAlphaSum: sum), evidence, target, classes, ScalarType.Float64);
        var maxNorm = Library((e, t) => UL.MaxNormLoss(e, t, lambda, 4, Reduction.None, fisherAlphaSum: sum), evidence, target, classes, ScalarType.Float64);
        for (int i = 0; i < fisher.Length; i++)
        {
            double[] e = Row(evidence, classes, i), y = Row(target, classes, i);
            double r = DirichletReference.FisherRegularizer(e, y, paper);
            double magnitude = Math.Max(Math.Abs(r), DirichletReference.FisherMagnitude(e, y, paper));
            Assert.That(magnitude, Is.GreaterThan(0), $"row {i} has wrong-class evidence");
            Assert.That(fisher[i], Is.EqualTo(r).Within(1e-10 * magnitude), $"Fisher, row {i}");
            double f = DirichletReference.DirichletPNorm(e, y, 4);
            Assert.That(maxNorm[i], Is.EqualTo(f + lambda * r).Within(1e-10 * (f + lambda * magnitude)), $"MaxNorm, row {i}");
        }
    }

    /// <summary>
    /// Rows with evidence 1e6 on one class and log-uniform [1e-4, 1] elsewhere, the target on the dominant class or on a wrong one,
    /// one-hot (ε = 0: the dominant class's own loss, about C/S, alone) or smoothed.
    /// </summary>
    private static (double[] Evidence, double[] Target) DominantBatch(int classes, double epsilon)
    {
        var random = new Random(20261203 + classes);
        const int rows = 6;
        var evidence = new double[rows * classes];
        var target = new double[rows * classes];
        for (int i = 0; i < rows; i++)
        {
            int dominant = random.Next(classes);
            for (int j = 0; j < classes; j++)
                evidence[i * classes + j] = j == dominant ? 1e6 : Math.Pow(10, -4 * random.NextDouble());
            int hot = i % 2 == 0 ? dominant : (dominant + 1 + random.Next(classes - 1)) % classes;
            Array.Copy(Smoothed(hot, classes, epsilon), 0, target, i * classes, classes);
        }

        return (Tensors.RoundToSingle(evidence), Tensors.RoundToSingle(target));
    }

    /// <summary>(b) Float32, one class with evidence 1e6: the p-norm loss within 1e-5 relative of the reference.</summary>
    [Test]
    public void DirichletPNormLoss_Float32DominantClass_WithinOneInHundredThousand(
        [Values(2, 10, 100, 1000)] int classes, [Values(0.0, Smoothing)] double epsilon, [Values(2, 4)] int p)
    {
        var (evidence, target) = DominantBatch(classes, epsilon);
        var actual = Library((e, t) => UL.DirichletPNormLoss(e, t, p, Reduction.None), evidence, target, classes, ScalarType.Float32);
        for (int i = 0; i < actual.Length; i++)
        {
            double expected = DirichletReference.DirichletPNorm(Row(evidence, classes, i), Row(target, classes, i), p);
            Assert.That(actual[i], Is.EqualTo(expected).Within(1e-5 * Math.Abs(expected)), $"row {i}");
        }
    }

    /// <summary>(b) Float32, one class with evidence 1e6: the Fisher regulariser within 1e-5 of the reference, relative to its cancelling terms.</summary>
    [Test]
    public void DirichletFisherRegularizer_Float32DominantClass_WithinOneInHundredThousand(
        [Values(2, 10, 100, 1000)] int classes, [Values(0.0, Smoothing)] double epsilon, [Values] FisherAlphaSum sum)
    {
        bool paper = sum == FisherAlphaSum.ExcludingTrueClass;
        var (evidence, target) = DominantBatch(classes, epsilon);
        var actual = Library((e, t) => UL.DirichletFisherRegularizer(e, t, Reduction.None, fisherAlphaSum: sum), evidence, target, classes, ScalarType.Float32);
        for (int i = 0; i < actual.Length; i++)
        {
            double[] e = Row(evidence, classes, i), y = Row(target, classes, i);
            double expected = DirichletReference.FisherRegularizer(e, y, paper);
            double magnitude = Math.Max(Math.Abs(expected), DirichletReference.FisherMagnitude(e, y, paper));
            Assert.That(actual[i], Is.EqualTo(expected).Within(1e-5 * magnitude), $"row {i}");
        }
    }

    /// <summary>
    /// (b) Float32, p = 16, evidence 1e6 on one class and 0 elsewhere: the other classes' moments relative to the dominant
    /// one (about 1e-96) underflow to 0. The value still matches the reference and the gradient has no NaN from a
    /// logarithm of 0.
    /// </summary>
    [Test]
    public void DirichletPNormLoss_Float32OtherMomentsUnderflow_MatchesReferenceWithFiniteGradient()
    {
        using var scope = NewDisposeScope();
        var evidence = new[] { 1e6, 0.0, 0.0, 0.0, 1e6, 0.0 };
        var target = new[] { 0.8, 0.1, 0.1, 0.0, 0.0, 1.0 };
        var shape = new long[] { 2, 3 };
        var e = Tensors.FromDoubles(evidence, shape, ScalarType.Float32).requires_grad_();
        var loss = UL.DirichletPNormLoss(e, Tensors.FromDoubles(Tensors.RoundToSingle(target), shape, ScalarType.Float32), 16, Reduction.None);
        loss.sum().backward();
        Assert.That(Tensors.ToDoubles(e.grad!).All(double.IsFinite), Is.True, "finite gradient");
        var actual = Tensors.ToDoubles(loss);
        for (int i = 0; i < 2; i++)
        {
            double expected = DirichletReference.DirichletPNorm(Row(evidence, 3, i), Row(Tensors.RoundToSingle(target), 3, i), 16);
            Assert.That(actual[i], Is.EqualTo(expected).Within(1e-5 * expected), $"row {i}");
        }
    }

    /// <summary>Small Float64 cases: evidence with zeros and one large value, soft targets that need not sum to 1.</summary>
    private static (double[] Evidence, double[] Target, long[] Shape) SmallCase(int classes, int seed)
    {
        var random = new Random(seed);
        const int rows = 3;
        var evidence = Enumerable.Range(0, rows * classes).Select(_ => random.NextDouble() * 5).ToArray();
        evidence[0] = 0.0;
        evidence[classes + 1] = 50.0;
        var target = Enumerable.Range(0, rows * classes).Select(_ => random.NextDouble()).ToArray();
        Array.Copy(Smoothed(1, classes, Smoothing), 0, target, classes, classes);
        return (evidence, target, new long[] { rows, classes });
    }

    private static Func<double[], double> ReferenceSum(double[] target, int classes, double lambda, int p, bool paper) =>
        e => Enumerable.Range(0, e.Length / classes).Sum(i =>
        {
            double[] row = Row(e, classes, i), y = Row(target, classes, i);
            return DirichletReference.DirichletPNorm(row, y, p) + lambda * DirichletReference.FisherRegularizer(row, y, paper);
        });

    /// <summary>(c) The autograd gradient of the summed loss equals central differences of the reference.</summary>
    [Test]
    public void MaxNormLoss_SoftTargetGradient_MatchesFiniteDifferenceOfReference([Values(2, 5)] int classes, [Values] FisherAlphaSum sum)
    {
        using var scope = NewDisposeScope();
        const double lambda = 0.7;
        var (evidence, target, shape) = SmallCase(classes, 20261204 + classes);
        var e = Tensors.FromDoubles(evidence, shape).requires_grad_();
        UL.MaxNormLoss(e, Tensors.FromDoubles(target, shape), lambda, 4, Reduction.Sum, fisherAlphaSum: sum).backward();
        var actual = Tensors.ToDoubles(e.grad!);

        var expected = PropertyChecks.FiniteDifferenceGradient(ReferenceSum(target, classes, lambda, 4, sum == FisherAlphaSum.ExcludingTrueClass), evidence);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < actual.Length; i++)
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(1e-6 * scale), $"element {i}");
    }

    /// <summary>
    /// (d) Second order through the composed path: a Hessian-vector product (autograd.grad with create_graph) equals
    /// central differences of the first-order gradient along the same direction, and vᵀHv equals the second difference
    /// of the reference along it.
    /// </summary>
    [Test]
    public void MaxNormLoss_SoftTargetHessianVectorProduct_MatchesFiniteDifferences([Values] FisherAlphaSum sum)
    {
        using var scope = NewDisposeScope();
        const int classes = 5;
        const double lambda = 0.7;
        var (evidence, target, shape) = SmallCase(classes, 20261205);
        var y = Tensors.FromDoubles(target, shape);
        var random = new Random(20261206);
        // A direction that keeps zero evidence where it is (the loss rejects negative evidence).
        var v = evidence.Select(x => x > 0 ? random.NextDouble() * 2 - 1 : 0.0).ToArray();
        var direction = Tensors.FromDoubles(v, shape);
        Tensor Loss(Tensor x) => UL.MaxNormLoss(x, y, lambda, 4, Reduction.Sum, fisherAlphaSum: sum);
        Tensor Gradient(double[] at)
        {
            var x = Tensors.FromDoubles(at, shape).requires_grad_();
            return torch.autograd.grad(new[] { Loss(x) }, new[] { x })[0].detach();
        }

        var leaf = Tensors.FromDoubles(evidence, shape).requires_grad_();
        var g = torch.autograd.grad(new[] { Loss(leaf) }, new[] { leaf }, retain_graph: true, create_graph: true)[0];
        var hv = Tensors.ToDoubles(torch.autograd.grad(new[] { (g * direction).sum() }, new[] { leaf })[0]);

        const double h = 1e-5;
        double[] Along(double t) => evidence.Select((x, i) => x + t * v[i]).ToArray();
        var fd = Tensors.ToDoubles((Gradient(Along(h)) - Gradient(Along(-h))) / (2 * h));
        double scale = fd.Max(Math.Abs);
        Assert.That(scale, Is.GreaterThan(1e-3), "the case has curvature");
        for (int i = 0; i < hv.Length; i++)
            Assert.That(hv[i], Is.EqualTo(fd[i]).Within(1e-6 * scale), $"element {i}");

        // vᵀHv against the reference: Richardson-extrapolated second differences (f(x+tv) − 2f(x) + f(x−tv))/t² (the
        // reference accepts the slightly negative evidence x − tv).
        var f = ReferenceSum(target, classes, lambda, 4, sum == FisherAlphaSum.ExcludingTrueClass);
        double Second(double t) => (f(Along(t)) - 2 * f(evidence) + f(Along(-t))) / (t * t);
        double expected = (4 * Second(1e-2) - Second(2e-2)) / 3;
        double vhv = hv.Select((x, i) => x * v[i]).Sum();
        Assert.That(vhv, Is.EqualTo(expected).Within(1e-6 * Math.Abs(expected)), "vᵀHv");
    }

    private static long TensorsCreated() =>
        DisposeScopeManager.Statistics.TensorStatistics.CreatedInScopeCount + DisposeScopeManager.Statistics.TensorStatistics.CreatedOutsideScopeCount;

    /// <summary>Tensors one forward call creates for probability targets with mass on every one of C classes.</summary>
    private static long TensorsPerCall(int classes, Func<Tensor, Tensor, Tensor> loss)
    {
        using var scope = NewDisposeScope();
        var (evidence, target) = Batch(20261207, 4, classes);
        var shape = new long[] { 4, classes };
        var e = Tensors.FromDoubles(evidence, shape, ScalarType.Float32);
        var y = Tensors.FromDoubles(target, shape, ScalarType.Float32);
        long before = TensorsCreated();
        loss(e, y);
        return TensorsCreated() - before;
    }

    /// <summary>
    /// (e) The work does not grow with the number of classes: one call creates as many tensors (TorchSharp operations)
    /// for C = 1000 as for C = 3, when the target has mass on every class. A loop over the classes would create C times
    /// more. (The time it saves is measured by the benchmark, docs/performance.md.)
    /// </summary>
    [Test]
    public void MaxNormFamily_MassOnEveryClass_OperationCountIndependentOfClassCount()
    {
        (string Name, Func<Tensor, Tensor, Tensor> Loss)[] losses =
        {
            ("MaxNormLoss All", (e, t) => UL.MaxNormLoss(e, t, 1.0)),
            ("MaxNormLoss ExcludingTrueClass", (e, t) => UL.MaxNormLoss(e, t, 1.0, fisherAlphaSum: FisherAlphaSum.ExcludingTrueClass)),
            ("DirichletPNormLoss", (e, t) => UL.DirichletPNormLoss(e, t)),
            ("DirichletFisherRegularizer", (e, t) => UL.DirichletFisherRegularizer(e, t)),
        };
        foreach (var (name, loss) in losses)
        {
            long few = TensorsPerCall(3, loss);
            Assert.That(few, Is.GreaterThan(0), name);
            Assert.That(TensorsPerCall(1000, loss), Is.EqualTo(few), name);
        }
    }

    /// <summary>
    /// (e) N = 256, C = 1000, label-smoothed Float32 targets: forward and backward complete, the gradient is finite and
    /// every fifty-first position matches the reference's expectation (1e-5, Fisher relative to its cancelling terms).
    /// </summary>
    [Test]
    public void MaxNormLoss_Float32ThousandClassesBatch256_ForwardBackwardMatchesReference()
    {
        using var scope = NewDisposeScope();
        const int classes = 1000, rows = 256;
        var (evidence, target) = Batch(20261208, rows, classes);
        evidence = Tensors.RoundToSingle(evidence);
        target = Tensors.RoundToSingle(target);
        var shape = new long[] { rows, classes };
        var e = Tensors.FromDoubles(evidence, shape, ScalarType.Float32).requires_grad_();
        var loss = UL.MaxNormLoss(e, Tensors.FromDoubles(target, shape, ScalarType.Float32), 1.0, reduction: Reduction.None);
        loss.sum().backward();
        Assert.That(Tensors.ToDoubles(e.grad!).All(double.IsFinite), Is.True, "finite gradient");

        var actual = Tensors.ToDoubles(loss);
        for (int i = 0; i < rows; i += 51)
        {
            double[] row = Row(evidence, classes, i), y = Row(target, classes, i);
            double f = DirichletReference.DirichletPNorm(row, y, 4);
            double r = DirichletReference.FisherRegularizer(row, y, false);
            double magnitude = f + Math.Max(Math.Abs(r), DirichletReference.FisherMagnitude(row, y, false));
            Assert.That(actual[i], Is.EqualTo(f + r).Within(1e-5 * magnitude), $"row {i}");
        }
    }
}
