using System.Linq;
using NUnit.Framework;
using TorchSharp;
#region metrics-usings
using UncertaintyLoss.Metrics;
#endregion
using static TorchSharp.torch;

namespace UncertaintyLoss.Tests.DocsTests;

/// <summary>The C# block of docs/metrics.md, run on random evidence.</summary>
[TestFixture]
public sealed class MetricsDocSnippets
{
    [Test]
    public void Metrics_OnRandomEvidence_AreInTheirRanges()
    {
        using var outer = torch.NewDisposeScope();
        torch.manual_seed(41);
        var evidence = UL.ClampedExp(torch.randn(64, 3) * 2);
        var target = torch.randint(0, 3, new long[] { 64 });

        #region metrics-example
        var probs = UL.DirichletMean(evidence);                        // (N, C)
        double ece = Calibration.ExpectedCalibrationError(probs, target, bins: 15);
        var table = Calibration.ReliabilityDiagram(probs, target);     // IReadOnlyList<ReliabilityBin>
        double brier = ScoringRules.BrierScore(probs, target);
        double nll = ScoringRules.NegativeLogLikelihood(probs, target);

        var wrong = probs.argmax(1).ne(target);                        // misclassification detection
        double auroc = Ranking.Auroc(UL.Uncertainty(evidence), wrong);
        double aupr = Ranking.Aupr(UL.Uncertainty(evidence), wrong);
        #endregion

        Assert.That(ece, Is.InRange(0.0, 1.0));
        Assert.That(table, Has.Count.EqualTo(15));
        Assert.That(brier, Is.InRange(0.0, 2.0));
        Assert.That(nll, Is.GreaterThan(0.0));
        Assert.That(auroc, Is.InRange(0.0, 1.0));
        Assert.That(aupr, Is.InRange(0.0, 1.0));
    }

    [Test]
    public void NewMetrics_OnRandomEvidence_AreInTheirRanges()
    {
        using var outer = torch.NewDisposeScope();
        torch.manual_seed(43);
        var evidence = UL.ClampedExp(torch.randn(256, 3) * 2);
        var target = torch.randint(0, 3, new long[] { 256 });
        var probs = UL.DirichletMean(evidence);
        var mu = torch.randn(256);
        var sigma = torch.rand(256) + 0.5;
        var y = mu + sigma * torch.randn(256);

        #region metrics-new-example
        double adaptive = Calibration.AdaptiveCalibrationError(probs, target, bins: 15);   // equal-mass bins
        double classwise = Calibration.ClasswiseCalibrationError(probs, target);
        double mce = Calibration.MaximumCalibrationError(probs, target);
        BrierComponents brier = ScoringRules.BrierDecomposition(probs, target, bins: 10);
        double aurc = SelectiveClassification.Aurc(probs, target);
        double augrc = SelectiveClassification.Augrc(probs, target);
        var wrong = probs.argmax(1).ne(target);
        double fpr95 = Ranking.FprAtTpr(UL.Uncertainty(evidence), wrong);  // FPR at 95 % TPR

        // Regression: a Normal (or Laplace, Student-t) predictive distribution per element.
        double crps = RegressionMetrics.Crps(mu, sigma, y);
        double crpsT = RegressionMetrics.Crps(mu, sigma, y, PredictiveDistribution.StudentT, torch.full(256, 4.0));
        double picp = RegressionMetrics.IntervalCoverage(mu - 1.645 * sigma, mu + 1.645 * sigma, y);
        double winkler = RegressionMetrics.IntervalScore(mu - 1.645 * sigma, mu + 1.645 * sigma, y, alpha: 0.1);
        double area = RegressionMetrics.MiscalibrationArea(mu, sigma, y);
        #endregion

        Assert.That(new[] { adaptive, classwise, mce, aurc, augrc, fpr95, picp, area }, Is.All.InRange(0.0, 1.0));
        Assert.That(brier.Reliability - brier.Resolution + brier.Uncertainty + brier.WithinBinVariance - 2 * brier.WithinBinCovariance,
            Is.EqualTo(brier.BrierScore).Within(1e-12));
        Assert.That(picp, Is.InRange(0.8, 0.97)); // y is drawn from the predicted Normal: about 90 %
        Assert.That(crps, Is.GreaterThan(0.0));
        Assert.That(crpsT, Is.GreaterThan(0.0));
        Assert.That(winkler, Is.GreaterThan(0.0));
    }

    [Test]
    public void Streaming_OverImageBatches_EqualsOneShot()
    {
        using var outer = torch.NewDisposeScope();
        torch.manual_seed(44);
        var images = Enumerable.Range(0, 4)
            .Select(_ => (torch.randn(2, 5, 32, 32).softmax(1), torch.randint(0, 5, new long[] { 2, 32, 32 }))).ToList();

        #region metrics-streaming
        var metrics = new ClassificationMetricsAccumulator(classes: 5, bins: 15, ignoreIndex: 255);
        foreach (var (probabilities, labels) in images)     // probabilities (B, 5, H, W), labels (B, H, W)
        {
            using var scope = torch.NewDisposeScope();
            metrics.Update(probabilities, labels);          // copies the batch to the host, keeps only counts and sums
        }

        double ece = metrics.ExpectedCalibrationError();
        double aurc = metrics.Aurc();
        BrierComponents brier = metrics.BrierDecomposition();
        #endregion

        var all = torch.cat(images.Select(b => b.Item1).ToArray(), 0);
        var allLabels = torch.cat(images.Select(b => b.Item2).ToArray(), 0);
        Assert.That(ece, Is.EqualTo(Calibration.ExpectedCalibrationError(all, allLabels, 15, 255)));
        Assert.That(aurc, Is.EqualTo(SelectiveClassification.Aurc(all, allLabels, 255)));
        Assert.That(brier.BrierScore, Is.EqualTo(ScoringRules.BrierScore(all, allLabels, 255)));
    }
}
