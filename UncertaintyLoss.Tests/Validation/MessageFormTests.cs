using UncertaintyLoss.Metrics;

namespace UncertaintyLoss.Tests.Validation;

/// <summary>
/// One message form for the whole library (issue 13): every <see cref="ArgumentException"/> it throws reads
/// "Expected …, but received …." (optionally with ": hint" before the period), names its argument, and is thrown by the
/// library's checks. One call per kind of mistake, across every family: classification, measures, activations, modules,
/// regression, Sculpt, metrics, schedules, wrappers.
/// </summary>
[TestFixture]
public sealed class MessageFormTests
{
    private static Tensor E43() => tensor(new float[] { 0f, 1f, 2f, 3f, 0.5f, 0f, 7f, 1f, 1f, 2f, 0f, 4f }, new long[] { 4, 3 });

    private static Tensor T4() => tensor(new long[] { 0, 2, 1, 2 });

    private static Tensor P43() => full(new long[] { 4, 3 }, 1 / 3f);

    private static Tensor Col(params double[] v) => tensor(v);

    private static Tensor With(Tensor t, long flat, double value)
    {
        using (no_grad())
            t.view(-1)[flat].fill_(value);
        return t;
    }

    private static Tensor Disposed()
    {
        var t = E43();
        t.Dispose();
        return t;
    }

    private static IEnumerable<TestCaseData> Mistakes()
    {
        var rows = new (string Name, string Param, Action Call)[]
        {
            // Classification: metadata.
            ("NullEvidence", "evidence", () => UL.EvidentialLoss(null!, T4())),
            ("DisposedEvidence", "evidence", () => UL.EvidentialLoss(Disposed(), T4())),
            ("Rank1Evidence", "evidence", () => UL.EvidentialLoss(Col(1, 2), T4())),
            ("IntegerEvidence", "evidence", () => UL.EvidentialLoss(ones(4, 3, ScalarType.Int64), T4())),
            ("OneClass", "evidence", () => UL.EvidentialLoss(ones(4, 1), zeros(4, ScalarType.Int64))),
            ("IndexTargetShape", "target", () => UL.EvidentialLoss(E43(), zeros(5, ScalarType.Int64))),
            ("FloatTargetWithIndexShape", "target", () => UL.EvidentialLoss(E43(), zeros(4))),
            ("ProbabilityTargetShape", "target", () => UL.EvidentialLoss(E43(), zeros(4, 2))),
            ("BoolTarget", "target", () => UL.EvidentialLoss(E43(), ones(4, ScalarType.Bool))),
            ("WeightShape", "weight", () => UL.EvidentialLoss(E43(), T4(), weight: ones(2))),
            ("IntegerWeight", "weight", () => UL.EvidentialLoss(E43(), T4(), weight: ones(3, ScalarType.Int64))),
            ("WeightWithProbabilities", "weight", () => UL.EvidentialLoss(E43(), P43(), weight: ones(3))),
            ("IgnoreIndexWithProbabilities", "ignoreIndex", () => UL.EvidentialLoss(E43(), P43(), ignoreIndex: 0)),
            // Classification: values (both kernel paths share these messages).
            ("NegativeEvidence", "evidence", () => UL.MaxNormLoss(With(E43(), 4, -0.5), T4())),
            ("InfiniteEvidence", "evidence", () => UL.DirichletMseLoss(With(E43(), 4, double.PositiveInfinity), T4())),
            ("EvidenceAboveMax", "evidence", () => UL.EvidentialLoss(With(E43().to(ScalarType.Float64), 4, 2e12), T4())),
            ("IndexOutOfRange", "target", () => UL.EvidentialLoss(E43(), tensor(new long[] { 0, 3, 1, 2 }))),
            ("ProbabilityOutOfRange", "target", () => UL.UniformDirichletKl(E43(), With(P43(), 2, 1.5))),
            ("NegativeWeight", "weight", () => UL.DirichletFisherRegularizer(E43(), T4(), weight: Col(1, -1, 1).to(ScalarType.Float32))),
            ("NegativeMeasureEvidence", "evidence", () => UL.Vacuity(With(E43(), 4, -0.5))),
            // Options.
            ("RegFactor", "regFactor", () => UL.EvidentialLoss(E43(), T4(), -1.0)),
            ("PNorm", "pNorm", () => UL.DirichletPNormLoss(E43(), T4(), 0)),
            ("Reduction", "reduction", () => UL.DirichletMseLoss(E43(), T4(), (Reduction)7)),
            ("FisherAlphaSum", "fisherAlphaSum", () => UL.MaxNormLoss(E43(), T4(), fisherAlphaSum: (FisherAlphaSum)9)),
            ("Clamp", "clamp", () => UL.ClampedExp(E43(), -1)),
            ("ClampedExpInteger", "x", () => UL.ClampedExp(ones(2, ScalarType.Int64))),
            ("Activation", "activation", () => UL.ToEvidence(E43(), (EvidenceActivation)9)),
            // Modules.
            ("ModuleClamp", "clamp", () => new EvidentialLossModule(clamp: double.NaN)),
            ("ModuleWeight", "weight", () => new MaxNormLossModule(weight: ones(3, ScalarType.Int64))),
            ("ModuleInputEvidence", "input", () => new EvidentialLossModule(activation: EvidenceActivation.None).forward(With(E43(), 4, -0.5), T4())),
            ("ModuleRegFactorSetter", "value", () => new EvidentialLossModule().ConstantRegFactor = double.NaN),
            // Regression and Sculpt.
            ("RegressionShape", "target", () => UL.BetaNll(rand(4, 1), rand(4, 1) + 1, rand(4))),
            ("RegressionDtype", "variance", () => UL.BetaNll(rand(4), ones(4, ScalarType.Int32), rand(4))),
            ("Beta", "beta", () => UL.BetaNll(rand(4), rand(4) + 1, rand(4), -1)),
            ("Variance", "variance", () => UL.BetaNll(rand(4), zeros(4), rand(4))),
            ("Alpha", "alpha", () => UL.EvidentialRegressionUncertainty(rand(4), ones(4), ones(4), ones(4))),
            ("NigDim", "dim", () => UL.NormalInverseGammaParameters(rand(2, 4), 5)),
            ("NigSize", "raw", () => UL.NormalInverseGammaParameters(rand(2, 3))),
            ("ScaleFloor", "floor", () => Sculpt.Scale(rand(3), -1)),
            ("Nu", "nu", () => Sculpt.StudentT(0)),
            ("InitialNu", "initialNu", () => Sculpt.LearnedStudentT(1e-4)),
            ("Coverage", "coverage", () => Sculpt.Normal.Interval(rand(3), rand(3) + 1, 1.5)),
            ("YRisk", "yRisk", () => Sculpt.Laplace.LossFunction(rand(3), rand(3), zeros(3))),
            // Metrics.
            ("MetricRank", "probabilities", () => ScoringRules.BrierScore(rand(4), T4())),
            ("MetricDtype", "probabilities", () => ScoringRules.BrierScore(ones(4, 3, ScalarType.Int64), T4())),
            ("MetricEmpty", "probabilities", () => ScoringRules.BrierScore(zeros(0, 3), zeros(0, ScalarType.Int64))),
            ("MetricClasses", "probabilities", () => ScoringRules.BrierScore(ones(4, 1), T4())),
            ("MetricTargetShape", "target", () => ScoringRules.BrierScore(P43(), zeros(5, ScalarType.Int64))),
            ("MetricTargetDtype", "target", () => ScoringRules.BrierScore(P43(), zeros(4))),
            ("MetricProbability", "probabilities", () => Calibration.ExpectedCalibrationError(With(P43(), 1, 1.5), T4())),
            ("MetricIndex", "target", () => ScoringRules.NegativeLogLikelihood(P43(), tensor(new long[] { 0, 3, 1, 2 }))),
            ("MetricBins", "bins", () => Calibration.ReliabilityDiagram(P43(), T4(), 0)),
            ("MetricEpsilon", "epsilon", () => ScoringRules.NegativeLogLikelihood(P43(), T4(), 0)),
            ("ScoreRank", "score", () => Ranking.Auroc(tensor(0.5), T4())),
            ("LabelShape", "label", () => Ranking.Auroc(rand(4), zeros(3, ScalarType.Int64))),
            ("LabelDtype", "label", () => Ranking.Auroc(rand(4), zeros(4))),
            ("ScoreNaN", "score", () => Ranking.Aupr(With(rand(4), 1, double.NaN), tensor(new long[] { 0, 1, 0, 1 }))),
            ("LabelValue", "label", () => Ranking.Aupr(rand(4), tensor(new long[] { 0, 2, 0, 1 }))),
            ("AurocOneClass", "label", () => Ranking.Auroc(rand(4), ones(4, ScalarType.Int64))),
            ("AuprNoPositive", "label", () => Ranking.Aupr(rand(4), zeros(4, ScalarType.Int64))),
            // Schedules.
            ("Steps", "steps", () => RegFactor.Linear(0)),
            ("AnnealingEpochs", "annealingEpochs", () => RegFactor.EdlAnnealing(0)),
            ("Max", "max", () => RegFactor.Cosine(10, double.PositiveInfinity)),
            ("ExponentialMax", "max", () => RegFactor.Exponential(10, 0)),
            ("ExponentialStart", "start", () => RegFactor.Exponential(10, 1, 2)),
            ("Stairs", "stairs", () => RegFactor.Staircase(10, 0)),
            ("Constant", "value", () => RegFactor.Constant(-1)),
            ("NullSchedule", "schedule", () => RegFactor.Delayed(null!, 1)),
            ("Delay", "delay", () => RegFactor.Linear(10).WithWarmup(-1)),
            ("StateJson", "json", () => RegFactorState.FromJson("{")),
            ("StateNull", "json", () => RegFactorState.FromJson("null")),
            ("StateOtherSchedule", "state", () => RegFactor.Linear(10).Restore(RegFactor.Cosine(10).GetState())),
            ("StateNegativeStep", "state", () => RegFactor.Linear(10).Restore(new RegFactorState(RegFactor.Linear(10).Description, -1))),
            // Wrappers.
            ("NullFactory", "factory", () => new VoteWrapper(null!, 2)),
            ("Voters", "nVoters", () => new VoteWrapper(() => nn.Linear(3, 2), 0)),
            ("FactoryNull", "factory", () => new VoteWrapper(() => null!, 2)),
            ("WrapperLayers", "nLayers", () => new SculptWrapper(nn.Linear(3, 2), Sculpt.Normal, 0)),
            ("WrapperOutputWidth", "outputWidth", () => new SculptWrapper(nn.Linear(3, 2), Sculpt.Normal)),
            ("WrapperInputShape", "input", () => new VoteWrapper(() => nn.Sequential(nn.Linear(3, 2)), 2).Votes(rand(4, 5))),
            ("WrapperLoad", "source", () => new VoteWrapper(() => nn.Linear(3, 2), 2).load_state_dict(new Dictionary<string, Tensor>())),
        };
        return rows.Select(r => new TestCaseData(r.Param, r.Call).SetArgDisplayNames(r.Name));
    }

    /// <summary>The mistake is reported by the library's checks, naming its argument, in the one message form.</summary>
    [TestCaseSource(nameof(Mistakes))]
    public void Mistake_IsReportedInTheOneMessageForm(string paramName, Action call)
    {
        using var scope = NewDisposeScope();
        var e = Assert.Catch<ArgumentException>(() => call())!;
        Assert.That(e.ParamName, Is.EqualTo(paramName), e.Message);
        Assert.That(e.TargetSite?.DeclaringType?.Namespace, Does.StartWith("UncertaintyLoss"), e.ToString());
        string message = e.Message.Split('\n')[0];
        string suffix = $" (Parameter '{paramName}')";
        Assert.That(message, Does.EndWith(suffix));
        message = message[..^suffix.Length];
        TestContext.Out.WriteLine(message);
        Assert.That(message, Does.StartWith("Expected "));
        Assert.That(message, Does.Contain(", but received "));
        Assert.That(message, Does.EndWith("."));
        Assert.That(message, Does.Not.EndWith(".."));
    }
}
