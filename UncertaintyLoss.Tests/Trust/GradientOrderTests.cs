using UncertaintyLoss.Internal;
using UncertaintyLoss.Internal.Fused;

namespace UncertaintyLoss.Tests.Trust;

/// <summary>
/// Gradients of every order through <see cref="UL.EvidentialLoss"/> and <see cref="UL.MaxNormLoss"/> on both kernel
/// paths (issue 12): a gradient penalty and a Hessian-vector product equal second-order finite differences of the
/// MathNet double-precision reference, and a second backward through a released graph raises as PyTorch does.
/// </summary>
/// <remarks>
/// The evidence is softplus(x) or x itself (x &gt; 0), so the chain through an activation is covered. The reference is
/// the per-position formula of <see cref="DirichletReference"/>, reduced with <c>cross_entropy</c>'s weight/ignore rules.
/// Second-order quantities come from the mixed central difference (Richardson-extrapolated)
/// (∇²L·v)_i ≈ [L(x + h eᵢ + h v) − L(x + h eᵢ − h v) − L(x − h eᵢ + h v) + L(x − h eᵢ − h v)] / (4h²).
/// RED's vacuity ν = K/S is detached, so its reference here holds ν at the base point X (every derivative is that of
/// the loss with ν frozen there, <see cref="DirichletReference.CorrectEvidence(double[], double[], double[])"/>).
/// Before issue 12 the fused path returned a constant gradient: its Hessian-vector product was 0 and the penalty's
/// gradient lacked the loss's curvature (these tests failed on it), and a second backward added the gradient again.
/// </remarks>
[TestFixture]
public sealed class GradientOrderTests
{
    public enum Loss { Evidential, MaxNorm, MaxNormPaperFisher, EvidentialLog, EvidentialDigamma, Relaxed, Fisher, BeliefMatching, PriorNetwork, Red, PosteriorNetwork }

    /// <summary>The losses that take α get α = evidence + 0.5 (down to 0.55), as the table's (OpTable.AlphaShift).</summary>
    private const double AlphaShift = 0.5;

    private const double BeliefMatchingPrior = 0.7;

    private const double PriorNetworkTau = 2.0;   // small: the penalty test steps along the gradient, which grows with τ

    private const double RelaxedPriorWeight = 0.3;

    /// <summary>I-EDL's Fisher coefficient here: 0.3, large enough that the log-determinant's curvature shows.</summary>
    private const double FisherCoefficient = 0.3;

    private const double RedCorrectEvidenceWeight = 0.6;

    public enum Activation { Identity, Softplus }

    private const int N = 5;
    private const int C = 4;
    private const double RegFactor = 0.7;

    private static readonly double[] X =
    {
        0.4, 1.3, 0.2, 2.1,
        3.0, 0.6, 0.9, 0.1,
        0.7, 0.05, 2.6, 1.1,
        1.5, 1.9, 0.3, 0.8,
        0.25, 1.2, 0.45, 3.4,
    };

    private static readonly long[] Target = { 1, 0, 3, 2, 3 };

    private static readonly double[] V =
    {
        0.3, -0.2, 0.5, -0.1,
        -0.4, 0.25, 0.1, 0.6,
        0.2, 0.35, -0.3, -0.15,
        -0.05, 0.4, -0.45, 0.1,
        0.15, -0.25, 0.3, 0.2,
    };

    private static readonly double[] Weight = { 0.5, 2.0, 1.0, 1.5 };

    /// <summary>The kernel path a test forces: Fused also when the suite runs with UL_KERNEL_PATH=Composed.</summary>
    public enum Path { Fused, Composed }

    private static IDisposable Force(Path path) => Kernels.Force(path == Path.Fused ? KernelPath.Fused : KernelPath.Composed);

    [Test]
    public void GradientPenalty_BothPaths_EqualsSecondOrderFiniteDifferenceOfReference(
        [Values] Loss loss, [Values] Activation activation, [Values] Path path,
        [Values(Reduction.Mean, Reduction.Sum)] Reduction reduction, [Values] bool weightAndIgnore)
    {
        using var scope = NewDisposeScope();
        using var forced = Force(path);
        var spec = new Spec(loss, activation, reduction, weightAndIgnore);
        var x = Tensors.FromDoubles(X, new long[] { N, C }).requires_grad_();
        var value = spec.Call(x);
        var g = torch.autograd.grad(new[] { value }, new[] { x }, retain_graph: true, create_graph: true)[0];
        var penalty = g.square().sum();
        penalty.backward();
        var actual = Tensors.ToDoubles(x.grad!);

        // ∇‖∇L‖² = 2 H ∇L, with ∇L from a central difference of the reference.
        var gradient = FiniteDifference.CentralGradient(spec.Reference, X, 1e-6);
        var expected = HessianVector(spec.Reference, X, gradient).Select(v => 2 * v).ToArray();
        AssertClose(actual, expected, 1e-5, $"{spec} on {path}");
    }

    [Test]
    public void HessianVectorProduct_BothPaths_EqualsSecondOrderFiniteDifferenceOfReference(
        [Values] Loss loss, [Values] Activation activation, [Values] Path path,
        [Values] Reduction reduction)
    {
        using var scope = NewDisposeScope();
        using var forced = Force(path);
        var spec = new Spec(loss, activation, reduction, WeightAndIgnore: false);
        var x = Tensors.FromDoubles(X, new long[] { N, C }).requires_grad_();
        var v = Tensors.FromDoubles(V, new long[] { N, C });
        var value = spec.Call(x);
        // None: differentiate Σ_positions u_i L_i with fixed u, which exercises a non-unit incoming gradient.
        var u = Tensors.FromDoubles(new[] { 1.0, -0.5, 2.0, 0.25, 1.5 }, new long[] { N });
        var scalar = reduction == Reduction.None ? (value * u).sum() : value;
        var g = torch.autograd.grad(new[] { scalar }, new[] { x }, retain_graph: true, create_graph: true)[0];
        var gv = (g * v).sum();
        // Without a second-order graph, TorchSharp's autograd.grad would end the process (it does not catch the error).
        Assert.That(gv.requires_grad, Is.True, "the first-order gradient is differentiable (create_graph)");
        var hv = torch.autograd.grad(new[] { gv }, new[] { x })[0];

        Func<double[], double> reference = reduction == Reduction.None
            ? p => spec.ReferencePerPosition(p).Select((l, i) => l * new[] { 1.0, -0.5, 2.0, 0.25, 1.5 }[i]).Sum()
            : spec.Reference;
        AssertClose(Tensors.ToDoubles(hv), HessianVector(reference, X, V), 1e-5, $"{spec} on {path}");
    }

    /// <summary>The first-order gradient of the fused path is unchanged by the higher-order support (same as the reference).</summary>
    [Test]
    public void FirstOrderGradient_FusedPath_EqualsFiniteDifferenceOfReference([Values] Loss loss, [Values] Activation activation)
    {
        using var scope = NewDisposeScope();
        using var forced = Kernels.Force(KernelPath.Fused);
        var spec = new Spec(loss, activation, Reduction.Mean, WeightAndIgnore: true);
        var x = Tensors.FromDoubles(X, new long[] { N, C }).requires_grad_();
        spec.Call(x).backward();
        AssertClose(Tensors.ToDoubles(x.grad!), FiniteDifference.CentralGradient(spec.Reference, X), 1e-7, spec.ToString());
    }

    [Test]
    public void SecondBackward_WithoutRetainGraph_RaisesAsPyTorch([Values] Loss loss, [Values] Path path,
        [Values(Reduction.Mean, Reduction.None)] Reduction reduction)
    {
        using var scope = NewDisposeScope();
        using var forced = Force(path);
        // Identity evidence: the loss node is the only one with saved tensors (softplus's would raise by itself).
        var spec = new Spec(loss, Activation.Identity, reduction, WeightAndIgnore: false);
        var x = Tensors.FromDoubles(X, new long[] { N, C }).requires_grad_();
        var value = spec.Call(x).sum();
        value.backward();
        var first = Tensors.ToDoubles(x.grad!);
        var e = Assert.Throws<System.Runtime.InteropServices.ExternalException>(() => value.backward());
        Assert.That(e!.Message, Does.StartWith("Trying to backward through the graph a second time"));
        Assert.That(Tensors.ToDoubles(x.grad!), Is.EqualTo(first), "the failed backward left the gradient as it was");
    }

    [Test]
    public void SecondBackward_AfterAutogradGrad_RaisesAsPyTorch([Values] Loss loss, [Values] Path path)
    {
        using var scope = NewDisposeScope();
        using var forced = Force(path);
        var spec = new Spec(loss, Activation.Identity, Reduction.Mean, WeightAndIgnore: false);
        var x = Tensors.FromDoubles(X, new long[] { N, C }).requires_grad_();
        var value = spec.Call(x);
        torch.autograd.grad(new[] { value }, new[] { x });
        var e = Assert.Throws<System.Runtime.InteropServices.ExternalException>(() => value.backward());
        Assert.That(e!.Message, Does.StartWith("Trying to backward through the graph a second time"));
    }

    [Test]
    public void SecondBackward_WithRetainGraph_AccumulatesTwice([Values] Loss loss, [Values] Path path)
    {
        using var scope = NewDisposeScope();
        using var forced = Force(path);
        var spec = new Spec(loss, Activation.Softplus, Reduction.Mean, WeightAndIgnore: true);
        var x = Tensors.FromDoubles(X, new long[] { N, C }).requires_grad_();
        var value = spec.Call(x);
        value.backward(retain_graph: true);
        var once = Tensors.ToDoubles(x.grad!);
        value.backward();
        var twice = Tensors.ToDoubles(x.grad!);
        Assert.That(twice, Is.EqualTo(once.Select(g => 2 * g).ToArray()));
    }

    /// <summary>A fused call with grad enabled goes through the autograd node (so the tests above test it).</summary>
    [Test]
    public void FusedPath_ForcedWithGrad_RunsTheKernel()
    {
        using var scope = NewDisposeScope();
        using var forced = Kernels.Force(KernelPath.Fused);
        long before = FusedDirichlet.JobsStarted;
        new Spec(Loss.Evidential, Activation.Softplus, Reduction.Mean, false).Call(Tensors.FromDoubles(X, new long[] { N, C }).requires_grad_());
        Assert.That(FusedDirichlet.JobsStarted, Is.EqualTo(before + 1));
    }

    /// <summary>
    /// (∇²f · v)_i by the mixed central difference with steps h·max(1, |xᵢ|) along eᵢ and h along v, Richardson-extrapolated
    /// from h and h/2 (truncation O(h⁴)). The step is large because the reference's MathNet lnΓ and ψ carry ~1e-14
    /// relative noise, which a second difference amplifies by 1/h² (5e-6 relative at h = 1e-4, 1e-8 at 4e-3).
    /// </summary>
    private static double[] HessianVector(Func<double[], double> f, double[] x, double[] v, double h = 4e-3)
    {
        var coarse = MixedDifference(f, x, v, h);
        var fine = MixedDifference(f, x, v, h / 2);
        return fine.Select((d, i) => (4 * d - coarse[i]) / 3).ToArray();
    }

    private static double[] MixedDifference(Func<double[], double> f, double[] x, double[] v, double h)
    {
        var result = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double hi = h * Math.Max(1.0, Math.Abs(x[i]));
            double At(double si, double sv)
            {
                var p = (double[])x.Clone();
                for (int k = 0; k < p.Length; k++)
                    p[k] += sv * h * v[k];
                p[i] += si * hi;
                return f(p);
            }

            result[i] = (At(1, 1) - At(1, -1) - At(-1, 1) + At(-1, -1)) / (4 * hi * h);
        }

        return result;
    }

    private static void AssertClose(double[] actual, double[] expected, double relative, string what)
    {
        double scale = expected.Max(Math.Abs);
        Assert.That(scale, Is.GreaterThan(1e-6), $"{what}: the case has a non-trivial expected value");
        for (int i = 0; i < actual.Length; i++)
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(relative * scale), $"{what}: element {i}");
    }

    /// <summary>One loss configuration: the library call and its double-precision reference.</summary>
    private sealed record Spec(Loss Loss, Activation Activation, Reduction Reduction, bool WeightAndIgnore)
    {
        private const long IgnoreIndex = 3;   // a real class: positions with target 3 are ignored

        public Tensor Call(Tensor x)
        {
            var evidence = Activation == Activation.Softplus ? nn.functional.softplus(x) : x;
            var target = Tensors.FromLongs(Target, new long[] { N });
            var weight = WeightAndIgnore ? Tensors.FromDoubles(Weight, new long[] { C }) : null;
            long ignore = WeightAndIgnore ? IgnoreIndex : -100;
            return Loss switch
            {
                Loss.Evidential => UL.EvidentialLoss(evidence, target, RegFactor, Reduction, weight, ignore),
                Loss.MaxNorm => UL.MaxNormLoss(evidence, target, RegFactor, 4, Reduction, weight, ignore, FisherAlphaSum.All),
                Loss.EvidentialLog => UL.EvidentialLoss(evidence, target, RegFactor, Reduction, weight, ignore, EvidentialRisk.LogLikelihood),
                Loss.EvidentialDigamma => UL.EvidentialLoss(evidence, target, RegFactor, Reduction, weight, ignore, EvidentialRisk.CrossEntropy),
                Loss.Relaxed => UL.RelaxedEvidentialLoss(evidence, target, RegFactor, RelaxedPriorWeight, Reduction, weight, ignore),
                Loss.Fisher => UL.FisherEvidentialLoss(evidence, target, RegFactor, FisherCoefficient, Reduction, weight, ignore),
                Loss.BeliefMatching => UL.BeliefMatchingLoss(evidence + AlphaShift, target, RegFactor, BeliefMatchingPrior, Reduction, weight, ignore),
                Loss.PriorNetwork => UL.PriorNetworkLoss(evidence + AlphaShift, target, PriorNetworkTau, Reduction, weight, ignore),
                Loss.Red => UL.RedEvidentialLoss(evidence, target, RegFactor, RedCorrectEvidenceWeight, Reduction, weight, ignore),
                Loss.PosteriorNetwork => UL.PosteriorNetworkLoss(evidence, target, RegFactor, Reduction, weight, ignore),
                _ => UL.MaxNormLoss(evidence, target, RegFactor, 3, Reduction, weight, ignore, FisherAlphaSum.ExcludingTrueClass),
            };
        }

        /// <summary>The weighted per-position losses (0 at ignored positions).</summary>
        public double[] ReferencePerPosition(double[] x)
        {
            var result = new double[N];
            for (int i = 0; i < N; i++)
            {
                var e = x.Skip(i * C).Take(C).Select(v => Activation == Activation.Softplus ? Softplus(v) : v).ToArray();
                int t = (int)Target[i];
                if (WeightAndIgnore && t == IgnoreIndex)
                    continue;
                double loss = Loss switch
                {
                    Loss.Evidential => DirichletReference.DirichletMse(e, DirichletReference.OneHot(t, C))
                        + RegFactor * DirichletReference.UniformDirichletKl(e, DirichletReference.OneHot(t, C)),
                    Loss.MaxNorm => DirichletReference.DirichletPNorm(e, t, 4) + RegFactor * DirichletReference.FisherRegularizer(e, t, false),
                    Loss.EvidentialLog => DirichletReference.DirichletLog(e, DirichletReference.OneHot(t, C))
                        + RegFactor * DirichletReference.UniformDirichletKl(e, DirichletReference.OneHot(t, C)),
                    Loss.EvidentialDigamma => DirichletReference.DirichletDigamma(e, DirichletReference.OneHot(t, C))
                        + RegFactor * DirichletReference.UniformDirichletKl(e, DirichletReference.OneHot(t, C)),
                    Loss.Relaxed => DirichletReference.RelaxedMse(e, DirichletReference.OneHot(t, C), RelaxedPriorWeight)
                        + RegFactor * DirichletReference.RelaxedKl(e, DirichletReference.OneHot(t, C), RelaxedPriorWeight),
                    Loss.Fisher => DirichletReference.FisherEvidential(e, DirichletReference.OneHot(t, C), FisherCoefficient)
                        + RegFactor * DirichletReference.UniformDirichletKl(e, DirichletReference.OneHot(t, C)),
                    Loss.BeliefMatching => DirichletReference.BeliefMatching(e.Select(v => v + AlphaShift).ToArray(), DirichletReference.OneHot(t, C),
                        RegFactor, BeliefMatchingPrior),
                    Loss.PriorNetwork => DirichletReference.PriorNetworkReverseKl(e.Select(v => v + AlphaShift).ToArray(), DirichletReference.OneHot(t, C), PriorNetworkTau),
                    // RED's vacuity is detached: every derivative is that of the loss with ν held at the base point X.
                    Loss.Red => DirichletReference.DirichletLog(e, DirichletReference.OneHot(t, C))
                        + RegFactor * DirichletReference.UniformDirichletKl(e, DirichletReference.OneHot(t, C))
                        + RedCorrectEvidenceWeight * DirichletReference.CorrectEvidence(e, DirichletReference.OneHot(t, C), EvidenceAt(X, i)),
                    Loss.PosteriorNetwork => DirichletReference.PosteriorNetwork(e, DirichletReference.OneHot(t, C), RegFactor),
                    _ => DirichletReference.DirichletPNorm(e, t, 3) + RegFactor * DirichletReference.FisherRegularizer(e, t, true),
                };
                result[i] = (WeightAndIgnore ? Weight[t] : 1.0) * loss;
            }

            return result;
        }

        /// <summary>The evidence of position <paramref name="i"/> of <paramref name="x"/> under the activation.</summary>
        private double[] EvidenceAt(double[] x, int i) =>
            x.Skip(i * C).Take(C).Select(v => Activation == Activation.Softplus ? Softplus(v) : v).ToArray();

        /// <summary>The reduced loss (Mean divides by Σ w[target] over the kept positions).</summary>
        public double Reference(double[] x)
        {
            var perPosition = ReferencePerPosition(x);
            if (Reduction == Reduction.Sum)
                return perPosition.Sum();
            double denominator = Enumerable.Range(0, N)
                .Where(i => !(WeightAndIgnore && Target[i] == IgnoreIndex))
                .Sum(i => WeightAndIgnore ? Weight[Target[i]] : 1.0);
            return perPosition.Sum() / denominator;
        }

        private static double Softplus(double v) => v > 20 ? v : Math.Log(1 + Math.Exp(v));

        public override string ToString() => $"{Loss}/{Activation}/{Reduction}{(WeightAndIgnore ? "/weight+ignore" : "")}";
    }
}
