using UncertaintyLoss.Internal;
using UncertaintyLoss.Internal.Fused;

namespace UncertaintyLoss.Tests.Fused;

/// <summary>Validation, eligibility, non-finite values and tensor lifetimes of the fused path.</summary>
[TestFixture]
public class FusedPathEdgeTests
{
    public enum Fault
    {
        NegativeEvidence,
        InfiniteEvidence,
        TargetAboveRange,
        TargetNegative,
        NegativeWeight,
        NaNWeight,
        InfiniteWeight,
        ProbabilityAboveOne,
        ProbabilityNegative,
        ProbabilityNaN,
        NegativeEvidenceWithProbabilities,
    }

    private static bool HasProbabilityTarget(Fault fault) =>
        fault is Fault.ProbabilityAboveOne or Fault.ProbabilityNegative or Fault.ProbabilityNaN or Fault.NegativeEvidenceWithProbabilities;

    private static (Tensor E, Tensor T, Tensor? W) Inputs(Fault fault)
    {
        var e = new[] { 0.0, 1.0, 2.0, 3.0, 0.5, 4.0 };
        var t = new long[] { 1, 2 };
        double[]? w = null;
        switch (fault)
        {
            case Fault.NegativeEvidence: e[2] = -0.25; break;
            case Fault.InfiniteEvidence: e[4] = double.PositiveInfinity; break;
            case Fault.TargetAboveRange: t[1] = 3; break;
            case Fault.TargetNegative: t[0] = -1; break;
            case Fault.NegativeWeight: w = new[] { 1.0, -2.0, 0.5 }; break;
            case Fault.NaNWeight: w = new[] { 1.0, double.NaN, 0.5 }; break;
            case Fault.InfiniteWeight: w = new[] { 1.0, double.PositiveInfinity, 0.5 }; break;
        }

        if (HasProbabilityTarget(fault))
        {
            // Evidence is checked first, then the probabilities (the composed path's order).
            var y = new[] { 0.2, 0.3, 0.5, 0.0, 1.0, 0.0 };
            switch (fault)
            {
                case Fault.ProbabilityAboveOne: y[4] = 1.0000001; break;
                case Fault.ProbabilityNegative: y[3] = -1e-9; break;
                case Fault.ProbabilityNaN: y[1] = double.NaN; break;
                default: e[5] = -1; y[0] = 2; break;
            }

            return (Tensors.FromDoubles(e, new long[] { 2, 3 }, ScalarType.Float32), Tensors.FromDoubles(y, new long[] { 2, 3 }, ScalarType.Float64), null);
        }

        return (Tensors.FromDoubles(e, new long[] { 2, 3 }, ScalarType.Float32), Tensors.FromLongs(t, new long[] { 2 }),
            w is null ? null : Tensors.FromDoubles(w, new long[] { 3 }, ScalarType.Float32));
    }

    /// <summary>
    /// <paramref name="loss"/> with regFactor <paramref name="regFactor"/> (max-norm: p = <paramref name="pNorm"/>, all α
    /// in the Fisher strength; R-EDL: prior weight <see cref="FusedCases.DefaultPriorWeight"/>).
    /// </summary>
    private static Tensor Call(FusedLossUnderTest loss, Tensor e, Tensor t, double regFactor = 0.5, Reduction reduction = Reduction.Mean,
        Tensor? weight = null, long ignoreIndex = -100, int pNorm = 4) => loss switch
    {
        FusedLossUnderTest.MaxNorm => UL.MaxNormLoss(e, t, regFactor, pNorm, reduction, weight: weight, ignoreIndex: ignoreIndex),
        FusedLossUnderTest.Relaxed => UL.RelaxedEvidentialLoss(e, t, regFactor, FusedCases.DefaultPriorWeight, reduction, weight, ignoreIndex),
        FusedLossUnderTest.EvidentialLog => UL.EvidentialLoss(e, t, regFactor, reduction, weight, ignoreIndex, EvidentialRisk.LogLikelihood),
        FusedLossUnderTest.EvidentialDigamma => UL.EvidentialLoss(e, t, regFactor, reduction, weight, ignoreIndex, EvidentialRisk.CrossEntropy),
        FusedLossUnderTest.Fisher => UL.FisherEvidentialLoss(e, t, regFactor, FusedCases.DefaultFisherCoefficient, reduction, weight, ignoreIndex),
        FusedLossUnderTest.Red => UL.RedEvidentialLoss(e, t, regFactor, FusedCases.DefaultCorrectEvidenceWeight, reduction, weight, ignoreIndex),
        FusedLossUnderTest.PosteriorNetwork => UL.PosteriorNetworkLoss(e, t, regFactor, reduction, weight, ignoreIndex),
        FusedLossUnderTest.BeliefMatching => BeliefMatching(e, t, regFactor, reduction, weight, ignoreIndex),
        FusedLossUnderTest.PriorNetwork => PriorNetwork(e, t, reduction, weight, ignoreIndex),
        FusedLossUnderTest.Evidential => UL.EvidentialLoss(e, t, regFactor, reduction, weight, ignoreIndex),
        _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, "add its call here"),
    };

    /// <summary>Belief matching on α = e + <see cref="FusedCases.BeliefMatchingAlphaOffset"/>, the intermediate α freed
    /// when the call returns (the memory tests count the live tensors; autograd keeps what it needs).</summary>
    private static Tensor BeliefMatching(Tensor e, Tensor t, double regFactor, Reduction reduction, Tensor? weight, long ignoreIndex)
    {
        using var scope = NewDisposeScope();
        return UL.BeliefMatchingLoss(e + FusedCases.BeliefMatchingAlphaOffset, t, regFactor, FusedCases.DefaultPriorConcentration, reduction, weight, ignoreIndex)
            .MoveToOuterDisposeScope();
    }

    /// <summary>The Prior Network loss on α = e + <see cref="FusedCases.BeliefMatchingAlphaOffset"/> (τ
    /// <see cref="FusedCases.DefaultTargetConcentration"/>; the out-of-distribution marker −1000, which no fault uses: the faults'
    /// target −1 must stay an invalid class), the intermediate α freed when the call returns.</summary>
    private static Tensor PriorNetwork(Tensor e, Tensor t, Reduction reduction, Tensor? weight, long ignoreIndex)
    {
        using var scope = NewDisposeScope();
        return UL.PriorNetworkLoss(e + FusedCases.BeliefMatchingAlphaOffset, t, FusedCases.DefaultTargetConcentration, reduction, weight, ignoreIndex,
            outOfDistributionIndex: OpTable.TableOutOfDistributionIndex).MoveToOuterDisposeScope();
    }

    private static Exception? Catch(KernelPath path, FusedLossUnderTest loss, Fault fault)
    {
        using var scope = NewDisposeScope();
        using var force = Kernels.Force(path);
        var (e, t, w) = Inputs(fault);
        try
        {
            _ = Call(loss, e, t, weight: w);
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    [Test]
    public void FusedPath_InvalidValues_ThrowsAsComposedPath([Values] Fault fault, [Values] FusedLossUnderTest loss)
    {
        long jobs = FusedDirichlet.JobsStarted;
        var fused = Catch(KernelPath.Fused, loss, fault);
        var composed = Catch(KernelPath.Composed, loss, fault);
        Assert.That(composed, Is.InstanceOf<ArgumentException>());
        Assert.That(fused, Is.Not.Null);
        Assert.That(fused!.GetType(), Is.EqualTo(composed!.GetType()));
        Assert.That(((ArgumentException)fused).ParamName, Is.EqualTo(((ArgumentException)composed).ParamName));
        Assert.That(fused.Message, Is.EqualTo(composed.Message));
        Assert.That(FusedDirichlet.JobsStarted, Is.EqualTo(jobs), "a rejected call starts no job");
    }

    private static Tensor Evidence(ScalarType dtype = ScalarType.Float32) => Tensors.FromDoubles(new[] { 0.0, 1.0, 2.0, 3.0, 0.5, 4.0 }, new long[] { 2, 3 }, dtype);

    private static Tensor Index() => Tensors.FromLongs(new long[] { 1, 2 }, new long[] { 2 });

    [Test]
    public void ForceFused_CallItCannotServe_ThrowsInvalidOperationException()
    {
        using var scope = NewDisposeScope();
        using var force = Kernels.Force(KernelPath.Fused);
        Assert.That(() => UL.EvidentialLoss(Evidence(ScalarType.Float16), Index()), Throws.InstanceOf<InvalidOperationException>(), "Float16");
        Assert.That(() => UL.MaxNormLoss(Evidence(), Tensors.FromDoubles(new[] { 1.0, 0, 0, 0, 0, 1 }, new long[] { 2, 3 }, ScalarType.Float32).requires_grad_()),
            Throws.InstanceOf<InvalidOperationException>(), "max-norm, probability target requiring grad");
        var transposed = Tensors.FromDoubles(new[] { 0.0, 1.0, 2.0, 3.0, 0.5, 4.0 }, new long[] { 3, 2 }, ScalarType.Float32).t();
        Assert.That(() => UL.EvidentialLoss(transposed, Index()), Throws.InstanceOf<InvalidOperationException>(), "non-contiguous");
        Assert.That(() => UL.MaxNormLoss(Evidence(), Index(), pNorm: 17), Throws.InstanceOf<InvalidOperationException>(), "pNorm 17");
        var weight = Tensors.FromDoubles(new[] { 1.0, 2.0, 3.0 }, new long[] { 3 }, ScalarType.Float32).requires_grad_();
        Assert.That(() => UL.EvidentialLoss(Evidence(), Index(), weight: weight), Throws.InstanceOf<InvalidOperationException>(), "weight requiring grad");
        var probabilities = Tensors.FromDoubles(new[] { 1.0, 0, 0, 0, 0, 1 }, new long[] { 2, 3 }, ScalarType.Float32).requires_grad_();
        Assert.That(() => UL.EvidentialLoss(Evidence(), probabilities, risk: EvidentialRisk.LogLikelihood), Throws.InstanceOf<InvalidOperationException>(), "probability target requiring grad");
        Assert.That(() => UL.EvidentialLoss(Evidence(ScalarType.Float16), Index(), risk: EvidentialRisk.CrossEntropy), Throws.InstanceOf<InvalidOperationException>(), "digamma risk, Float16");
        Assert.That(() => UL.RelaxedEvidentialLoss(transposed, Index()), Throws.InstanceOf<InvalidOperationException>(), "R-EDL, non-contiguous");
    }

    [Test]
    public void ForceFused_CudaEvidence_ThrowsInvalidOperationException()
    {
        Requires.Cuda();
        using var scope = NewDisposeScope();
        using var force = Kernels.Force(KernelPath.Fused);
        Assert.That(() => UL.EvidentialLoss(Evidence().cuda(), Index().cuda()), Throws.InstanceOf<InvalidOperationException>());
    }

    [Test]
    public void ForceFused_ContiguousFloat32CpuCall_DoesNotThrow()
    {
        using var scope = NewDisposeScope();
        using var force = Kernels.Force(KernelPath.Fused);
        Assert.That(() => UL.EvidentialLoss(Evidence(), Index(), 0.5), Throws.Nothing);
        Assert.That(() => UL.MaxNormLoss(Evidence().requires_grad_(), Index(), 0.5), Throws.Nothing);
        Assert.That(() => UL.EvidentialLoss(Evidence(), Index(), 0.5, risk: EvidentialRisk.LogLikelihood), Throws.Nothing);
        Assert.That(() => UL.EvidentialLoss(Evidence(), Index(), 0.5, risk: EvidentialRisk.CrossEntropy), Throws.Nothing);
        Assert.That(() => UL.RelaxedEvidentialLoss(Evidence(), Index(), 0.5), Throws.Nothing);
    }

    /// <summary>
    /// Every fused loss, each risk of the evidential loss included, takes the fused kernel on the automatic path for a
    /// contiguous CPU call with index targets (a kernel job starts), with and without a gradient and regulariser; with
    /// <see cref="UL.UseFusedKernels"/> off or inside <c>UL.KernelScope(fused: false)</c> it starts none.
    /// </summary>
    [Test]
    public void Auto_EachFusedLoss_RunsTheKernel([Values] FusedLossUnderTest loss, [Values] bool withGrad, [Values(0.0, 0.5)] double regFactor,
        [Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using (Kernels.Force(KernelPath.Auto))   // also when the suite runs with UL_KERNEL_PATH=Composed
        {
            var e = Evidence(dtype);
            if (withGrad)
                e.requires_grad_();
            long before = FusedDirichlet.JobsStarted;
            var value = Call(loss, e, Index(), regFactor);
            Assert.That(FusedDirichlet.JobsStarted, Is.EqualTo(before + 1), "the automatic path ran the fused kernel");
            if (withGrad)
            {
                value.backward();
                Assert.That(e.grad!.isfinite().all().item<bool>(), Is.True);
            }
        }

        using (UL.KernelScope(fused: false))
        {
            long before = FusedDirichlet.JobsStarted;
            _ = Call(loss, Evidence(dtype), Index(), regFactor);
            Assert.That(FusedDirichlet.JobsStarted, Is.EqualTo(before), "KernelScope(fused: false) takes the composed path");
        }

        try
        {
            UL.UseFusedKernels = false;
            long before = FusedDirichlet.JobsStarted;
            _ = Call(loss, Evidence(dtype), Index(), regFactor);
            Assert.That(FusedDirichlet.JobsStarted, Is.EqualTo(before), "UseFusedKernels = false takes the composed path");
        }
        finally
        {
            UL.UseFusedKernels = true;
        }
    }

    [Test]
    public void Auto_TransposedEvidence_MatchesComposedPath([Values] FusedLossUnderTest loss)
    {
        using var scope = NewDisposeScope();
        var transposed = Tensors.FromDoubles(new[] { 0.0, 1.0, 2.0, 3.0, 0.5, 4.0 }, new long[] { 3, 2 }, ScalarType.Float64).t();
        Tensor Loss(Tensor e) => Call(loss, e, Index(), reduction: Reduction.None);
        var auto = Tensors.ToDoubles(Loss(transposed));
        double[] composed;
        using (Kernels.Force(KernelPath.Composed))
            composed = Tensors.ToDoubles(Loss(transposed.contiguous()));
        Assert.That(auto, Is.EqualTo(composed).Within(1e-12).Percent);
    }

    [Test]
    public void FusedPath_NaNEvidence_GivesNaNOnBothPaths([Values] FusedLossUnderTest loss, [Values] bool fused)
    {
        using var scope = NewDisposeScope();
        using var force = Kernels.Force(fused ? KernelPath.Fused : KernelPath.Composed);
        // A loss on α rejects NaN while the value checks are on, on both paths (ValidationKit's rows); off, both give NaN.
        using var checksOff = loss is FusedLossUnderTest.BeliefMatching or FusedLossUnderTest.PriorNetwork ? UL.ValidationScope(validateValues: false) : null;
        var e = Tensors.FromDoubles(new[] { 0.0, double.NaN, 2.0, 3.0, 0.5, 4.0 }, new long[] { 2, 3 }, ScalarType.Float64);
        var none = Tensors.ToDoubles(Call(loss, e, Index(), reduction: Reduction.None));
        var mean = Tensors.ToDoubles(Call(loss, e, Index()));
        Assert.That(none[0], Is.NaN);
        Assert.That(double.IsFinite(none[1]), Is.True);
        Assert.That(mean[0], Is.NaN);
    }

    [Test]
    public void FusedPath_EvidenceOneMillionEverywhere_LossAndGradientFinite([Values] FusedLossUnderTest loss, [Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var force = Kernels.Force(KernelPath.Fused);
        var e = full(new long[] { 8, 10, 3 }, 1e6, dtype).requires_grad_();
        var t = zeros(new long[] { 8, 3 }, ScalarType.Int64);
        var value = Call(loss, e, t, 1.0, pNorm: 16);
        value.backward();
        Assert.That(double.IsFinite(value.to(ScalarType.Float64).item<double>()), Is.True);
        Assert.That(e.grad!.isfinite().all().item<bool>(), Is.True);
    }

    /// <summary>Forced fused forward + backward: only the result (and then the evidence's gradient) stays alive.</summary>
    /// <remarks>
    /// The custom autograd node's backward hands its gradient wrapper to native code, which copies it when the callback
    /// returns; FusedLossFunction keeps that wrapper and the grad_output wrapper TorchSharp created for it until the
    /// thread's next backward (or ReleaseDeferred), so they are released here before counting. The repeated-call test
    /// below checks that nothing accumulates without that help.
    /// </remarks>
    [Test]
    public void FusedPath_ForwardAndBackward_LeavesOnlyResultAndGradAlive([Values] FusedLossUnderTest loss, [Values] Reduction reduction)
    {
        using var force = Kernels.Force(KernelPath.Fused);
        var e = Tensors.FromDoubles(new[] { 0.0, 1.0, 2.0, 3.0, 0.5, 4.0 }, new long[] { 2, 3 }, ScalarType.Float32).requires_grad_();
        var t = Index();
        var gradOutput = reduction == Reduction.None ? ones(2) : ones(Array.Empty<long>());
        try
        {
            FusedLossFunction.ReleaseDeferred();   // an earlier test's backward on this thread
            long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            var result = Call(loss, e, t, reduction: reduction);
            Assert.That(DisposeScopeManager.Statistics.ThreadTotalLiveCount, Is.EqualTo(before + 1), "after the forward");
            result.backward(new[] { gradOutput });
            FusedLossFunction.ReleaseDeferred();
            Assert.That(DisposeScopeManager.Statistics.ThreadTotalLiveCount, Is.EqualTo(before + 1), "after the backward");
            result.Dispose();
            Assert.That(DisposeScopeManager.Statistics.ThreadTotalLiveCount, Is.EqualTo(before), "after disposing the result");
            var grad = e.grad!;
            Assert.That(DisposeScopeManager.Statistics.ThreadTotalLiveCount, Is.EqualTo(before + 1), "holding the gradient");
            grad.Dispose();
            Assert.That(DisposeScopeManager.Statistics.ThreadTotalLiveCount, Is.EqualTo(before), "at the end");
        }
        finally
        {
            e.Dispose();
            t.Dispose();
            gradOutput.Dispose();
        }
    }

    /// <summary>Repeated fused forward + backward calls: the live-tensor count does not grow from one call to the next.</summary>
    [Test]
    public void FusedPath_RepeatedForwardAndBackward_LiveCountDoesNotGrow([Values] FusedLossUnderTest loss, [Values] Reduction reduction)
    {
        using var force = Kernels.Force(KernelPath.Fused);
        var e = Tensors.FromDoubles(new[] { 0.0, 1.0, 2.0, 3.0, 0.5, 4.0 }, new long[] { 2, 3 }, ScalarType.Float32).requires_grad_();
        var t = Index();
        var gradOutput = reduction == Reduction.None ? ones(2) : ones(Array.Empty<long>());
        try
        {
            long[] counts = new long[4];
            for (int i = 0; i < counts.Length; i++)
            {
                using (var scope = NewDisposeScope())
                {
                    var result = Call(loss, e, t, reduction: reduction);
                    result.backward(new[] { gradOutput });
                }

                e.grad!.Dispose();   // the accessor's wrapper
                counts[i] = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            }

            Assert.That(counts[3], Is.EqualTo(counts[1]), "live tensors after calls 2 and 4: " + string.Join(", ", counts));
        }
        finally
        {
            FusedLossFunction.ReleaseDeferred();
            e.Dispose();
            t.Dispose();
            gradOutput.Dispose();
        }
    }

    // ---- Edge values, every fused loss (the new kinds of issue 14 included): fused against composed ----

    /// <summary>The evidence patterns of the edge-value tests.</summary>
    public enum EdgeEvidence
    {
        /// <summary>Every element 0 (α = λ everywhere: the KL and the log risk are 0 for EDL, the risks at their uniform value).</summary>
        Zero,

        /// <summary>Every element <see cref="UL.MaxEvidence"/> (1e12), the largest admissible value.</summary>
        MaxEvidence,

        /// <summary>Each element 0 or <see cref="UL.MaxEvidence"/> (about half each): S spans twelve decades between positions.</summary>
        ZeroOrMaxEvidence,
    }

    private static double[] EdgeValues(EdgeEvidence mode, int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => mode switch
        {
            EdgeEvidence.Zero => 0.0,
            EdgeEvidence.MaxEvidence => UL.MaxEvidence,
            _ => random.Next(2) == 0 ? 0.0 : UL.MaxEvidence,
        }).ToArray();
    }

    private static FusedCase EdgeCase(FusedLossUnderTest loss, ScalarType dtype, long[] shape, Reduction reduction, bool weighted, IgnoreMode ignore,
        double regFactor = 1.0, int seed = 11) =>
        FusedCases.Build(seed, false, dtype, shape, EvidenceMode.LogSpread, ScalarType.Int64, reduction, regFactor, 4, FisherAlphaSum.All,
            weighted, ignore, -100).As(loss);

    private static void AssertMatches(FusedCase c, double gradientMagnitude = 0)
    {
        Assert.That(FusedCases.Compare(c, gradientMagnitude), Is.Null, c.ToString());
        var fused = FusedCases.Run(c, KernelPath.Fused);
        Assert.That(fused.Output.All(double.IsFinite), Is.True, "fused output finite");
        Assert.That(fused.Gradient.All(double.IsFinite), Is.True, "fused gradient finite");
    }

    /// <summary>
    /// Size of the regulariser's gradient terms when every evidence is <see cref="UL.MaxEvidence"/>: the KL's
    /// e_k ψ₁(α_k) − Ê ψ₁(S̃) (and the Fisher term's analogue) is a difference of terms of about 1 that cancel to about
    /// 1e-13, which either path knows only to about 1e-16 absolute (measured: the paths differ by up to 1.2 % of a
    /// gradient of 2e-13). Per element that is 2·regFactor·w·|grad_output|, divided by Σw for the mean.
    /// </summary>
    private static double RegulariserGradientMagnitude(FusedCase c)
    {
        // The Prior Network loss: out-of-distribution positions weigh 1, and its KL's weight is 1 whatever RegFactor says.
        bool Outside(long t) => c.TargetConcentration is not null && t == c.OutOfDistributionIndex;
        var weights = c.Target.Select(t => t == c.IgnoreIndex ? 0.0 : c.Weight is null || Outside(t) ? 1.0 : c.Weight[t]).ToArray();
        double perElement = 2 * (c.TargetConcentration is null ? c.RegFactor : 1.0) * weights.Max() * c.GradOutput.Max(Math.Abs);
        return c.Reduction == Reduction.Mean ? perElement / Math.Max(weights.Sum(), double.Epsilon) : perElement;
    }

    /// <summary>Evidence 0, <see cref="UL.MaxEvidence"/> or a mix of both, (N, C) and (N, C, d) layouts (and 131 classes: the
    /// row-major kernel), both dtypes, every reduction, weights and some ignored positions: fused equals composed
    /// (<see cref="FusedCases.Compare"/>), finite.</summary>
    [Test]
    public void FusedPath_EdgeEvidence_MatchesComposedPath([Values] FusedLossUnderTest loss, [Values] EdgeEvidence evidence,
        [Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype, [Values] Reduction reduction)
    {
        foreach (var shape in new[] { new long[] { 9, 5 }, new long[] { 2, 4, 7 }, new long[] { 3, 131 } })
        {
            var c = EdgeCase(loss, dtype, shape, reduction, weighted: true, IgnoreMode.Some);
            AssertMatches(c with { Evidence = EdgeValues(evidence, c.Evidence.Length, 3) }, evidence == EdgeEvidence.MaxEvidence ? RegulariserGradientMagnitude(c) : 0);
        }
    }

    /// <summary>
    /// Many classes: C = 1000 (a tile of 8 rows) and C = 3000 (beyond 2048: one vector of 4 positions per tile, scratch
    /// of 4·C), and 300 classes with a spatial dimension, log-spread evidence with zeros, weights, some ignored positions.
    /// </summary>
    [Test]
    public void FusedPath_ManyClasses_MatchesComposedPath([Values] FusedLossUnderTest loss, [Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype)
    {
        foreach (var shape in new[] { new long[] { 13, 1000 }, new long[] { 6, 3000 }, new long[] { 2, 300, 9 } })
        {
            foreach (var reduction in new[] { Reduction.None, Reduction.Mean })
                AssertMatches(EdgeCase(loss, dtype, shape, reduction, weighted: true, IgnoreMode.Some));
        }
    }

    /// <summary>
    /// The row-major kernel (issue 18, seventh session) at its boundary: (N, C) input with an index target takes it from
    /// <see cref="FusedDirichlet.RowMajorMinClasses"/> classes on, on every vector width (two lanes included since the tenth
    /// session), for every loss of the evidential kernel but I-EDL and (its own row kernel since the tenth session) max-norm;
    /// 127 classes, spatial input, probability targets and I-EDL keep the class-major tiles. Each case matches
    /// the composed path, with moderate and log-spread evidence; C = 131 leaves lanes past C in the last vector, and
    /// regFactor 0 takes the kernel's loop without the KL; weights and ignored positions included.
    /// </summary>
    [Test]
    public void FusedPath_RowMajorKernel_TakenFromItsClassCountAndMatchesComposedPath([Values] FusedLossUnderTest loss,
        [Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype, [Values(0.0, 0.7)] double regFactor)
    {
        bool rowKernelLoss = loss is not FusedLossUnderTest.Fisher;
        foreach (var (shape, rowMajor) in new[]
                 {
                     (new long[] { 9, FusedDirichlet.RowMajorMinClasses - 1 }, false),
                     (new long[] { 9, FusedDirichlet.RowMajorMinClasses }, rowKernelLoss),
                     (new long[] { 5, 131 }, rowKernelLoss),
                     (new long[] { 2, 131, 3 }, false),
                 })
        {
            foreach (var (reduction, evidence) in new[] { (Reduction.None, EvidenceMode.Moderate), (Reduction.Mean, EvidenceMode.LogSpread) })
            {
                // Moderate evidence (S of a few hundred) makes every class's share visible, a lane past C included.
                var c = FusedCases.Build(11, false, dtype, shape, evidence, ScalarType.Int64, reduction, regFactor, 4, FisherAlphaSum.All,
                    weighted: true, IgnoreMode.Some, -100).As(loss);
                long before = FusedDirichlet.RowJobsStarted;
                AssertMatches(c);
                Assert.That(FusedDirichlet.RowJobsStarted > before, Is.EqualTo(rowMajor), $"{c}: row-major kernel");
            }
        }

        var soft = FusedCases.WithProbabilities(EdgeCase(loss, dtype, new long[] { 5, 131 }, Reduction.Mean, weighted: false, IgnoreMode.None, regFactor),
            3, ProbabilityMode.Smoothed, dtype);
        long beforeSoft = FusedDirichlet.RowJobsStarted;
        AssertMatches(soft);
        Assert.That(FusedDirichlet.RowJobsStarted, Is.EqualTo(beforeSoft), $"{soft}: probability targets keep the class-major tiles");
    }

    /// <summary>The losses the row-major kernels serve: all of the evidential kernel's but I-EDL, and max-norm (its own row
    /// kernel since the tenth session).</summary>
    private static IEnumerable<FusedLossUnderTest> RowKernelLosses =>
        Enum.GetValues<FusedLossUnderTest>().Where(l => l is not FusedLossUnderTest.Fisher);

    /// <summary>
    /// The row-major kernel's KL takes the vectors without the true class or a lane past C through a loop without masks, and
    /// those two vectors through the masked one (issue 18, ninth session): a true class at the start, end and middle of the
    /// first, second, a middle, the last full and the partial last vector (C = 131: the classes 128 … 130 share a vector with
    /// lanes past C; C = 136: no partial vector) matches the composed path, for every loss of the row kernel.
    /// </summary>
    [Test]
    public void FusedPath_RowMajorKernel_TrueClassInEveryVector_MatchesComposedPath([ValueSource(nameof(RowKernelLosses))] FusedLossUnderTest loss,
        [Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype, [Values(131L, 136L)] long classes)
    {
        var targets = new[] { 0L, 3, 7, 8, 15, 64, classes - 12, classes - 9, classes - 8, classes - 4, classes - 3, classes - 1 };
        var c = FusedCases.Build(17, false, dtype, new[] { (long)targets.Length, classes }, EvidenceMode.Moderate, ScalarType.Int64,
            Reduction.None, 0.7, 4, FisherAlphaSum.All, weighted: true, IgnoreMode.None, -100).As(loss);
        c = c with { Target = loss == FusedLossUnderTest.PriorNetwork ? c.Target : targets };
        long before = FusedDirichlet.RowJobsStarted;
        AssertMatches(c);
        Assert.That(FusedDirichlet.RowJobsStarted > before, Is.True, "row-major kernel");
    }

    /// <summary>
    /// The max-norm loss's row kernel (<c>MaxNormKernel.Row</c>, issue 18, tenth session) against the composed path for
    /// every p the fused path serves (1 … 6 and 16: the square-root roots and the per-lane power), both Fisher strengths,
    /// regFactor 0 (no ψ₁, ψ₂) and 0.3, every evidence mode (moderate, log-spread, tiny and huge, all zero), both dtypes;
    /// weights and ignored positions; C = 133, so that the last vector has lanes past C on every width.
    /// </summary>
    [Test]
    public void FusedPath_MaxNormRowKernel_EveryPNormAndStrength_MatchesComposedPath([Values(1, 2, 3, 4, 5, 6, 16)] int pNorm,
        [Values] FisherAlphaSum alphaSum, [Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype)
    {
        foreach (double regFactor in new[] { 0.0, 0.3 })
        {
            foreach (var evidence in new[] { EvidenceMode.Moderate, EvidenceMode.LogSpread, EvidenceMode.TinyAndHuge, EvidenceMode.AllZero })
            {
                var c = FusedCases.Build(23 + pNorm, true, dtype, new long[] { 7, 133 }, evidence, ScalarType.Int64, Reduction.None, regFactor,
                    pNorm, alphaSum, weighted: true, IgnoreMode.Some, -100).As(FusedLossUnderTest.MaxNorm);
                long before = FusedDirichlet.RowJobsStarted;
                AssertMatches(c);
                Assert.That(FusedDirichlet.RowJobsStarted > before, Is.True, $"{c}: row-major kernel");
            }
        }
    }

    /// <summary>
    /// Max-norm's float lanes for ψ₁ and ψ₂ (issue 18, fourteenth session; <c>MaxNormKernel.SingleLanesMaxEvidence</c>, accuracy.md):
    /// the row kernel takes them only under the Float32 contract, with the regulariser, and where Σ e² over the wrong
    /// classes is at most 256² (which bounds each wrong class's evidence by 256). One row of C = 131 (others' evidence 0.01, the true
    /// class's 5000, which the bound leaves out) with one wrong class at 255.99 (float lanes: the loss and gradient differ from double
    /// lanes' in their bits, and agree within 2e-6), at 256.01, or two at 200 (Σ e² = 80,000; double lanes either way: the same bits
    /// as without the Float32 contract). The true class at <see cref="UL.MaxEvidence"/> still takes float lanes (its own lanes
    /// overflow in float and are masked out: the result is finite and agrees), and a NaN wrong class keeps double lanes (NaN).
    /// </summary>
    [Test]
    public void MaxNormRowKernel_FloatLanes_TakenOnlyWithinTheEvidenceBound([Values] FisherAlphaSum alphaSum)
    {
        const int classes = 131;
        const int target = 7;
        (double Loss, double[] Gradient) Row(double[] evidence, double regFactor, bool singleContract)
        {
            var s = new Scratch(classes, 1, withGradient: true);
            Array.Clear(s.Evidence);
            evidence.CopyTo(s.Evidence, 0);
            double loss = MaxNormKernel.Row(s, classes, regFactor, 4, alphaSum, target, default, 1.0, singleContract);
            return (loss, s.Gradient!.Take(classes).ToArray());
        }

        double[] Evidence(params (int Class, double Value)[] large) => EvidenceWithTrue(5000, large);
        double[] EvidenceWithTrue(double trueEvidence, params (int Class, double Value)[] large)
        {
            var e = Enumerable.Repeat(0.01, classes).ToArray();
            e[target] = trueEvidence;
            foreach (var (j, v) in large)
                e[j] = v;
            return e;
        }

        var cases = new (string Name, double[] Evidence, bool FloatLanes)[]
        {
            ("one wrong class at 255.99", Evidence((100, 255.99)), true),
            ("one wrong class at 256.01", Evidence((100, 256.01)), false),
            ("two wrong classes at 200", Evidence((100, 200.0), (3, 200.0)), false),
            // The true class is left out of the bound: at UL.MaxEvidence its float lanes overflow, and are masked out.
            ("the true class at UL.MaxEvidence", EvidenceWithTrue(UL.MaxEvidence, (100, 200.0)), true),
            // A NaN (value checks off) fails the bound: double lanes, NaN as there.
            ("a NaN wrong class", Evidence((100, double.NaN)), false),
        };
        foreach (var (name, evidence, floatLanes) in cases)
        {
            var plain = Row(evidence, 0.7, singleContract: false);
            var single = Row(evidence, 0.7, singleContract: true);
            if (floatLanes)
            {
                Assert.That(double.IsFinite(single.Loss) && single.Gradient.All(double.IsFinite), Is.True, $"{name}: finite");
                Assert.That(single.Loss, Is.Not.EqualTo(plain.Loss), $"{name}: float lanes' loss (bits)");
                Assert.That(single.Loss, Is.EqualTo(plain.Loss).Within(2e-6 * Math.Abs(plain.Loss)), $"{name}: loss");
                double largest = plain.Gradient.Max(Math.Abs);
                for (int j = 0; j < classes; j++)
                    Assert.That(single.Gradient[j], Is.EqualTo(plain.Gradient[j]).Within(2e-6 * largest), $"{name}: gradient[{j}]");
            }
            else
            {
                if (evidence.Any(double.IsNaN))
                    Assert.That(single.Loss, Is.NaN, $"{name}: loss");
                Assert.That(single.Loss, Is.EqualTo(plain.Loss), $"{name}: double lanes' loss (bits)");
                Assert.That(single.Gradient, Is.EqualTo(plain.Gradient), $"{name}: double lanes' gradient (bits)");
            }

            var withoutRegulariser = Row(evidence, 0.0, singleContract: true);
            Assert.That(withoutRegulariser.Loss, Is.EqualTo(Row(evidence, 0.0, singleContract: false).Loss), $"{name}: regFactor 0 has no ψ₁");
        }
    }

    /// <summary>
    /// A NaN evidence in a row of the row-major kernel (value checks off: the one value outside the special functions'
    /// domain that the fused path's range check lets through) gives that row a NaN loss and gradient, as on the composed
    /// path, and leaves the other rows' losses and gradients bit for bit as without it, wherever the NaN lies (row 0's true class
    /// is 5): the true class itself and another class of its vector, a vector of the loop without masks (issue 18, ninth
    /// session), the partial last vector.
    /// </summary>
    [Test]
    public void FusedPath_RowMajorKernel_NaNEvidence_NaNInItsRowOnly([ValueSource(nameof(RowKernelLosses))] FusedLossUnderTest loss,
        [Values(0L, 5L, 64L, 130L)] long nanClass)
    {
        using var scope = NewDisposeScope();
        using var checksOff = UL.ValidationScope(validateValues: false);
        const int classes = 131;
        var finite = new double[3 * classes];
        for (int i = 0; i < finite.Length; i++)
            finite[i] = 0.25 + (i * 37 % 101) / 10.0;
        var withNaN = (double[])finite.Clone();
        withNaN[nanClass] = double.NaN;
        double[] Losses(double[] values, KernelPath path, out double[] gradient)
        {
            using var force = Kernels.Force(path);
            var e = Tensors.FromDoubles(values, new long[] { 3, classes }, ScalarType.Float64).requires_grad_();
            var l = Call(loss, e, tensor(new[] { 5L, 77, 130 }), 0.7, reduction: Reduction.None);
            (l * tensor(new[] { 0.0, 1.0, 1.0 }, ScalarType.Float64)).sum().backward();
            gradient = Tensors.ToDoubles(e.grad!);
            return Tensors.ToDoubles(l);
        }

        long before = FusedDirichlet.RowJobsStarted;
        var fused = Losses(withNaN, KernelPath.Fused, out var gradient);
        Assert.That(FusedDirichlet.RowJobsStarted > before, Is.True, "row-major kernel");
        var clean = Losses(finite, KernelPath.Fused, out var cleanGradient);
        Assert.That(fused[0], Is.NaN, "the row with the NaN");
        Assert.That(gradient.Take(classes).All(double.IsNaN), Is.True, "the gradient of the row with the NaN");
        Assert.That(Losses(withNaN, KernelPath.Composed, out _)[0], Is.NaN, "the row with the NaN, composed");
        Assert.That(fused.Skip(1).ToArray(), Is.EqualTo(clean.Skip(1).ToArray()), "the other rows");
        Assert.That(gradient.Skip(classes).ToArray(), Is.EqualTo(cleanGradient.Skip(classes).ToArray()), "the other rows' gradient");
        Assert.That(clean.All(double.IsFinite), Is.True, "finite without the NaN");
    }

    /// <summary>
    /// Every position ignored (ignoreIndex −100, and an ignore index that is a real class, 1): the mean is 0 (not NaN),
    /// the sum 0, reduction None 0 everywhere, the gradient 0, as on the composed path; with and without weights.
    /// </summary>
    [Test]
    public void FusedPath_EveryPositionIgnored_ZeroAsComposedPath([Values] FusedLossUnderTest loss, [Values] Reduction reduction,
        [Values] bool weighted, [Values(-100L, 1L)] long ignoreIndex)
    {
        var c = FusedCases.Build(23, false, ScalarType.Float64, new long[] { 5, 3, 4 }, EvidenceMode.Moderate, ScalarType.Int64, reduction, 0.7, 4,
            FisherAlphaSum.All, weighted, IgnoreMode.All, ignoreIndex).As(loss);
        AssertMatches(c);
        var fused = FusedCases.Run(c, KernelPath.Fused);
        Assert.That(fused.Output, Is.All.EqualTo(0.0), "output");
        Assert.That(fused.Gradient, Is.All.EqualTo(0.0), "gradient");
    }

    /// <summary>
    /// Class weights with zeros (a class of weight 0 contributes nothing, also to the gradient), uneven weights and a
    /// weight-0-only batch (mean 0, not NaN): fused equals composed for every reduction.
    /// </summary>
    [Test]
    public void FusedPath_Weights_MatchComposedPath([Values] FusedLossUnderTest loss, [Values] Reduction reduction,
        [Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype)
    {
        var c = EdgeCase(loss, dtype, new long[] { 12, 4 }, reduction, weighted: false, IgnoreMode.None, regFactor: 0.7);
        AssertMatches(c with { Weight = new[] { 0.0, 2.5, 0.25, 1.0 } });
        // (Without the Prior Network loss's out-of-distribution positions, whose weight is 1 whatever the class weights.)
        var onlyZeroWeightClasses = c with
        {
            Weight = new[] { 0.0, 0.0, 0.0, 0.0 },
            Target = c.Target.Select(t => c.TargetConcentration is not null && t == c.OutOfDistributionIndex ? 0L : t).ToArray(),
        };
        AssertMatches(onlyZeroWeightClasses);
        Assert.That(FusedCases.Run(onlyZeroWeightClasses, KernelPath.Fused).Gradient, Is.All.EqualTo(0.0), "every weight 0: gradient 0");
    }

    // ---- Per-call costs (issue 18, fifteenth session): what replaced TorchSharp's garbage-leaving reads ----

    /// <summary><c>Check.Dims</c> gives the same sizes as TorchSharp's <c>shape</c>, for every rank and for a view.</summary>
    [Test]
    public void Dims_EveryRankAndAView_EqualShape()
    {
        using var scope = NewDisposeScope();
        var tensors = new[]
        {
            tensor(3.0),
            zeros(5),
            zeros(4, 3),
            zeros(2, 21, 4, 5),
            zeros(0, 3),
            zeros(6, 4).t(),
            zeros(3, 8, 5).select(1, 2),
        };
        foreach (var t in tensors)
            Assert.That(UncertaintyLoss.Internal.Check.Dims(t), Is.EqualTo(t.shape), "shape " + UncertaintyLoss.Internal.Check.Shape(t));
    }

    /// <summary>
    /// <c>FusedDirichlet.IsScalarOne</c>, the backward's test for <c>loss.backward()</c>'s incoming gradient: true only for a
    /// one-element Float32 or Float64 CPU tensor holding exactly 1 (then the saved gradient is returned as it is; any
    /// other incoming gradient multiplies it, which FusedPathTests' random incoming gradients check).
    /// </summary>
    [Test]
    public void IsScalarOne_OnlyOneElementFloatOne_IsTrue()
    {
        using var scope = NewDisposeScope();
        Assert.Multiple(() =>
        {
            Assert.That(FusedDirichlet.IsScalarOne(ones(Array.Empty<long>(), ScalarType.Float32)), Is.True, "Float32 0-d 1");
            Assert.That(FusedDirichlet.IsScalarOne(ones(Array.Empty<long>(), ScalarType.Float64)), Is.True, "Float64 0-d 1");
            Assert.That(FusedDirichlet.IsScalarOne(ones(new long[] { 1, 1 }, ScalarType.Float64)), Is.True, "Float64 [1, 1] 1");
            Assert.That(FusedDirichlet.IsScalarOne(tensor(1.0 + 1e-15)), Is.False, "Float64 1 + 1e-15");
            Assert.That(FusedDirichlet.IsScalarOne(tensor(1.0f + 1e-7f)), Is.False, "Float32 next float after 1");
            Assert.That(FusedDirichlet.IsScalarOne(tensor(2.0f)), Is.False, "Float32 2");
            Assert.That(FusedDirichlet.IsScalarOne(tensor(-1.0)), Is.False, "Float64 −1");
            Assert.That(FusedDirichlet.IsScalarOne(tensor(double.NaN)), Is.False, "NaN");
            Assert.That(FusedDirichlet.IsScalarOne(ones(2)), Is.False, "two elements");
            Assert.That(FusedDirichlet.IsScalarOne(ones(Array.Empty<long>(), ScalarType.Float16)), Is.False, "Float16 (multiplied instead)");
            Assert.That(FusedDirichlet.IsScalarOne(ones(Array.Empty<long>(), ScalarType.Int64)), Is.False, "Int64");
            Assert.That(FusedDirichlet.IsScalarOne(ones(4, ScalarType.Float64)[2]), Is.True, "an element of a larger tensor (offset storage)");
        });
    }
}
