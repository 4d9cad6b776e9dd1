using NUnit.Framework;
using TorchSharp;
#region readme-usings
using UncertaintyLoss;
using static TorchSharp.torch;
#endregion

namespace UncertaintyLoss.Tests.DocsTests;

/// <summary>The C# blocks of README.md (and the package README), run on small fixed-seed data.</summary>
[TestFixture]
public sealed class ReadmeSnippets
{
    [Test]
    public void Recipe_NoArgumentModule_TrainsAndGivesUncertaintyInUnitInterval()
    {
        using var outer = torch.NewDisposeScope();
        var model = DocData.Mlp(3, 21);
        var (x, y) = DocData.Blobs(60, 22);
        var optimizer = torch.optim.Adam(model.parameters(), lr: 0.01);

        #region readme-recipe
        // before: var criterion = nn.CrossEntropyLoss();
        var criterion = new FisherEvidentialLossModule();      // the recipe, no arguments (docs/recipes.md)
        var loss = criterion.forward(model.forward(x), y);     // takes logits; backward and step as before
        criterion.StepSchedule();                              // once per epoch: its KL ramp min(1, epoch/10)

        var evidence = UL.ToEvidence(model.forward(x), criterion.Activation);
        var u = UL.Uncertainty(evidence, normalize: true);     // per-sample uncertainty in [0, 1]
        #endregion

        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        Assert.That(double.IsFinite(loss.item<float>()), Is.True);
        Assert.That(criterion.CurrentRegFactor, Is.EqualTo(0.1).Within(1e-15));
        Assert.That(u.shape, Is.EqualTo(new long[] { 60 }));
        Assert.That(u.min().item<float>(), Is.GreaterThanOrEqualTo(0f));
        Assert.That(u.max().item<float>(), Is.LessThanOrEqualTo(1f));
    }

    [Test]
    public void QuickStart_ReplacesCrossEntropy_GivesFiniteLossAndUncertaintyInUnitInterval()
    {
        using var outer = torch.NewDisposeScope();
        torch.manual_seed(7);
        var logits = torch.randn(8, 4);
        var target = torch.randint(0, 4, new long[] { 8 });
        double regFactor = 0.5;

        #region readme-quick-start
        // before: var loss = nn.functional.cross_entropy(logits, target);
        var evidence = UL.ClampedExp(logits);                              // non-negative evidence
        var loss = UL.EvidentialLoss(evidence, target, regFactor: regFactor); // anneal regFactor 0 → 1
        // or:     UL.MaxNormLoss(evidence, target, regFactor: regFactor);

        var u = UL.Uncertainty(evidence, normalize: true);   // per-sample uncertainty in [0, 1]
        var epistemic = UL.ModelUncertainty(evidence);      // what more data would reduce
        #endregion

        Assert.That(loss.shape, Is.Empty);
        Assert.That(double.IsFinite(loss.item<float>()), Is.True);
        Assert.That(u.shape, Is.EqualTo(new long[] { 8 }));
        Assert.That(u.min().item<float>(), Is.GreaterThanOrEqualTo(0f));
        Assert.That(u.max().item<float>(), Is.LessThanOrEqualTo(1f));
        Assert.That(epistemic.shape, Is.EqualTo(new long[] { 8 }));
    }

    [Test]
    public void LossModule_ForwardAndStepSchedule_AdvancesTheSchedule()
    {
        using var outer = torch.NewDisposeScope();
        var model = DocData.Mlp(3, 11);
        var (x, y) = DocData.Blobs(50, 12);

        #region readme-loss-module
        var criterion = new EvidentialLossModule(schedule: RegFactor.Linear(steps: 1000));
        var loss = criterion.forward(model.forward(x), y);   // takes logits, like nn.CrossEntropyLoss
        criterion.StepSchedule();                            // once per batch
        #endregion

        Assert.That(double.IsFinite(loss.item<float>()), Is.True);
        Assert.That(criterion.CurrentRegFactor, Is.EqualTo(0.001).Within(1e-12));
    }

    [Test]
    public void Sculpt_LossSampleInterval_HaveTheTargetsShape()
    {
        using var outer = torch.NewDisposeScope();
        torch.manual_seed(13);
        var y = torch.randn(16, 1);
        var yHat = torch.randn(16, 1);
        var rawRisk = torch.randn(16, 1);

        #region readme-sculpt
        var yRisk = Sculpt.Scale(rawRisk);                                  // softplus + floor: a valid scale
        var loss = Sculpt.Normal.LossFunction(y, yHat, yRisk);              // exact NLL; also Laplace, StudentT(ν), Cauchy
        var sample = Sculpt.Normal.Sample((yHat, yRisk));                   // reparameterised
        var (lower, upper) = Sculpt.Normal.Interval(yHat, yRisk, 0.95);
        #endregion

        Assert.That(double.IsFinite(loss.item<float>()), Is.True);
        Assert.That(sample.shape, Is.EqualTo(new long[] { 16, 1 }));
        Assert.That(lower.lt(upper).all().item<bool>(), Is.True);
    }
}
