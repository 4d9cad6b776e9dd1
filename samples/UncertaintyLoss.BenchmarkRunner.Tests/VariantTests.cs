using System;
using System.Linq;
using NUnit.Framework;

namespace UncertaintyLoss.BenchmarkRunner.Tests;

[TestFixture]
public class VariantTests
{
    [Test]
    public void PlainName_HasNoSettings_AndKeepsThePresets()
    {
        var v = Variant.Parse("iedl");
        Assert.That(v.Base, Is.EqualTo("iedl"));
        Assert.That(v.Settings, Is.Empty);
        Assert.That(v.EarlyStopping, Is.False);
        using var module = (FisherEvidentialLossModule)ModelZoo.DirichletModule(v)!;
        Assert.That(module.Activation, Is.EqualTo(EvidenceActivation.Softplus));
        Assert.That(module.FisherCoefficient, Is.EqualTo(0.005));
        // RegFactor.Presets.Iedl() = min(1, epoch/10): 0 at epoch 0, 0.5 after five steps.
        Assert.That(module.CurrentRegFactor, Is.EqualTo(0.0));
        for (int i = 0; i < 5; i++)
            module.StepSchedule();
        Assert.That(module.CurrentRegFactor, Is.EqualTo(0.5).Within(1e-15));
    }

    [Test]
    public void Settings_ChangeOnlyWhatTheyName()
    {
        var v = Variant.Parse("redl@act=exp@clamp=5@prior=0.5@reg=2@ramp=4@wd=0.1@lr=0.0005@es=1");
        Assert.That(v.Number("wd"), Is.EqualTo(0.1));
        Assert.That(v.Number("lr"), Is.EqualTo(0.0005));
        Assert.That(v.EarlyStopping, Is.True);
        using var module = (RelaxedEvidentialLossModule)ModelZoo.DirichletModule(v)!;
        Assert.That(module.Activation, Is.EqualTo(EvidenceActivation.Exp));
        Assert.That(module.PriorWeight, Is.EqualTo(0.5));
        for (int i = 0; i < 2; i++)
            module.StepSchedule();
        Assert.That(module.CurrentRegFactor, Is.EqualTo(1.0).Within(1e-15), "2 · min(1, 2/4)");
    }

    [TestCase("nope@wd=1", "unknown model 'nope'")]
    [TestCase("edl@wd", "'wd' is not key=value")]
    [TestCase("edl@colour=red", "'colour=red' is not key=value")]
    [TestCase("edl@wd=x", "wd must be a number, got 'x'")]
    [TestCase("edl@act=tanh", "act must be exp, softplus or relu, got 'tanh'")]
    [TestCase("edl@wd=1@wd=2", "wd given twice")]
    public void BadVariant_IsRejectedNamingThePart(string name, string message)
    {
        Assert.That(() => Variant.Parse(name), Throws.ArgumentException.With.Message.Contains(message));
        var (code, output) = Cli.Run("--models", name);
        Assert.That(code, Is.Not.Zero);
        Assert.That(output, Does.Contain("--models"));
    }
}

[TestFixture]
public class MergeTests
{
    private static RunSettings Settings(int epochs, params string[] models) => new(models, 1, epochs, false, 90, 10, 50,
        new[] { "fashion-5-9" }, "cpu", 128, 1e-3, 5, 20, 15, new System.Collections.Generic.Dictionary<string, string> { [models[0]] = models[0] });

    private static Provenance Prov(string date) => new(date, "cmd", "machine", 2, "os", "fw", null, "data", 1.0);

    [Test]
    public void Merge_AddsModels_ReplacesTheSameModelAndSeed_AndRecordsTheLaterRun()
    {
        var earlier = new RunResults(Settings(10, "a", "b"), Prov("d1"), new[] { new ModelResult("a", 0) { Accuracy = 0.1 }, new ModelResult("b", 0) { Accuracy = 0.2 } });
        var later = new RunResults(Settings(10, "b", "c"), Prov("d2"), new[] { new ModelResult("b", 0) { Accuracy = 0.3 }, new ModelResult("c", 0) { Accuracy = 0.4 } });
        var merged = RunResults.Merge(earlier, later);
        Assert.That(merged.Settings.Models, Is.EqualTo(new[] { "a", "b", "c" }));
        Assert.That(merged.Models.Select(m => (m.Model, m.Accuracy)), Is.EqualTo(new[] { ("a", 0.1), ("b", 0.3), ("c", 0.4) }));
        Assert.That(merged.Provenance.Date, Is.EqualTo("d1"));
        Assert.That(merged.Appended!.Select(p => p.Date), Is.EqualTo(new[] { "d2" }));
        Assert.That(merged.Settings.CalibratorInput.Keys, Is.EquivalentTo(new[] { "a", "b" }));

        var roundTrip = Results.FromJson(Results.ToJson(merged));
        Assert.That(roundTrip.Models.Select(m => (m.Model, m.Accuracy)), Is.EqualTo(merged.Models.Select(m => (m.Model, m.Accuracy))));
        Assert.That(roundTrip.Appended!.Single().Date, Is.EqualTo("d2"));
    }

    [Test]
    public void Merge_OfRunsWithDifferentEpochs_ThrowsNamingTheDifference()
    {
        var earlier = new RunResults(Settings(10, "a"), Prov("d1"), Array.Empty<ModelResult>());
        var later = new RunResults(Settings(5, "a"), Prov("d2"), Array.Empty<ModelResult>());
        Assert.That(() => RunResults.Merge(earlier, later), Throws.ArgumentException.With.Message.Contains("epochs 10 (results.json) vs 5 (this run)"));
    }
}
