using System.IO;

namespace UncertaintyLoss.Tests.Wrappers;

[TestFixture]
public sealed class SampleWrapperTests
{
    /// <summary>MLP 3 → 16 → BatchNorm → tanh → dropout(p) → 4.</summary>
    private static nn.Module<Tensor, Tensor> Model(long seed, double dropout = 0.5)
    {
        manual_seed(seed);
        return nn.Sequential(("fc1", nn.Linear(3, 16)), ("bn", nn.BatchNorm1d(16)), ("act", nn.Tanh()), ("drop", nn.Dropout(dropout)),
            ("fc2", nn.Linear(16, 4)));
    }

    private static Tensor Input(long seed, long n = 6)
    {
        using var g = new Generator((ulong)seed);
        return randn(new long[] { n, 3 }, generator: g);
    }

    // ---- arguments ------------------------------------------------------------------------------------------------

    [Test]
    public void Constructor_BadArguments_ThrowNamingThem()
    {
        Assert.That(Assert.Throws<ArgumentNullException>(() => _ = new SampleWrapper(null!, 3))!.ParamName, Is.EqualTo("model"));
        using var model = Model(1);
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new SampleWrapper(model, 0))!.ParamName, Is.EqualTo("nSamples"));
    }

    [Test]
    public void Calls_NullOrWrongInput_ThrowNamingInput()
    {
        using var wrapped = new SampleWrapper(Model(2), 3);
        using var wrong = randn(5, 4);
        Assert.Throws<ArgumentNullException>(() => wrapped.forward(null!));
        Assert.Throws<ArgumentNullException>(() => wrapped.ForwardWithRisk(null!));
        Assert.Throws<ArgumentNullException>(() => wrapped.Classify(null!));
        Assert.Throws<ArgumentNullException>(() => wrapped.Samples(null!));
        Assert.That(Assert.Throws<ArgumentException>(() => wrapped.ForwardWithRisk(wrong))!.ParamName, Is.EqualTo("input"));
    }

    // ---- structure and values ---------------------------------------------------------------------------------------

    [Test]
    public void Constructor_FindsTheDropoutModulesAndRegistersTheModel()
    {
        using var wrapped = new SampleWrapper(nn.Sequential(("a", nn.Dropout(0.1)), ("inner", nn.Sequential(("fc", nn.Linear(3, 3)), ("d2", nn.Dropout2d(0.2))))), 4, seed: 7);
        Assert.That(wrapped.DropoutModules, Is.EqualTo(2));
        Assert.That(wrapped.NSamples, Is.EqualTo(4));
        Assert.That(wrapped.Seed, Is.EqualTo(7));
        Assert.That(wrapped.state_dict().Keys, Has.Member("model.inner.fc.weight"));
    }

    /// <summary>
    /// Samples differ (dropout is active) even after <c>eval()</c>, while BatchNorm is in evaluation mode: its running
    /// statistics do not move even when the wrapper is in training mode, and every module's mode is restored afterwards.
    /// </summary>
    [TestCase(true)]
    [TestCase(false)]
    public void Inference_DropoutActiveBatchNormNot_ModesRestored(bool trainMode)
    {
        using var wrapped = new SampleWrapper(Model(3), 5);
        wrapped.train(trainMode);
        using var scope = NewDisposeScope();
        var x = Input(4, 30);
        var model = (nn.Module)wrapped.Model;
        var bn = model.named_children().First(c => c.name == "bn").module;
        var runningMean = Tensors.ToDoubles(bn.named_buffers().First(b => b.name == "running_mean").buffer);
        var samples = wrapped.Samples(x);
        Assert.That(samples.shape, Is.EqualTo(new long[] { 5, 30, 4 }));
        Assert.That(WrapperKit.Same(samples[0], samples[1]), Is.False, "dropout is active: the samples differ");
        Assert.That(Tensors.ToDoubles(bn.named_buffers().First(b => b.name == "running_mean").buffer), Is.EqualTo(runningMean), "BatchNorm does not update");
        Assert.That(model.modules().Prepend(model).Select(m => m.training), Is.All.EqualTo(trainMode), "modes restored");
        Assert.That(wrapped.training, Is.EqualTo(trainMode));

        // With the dropout mask of a sample being all ones (p = 0), a sample equals the model in eval mode: BatchNorm uses its running statistics.
        using var plain = new SampleWrapper(Model(3, dropout: 0.0), 2);
        plain.train(trainMode);
        var s = plain.Samples(x);
        plain.Model.eval();
        WrapperKit.AssertIdentical(s[0], plain.Model.call(x), "a sample without dropout is the eval-mode output");
    }

    [Test]
    public void ForwardWithRisk_MeanAndPopulationStdOverTheSamples()
    {
        using var wrapped = new SampleWrapper(Model(5), 6, seed: 11);
        using var scope = NewDisposeScope();
        var x = Input(6);
        var samples = Tensors.ToDoubles(wrapped.Samples(x));             // the same masks: the seed restarts the stream
        var (prediction, risk) = wrapped.ForwardWithRisk(x);
        var forward = Tensors.ToDoubles(wrapped.forward(x));
        var p = Tensors.ToDoubles(prediction);
        var r = Tensors.ToDoubles(risk);
        int size = p.Length;
        for (int i = 0; i < size; i++)
        {
            var values = Enumerable.Range(0, 6).Select(s => samples[s * size + i]).ToArray();
            double mean = values.Average();
            double std = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
            Assert.That(p[i], Is.EqualTo(mean).Within(1e-6));
            Assert.That(forward[i], Is.EqualTo(mean).Within(1e-6));
            Assert.That(r[i], Is.EqualTo(std).Within(1e-5));
        }

        Assert.That(r.Max(), Is.GreaterThan(0));
    }

    [Test]
    public void Risk_WithoutDropoutOrWithOneSample_IsZero()
    {
        using var scope = NewDisposeScope();
        var x = Input(8);
        using var noDropout = new SampleWrapper(nn.Sequential(("fc1", nn.Linear(3, 8)), ("act", nn.Tanh()), ("fc2", nn.Linear(8, 4))), 5);
        using var oneSample = new SampleWrapper(Model(9), 1);
        Assert.That(noDropout.DropoutModules, Is.Zero);
        var c = noDropout.Classify(x);
        Assert.That(Tensors.ToDoubles(noDropout.ForwardWithRisk(x).Risk), Is.All.EqualTo(0.0));
        Assert.That(Tensors.ToDoubles(c.MutualInformation), Is.All.EqualTo(0.0).Within(1e-7));
        Assert.That(Tensors.ToDoubles(oneSample.ForwardWithRisk(x).Risk), Is.All.EqualTo(0.0));
    }

    [Test]
    public void Classify_MutualInformationAndProbabilitiesMatchAHostComputation()
    {
        using var wrapped = new SampleWrapper(Model(13), 4, seed: 3);
        using var scope = NewDisposeScope();
        var x = Input(14);
        var samples = Tensors.ToDoubles(wrapped.Samples(x));
        var result = wrapped.Classify(x);
        var probabilities = Tensors.ToDoubles(result.Probabilities);
        var mi = Tensors.ToDoubles(result.MutualInformation);
        Assert.That(result.MutualInformation.shape, Is.EqualTo(new long[] { 6 }));
        Assert.That(result.Risk.shape, Is.EqualTo(new long[] { 6, 4 }));
        for (int n = 0; n < 6; n++)
        {
            var perSample = Enumerable.Range(0, 4).Select(s =>
            {
                var z = samples.Skip(s * 24 + 4 * n).Take(4).ToArray();
                double max = z.Max();
                double sum = z.Sum(v => Math.Exp(v - max));
                return z.Select(v => Math.Exp(v - max) / sum).ToArray();
            }).ToArray();
            var mean = Enumerable.Range(0, 4).Select(c => perSample.Average(p => p[c])).ToArray();
            double Entropy(double[] p) => -p.Sum(v => v > 0 ? v * Math.Log(v) : 0);
            double expected = Entropy(mean) - perSample.Average(Entropy);
            Assert.That(mi[n], Is.EqualTo(expected).Within(1e-5), $"row {n}");
            for (int c = 0; c < 4; c++)
                Assert.That(probabilities[4 * n + c], Is.EqualTo(mean[c]).Within(1e-6));
        }

        Assert.That(mi.Max(), Is.GreaterThan(0));
    }

    /// <summary>A seed makes calls reproducible and leaves the global stream where it was; without one, calls differ.</summary>
    [Test]
    public void Seed_ReproducibleAndTheGlobalStreamUndisturbed()
    {
        using var scope = NewDisposeScope();
        var x = Input(15);
        using var seeded = new SampleWrapper(Model(16), 3, seed: 99);
        using var other = new SampleWrapper(Model(16), 3, seed: 100);
        using var unseeded = new SampleWrapper(Model(16), 3);
        manual_seed(5);
        var first = seeded.forward(x);
        var afterCall = rand(3);
        manual_seed(5);
        var expected = rand(3);
        WrapperKit.AssertIdentical(afterCall, expected, "the global stream continues as if the call had not happened");
        WrapperKit.AssertIdentical(seeded.forward(x), first, "same seed, same result");
        Assert.That(WrapperKit.Same(other.forward(x), first), Is.False, "another seed");
        Assert.That(WrapperKit.Same(unseeded.forward(x), unseeded.forward(x)), Is.False, "no seed: fresh masks per call");
    }

    [Test]
    public void ForwardSplit_IsOnePassOfTheModelInItsOwnMode()
    {
        using var wrapped = new SampleWrapper(Model(17), 4);
        using var scope = NewDisposeScope();
        var x = Input(18, 10);
        wrapped.eval();
        WrapperKit.AssertIdentical(wrapped.forward(x, tileAndReduce: false), wrapped.Model.call(x), "eval: deterministic single pass");
        wrapped.train();
        Assert.That(WrapperKit.Same(wrapped.forward(x, tileAndReduce: false), wrapped.forward(x, tileAndReduce: false)), Is.False, "train: dropout as usual");
    }

    // ---- training ---------------------------------------------------------------------------------------------------

    /// <summary>
    /// The 2-D blobs: an MLP 2 → 64 → dropout(0.3) → 64 → dropout(0.3) → 3 trained with cross-entropy; with 30 samples the
    /// mutual information is higher on a ring at 3× the data's radius than on the test points.
    /// </summary>
    [Test]
    public void Training_TwoDimensionalSampleData_MutualInformationHigherFarFromTheData()
    {
        var train = UncertaintyLoss.Demo.SyntheticData.Blobs(200, seed: 42);
        var test = UncertaintyLoss.Demo.SyntheticData.Blobs(100, seed: 43);
        var ring = UncertaintyLoss.Demo.SyntheticData.Ring(120, 3 * train.MaxRadius());
        using var outer = NewDisposeScope();
        var x = tensor(train.Points, new long[] { train.Count, 2 });
        var y = tensor(train.Labels);
        manual_seed(44);
        using var wrapped = new SampleWrapper(nn.Sequential(
            ("fc1", nn.Linear(2, 64)), ("relu1", nn.ReLU()), ("drop1", nn.Dropout(0.3)),
            ("fc2", nn.Linear(64, 64)), ("relu2", nn.ReLU()), ("drop2", nn.Dropout(0.3)),
            ("fc3", nn.Linear(64, 3))), nSamples: 30, seed: 1);
        using var optimizer = optim.Adam(wrapped.parameters(), lr: 1e-2);
        wrapped.train();
        for (int step = 0; step < 200; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            nn.functional.cross_entropy(wrapped.forward(x, tileAndReduce: false), y).backward();
            optimizer.step();
        }

        wrapped.eval();
        using var noGrad = no_grad();
        var onData = wrapped.Classify(tensor(test.Points, new long[] { test.Count, 2 }));
        var far = wrapped.Classify(tensor(ring, new long[] { ring.Length / 2, 2 }));
        double accuracy = onData.Probabilities.argmax(1).eq(tensor(test.Labels)).to(ScalarType.Float64).mean().item<double>();
        double miOn = onData.MutualInformation.mean().item<float>(), miFar = far.MutualInformation.mean().item<float>();
        TestContext.Out.WriteLine($"accuracy {accuracy:P1}; MI on {miOn:G4}, far {miFar:G4}");
        Assert.That(accuracy, Is.GreaterThan(0.9));
        Assert.That(miFar, Is.GreaterThan(miOn));
    }

    // ---- save / load ------------------------------------------------------------------------------------------------

    [Test]
    public void SaveLoad_FreshlyWrappedModel_RestoresSeededResultsBitForBit()
    {
        var path = WrapperKit.TempFile();
        try
        {
            using var scope = NewDisposeScope();
            using var original = new SampleWrapper(Model(20), 3, seed: 4);
            var x = Input(21);
            original.Model.call(x);                                  // one training-mode pass moves BatchNorm's statistics
            var (p0, r0) = original.ForwardWithRisk(x);
            original.save(path);
            using var restored = new SampleWrapper(Model(99), 3, seed: 4);
            restored.load(path);
            WrapperKit.AssertSameState(original, restored);
            var (p1, r1) = restored.ForwardWithRisk(x);
            WrapperKit.AssertIdentical(p1, p0, "prediction");
            WrapperKit.AssertIdentical(r1, r0, "risk");
            var bad = restored.state_dict().ToDictionary(e => e.Key, e => e.Value);
            bad["model.fc2.bias"] = zeros(5);
            Assert.That(Assert.Throws<ArgumentException>(() => restored.load_state_dict(bad))!.ParamName, Is.EqualTo("source"));
            WrapperKit.AssertSameState(original, restored);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Cuda_ToDevice_SeededResultsOnTheDevice()
    {
        Requires.Cuda();
        using var wrapped = new SampleWrapper(Model(60), 4, seed: 2);
        using var scope = NewDisposeScope();
        var x = Input(61);
        wrapped.to(CUDA);
        var (p, r) = wrapped.ForwardWithRisk(x.cuda());
        var c = wrapped.Classify(x.cuda());
        Assert.That(p.device_type, Is.EqualTo(DeviceType.CUDA));
        Assert.That(r.device_type, Is.EqualTo(DeviceType.CUDA));
        Assert.That(c.MutualInformation.device_type, Is.EqualTo(DeviceType.CUDA));
        WrapperKit.AssertIdentical(wrapped.forward(x.cuda()).cpu(), p.cpu(), "seeded calls repeat on the device");
    }

    // ---- memory -----------------------------------------------------------------------------------------------------

    [TestCase(true)]
    [TestCase(false)]
    public void Memory_EveryCall_LeavesOnlyItsResults(bool seeded)
    {
        using var wrapped = new SampleWrapper(Model(70), 3, seeded ? 5 : null);
        var x = Input(71);
        try
        {
            long before = WrapperKit.Live;
            wrapped.forward(x).Dispose();
            Assert.That(WrapperKit.Live, Is.EqualTo(before), "forward");
            wrapped.forward(x, tileAndReduce: false).Dispose();
            wrapped.Samples(x).Dispose();
            Assert.That(WrapperKit.Live, Is.EqualTo(before), "Samples");
            var (p, r) = wrapped.ForwardWithRisk(x);
            Assert.That(WrapperKit.Live, Is.EqualTo(before + 2), "ForwardWithRisk leaves only its two results");
            p.Dispose();
            r.Dispose();
            var c = wrapped.Classify(x);
            Assert.That(WrapperKit.Live, Is.EqualTo(before + 4), "Classify leaves only its four results");
            c.MeanLogits.Dispose();
            c.Risk.Dispose();
            c.Probabilities.Dispose();
            c.MutualInformation.Dispose();
            Assert.That(WrapperKit.Live, Is.EqualTo(before));
            Assert.That(x.IsInvalid, Is.False, "the input is not disposed");
        }
        finally
        {
            x.Dispose();
        }
    }
}
