using System;
using System.IO;
using System.Linq;
using NUnit.Framework;
using Spectre.Console;
using UncertaintyLoss.Demo;
using UncertaintyLoss.Tests.TestSupport;
using UncertaintyLoss.WrappersSample;
using Program = UncertaintyLoss.WrappersSample.Program;

namespace UncertaintyLoss.Demo.Tests;

/// <summary>The wrappers sample (samples/UncertaintyLoss.WrappersSample), <c>--wrapper vote|sculpt</c>: options and quick end-to-end runs.</summary>
[TestFixture]
public sealed class WrapperDemoTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Path.Combine(Path.GetTempPath(), "ul-wrapper-demo-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static (IAnsiConsole Console, StringWriter Output) Console()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
        });
        return (console, output);
    }

    private static void AssertPng(string path)
    {
        Assert.That(File.Exists(path), Is.True, path);
        Assert.That(File.ReadAllBytes(path).Take(4), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47 }), path);
    }

    [TestCase("vote")]
    [TestCase("sculpt")]
    public void Parse_Wrapper_IsKept(string wrapper)
    {
        var (options, error, _) = Program.Parse(new[] { "--wrapper", wrapper, "--quick" });
        Assert.That(error, Is.Null);
        Assert.That(options!.Wrapper, Is.EqualTo(wrapper));
        Assert.That(Program.Parse(new[] { "--wrapper", "vote", "--dataset", "fashion-mnist", "--epochs", "1" }).Error, Is.Null);
        Assert.That(Program.Parse(Array.Empty<string>()).Options, Is.EqualTo(new WrapperOptions("vote", "wrappers-output", 42, Quick: false)));
    }

    [TestCase(new[] { "--wrapper", "bagging" }, "--wrapper needs 'vote' or 'sculpt'")]
    [TestCase(new[] { "--wrapper" }, "--wrapper needs")]
    [TestCase(new[] { "--wrapper", "sculpt", "--dataset", "fashion-mnist" }, "regression-only")]
    [TestCase(new[] { "--data-dir", "x" }, "need --dataset fashion-mnist")]
    [TestCase(new[] { "--dataset", "cifar" }, "unknown dataset")]
    [TestCase(new[] { "--dataset", "fashion-mnist", "--epochs", "0" }, "--epochs")]
    [TestCase(new[] { "--dataset", "fashion-mnist", "--device", "tpu" }, "--device")]
    [TestCase(new[] { "--seed", "abc" }, "--seed")]
    [TestCase(new[] { "--bogus" }, "unknown option")]
    public void Parse_BadWrapperOptions_ExitNonZeroWithAMessage(string[] args, string message)
    {
        Assert.That(Program.Parse(args).Error, Does.Contain(message));
        var previous = System.Console.Error;
        var error = new StringWriter();
        System.Console.SetError(error);
        try
        {
            Assert.That(Program.Main(args), Is.EqualTo(2));
        }
        finally
        {
            System.Console.SetError(previous);
        }

        Assert.That(error.ToString(), Does.Contain(message));
    }

    [Test]
    public void Usage_MentionsTheWrapperOption()
    {
        Assert.That(Program.Usage, Does.Contain("--wrapper vote").And.Contain("--wrapper sculpt"));
    }

    [Test]
    public void MissingDataDirectory_ExitsWithTwoAndExplainsHowToGetTheData()
    {
        var previous = System.Console.Error;
        var error = new StringWriter();
        System.Console.SetError(error);
        try
        {
            Assert.That(Program.Main(new[] { "--dataset", "fashion-mnist", "--data-dir", "/nonexistent" }), Is.EqualTo(2));
        }
        finally
        {
            System.Console.SetError(previous);
        }

        Assert.That(error.ToString(), Does.Contain("/nonexistent").And.Contain("apt-get install dataset-fashion-mnist"));
    }

    /// <summary><c>--wrapper vote --quick</c> on the 2-D blobs: the ensemble classifies and is riskier far from the data.</summary>
    [Test]
    public void Run_VoteQuickSynthetic_WritesTheHeatMapAndRiskIsHigherFarAway()
    {
        var (console, output) = Console();
        var result = WrapperDemo.Run(new WrapperOptions("vote", _dir, 7, Quick: true), null, console);
        TestContext.Out.WriteLine(output.ToString());
        AssertPng(Path.Combine(_dir, "vote-synthetic.png"));
        Assert.That(result.Metric("accuracy"), Is.GreaterThan(0.9));
        Assert.That(result.Metric("risk (mean logit std), far"), Is.GreaterThan(2 * result.Metric("risk (mean logit std), test")));
        Assert.That(output.ToString(), Does.Contain("vote-synthetic.png"));
    }

    /// <summary><c>--wrapper sculpt --quick</c>: the risk head learns the heteroscedastic noise.</summary>
    [Test]
    public void Run_SculptQuick_WritesTheFigureAndRiskRanksAsTheTrueNoise()
    {
        var (console, output) = Console();
        var result = WrapperDemo.Run(new WrapperOptions("sculpt", _dir, 42, Quick: true), null, console);
        TestContext.Out.WriteLine(output.ToString());
        AssertPng(Path.Combine(_dir, "sculpt-regression.png"));
        Assert.That(result.Metric("Spearman(risk, true noise std)"), Is.GreaterThan(0.8));
        Assert.That(result.Metric("95% interval coverage (fresh data)"), Is.InRange(0.85, 0.99));
    }

    /// <summary>Capsa's Vote tutorial on Fashion-MNIST, tiny (2000 training / 500 test images, 1 epoch); skipped without the data.</summary>
    [Test]
    public void RunVoteFashion_Tiny_WritesTheTutorialFigure()
    {
        Requires.Path(FashionMnist.SystemDirectory, "apt-get install dataset-fashion-mnist");
        var (console, output) = Console();
        var settings = new VoteFashionSettings(FashionMnist.SystemDirectory, Epochs: 1, Seed: 42) { TrainLimit = 2000, TestLimit = 500 };
        var result = WrapperDemo.RunVoteFashion(settings, _dir, console);
        TestContext.Out.WriteLine(output.ToString());
        AssertPng(Path.Combine(_dir, "vote-extremes.png"));
        Assert.That(result.Metric("accuracy (classes 0–4)"), Is.GreaterThan(0.6));
        Assert.That(result.Metrics.Select(m => m.Value), Is.All.Matches<double>(double.IsFinite));
        Assert.That(result.Metrics.Select(m => m.Name), Has.Member("OOD AUROC, mutual information"));
    }

    [Test]
    public void Spearman_MonotoneAndReversed_IsPlusOrMinusOne()
    {
        var a = new[] { 0.1, 0.5, 0.3, 0.9 };
        Assert.That(WrapperDemo.Spearman(a, a.Select(v => Math.Exp(v)).ToArray()), Is.EqualTo(1.0).Within(1e-12));
        Assert.That(WrapperDemo.Spearman(a, a.Select(v => -v).ToArray()), Is.EqualTo(-1.0).Within(1e-12));
        Assert.That(WrapperDemo.Spearman(new[] { 1.0, 2.0, 2.0, 3.0 }, new[] { 1.0, 2.0, 3.0, 4.0 }), Is.EqualTo(MathNet.Numerics.Statistics.Correlation.Spearman(new[] { 1.0, 2.0, 2.0, 3.0 }, new[] { 1.0, 2.0, 3.0, 4.0 })).Within(1e-12));
    }
}
