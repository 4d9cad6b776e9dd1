using UncertaintyLoss.Tests.ModuleTesting;

namespace UncertaintyLoss.Tests;

/// <summary>
/// Tests shared by <see cref="EvidentialLossModule"/> and <see cref="MaxNormLossModule"/>: every result is compared
/// with the functional form (<see cref="UL.EvidentialLoss"/> / <see cref="UL.MaxNormLoss"/> on hand-applied evidence
/// activations), never with the module itself.
/// </summary>
public abstract class LossModuleTestsBase
{
    /// <summary>The module the derived fixture tests.</summary>
    protected abstract LossKind Kind { get; }

    /// <summary>The module with the shared options (the kind-specific ones at their defaults).</summary>
    protected abstract DirichletLossModule Create(double regFactor = 0.0, Reduction reduction = Reduction.Mean, Tensor? weight = null,
        long ignoreIndex = -100, EvidenceActivation activation = EvidenceActivation.Exp, IRegFactorSchedule? schedule = null,
        double clamp = 10.0);

    /// <summary>A fixed case for the explicit tests: (5, 4) Float64 logits in [−15, 15], class-index target, the kind's defaults.</summary>
    protected static ModuleCase FixedCase(Reduction reduction = Reduction.Mean, EvidenceActivation activation = EvidenceActivation.Exp,
        ScalarType dtype = ScalarType.Float64, bool probability = false, double regFactor = 0.0, bool weighted = false, int ignoreChoice = 0) =>
        ModuleKit.Build(dtype, new long[] { 5, 4 }, probability, reduction, regFactor, activation, 10.0, weighted, ignoreChoice, 4,
            FisherAlphaSum.All, 1234);

    private Tensor Functional(ModuleCase c, Tensor logits, Tensor target, double lambda, Tensor? weight = null) =>
        ModuleKit.Functional(Kind, c, logits, target, weight, lambda);

    private static double Scalar(Tensor t) => t.to(ScalarType.Float64).item<double>();

    // ---------------------------------------------------------------- module == functional

    /// <summary>
    /// The module's forward is the functional call on the activated logits, so a random search over cases would compare the
    /// code with itself (issue 13 removed the 250-case properties). One explicit case per evidence activation (and the two
    /// clamp settings the module passes on) checks the plumbing: output and gradient identical.
    /// </summary>
    [TestCase(ScalarType.Float32, new long[] { 6, 3 }, false, Reduction.Mean, 0.0, EvidenceActivation.Exp, 10.0, false, 0)]
    [TestCase(ScalarType.Float64, new long[] { 2, 4, 3, 2 }, true, Reduction.None, 0.7, EvidenceActivation.Softplus, 10.0, false, 0)]
    [TestCase(ScalarType.Float32, new long[] { 3, 5, 4 }, false, Reduction.Sum, 1.0, EvidenceActivation.Relu, 10.0, true, 1)]
    [TestCase(ScalarType.Float64, new long[] { 7, 2 }, false, Reduction.Mean, 0.3, EvidenceActivation.None, 10.0, true, 2)]
    [TestCase(ScalarType.Float64, new long[] { 4, 3, 2, 2 }, false, Reduction.Mean, 1.5, EvidenceActivation.Exp, 3.5, true, 1)]
    [TestCase(ScalarType.Float32, new long[] { 4, 3, 2 }, true, Reduction.Sum, 0.25, EvidenceActivation.Exp, 0.0, false, 0)]
    public void Forward_ExplicitCase_EqualsFunctionalExactlyWithIdenticalGradient(ScalarType dtype, long[] shape, bool probability,
        Reduction reduction, double regFactor, EvidenceActivation activation, double clamp, bool weighted, int ignoreChoice)
    {
        var c = ModuleKit.Build(dtype, shape, probability, reduction, regFactor, activation, clamp, weighted, ignoreChoice, 4, FisherAlphaSum.All, 99);
        Assert.That(ModuleKit.CompareWithFunctional(Kind, c), Is.Null);
    }

    /// <summary>The comparison can fail: a functional call with another λ, activation or reduction is told apart.</summary>
    [Test]
    public void Forward_FunctionalWithOtherOptions_IsToldApart()
    {
        using var scope = NewDisposeScope();
        var c = FixedCase(regFactor: 0.5);
        var module = ModuleKit.Module(Kind, c, null);
        var x = c.LogitsTensor();
        var y = c.TargetTensor();
        var got = module.forward(x, y);
        Assert.That(ModuleKit.CompareExactly("output", got, Functional(c, x, y, 0.5)), Is.Null);
        Assert.That(ModuleKit.CompareExactly("output", got, Functional(c, x, y, 0.5 + 1e-3)), Is.Not.Null, "another λ");
        Assert.That(ModuleKit.CompareExactly("output", got, Functional(FixedCase(regFactor: 0.5, activation: EvidenceActivation.Softplus), x, y, 0.5)), Is.Not.Null, "another activation");
        Assert.That(ModuleKit.CompareExactly("output", got, Functional(FixedCase(Reduction.Sum, regFactor: 0.5), x, y, 0.5)), Is.Not.Null, "another reduction");
    }

    // ---------------------------------------------------------------- schedules and RegFactor

    /// <summary>Each forward uses the schedule's current value (not RegFactor); forward never steps; StepSchedule steps once and returns the new value.</summary>
    [Test]
    public void Forward_WithLinearSchedule_UsesScheduleValueAtEachCallAndNeverSteps()
    {
        using var scope = NewDisposeScope();
        var c = FixedCase();
        var schedule = RegFactor.Linear(steps: 4, max: 2.0);
        var module = Create(regFactor: 0.25, schedule: schedule);
        var x = c.LogitsTensor();
        var y = c.TargetTensor();
        var losses = new double[7];
        for (int step = 0; step < 7; step++)
        {
            double lambda = Math.Min(step, 4) / 4.0 * 2.0;
            Assert.That(module.CurrentRegFactor, Is.EqualTo(lambda), $"step {step}");
            for (int repeat = 0; repeat < 2; repeat++)
            {
                var got = module.forward(x, y);
                Assert.That(ModuleKit.CompareExactly("output", got, Functional(c, x, y, lambda)), Is.Null, $"step {step}, call {repeat}");
                Assert.That(schedule.StepCount, Is.EqualTo(step), "forward must not step the schedule");
                losses[step] = Scalar(got);
            }

            double next = module.StepSchedule();
            Assert.That(schedule.StepCount, Is.EqualTo(step + 1), "StepSchedule steps the schedule exactly once");
            Assert.That(next, Is.EqualTo(Math.Min(step + 1, 4) / 4.0 * 2.0), "StepSchedule returns the new value");
        }

        Assert.That(losses[4], Is.GreaterThan(losses[0]), "λ must change the loss for the comparison to mean anything");
        Assert.That(losses[5], Is.EqualTo(losses[4]));
        Assert.That(module.ConstantRegFactor, Is.EqualTo(0.25), "the schedule does not overwrite ConstantRegFactor");
    }

    /// <summary>With a recording schedule: forward reads Value and never calls Step; StepSchedule calls Step once.</summary>
    [Test]
    public void Forward_WithRecordingSchedule_ReadsValueNeverStepsAndStepScheduleStepsOnce()
    {
        using var scope = NewDisposeScope();
        var c = FixedCase(Reduction.Sum);
        var spy = new SpySchedule(0.0, 0.75, 3.0);
        var module = Create(regFactor: 9.0, reduction: Reduction.Sum, schedule: spy);
        var x = c.LogitsTensor();
        var y = c.TargetTensor();
        for (int i = 0; i < 3; i++)
        {
            int reads = spy.ValueReads;
            var got = module.forward(x, y);
            Assert.That(spy.ValueReads, Is.GreaterThan(reads), "forward reads the schedule");
            Assert.That(ModuleKit.CompareExactly("output", got, Functional(c, x, y, 0.0)), Is.Null);
        }

        Assert.That(spy.StepCalls, Is.Zero, "forward must not step the schedule");
        Assert.That(module.StepSchedule(), Is.EqualTo(0.75));
        Assert.That(spy.StepCalls, Is.EqualTo(1));
        Assert.That(ModuleKit.CompareExactly("output", module.forward(x, y), Functional(c, x, y, 0.75)), Is.Null);
        Assert.That(module.StepSchedule(), Is.EqualTo(3.0));
        Assert.That(ModuleKit.CompareExactly("output", module.forward(x, y), Functional(c, x, y, 3.0)), Is.Null);
        Assert.That(spy.StepCalls, Is.EqualTo(2));
    }

    [Test]
    public void StepSchedule_WithoutSchedule_ReturnsRegFactor()
    {
        var module = Create(regFactor: 0.375);
        Assert.That(module.StepSchedule(), Is.EqualTo(0.375));
        Assert.That(module.CurrentRegFactor, Is.EqualTo(0.375));
        Assert.That(module.Schedule, Is.Null);
    }

    /// <summary>Without a schedule, a RegFactor set after construction is used by the next forward.</summary>
    [Test]
    public void RegFactor_SetWithoutSchedule_UsedByNextForward()
    {
        using var scope = NewDisposeScope();
        var c = FixedCase();
        var module = Create();
        var x = c.LogitsTensor();
        var y = c.TargetTensor();
        Assert.That(ModuleKit.CompareExactly("output", module.forward(x, y), Functional(c, x, y, 0.0)), Is.Null);
        module.ConstantRegFactor = 0.8;
        Assert.That(module.CurrentRegFactor, Is.EqualTo(0.8));
        var got = module.forward(x, y);
        Assert.That(ModuleKit.CompareExactly("output", got, Functional(c, x, y, 0.8)), Is.Null);
        Assert.That(ModuleKit.CompareExactly("output", got, Functional(c, x, y, 0.0)), Is.Not.Null, "λ = 0.8 must differ from λ = 0");
    }

    /// <summary>A schedule overrides RegFactor; removing it (Schedule = null) returns to RegFactor; setting one later is used.</summary>
    [Test]
    public void Schedule_SetAndCleared_OverridesRegFactorOnlyWhileSet()
    {
        using var scope = NewDisposeScope();
        var c = FixedCase();
        var module = Create(regFactor: 0.4);
        var x = c.LogitsTensor();
        var y = c.TargetTensor();
        module.Schedule = RegFactor.Constant(1.25);
        module.ConstantRegFactor = 0.6;
        Assert.That(module.CurrentRegFactor, Is.EqualTo(1.25));
        Assert.That(ModuleKit.CompareExactly("output", module.forward(x, y), Functional(c, x, y, 1.25)), Is.Null);
        module.Schedule = null;
        Assert.That(module.CurrentRegFactor, Is.EqualTo(0.6));
        Assert.That(ModuleKit.CompareExactly("output", module.forward(x, y), Functional(c, x, y, 0.6)), Is.Null);
    }

    [TestCase(-1.0)]
    [TestCase(-1e-300)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    [TestCase(double.NegativeInfinity)]
    public void RegFactor_SetOutOfRange_ThrowsArgumentOutOfRangeAndKeepsValue(double value)
    {
        var module = Create(regFactor: 0.5);
        ModuleKit.AssertThrows<ArgumentOutOfRangeException>(() => module.ConstantRegFactor = value, "value");
        Assert.That(module.ConstantRegFactor, Is.EqualTo(0.5));
        module.ConstantRegFactor = 0.0;
        Assert.That(module.ConstantRegFactor, Is.Zero, "0 is allowed");
    }

    // ---------------------------------------------------------------- TorchSharp integration

    /// <summary>Held in variables of TorchSharp's base types (as nn.CrossEntropyLoss is), forward and call give the functional result.</summary>
    [Test]
    public void Module_HeldAsTorchSharpBaseTypes_ForwardAndCallEqualFunctional()
    {
        using var scope = NewDisposeScope();
        var c = FixedCase(Reduction.Mean, regFactor: 0.3);
        var x = c.LogitsTensor();
        var y = c.TargetTensor();
        var want = Functional(c, x, y, 0.3);

        nn.Module<Tensor, Tensor, Tensor> asModule = Create(regFactor: 0.3);
        Loss<Tensor, Tensor, Tensor> asLoss = Create(regFactor: 0.3);
        WeightedLoss<Tensor, Tensor, Tensor> asWeighted = Create(regFactor: 0.3);
        Assert.That(ModuleKit.CompareExactly("Module.forward", asModule.forward(x, y), want), Is.Null);
        Assert.That(ModuleKit.CompareExactly("Module.call", asModule.call(x, y), want), Is.Null);
        Assert.That(ModuleKit.CompareExactly("Loss.forward", asLoss.forward(x, y), want), Is.Null);
        Assert.That(ModuleKit.CompareExactly("WeightedLoss.forward", asWeighted.forward(x, y), want), Is.Null);
    }

    /// <summary>A training step written against Loss&lt;Tensor, Tensor, Tensor&gt; runs with nn.CrossEntropyLoss and with the module.</summary>
    [Test]
    public void Module_InPlaceOfCrossEntropyLoss_SameCodeComputesEachLoss()
    {
        using var scope = NewDisposeScope();
        var c = FixedCase(regFactor: 0.2, dtype: ScalarType.Float32);
        var y = c.TargetTensor();
        Loss<Tensor, Tensor, Tensor>[] criteria = { nn.CrossEntropyLoss(), Create(regFactor: 0.2) };
        var grads = criteria.Select(criterion => LossAndGradient(criterion, c.LogitsTensor(), y)).ToArray();

        var xce = c.LogitsTensor(requiresGrad: true);
        var ce = nn.functional.cross_entropy(xce, y);
        ce.backward();
        var xul = c.LogitsTensor(requiresGrad: true);
        var ul = Functional(c, xul, y, 0.2);
        ul.backward();
        Assert.That(ModuleKit.CompareExactly("cross-entropy loss", grads[0].Loss, ce), Is.Null);
        Assert.That(ModuleKit.CompareExactly("cross-entropy gradient", grads[0].Grad, xce.grad!), Is.Null);
        Assert.That(ModuleKit.CompareExactly("module loss", grads[1].Loss, ul), Is.Null);
        Assert.That(ModuleKit.CompareExactly("module gradient", grads[1].Grad, xul.grad!), Is.Null);
    }

    private static (Tensor Loss, Tensor Grad) LossAndGradient(Loss<Tensor, Tensor, Tensor> criterion, Tensor logits, Tensor target)
    {
        logits.requires_grad_(true);
        var loss = criterion.call(logits, target);
        loss.backward();
        return (loss, logits.grad!);
    }

    [TestCase(Reduction.None)]
    [TestCase(Reduction.Mean)]
    [TestCase(Reduction.Sum)]
    public void Reduction_Property_ReflectsConstructorAndShapesOutput(Reduction reduction)
    {
        using var scope = NewDisposeScope();
        var module = Create(reduction: reduction);
        Assert.That(module.reduction, Is.EqualTo(reduction));
        var c = FixedCase(reduction);
        var x = c.LogitsTensor();
        var y = c.TargetTensor();
        Assert.That(ModuleKit.CompareExactly("output", module.forward(x, y), Functional(c, x, y, 0.0)), Is.Null);
    }

    /// <summary>weight is the very tensor given (or null); forward weights the positions as the functional form with that weight.</summary>
    [Test]
    public void Weight_Property_IsTheGivenTensorAndIsUsed()
    {
        using var scope = NewDisposeScope();
        var c = FixedCase(Reduction.Mean, weighted: true);
        var weight = c.WeightTensor()!;
        var module = Create(weight: weight);
        Assert.That(module.weight, Is.SameAs(weight));
        Assert.That(Create().weight, Is.Null);
        var x = c.LogitsTensor();
        var y = c.TargetTensor();
        var got = module.forward(x, y);
        Assert.That(ModuleKit.CompareExactly("output", got, Functional(c, x, y, 0.0, weight)), Is.Null);
        Assert.That(ModuleKit.CompareExactly("output", got, Functional(c, x, y, 0.0)), Is.Not.Null, "the weights must change the mean");
        Assert.That(weight.IsInvalid, Is.False);
    }

    /// <summary>The ignore index given to the constructor is used: the positions of that class drop out of the mean.</summary>
    [Test]
    public void IgnoreIndex_Constructor_IsUsedByForward()
    {
        using var scope = NewDisposeScope();
        var c = FixedCase(Reduction.Mean, ignoreChoice: 2);
        var module = Create(ignoreIndex: c.IgnoreIndex);
        Assert.That(module.IgnoreIndex, Is.EqualTo(c.IgnoreIndex));
        var x = c.LogitsTensor();
        var y = c.TargetTensor();
        Assume.That(c.Index!.Contains(c.IgnoreIndex), "the fixed case has ignored positions");
        var got = module.forward(x, y);
        Assert.That(ModuleKit.CompareExactly("output", got, Functional(c, x, y, 0.0)), Is.Null);
        var withoutIgnore = ModuleKit.Functional(Kind, FixedCase(Reduction.Mean), x, y, null, 0.0);
        Assert.That(ModuleKit.CompareExactly("output", got, withoutIgnore), Is.Not.Null, "ignoring a class must change the mean");
    }

    /// <summary>Like nn.CrossEntropyLoss, the loss adds no trainable parameters to an optimiser.</summary>
    [Test]
    public void Parameters_OfModule_AreEmpty()
    {
        using var scope = NewDisposeScope();
        var module = Create(weight: tensor(new[] { 1.0, 2.0, 3.0 }));
        Assert.That(module.parameters().Count(), Is.Zero);
    }

    [Test]
    public void Constructor_Defaults_MatchDocumentation()
    {
        var module = Create();
        Assert.Multiple(() =>
        {
            Assert.That(module.ConstantRegFactor, Is.Zero);
            Assert.That(module.reduction, Is.EqualTo(Reduction.Mean));
            Assert.That(module.weight, Is.Null);
            Assert.That(module.IgnoreIndex, Is.EqualTo(-100));
            Assert.That(module.Activation, Is.EqualTo(EvidenceActivation.Exp));
            Assert.That(module.Schedule, Is.Null);
            Assert.That(module.Clamp, Is.EqualTo(10.0));
            Assert.That(module.CurrentRegFactor, Is.Zero);
        });
    }

    [TestCase(EvidenceActivation.Softplus, 3.0)]
    [TestCase(EvidenceActivation.Relu, 10.0)]
    [TestCase(EvidenceActivation.None, 0.0)]
    public void Constructor_Options_AreExposed(EvidenceActivation activation, double clamp)
    {
        var schedule = RegFactor.Linear(10);
        var module = Create(regFactor: 0.9, ignoreIndex: 2, activation: activation, schedule: schedule, clamp: clamp);
        Assert.Multiple(() =>
        {
            Assert.That(module.ConstantRegFactor, Is.EqualTo(0.9));
            Assert.That(module.IgnoreIndex, Is.EqualTo(2));
            Assert.That(module.Activation, Is.EqualTo(activation));
            Assert.That(module.Schedule, Is.SameAs(schedule));
            Assert.That(module.Clamp, Is.EqualTo(clamp));
        });
    }

    // ---------------------------------------------------------------- constructor validation

    [TestCase(-0.5)]
    [TestCase(-1e-300)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void Constructor_RegFactorOutOfRange_ThrowsArgumentOutOfRange(double regFactor) =>
        ModuleKit.AssertThrows<ArgumentOutOfRangeException>(() => Create(regFactor: regFactor), "regFactor");

    [TestCase(-1)]
    [TestCase(4)]
    [TestCase(100)]
    public void Constructor_UndefinedActivation_ThrowsArgumentOutOfRange(int activation) =>
        ModuleKit.AssertThrows<ArgumentOutOfRangeException>(() => Create(activation: (EvidenceActivation)activation), "activation");

    [TestCase(-1)]
    [TestCase(3)]
    [TestCase(42)]
    public void Constructor_UndefinedReduction_ThrowsArgumentOutOfRange(int reduction) =>
        ModuleKit.AssertThrows<ArgumentOutOfRangeException>(() => Create(reduction: (Reduction)reduction), "reduction");

    [TestCase(-1e-9)]
    [TestCase(-10.0)]
    [TestCase(double.NaN)]
    [TestCase(double.NegativeInfinity)]
    public void Constructor_ClampNegativeOrNaN_ThrowsArgumentOutOfRange(double clamp) =>
        ModuleKit.AssertThrows<ArgumentOutOfRangeException>(() => Create(clamp: clamp), "clamp");

    [Test]
    public void Constructor_IntegerWeight_ThrowsArgumentException()
    {
        using var scope = NewDisposeScope();
        var weight = tensor(new long[] { 1, 2, 3 });
        ModuleKit.AssertThrows<ArgumentException>(() => Create(weight: weight), "weight");
        Assert.That(weight.IsInvalid, Is.False, "a rejected weight is not disposed");
    }

    [Test]
    public void Constructor_TwoDimensionalWeight_ThrowsArgumentException()
    {
        using var scope = NewDisposeScope();
        var weight = ones(1, 3, dtype: ScalarType.Float32);
        ModuleKit.AssertThrows<ArgumentException>(() => Create(weight: weight), "weight");
    }

    [Test]
    public void Constructor_ScalarWeight_ThrowsArgumentException()
    {
        using var scope = NewDisposeScope();
        var weight = tensor(2.0);
        ModuleKit.AssertThrows<ArgumentException>(() => Create(weight: weight), "weight");
    }

    [Test]
    public void Constructor_DisposedWeight_ThrowsArgumentException()
    {
        var weight = ones(3, dtype: ScalarType.Float64);
        weight.Dispose();
        ModuleKit.AssertThrows<ArgumentException>(() => Create(weight: weight), "weight");
    }

    // ---------------------------------------------------------------- forward validation

    private static Tensor Logits(params long[] shape) => Tensors.FromDoubles(
        Enumerable.Range(0, (int)shape.Aggregate(1L, (a, b) => a * b)).Select(i => Math.Sin(i + 1.0) * 3).ToArray(), shape, ScalarType.Float32);

    [Test]
    public void Forward_Rank1Logits_ThrowsArgumentExceptionNamingInput()
    {
        using var scope = NewDisposeScope();
        var module = Create();
        ModuleKit.AssertThrows<ArgumentException>(() => module.forward(Logits(3), Tensors.FromLongs(new long[] { 1 }, new long[] { 1 })), "input");
        ModuleKit.AssertThrows<ArgumentException>(() => module.forward(tensor(1.5f), tensor(0L)), "input");
    }

    [Test]
    public void Forward_OneClass_ThrowsArgumentExceptionNamingInput()
    {
        using var scope = NewDisposeScope();
        ModuleKit.AssertThrows<ArgumentException>(() => Create().forward(Logits(4, 1), zeros(4, dtype: ScalarType.Int64)), "input");
    }

    [Test]
    public void Forward_IntegerOrDisposedLogits_ThrowsArgumentExceptionNamingInput()
    {
        using var scope = NewDisposeScope();
        var module = Create();
        var y = zeros(2, dtype: ScalarType.Int64);
        ModuleKit.AssertThrows<ArgumentException>(() => module.forward(ones(2, 3, dtype: ScalarType.Int64), y), "input");
        var disposed = Logits(2, 3);
        disposed.Dispose();
        ModuleKit.AssertThrows<ArgumentException>(() => module.forward(disposed, y), "input");
    }

    [Test]
    public void Forward_NullArguments_ThrowArgumentNull()
    {
        using var scope = NewDisposeScope();
        var module = Create();
        ModuleKit.AssertThrows<ArgumentNullException>(() => module.forward(null!, zeros(2, dtype: ScalarType.Int64)), "input");
        ModuleKit.AssertThrows<ArgumentNullException>(() => module.forward(Logits(2, 3), null!), "target");
    }

    [TestCase(new long[] { 4, 3 }, new long[] { 5 })]
    [TestCase(new long[] { 4, 3 }, new long[] { 4, 1 })]
    [TestCase(new long[] { 4, 3 }, new long[] { })]
    [TestCase(new long[] { 2, 3, 5 }, new long[] { 2, 4 })]
    [TestCase(new long[] { 2, 3, 2, 2 }, new long[] { 2, 2 })]
    public void Forward_IndexTargetOfWrongShape_ThrowsArgumentExceptionNamingTarget(long[] logitsShape, long[] targetShape)
    {
        using var scope = NewDisposeScope();
        var module = Create();
        ModuleKit.AssertThrows<ArgumentException>(() => module.forward(Logits(logitsShape), zeros(targetShape, dtype: ScalarType.Int64)), "target");
    }

    [Test]
    public void Forward_BadTargets_ThrowArgumentExceptionNamingTarget()
    {
        using var scope = NewDisposeScope();
        var module = Create();
        var x = Logits(4, 3);
        ModuleKit.AssertThrows<ArgumentException>(() => module.forward(x, full(new long[] { 4, 4 }, 0.25, dtype: ScalarType.Float32)), "target");
        ModuleKit.AssertThrows<ArgumentException>(() => module.forward(x, zeros(4, dtype: ScalarType.Float32)), "target");
        ModuleKit.AssertThrows<ArgumentException>(() => module.forward(x, zeros(4, dtype: ScalarType.Bool)), "target");
        ModuleKit.AssertThrows<ArgumentException>(() => module.forward(x, Tensors.FromLongs(new long[] { 0, 3, 1, 2 }, new long[] { 4 })), "target");
        ModuleKit.AssertThrows<ArgumentException>(() => module.forward(x, Tensors.FromLongs(new long[] { 0, -1, 1, 2 }, new long[] { 4 })), "target");
        ModuleKit.AssertThrows<ArgumentException>(() => module.forward(x, full(new long[] { 4, 3 }, 1.5, dtype: ScalarType.Float32)), "target");
    }

    [Test]
    public void Forward_WeightForOtherClassCount_ThrowsArgumentExceptionNamingWeight()
    {
        using var scope = NewDisposeScope();
        var module = Create(weight: ones(3, dtype: ScalarType.Float32));
        ModuleKit.AssertThrows<ArgumentException>(() => module.forward(Logits(2, 4), zeros(2, dtype: ScalarType.Int64)), "weight");
    }

    [Test]
    public void Forward_ProbabilityTargetWithWeightOrIgnoreIndex_ThrowsArgumentException()
    {
        using var scope = NewDisposeScope();
        var x = Logits(2, 3);
        var probabilities = full(new long[] { 2, 3 }, 1 / 3.0, dtype: ScalarType.Float32);
        ModuleKit.AssertThrows<ArgumentException>(() => Create(weight: ones(3, dtype: ScalarType.Float32)).forward(x, probabilities), "weight");
        ModuleKit.AssertThrows<ArgumentException>(() => Create(ignoreIndex: 0).forward(x, probabilities), "ignoreIndex");
    }

    /// <summary>
    /// Input whose evidence is invalid (negative with activation None, +∞ with Softplus or Relu) is rejected by
    /// validation, not by libtorch, naming forward's parameter <c>input</c>.
    /// </summary>
    [TestCase(EvidenceActivation.None, -0.5)]
    [TestCase(EvidenceActivation.Softplus, double.PositiveInfinity)]
    [TestCase(EvidenceActivation.Relu, double.PositiveInfinity)]
    public void Forward_InputGivingInvalidEvidence_ThrowsArgumentExceptionNamingInput(EvidenceActivation activation, double bad)
    {
        using var scope = NewDisposeScope();
        var module = Create(activation: activation);
        ModuleKit.AssertThrows<ArgumentException>(
            () => module.forward(Tensors.FromDoubles(new[] { 1.0, bad, 2.0, 0.0 }, new long[] { 2, 2 }), zeros(2, dtype: ScalarType.Int64)), "input");
    }

    /// <summary>With activation Exp, +∞ and −∞ logits are clamped: the loss is the functional one, finite.</summary>
    [Test]
    public void Forward_InfiniteLogitsWithExp_AreClampedLikeFunctional()
    {
        using var scope = NewDisposeScope();
        var x = Tensors.FromDoubles(new[] { double.PositiveInfinity, 0.0, double.NegativeInfinity, 1.0 }, new long[] { 2, 2 });
        var y = Tensors.FromLongs(new long[] { 0, 1 }, new long[] { 2 });
        var got = Create(regFactor: 1.0).forward(x, y);
        Assert.That(ModuleKit.CompareExactly("output", got, ModuleKit.Functional(Kind, FixedCase(regFactor: 1.0), x, y, null, 1.0)), Is.Null);
        Assert.That(double.IsFinite(Scalar(got)), Is.True);
    }

    // ---------------------------------------------------------------- memory

    /// <summary>Outside any scope, forward leaves exactly its result alive (and nothing once it is disposed); the inputs are unchanged.</summary>
    [Test]
    public void Forward_OutsideScope_LeavesOnlyItsResultAndInputsUntouched(
        [Values] EvidenceActivation activation, [Values] bool requiresGrad, [Values] bool probability)
    {
        var c = FixedCase(Reduction.None, activation, ScalarType.Float32, probability, regFactor: 0.5, weighted: !probability);
        var weight = c.WeightTensor();
        var x = c.LogitsTensor(requiresGrad);
        var y = c.TargetTensor();
        try
        {
            double[] xBefore = Tensors.ToDoubles(x), yBefore = Tensors.ToDoubles(y);
            foreach (var reduction in new[] { Reduction.None, Reduction.Mean, Reduction.Sum })
            {
                using var module = ModuleKit.Module(Kind, FixedCase(reduction, activation, ScalarType.Float32, probability, 0.5, !probability), weight);
                long before = ModuleKit.Live;
                var result = module.forward(x, y);
                Assert.That(ModuleKit.Live, Is.EqualTo(before + 1), $"{reduction}: only the result may be left alive");
                Assert.That(result.requires_grad, Is.EqualTo(requiresGrad));
                result.Dispose();
                Assert.That(ModuleKit.Live, Is.EqualTo(before), $"{reduction}: a tensor created by forward outlives it");
            }

            Assert.That(x.IsInvalid || y.IsInvalid, Is.False);
            Assert.That(Tensors.ToDoubles(x), Is.EqualTo(xBefore), "forward changed the input in place");
            Assert.That(Tensors.ToDoubles(y), Is.EqualTo(yBefore), "forward changed the target in place");
            Assert.That(x.requires_grad, Is.EqualTo(requiresGrad));
            Assert.That(weight is null || !weight.IsInvalid, Is.True, "disposing the module must not dispose the caller's weight");
        }
        finally
        {
            x.Dispose();
            y.Dispose();
            weight?.Dispose();
        }
    }

    /// <summary>Inside a caller's scope the result joins that scope only; nothing joins an outer scope; all is freed with the scope.</summary>
    [Test]
    public void Forward_InsideCallerScope_ResultJoinsThatScopeOnly([Values] EvidenceActivation activation)
    {
        long before = ModuleKit.Live;
        Tensor result, x, y;
        var c = FixedCase(Reduction.Mean, activation, regFactor: 1.0);
        using (var module = ModuleKit.Module(Kind, c, null))
        {
            using (var outer = NewDisposeScope())
            {
                using (var scope = NewDisposeScope())
                {
                    x = c.LogitsTensor(requiresGrad: true);
                    y = c.TargetTensor();
                    int count = scope.DisposablesCount, outerCount = outer.DisposablesCount;
                    result = module.forward(x, y);
                    Assert.That(scope.Contains(result), Is.True);
                    Assert.That(scope.DisposablesCount, Is.EqualTo(count + 1), "only the result may join the caller's scope");
                    Assert.That(outer.DisposablesCount, Is.EqualTo(outerCount), "nothing may join an outer scope");
                    Assert.That(x.IsInvalid || y.IsInvalid, Is.False);
                }

                Assert.That(result.IsInvalid && x.IsInvalid && y.IsInvalid, Is.True);
            }
        }

        Assert.That(ModuleKit.Live, Is.EqualTo(before), "nothing may stay alive after the caller's scope ends");
    }

    /// <summary>A rejected forward leaves no tensor alive, outside and inside a scope, and disposes none of its inputs.</summary>
    [TestCase("rank-1 input")]
    [TestCase("target shape")]
    [TestCase("index out of range")]
    [TestCase("negative evidence")]
    public void Forward_Rejected_LeavesNothingAlive(string why)
    {
        var module = Create(activation: why == "negative evidence" ? EvidenceActivation.None : EvidenceActivation.Exp);
        var x = why == "rank-1 input" ? Logits(3) : Logits(2, 3);
        var y = why switch
        {
            "target shape" => zeros(3, dtype: ScalarType.Int64),
            "index out of range" => Tensors.FromLongs(new long[] { 0, 3 }, new long[] { 2 }),
            _ => zeros(2, dtype: ScalarType.Int64),
        };
        try
        {
            long before = ModuleKit.Live;
            Assert.That(() => module.forward(x, y), Throws.InstanceOf<ArgumentException>());
            Assert.That(ModuleKit.Live, Is.EqualTo(before), "a rejected call leaves tensors alive");
            using (var scope = NewDisposeScope())
            {
                int count = scope.DisposablesCount;
                Assert.That(() => module.forward(x, y), Throws.InstanceOf<ArgumentException>());
                Assert.That(scope.DisposablesCount, Is.EqualTo(count));
            }

            Assert.That(ModuleKit.Live, Is.EqualTo(before));
            Assert.That(x.IsInvalid || y.IsInvalid, Is.False);
        }
        finally
        {
            module.Dispose();
            x.Dispose();
            y.Dispose();
        }
    }
}
