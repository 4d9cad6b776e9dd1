using System.Runtime.InteropServices;
using UncertaintyLoss.Internal;
using UncertaintyLoss.Internal.Fused;

namespace UncertaintyLoss.Tests.Fused;

/// <summary>
/// The <c>…WithLogits</c> functions (issue 18): the loss of <see cref="UL.ToEvidence"/>(logits) with the activation
/// computed inside the fused pass. Against the two-step form (the activation, then the loss on evidence): to rounding on
/// the fused path (Float64 1e-10, Float32 1e-5 relative: the two-step form rounds the evidence to the input's dtype, the
/// fused pass does not), exactly on the composed path (the same operations), and the fused and composed paths against each
/// other; the logits' gradient by central differences; the clamp's bounds; validation against <c>logits</c> before any
/// fused job; gradients of gradients; tensor lifetimes.
/// </summary>
[TestFixture]
public sealed class WithLogitsTests
{
    /// <summary>The losses with a …WithLogits form, as the fixed cases name them.</summary>
    public static readonly FusedLossUnderTest[] Losses =
    {
        FusedLossUnderTest.Evidential, FusedLossUnderTest.EvidentialLog, FusedLossUnderTest.EvidentialDigamma,
        FusedLossUnderTest.Relaxed, FusedLossUnderTest.MaxNorm, FusedLossUnderTest.Fisher, FusedLossUnderTest.Red,
        FusedLossUnderTest.PosteriorNetwork,
    };

    private const double Clamp = 3.5;

    /// <summary>One call: the loss, its options, the logits.</summary>
    public sealed record Case(FusedLossUnderTest Loss, EvidenceActivation Activation, ScalarType Dtype, long[] Shape, Reduction Reduction,
        bool Weighted, bool Ignore, int Seed, bool Soft = false)
    {
        public long Classes => Shape[1];

        public long[] PositionShape => ReferenceTensor.PositionShape(Shape);

        /// <summary>N(0, 2²) logits with exact ±<see cref="Clamp"/> and 0 among them (the clamp's and relu's kinks);
        /// non-negative for <see cref="EvidenceActivation.None"/>, whose logits are evidence.</summary>
        public double[] Logits()
        {
            var random = new Random(Seed);
            long count = Shape.Aggregate(1L, (a, b) => a * b);
            var x = new double[count];
            for (long i = 0; i < count; i++)
            {
                double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
                x[i] = 2 * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            }

            x[0] = Clamp;
            x[count / 2] = -Clamp;
            x[count - 1] = 0.0;
            return Activation == EvidenceActivation.None ? x.Select(Math.Abs).ToArray() : x;
        }

        public long[] Target()
        {
            var random = new Random(Seed + 1);
            long positions = PositionShape.Aggregate(1L, (a, b) => a * b);
            return Enumerable.Range(0, (int)positions).Select(i => Ignore && i % 3 == 1 ? -1L : random.Next((int)Classes)).ToArray();
        }

        /// <summary>The target tensor: class indices, or (<see cref="Soft"/>) normalised random probabilities of the logits'
        /// shape in their dtype, with one exact 0 and one exact 1 row entry among them.</summary>
        public Tensor TargetTensor()
        {
            if (!Soft)
                return Tensors.FromLongs(Target(), PositionShape);
            var random = new Random(Seed + 2);
            long positions = PositionShape.Aggregate(1L, (a, b) => a * b);
            long d = positions / Shape[0];
            var y = new double[positions * Classes];
            for (long p = 0; p < positions; p++)
            {
                var row = Enumerable.Range(0, (int)Classes).Select(_ => random.NextDouble()).ToArray();
                if (p == 0)
                    row = row.Select((_, j) => j == 1 ? 1.0 : 0.0).ToArray();
                double sum = row.Sum();
                for (long j = 0; j < Classes; j++)
                    y[(p / d * Classes + j) * d + p % d] = row[j] / sum;
            }

            return Tensors.FromDoubles(y, Shape, Dtype);
        }

        public double[]? Weight() => Weighted ? Enumerable.Range(0, (int)Classes).Select(j => 0.5 + 0.25 * j).ToArray() : null;

        public long IgnoreIndex => Ignore ? -1 : -100;

        /// <summary>The …WithLogits call.</summary>
        public Tensor WithLogits(Tensor logits, Tensor target, Tensor? weight) => Loss switch
        {
            FusedLossUnderTest.MaxNorm => UL.MaxNormLossWithLogits(logits, target, 0.5, 4, Reduction, weight, IgnoreIndex, activation: Activation, clamp: Clamp),
            FusedLossUnderTest.Relaxed => UL.RelaxedEvidentialLossWithLogits(logits, target, 0.5, FusedCases.DefaultPriorWeight, Reduction, weight, IgnoreIndex, Activation, Clamp),
            FusedLossUnderTest.Fisher => UL.FisherEvidentialLossWithLogits(logits, target, 0.5, FusedCases.DefaultFisherCoefficient, Reduction, weight, IgnoreIndex, Activation, Clamp),
            FusedLossUnderTest.Red => UL.RedEvidentialLossWithLogits(logits, target, 0.5, FusedCases.DefaultCorrectEvidenceWeight, Reduction, weight, IgnoreIndex, EvidentialRisk.LogLikelihood, Activation, Clamp),
            FusedLossUnderTest.PosteriorNetwork => UL.PosteriorNetworkLossWithLogits(logits, target, 0.5, Reduction, weight, IgnoreIndex, Activation, Clamp),
            _ => UL.EvidentialLossWithLogits(logits, target, 0.5, Reduction, weight, IgnoreIndex, Risk, Activation, Clamp),
        };

        /// <summary>The two-step form: <see cref="UL.ToEvidence"/>, then the loss on evidence.</summary>
        public Tensor TwoStep(Tensor logits, Tensor target, Tensor? weight)
        {
            var e = UL.ToEvidence(logits, Activation, Clamp);
            return Loss switch
            {
                FusedLossUnderTest.MaxNorm => UL.MaxNormLoss(e, target, 0.5, 4, Reduction, weight, IgnoreIndex),
                FusedLossUnderTest.Relaxed => UL.RelaxedEvidentialLoss(e, target, 0.5, FusedCases.DefaultPriorWeight, Reduction, weight, IgnoreIndex),
                FusedLossUnderTest.Fisher => UL.FisherEvidentialLoss(e, target, 0.5, FusedCases.DefaultFisherCoefficient, Reduction, weight, IgnoreIndex),
                FusedLossUnderTest.Red => UL.RedEvidentialLoss(e, target, 0.5, FusedCases.DefaultCorrectEvidenceWeight, Reduction, weight, IgnoreIndex, EvidentialRisk.LogLikelihood),
                FusedLossUnderTest.PosteriorNetwork => UL.PosteriorNetworkLoss(e, target, 0.5, Reduction, weight, IgnoreIndex),
                _ => UL.EvidentialLoss(e, target, 0.5, Reduction, weight, IgnoreIndex, Risk),
            };
        }

        private EvidentialRisk Risk => Loss switch
        {
            FusedLossUnderTest.EvidentialLog => EvidentialRisk.LogLikelihood,
            FusedLossUnderTest.EvidentialDigamma => EvidentialRisk.CrossEntropy,
            _ => EvidentialRisk.SquaredError,
        };

        public override string ToString() =>
            $"{Loss} {Activation} {Dtype} [{string.Join(", ", Shape)}] {Reduction}{(Weighted ? " weighted" : "")}{(Ignore ? " ignore" : "")}{(Soft ? " probabilities" : "")} seed {Seed}";
    }

    /// <summary>Runs <paramref name="twoStep"/> or the …WithLogits form on <paramref name="path"/>: output and the logits' gradient.</summary>
    private static (double[] Output, double[] Gradient, long Jobs) Run(Case c, KernelPath path, bool twoStep)
    {
        using var scope = NewDisposeScope();
        using var force = Kernels.Force(path);
        var x = Tensors.FromDoubles(c.Logits(), c.Shape, c.Dtype).requires_grad_();
        var y = c.TargetTensor();
        var w = c.Weight() is { } weight ? Tensors.FromDoubles(weight, new[] { c.Classes }, c.Dtype) : null;
        long jobs = FusedDirichlet.JobsStarted;
        var output = twoStep ? c.TwoStep(x, y, w) : c.WithLogits(x, y, w);
        jobs = FusedDirichlet.JobsStarted - jobs;
        var gradOutput = Tensors.FromDoubles(Enumerable.Range(0, (int)output.numel()).Select(i => 0.75 + 0.1 * i).ToArray(), output.shape, c.Dtype);
        output.backward(new[] { gradOutput });
        return (Tensors.ToDoubles(output), Tensors.ToDoubles(x.grad!), jobs);
    }

    public static IEnumerable<TestCaseData> Cases()
    {
        int seed = 100;
        // 131 classes: the row-major kernel (FusedDirichlet.RowMajorMinClasses), its last vector partly past C.
        var shapes = new[] { new long[] { 6, 4 }, new long[] { 9, 13 }, new long[] { 2, 3, 5, 3 }, new long[] { 5, 131 } };
        foreach (var loss in Losses)
        foreach (var activation in Enum.GetValues<EvidenceActivation>())
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        foreach (var shape in shapes)
        {
            seed++;
            var reduction = (Reduction)(seed % 3);
            var c = new Case(loss, activation, dtype, shape, reduction, Weighted: seed % 2 == 0, Ignore: seed % 4 < 2, seed);
            yield return new TestCaseData(c).SetArgDisplayNames(c.ToString());
            var soft = c with { Weighted = false, Ignore = false, Soft = true };
            yield return new TestCaseData(soft).SetArgDisplayNames(soft.ToString());
        }
    }

    public static IEnumerable<TestCaseData> Float64Cases() => Cases().Where(t => ((Case)t.Arguments[0]!).Dtype == ScalarType.Float64);

    /// <summary>Null when every element is within <paramref name="rtol"/> of max(|expected element|, <paramref name="floor"/>·max|expected|).</summary>
    private static string? Compare(string what, double[] actual, double[] expected, double rtol, double floor = 1e-6)
    {
        double largest = expected.Select(Math.Abs).DefaultIfEmpty(0).Max();
        for (int i = 0; i < expected.Length; i++)
        {
            // Relative to the element, floored at a fraction of the largest (an element that is a difference of large terms).
            double scale = Math.Max(Math.Abs(expected[i]), floor * largest);
            if (!(Math.Abs(actual[i] - expected[i]) <= rtol * scale + double.Epsilon))
                return FormattableString.Invariant($"{what}[{i}]: {actual[i]:R}, expected {expected[i]:R} (rtol {rtol:G2})");
        }

        return null;
    }

    [TestCaseSource(nameof(Cases))]
    public void WithLogits_FusedPath_EqualsTwoStepToRounding(Case c)
    {
        var got = Run(c, KernelPath.Fused, twoStep: false);
        var want = Run(c, KernelPath.Fused, twoStep: true);
        Assert.That(got.Jobs, Is.EqualTo(1), "one fused job, and no composed activation");
        double rtol = Tolerance.Relative(c.Dtype);
        Assert.That(Compare("output", got.Output, want.Output, rtol), Is.Null);
        // Float32: the two-step form's evidence carries Float32 rounding (6e-8 relative), which a gradient element that is a
        // difference (e.g. ψ₁(S) − ψ₁(α_t)) amplifies; such elements are compared relative to max|gradient|, as FusedPathTests does.
        Assert.That(Compare("gradient", got.Gradient, want.Gradient, rtol, floor: c.Dtype == ScalarType.Float32 ? 1.0 : 1e-6), Is.Null);
    }

    [TestCaseSource(nameof(Cases))]
    public void WithLogits_ComposedPath_EqualsTwoStepExactly(Case c)
    {
        var got = Run(c, KernelPath.Composed, twoStep: false);
        var want = Run(c, KernelPath.Composed, twoStep: true);
        Assert.That(got.Jobs, Is.EqualTo(0));
        Assert.That(got.Output, Is.EqualTo(want.Output).AsCollection, "output");
        Assert.That(got.Gradient, Is.EqualTo(want.Gradient).AsCollection, "gradient");
    }

    /// <summary>Float64 only: the composed Float32 path rounds every intermediate to Float32, which the fixtures of
    /// FusedPathTests bound with each loss's magnitudes. The gradients agree to 2e-9 of the largest, as there: the composed
    /// gradient goes through libtorch's trigamma, about 5e-10 relative in Float64 (docs/accuracy.md).</summary>
    [TestCaseSource(nameof(Float64Cases))]
    public void WithLogits_FusedPath_EqualsComposedPath(Case c)
    {
        var fused = Run(c, KernelPath.Fused, twoStep: false);
        var composed = Run(c, KernelPath.Composed, twoStep: false);
        Assert.That(Compare("output", fused.Output, composed.Output, 1e-10), Is.Null);
        Assert.That(Compare("gradient", fused.Gradient, composed.Gradient, 2e-9, floor: 1.0), Is.Null);
    }

    /// <summary>
    /// The logits' gradient on the fused path against Richardson-extrapolated central differences of the fused loss itself
    /// (Float64, Σ reduction, logits kept 0.05 away from the clamp's and relu's kinks and from softplus's threshold). RED's
    /// gradient holds its vacuity ν = C/S constant (not the derivative of the value, <see cref="UL.RedEvidentialLoss"/>), so
    /// its differences are those of the surrogate with ν fixed at the base point: the loss plus
    /// w·Σ_b weight_b·(ν_b(x) − ν_b(x₀))·ln max(e_{b,t}(x), ε), computed here in double from the activation's formula.
    /// </summary>
    [Test]
    public void WithLogits_FusedGradient_MatchesCentralDifferences(
        [ValueSource(nameof(Losses))] FusedLossUnderTest loss,
        [Values(EvidenceActivation.Exp, EvidenceActivation.Softplus, EvidenceActivation.Relu)] EvidenceActivation activation)
    {
        var c = new Case(loss, activation, ScalarType.Float64, new long[] { 3, 4 }, Reduction.Sum, Weighted: true, Ignore: false, 7);
        var x0 = c.Logits().Select(v => Math.Abs(Math.Abs(v) - Clamp) < 0.05 || Math.Abs(v) < 0.05 ? v + 0.2 : v).ToArray();
        var target = c.Target();
        double F(double[] x)
        {
            using var scope = NewDisposeScope();
            using var force = Kernels.Force(KernelPath.Fused);
            var w = Tensors.FromDoubles(c.Weight()!, new[] { c.Classes });
            double value = c.WithLogits(Tensors.FromDoubles(x, c.Shape), Tensors.FromLongs(target, c.PositionShape), w).ToDouble();
            return loss == FusedLossUnderTest.Red ? value + RedVacuityCorrection(c, x, x0, target) : value;
        }

        double[] gradient;
        using (var scope = NewDisposeScope())
        using (var force = Kernels.Force(KernelPath.Fused))
        {
            var x = Tensors.FromDoubles(x0, c.Shape).requires_grad_();
            var w = Tensors.FromDoubles(c.Weight()!, new[] { c.Classes });
            c.WithLogits(x, Tensors.FromLongs(target, c.PositionShape), w).backward();
            gradient = Tensors.ToDoubles(x.grad!);
        }

        const double h = 1e-4;
        for (int i = 0; i < x0.Length; i++)
        {
            double D(double step)
            {
                var plus = (double[])x0.Clone();
                var minus = (double[])x0.Clone();
                plus[i] += step;
                minus[i] -= step;
                return (F(plus) - F(minus)) / (2 * step);
            }

            double fd = (4 * D(h / 2) - D(h)) / 3;
            Assert.That(gradient[i], Is.EqualTo(fd).Within(1e-7 * Math.Max(1, Math.Abs(fd))), $"element {i} (logit {x0[i]:R}), {c}");
        }
    }

    /// <summary>w·Σ_b weight_b·(ν_b(x) − ν_b(x₀))·ln max(e_{b,t}(x), ε) for an (N, C) case with weights and no ignored
    /// positions: added to RED's value it gives the surrogate whose derivative at x₀ is RED's gradient (ν held at x₀).</summary>
    private static double RedVacuityCorrection(Case c, double[] x, double[] x0, long[] target)
    {
        int classes = (int)c.Classes;
        double Evidence(double v) => c.Activation switch
        {
            EvidenceActivation.Exp => Math.Exp(Math.Clamp(v, -Clamp, Clamp)),
            EvidenceActivation.Softplus => v > 40 ? v : Math.Log(1 + Math.Exp(v)),
            EvidenceActivation.Relu => Math.Max(v, 0),
            _ => v,
        };
        double Vacuity(double[] at, int b) => classes / Enumerable.Range(0, classes).Sum(j => Evidence(at[b * classes + j]) + 1);
        var weight = c.Weight()!;
        double total = 0;
        for (int b = 0; b < target.Length; b++)
        {
            double eTrue = Evidence(x[b * classes + (int)target[b]]);
            total += weight[target[b]] * (Vacuity(x, b) - Vacuity(x0, b)) * Math.Log(Math.Max(eTrue, UL.CorrectEvidenceFloor));
        }

        return FusedCases.DefaultCorrectEvidenceWeight * total;
    }

    /// <summary>At x = ±clamp the gradient passes (as <c>torch.clamp</c>'s), beyond it is 0; relu's at 0 is 0.</summary>
    [Test]
    public void WithLogits_GradientAtTheKinks_AsTheComposedActivations([ValueSource(nameof(Losses))] FusedLossUnderTest loss)
    {
        foreach (var activation in new[] { EvidenceActivation.Exp, EvidenceActivation.Relu })
        {
            var c = new Case(loss, activation, ScalarType.Float64, new long[] { 2, 3 }, Reduction.Sum, false, false, 3);
            var x = new[] { Clamp, -Clamp, Clamp + 1, -Clamp - 1, 0.0, 0.5 };
            var y = new long[] { 1, 2 };
            double[] Gradient(KernelPath path)
            {
                using var scope = NewDisposeScope();
                using var force = Kernels.Force(path);
                var logits = Tensors.FromDoubles(x, c.Shape).requires_grad_();
                c.WithLogits(logits, Tensors.FromLongs(y, new long[] { 2 }), null).backward();
                return Tensors.ToDoubles(logits.grad!);
            }

            var fused = Gradient(KernelPath.Fused);
            var composed = Gradient(KernelPath.Composed);
            Assert.That(Compare("gradient", fused, composed, 2e-9, floor: 1.0), Is.Null, activation.ToString());
            if (activation == EvidenceActivation.Exp)
            {
                Assert.That(fused[0], Is.Not.EqualTo(0.0), "x = clamp passes the gradient");
                Assert.That(fused[1], Is.Not.EqualTo(0.0), "x = −clamp passes the gradient");
                Assert.That(fused[2], Is.EqualTo(0.0), "beyond the clamp");
                Assert.That(fused[3], Is.EqualTo(0.0), "below −clamp");
            }
            else
            {
                Assert.That(fused[1], Is.EqualTo(0.0), "relu of a negative logit");
                Assert.That(fused[4], Is.EqualTo(0.0), "relu at 0");
            }
        }
    }

    public static IEnumerable<TestCaseData> BadLogits()
    {
        // (activation, clamp, dtype, one bad value, what the message must contain)
        yield return new TestCaseData(EvidenceActivation.Exp, 30.0, ScalarType.Float64, 28.0, "at most").SetArgDisplayNames("Exp above MaxEvidence");
        yield return new TestCaseData(EvidenceActivation.Exp, 100.0, ScalarType.Float32, 90.0, "+Infinity").SetArgDisplayNames("Exp overflowing Float32");
        yield return new TestCaseData(EvidenceActivation.Softplus, 10.0, ScalarType.Float64, double.PositiveInfinity, "+Infinity").SetArgDisplayNames("Softplus of +inf");
        yield return new TestCaseData(EvidenceActivation.Relu, 10.0, ScalarType.Float32, 2e12, "at most").SetArgDisplayNames("Relu above MaxEvidence");
        yield return new TestCaseData(EvidenceActivation.None, 10.0, ScalarType.Float64, -0.5, "non-negative").SetArgDisplayNames("None of a negative");
    }

    /// <summary>
    /// Logits whose evidence is out of range throw <see cref="ArgumentException"/> naming <c>logits</c> on both paths, with
    /// the same message, before any fused job; the message says which activation.
    /// </summary>
    [TestCaseSource(nameof(BadLogits))]
    public void WithLogits_EvidenceOutOfRange_ThrowsAgainstLogitsOnBothPaths(EvidenceActivation activation, double clamp, ScalarType dtype, double bad, string expected)
    {
        var messages = new List<string>();
        foreach (var path in new[] { KernelPath.Auto, KernelPath.Composed })
        {
            foreach (var loss in Losses)
            {
                using var scope = NewDisposeScope();
                using var force = Kernels.Force(path);
                var x = Tensors.FromDoubles(new[] { 0.5, bad, 1.0, 0.25, 2.0, 1.5 }, new long[] { 2, 3 }, dtype).requires_grad_();
                var y = Tensors.FromLongs(new long[] { 0, 2 }, new long[] { 2 });
                var c = new Case(loss, activation, dtype, new long[] { 2, 3 }, Reduction.Mean, false, false, 1);
                long jobs = FusedDirichlet.JobsStarted;
                var e = Assert.Throws<ArgumentException>(() => Call(c, x, y, clamp))!;
                Assert.That(e.ParamName, Is.EqualTo("logits"), $"{loss} on {path}");
                Assert.That(e.Message, Does.Contain(expected).And.Contain("EvidenceActivation." + activation), $"{loss} on {path}");
                Assert.That(FusedDirichlet.JobsStarted, Is.EqualTo(jobs), "no fused job started");
                messages.Add(e.Message);
            }
        }

        Assert.That(messages.Distinct().Count(), Is.EqualTo(1), string.Join(Environment.NewLine, messages.Distinct()));
    }

    /// <summary>
    /// The evidence check skips its scan of the logits exactly where the activation's images of −∞ and +∞ pass it: Exp with a
    /// clamp up to ln(<see cref="UL.MaxEvidence"/>) = 27.63 (e^27.6 = 9.7e11, e^27.7 = 1.07e12); softplus and relu always
    /// scan. Where the scan is skipped, logits of ±∞ and −1e30 are among the input and the loss is finite; with a clamp of 10
    /// it equals the composed path's (the reference formulas) within the dtype's tolerance. (At evidence e^27.6 ≈ 1e12 the
    /// two paths differ by about 1e-9 in Float64, the ln Γ terms cancelling: accuracy.md; that case checks the count and
    /// finiteness only.)
    /// </summary>
    [TestCase(EvidenceActivation.Exp, 10.0, ScalarType.Float32, false)]
    [TestCase(EvidenceActivation.Exp, 27.6, ScalarType.Float64, false)]
    [TestCase(EvidenceActivation.Exp, 27.7, ScalarType.Float64, true)]
    [TestCase(EvidenceActivation.Exp, 100.0, ScalarType.Float32, true)]
    [TestCase(EvidenceActivation.Softplus, 10.0, ScalarType.Float32, true)]
    [TestCase(EvidenceActivation.Relu, 10.0, ScalarType.Float64, true)]
    public void WithLogits_EvidenceScan_SkippedExactlyWhereEveryLogitPasses(EvidenceActivation activation, double clamp, ScalarType dtype, bool scans)
    {
        bool infinite = !scans;   // ±∞ logits only where every logit passes (softplus and relu of +∞ are refused)
        double big = infinite ? double.PositiveInfinity : 1.0;
        double small = infinite ? double.NegativeInfinity : -1.0;
        foreach (var loss in Losses)
        {
            using var scope = NewDisposeScope();
            var x = Tensors.FromDoubles(new[] { 0.5, big, -1e30 * (infinite ? 1 : 0), small, 2.0, 1.5 }, new long[] { 2, 3 }, dtype);
            var y = Tensors.FromLongs(new long[] { 0, 2 }, new long[] { 2 });
            var c = new Case(loss, activation, dtype, new long[] { 2, 3 }, Reduction.Mean, false, false, 1);
            long scansBefore = FusedDirichlet.EvidenceScans;
            long jobsBefore = FusedDirichlet.JobsStarted;
            double fused;
            using (Kernels.Force(KernelPath.Fused))   // also under CI's UL_KERNEL_PATH=Composed run
                fused = Call(c, x, y, clamp).ToDouble();
            Assert.That(FusedDirichlet.JobsStarted, Is.EqualTo(jobsBefore + 1), $"{loss}: the fused path ran");
            Assert.That(FusedDirichlet.EvidenceScans - scansBefore, Is.EqualTo(scans ? 1 : 0), $"{loss}: scans of the logits");
            Assert.That(double.IsFinite(fused), Is.True, $"{loss}: finite");
            if (clamp > 10)
                continue;
            double composed;
            using (Kernels.Force(KernelPath.Composed))
                composed = Call(c, x, y, clamp).ToDouble();
            Assert.That(fused, Is.EqualTo(composed).Within(Tolerance.Relative(dtype) * Math.Abs(composed)), $"{loss}: fused against composed");
        }
    }

    /// <summary>
    /// Float32 logits at saturation, where the evidential losses amplify the evidence's rounding most (small C, logits
    /// N(0, 28²), so most sit at ±clamp), against the fused Float64 loss of the same logits (the reference here: FusedPathTests
    /// holds the Float64 fused path to 1e-10 of the composed reference formulas): every position's loss within the
    /// Float32 contract, 1e-5 relative, and the gradient as the suite compares Float32 gradients (relative to the largest
    /// element: an element that is a difference of large terms, e.g. the KL's (α − 1)ψ₁(α) − (S̃ − C)ψ₁(S̃) of a saturated
    /// wrong class, amplifies any rounding of the evidence; accuracy.md, "Float32 lanes"). At clamp 10 the Exp activation
    /// runs in float lanes (ActivationKernel.SingleLanesMaxClamp); at clamp 14 in double, where float lanes would give a
    /// loss error of 2e-3 (the test fails if the switch admits that clamp).
    /// </summary>
    [TestCase(10.0)]
    [TestCase(14.0)]
    public void WithLogits_Float32AtSaturation_WithinContractOfFloat64(double clamp)
    {
        foreach (int classes in new[] { 2, 3, 5, 8 })
        {
            foreach (var loss in new[] { FusedLossUnderTest.Evidential, FusedLossUnderTest.EvidentialLog, FusedLossUnderTest.MaxNorm })
            {
                using var scope = NewDisposeScope();
                var random = new Random(17 + classes);
                int n = 256;
                var logits = Enumerable.Range(0, n * classes).Select(_ => (double)(float)(28 * Normal(random))).ToArray();
                var labels = Enumerable.Range(0, n).Select(_ => (long)random.Next(classes)).ToArray();
                var y = Tensors.FromLongs(labels, new long[] { n });
                var (single, singleGradient) = PerPosition(loss, Tensors.FromDoubles(logits, new long[] { n, classes }, ScalarType.Float32), y, clamp);
                var (reference, referenceGradient) = PerPosition(loss, Tensors.FromDoubles(logits, new long[] { n, classes }), y, clamp);
                for (int i = 0; i < n; i++)
                {
                    Assert.That(Math.Abs(single[i] - reference[i]), Is.LessThanOrEqualTo(1e-5 * Math.Abs(reference[i])),
                        $"{loss}, C = {classes}, position {i}: loss");
                }

                Assert.That(Compare("gradient", singleGradient, referenceGradient, 1e-5, floor: 1.0), Is.Null, $"{loss}, C = {classes}");
            }
        }
    }

    /// <summary>
    /// The row-major kernels' Float32 reads and writes (issue 18, thirteenth session: Exp reads the logits where they are
    /// stored, the gradient pass writes the Float32 gradient two vectors at a time and its last elements one at a time), for
    /// every loss those kernels serve and C = 128 … 152, whose remainders past the last full float vector (0, 5, 9, 13, 15, 8
    /// of 16; 0, 5, 1, 5, 7, 0 of 8) cover both vector widths' tails: the Float32 logits' losses and gradients on the fused
    /// path against the composed path (libtorch's operations, no fused kernel) in Float64 on the same logits (rounded to
    /// float, so that only the arithmetic differs), weighted, ignored positions included. Each loss within 1e-5 relative,
    /// each gradient element within 1e-5 of its row's largest (the float lanes' measured errors are below 1e-6:
    /// <see cref="Float32Lanes_ErrorByClamp_Table"/>).
    /// </summary>
    [Test]
    public void WithLogits_RowKernelFloat32_EveryTailLength_MatchesComposedFloat64([ValueSource(nameof(RowKernelLosses))] FusedLossUnderTest loss,
        [Values(128L, 133L, 137L, 141L, 143L, 152L)] long classes)
    {
        const int n = 7;
        var c = new Case(loss, EvidenceActivation.Exp, ScalarType.Float32, new[] { n, classes }, Reduction.Mean, Weighted: true, Ignore: true,
            Seed: (int)classes);
        var logits = c.Logits().Select(v => (double)(float)v).ToArray();
        (double[] Loss, double[] Gradient) Run(ScalarType dtype, KernelPath path)
        {
            using var scope = NewDisposeScope();
            using var force = Kernels.Force(path);
            var x = Tensors.FromDoubles(logits, c.Shape, dtype).requires_grad_();
            var w = Tensors.FromDoubles(c.Weight()!, new[] { classes }, dtype);
            var value = (c with { Reduction = Reduction.None }).WithLogits(x, c.TargetTensor(), w);
            value.sum().backward();
            return (Tensors.ToDoubles(value), Tensors.ToDoubles(x.grad!));
        }

        long rows = FusedDirichlet.RowJobsStarted;
        var single = Run(ScalarType.Float32, KernelPath.Fused);
        Assert.That(FusedDirichlet.RowJobsStarted, Is.GreaterThan(rows), "row-major kernel");
        long jobs = FusedDirichlet.JobsStarted;
        var reference = Run(ScalarType.Float64, KernelPath.Composed);
        Assert.That(FusedDirichlet.JobsStarted, Is.EqualTo(jobs), "the reference takes no fused job");
        for (int i = 0; i < n; i++)
        {
            Assert.That(single.Loss[i], Is.EqualTo(reference.Loss[i]).Within(1e-5 * Math.Abs(reference.Loss[i])), $"loss[{i}]");
            var row = reference.Gradient.Skip(i * (int)classes).Take((int)classes).ToArray();
            double largest = row.Max(Math.Abs);
            Assert.That(largest > 0, Is.EqualTo(i % 3 != 1), $"row {i}: ignored rows only have a zero gradient");
            for (int j = 0; j < classes; j++)
            {
                Assert.That(single.Gradient[i * classes + j], Is.EqualTo(row[j]).Within(1e-5 * largest),
                    $"gradient[{i}, {j}] (row's largest {largest:G3})");
            }
        }
    }

    /// <summary>
    /// Max-norm's float lanes for ψ₁ and ψ₂ (issue 18, fourteenth session; accuracy.md, "Float32 lanes for max-norm's
    /// regulariser") where they are least accurate: C = 128 (the row kernel's fewest classes), regFactor 1, the wrong classes'
    /// evidence up to the bound, 256 (logit ln 255.9, the others at −10: the regulariser's term ψ₁(α_j) − ψ₁(A) cancels most
    /// there, by (α_j + C − 1)/(C − 1) ≈ 3), and rows past it (one class at the clamp, 10, where float lanes would cancel by
    /// 174: double lanes), with random rows between; against the composed path in Float64 on the same logits. Each loss within
    /// 1e-5 relative, each gradient element within 1e-5 of its row's largest.
    /// </summary>
    [Test]
    public void WithLogits_MaxNormFloatLanes_AtTheirEvidenceBound_MatchComposedFloat64([Values] FisherAlphaSum alphaSum)
    {
        const int classes = 128;
        var random = new Random(1814);
        var rows = new List<double[]>();
        foreach (double large in new[] { Math.Log(255.9), Math.Log(128.0), 4.0, 10.0, 6.0 })
        {
            foreach (int wrong in new[] { 1, 2 })
            {
                var row = Enumerable.Repeat(-10.0, classes).ToArray();
                for (int k = 0; k < wrong; k++)
                    row[20 + 37 * k] = large - 0.35 * k;
                rows.Add(row);
            }
        }

        for (int i = 0; i < 6; i++)
            rows.Add(Enumerable.Range(0, classes).Select(_ => 1.5 * Normal(random)).ToArray());
        int n = rows.Count;
        var logits = rows.SelectMany(r => r).Select(v => (double)(float)v).ToArray();
        var labels = Enumerable.Range(0, n).Select(i => i % 3 == 0 ? 0L : (long)random.Next(classes)).ToArray();
        (double[] Loss, double[] Gradient) Run(ScalarType dtype, KernelPath path)
        {
            using var scope = NewDisposeScope();
            using var force = Kernels.Force(path);
            var x = Tensors.FromDoubles(logits, new long[] { n, classes }, dtype).requires_grad_();
            var value = UL.MaxNormLossWithLogits(x, Tensors.FromLongs(labels, new long[] { n }), 1.0, 4, Reduction.None, fisherAlphaSum: alphaSum);
            value.sum().backward();
            return (Tensors.ToDoubles(value), Tensors.ToDoubles(x.grad!));
        }

        long before = FusedDirichlet.RowJobsStarted;
        var single = Run(ScalarType.Float32, KernelPath.Fused);
        Assert.That(FusedDirichlet.RowJobsStarted, Is.GreaterThan(before), "row-major kernel");
        var reference = Run(ScalarType.Float64, KernelPath.Composed);
        double worstLoss = 0, worstGradient = 0;
        for (int i = 0; i < n; i++)
        {
            double lossError = Math.Abs(single.Loss[i] - reference.Loss[i]) / Math.Abs(reference.Loss[i]);
            worstLoss = Math.Max(worstLoss, lossError);
            Assert.That(lossError, Is.LessThanOrEqualTo(1e-5), $"loss[{i}] {single.Loss[i]:R} against {reference.Loss[i]:R}");
            var row = reference.Gradient.Skip(i * classes).Take(classes).ToArray();
            double largest = row.Max(Math.Abs);
            for (int j = 0; j < classes; j++)
            {
                double error = Math.Abs(single.Gradient[i * classes + j] - row[j]) / largest;
                worstGradient = Math.Max(worstGradient, error);
                Assert.That(error, Is.LessThanOrEqualTo(1e-5), $"gradient[{i}, {j}] (row's largest {largest:G3})");
            }
        }

        TestContext.Out.WriteLine($"max-norm, {alphaSum}: worst loss error {worstLoss:G3}, worst gradient error (of the row's largest) {worstGradient:G3}");
    }

    /// <summary>
    /// The evidential row kernel's grouped products (issue 18, fifteenth session: the KL loop's two running products
    /// renormalised once per four vectors under the exp activation with clamp 10, once per two for softplus evidence,
    /// FusedLoss.ProductGroup) give the same bits as renormalising after every vector: loss and gradient of every row-kernel
    /// loss with a KL, both dtypes and both vector widths, C = 1000 (125 or 250 vectors per row, so groups, their remainders
    /// and the true class's vector at the start, in the middle and at the end of a row), logits N(0, 3²) with some at ±10
    /// and, in one row, 40 classes at 1e11 (softplus evidence 1e11: the shift's product ≈ 1e99, two of which fit in a
    /// double and four do not).
    /// </summary>
    [Test]
    public void WithLogits_GroupedProducts_SameBitsAsUngrouped([ValueSource(nameof(RowKernelKlLosses))] FusedLossUnderTest loss,
        [Values(EvidenceActivation.Exp, EvidenceActivation.Softplus)] EvidenceActivation activation,
        [Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype, [Values] bool vectorT)
    {
        const int n = 6, classes = 1000;
        var random = new Random(1500 + (int)loss);
        var logits = Enumerable.Range(0, n * classes)
            .Select(i => i / classes == 3 && i % classes is >= 300 and < 340 ? 1e11 : i % 97 == 0 ? (i % 2 == 0 ? 10.0 : -10.0) : 3 * Normal(random))
            .ToArray();
        var target = new long[] { 0, 999, 500, 7, 8, 992 };
        (double[] Loss, double[] Gradient) Run(bool ungrouped)
        {
            using var scope = NewDisposeScope();
            using var width = Kernels.ForceVectorT(vectorT);
            using var force = ungrouped ? Kernels.ForceUngroupedProducts() : null;
            using var path = Kernels.Force(KernelPath.Fused);
            var x = Tensors.FromDoubles(logits, new long[] { n, classes }, dtype).requires_grad_();
            var y = Tensors.FromLongs(target, new long[] { n });
            var value = KlLossWithLogits(loss, x, y, activation, clamp: 10.0);
            value.sum().backward();
            return (Tensors.ToDoubles(value), Tensors.ToDoubles(x.grad!));
        }

        long Grouped() => activation == EvidenceActivation.Exp ? FusedDirichlet.FourFactorJobsStarted : FusedDirichlet.TwoFactorJobsStarted;
        long before = Grouped();
        var fast = Run(ungrouped: false);
        Assert.That(Grouped(), Is.GreaterThan(before), activation == EvidenceActivation.Exp ? "groups of four ran" : "groups of two ran");
        before = FusedDirichlet.FourFactorJobsStarted + FusedDirichlet.TwoFactorJobsStarted;
        var plain = Run(ungrouped: true);
        Assert.That(FusedDirichlet.FourFactorJobsStarted + FusedDirichlet.TwoFactorJobsStarted, Is.EqualTo(before), "the scope turns grouping off");
        Assert.That(fast.Loss.All(double.IsFinite) && fast.Gradient.All(double.IsFinite), Is.True, "finite");
        Assert.That(fast.Loss, Is.EqualTo(plain.Loss), "loss, bit for bit");
        Assert.That(fast.Gradient, Is.EqualTo(plain.Gradient), "gradient, bit for bit");
    }

    /// <summary>
    /// Past the bound of groups of four (α above 1e8: the exp activation with clamp 25, e^25 ≈ 7.2e10) the products are
    /// grouped by two only: four factors Π_{k&lt;9}(α + k) ≈ 5e98 in a row would overflow. Rows of C = 128 whose wrong
    /// classes all sit at the clamp: the same bits as renormalising after every vector, and finite. (The composed path is
    /// no reference here: at S̃ ≈ 9e12 the KL's terms of 1e14 cancel to 1e3 in both paths, within about 3e-2 of each other.)
    /// </summary>
    [Test]
    public void WithLogits_ClampPastTheFourFactorBound_GroupsOfTwo_SameBitsAsUngrouped([ValueSource(nameof(RowKernelKlLosses))] FusedLossUnderTest loss)
    {
        const int n = 3, classes = 128;
        var logits = Enumerable.Range(0, n * classes).Select(i => i % classes == 5 * (i / classes) ? -3.0 : 25.0).ToArray();
        var target = new long[] { 0, 5, 10 };
        (double[] Loss, double[] Gradient) Run(bool ungrouped)
        {
            using var scope = NewDisposeScope();
            using var force = ungrouped ? Kernels.ForceUngroupedProducts() : null;
            using var path = Kernels.Force(KernelPath.Fused);
            var x = Tensors.FromDoubles(logits, new long[] { n, classes }, ScalarType.Float64).requires_grad_();
            var y = Tensors.FromLongs(target, new long[] { n });
            var value = KlLossWithLogits(loss, x, y, EvidenceActivation.Exp, clamp: 25.0);
            value.sum().backward();
            return (Tensors.ToDoubles(value), Tensors.ToDoubles(x.grad!));
        }

        long four = FusedDirichlet.FourFactorJobsStarted, two = FusedDirichlet.TwoFactorJobsStarted, rows = FusedDirichlet.RowJobsStarted;
        var grouped = Run(ungrouped: false);
        Assert.That(FusedDirichlet.RowJobsStarted, Is.GreaterThan(rows), "row-major kernel");
        Assert.That(FusedDirichlet.FourFactorJobsStarted, Is.EqualTo(four), "no groups of four past the bound");
        Assert.That(FusedDirichlet.TwoFactorJobsStarted, Is.GreaterThan(two), "groups of two (checked evidence)");
        var plain = Run(ungrouped: true);
        Assert.That(grouped.Loss.All(double.IsFinite) && grouped.Gradient.All(double.IsFinite), Is.True, "finite");
        Assert.That(grouped.Loss, Is.EqualTo(plain.Loss), "loss, bit for bit");
        Assert.That(grouped.Gradient, Is.EqualTo(plain.Gradient), "gradient, bit for bit");
    }

    /// <summary>
    /// A concentration (belief matching, the Prior Network loss) is range-checked only while the value checks are on, so under
    /// softplus its α is bounded only by the kernel's domain: no grouping (FusedLoss.ProductGroupLimit 1). With the checks off
    /// and α = 1e20 in a row's first 200 classes (Π_{k&lt;9}(α + k) ≈ 1e180: two in a row would overflow), the same bits as
    /// renormalising after every vector; under exp with clamp 10, groups of four, the same bits too.
    /// </summary>
    [Test]
    public void WithLogits_ConcentrationUncheckedUnderSoftplus_NotGrouped(
        [Values(FusedLossUnderTest.BeliefMatching, FusedLossUnderTest.PriorNetwork)] FusedLossUnderTest loss,
        [Values(EvidenceActivation.Softplus, EvidenceActivation.Exp)] EvidenceActivation activation)
    {
        const int n = 2, classes = 256;
        var logits = Enumerable.Range(0, n * classes).Select(i => i % classes < 200 ? 1e20 : 0.5).ToArray();
        var target = new long[] { 210, 3 };
        (double[] Loss, double[] Gradient) Run(bool ungrouped)
        {
            using var scope = NewDisposeScope();
            using var checks = UL.ValidationScope(validateValues: false);
            using var force = ungrouped ? Kernels.ForceUngroupedProducts() : null;
            using var path = Kernels.Force(KernelPath.Fused);
            var x = Tensors.FromDoubles(logits, new long[] { n, classes }, ScalarType.Float64).requires_grad_();
            var y = Tensors.FromLongs(target, new long[] { n });
            var value = loss == FusedLossUnderTest.BeliefMatching
                ? UL.BeliefMatchingLossWithLogits(x, y, 1.0, 1.0, Reduction.None, activation: activation)
                : UL.PriorNetworkLossWithLogits(x, y, 100.0, Reduction.None, activation: activation);
            value.sum().backward();
            return (Tensors.ToDoubles(value), Tensors.ToDoubles(x.grad!));
        }

        long four = FusedDirichlet.FourFactorJobsStarted, two = FusedDirichlet.TwoFactorJobsStarted;
        var fast = Run(ungrouped: false);
        Assert.That(FusedDirichlet.TwoFactorJobsStarted, Is.EqualTo(two), "no groups of two for an unchecked concentration");
        Assert.That(FusedDirichlet.FourFactorJobsStarted - four, Is.EqualTo(activation == EvidenceActivation.Exp ? 1 : 0), "groups of four under exp only");
        var plain = Run(ungrouped: true);
        Assert.That(fast.Loss, Is.EqualTo(plain.Loss), "loss, bit for bit");
        Assert.That(fast.Gradient, Is.EqualTo(plain.Gradient), "gradient, bit for bit");
    }

    /// <summary>
    /// Non-finite logits in the grouped row kernel (C = 256, the default clamp 10): a NaN in a wrong class inside a group
    /// gives that row a NaN loss and leaves the other rows finite, as on the composed path; +∞ and −∞ logits under exp are
    /// clamped to ±10, and the rows holding them match the composed path in Float64, with groups of four taken: each loss
    /// within 1e-10 relative, each gradient element within 5e-9 of its row's largest. That tolerance is the composed path's
    /// own error here: where forty classes sit at e^10 its R-EDL gradient was 8.7e-10 off a 50-digit mpmath evaluation of the
    /// same loss (the fused path's was 5e-15; issue 18, fifteenth session).
    /// </summary>
    [Test]
    public void WithLogits_GroupedRowKernel_NonFiniteLogits_AsComposedPath([ValueSource(nameof(RowKernelKlLosses))] FusedLossUnderTest loss)
    {
        const int n = 3, classes = 256;
        var random = new Random(77);
        var logits = Enumerable.Range(0, n * classes).Select(_ => 2 * Normal(random)).ToArray();
        logits[0 * classes + 100] = double.NaN;
        for (int j = 40; j < 80; j++)
            logits[1 * classes + j] = double.PositiveInfinity;
        for (int j = 150; j < 190; j++)
            logits[2 * classes + j] = double.NegativeInfinity;
        var target = new long[] { 3, 200, 17 };
        (double[] Loss, double[] Gradient) Run(KernelPath path)
        {
            using var scope = NewDisposeScope();
            using var force = Kernels.Force(path);
            var x = Tensors.FromDoubles(logits, new long[] { n, classes }, ScalarType.Float64).requires_grad_();
            var y = Tensors.FromLongs(target, new long[] { n });
            var value = KlLossWithLogits(loss, x, y, EvidenceActivation.Exp, clamp: 10.0);
            value.sum().backward();
            return (Tensors.ToDoubles(value), Tensors.ToDoubles(x.grad!));
        }

        long four = FusedDirichlet.FourFactorJobsStarted;
        var fused = Run(KernelPath.Fused);
        Assert.That(FusedDirichlet.FourFactorJobsStarted, Is.GreaterThan(four), "groups of four ran");
        var reference = Run(KernelPath.Composed);
        Assert.That(reference.Loss[0], Is.NaN, "the composed path's NaN row");
        Assert.That(fused.Loss[0], Is.NaN, "the NaN row");
        for (int i = 1; i < n; i++)
        {
            Assert.That(fused.Loss[i], Is.EqualTo(reference.Loss[i]).Within(1e-10 * Math.Abs(reference.Loss[i])), $"loss[{i}]");
            var row = reference.Gradient.Skip(i * classes).Take(classes).ToArray();
            double largest = row.Max(Math.Abs);
            for (int j = 0; j < classes; j++)
                Assert.That(fused.Gradient[i * classes + j], Is.EqualTo(row[j]).Within(5e-9 * largest), $"gradient[{i}, {j}]");
        }
    }

    /// <summary>A row-kernel loss with a KL (<see cref="RowKernelKlLosses"/>), regFactor 1, unreduced, from logits.</summary>
    private static Tensor KlLossWithLogits(FusedLossUnderTest loss, Tensor x, Tensor y, EvidenceActivation activation, double clamp) => loss switch
    {
        FusedLossUnderTest.EvidentialLog => UL.EvidentialLossWithLogits(x, y, 1.0, Reduction.None, risk: EvidentialRisk.LogLikelihood, activation: activation, clamp: clamp),
        FusedLossUnderTest.EvidentialDigamma => UL.EvidentialLossWithLogits(x, y, 1.0, Reduction.None, risk: EvidentialRisk.CrossEntropy, activation: activation, clamp: clamp),
        FusedLossUnderTest.Relaxed => UL.RelaxedEvidentialLossWithLogits(x, y, 1.0, FusedCases.DefaultPriorWeight, Reduction.None, activation: activation, clamp: clamp),
        FusedLossUnderTest.Red => UL.RedEvidentialLossWithLogits(x, y, 1.0, FusedCases.DefaultCorrectEvidenceWeight, Reduction.None, activation: activation, clamp: clamp),
        FusedLossUnderTest.PosteriorNetwork => UL.PosteriorNetworkLossWithLogits(x, y, 1.0, Reduction.None, activation: activation, clamp: clamp),
        FusedLossUnderTest.Evidential => UL.EvidentialLossWithLogits(x, y, 1.0, Reduction.None, activation: activation, clamp: clamp),
        _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, "not a row-kernel loss with a KL"),
    };

    /// <summary>The row-kernel losses with a KL loop (<see cref="RowKernelLosses"/> but max-norm).</summary>
    private static IEnumerable<FusedLossUnderTest> RowKernelKlLosses => RowKernelLosses.Where(l => l is not FusedLossUnderTest.MaxNorm);

    /// <summary>The losses the row-major kernels serve (FusedDirichlet.RowMajorMinClasses): all with a …WithLogits form but I-EDL.</summary>
    private static IEnumerable<FusedLossUnderTest> RowKernelLosses => Losses.Where(l => l is not FusedLossUnderTest.Fisher);

    /// <summary>
    /// Not a check: prints the measurement behind ActivationKernel.SingleLanesMaxClamp (accuracy.md, "Float32 lanes"). For
    /// clamps 8 … 27, C = 2 … 1000 and logits N(0, s²) rounded to float (s = 3 … 100, 512 positions), the worst relative
    /// error of a position's loss and of a gradient element (relative to its row's largest, and to the whole gradient's
    /// largest, the suite's Float32 measure) against the fused Float64 path
    /// on the same logits: the fused Float32 path (float lanes up to clamp 10, double above), and the two-step form
    /// <c>UL.…Loss(UL.ClampedExp(x))</c> in Float32, whose evidence carries float rounding as float lanes would at every clamp.
    /// Run: <c>dotnet test UncertaintyLoss.Tests -c Release --settings tests.runsettings --filter Name~Float32Lanes_ErrorByClamp --logger "console;verbosity=detailed"</c>.
    /// </summary>
    [Test]
    [Explicit("prints a measurement (accuracy.md); no assertion")]
    public void Float32Lanes_ErrorByClamp_Table()
    {
        TestContext.Out.WriteLine("clamp | EDL fused: loss, gradient (row), gradient (all) | EDL two-step | max-norm fused | max-norm two-step");
        foreach (double clamp in new[] { 8.0, 9.0, 10.0, 11.0, 12.0, 14.0, 16.0, 20.0, 27.0 })
        {
            var worst = new double[12];
            foreach (int classes in new[] { 2, 3, 5, 8, 10, 100, 1000 })
            {
                foreach (double scale in new[] { 3.0, 7.0, 14.0, 28.0, 100.0 })
                {
                    using var scope = NewDisposeScope();
                    var random = new Random(classes * 1000 + (int)scale);
                    int n = 512;
                    var logits = Enumerable.Range(0, n * classes).Select(_ => (double)(float)(scale * Normal(random))).ToArray();
                    var labels = Enumerable.Range(0, n).Select(_ => (long)random.Next(classes)).ToArray();
                    var y = Tensors.FromLongs(labels, new long[] { n });
                    for (int k = 0; k < 2; k++)
                    {
                        var loss = k == 0 ? FusedLossUnderTest.Evidential : FusedLossUnderTest.MaxNorm;
                        var reference = PerPosition(loss, Tensors.FromDoubles(logits, new long[] { n, classes }), y, clamp);
                        var fused = PerPosition(loss, Tensors.FromDoubles(logits, new long[] { n, classes }, ScalarType.Float32), y, clamp);
                        var twoStep = PerPosition(loss, Tensors.FromDoubles(logits, new long[] { n, classes }, ScalarType.Float32), y, clamp, twoStep: true);
                        Update(worst, 6 * k, fused, reference, classes);
                        Update(worst, 6 * k + 3, twoStep, reference, classes);
                    }
                }
            }

            TestContext.Out.WriteLine(FormattableString.Invariant(
                $"{clamp} | {worst[0]:E1}, {worst[1]:E1}, {worst[2]:E1} | {worst[3]:E1}, {worst[4]:E1}, {worst[5]:E1} | {worst[6]:E1}, {worst[7]:E1}, {worst[8]:E1} | {worst[9]:E1}, {worst[10]:E1}, {worst[11]:E1}"));
        }

        static void Update(double[] worst, int at, (double[] Loss, double[] Gradient) got, (double[] Loss, double[] Gradient) want, int classes)
        {
            double overall = want.Gradient.Max(Math.Abs);
            for (int j = 0; j < want.Gradient.Length; j++)
                worst[at + 2] = Math.Max(worst[at + 2], Math.Abs(got.Gradient[j] - want.Gradient[j]) / overall);
            for (int i = 0; i < want.Loss.Length; i++)
            {
                worst[at] = Math.Max(worst[at], Math.Abs(got.Loss[i] - want.Loss[i]) / Math.Abs(want.Loss[i]));
                double largest = Enumerable.Range(0, classes).Max(j => Math.Abs(want.Gradient[i * classes + j]));
                if (largest == 0)
                    continue;   // every logit of the row beyond the clamp: a zero gradient on both
                for (int j = 0; j < classes; j++)
                    worst[at + 1] = Math.Max(worst[at + 1], Math.Abs(got.Gradient[i * classes + j] - want.Gradient[i * classes + j]) / largest);
            }
        }
    }

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>The per-position losses (reduction None) and the gradient of their sum with respect to the logits, on the fused path.</summary>
    private static (double[] Loss, double[] Gradient) PerPosition(FusedLossUnderTest loss, Tensor x, Tensor y, double clamp, bool twoStep = false)
    {
        x.requires_grad_();
        using var force = Kernels.Force(KernelPath.Fused);
        var value = twoStep ? loss switch
        {
            FusedLossUnderTest.MaxNorm => UL.MaxNormLoss(UL.ClampedExp(x, clamp), y, 1.0, reduction: Reduction.None),
            _ => UL.EvidentialLoss(UL.ClampedExp(x, clamp), y, 1.0, reduction: Reduction.None),
        } : loss switch
        {
            FusedLossUnderTest.MaxNorm => UL.MaxNormLossWithLogits(x, y, 1.0, reduction: Reduction.None, clamp: clamp),
            FusedLossUnderTest.EvidentialLog => UL.EvidentialLossWithLogits(x, y, 1.0, risk: EvidentialRisk.LogLikelihood, reduction: Reduction.None, clamp: clamp),
            _ => UL.EvidentialLossWithLogits(x, y, 1.0, reduction: Reduction.None, clamp: clamp),
        };
        value.sum().backward();
        return (Tensors.ToDoubles(value), Tensors.ToDoubles(x.grad!));
    }

    private static Tensor Call(Case c, Tensor x, Tensor y, double clamp) => c.Loss switch
    {
        FusedLossUnderTest.MaxNorm => UL.MaxNormLossWithLogits(x, y, activation: c.Activation, clamp: clamp),
        FusedLossUnderTest.Relaxed => UL.RelaxedEvidentialLossWithLogits(x, y, activation: c.Activation, clamp: clamp),
        FusedLossUnderTest.Fisher => UL.FisherEvidentialLossWithLogits(x, y, activation: c.Activation, clamp: clamp),
        FusedLossUnderTest.Red => UL.RedEvidentialLossWithLogits(x, y, activation: c.Activation, clamp: clamp),
        FusedLossUnderTest.PosteriorNetwork => UL.PosteriorNetworkLossWithLogits(x, y, activation: c.Activation, clamp: clamp),
        _ => UL.EvidentialLossWithLogits(x, y, activation: c.Activation, clamp: clamp),
    };

    [Test]
    public void WithLogits_BadOptions_ThrowNamingTheArgument()
    {
        using var scope = NewDisposeScope();
        var x = randn(4, 3);
        var y = tensor(new long[] { 0, 1, 2, 0 });
        ModuleKitAssert<ArgumentNullException>(() => UL.EvidentialLossWithLogits(null!, y), "logits");
        ModuleKitAssert<ArgumentOutOfRangeException>(() => UL.EvidentialLossWithLogits(x, y, activation: (EvidenceActivation)7), "activation");
        ModuleKitAssert<ArgumentOutOfRangeException>(() => UL.MaxNormLossWithLogits(x, y, clamp: -1), "clamp");
        ModuleKitAssert<ArgumentOutOfRangeException>(() => UL.RelaxedEvidentialLossWithLogits(x, y, clamp: double.NaN), "clamp");
        ModuleKitAssert<ArgumentException>(() => UL.EvidentialLossWithLogits(x.to(ScalarType.Int64), y), "logits");
        ModuleKitAssert<ArgumentException>(() => UL.MaxNormLossWithLogits(randn(4), y), "logits");
        ModuleKitAssert<ArgumentException>(() => UL.RelaxedEvidentialLossWithLogits(x, tensor(new long[] { 0, 1, 3, 0 })), "target");
    }

    private static void ModuleKitAssert<T>(TestDelegate call, string name) where T : ArgumentException =>
        ModuleTesting.ModuleKit.AssertThrows<T>(call, name);

    /// <summary>NaN logits give a NaN loss on both paths, as NaN evidence does (and as <c>cross_entropy</c>).</summary>
    [Test]
    public void WithLogits_NaNLogits_GiveNaNOnBothPaths([ValueSource(nameof(Losses))] FusedLossUnderTest loss)
    {
        foreach (var path in new[] { KernelPath.Fused, KernelPath.Composed })
        foreach (var activation in new[] { EvidenceActivation.Exp, EvidenceActivation.Softplus, EvidenceActivation.Relu })
        {
            using var scope = NewDisposeScope();
            using var force = Kernels.Force(path);
            var c = new Case(loss, activation, ScalarType.Float64, new long[] { 2, 3 }, Reduction.Mean, false, false, 1);
            var x = Tensors.FromDoubles(new[] { 0.5, double.NaN, 1.0, 0.25, 2.0, 1.5 }, new long[] { 2, 3 });
            Assert.That(Call(c, x, tensor(new long[] { 0, 2 }), 10.0).ToDouble(), Is.NaN, $"{activation} on {path}");
        }
    }

    /// <summary>
    /// A gradient of the gradient (<c>create_graph</c>) through the fused …WithLogits node is the composed path's: the
    /// recomputation includes the activation (Float64, Hessian-vector products).
    /// </summary>
    [Test]
    public void WithLogits_GradientOfGradient_EqualsComposedPath(
        [ValueSource(nameof(Losses))] FusedLossUnderTest loss,
        [Values(EvidenceActivation.Exp, EvidenceActivation.Softplus)] EvidenceActivation activation)
    {
        var c = new Case(loss, activation, ScalarType.Float64, new long[] { 3, 4 }, Reduction.Mean, Weighted: true, Ignore: false, 11);
        double[] HessianVector(KernelPath path)
        {
            using var scope = NewDisposeScope();
            using var force = Kernels.Force(path);
            var x = Tensors.FromDoubles(c.Logits(), c.Shape).requires_grad_();
            var w = Tensors.FromDoubles(c.Weight()!, new[] { c.Classes });
            var l = c.WithLogits(x, Tensors.FromLongs(c.Target(), c.PositionShape), w);
            var g = autograd.grad(new[] { l }, new[] { x }, retain_graph: true, create_graph: true)[0];
            var v = Tensors.FromDoubles(Enumerable.Range(0, (int)x.numel()).Select(i => Math.Sin(i + 1.0)).ToArray(), c.Shape);
            var hv = autograd.grad(new[] { (g * v).sum() }, new[] { x })[0];
            return Tensors.ToDoubles(hv);
        }

        Assert.That(Compare("Hessian-vector product", HessianVector(KernelPath.Fused), HessianVector(KernelPath.Composed), 1e-10), Is.Null);
    }

    /// <summary>Every …WithLogits function's default activation and clamp are its loss module's (conventions.md, rule 4).</summary>
    [Test]
    public void WithLogits_Defaults_AreTheModulesDefaults()
    {
        var functions = typeof(UL).GetMethods().Where(m => m.Name.EndsWith("WithLogits", StringComparison.Ordinal)).ToList();
        Assert.That(functions.Select(m => m.Name), Is.EquivalentTo(new[]
        {
            "EvidentialLossWithLogits", "RelaxedEvidentialLossWithLogits", "MaxNormLossWithLogits",
            "FisherEvidentialLossWithLogits", "RedEvidentialLossWithLogits", "PosteriorNetworkLossWithLogits",
            "BeliefMatchingLossWithLogits", "PriorNetworkLossWithLogits",
        }));
        foreach (var f in functions)
        {
            var module = typeof(UL).Assembly.GetType("UncertaintyLoss." + f.Name[..^"WithLogits".Length] + "Module")!;
            var ctor = module.GetConstructors().Single().GetParameters();
            foreach (var name in new[] { "activation", "clamp" })
            {
                Assert.That(f.GetParameters().Single(p => p.Name == name).DefaultValue, Is.EqualTo(ctor.Single(p => p.Name == name).DefaultValue),
                    $"{f.Name}: {name}");
            }
        }
    }

    /// <summary>
    /// Edge inputs on both paths: −∞ logits give a finite loss and gradient (evidence e^−clamp, 0 or ~0); an empty batch's
    /// mean is 0, as every loss's; a second backward through a released graph raises as on the composed path.
    /// </summary>
    [Test]
    public void WithLogits_EdgeInputs_FiniteZeroOrRaise([ValueSource(nameof(Losses))] FusedLossUnderTest loss)
    {
        foreach (var path in new[] { KernelPath.Auto, KernelPath.Composed })
        foreach (var activation in new[] { EvidenceActivation.Exp, EvidenceActivation.Softplus, EvidenceActivation.Relu })
        {
            using var scope = NewDisposeScope();
            using var force = Kernels.Force(path);
            var c = new Case(loss, activation, ScalarType.Float64, new long[] { 2, 3 }, Reduction.Mean, false, false, 1);
            var x = Tensors.FromDoubles(new[] { double.NegativeInfinity, 0.5, 1.0, 0.25, double.NegativeInfinity, 1.5 }, new long[] { 2, 3 }).requires_grad_();
            var y = tensor(new long[] { 0, 2 });
            var l = Call(c, x, y, 10.0);
            l.backward();
            Assert.That(double.IsFinite(l.ToDouble()), Is.True, $"{activation} on {path}: loss {l.ToDouble()}");
            Assert.That(Tensors.ToDoubles(x.grad!).All(double.IsFinite), Is.True, $"{activation} on {path}: gradient");

            var empty = zeros(0, 3, ScalarType.Float64).requires_grad_();
            var emptyLoss = Call(c, empty, zeros(0, ScalarType.Int64), 10.0);
            Assert.That(emptyLoss.ToDouble(), Is.EqualTo(0.0), $"{activation} on {path}: empty batch");

            var again = Tensors.FromDoubles(new[] { 0.1, 0.5, 1.0, 0.25, -0.3, 1.5 }, new long[] { 2, 3 }).requires_grad_();
            var once = Call(c, again, y, 10.0);
            once.backward();
            var e = Assert.Throws<ExternalException>(() => once.backward(), $"{activation} on {path}: second backward")!;
            Assert.That(e.Message, Does.StartWith("Trying to backward through the graph a second time"));
        }
    }

    /// <summary>Nothing but the result outlives a call on either path, with and without a backward.</summary>
    [Test]
    public void WithLogits_NoTensorOutlivesTheCall([ValueSource(nameof(Losses))] FusedLossUnderTest loss)
    {
        foreach (var path in new[] { KernelPath.Fused, KernelPath.Composed })
        {
            using var force = Kernels.Force(path);
            var c = new Case(loss, EvidenceActivation.Exp, ScalarType.Float32, new long[] { 5, 4 }, Reduction.Mean, true, true, 5);
            var x = Tensors.FromDoubles(c.Logits(), c.Shape, c.Dtype).requires_grad_();
            var y = Tensors.FromLongs(c.Target(), c.PositionShape);
            var w = Tensors.FromDoubles(c.Weight()!, new[] { c.Classes }, c.Dtype);
            FusedLossFunction.ReleaseDeferred();   // wrappers kept by an earlier backward on this thread
            long before = LiveTensors.Live;
            using (var result = c.WithLogits(x, y, w))
            {
                Assert.That(LiveTensors.Live, Is.EqualTo(before + 1), $"{path}: only the result");
                result.backward();
            }

            FusedLossFunction.ReleaseDeferred();
            Assert.That(LiveTensors.Live, Is.EqualTo(before), $"{path}: after the backward");
            x.Dispose();
            y.Dispose();
            w.Dispose();
        }
    }
}
