using UncertaintyLoss.Metrics;

namespace UncertaintyLoss.Tests.Validation;

/// <summary>
/// Error hints that say what to do next (issue 17, point 6): an integer one-hot target is told that a floating one-hot
/// target is accepted; evidence or logits passed to a metric that expects probabilities are told about
/// <see cref="UL.DirichletMean(Tensor)"/> or softmax; +∞ evidence after <see cref="UL.ClampedExp"/> is told which clamp
/// keeps its dtype finite (11 for Float16, where exp overflows above e^11.09), not "use UL.ClampedExp" again.
/// </summary>
[TestFixture]
public sealed class HintTests
{
    private static Tensor Evidence43() => tensor(new float[] { 0f, 1f, 2f, 3f, 0.5f, 0f, 7f, 1f, 1f, 2f, 0f, 4f }, new long[] { 4, 3 });

    private static Tensor Target4() => tensor(new long[] { 0, 2, 1, 2 });

    private static ArgumentException Rejected(TestDelegate call, string paramName)
    {
        var e = Assert.Throws<ArgumentException>(call)!;
        Assert.That(e.ParamName, Is.EqualTo(paramName), e.Message);
        return e;
    }

    // ---- An Int64 one-hot target ----

    [Test]
    public void IntegerOneHotTarget_Loss_HintsAtFloatOneHotAndArgmax()
    {
        using var scope = NewDisposeScope();
        var oneHot = nn.functional.one_hot(Target4(), 3);     // Int64, the evidence's shape (4, 3)
        var e = Rejected(() => UL.EvidentialLoss(Evidence43(), oneHot), "target");
        Assert.That(e.Message, Does.StartWith("Expected target of class indices to have shape [4]"));
        Assert.That(e.Message, Does.Contain("an integer target of the evidence's shape [4, 3]"));
        Assert.That(e.Message, Does.Contain("a one-hot target is accepted as class probabilities in a floating dtype (target.to(ScalarType.Float32))"));
        Assert.That(e.Message, Does.Contain("target.argmax(1)"));

        // The hint is right: both suggestions are accepted and give the index-target loss.
        var want = UL.EvidentialLoss(Evidence43(), Target4()).item<float>();
        Assert.That(UL.EvidentialLoss(Evidence43(), oneHot.to(ScalarType.Float32)).item<float>(), Is.EqualTo(want).Within(1e-6).Percent);
        Assert.That(UL.EvidentialLoss(Evidence43(), oneHot.argmax(1)).item<float>(), Is.EqualTo(want));
    }

    [Test]
    public void IntegerOneHotTarget_Module_HintsAtFloatOneHot()
    {
        using var scope = NewDisposeScope();
        var e = Rejected(() => new MaxNormLossModule().forward(Evidence43(), nn.functional.one_hot(Target4(), 3).to(ScalarType.Int32)), "target");
        Assert.That(e.Message, Does.Contain("a one-hot target is accepted as class probabilities in a floating dtype"));
    }

    [Test]
    public void IntegerTargetOfAnotherShape_HasNoOneHotHint()
    {
        using var scope = NewDisposeScope();
        var e = Rejected(() => UL.EvidentialLoss(Evidence43(), zeros(4, 2, ScalarType.Int64)), "target");
        Assert.That(e.Message, Does.Not.Contain("one-hot"));
    }

    // ---- Evidence or logits passed to a metric ----

    [Test]
    public void EvidenceToMetric_ValuesAboveOne_HintsAtDirichletMean()
    {
        using var scope = NewDisposeScope();
        var e = Rejected(() => ScoringRules.BrierScore(Evidence43(), Target4()), "probabilities");
        Assert.That(e.Message, Does.Contain("non-negative values above 1 look like evidence: pass UL.DirichletMean(evidence)"));

        // The hint is right: the metric accepts the Dirichlet mean of the same evidence.
        Assert.That(() => ScoringRules.BrierScore(UL.DirichletMean(Evidence43()), Target4()), Throws.Nothing);
    }

    [Test]
    public void LogitsToMetric_NegativeValues_HintsAtSoftmax()
    {
        using var scope = NewDisposeScope();
        var e = Rejected(() => SelectiveClassification.Aurc(Evidence43() - 2, Target4()), "probabilities");
        Assert.That(e.Message, Does.Contain("negative values look like logits: pass softmax(logits, 1)"));
    }

    [Test]
    public void EvidenceToCalibrator_ValuesAboveOne_HintsAtDirichletMean()
    {
        using var scope = NewDisposeScope();
        var e = Rejected(() => HistogramBinning.FitTopLabel(Evidence43(), Target4()), "probabilities");
        Assert.That(e.Message, Does.Contain("non-negative values above 1 look like evidence: pass UL.DirichletMean(evidence)"));
    }

    [Test]
    public void SmallEvidenceToConformal_RowsNotSummingToOne_HintsAtDirichletMean()
    {
        using var scope = NewDisposeScope();
        var small = Evidence43() / 10;     // values in [0, 0.7]: in [0, 1], but the rows do not sum to 1
        var e = Rejected(() => ConformalClassifier.Calibrate(small, Target4()), "probabilities");
        Assert.That(e.Message, Does.Contain("whose rows (dimension 1) sum to 1"));
        Assert.That(e.Message, Does.Contain("non-negative rows that do not sum to 1 look like evidence: pass UL.DirichletMean(evidence)"));
    }

    // ---- +∞ evidence after ClampedExp ----

    private static Tensor Logits43(ScalarType dtype) =>
        tensor(new double[] { 0, 1, 15, 3, 0.5, 0, 7, 1, 1, 2, 0, 4 }, new long[] { 4, 3 }).to(dtype);

    [Test]
    public void Float16EvidenceOverflowingAfterClampedExp20_HintsAtClamp11OrFloat32()
    {
        using var scope = NewDisposeScope();
        var evidence = UL.ClampedExp(Logits43(ScalarType.Float16), clamp: 20);     // e^15 > 65504: +∞ in Float16
        Assert.That(evidence.isinf().any().item<bool>(), Is.True, "the premise: exp(15) overflows Float16");

        var e = Rejected(() => UL.EvidentialLoss(evidence, Target4()), "evidence");
        Assert.That(e.Message, Does.StartWith("Expected finite evidence, but received +Infinity: exp overflows Float16"));
        Assert.That(e.Message, Does.Contain("use a clamp of at most 11"));
        Assert.That(e.Message, Does.Contain("logits.to(ScalarType.Float32)"));

        // The hint is right: clamp 11 is finite in Float16, and clamp 20 is finite in Float32.
        Assert.That(() => UL.EvidentialLoss(UL.ClampedExp(Logits43(ScalarType.Float16), clamp: 11), Target4()), Throws.Nothing);
        Assert.That(() => UL.EvidentialLoss(UL.ClampedExp(Logits43(ScalarType.Float32), clamp: 20), Target4()), Throws.Nothing);
    }

    [Test]
    public void Float16ModuleWithClamp20_HintIsRestatedAgainstInput()
    {
        using var scope = NewDisposeScope();
        var e = Rejected(() => new EvidentialLossModule(clamp: 20).forward(Logits43(ScalarType.Float16), Target4()), "input");
        Assert.That(e.Message, Does.Contain("use a clamp of at most 11 (UL.ClampedExp's clamp, or the loss module's clamp option)"));
    }

    [Test]
    public void Float16AlphaOverflowing_HintsAtClamp11()
    {
        using var scope = NewDisposeScope();
        var alpha = UL.ClampedExp(Logits43(ScalarType.Float16), clamp: 20);
        var e = Rejected(() => UL.BeliefMatchingLoss(alpha, Target4()), "alpha");
        Assert.That(e.Message, Does.Contain("use a clamp of at most 11"));
        Assert.That(e.Message, Does.Contain("compute the alpha in Float32"));
    }

    [Test]
    public void Float32EvidenceOverflowingAfterClampedExp100_HintsAtClamp88()
    {
        using var scope = NewDisposeScope();
        var logits = Logits43(ScalarType.Float32);
        logits[0, 2] = tensor(95f);
        var evidence = UL.ClampedExp(logits, clamp: 100);     // e^95 > 3.4e38: +∞ in Float32
        foreach (var fused in new[] { true, false })
        {
            using var path = UL.KernelScope(fused);
            var e = Rejected(() => UL.EvidentialLoss(evidence, Target4()), "evidence");
            Assert.That(e.Message, Does.Contain("with a clamp of at most 88 to keep Float32 evidence finite"), fused ? "fused path" : "composed path");
        }
    }
}
