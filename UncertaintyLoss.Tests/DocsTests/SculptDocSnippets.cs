using System.Linq;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace UncertaintyLoss.Tests.DocsTests;

/// <summary>The C# blocks of docs/sculpt.md, run on small fixed-seed data.</summary>
[TestFixture]
public sealed class SculptDocSnippets
{
    [Test]
    public void AddedNllTerm_OnTwoOutputModel_GivesAFiniteScalarWithGradient()
    {
        using var outer = torch.NewDisposeScope();
        var model = DocData.Mlp(2, 21);
        var (x, _) = DocData.Blobs(32, 22);
        var y = torch.randn(new long[] { 32 }, generator: new Generator(23));
        double scale = 0.5;

        #region sculpt-added-nll
        var output = model.forward(x);                          // (N, 2): location and raw risk
        var yHat = output.select(1, 0);
        var yRisk = Sculpt.Scale(output.select(1, 1));
        var loss = nn.functional.mse_loss(yHat, y) + scale * Sculpt.Normal.LossFunction(y, yHat, yRisk);
        #endregion

        loss.backward();
        Assert.That(double.IsFinite(loss.item<float>()), Is.True);
        Assert.That(model.parameters().First().grad, Is.Not.Null);
    }

    [Test]
    public void SampledOutput_MseOnSample_IsFiniteAndDifferentiableInTheRisk()
    {
        using var outer = torch.NewDisposeScope();
        torch.manual_seed(24);
        var y = torch.randn(32);
        var yHat = torch.randn(32).requires_grad_();
        var yRisk = Sculpt.Scale(torch.randn(32).requires_grad_());

        #region sculpt-sampled-output
        var sampled = Sculpt.Normal.Sample((yHat, yRisk));
        var loss = nn.functional.mse_loss(sampled, y);          // the original loss, on the sample
        #endregion

        loss.backward();
        Assert.That(yHat.grad, Is.Not.Null);
        Assert.That(double.IsFinite(loss.item<float>()), Is.True);
    }

    [Test]
    public void EvidentialRegression_FourOutputModel_GivesLossAndThreeUncertainties()
    {
        using var outer = torch.NewDisposeScope();
        var model = DocData.Mlp(4, 25);
        var (x, _) = DocData.Blobs(32, 26);
        var y = torch.randn(new long[] { 32 }, generator: new Generator(27));

        #region sculpt-evidential-regression
        var (gamma, nu, alpha, beta) = UL.NormalInverseGammaParameters(model.forward(x));   // last dim of size 4
        var loss = UL.EvidentialRegressionLoss(gamma, nu, alpha, beta, y, regFactor: 0.01);
        var (prediction, aleatoric, epistemic) = UL.EvidentialRegressionUncertainty(gamma, nu, alpha, beta);
        #endregion

        Assert.That(double.IsFinite(loss.item<float>()), Is.True);
        Assert.That(prediction.shape, Is.EqualTo(new long[] { 32 }));
        Assert.That(aleatoric.min().item<float>(), Is.GreaterThan(0f));
        Assert.That(epistemic.min().item<float>(), Is.GreaterThan(0f));
    }
}
