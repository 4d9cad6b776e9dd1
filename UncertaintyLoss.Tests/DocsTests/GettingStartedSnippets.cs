using System;
using NUnit.Framework;
#region getting-started-usings
using TorchSharp;
using UncertaintyLoss;
using static TorchSharp.torch;
#endregion

namespace UncertaintyLoss.Tests.DocsTests;

/// <summary>
/// The complete example of docs/getting-started.md: data, model, a training loop with <c>UL.EvidentialLoss</c> in place
/// of <c>cross_entropy</c> and an annealed regFactor, then predictions with uncertainty. Runs in a second or two.
/// </summary>
[TestFixture]
public sealed class GettingStartedSnippets
{
    [Test]
    public void GettingStarted_TrainsEvidentialModel_AccurateAndMoreUncertainBetweenClasses()
    {
        using var outer = torch.NewDisposeScope();

        #region getting-started-data
        // Three 2-D Gaussian blobs, 600 points: x is (600, 2) float32, y is (600) Int64 class indices.
        torch.manual_seed(0);
        var centres = torch.tensor(new float[] { 0f, 3f, 2.6f, -1.5f, -2.6f, -1.5f }, 3, 2);
        var y = torch.randint(0, 3, new long[] { 600 });
        var x = centres.index_select(0, y) + 0.7f * torch.randn(600, 2);
        #endregion

        #region getting-started-train
        // A model with one output per class, exactly as for cross_entropy.
        var model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 3));
        var optimizer = torch.optim.Adam(model.parameters(), lr: 0.01);

        const int epochs = 30, batchSize = 50;
        long batchesPerEpoch = x.shape[0] / batchSize;
        // regFactor (the KL term's weight) goes linearly from 0 to 1 over the first half of training.
        var schedule = RegFactor.Linear(steps: epochs * batchesPerEpoch / 2);

        for (int epoch = 0; epoch < epochs; epoch++)
        {
            var order = torch.randperm(x.shape[0]);
            for (long b = 0; b < batchesPerEpoch; b++)
            {
                using var scope = torch.NewDisposeScope();   // frees this batch's tensors
                var idx = order[TensorIndex.Slice(b * batchSize, (b + 1) * batchSize)];
                var logits = model.forward(x[idx]);
                // before: var loss = nn.functional.cross_entropy(logits, y[idx]);
                var evidence = UL.ClampedExp(logits);
                var loss = UL.EvidentialLoss(evidence, y[idx], regFactor: schedule.Value);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                schedule.Step();
            }
        }
        #endregion

        #region getting-started-predict
        model.eval();
        using var noGrad = torch.no_grad();
        var trainEvidence = UL.ClampedExp(model.forward(x));
        double accuracy = UL.DirichletMean(trainEvidence).argmax(1).eq(y).to_type(ScalarType.Float64).mean().item<double>();
        Console.WriteLine($"training accuracy {accuracy:F3}");

        // A point at a class centre, and the point halfway between all three classes.
        var points = torch.tensor(new float[] { 0f, 3f, 0f, 0f }, 2, 2);
        var pointEvidence = UL.ClampedExp(model.forward(points));
        var probabilities = UL.DirichletMean(pointEvidence);                // (2, 3) expected class probabilities
        var uncertainty = UL.Uncertainty(pointEvidence, normalize: true);   // (2): 0 = certain, 1 = no evidence
        var epistemic = UL.ModelUncertainty(pointEvidence);                 // (2): what more data would reduce
        for (int i = 0; i < 2; i++)
            Console.WriteLine($"point {i}: p = {probabilities[i].npstr()}, uncertainty {uncertainty[i].item<float>():F3}, " +
                              $"epistemic {epistemic[i].item<float>():F3}");
        #endregion

        Assert.That(accuracy, Is.GreaterThan(0.9));
        Assert.That(probabilities[0].argmax().item<long>(), Is.EqualTo(0L));
        Assert.That(uncertainty[1].item<float>(), Is.GreaterThan(uncertainty[0].item<float>()));
        Assert.That(epistemic[1].item<float>(), Is.GreaterThan(epistemic[0].item<float>()));
    }
}
