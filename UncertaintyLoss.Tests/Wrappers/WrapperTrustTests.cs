using System.IO;

namespace UncertaintyLoss.Tests.Wrappers;

/// <summary>
/// Issue 12 ("no half-done state") for the wrappers: loads are all or nothing, a failed <see cref="VoteWrapper"/>
/// constructor leaves no tensor behind, and wrong inputs are rejected, naming <c>input</c>, before the model runs.
/// </summary>
[TestFixture]
public sealed class WrapperTrustTests
{
    public enum Kind
    {
        SculptOnFeatures,
        SculptOnOutput,
        Vote,
        Sample,
    }

    public enum Defect
    {
        /// <summary>The last entry (the last layer's bias) has one more element.</summary>
        LateShape,

        /// <summary>The last entry is Float64.</summary>
        LateDtype,

        /// <summary>The last entry is absent (strict load).</summary>
        MissingKey,

        /// <summary>An extra entry follows the module's (strict load).</summary>
        UnexpectedKey,

        /// <summary>The last entry has another name (strict load): as many entries as the module has.</summary>
        RenamedKey,
    }

    public enum Route
    {
        StateDict,
        StateDictThroughBase,
        File,
        FileThroughBase,
        StreamThroughBase,
        ReaderThroughBase,
    }

    private static nn.Module<Tensor, Tensor> Build(Kind kind, long seed)
    {
        manual_seed(seed);
        return kind switch
        {
            Kind.SculptOnFeatures => new SculptWrapper(WrapperKit.Mlp(3, 2), Sculpt.Normal, nLayers: 2),
            Kind.SculptOnOutput => new SculptWrapper(new WrapperKit.Opaque(3, 2), Sculpt.Normal, nLayers: 2, outputWidth: 2),
            Kind.Sample => new SampleWrapper(WrapperKit.Mlp(3, 4, dropout: 0.2), 3),
            _ => new VoteWrapper(() => WrapperKit.Mlp(3, 4), 3),
        };
    }

    /// <summary>Every state-dict entry: shape, dtype and raw bytes.</summary>
    private static Dictionary<string, (long[] Shape, ScalarType Dtype, byte[] Bits)> Snapshot(nn.Module module) =>
        module.state_dict().ToDictionary(e => e.Key, e => (e.Value.shape, e.Value.dtype, e.Value.bytes.ToArray()));

    private static void AssertUntouched(nn.Module module, Dictionary<string, (long[] Shape, ScalarType Dtype, byte[] Bits)> before)
    {
        var after = Snapshot(module);
        Assert.That(after.Keys, Is.EqualTo(before.Keys));
        foreach (var (key, (shape, dtype, bits)) in before)
        {
            Assert.That(after[key].Shape, Is.EqualTo(shape), key);
            Assert.That(after[key].Dtype, Is.EqualTo(dtype), key);
            Assert.That(after[key].Bits, Is.EqualTo(bits), key + " was overwritten");
        }
    }

    /// <summary>A copy of <paramref name="donor"/>'s state dict with <paramref name="defect"/>; returns the key it names.</summary>
    private static (Dictionary<string, Tensor> Source, string Key, string[] Expected) Defective(nn.Module donor, Defect defect)
    {
        var source = new Dictionary<string, Tensor>(donor.state_dict());
        var last = source.Keys.Last();
        var value = source[last];
        switch (defect)
        {
            case Defect.LateShape:
                var wrong = value.shape.Select((d, i) => i == 0 ? d + 1 : d).ToArray();
                source[last] = zeros(wrong);
                return (source, last, new[] { $"of shape {Shape(value.shape)}", $"received shape {Shape(wrong)}" });
            case Defect.LateDtype:
                source[last] = value.to(ScalarType.Float64);
                return (source, last, new[] { "dtype Float32", "received Float64" });
            case Defect.MissingKey:
                source.Remove(last);
                return (source, last, new[] { "strict", "missing" });
            case Defect.UnexpectedKey:
                source["extra.weight"] = zeros(2);
                return (source, "extra.weight", new[] { "strict", "does not have" });
            default:
                source.Remove(last);
                source[last + "_renamed"] = value;
                return (source, last, new[] { "strict", "missing" });
        }
    }

    private static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>Loads <paramref name="source"/> into <paramref name="wrapped"/> along <paramref name="route"/>; returns the
    /// parameter name the rejection must carry.</summary>
    private static string Load(nn.Module<Tensor, Tensor> wrapped, Dictionary<string, Tensor> source, Route route, string path)
    {
        nn.Module asBase = wrapped;
        if (route is Route.StateDict or Route.StateDictThroughBase)
        {
            if (route == Route.StateDictThroughBase)
                asBase.load_state_dict(source);
            else if (wrapped is SculptWrapper sculpt)
                sculpt.load_state_dict(source);
            else if (wrapped is SampleWrapper sample)
                sample.load_state_dict(source);
            else
                ((VoteWrapper)wrapped).load_state_dict(source);
            return "source";
        }

        using (var writer = new BinaryWriter(File.Create(path)))
            nn.Module.save_state_dict(writer, source);
        switch (route)
        {
            case Route.File when wrapped is SculptWrapper sculpt:
                sculpt.load(path);
                return "location";
            case Route.File when wrapped is SampleWrapper sample:
                sample.load(path);
                return "location";
            case Route.File:
                ((VoteWrapper)wrapped).load(path);
                return "location";
            case Route.FileThroughBase:
                asBase.load(path);
                return "location";
            case Route.StreamThroughBase:
            {
                using var stream = File.OpenRead(path);
                asBase.load(stream);
                return "reader";
            }

            default:
            {
                using var reader = new BinaryReader(File.OpenRead(path));
                asBase.load(reader);
                return "reader";
            }
        }
    }

    // ---- all-or-nothing loading -------------------------------------------------------------------------------------

    [Test]
    public void Load_DefectiveSource_ThrowsArgumentExceptionNamingTheKeyAndLoadsNothing(
        [Values] Kind kind, [Values] Defect defect, [Values] Route route)
    {
        var path = WrapperKit.TempFile();
        try
        {
            using var scope = NewDisposeScope();
            using var wrapped = Build(kind, 1);
            using var donor = Build(kind, 2);
            var (source, key, expected) = Defective(donor, defect);
            var before = Snapshot(wrapped);
            Assert.That(Snapshot(donor).Where(e => e.Key != key).Any(e => !e.Value.Bits.SequenceEqual(before[e.Key].Bits)), Is.True,
                "the donor differs from the wrapper, so a half-load would show");
            var ex = Assert.Throws<ArgumentException>(() => Load(wrapped, source, route, path));
            string paramName = route switch
            {
                Route.StateDict or Route.StateDictThroughBase => "source",
                Route.File or Route.FileThroughBase => "location",
                _ => "reader",
            };
            TestContext.Out.WriteLine(ex!.Message);
            Assert.That(ex.ParamName, Is.EqualTo(paramName));
            Assert.That(ex.Message, Does.Contain($"'{key}'").And.Contain("nothing was loaded"));
            foreach (var part in expected)
                Assert.That(ex.Message, Does.Contain(part));
            AssertUntouched(wrapped, before);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Load_CorrectSourceAlongEveryRoute_RoundTripsBitForBit([Values] Kind kind, [Values] Route route)
    {
        var path = WrapperKit.TempFile();
        try
        {
            using var wrapped = Build(kind, 3);
            using var donor = Build(kind, 4);
            var expected = Snapshot(donor);
            Assert.That(Snapshot(wrapped)[expected.Keys.First()].Bits, Is.Not.EqualTo(expected[expected.Keys.First()].Bits));
            long live = WrapperKit.Live;
            Load(wrapped, donor.state_dict(), route, path);
            Assert.That(WrapperKit.Live, Is.EqualTo(live), "the file's temporary tensors are disposed");
            AssertUntouched(wrapped, expected);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void LoadFile_Rejected_DisposesTheTemporaries([Values] Kind kind)
    {
        var path = WrapperKit.TempFile();
        try
        {
            using var wrapped = Build(kind, 5);
            using var donor = Build(kind, 6);
            using (var scope = NewDisposeScope())
            {
                var (source, _, _) = Defective(donor, Defect.LateShape);
                using var writer = new BinaryWriter(File.Create(path));
                nn.Module.save_state_dict(writer, source);
            }

            long live = WrapperKit.Live;
            Assert.Throws<ArgumentException>(() => wrapped.load(path));
            Assert.That(WrapperKit.Live, Is.EqualTo(live));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void LoadFile_Truncated_ThrowsAndLoadsNothing([Values] Kind kind)
    {
        var path = WrapperKit.TempFile();
        try
        {
            using var wrapped = Build(kind, 7);
            using var donor = Build(kind, 8);
            donor.save(path);
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes.Take(bytes.Length - 3).ToArray());
            var before = Snapshot(wrapped);
            long live = WrapperKit.Live;
            Assert.Throws<EndOfStreamException>(() => wrapped.load(path));
            AssertUntouched(wrapped, before);
            Assert.That(WrapperKit.Live, Is.EqualTo(live));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void LoadStateDict_NotStrict_LoadsTheMatchingKeysAndReportsTheOthers([Values] Kind kind)
    {
        using var scope = NewDisposeScope();
        using var wrapped = Build(kind, 9);
        using var donor = Build(kind, 10);
        var (source, key, _) = Defective(donor, Defect.MissingKey);
        source["extra.weight"] = zeros(2);
        var before = Snapshot(wrapped);
        var (missing, unexpected) = wrapped.load_state_dict(source, strict: false);
        Assert.That(missing, Is.EqualTo(new[] { key }));
        Assert.That(unexpected, Is.EqualTo(new[] { "extra.weight" }));
        var after = Snapshot(wrapped);
        var loaded = Snapshot(donor);
        Assert.That(after[key].Bits, Is.EqualTo(before[key].Bits), "the missing key keeps its value");
        foreach (var k in after.Keys.Where(k => k != key))
            Assert.That(after[k].Bits, Is.EqualTo(loaded[k].Bits), k);
    }

    [Test]
    public void LoadStateDict_NotStrictWithAShapeMismatch_StillLoadsNothing([Values] Kind kind)
    {
        using var scope = NewDisposeScope();
        using var wrapped = Build(kind, 11);
        using var donor = Build(kind, 12);
        var (source, key, _) = Defective(donor, Defect.LateShape);
        var before = Snapshot(wrapped);
        var ex = Assert.Throws<ArgumentException>(() => wrapped.load_state_dict(source, strict: false));
        Assert.That(ex!.Message, Does.Contain(key));
        AssertUntouched(wrapped, before);
    }

    [Test]
    public void LoadStateDict_BadKeyInSkip_LoadsTheOthers()
    {
        using var scope = NewDisposeScope();
        using var wrapped = Build(Kind.Vote, 13);
        using var donor = Build(Kind.Vote, 14);
        var (source, key, _) = Defective(donor, Defect.LateShape);
        var before = Snapshot(wrapped);
        wrapped.load_state_dict(source, skip: new[] { key });
        var after = Snapshot(wrapped);
        var loaded = Snapshot(donor);
        Assert.That(after[key].Bits, Is.EqualTo(before[key].Bits));
        Assert.That(after.Keys.Where(k => k != key).All(k => after[k].Bits.SequenceEqual(loaded[k].Bits)), Is.True);
    }

    [Test]
    public void LoadFile_NotStrictWithAnExtraEntry_LoadsTheRestAndReportsEveryKey()
    {
        var path = WrapperKit.TempFile();
        try
        {
            using var scope = NewDisposeScope();
            using var wrapped = Build(Kind.SculptOnFeatures, 15);
            using var donor = Build(Kind.SculptOnFeatures, 16);
            var (source, _, _) = Defective(donor, Defect.UnexpectedKey);
            using (var writer = new BinaryWriter(File.Create(path)))
                nn.Module.save_state_dict(writer, source);
            var loadedParameters = new Dictionary<string, bool>();
            wrapped.load(path, strict: false, loadedParameters: loadedParameters);
            AssertUntouched(wrapped, Snapshot(donor));
            Assert.That(loadedParameters.Keys, Is.EqualTo(source.Keys));
            Assert.That(loadedParameters["extra.weight"], Is.False);
            Assert.That(loadedParameters.Where(e => e.Key != "extra.weight").All(e => e.Value), Is.True);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // ---- VoteWrapper: a failed constructor leaves no tensor ---------------------------------------------------------

    public enum FactoryFault
    {
        Throws,
        ReturnsNull,
        ReturnsAnotherShape,
        ReturnsAnotherDtype,
        ReturnsTheSameInstance,
    }

    /// <summary>Every fault on every call of three; the first call cannot repeat an instance or differ from itself.</summary>
    private static IEnumerable<TestCaseData> FactoryFaults() =>
        from fault in Enum.GetValues<FactoryFault>()
        from k in new[] { 1, 2, 3 }
        where k > 1 || fault is FactoryFault.Throws or FactoryFault.ReturnsNull
        select new TestCaseData(fault, k);

    [TestCaseSource(nameof(FactoryFaults))]
    public void Constructor_FactoryFailsOnItsKthCall_DisposesEveryModelItReturned(FactoryFault fault, int k)
    {
        var boom = new InvalidOperationException("factory failed");
        nn.Module<Tensor, Tensor>? firstModel = null;
        int calls = 0;
        manual_seed(20);
        long before = WrapperKit.Live;
        nn.Module<Tensor, Tensor> Factory()
        {
            calls++;
            if (calls < k)
            {
                var fresh = WrapperKit.Mlp(3, 4);
                firstModel ??= fresh;
                return fresh;
            }

            switch (fault)
            {
                case FactoryFault.Throws:
                    throw boom;
                case FactoryFault.ReturnsNull:
                    return null!;
                case FactoryFault.ReturnsAnotherShape:
                    return WrapperKit.Mlp(3, 5);
                case FactoryFault.ReturnsAnotherDtype:
                    var model = WrapperKit.Mlp(3, 4);
                    model.to(ScalarType.Float64);
                    return model;
                default:
                    return firstModel!;
            }
        }

        var ex = Assert.Catch<Exception>(() => _ = new VoteWrapper(Factory, 3));
        Assert.That(calls, Is.EqualTo(k), "the constructor stops at the faulty call");
        if (fault == FactoryFault.Throws)
        {
            Assert.That(ex, Is.SameAs(boom), "the factory's exception is rethrown unchanged");
        }
        else
        {
            Assert.That(ex, Is.TypeOf<ArgumentException>());
            TestContext.Out.WriteLine(ex!.Message);
            Assert.That(((ArgumentException)ex).ParamName, Is.EqualTo("factory"));
            Assert.That(ex.Message, Does.Contain($"call {k}"));
        }

        if (fault == FactoryFault.ReturnsAnotherShape)
            Assert.That(ex!.Message, Does.Contain("'fc2.weight' [5, 16]").And.Contain("'fc2.weight' [4, 16]"));
        if (fault == FactoryFault.ReturnsAnotherDtype)
            Assert.That(ex!.Message, Does.Contain("Float64").And.Contain("Float32"));
        Assert.That(WrapperKit.Live, Is.EqualTo(before), "every tensor the factory's models held is disposed");
    }

    [Test]
    public void Constructor_FactoryOfEqualStructure_Succeeds()
    {
        long before = WrapperKit.Live;
        manual_seed(21);
        var wrapped = new VoteWrapper(() => WrapperKit.Mlp(3, 4), 3);
        Assert.That(WrapperKit.Live, Is.GreaterThan(before));
        wrapped.Dispose();
        Assert.That(WrapperKit.Live, Is.EqualTo(before), "the same count check sees a whole wrapper disposed");
    }

    // ---- input validation -------------------------------------------------------------------------------------------

    public enum BadInput
    {
        Disposed,
        Scalar,
        WrongWidth,
        Int64,
        Float64,
        OtherDevice,
    }

    public enum Method
    {
        SculptForward,
        SculptForwardWithRisk,
        VoteForward,
        VoteForwardSplit,
        VoteVotes,
        VoteForwardWithRisk,
        VoteClassify,
    }

    private static Tensor Bad(BadInput bad) => bad switch
    {
        BadInput.Disposed => DisposedInput(),
        BadInput.Scalar => tensor(1.0f),
        BadInput.WrongWidth => zeros(6, 4),
        BadInput.Int64 => zeros(new long[] { 6, 3 }, ScalarType.Int64),
        BadInput.Float64 => zeros(new long[] { 6, 3 }, ScalarType.Float64),
        _ => zeros(new long[] { 6, 3 }, device: META),
    };

    private static Tensor DisposedInput()
    {
        var x = zeros(6, 3);
        x.Dispose();
        return x;
    }

    private static string[] ExpectedParts(BadInput bad) => bad switch
    {
        BadInput.Disposed => new[] { "disposed" },
        BadInput.Scalar => new[] { "(…, 3)", "in_features = 3", "received shape []" },
        BadInput.WrongWidth => new[] { "(…, 3)", "received shape [6, 4]" },
        BadInput.Int64 => new[] { "dtype Float32", "received Int64" },
        BadInput.Float64 => new[] { "dtype Float32", "received Float64" },
        _ => new[] { "on cpu", "received it on meta" },
    };

    private static void Call(Method method, SculptWrapper sculpt, VoteWrapper vote, Tensor x)
    {
        using var scope = NewDisposeScope();
        switch (method)
        {
            case Method.SculptForward: sculpt.forward(x); break;
            case Method.SculptForwardWithRisk: sculpt.ForwardWithRisk(x); break;
            case Method.VoteForward: vote.forward(x); break;
            case Method.VoteForwardSplit: vote.forward(x, tileAndReduce: false); break;
            case Method.VoteVotes: vote.Votes(x); break;
            case Method.VoteForwardWithRisk: vote.ForwardWithRisk(x); break;
            default: vote.Classify(x); break;
        }
    }

    /// <summary>Runs <paramref name="onCall"/> whenever the first child of the Sequential <paramref name="model"/> is called.</summary>
    private static void HookFirstLayer(nn.Module<Tensor, Tensor> model, Action onCall)
    {
        var first = (nn.Module<Tensor, Tensor>)((TorchSharp.Modules.Sequential)model).named_children().First().module;
        first.register_forward_pre_hook((_, x) =>
        {
            onCall();
            return x;
        });
    }

    [Test]
    public void Input_Rejected_ArgumentExceptionNamingInputBeforeTheModelRuns([Values] Method method, [Values] BadInput bad)
    {
        manual_seed(30);
        using var sculpt = new SculptWrapper(WrapperKit.Mlp(3, 2), Sculpt.Normal, nLayers: 2);
        using var vote = new VoteWrapper(() => WrapperKit.Mlp(3, 4), 3);
        int firstLayerCalls = 0;
        HookFirstLayer(sculpt.Model, () => firstLayerCalls++);
        foreach (var voter in vote.Voters)
            HookFirstLayer(voter, () => firstLayerCalls++);
        using (var scope = NewDisposeScope())
            Call(method, sculpt, vote, zeros(6, 3));
        Assert.That(firstLayerCalls, Is.GreaterThan(0), "the hooks see a valid call");
        firstLayerCalls = 0;

        var x = Bad(bad);
        try
        {
            long live = WrapperKit.Live;
            var ex = Assert.Throws(Is.InstanceOf<ArgumentException>(), () => Call(method, sculpt, vote, x));
            TestContext.Out.WriteLine(ex!.Message);
            Assert.That(((ArgumentException)ex).ParamName, Is.EqualTo("input"));
            foreach (var part in ExpectedParts(bad))
                Assert.That(ex.Message, Does.Contain(part));
            Assert.That(firstLayerCalls, Is.Zero, "rejected before the model runs");
            Assert.That(WrapperKit.Live, Is.EqualTo(live));
        }
        finally
        {
            x.Dispose();
        }
    }

    [Test]
    public void Input_Null_ArgumentNullExceptionNamingInput([Values] Method method)
    {
        manual_seed(31);
        using var sculpt = new SculptWrapper(WrapperKit.Mlp(3, 2), Sculpt.Normal, nLayers: 2);
        using var vote = new VoteWrapper(() => WrapperKit.Mlp(3, 4), 3);
        var ex = Assert.Throws<ArgumentNullException>(() => Call(method, sculpt, vote, null!));
        Assert.That(ex!.ParamName, Is.EqualTo("input"));
    }

    [Test]
    public void Input_DisposedIntoAModelWithoutAFindableFirstLayer_Rejected()
    {
        manual_seed(32);
        using var sculpt = new SculptWrapper(new WrapperKit.Opaque(3, 2), Sculpt.Normal, nLayers: 1, outputWidth: 2);
        using var vote = new VoteWrapper(() => new WrapperKit.Opaque(3, 4), 2);
        var x = DisposedInput();
        foreach (var call in new Action[] { () => sculpt.forward(x), () => sculpt.ForwardWithRisk(x), () => vote.forward(x), () => vote.Classify(x) })
        {
            var ex = Assert.Throws<ArgumentException>(() => call());
            Assert.That(ex!.ParamName, Is.EqualTo("input"));
        }
    }

    [Test]
    public void Input_ConvolutionFirstLayer_ChannelsAndRankChecked()
    {
        manual_seed(33);
        using var vote = new VoteWrapper(() => nn.Sequential(
            ("conv", nn.Conv2d(1, 2, 3)), ("flatten", nn.Flatten()), ("fc", nn.Linear(2 * 4 * 4, 3))), 2);
        using var scope = NewDisposeScope();
        Assert.That(vote.forward(zeros(4, 1, 6, 6)).shape, Is.EqualTo(new long[] { 4, 3 }));
        var channels = Assert.Throws<ArgumentException>(() => vote.forward(zeros(4, 2, 6, 6)));
        Assert.That(channels!.ParamName, Is.EqualTo("input"));
        Assert.That(channels.Message, Does.Contain("(N, 1, H, W) or (1, H, W)").And.Contain("in_channels = 1").And.Contain("[4, 2, 6, 6]"));
        var rank = Assert.Throws<ArgumentException>(() => vote.Votes(zeros(6, 6)));
        Assert.That(rank!.Message, Does.Contain("Conv2d").And.Contain("[6, 6]"));
    }

    /// <summary>No over-reach: a model that reads integer tokens, or whose first layer cannot be found, gets its input.</summary>
    [Test]
    public void Input_ModelsThatTakeOtherInputs_AreNotRejected()
    {
        manual_seed(34);
        using var tokens = new VoteWrapper(() => nn.Sequential(("emb", nn.Embedding(10, 4)), ("fc", nn.Linear(4, 3))), 2);
        using var sculpt = new SculptWrapper(nn.Sequential(("emb", nn.Embedding(10, 4)), ("fc", nn.Linear(4, 2))), Sculpt.Normal, nLayers: 1);
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 1, 2, 3, 9 });
        Assert.That(tokens.Classify(ids).Probabilities.shape, Is.EqualTo(new long[] { 4, 3 }));
        Assert.That(sculpt.ForwardWithRisk(ids).Risk.shape, Is.EqualTo(new long[] { 4, 2 }));
    }
}
