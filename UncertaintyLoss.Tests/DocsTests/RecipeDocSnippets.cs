using System;
using NUnit.Framework;
using TorchSharp;
using UncertaintyLoss.Metrics;
using static TorchSharp.torch;

namespace UncertaintyLoss.Tests.DocsTests;

/// <summary>The C# blocks of docs/recipes.md (and README's first snippet), run on small fixed-seed blobs.</summary>
[TestFixture]
public sealed class RecipeDocSnippets
{
    [Test]
    public void Recipe_TrainsCalibratesAndScores()
    {
        using var outer = torch.NewDisposeScope();
        var model = DocData.Mlp(3, 41);
        var optimizer = torch.optim.Adam(model.parameters(), lr: 0.01);
        const int epochs = 10;
        var batches = DocData.Batches(1000, 42);

        #region recipe-train
        var criterion = new FisherEvidentialLossModule();   // the recipe: I-EDL, softplus evidence, its KL schedule built in
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            foreach (var (x, y) in batches)
            {
                using var scope = torch.NewDisposeScope();
                var loss = criterion.forward(model.forward(x), y);   // logits in, like nn.CrossEntropyLoss
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }

            criterion.StepSchedule();   // once per epoch: λ = min(1, epoch/10)
        }
        #endregion

        var (xVal, yVal) = DocData.Blobs(500, 43);
        var (xTest, yTest) = DocData.Blobs(1000, 44);

        #region recipe-predict
        using var noGrad = torch.no_grad();
        // The calibrator: one temperature on ln α (α = evidence + 1), fitted on held-out data.
        var validationEvidence = UL.ToEvidence(model.forward(xVal), criterion.Activation);
        var scaler = TemperatureScaling.Fit((validationEvidence + 1).log(), yVal);

        var evidence = UL.ToEvidence(model.forward(xTest), criterion.Activation);
        var probabilities = scaler.Probabilities((evidence + 1).log());   // calibrated class probabilities
        var uncertainty = UL.Uncertainty(evidence);                       // entropy of the Dirichlet mean: flags errors and unfamiliar inputs
        #endregion

        double accuracy = probabilities.argmax(1).eq(yTest).to(ScalarType.Float64).mean().item<double>();
        double ece = Calibration.ExpectedCalibrationError(probabilities, yTest);
        TestContext.Out.WriteLine(FormattableString.Invariant(
            $"recipe on blobs: accuracy {accuracy:F4}, T = {scaler.Temperature:G4}, ECE {ece:F4}, uncertainty {uncertainty.min().item<float>():F4}…{uncertainty.max().item<float>():F4}"));
        Assert.That(criterion.CurrentRegFactor, Is.EqualTo(1.0).Within(1e-15), "ten epochs stepped: the ramp is at its top");
        Assert.That(accuracy, Is.GreaterThan(0.9));
        Assert.That(probabilities.sum(1).sub(1).abs().max().item<float>(), Is.LessThan(1e-5f));
        Assert.That(uncertainty.min().item<float>(), Is.GreaterThanOrEqualTo(0f));
        Assert.That(uncertainty.max().item<float>(), Is.LessThanOrEqualTo((float)Math.Log(3) + 1e-5f), "an entropy over 3 classes");
    }
}
