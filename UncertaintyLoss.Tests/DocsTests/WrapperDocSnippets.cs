using System;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using NUnit.Framework;
#region wrappers-usings
using TorchSharp;
using UncertaintyLoss;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;
#endregion

namespace UncertaintyLoss.Tests.DocsTests;

/// <summary>
/// The C# blocks of docs/wrappers.md, run on tiny fixed-seed problems: the <c>ForwardWithRisk</c> signature both
/// wrappers share, the optimizer built right after wrapping, a <c>SculptWrapper</c> training loop on heteroscedastic
/// 1-D data and a <c>VoteWrapper</c> ensemble of small classifiers on the 2-D blobs.
/// </summary>
[TestFixture]
public sealed class WrapperDocSnippets
{
    /// <summary>The signature the page shows; both wrappers must declare exactly this method.</summary>
    private interface IForwardWithRisk
    {
        #region wrappers-forward-with-risk
        (Tensor Prediction, Tensor Risk) ForwardWithRisk(Tensor x);   // Capsa's model(x, return_risk=True)
        #endregion
    }

    [TestCase(typeof(SculptWrapper))]
    [TestCase(typeof(VoteWrapper))]
    [TestCase(typeof(SampleWrapper))]
    public void ForwardWithRisk_Signature_MatchesTheDocumentedOne(Type wrapperType)
    {
        var documented = typeof(IForwardWithRisk).GetMethod(nameof(IForwardWithRisk.ForwardWithRisk))!;
        var actual = wrapperType.GetMethod("ForwardWithRisk", BindingFlags.Public | BindingFlags.Instance, [typeof(Tensor)]);

        Assert.That(actual, Is.Not.Null, $"{wrapperType.Name}.ForwardWithRisk(Tensor)");
        Assert.That(actual!.ReturnType, Is.EqualTo(documented.ReturnType));
        Assert.That(TupleNames(actual), Is.EqualTo(new[] { "Prediction", "Risk" }));
        Assert.That(TupleNames(documented), Is.EqualTo(new[] { "Prediction", "Risk" }));
    }

    [Test]
    public void OptimizerRightAfterWrapping_OneStep_UpdatesTheRiskHead()
    {
        using var outer = torch.NewDisposeScope();
        torch.manual_seed(31);
        var model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1));
        var x = torch.randn(16, 2);
        var y = torch.randn(16, 1);

        #region wrappers-optimizer
        var wrapped = new SculptWrapper(model, Sculpt.Normal, nLayers: 3);
        var optimizer = optim.Adam(wrapped.parameters(), lr: 1e-3);   // includes the risk head
        #endregion

        var headBefore = wrapped.RiskHead.parameters().Select(p => p.detach().clone()).ToArray();
        var (yHat, yRisk) = wrapped.ForwardWithRisk(x);
        optimizer.zero_grad();
        wrapped.Distribution.LossFunction(y, yHat, yRisk).backward();
        optimizer.step();
        var headAfter = wrapped.RiskHead.parameters().ToArray();

        Assert.That(wrapped.parameters().Count(), Is.EqualTo(model.parameters().Count() + headBefore.Length));
        Assert.That(headBefore, Has.Length.EqualTo(6));   // 3 linear layers: weight and bias each
        Assert.That(Enumerable.Range(0, headBefore.Length).All(i => !headAfter[i].allclose(headBefore[i], rtol: 0, atol: 0)), Is.True,
            "every parameter of the risk head moved after one optimizer step");
    }

    [Test]
    public void SculptWrapper_HeteroscedasticData_PredictsAndRiskGrowsWithTheNoise()
    {
        using var outer = torch.NewDisposeScope();
        // y = sin x + (0.05 + 0.3|x|)·ε, x uniform on [-3, 3]: 256 points in 4 batches of 64, seen 40 times.
        var gen = new Generator(7);
        var xAll = 6 * torch.rand(new long[] { 256, 1 }, generator: gen) - 3;
        var yAll = xAll.sin() + (0.05 + 0.3 * xAll.abs()) * torch.randn(new long[] { 256, 1 }, generator: gen);
        var epoch = Enumerable.Range(0, 4).Select(b => (xAll.narrow(0, 64 * b, 64), yAll.narrow(0, 64 * b, 64))).ToList();
        var batches = Enumerable.Repeat(epoch, 40).SelectMany(e => e).ToList();
        var xTest = torch.tensor(new float[] { -2.8f, -0.1f, 0f, 0.1f, 2.8f }, 5, 1);
        torch.manual_seed(8);
        var model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1));

        #region wrappers-sculpt
        var wrapped = new SculptWrapper(model, Sculpt.Normal, nLayers: 3);
        var optimizer = optim.Adam(wrapped.parameters(), lr: 1e-2);
        foreach (var (x, y) in batches)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var (yHat, yRisk) = wrapped.ForwardWithRisk(x);
            var loss = mse_loss(yHat, y) + wrapped.Distribution.LossFunction(y, yHat, yRisk);
            // or: var loss = mse_loss(wrapped.Distribution.Sample(wrapped.ForwardWithRisk(x)), y);
            loss.backward();
            optimizer.step();
        }
        var (prediction, risk) = wrapped.ForwardWithRisk(xTest);   // risk: the Normal's σ per output
        #endregion

        Assert.That(wrapped.HeadOnFeatures, Is.True);
        Assert.That(risk.shape, Is.EqualTo(prediction.shape));
        Assert.That(TestSupport.Tensors.ToDoubles(prediction), Is.EqualTo(TestSupport.Tensors.ToDoubles(model.forward(xTest))));
        var p = TestSupport.Tensors.ToDoubles(prediction);
        var s = TestSupport.Tensors.ToDoubles(risk);
        // the mean follows sin x (sin 2.8 ≈ 0.335); the learned σ is several times larger at |x| = 2.8 (true 0.89) than
        // near 0 (true about 0.05–0.08)
        Assert.That(p[4], Is.EqualTo(Math.Sin(2.8)).Within(0.4));
        Assert.That(p[0], Is.EqualTo(Math.Sin(-2.8)).Within(0.4));
        Assert.That(s.All(v => v > 0), Is.True);
        Assert.That(Math.Min(s[0], s[4]), Is.GreaterThan(2 * new[] { s[1], s[2], s[3] }.Max()));
    }

    [Test]
    public void VoteWrapper_Blobs_AccurateAndMoreUncertainFarFromTheData()
    {
        using var outer = torch.NewDisposeScope();
        // 384 training points in 6 batches of 64 (8 rows per voter), seen 25 times; 200 test points; a far ring.
        var (xTrain, yTrain) = DocData.Blobs(384, 51);
        var epoch = Enumerable.Range(0, 6).Select(b => (xTrain.narrow(0, 64 * b, 64), yTrain.narrow(0, 64 * b, 64))).ToList();
        var batches = Enumerable.Repeat(epoch, 25).SelectMany(e => e).ToList();
        var (xTest, yTest) = DocData.Blobs(200, 52);
        var angle = torch.linspace(0, 2 * Math.PI, 32);
        var far = 12 * torch.stack(new[] { angle.cos(), angle.sin() }, 1);

        #region wrappers-vote
        torch.manual_seed(42);
        var wrapped = new VoteWrapper(() => BuildModel(), nVoters: 8);   // 8 independently initialised models
        var optimizer = optim.Adam(wrapped.parameters(), lr: 1e-2);
        wrapped.train();
        foreach (var (x, y) in batches)                                  // batch size a multiple of 8
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            cross_entropy(wrapped.forward(x, tileAndReduce: false), y).backward();
            optimizer.step();
        }
        wrapped.eval();
        var (meanLogits, risk) = wrapped.ForwardWithRisk(xTest);          // mean and std over the voters
        var c = wrapped.Classify(xTest);                                  // + Probabilities, MutualInformation
        #endregion

        double accuracy = meanLogits.argmax(1).eq(yTest).to_type(ScalarType.Float64).mean().item<double>();
        var cFar = wrapped.Classify(far);
        Assert.That(accuracy, Is.GreaterThan(0.9));
        Assert.That(risk.shape, Is.EqualTo(new long[] { 200, 3 }));
        Assert.That(c.Probabilities.sum(1).allclose(torch.ones(200), rtol: 0, atol: 1e-5), Is.True);
        Assert.That(c.MutualInformation.shape, Is.EqualTo(new long[] { 200 }));
        Assert.That(c.MutualInformation.min().item<float>(), Is.GreaterThanOrEqualTo(0f));
        Assert.That(c.MutualInformation.max().item<float>(), Is.LessThanOrEqualTo((float)Math.Log(3) + 1e-5f));
        Assert.That(cFar.Risk.mean().item<float>(), Is.GreaterThan(2 * risk.mean().item<float>()));
        Assert.That(cFar.MutualInformation.mean().item<float>(), Is.GreaterThan(c.MutualInformation.mean().item<float>()));
    }

    /// <summary>The voter of the page's example: a 2 → 32 → 3 MLP, freshly initialised at every call.</summary>
    private static nn.Module<Tensor, Tensor> BuildModel() => nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 3));

    private static string?[] TupleNames(MethodInfo method) =>
        method.ReturnParameter.GetCustomAttribute<TupleElementNamesAttribute>()?.TransformNames.ToArray() ?? [];
}
