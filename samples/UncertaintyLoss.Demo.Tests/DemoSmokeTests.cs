using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using NUnit.Framework;
using Spectre.Console;
using UncertaintyLoss.Demo;

namespace UncertaintyLoss.Demo.Tests;

/// <summary>The demo end to end in <c>--quick</c> mode, and its argument handling.</summary>
[TestFixture]
public sealed class DemoSmokeTests
{
    [Test]
    public void QuickRunWritesHeatMapsAndEvidentialModelIsMoreUncertainFarAway()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ul-demo-" + Guid.NewGuid().ToString("N"));
        try
        {
            var output = new StringWriter();
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Out = new AnsiConsoleOutput(output),
            });
            var watch = Stopwatch.StartNew();
            var result = Program.Run(new DemoOptions(dir, Quick: true), console);
            TestContext.Out.WriteLine(output.ToString());
            TestContext.Out.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s");

            foreach (var name in new[] { "cross-entropy", "evidential", "maxnorm" })
            {
                var png = Path.Combine(dir, $"uncertainty-{name}.png");
                Assert.That(File.Exists(png), Is.True, png);
                Assert.That(File.ReadAllBytes(png).Take(4), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47 }), png);
            }

            Assert.That(result.Models.Select(m => m.Kind), Is.EqualTo(new[] { LossKind.CrossEntropy, LossKind.Evidential, LossKind.MaxNorm }));
            Assert.That(result.Models.Select(m => m.Accuracy), Is.All.GreaterThan(0.9));
            var evidential = result.Models.Single(m => m.Kind == LossKind.Evidential);
            Assert.That(evidential.FarUncertainty, Is.GreaterThanOrEqualTo(2 * evidential.TestUncertainty));
            Assert.That(output.ToString(), Does.Contain("evidential").And.Contain("max-norm").And.Contain("cross-entropy"));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    /// <summary>
    /// Far from the data (the ring at 3× the data's radius) both Dirichlet models are clearly more uncertain than on the
    /// held-out points, for every seed: the Gaussian-feature network's logits go to 0 away from the data (see
    /// <see cref="Training.Model"/>). Seeds 1–3 were fixed before looking at the results.
    /// </summary>
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void QuickRun_AnySeed_DirichletModelsAreAtLeastTwiceAsUncertainFarAway(int seed)
    {
        var result = Training.Run(new TrainingSettings(new DemoOptions(Quick: true).Steps, seed, GridSize: 4));
        foreach (var m in result.Models)
        {
            TestContext.Out.WriteLine($"seed {seed} {m.Name}: accuracy {m.Accuracy:F3}, u(test) {m.TestUncertainty:F3}, u(far) {m.FarUncertainty:F3}");
        }

        Assert.That(result.Models.Select(m => m.Accuracy), Is.All.GreaterThan(0.9));
        foreach (var m in result.Models.Where(m => m.Kind != LossKind.CrossEntropy))
        {
            Assert.That(m.FarUncertainty, Is.GreaterThanOrEqualTo(2 * m.TestUncertainty), m.Name);
        }
    }

    [Test]
    public void ProgressReportsEveryStepWithLossAndRegFactorAndARedirectedConsoleIsNotInteractive()
    {
        var reports = new System.Collections.Generic.List<TrainingProgress>();
        Training.Run(new TrainingSettings(Steps: 8, Seed: 3, GridSize: 4), reports.Add);
        Assert.That(reports, Has.Count.EqualTo(3 * 8));
        Assert.That(reports.Select(r => r.Model).Distinct(), Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(reports.Where(r => r.Model == 1).Select(r => r.Step), Is.EqualTo(Enumerable.Range(1, 8).Select(i => (long)i)));
        Assert.That(reports.Select(r => r.TotalSteps), Is.All.EqualTo(8));
        Assert.That(reports.Select(r => r.Loss), Is.All.Matches<double>(double.IsFinite));
        Assert.That(reports.Where(r => r.Kind == LossKind.CrossEntropy).Select(r => r.RegFactor), Is.All.EqualTo(0.0));
        Assert.That(reports.Where(r => r.Kind == LossKind.Evidential).Select(r => r.RegFactor), Is.Ordered.And.Some.GreaterThan(0.0));

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(new StringWriter()),
        });
        Assert.That(TrainingProgressDisplay.IsInteractive(console), Is.False);
    }

    [Test]
    public void QuickRunIsDeterministicForASeed()
    {
        var a = Training.Run(new TrainingSettings(Steps: 20, Seed: 3, GridSize: 8));
        var b = Training.Run(new TrainingSettings(Steps: 20, Seed: 3, GridSize: 8));
        for (int k = 0; k < 3; k++)
        {
            Assert.That(b.Models[k].Accuracy, Is.EqualTo(a.Models[k].Accuracy));
            Assert.That(b.Models[k].TestUncertainty, Is.EqualTo(a.Models[k].TestUncertainty));
            Assert.That(b.Models[k].FarUncertainty, Is.EqualTo(a.Models[k].FarUncertainty));
            Assert.That(b.Models[k].Grid, Is.EqualTo(a.Models[k].Grid));
        }
    }

    [TestCase("--quick", "--out", "x", "--seed", "5")]
    [TestCase("--dataset", "synthetic")]
    public void ParsesValidOptions(params string[] args)
    {
        var (options, error, help) = Program.Parse(args);
        Assert.That(error, Is.Null);
        Assert.That(help, Is.False);
        Assert.That(options, Is.Not.Null);
    }

    [Test]
    public void ParsedValuesAreKept()
    {
        var (options, _, _) = Program.Parse(new[] { "--quick", "--out", "somewhere", "--seed", "5" });
        Assert.That(options, Is.EqualTo(new DemoOptions("somewhere", 5, Quick: true)));
        Assert.That(Program.Parse(Array.Empty<string>()).Options, Is.EqualTo(new DemoOptions("demo-output", 42, Quick: false)));
    }

    [TestCase(new[] { "--bogus" }, "unknown option")]
    [TestCase(new[] { "--dataset", "cifar" }, "unknown dataset")]
    [TestCase(new[] { "--seed", "abc" }, "--seed")]
    [TestCase(new[] { "--out" }, "--out")]
    public void BadOptionsExitNonZeroWithAMessage(string[] args, string message)
    {
        Assert.That(Program.Parse(args).Error, Does.Contain(message));
        var previous = Console.Error;
        var error = new StringWriter();
        Console.SetError(error);
        try
        {
            Assert.That(Program.Main(args), Is.Not.EqualTo(0));
        }
        finally
        {
            Console.SetError(previous);
        }

        Assert.That(error.ToString(), Does.Contain(message));
    }

    [Test]
    public void HelpExitsZero()
    {
        var previous = Console.Out;
        var output = new StringWriter();
        Console.SetOut(output);
        try
        {
            Assert.That(Program.Main(new[] { "--help" }), Is.EqualTo(0));
        }
        finally
        {
            Console.SetOut(previous);
        }

        Assert.That(output.ToString(), Does.Contain("--quick").And.Contain("--out").And.Contain("--seed"));
    }
}
