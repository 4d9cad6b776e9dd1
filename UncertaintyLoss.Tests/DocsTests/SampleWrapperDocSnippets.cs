using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace UncertaintyLoss.Tests.DocsTests;

/// <summary>The <c>SampleWrapper</c> block of docs/wrappers.md, run on the 2-D blobs with a small dropout MLP.</summary>
[TestFixture]
public sealed class SampleWrapperDocSnippets
{
    [Test]
    public void SampleWrapper_Blobs_TrainsAndReportsRisk()
    {
        using var outer = NewDisposeScope();
        torch.manual_seed(61);
        var batches = DocData.Batches(240, seed: 62);
        var xTest = DocData.Blobs(30, seed: 63).X;
        var model = nn.Sequential(("fc1", nn.Linear(2, 32)), ("relu", nn.ReLU()), ("drop", nn.Dropout(0.2)), ("fc2", nn.Linear(32, 3)));

        #region wrappers-sample
        var wrapped = new SampleWrapper(model, nSamples: 20, seed: 0);  // seed: reproducible masks (optional)
        var optimizer = optim.Adam(wrapped.parameters(), lr: 1e-2);
        wrapped.train();
        foreach (var (x, y) in batches)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            cross_entropy(wrapped.forward(x, tileAndReduce: false), y).backward();   // one ordinary pass
            optimizer.step();
        }
        wrapped.eval();                                                  // dropout stays on in the wrapper's inference calls
        var (meanLogits, risk) = wrapped.ForwardWithRisk(xTest);          // mean and std over 20 dropout samples
        var c = wrapped.Classify(xTest);                                  // + Probabilities, MutualInformation
        #endregion

        Assert.That(meanLogits.shape, Is.EqualTo(new long[] { 30, 3 }));
        Assert.That(risk.max().item<float>(), Is.GreaterThan(0f));
        Assert.That(c.MutualInformation.shape, Is.EqualTo(new long[] { 30 }));
        Assert.That(model.training, Is.False, "eval() reached the model; the wrapper restored it after sampling");
    }
}
