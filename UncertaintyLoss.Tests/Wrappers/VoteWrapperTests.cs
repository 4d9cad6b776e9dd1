using System.IO;
using UncertaintyLoss.Demo;

namespace UncertaintyLoss.Tests.Wrappers;

[TestFixture]
public sealed class VoteWrapperTests
{
    private static VoteWrapper Wrapped(long seed, int nVoters = 3, double dropout = 0.0)
    {
        manual_seed(seed);
        return new VoteWrapper(() => WrapperKit.Mlp(3, 4, dropout), nVoters);
    }

    private static Tensor Input(long seed, long n = 6)
    {
        using var g = new Generator((ulong)seed);
        return randn(new long[] { n, 3 }, generator: g);
    }

    /// <summary>Each voter's output on x, computed by calling the voters directly, as doubles [voter][n·C + c].</summary>
    private static double[][] VoterOutputs(VoteWrapper wrapped, Tensor x) =>
        wrapped.Voters.Select(v =>
        {
            using var scope = NewDisposeScope();
            return Tensors.ToDoubles(v.forward(x));
        }).ToArray();

    // ---- arguments ------------------------------------------------------------------------------------------------

    [Test]
    public void Constructor_NullFactory_ThrowsArgumentNullException()
    {
        var ex = Assert.Throws<ArgumentNullException>(() => _ = new VoteWrapper(null!, 3));
        Assert.That(ex!.ParamName, Is.EqualTo("factory"));
    }

    [TestCase(0)]
    [TestCase(-2)]
    public void Constructor_NVotersBelowOne_ThrowsBeforeCallingTheFactory(int nVoters)
    {
        int calls = 0;
        long before = WrapperKit.Live;
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new VoteWrapper(() =>
        {
            calls++;
            return WrapperKit.Mlp(3, 4);
        }, nVoters));
        Assert.That(ex!.ParamName, Is.EqualTo("nVoters"));
        Assert.That(calls, Is.Zero);
        Assert.That(WrapperKit.Live, Is.EqualTo(before));
    }

    [Test]
    public void Constructor_FactoryReturnsNullOrTheSameInstance_ThrowsArgumentException()
    {
        Assert.That(Assert.Throws<ArgumentException>(() => _ = new VoteWrapper(() => null!, 2))!.ParamName, Is.EqualTo("factory"));
        using var shared = WrapperKit.Mlp(3, 4);
        var ex = Assert.Throws<ArgumentException>(() => _ = new VoteWrapper(() => shared, 2));
        Assert.That(ex!.ParamName, Is.EqualTo("factory"));
        Assert.That(ex.Message, Does.Contain("same instance"));
    }

    [Test]
    public void Forward_NullInput_ThrowsArgumentNullException()
    {
        using var wrapped = Wrapped(1);
        Assert.Throws<ArgumentNullException>(() => wrapped.forward(null!));
        Assert.Throws<ArgumentNullException>(() => wrapped.forward(null!, tileAndReduce: false));
        Assert.Throws<ArgumentNullException>(() => wrapped.ForwardWithRisk(null!));
        Assert.Throws<ArgumentNullException>(() => wrapped.Classify(null!));
        Assert.Throws<ArgumentNullException>(() => wrapped.Votes(null!));
    }

    [TestCase(5)]
    [TestCase(7)]
    [TestCase(1)]
    public void ForwardSplit_BatchNotAMultipleOfNVoters_ThrowsArgumentExceptionWithTheShape(int n)
    {
        using var wrapped = Wrapped(2, nVoters: 3);
        using var x = Input(3, n);
        long before = WrapperKit.Live;
        var ex = Assert.Throws<ArgumentException>(() => wrapped.forward(x, tileAndReduce: false));
        Assert.That(ex!.ParamName, Is.EqualTo("input"));
        Assert.That(ex.Message, Does.Contain("multiple of nVoters = 3").And.Contain($"[{n}, 3]"));
        Assert.That(WrapperKit.Live, Is.EqualTo(before));
    }

    // ---- structure and values ---------------------------------------------------------------------------------------

    [Test]
    public void Constructor_Factory_VotersAreIndependentlyInitialisedAndParametersExistAtConstruction()
    {
        int calls = 0;
        manual_seed(4);
        using var wrapped = new VoteWrapper(() =>
        {
            calls++;
            return WrapperKit.Mlp(3, 4);
        }, 4);
        Assert.That(calls, Is.EqualTo(4));
        Assert.That(wrapped.NVoters, Is.EqualTo(4));
        Assert.That(wrapped.Voters, Has.Count.EqualTo(4));
        Assert.That(wrapped.parameters().Count(), Is.EqualTo(4 * 4), "4 voters × (2 weights + 2 biases), before any call");
        Assert.That(wrapped.state_dict().Keys, Has.Member("voters.0.fc1.weight").And.Member("voters.3.fc2.bias"));
        var weights = wrapped.Voters.Select(v => Tensors.ToDoubles(v.named_parameters().First(p => p.name == "fc1.weight").parameter)).ToArray();
        for (int i = 0; i < 4; i++)
        {
            for (int j = i + 1; j < 4; j++)
                Assert.That(weights[i], Is.Not.EqualTo(weights[j]), $"voters {i} and {j} differ");
        }
    }

    [Test]
    public void Forward_TileAndReduce_IsTheMeanOfTheVoters()
    {
        using var wrapped = Wrapped(5);
        using var x = Input(6);
        var outputs = VoterOutputs(wrapped, x);
        using var actual = wrapped.forward(x);
        using var same = wrapped.forward(x, tileAndReduce: true);
        Assert.That(actual.shape, Is.EqualTo(new long[] { 6, 4 }));
        var values = Tensors.ToDoubles(actual);
        for (int i = 0; i < values.Length; i++)
            Assert.That(values[i], Is.EqualTo(outputs.Average(o => o[i])).Within(1e-6));
        WrapperKit.AssertIdentical(same, actual, "tileAndReduce: true");
    }

    [Test]
    public void ForwardSplit_BatchOfKTimesNVoters_VoterVGetsTheVthContiguousPart()
    {
        using var wrapped = Wrapped(7, nVoters: 3);
        using var x = Input(8, 6);
        using var actual = wrapped.forward(x, tileAndReduce: false);
        Assert.That(actual.shape, Is.EqualTo(new long[] { 6, 4 }));
        var outputs = VoterOutputs(wrapped, x); // each voter on all six rows
        var values = Tensors.ToDoubles(actual);
        for (int row = 0; row < 6; row++)
        {
            int voter = row / 2;
            for (int c = 0; c < 4; c++)
                Assert.That(values[row * 4 + c], Is.EqualTo(outputs[voter][row * 4 + c]).Within(1e-6), $"row {row}");
        }
    }

    [Test]
    public void ForwardSplit_EmptyBatch_ReturnsAnEmptyOutput()
    {
        using var wrapped = Wrapped(19, nVoters: 3);
        using var x = zeros(0, 3);
        using var output = wrapped.forward(x, tileAndReduce: false);
        Assert.That(output.shape, Is.EqualTo(new long[] { 0, 4 }));
    }

    [Test]
    public void ForwardWithRisk_MeanAndPopulationStdOverTheVoters()
    {
        using var wrapped = Wrapped(9, nVoters: 4);
        using var x = Input(10);
        var outputs = VoterOutputs(wrapped, x);
        var (prediction, risk) = wrapped.ForwardWithRisk(x);
        var p = Tensors.ToDoubles(prediction);
        var r = Tensors.ToDoubles(risk);
        for (int i = 0; i < p.Length; i++)
        {
            double mean = outputs.Average(o => o[i]);
            double std = Math.Sqrt(outputs.Average(o => (o[i] - mean) * (o[i] - mean)));
            Assert.That(p[i], Is.EqualTo(mean).Within(1e-6));
            Assert.That(r[i], Is.EqualTo(std).Within(1e-5));
        }

        prediction.Dispose();
        risk.Dispose();
    }

    [Test]
    public void ForwardWithRisk_OneVoter_RiskIsZeroNotNaN()
    {
        using var wrapped = Wrapped(11, nVoters: 1);
        using var x = Input(12);
        var (prediction, risk) = wrapped.ForwardWithRisk(x);
        Assert.That(Tensors.ToDoubles(risk), Is.All.EqualTo(0.0));
        prediction.Dispose();
        risk.Dispose();
    }

    [Test]
    public void Classify_Logits_MutualInformationAndProbabilitiesMatchAHostComputation()
    {
        using var wrapped = Wrapped(13, nVoters: 3);
        using var x = Input(14);
        var outputs = VoterOutputs(wrapped, x);
        var result = wrapped.Classify(x);
        var probabilities = Tensors.ToDoubles(result.Probabilities);
        var mi = Tensors.ToDoubles(result.MutualInformation);
        Assert.That(result.MutualInformation.shape, Is.EqualTo(new long[] { 6 }));
        Assert.That(result.MeanLogits.shape, Is.EqualTo(new long[] { 6, 4 }));
        Assert.That(result.Risk.shape, Is.EqualTo(new long[] { 6, 4 }));
        for (int n = 0; n < 6; n++)
        {
            var perVoter = outputs.Select(o =>
            {
                var z = o.Skip(4 * n).Take(4).ToArray();
                double max = z.Max();
                double sum = z.Sum(v => Math.Exp(v - max));
                return z.Select(v => Math.Exp(v - max) / sum).ToArray();
            }).ToArray();
            var mean = Enumerable.Range(0, 4).Select(c => perVoter.Average(p => p[c])).ToArray();
            double Entropy(double[] p) => -p.Sum(v => v > 0 ? v * Math.Log(v) : 0);
            double expected = Entropy(mean) - perVoter.Average(Entropy);
            Assert.That(mi[n], Is.EqualTo(expected).Within(1e-5), $"row {n}");
            for (int c = 0; c < 4; c++)
                Assert.That(probabilities[4 * n + c], Is.EqualTo(mean[c]).Within(1e-6));
        }

        Assert.That(mi, Is.All.GreaterThanOrEqualTo(0.0));
    }

    [Test]
    public void Classify_IdenticalVoters_MutualInformationAndRiskAreZero()
    {
        using var wrapped = new VoteWrapper(() =>
        {
            manual_seed(15); // every voter gets the same initial weights
            return WrapperKit.Mlp(3, 4);
        }, 3);
        using var x = Input(16);
        var result = wrapped.Classify(x);
        Assert.That(Tensors.ToDoubles(result.MutualInformation), Is.All.EqualTo(0.0).Within(1e-6));
        Assert.That(Tensors.ToDoubles(result.Risk), Is.All.EqualTo(0.0).Within(1e-6));
    }

    [Test]
    public void Classify_OutputOfRankOne_ThrowsArgumentException()
    {
        manual_seed(17);
        using var wrapped = new VoteWrapper(() => nn.Sequential(("fc", nn.Linear(3, 1)), ("flatten", nn.Flatten(0))), 2);
        using var x = Input(18);
        Assert.Throws<ArgumentException>(() => wrapped.Classify(x));
    }

    // ---- training ---------------------------------------------------------------------------------------------------

    /// <summary>
    /// The sample's 2-D problem (three Gaussian blobs): 4 MLP voters 2 → 32 → 32 → 3 trained with cross-entropy on split
    /// batches; the risk (mean over classes of the voters' logit std) and the mutual information are higher on a ring at
    /// 3× the data's radius than on the test points.
    /// </summary>
    [Test]
    public void Training_TwoDimensionalSampleData_RiskHigherFarFromTheData()
    {
        var train = SyntheticData.Blobs(200, seed: 42); // 600 points: 150 per voter
        var test = SyntheticData.Blobs(100, seed: 43);
        var ring = SyntheticData.Ring(120, 3 * train.MaxRadius());
        using var outer = NewDisposeScope();
        var x = tensor(train.Points, new long[] { train.Count, 2 });
        var y = tensor(train.Labels);
        manual_seed(44);
        using var wrapped = new VoteWrapper(() => nn.Sequential(
            ("fc1", nn.Linear(2, 32)), ("relu1", nn.ReLU()),
            ("fc2", nn.Linear(32, 32)), ("relu2", nn.ReLU()),
            ("fc3", nn.Linear(32, 3))), nVoters: 4);
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
        double riskOn = onData.Risk.mean().item<float>(), riskFar = far.Risk.mean().item<float>();
        double miOn = onData.MutualInformation.mean().item<float>(), miFar = far.MutualInformation.mean().item<float>();
        TestContext.Out.WriteLine($"accuracy {accuracy:P1}; risk on {riskOn:G4}, far {riskFar:G4}; MI on {miOn:G4}, far {miFar:G4}");
        Assert.That(accuracy, Is.GreaterThan(0.9));
        Assert.That(riskFar, Is.GreaterThan(2 * riskOn));
        Assert.That(miFar, Is.GreaterThan(miOn));
    }

    // ---- save / load, modes, devices --------------------------------------------------------------------------------

    [Test]
    public void SaveLoad_FreshlyWrappedModel_RestoresPredictionsAndRisksBitForBit()
    {
        var path = WrapperKit.TempFile();
        try
        {
            using var scope = NewDisposeScope();
            using var original = Wrapped(20, nVoters: 3);
            var x = Input(21, 6);
            using (var optimizer = optim.Adam(original.parameters(), lr: 1e-2))
            {
                for (int i = 0; i < 5; i++)
                {
                    using var step = NewDisposeScope();
                    optimizer.zero_grad();
                    original.forward(x, tileAndReduce: false).square().mean().backward();
                    optimizer.step();
                }
            }

            original.eval();
            var (p0, r0) = original.ForwardWithRisk(x);
            original.save(path);

            using var restored = Wrapped(99, nVoters: 3);
            restored.eval();
            Assert.That(WrapperKit.Same(restored.forward(x), p0), Is.False, "a different seed gives different voters before loading");
            restored.load(path);
            WrapperKit.AssertSameState(original, restored);
            var (p1, r1) = restored.ForwardWithRisk(x);
            WrapperKit.AssertIdentical(p1, p0, "prediction");
            WrapperKit.AssertIdentical(r1, r0, "risk");
            WrapperKit.AssertIdentical(restored.Classify(x).MutualInformation, original.Classify(x).MutualInformation, "mutual information");
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
    public void TrainEval_DropoutInTheVoters_BehavesAsTheWrappedModel()
    {
        using var wrapped = Wrapped(40, dropout: 0.5);
        using var scope = NewDisposeScope();
        var x = Input(41, 30);
        wrapped.train();
        Assert.That(wrapped.Voters.All(v => v.training), Is.True);
        Assert.That(WrapperKit.Same(wrapped.forward(x), wrapped.forward(x)), Is.False, "dropout is active in training mode");
        wrapped.eval();
        Assert.That(wrapped.Voters.Any(v => v.training), Is.False);
        WrapperKit.AssertIdentical(wrapped.forward(x), wrapped.forward(x), "eval is deterministic");
        WrapperKit.AssertIdentical(wrapped.forward(x, tileAndReduce: false), wrapped.forward(x, tileAndReduce: false), "eval split is deterministic");
    }

    [Test]
    public void To_Float64_MovesEveryVoter()
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
    public void Cuda_ToDevice_PredictionsAndRisksMatchTheCpu()
    {
        Requires.Cuda();
        using var wrapped = Wrapped(60);
        wrapped.eval();
        using var scope = NewDisposeScope();
        var x = Input(61);
        var (p0, r0) = wrapped.ForwardWithRisk(x);
        var mi0 = wrapped.Classify(x).MutualInformation;
        wrapped.to(CUDA);
        Assert.That(wrapped.parameters().Select(p => p.device_type), Is.All.EqualTo(DeviceType.CUDA));
        var (p1, r1) = wrapped.ForwardWithRisk(x.cuda());
        Assert.That(p1.device_type, Is.EqualTo(DeviceType.CUDA));
        Assert.That(p1.cpu().allclose(p0, rtol: 1e-4, atol: 1e-5), Is.True);
        Assert.That(r1.cpu().allclose(r0, rtol: 1e-4, atol: 1e-5), Is.True);
        Assert.That(wrapped.Classify(x.cuda()).MutualInformation.cpu().allclose(mi0, rtol: 1e-3, atol: 1e-5), Is.True);
        Assert.That(wrapped.forward(x.cuda(), tileAndReduce: false).device_type, Is.EqualTo(DeviceType.CUDA));
    }

    // ---- memory -----------------------------------------------------------------------------------------------------

    [TestCase(true)]
    [TestCase(false)]
    public void Memory_EveryCall_LeavesOnlyItsResults(bool requiresGrad)
    {
        using var wrapped = Wrapped(70);
        var x = Input(71);
        try
        {
            using var grad = requiresGrad ? null : no_grad();
            long before = WrapperKit.Live;
            wrapped.forward(x).Dispose();
            Assert.That(WrapperKit.Live, Is.EqualTo(before), "forward");
            var split = wrapped.forward(x, tileAndReduce: false);
            Assert.That(WrapperKit.Live, Is.EqualTo(before + 1), "split forward leaves only its result");
            split.Dispose();
            wrapped.Votes(x).Dispose();
            Assert.That(WrapperKit.Live, Is.EqualTo(before), "Votes");
            var (p, r) = wrapped.ForwardWithRisk(x);
            Assert.That(WrapperKit.Live, Is.EqualTo(before + 2), "ForwardWithRisk leaves only its two results");
            Assert.That(p.requires_grad && r.requires_grad, Is.EqualTo(requiresGrad));
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
            var split = wrapped.forward(x, tileAndReduce: false);
            Assert.That(scope.DisposablesCount, Is.EqualTo(count + 3));
            Assert.That(scope.Contains(p) && scope.Contains(r) && scope.Contains(split), Is.True);
        }

        Assert.That(WrapperKit.Live, Is.EqualTo(before));
    }
}
