using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using NUnit.Framework;
using Spectre.Console;
using UncertaintyLoss.Demo;
using UncertaintyLoss.Tests.TestSupport;

namespace UncertaintyLoss.Demo.Tests;

/// <summary>The demo's <c>--dataset fashion-mnist</c> mode: options, data lookup, checkpoints and a quick end-to-end run.</summary>
[TestFixture]
public sealed class FashionMnistDemoTests
{
    private const string DataDir = FashionMnist.SystemDirectory;
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Path.Combine(Path.GetTempPath(), "ul-fashion-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static void RequireData() =>
        Requires.Path(DataDir, "apt-get install dataset-fashion-mnist");

    private static (int Code, string Error) RunMain(params string[] args)
    {
        var previous = Console.Error;
        var error = new StringWriter();
        Console.SetError(error);
        try
        {
            return (Program.Main(args), error.ToString());
        }
        finally
        {
            Console.SetError(previous);
        }
    }

    /// <summary>
    /// The <c>--quick</c> run cut to 2 epochs (6000 training / 2000 test images, seed 42; 21.8 s in this test on the
    /// 2-core CI machine kind with libtorch single-threaded, tests.runsettings). With seed 42 (2026-12-03): accuracy
    /// 0.853 (cross-entropy), 0.817 (EDL), 0.716 (max-norm); the evidential model's OOD AUROC 0.774 (entropy) and 0.750
    /// (vacuity), so the bounds of 0.6 leave margins of 0.17, 0.15 and, for max-norm's accuracy, 0.12; chance is 0.5
    /// for the AUROC and 0.2 for the accuracy. One epoch is too few: max-norm reached only 0.406 accuracy.
    /// </summary>
    [Test]
    public void QuickRunWritesReportAndEvidentialModelDetectsOutOfDistributionImages()
    {
        RequireData();
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
        });
        var watch = Stopwatch.StartNew();
        var options = new DemoOptions(_dir, 42, Quick: true) { Dataset = "fashion-mnist", Epochs = 2 };
        var result = Program.RunFashion(options, DataDir, console, "test");
        TestContext.Out.WriteLine(output.ToString());
        TestContext.Out.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s");

        var report = Path.Combine(_dir, "report.md");
        Assert.That(File.Exists(report), Is.True);
        Assert.That(File.ReadAllText(report), Does.Contain("| evidential (EDL) |").And.Contain("OOD AUROC"));
        foreach (var png in new[] { "reliability", "entropy-cdf", "uncertainty-by-label", "extremes-evidential", "evidence-evidential", "evidence-maxnorm" })
        {
            var path = Path.Combine(_dir, png + ".png");
            Assert.That(File.Exists(path), Is.True, path);
            Assert.That(File.ReadAllBytes(path).Take(4), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47 }), path);
        }

        Assert.That(File.Exists(Path.Combine(_dir, "evidence-cross-entropy.png")), Is.False, "cross-entropy has no Dirichlet");
        Assert.That(File.ReadAllText(report), Does.Contain("![evidence-evidential](evidence-evidential.png)")
            .And.Contain("![evidence-maxnorm](evidence-maxnorm.png)"));

        Assert.That(result.TrainCount, Is.EqualTo(DemoOptions.QuickTrainImages));
        Assert.That(result.Test.Count, Is.EqualTo(DemoOptions.QuickTestImages));
        Assert.That(result.Models.Select(m => m.Kind), Is.EqualTo(new[] { LossKind.CrossEntropy, LossKind.Evidential, LossKind.MaxNorm }));
        Assert.That(result.Models.Select(m => m.Accuracy), Is.All.GreaterThan(0.6));
        var edl = result.Models.Single(m => m.Kind == LossKind.Evidential);
        Assert.That(edl.OodAurocEntropy, Is.GreaterThan(0.6));
        Assert.That(edl.OodAurocVacuity, Is.GreaterThan(0.6));
        var ce = result.Models.Single(m => m.Kind == LossKind.CrossEntropy);
        Assert.That(ce.OodAurocMutualInformation, Is.Null);
        Assert.That(ce.OodAurocVacuity, Is.Null);
        Assert.That(output.ToString(), Does.Contain("OOD AUROC (H)").And.Contain("max-norm"));
    }

    /// <summary>
    /// Building the CNN turns libtorch's oneDNN off (its convolutions returned NaN during training on the 2-core CI
    /// machine kind, which failed the Fashion-MNIST runs in one run out of three to five): the switch is found on this
    /// platform and reads false afterwards.
    /// </summary>
    [Test]
    public void LeNet_TurnsOneDnnOff()
    {
        using var model = FashionTraining.LeNet(5);
        Assert.That(OneDnn.IsEnabled, Is.False);
    }

    [Test]
    public void DirichletMeanAndSdMatchTheClosedForm()
    {
        var evidence = new[] { 3.0, 0.0, 1.0 }; // α = (4, 1, 2), S = 7
        var (mean, sd) = EvidencePlots.MeanAndSd(evidence);
        Assert.That(mean, Is.EqualTo(new[] { 4 / 7.0, 1 / 7.0, 2 / 7.0 }).Within(1e-6));
        Assert.That(sd, Is.EqualTo(mean.Select(p => Math.Sqrt(p * (1 - p) / 8.0)).ToArray()).Within(1e-6));
    }

    [Test]
    public void TinyRunIsDeterministicAndACheckpointRestoresIt()
    {
        RequireData();
        var settings = new FashionSettings(DataDir, Epochs: 1, Seed: 5)
        {
            TrainLimit = 600, TestLimit = 300, SavePath = Path.Combine(_dir, "ckpt", "run"),
        };
        var a = FashionTraining.Run(settings);
        var b = FashionTraining.Run(settings with { SavePath = null });
        var loaded = FashionTraining.Run(settings with { SavePath = null, LoadPath = settings.SavePath, Epochs = 0 });
        for (int k = 0; k < 3; k++)
        {
            foreach (var other in new[] { b, loaded })
            {
                Assert.That(other.Models[k].Accuracy, Is.EqualTo(a.Models[k].Accuracy));
                Assert.That(other.Models[k].OodAurocEntropy, Is.EqualTo(a.Models[k].OodAurocEntropy));
                Assert.That(other.Models[k].Entropy, Is.EqualTo(a.Models[k].Entropy));
            }

            Assert.That(loaded.Models[k].FinalRegFactor, Is.EqualTo(a.Models[k].FinalRegFactor));
        }

        var json = File.ReadAllText(FashionTraining.CheckpointPaths(settings.SavePath!, LossKind.Evidential).Schedule);
        Assert.That(RegFactorState.FromJson(json).StepCount, Is.EqualTo(5)); // 600 images / batch 128 = 5 steps
    }

    [Test]
    public void MissingDataDirectoryExitsWithTwoAndExplainsHowToGetTheData()
    {
        var (code, error) = RunMain("--dataset", "fashion-mnist", "--data-dir", "/nonexistent");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("/nonexistent").And.Contain("apt-get install dataset-fashion-mnist").And.Contain("./data"));
    }

    [Test]
    public void CudaWithoutACudaDeviceExitsWithTwo()
    {
        RequireData();
        Requires.NoCuda();
        var (code, error) = RunMain("--dataset", "fashion-mnist", "--device", "cuda");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("cuda"));
    }

    [Test]
    public void MissingCheckpointExitsWithTwo()
    {
        RequireData();
        var (code, error) = RunMain("--dataset", "fashion-mnist", "--load", Path.Combine(_dir, "nothing"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--load"));
    }

    [Test]
    public void ParsesFashionOptions()
    {
        var (options, error, _) = Program.Parse(new[]
        {
            "--dataset", "fashion-mnist", "--data-dir", "d", "--epochs", "7", "--all-classes", "--device", "cuda",
            "--save", "s", "--load", "l", "--quick", "--seed", "3", "--out", "o",
        });
        Assert.That(error, Is.Null);
        Assert.That(options, Is.EqualTo(new DemoOptions("o", 3, Quick: true)
        {
            Dataset = "fashion-mnist", DataDir = "d", Epochs = 7, AllClasses = true, Device = "cuda", SavePath = "s", LoadPath = "l",
        }));
        var settings = options!.ToFashionSettings("d");
        Assert.That(settings.Classes, Is.EqualTo(10));
        Assert.That(settings.Epochs, Is.EqualTo(7));
        Assert.That(settings.TrainLimit, Is.EqualTo(DemoOptions.QuickTrainImages));
        Assert.That(new DemoOptions().ToFashionSettings("d").TrainLimit, Is.Null);
    }

    [TestCase(new[] { "--data-dir", "x" }, "need --dataset fashion-mnist")]
    [TestCase(new[] { "--dataset", "fashion-mnist", "--epochs", "-1" }, "--epochs")]
    [TestCase(new[] { "--dataset", "fashion-mnist", "--device", "tpu" }, "--device")]
    [TestCase(new[] { "--dataset", "fashion-mnist", "--save" }, "--save")]
    public void BadFashionOptionsAreRejected(string[] args, string message)
    {
        Assert.That(Program.Parse(args).Error, Does.Contain(message));
        Assert.That(RunMain(args).Code, Is.EqualTo(2));
    }

    [Test]
    public void LocateNeedsAllFourFilesRawOrGzipped()
    {
        Directory.CreateDirectory(_dir);
        Assert.That(FashionMnist.Locate(_dir), Is.Null);
        File.WriteAllBytes(Path.Combine(_dir, "train-images-idx3-ubyte.gz"), Array.Empty<byte>());
        File.WriteAllBytes(Path.Combine(_dir, "train-labels-idx1-ubyte"), Array.Empty<byte>());
        File.WriteAllBytes(Path.Combine(_dir, "t10k-images-idx3-ubyte.gz"), Array.Empty<byte>());
        Assert.That(FashionMnist.Locate(_dir), Is.Null);
        File.WriteAllBytes(Path.Combine(_dir, "t10k-labels-idx1-ubyte.gz"), Array.Empty<byte>());
        Assert.That(FashionMnist.Locate(_dir), Is.EqualTo(_dir));
    }
}
