using System.IO;
using UncertaintyLoss.Tests.Regression;

namespace UncertaintyLoss.Tests.Wrappers;

[TestFixture]
public sealed class SculptWrapperTests
{
    private static SculptWrapper Wrapped(long seed, int nLayers = 2, double dropout = 0.0)
    {
        manual_seed(seed);
        return new SculptWrapper(WrapperKit.Mlp(3, 2, dropout), Sculpt.Normal, nLayers);
    }

    private static Tensor Input(long seed, long n = 5)
    {
        using var g = new Generator((ulong)seed);
        return randn(new long[] { n, 3 }, generator: g);
    }

    // ---- arguments ------------------------------------------------------------------------------------------------

    [Test]
    public void Constructor_NullModel_ThrowsArgumentNullException()
    {
        var ex = Assert.Throws<ArgumentNullException>(() => _ = new SculptWrapper(null!, Sculpt.Normal));
        Assert.That(ex!.ParamName, Is.EqualTo("model"));
    }

    [Test]
    public void Constructor_NullDistribution_ThrowsArgumentNullException()
    {
        using var model = WrapperKit.Mlp(3, 2);
        var ex = Assert.Throws<ArgumentNullException>(() => _ = new SculptWrapper(model, null!));
        Assert.That(ex!.ParamName, Is.EqualTo("distribution"));
    }

    [TestCase(0)]
    [TestCase(-1)]
    public void Constructor_NLayersBelowOne_ThrowsBeforeAnyNativeCall(int nLayers)
    {
        using var model = WrapperKit.Mlp(3, 2);
        long before = WrapperKit.Live;
        int parameters = model.parameters().Count();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new SculptWrapper(model, Sculpt.Normal, nLayers));
        Assert.That(ex!.ParamName, Is.EqualTo("nLayers"));
        Assert.That(WrapperKit.Live, Is.EqualTo(before), "no tensor was created");
        Assert.That(model.parameters().Count(), Is.EqualTo(parameters));
    }

    [Test]
    public void Constructor_OutputWidthOrHiddenWidthBelowOne_ThrowsArgumentOutOfRange()
    {
        using var model = WrapperKit.Mlp(3, 2);
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new SculptWrapper(model, Sculpt.Normal, outputWidth: 0))!.ParamName, Is.EqualTo("outputWidth"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new SculptWrapper(model, Sculpt.Normal, hiddenWidth: 0))!.ParamName, Is.EqualTo("hiddenWidth"));
    }

    [Test]
    public void Constructor_NoFindableFinalLayerAndNoWidth_ThrowsArgumentException()
    {
        using var opaque = new WrapperKit.Opaque(3, 2);
        var ex = Assert.Throws<ArgumentException>(() => _ = new SculptWrapper(opaque, Sculpt.Normal));
        Assert.That(ex!.ParamName, Is.EqualTo("outputWidth"));
        Assert.That(ex.Message, Does.Contain("final layer cannot be found"));

        using var endsInTanh = nn.Sequential(("fc", nn.Linear(3, 2)), ("act", nn.Tanh()));
        Assert.Throws<ArgumentException>(() => _ = new SculptWrapper(endsInTanh, Sculpt.Normal));
    }

    [Test]
    public void Constructor_OutputWidthDiffersFromFinalLayer_ThrowsArgumentException()
    {
        using var model = WrapperKit.Mlp(3, 2);
        var ex = Assert.Throws<ArgumentException>(() => _ = new SculptWrapper(model, Sculpt.Normal, outputWidth: 3));
        Assert.That(ex!.ParamName, Is.EqualTo("outputWidth"));
        Assert.That(ex.Message, Does.Contain("2").And.Contain("3"));
    }

    [Test]
    public void Forward_NullInput_ThrowsArgumentNullException()
    {
        using var wrapped = Wrapped(1);
        Assert.Throws<ArgumentNullException>(() => wrapped.forward(null!));
        Assert.Throws<ArgumentNullException>(() => wrapped.ForwardWithRisk(null!));
    }

    // ---- structure --------------------------------------------------------------------------------------------------

    [Test]
    public void Constructor_SequentialEndingInLinear_HeadOnFeaturesWithParametersAtConstruction()
    {
        manual_seed(3);
        var model = WrapperKit.Mlp(3, 2);
        int modelParameters = model.parameters().Count();
        using var wrapped = new SculptWrapper(model, Sculpt.Laplace, nLayers: 3);
        Assert.That(wrapped.HeadOnFeatures, Is.True);
        Assert.That(wrapped.OutputWidth, Is.EqualTo(2));
        Assert.That(wrapped.NLayers, Is.EqualTo(3));
        Assert.That(wrapped.Distribution, Is.SameAs(Sculpt.Laplace));
        var head = wrapped.RiskHead.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        // 16 features feed the final layer: 16 → 16 → 16 → 2.
        Assert.That(head["fc1.weight"], Is.EqualTo(new long[] { 16, 16 }));
        Assert.That(head["fc2.weight"], Is.EqualTo(new long[] { 16, 16 }));
        Assert.That(head["fc3.weight"], Is.EqualTo(new long[] { 2, 16 }));
        Assert.That(head, Has.Count.EqualTo(6));
        Assert.That(wrapped.parameters().Count(), Is.EqualTo(modelParameters + 6), "the head's parameters exist before any call");
        Assert.That(wrapped.state_dict().Keys, Has.Member("model.fc2.weight").And.Member("risk_head.fc3.bias"));
    }

    [Test]
    public void Constructor_OpaqueModelWithOutputWidth_HeadOnOutput()
    {
        manual_seed(4);
        using var wrapped = new SculptWrapper(new WrapperKit.Opaque(3, 2), Sculpt.Normal, nLayers: 1, outputWidth: 2);
        Assert.That(wrapped.HeadOnFeatures, Is.False);
        var head = wrapped.RiskHead.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.That(head["fc1.weight"], Is.EqualTo(new long[] { 2, 2 }));
        Assert.That(head, Has.Count.EqualTo(2));
        using var x = Input(5);
        var (prediction, risk) = wrapped.ForwardWithRisk(x);
        Assert.That(risk.shape, Is.EqualTo(prediction.shape));
        Assert.That(risk.min().item<float>(), Is.GreaterThan(0f));

        // Risk = softplus(W·yHat + b) + 1e-6, computed here in double from the parameters.
        var w = Tensors.ToDoubles(HeadParameter(wrapped, "fc1.weight"));
        var b = Tensors.ToDoubles(HeadParameter(wrapped, "fc1.bias"));
        var yHat = Tensors.ToDoubles(prediction);
        var actual = Tensors.ToDoubles(risk);
        for (int n = 0; n < 5; n++)
        {
            for (int j = 0; j < 2; j++)
            {
                double raw = b[j] + w[2 * j] * yHat[2 * n] + w[2 * j + 1] * yHat[2 * n + 1];
                double expected = Math.Log(1 + Math.Exp(raw)) + 1e-6;
                Assert.That(actual[2 * n + j], Is.EqualTo(expected).Within(1e-5));
            }
        }
    }

    [Test]
    public void ForwardWithRisk_OpaqueModelOfWrongWidth_ThrowsArgumentException()
    {
        using var wrapped = new SculptWrapper(new WrapperKit.Opaque(3, 2), Sculpt.Normal, nLayers: 1, outputWidth: 4);
        using var x = Input(5);
        var ex = Assert.Throws<ArgumentException>(() => wrapped.ForwardWithRisk(x));
        Assert.That(ex!.Message, Does.Contain("outputWidth = 4").And.Contain("[5, 2]"));
    }

    private static Tensor HeadParameter(SculptWrapper wrapped, string name) =>
        wrapped.RiskHead.named_parameters().Single(p => p.name == name).parameter.detach();

    [Test]
    public void Forward_SequentialModel_ReturnsTheModelsPredictionBitForBit()
    {
        using var wrapped = Wrapped(6);
        using var x = Input(7);
        using var expected = wrapped.Model.forward(x);
        using var actual = wrapped.forward(x);
        WrapperKit.AssertIdentical(actual, expected, "forward");
        var (prediction, risk) = wrapped.ForwardWithRisk(x);
        WrapperKit.AssertIdentical(prediction, expected, "ForwardWithRisk's prediction");
        Assert.That(risk.shape, Is.EqualTo(new long[] { 5, 2 }));
        Assert.That(risk.min().item<float>(), Is.GreaterThan(0f));
        prediction.Dispose();
        risk.Dispose();
    }

    [Test]
    public void ForwardWithRisk_HeadOnFeatures_EqualsHeadOfTheFeaturesBeforeTheFinalLayer()
    {
        using var wrapped = Wrapped(8, nLayers: 1);
        using var x = Input(9);
        using var scope = NewDisposeScope();
        var model = (TorchSharp.Modules.Sequential)wrapped.Model;
        var layers = model.named_children().Select(c => (nn.Module<Tensor, Tensor>)c.module).ToArray();
        var features = x;
        foreach (var layer in layers.Take(layers.Length - 1))
            features = layer.forward(features);
        var expected = nn.functional.softplus(wrapped.RiskHead.forward(features)) + 1e-6;
        var (_, risk) = wrapped.ForwardWithRisk(x);
        Assert.That(risk.allclose(expected, rtol: 1e-6, atol: 1e-7), Is.True);
    }

    // ---- training -------------------------------------------------------------------------------------------------

    /// <summary>
    /// The existing heteroscedastic problem (HeteroscedasticTrainingTests): y = sin x + (0.05 + 0.3|x|)·z. An MLP
    /// 1 → 32 → 32 → 1 wrapped with a 2-layer head, trained with mse(yHat, y) + Normal.LossFunction(y, yHat, yRisk):
    /// yRisk ranks the grid as the true noise does.
    /// </summary>
    [Test]
    public void Training_HeteroscedasticData_RiskRanksAsTrueNoise()
    {
        var (xs, ys) = HeteroscedasticTrainingTests.Data();
        using var outer = NewDisposeScope();
        var x = tensor(xs, new long[] { xs.Length, 1 });
        var y = tensor(ys, new long[] { ys.Length, 1 });
        using var wrapped = new SculptWrapper(HeteroscedasticTrainingTests.Model(1, 1234), Sculpt.Normal, nLayers: 2);
        using var optimizer = optim.Adam(wrapped.parameters(), lr: 1e-2);
        double first = 0, last = 0;
        for (int step = 0; step < 300; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var (yHat, yRisk) = wrapped.ForwardWithRisk(x);
            var loss = nn.functional.mse_loss(yHat, y) + wrapped.Distribution.LossFunction(y, yHat, yRisk);
            loss.backward();
            optimizer.step();
            if (step == 0)
                first = loss.item<float>();
            last = loss.item<float>();
        }

        double[] grid = HeteroscedasticTrainingTests.Grid();
        wrapped.eval();
        using var noGrad = no_grad();
        var gx = tensor(grid.Select(v => (float)v).ToArray(), new long[] { grid.Length, 1 });
        var (p, r) = wrapped.ForwardWithRisk(gx);
        var risk = Tensors.ToDoubles(r);
        var prediction = Tensors.ToDoubles(p);
        double spearman = RegressionReference.Spearman(risk, grid.Select(HeteroscedasticTrainingTests.NoiseStd).ToArray());
        double rmse = Math.Sqrt(grid.Select((g, i) => Math.Pow(prediction[i] - Math.Sin(g), 2)).Average());
        TestContext.Out.WriteLine($"loss {first:G4} → {last:G4}, Spearman {spearman:F4}, RMSE {rmse:G3}, risk [{risk.Min():G3}, {risk.Max():G3}]");
        Assert.That(last, Is.LessThan(first - 0.2));
        Assert.That(rmse, Is.LessThan(0.25));
        Assert.That(spearman, Is.GreaterThan(0.8));
    }

    /// <summary>The seed's second style, loss = mse(Sample(ForwardWithRisk(x)), y): gradients reach the risk head.</summary>
    [Test]
    public void Training_SampledStyle_GradientsReachTheRiskHead()
    {
        using var wrapped = Wrapped(10);
        using var scope = NewDisposeScope();
        var x = Input(11, 8);
        var y = zeros(8, 2);
        var sample = wrapped.Distribution.Sample(wrapped.ForwardWithRisk(x), new Generator(12));
        nn.functional.mse_loss(sample, y).backward();
        foreach (var (name, parameter) in wrapped.named_parameters())
        {
            Assert.That(parameter.grad, Is.Not.Null, name);
            Assert.That(parameter.grad!.abs().sum().item<float>(), Is.GreaterThan(0f), name);
        }
    }

    // ---- save / load, modes, devices --------------------------------------------------------------------------------

    [TestCase(true)]
    [TestCase(false)]
    public void SaveLoad_FreshlyWrappedModel_RestoresPredictionsAndRisksBitForBit(bool headOnFeatures)
    {
        SculptWrapper Build(long seed)
        {
            manual_seed(seed);
            return headOnFeatures
                ? new SculptWrapper(WrapperKit.Mlp(3, 2), Sculpt.Normal, nLayers: 2)
                : new SculptWrapper(new WrapperKit.Opaque(3, 2), Sculpt.Normal, nLayers: 2, outputWidth: 2);
        }

        var path = WrapperKit.TempFile();
        try
        {
            using var scope = NewDisposeScope();
            using var original = Build(20);
            var x = Input(21, 16);
            using (var optimizer = optim.Adam(original.parameters(), lr: 1e-2))
            {
                for (int i = 0; i < 5; i++)
                {
                    using var step = NewDisposeScope();
                    optimizer.zero_grad();
                    var (yHat, yRisk) = original.ForwardWithRisk(x);
                    Sculpt.Normal.LossFunction(zeros(16, 2), yHat, yRisk).backward();
                    optimizer.step();
                }
            }

            original.eval();
            var (p0, r0) = original.ForwardWithRisk(x);
            original.save(path);

            using var restored = Build(99);
            restored.eval();
            var (pBefore, _) = restored.ForwardWithRisk(x);
            Assert.That(WrapperKit.Same(pBefore, p0), Is.False, "a different seed gives a different model before loading");
            restored.load(path);
            WrapperKit.AssertSameState(original, restored);
            var (p1, r1) = restored.ForwardWithRisk(x);
            WrapperKit.AssertIdentical(p1, p0, "prediction");
            WrapperKit.AssertIdentical(r1, r0, "risk");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void StateDict_LoadIntoFreshWrapper_RoundTripsExactly()
    {
        using var a = Wrapped(30);
        using var b = Wrapped(31);
        b.load_state_dict(a.state_dict());
        WrapperKit.AssertSameState(a, b);
    }

    [Test]
    public void TrainEval_DropoutInTheModel_BehavesAsTheWrappedModel()
    {
        using var wrapped = Wrapped(40, dropout: 0.5);
        using var scope = NewDisposeScope();
        var x = Input(41, 32);
        wrapped.train();
        Assert.That(wrapped.Model.training && wrapped.RiskHead.training, Is.True);
        Assert.That(WrapperKit.Same(wrapped.forward(x), wrapped.forward(x)), Is.False, "dropout is active in training mode");
        wrapped.eval();
        Assert.That(wrapped.Model.training || wrapped.RiskHead.training, Is.False);
        var (p1, r1) = wrapped.ForwardWithRisk(x);
        var (p2, r2) = wrapped.ForwardWithRisk(x);
        WrapperKit.AssertIdentical(p2, p1, "eval prediction");
        WrapperKit.AssertIdentical(r2, r1, "eval risk");
        WrapperKit.AssertIdentical(p1, wrapped.Model.forward(x), "eval prediction equals the model's");
    }

    [Test]
    public void To_Float64_MovesTheModelAndTheHead()
    {
        using var wrapped = Wrapped(50);
        wrapped.to(ScalarType.Float64);
        Assert.That(wrapped.parameters().Select(p => p.dtype), Is.All.EqualTo(ScalarType.Float64));
        using var scope = NewDisposeScope();
        var (p, r) = wrapped.ForwardWithRisk(Input(51).to(ScalarType.Float64));
        Assert.That(p.dtype, Is.EqualTo(ScalarType.Float64));
        Assert.That(r.dtype, Is.EqualTo(ScalarType.Float64));
    }

    [Test]
    public void Constructor_Float64Model_HeadTakesTheFinalLayersDtype()
    {
        manual_seed(52);
        var model = WrapperKit.Mlp(3, 2);
        model.to(ScalarType.Float64);
        using var wrapped = new SculptWrapper(model, Sculpt.Normal);
        Assert.That(wrapped.RiskHead.parameters().Select(p => p.dtype), Is.All.EqualTo(ScalarType.Float64));
    }

    [Test]
    public void Cuda_ToDevice_PredictionsAndRisksMatchTheCpu()
    {
        Requires.Cuda();
        using var wrapped = Wrapped(60);
        wrapped.eval();
        using var scope = NewDisposeScope();
        var x = Input(61);
        var (p0, r0) = wrapped.ForwardWithRisk(x);
        wrapped.to(CUDA);
        Assert.That(wrapped.parameters().Select(p => p.device_type), Is.All.EqualTo(DeviceType.CUDA));
        var (p1, r1) = wrapped.ForwardWithRisk(x.cuda());
        Assert.That(p1.device_type, Is.EqualTo(DeviceType.CUDA));
        Assert.That(p1.cpu().allclose(p0, rtol: 1e-4, atol: 1e-5), Is.True);
        Assert.That(r1.cpu().allclose(r0, rtol: 1e-4, atol: 1e-5), Is.True);
    }

    [Test]
    public void Cuda_ModelOnDevice_HeadCreatedOnTheFinalLayersDevice()
    {
        Requires.Cuda();
        manual_seed(62);
        var model = WrapperKit.Mlp(3, 2);
        model.to(CUDA);
        using var wrapped = new SculptWrapper(model, Sculpt.Normal);
        Assert.That(wrapped.RiskHead.parameters().Select(p => p.device_type), Is.All.EqualTo(DeviceType.CUDA));
    }

    // ---- memory -----------------------------------------------------------------------------------------------------

    [TestCase(true)]
    [TestCase(false)]
    public void Memory_ForwardAndForwardWithRisk_LeaveOnlyTheirResults(bool requiresGrad)
    {
        using var wrapped = Wrapped(70);
        var x = Input(71);
        try
        {
            using var grad = requiresGrad ? null : no_grad();
            long before = WrapperKit.Live;
            var prediction = wrapped.forward(x);
            Assert.That(WrapperKit.Live, Is.EqualTo(before + 1), "forward leaves only its result");
            prediction.Dispose();
            var (p, r) = wrapped.ForwardWithRisk(x);
            Assert.That(WrapperKit.Live, Is.EqualTo(before + 2), "ForwardWithRisk leaves only its two results");
            Assert.That(p.requires_grad && r.requires_grad, Is.EqualTo(requiresGrad));
            p.Dispose();
            r.Dispose();
            Assert.That(WrapperKit.Live, Is.EqualTo(before));
            Assert.That(x.IsInvalid, Is.False, "the input is not disposed");
        }
        finally
        {
            x.Dispose();
        }
    }

    [Test]
    public void Memory_ResultsJoinTheCallersScope()
    {
        using var wrapped = Wrapped(72);
        long before = WrapperKit.Live;
        using (var scope = NewDisposeScope())
        {
            var x = Input(73);
            int count = scope.DisposablesCount;
            var (p, r) = wrapped.ForwardWithRisk(x);
            Assert.That(scope.DisposablesCount, Is.EqualTo(count + 2));
            Assert.That(scope.Contains(p) && scope.Contains(r), Is.True);
        }

        Assert.That(WrapperKit.Live, Is.EqualTo(before));
    }
}
