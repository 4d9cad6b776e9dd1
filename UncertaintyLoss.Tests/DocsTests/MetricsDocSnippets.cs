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
}
