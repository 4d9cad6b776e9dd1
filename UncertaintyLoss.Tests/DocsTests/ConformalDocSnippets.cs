using System.Collections.Generic;
using System.IO;
using NUnit.Framework;
using TorchSharp;
using UncertaintyLoss.Metrics;
using static TorchSharp.torch;

namespace UncertaintyLoss.Tests.DocsTests;

/// <summary>The C# blocks of docs/conformal.md, run on small fixed-seed data; the coverages they print are the page's numbers.</summary>
[TestFixture]
public sealed class ConformalDocSnippets
{
    [Test]
    public void ConformalSets_EvidentialClassifierOnBlobs_CoverAtLeastNinetyPercent()
    {
        using var outer = torch.NewDisposeScope();
        var model = DocData.Mlp(3, 41);
        var optimizer = torch.optim.Adam(model.parameters(), lr: 0.01);
        var criterion = new EvidentialLossModule(schedule: RegFactor.Presets.Edl());
        for (int epoch = 0; epoch < 5; epoch++)
        {
            foreach (var (xb, yb) in DocData.Batches(1000, 42))
            {
                using var scope = torch.NewDisposeScope();
                var loss = criterion.forward(model.forward(xb), yb);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }

            criterion.StepSchedule();
        }

        // Blobs with more noise than the training data, so that some sets hold two or three classes.
        var (xCal, yCal) = DocData.Blobs(500, 43);
        var (xTest, yTest) = DocData.Blobs(2000, 44);
        xCal = xCal + 1.2 * torch.randn(xCal.shape, generator: new Generator(49));
        xTest = xTest + 1.2 * torch.randn(xTest.shape, generator: new Generator(50));
        using var noGrad = torch.no_grad();

        #region conformal-classification
        // Calibrate on held-out data the model never saw, then predict sets for new inputs.
        var calibrationProbs = UL.DirichletMean(UL.ClampedExp(model.forward(xCal)));
        var conformal = ConformalClassifier.Calibrate(calibrationProbs, yCal, alpha: 0.1, score: ConformalScore.Aps);

        var sets = conformal.PredictSets(UL.DirichletMean(UL.ClampedExp(model.forward(xTest))));   // Bool (N, C)
        double coverage = sets.gather(1, yTest.unsqueeze(1)).to(ScalarType.Float64).mean().item<double>();
        double meanSetSize = sets.sum(1).to(ScalarType.Float64).mean().item<double>();
        File.WriteAllText("conformal.json", conformal.ToJson());                                      // reload with FromJson
        #endregion

        double accuracy = model.forward(xTest).argmax(1).eq(yTest).to(ScalarType.Float64).mean().item<double>();
        TestContext.Out.WriteLine(FormattableString.Invariant(
            $"APS at α = 0.1: coverage {coverage:F4}, mean set size {meanSetSize:F3}, q̂ = {conformal.Threshold:F4}; accuracy {accuracy:F4}"));
        // One calibration split of 500: the coverage's standard deviation is about 1.5 points, so 0.85 is 3 of them below 0.9.
        Assert.That(coverage, Is.GreaterThanOrEqualTo(0.85));
        Assert.That(ConformalClassifier.FromJson(File.ReadAllText("conformal.json")).Threshold, Is.EqualTo(conformal.Threshold));
    }

    [Test]
    public void ConformalInterval_SculptNormalModel_CoversAboutNinetyPercent()
    {
        using var outer = torch.NewDisposeScope();
        (Tensor X, Tensor Y) Data(long n, long seed)
        {
            var g = new Generator((ulong)seed);
            var x = 4 * torch.rand(new long[] { n, 1 }, generator: g);
            var y = (2 * x).sin() + (0.1 + 0.4 * x) * torch.randn(new long[] { n, 1 }, generator: g);
            return (x, y.squeeze(1));
        }

        torch.manual_seed(45);
        var model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 2));
        var optimizer = torch.optim.Adam(model.parameters(), lr: 0.01);
        var (xTrain, yTrain) = Data(2000, 46);
        for (int step = 0; step < 400; step++)
        {
            using var scope = torch.NewDisposeScope();
            var raw = model.forward(xTrain);
            var loss = Sculpt.Normal.LossFunction(yTrain, raw.select(1, 0), Sculpt.Scale(raw.select(1, 1)));
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }

        var (xCal, yCal) = Data(1000, 47);
        var (xTest, yTest) = Data(5000, 48);
        using var noGrad = torch.no_grad();

        #region conformal-regression
        // The model's own scale makes the intervals adaptive: wide where the noise is large.
        var calibration = model.forward(xCal);
        var conformal = ConformalRegressor.Calibrate(calibration.select(1, 0), yCal, alpha: 0.1,
            scale: Sculpt.Scale(calibration.select(1, 1)));

        var output = model.forward(xTest);
        var (lower, upper) = conformal.Interval(output.select(1, 0), Sculpt.Scale(output.select(1, 1)));
        double coverage = lower.le(yTest).logical_and(yTest.le(upper)).to(ScalarType.Float64).mean().item<double>();
        #endregion

        // The Gaussian interval ŷ ± 1.645σ̂ without conformal calibration, for comparison.
        var sigma = Sculpt.Scale(output.select(1, 1));
        var mu = output.select(1, 0);
        double gaussian = (mu - 1.645 * sigma).le(yTest).logical_and(yTest.le(mu + 1.645 * sigma)).to(ScalarType.Float64).mean().item<double>();
        TestContext.Out.WriteLine(FormattableString.Invariant(
            $"scaled split conformal at α = 0.1: coverage {coverage:F4}, q̂ = {conformal.Threshold:F4}; Gaussian ±1.645σ̂: {gaussian:F4}"));
        // One calibration split of 1000 and 5000 test points: standard deviation about 1 point.
        Assert.That(coverage, Is.InRange(0.87, 0.94));
    }
}
