using System.Runtime.InteropServices;
using System.Threading.Tasks;
using UncertaintyLoss.Internal;
using UncertaintyLoss.Internal.Fused;

namespace UncertaintyLoss.Tests.Trust;

/// <summary>
/// <see cref="UL.ValidateValues"/> and <see cref="UL.ValidationScope"/> (issue 13): with value checks off, no value check
/// copies anything to the host (observed through <see cref="ValueChecks.HostTransfers"/>, the count of value-check
/// transfers), invalid values are no longer reported on the composed path, metadata checks still run, and the fused CPU
/// kernel still rejects class indices it would read out of bounds. The scope is per thread and async flow, as
/// <see cref="UL.KernelScope"/> (mirrors <see cref="KernelScopeTests"/>).
/// </summary>
[TestFixture]
public sealed class ValidationSwitchTests
{
    /// <summary>A call of a public function on valid inputs; its tensors are created inside the call.</summary>
    public delegate void Call();

    [TearDown]
    public void Restore() => UL.ValidateValues = true;

    [Test]
    public void ValidateValues_IsOnByDefault()
    {
        Assert.That(UL.ValidateValues, Is.True);
        Assert.That(ValueChecks.Enabled, Is.True);
    }

    /// <summary>Every function with a value check that reads device data, with valid inputs.</summary>
    private static IEnumerable<TestCaseData> ValueCheckedCalls()
    {
        static Tensor Evidence() => tensor(new[] { 0.0, 1.5, 3.0, 2.0, 0.5, 4.0 }, new long[] { 2, 3 });
        static Tensor Index() => tensor(new long[] { 2, 0 });
        static Tensor Probability() => tensor(new[] { 0.2, 0.3, 0.5, 1.0, 0.0, 0.0 }, new long[] { 2, 3 });
        static Tensor Weight() => tensor(new[] { 1.0, 2.0, 0.5 });
        static Tensor Positive() => tensor(new[] { 0.5, 1.0, 2.0 });
        static Tensor Any() => tensor(new[] { -0.5, 1.0, 2.0 });

        var calls = new (string Name, Call Call)[]
        {
            ("EvidentialLoss", () => UL.EvidentialLoss(Evidence(), Index(), 0.5)),
            ("EvidentialLoss weighted", () => UL.EvidentialLoss(Evidence(), Index(), 0.5, weight: Weight())),
            ("EvidentialLoss probabilities", () => UL.EvidentialLoss(Evidence(), Probability(), 0.5)),
            ("MaxNormLoss", () => UL.MaxNormLoss(Evidence(), Index(), 0.5)),
            ("DirichletMseLoss", () => UL.DirichletMseLoss(Evidence(), Index())),
            ("UniformDirichletKl", () => UL.UniformDirichletKl(Evidence(), Index())),
            ("DirichletPNormLoss", () => UL.DirichletPNormLoss(Evidence(), Index())),
            ("DirichletFisherRegularizer", () => UL.DirichletFisherRegularizer(Evidence(), Index())),
            ("Uncertainty", () => UL.Uncertainty(Evidence())),
            ("ModelUncertainty", () => UL.ModelUncertainty(Evidence())),
            ("DataUncertainty", () => UL.DataUncertainty(Evidence())),
            ("DirichletMean", () => UL.DirichletMean(Evidence())),
            ("DirichletMode", () => UL.DirichletMode(Evidence())),
            ("Vacuity", () => UL.Vacuity(Evidence())),
            ("EvidentialLossModule", () => new EvidentialLossModule(0.5).forward(Evidence(), Index())),
            ("BetaNll", () => UL.BetaNll(Any(), Positive(), Any())),
            ("EvidentialRegressionLoss", () => UL.EvidentialRegressionLoss(Any(), Positive(), Positive() + 1, Positive(), Any(), 0.1)),
            ("EvidentialRegressionUncertainty", () => UL.EvidentialRegressionUncertainty(Any(), Positive(), Positive() + 1, Positive())),
            ("Sculpt.Normal.LossFunction", () => Sculpt.Normal.LossFunction(Any(), Any(), Positive())),
            ("Sculpt.Laplace.LogProb", () => Sculpt.Laplace.LogProb(Any(), Any(), Positive())),
            ("Sculpt.Cauchy.Cdf", () => Sculpt.Cauchy.Cdf(Any(), Any(), Positive())),
            ("Sculpt.Normal.Sample", () => Sculpt.Normal.Sample((Any(), Positive()))),
            ("Sculpt.Normal.Interval", () => Sculpt.Normal.Interval(Any(), Positive(), 0.9)),
        };
        return calls.Select(c => new TestCaseData(c.Call).SetArgDisplayNames(c.Name));
    }

    /// <summary>With the checks on, each call makes exactly one value-check transfer (the composed path; the fused CPU
    /// kernel scans host memory instead and makes none).</summary>
    [TestCaseSource(nameof(ValueCheckedCalls))]
    public void ChecksOn_EachCallMakesOneHostTransfer(Call call)
    {
        using var scope = NewDisposeScope();
        using var composed = UL.KernelScope(fused: false);
        long before = ValueChecks.HostTransfers;
        call();
        Assert.That(ValueChecks.HostTransfers - before, Is.EqualTo(1));
    }

    /// <summary>With the checks off (scope or global switch), no call makes a value-check transfer.</summary>
    [TestCaseSource(nameof(ValueCheckedCalls))]
    public void ChecksOff_NoCallMakesAHostTransfer(Call call)
    {
        using var scope = NewDisposeScope();
        using var composed = UL.KernelScope(fused: false);
        long before = ValueChecks.HostTransfers;
        using (UL.ValidationScope(validateValues: false))
            call();
        UL.ValidateValues = false;
        call();
        Assert.That(ValueChecks.HostTransfers, Is.EqualTo(before));
    }

    /// <summary>Negative evidence is no longer reported on the composed path: the math runs (here it gives a finite but
    /// meaningless loss, the documented risk).</summary>
    [Test]
    public void ChecksOff_NegativeEvidence_DoesNotThrowOnTheComposedPath()
    {
        using var scope = NewDisposeScope();
        using var composed = UL.KernelScope(fused: false);
        var evidence = tensor(new[] { 0.0, -0.5, 3.0, 2.0, 0.5, 4.0 }, new long[] { 2, 3 });
        var target = tensor(new long[] { 2, 0 });
        Assert.Throws<ArgumentException>(() => UL.EvidentialLoss(evidence, target), "on by default");
        using (UL.ValidationScope(validateValues: false))
        {
            Assert.DoesNotThrow(() => UL.EvidentialLoss(evidence, target));
            Assert.DoesNotThrow(() => UL.Uncertainty(evidence));
            Assert.DoesNotThrow(() => Sculpt.Normal.LossFunction(evidence, evidence, evidence));
        }
    }

    /// <summary>Shape, dtype, device and option checks read metadata only: they run with the value checks off.</summary>
    [Test]
    public void ChecksOff_MetadataAndOptionChecksStillThrow()
    {
        using var scope = NewDisposeScope();
        using var off = UL.ValidationScope(validateValues: false);
        var evidence = rand(4, 3);
        var exception = Assert.Throws<ArgumentException>(() => UL.EvidentialLoss(evidence, zeros(new long[] { 5 }, ScalarType.Int64)))!;
        Assert.That(exception.ParamName, Is.EqualTo("target"));
        Assert.That(Assert.Throws<ArgumentException>(() => UL.EvidentialLoss(evidence.to(ScalarType.Int64), zeros(new long[] { 4 }, ScalarType.Int64)))!.ParamName, Is.EqualTo("evidence"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => UL.EvidentialLoss(evidence, zeros(new long[] { 4 }, ScalarType.Int64), -1.0))!.ParamName, Is.EqualTo("regFactor"));
        Assert.That(Assert.Throws<ArgumentException>(() => UL.BetaNll(rand(4, 1), rand(4, 1) + 1, rand(4)))!.ParamName, Is.EqualTo("target"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => UL.Uncertainty(null!))!.ParamName, Is.EqualTo("evidence"));
    }

    /// <summary>
    /// The fused CPU kernel reads and writes memory at the class indices: with the value checks off it still rejects an
    /// index outside [0, C) (its scan of host memory is no device synchronisation, and never skipped), with the composed
    /// path's exception, before any job starts.
    /// </summary>
    [TestCase(3L)]
    [TestCase(-1L)]
    [TestCase(1000L)]
    public void ChecksOff_FusedPath_StillRejectsOutOfRangeClassIndices(long index)
    {
        using var scope = NewDisposeScope();
        using var off = UL.ValidationScope(validateValues: false);
        using var fused = Kernels.Force(KernelPath.Fused);
        var evidence = rand(4, 3);
        var target = tensor(new[] { 0L, index, 2L, 1L });
        long jobs = FusedDirichlet.JobsStarted;
        foreach (var call in new Func<Tensor>[] { () => UL.EvidentialLoss(evidence, target), () => UL.MaxNormLoss(evidence, target) })
        {
            var exception = Assert.Throws<ArgumentException>(() => call())!;
            Assert.That(exception.ParamName, Is.EqualTo("target"));
            Assert.That(exception.Message, Does.Contain("[0, 2]"));
        }

        Assert.That(FusedDirichlet.JobsStarted, Is.EqualTo(jobs), "no job started");
    }

    /// <summary>On the composed path, with the checks off, an out-of-range index raises libtorch's own error (as
    /// documented), never a silent result.</summary>
    [Test]
    public void ChecksOff_ComposedPath_OutOfRangeIndexRaisesLibtorchsError()
    {
        using var scope = NewDisposeScope();
        using var off = UL.ValidationScope(validateValues: false);
        using var composed = UL.KernelScope(fused: false);
        var evidence = rand(4, 3);
        Assert.Throws<ExternalException>(() => UL.EvidentialLoss(evidence, tensor(new[] { 0L, 3L, 2L, 1L })));
    }

    /// <summary>
    /// Not knowing whether a target equals ignoreIndex, the loss masks as if one might: the results (values and
    /// gradients) are those of the checked call, with and without ignored positions, weighted or not.
    /// </summary>
    [Test]
    public void ChecksOff_ValidInputs_GiveTheCheckedResults(
        [Values] bool ignored, [Values] bool weighted, [Values(Reduction.None, Reduction.Mean, Reduction.Sum)] Reduction reduction,
        [Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var composed = UL.KernelScope(fused: false);
        var evidence = (rand(new long[] { 6, 4, 3 }, dtype: dtype) * 5).requires_grad_();
        var target = randint(0, 4, new long[] { 6, 3 });
        if (ignored)
            target[2, 1] = tensor(-100L);
        var weight = weighted ? rand(4, dtype: dtype) + 0.5 : null;
        foreach (var loss in new Func<Tensor>[]
                 {
                     () => UL.EvidentialLoss(evidence, target, 0.7, reduction, weight),
                     () => UL.MaxNormLoss(evidence, target, 0.7, 4, reduction, weight, fisherAlphaSum: FisherAlphaSum.All),
                 })
        {
            var (checkedValue, checkedGradient) = ValueAndGradient(loss, evidence);
            double[] value, gradient;
            using (UL.ValidationScope(validateValues: false))
                (value, gradient) = ValueAndGradient(loss, evidence);
            Assert.That(value, Is.EqualTo(checkedValue).Within(1e-12).Percent);
            Assert.That(gradient, Is.EqualTo(checkedGradient).Within(1e-12).Percent);
        }
    }

    private static (double[] Value, double[] Gradient) ValueAndGradient(Func<Tensor> loss, Tensor evidence)
    {
        evidence.grad?.zero_();
        var value = loss();
        value.sum().backward();
        return (Tensors.ToDoubles(value), Tensors.ToDoubles(evidence.grad!));
    }

    // ------------------------------------------------------------------ the scope (as KernelScopeTests)

    [Test]
    public void ValidationScope_False_TurnsTheChecksOffUntilDisposed()
    {
        using (UL.ValidationScope(validateValues: false))
        {
            Assert.That(ValueChecks.Enabled, Is.False);
            Assert.That(RejectsNegativeEvidence(), Is.False);
        }

        Assert.That(ValueChecks.Enabled, Is.True);
        Assert.That(RejectsNegativeEvidence(), Is.True);
    }

    [Test]
    public void ValidationScope_True_OverridesTheGlobalSwitchForThisFlowOnly()
    {
        UL.ValidateValues = false;
        Assert.That(ValueChecks.Enabled, Is.False);
        using (UL.ValidationScope(validateValues: true))
        {
            Assert.That(ValueChecks.Enabled, Is.True);
            Assert.That(RejectsNegativeEvidence(), Is.True, "the scope re-enables the checks despite ValidateValues = false");
        }

        Assert.That(ValueChecks.Enabled, Is.False);
    }

    [Test]
    public void ValidationScope_Nested_RestoresEachLevelAndIgnoresASecondDispose()
    {
        var outer = UL.ValidationScope(validateValues: false);
        var inner = UL.ValidationScope(validateValues: true);
        Assert.That(ValueChecks.Enabled, Is.True);
        inner.Dispose();
        Assert.That(ValueChecks.Enabled, Is.False);
        inner.Dispose();
        Assert.That(ValueChecks.Enabled, Is.False, "disposing the inner scope twice does not undo the outer one");
        outer.Dispose();
        Assert.That(ValueChecks.Enabled, Is.True);
    }

    /// <summary>A scope held open in one thread does not change the setting of another thread running at the same time.</summary>
    [Test]
    public void ValidationScope_InOneThread_DoesNotAffectAnotherThread()
    {
        var (inScope, other) = FlowScopeKit.ReadWhileOpenInAnotherThread(() => UL.ValidationScope(validateValues: false), () => ValueChecks.Enabled);
        Assert.That(inScope, Is.False);
        Assert.That(other, Is.True, "the other thread still sees the default");
    }

    /// <summary>The global switch, by contrast, is process-wide (documented): another thread sees it at once.</summary>
    [Test]
    public void ValidateValues_IsProcessWide()
    {
        UL.ValidateValues = false;
        Assert.That(FlowScopeKit.ReadInNewThread(() => ValueChecks.Enabled), Is.False);
    }

    /// <summary>The scope flows into await continuations (possibly on another thread) and into tasks started inside it.</summary>
    [Test]
    public async Task ValidationScope_FlowsIntoAwaitContinuationsAndChildTasks()
    {
        using (UL.ValidationScope(validateValues: false))
        {
            await Task.Yield();
            Assert.That(ValueChecks.Enabled, Is.False, "after an await");
            var inTask = await Task.Run(() => ValueChecks.Enabled);
            Assert.That(inTask, Is.False, "in a task started inside the scope");
            var rejected = await Task.Run(RejectsNegativeEvidence);
            Assert.That(rejected, Is.False, "a loss computed in that task skips the value checks");
        }

        Assert.That(ValueChecks.Enabled, Is.True);
    }

    /// <summary>A scope opened inside an async method (and not disposed there) does not leak out to its caller.</summary>
    [Test]
    public async Task ValidationScope_OpenedInsideAnAsyncMethod_DoesNotLeakToTheCaller()
    {
        var (inside, caller) = await FlowScopeKit.ReadAroundAnUndisposedScopeInAnAsyncMethod(() => UL.ValidationScope(validateValues: false), () => ValueChecks.Enabled);
        Assert.That(inside, Is.False);
        Assert.That(caller, Is.True, "the caller's flow is unchanged");
    }

    /// <summary>Whether the composed path reports negative evidence in this thread and flow.</summary>
    private static bool RejectsNegativeEvidence()
    {
        using var scope = NewDisposeScope();
        using var composed = UL.KernelScope(fused: false);
        try
        {
            UL.EvidentialLoss(tensor(new[] { 0.0, -1.5, 3.0, 2.0, 0.5, 4.0 }, new long[] { 2, 3 }), tensor(new long[] { 2, 0 }), 0.5);
            return false;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
