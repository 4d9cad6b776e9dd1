using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.Json;
using NUnit.Framework;
using Spectre.Console;
using UncertaintyLoss.Demo;

namespace UncertaintyLoss.BenchmarkRunner.Tests;

/// <summary>Helpers: run the command in-process with its output captured.</summary>
internal static class Cli
{
    public static (int ExitCode, string Output) Run(params string[] args)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 250;
        int code = Program.Run(args, console);
        return (code, writer.ToString());
    }

    /// <summary>Writes an IDX images file of <paramref name="count"/> images of rows × columns (gzip when the name ends in .gz).</summary>
    public static string WriteIdx(string path, int count, int rows, int columns)
    {
        var bytes = new List<byte>();
        foreach (int v in new[] { 0x00000803, count, rows, columns })
            bytes.AddRange(new[] { (byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v });
        for (int i = 0; i < count * rows * columns; i++)
            bytes.Add((byte)(i % 256));
        if (path.EndsWith(".gz", StringComparison.Ordinal))
        {
            using var file = File.Create(path);
            using var gzip = new GZipStream(file, CompressionLevel.Fastest);
            gzip.Write(bytes.ToArray());
        }
        else
        {
            File.WriteAllBytes(path, bytes.ToArray());
        }

        return path;
    }
}

[TestFixture]
public class ArgumentTests
{
    [TestCase(new[] { "--seeds", "0" }, "--seeds must be at least 1")]
    [TestCase(new[] { "--epochs", "-1" }, "--epochs must be at least 1")]
    [TestCase(new[] { "--models", "cross-entropy,nope" }, "unknown model(s) 'nope'")]
    [TestCase(new[] { "--models", "edl,edl" }, "more than once")]
    [TestCase(new[] { "--device", "tpu" }, "--device must be 'cpu' or 'cuda'")]
    [TestCase(new[] { "--train-limit", "5" }, "--train-limit must be at least 20")]
    [TestCase(new[] { "--ood-idx", "/nonexistent/file-idx3-ubyte" }, "not found")]
    public void BadOption_FailsWithMessage(string[] args, string message)
    {
        var (code, output) = Cli.Run(args);
        Assert.That(code, Is.Not.Zero);
        Assert.That(output, Does.Contain(message));
    }

    [TestCase("--epochs", "ten")]
    [TestCase("--no-such-option", "1")]
    public void UnparsableOption_FailsWithNonZeroExitCode(string option, string value)
    {
        var (code, output) = Cli.Run(option, value);
        Assert.That(code, Is.Not.Zero);
        Assert.That(output, Is.Not.Empty);
    }

    [Test]
    public void MissingData_Returns2WithInstructions()
    {
        var (code, output) = Cli.Run("--data-dir", "/nonexistent-fashion-dir", "--quick");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(output, Does.Contain("Fashion-MNIST not found in '/nonexistent-fashion-dir'"));
    }

    [Test]
    public void OodIdxOfWrongImageSize_Returns3NamingTheFile()
    {
        var dir = Directory.CreateTempSubdirectory("ul-runner-");
        try
        {
            var path = Cli.WriteIdx(Path.Combine(dir.FullName, "small-idx3-ubyte"), 2, 3, 4);
            var (code, output) = Cli.Run("--ood-idx", path, "--data-dir", "/nonexistent-fashion-dir");
            Assert.That(code, Is.EqualTo(3));
            Assert.That(output, Does.Contain("3×4 images; 28×28 are needed"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Test]
    public void OodIdxNamedLikeABuiltInSet_IsRejected()
    {
        var dir = Directory.CreateTempSubdirectory("ul-runner-");
        try
        {
            var path = Cli.WriteIdx(Path.Combine(dir.FullName, "inverted.gz"), 1, 28, 28);
            var (code, output) = Cli.Run("--ood-idx", path);
            Assert.That(code, Is.Not.Zero);
            Assert.That(output, Does.Contain("'inverted' is used twice"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Test]
    public void Defaults_AllModelsThreeSeedsTenEpochsFullData()
    {
        var s = new BenchmarkSettings();
        Assert.That(s.ModelList, Is.EqualTo(ModelZoo.Names));
        Assert.That((s.EffectiveSeeds, s.EffectiveEpochs, s.EffectiveTrainLimit, s.EffectiveTestLimit), Is.EqualTo((3, 10, (int?)null, (int?)null)));
        Assert.That(s.Validate().Successful, Is.True);
    }

    [Test]
    public void Quick_SmallSubsampleTwoEpochsOneSeed_UnlessGiven()
    {
        var quick = new BenchmarkSettings { Quick = true };
        Assert.That((quick.EffectiveSeeds, quick.EffectiveEpochs, quick.EffectiveTrainLimit, quick.EffectiveTestLimit), Is.EqualTo((1, 2, (int?)2000, (int?)1000)));
        var given = new BenchmarkSettings { Quick = true, Seeds = 4, Epochs = 3, TrainLimit = 500, TestLimit = 100 };
        Assert.That((given.EffectiveSeeds, given.EffectiveEpochs, given.EffectiveTrainLimit, given.EffectiveTestLimit), Is.EqualTo((4, 3, (int?)500, (int?)100)));
    }

    [Test]
    public void Models_AreSplitOnCommasAndTrimmed()
    {
        var s = new BenchmarkSettings { Models = "edl, cross-entropy ,ensemble-5" };
        Assert.That(s.ModelList, Is.EqualTo(new[] { "edl", "cross-entropy", "ensemble-5" }));
        Assert.That(s.Validate().Successful, Is.True);
    }
}

[TestFixture]
public class OodSetTests
{
    [Test]
    public void GaussianNoise_ShapeRangeMomentsAndDeterminism()
    {
        var a = OodSets.GaussianNoise(40, 7);
        Assert.That((a.Name, a.Count, a.Pixels.Length), Is.EqualTo(("gaussian-noise", 40, 40 * 784)));
        Assert.That(a.Pixels.Min(), Is.GreaterThanOrEqualTo(0f));
        Assert.That(a.Pixels.Max(), Is.LessThanOrEqualTo(1f));
        double mean = a.Pixels.Average(p => (double)p);
        double sd = Math.Sqrt(a.Pixels.Average(p => (p - mean) * (p - mean)));
        Assert.That(mean, Is.EqualTo(0.5).Within(0.01));
        // N(0.5, 0.25²) censored at ±2σ: sd = 0.25 · sqrt(2Φ(2) − 1 − 4φ(2) + 8Φ(−2)) = 0.25 · 0.9594 = 0.2399.
        Assert.That(sd, Is.EqualTo(0.2399).Within(0.003));
        Assert.That(a.Pixels.Count(p => p == 0f) / (double)a.Pixels.Length, Is.EqualTo(0.0228).Within(0.003), "mass clipped at 0: Φ(−2)");
        Assert.That(OodSets.GaussianNoise(40, 7).Pixels, Is.EqualTo(a.Pixels));
        Assert.That(OodSets.GaussianNoise(40, 8).Pixels, Is.Not.EqualTo(a.Pixels));
    }

    [Test]
    public void UniformNoise_ShapeRangeMomentsAndDeterminism()
    {
        var a = OodSets.UniformNoise(40, 7);
        Assert.That((a.Name, a.Count, a.Pixels.Length), Is.EqualTo(("uniform-noise", 40, 40 * 784)));
        Assert.That(a.Pixels.Min(), Is.GreaterThanOrEqualTo(0f));
        Assert.That(a.Pixels.Max(), Is.LessThanOrEqualTo(1f));
        double mean = a.Pixels.Average(p => (double)p);
        Assert.That(mean, Is.EqualTo(0.5).Within(0.01));
        Assert.That(a.Pixels.Average(p => (p - mean) * (p - mean)), Is.EqualTo(1.0 / 12).Within(0.002));
        Assert.That(OodSets.UniformNoise(40, 7).Pixels, Is.EqualTo(a.Pixels));
        Assert.That(OodSets.UniformNoise(40, 8).Pixels, Is.Not.EqualTo(a.Pixels));
    }

    [Test]
    public void Inverted_IsOneMinusEveryPixel()
    {
        var pixels = Enumerable.Range(0, 3 * 784).Select(i => (i % 256) / 255f).ToArray();
        var set = new ImageSet(pixels, new long[] { 0, 1, 2 }, 28, 28);
        var inv = OodSets.Inverted(set);
        Assert.That((inv.Name, inv.Count), Is.EqualTo(("inverted", 3)));
        for (int i = 0; i < pixels.Length; i++)
            Assert.That(inv.Pixels[i], Is.EqualTo(1f - pixels[i]));
    }

    [Test]
    public void ReadIdx_GzipFile_NamedWithoutGz_AndLimitIsSeededAndSized()
    {
        var dir = Directory.CreateTempSubdirectory("ul-runner-");
        try
        {
            var path = Cli.WriteIdx(Path.Combine(dir.FullName, "mnist-t10k-images-idx3-ubyte.gz"), 10, 28, 28);
            var set = OodSets.ReadIdx(path);
            Assert.That((set.Name, set.Count, set.Pixels.Length), Is.EqualTo(("mnist-t10k-images-idx3-ubyte", 10, 7840)));
            Assert.That(set.Pixels.All(p => p >= 0f && p <= 1f), Is.True);
            var four = OodSets.Limit(set, 4, 1);
            Assert.That((four.Count, four.Pixels.Length, four.Name), Is.EqualTo((4, 4 * 784, set.Name)));
            Assert.That(OodSets.Limit(set, 4, 1).Pixels, Is.EqualTo(four.Pixels));
            Assert.That(OodSets.Limit(set, 20, 1), Is.SameAs(set));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Test]
    public void Split_TenPercentValidation_DisjointCoveringSeeded()
    {
        var (train, val) = Benchmark.Split(1000, 3);
        Assert.That(val, Has.Length.EqualTo(100));
        Assert.That(train.Concat(val).OrderBy(i => i), Is.EqualTo(Enumerable.Range(0, 1000)));
        Assert.That(Benchmark.Split(1000, 3).Validation, Is.EqualTo(val));
        Assert.That(Benchmark.Split(1000, 4).Validation, Is.Not.EqualTo(val));
    }

    [Test]
    public void ReportCell_MeanAndSampleSd()
    {
        Assert.That(Report.Cell(new double?[] { 1, 3 }), Is.EqualTo("2.0000 ± 1.4142"));
        Assert.That(Report.Cell(new double?[] { 0.5 }), Is.EqualTo("0.5000"));
        Assert.That(Report.Cell(new double?[] { null, null }), Is.EqualTo("–"));
    }
}

/// <summary>A quick run of the whole runner on a small subsample; skipped without Fashion-MNIST.</summary>
[TestFixture]
public class SmokeRunTests
{
    private static readonly string[] Models = { "cross-entropy", "cross-entropy+ts", "edl", "belief-matching", "ensemble-5", "mc-dropout" };
    private static readonly string[] Sets = { "fashion-5-9", "gaussian-noise", "uniform-noise", "inverted" };

    [Test]
    public void QuickRun_WritesResultsJsonWithTheSchema_AndReport()
    {
        if (FashionMnist.Locate(null) is null)
            Assert.Ignore("Fashion-MNIST is not installed (sudo apt-get install dataset-fashion-mnist, or ./data).");
        var dir = Directory.CreateTempSubdirectory("ul-runner-smoke-");
        try
        {
            var watch = Stopwatch.StartNew();
            var (code, output) = Cli.Run("--quick", "--train-limit", "300", "--test-limit", "200", "--epochs", "1",
                "--models", string.Join(",", Models), "--out", dir.FullName);
            TestContext.Out.WriteLine($"smoke run: {watch.Elapsed.TotalSeconds:F1} s");
            Assert.That(code, Is.Zero, output);

            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.FullName, "results.json")));
            var root = doc.RootElement;
            Assert.That(root.GetProperty("settings").GetProperty("seeds").GetInt32(), Is.EqualTo(1));
            Assert.That(root.GetProperty("settings").GetProperty("oodSets").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(Sets));
            Assert.That(root.GetProperty("provenance").GetProperty("processorCount").GetInt32(), Is.EqualTo(Environment.ProcessorCount));
            Assert.That(root.GetProperty("provenance").GetProperty("command").GetString(), Does.Contain("--quick"));
            var models = root.GetProperty("models").EnumerateArray().ToList();
            Assert.That(models.Select(m => (m.GetProperty("model").GetString(), m.GetProperty("seed").GetInt32())),
                Is.EqualTo(Models.Select(m => ((string?)m, 0))));
            foreach (var m in models)
            {
                string name = m.GetProperty("model").GetString()!;
                foreach (var key in new[] { "accuracy", "ece", "eceCalibrated", "adaptiveEce", "adaptiveEceCalibrated", "brier", "brierCalibrated", "aurc" })
                    Assert.That(m.GetProperty(key).GetDouble(), Is.InRange(0.0, 2.0), $"{name}.{key}");
                Assert.That(m.GetProperty("accuracy").GetDouble(), Is.GreaterThan(0.2), $"{name}: better than chance (5 classes)");
                Assert.That(m.GetProperty("nll").GetDouble(), Is.GreaterThan(0.0), name);
                Assert.That(m.GetProperty("nllCalibrated").GetDouble(), Is.GreaterThan(0.0), name);
                Assert.That(m.GetProperty("trainSeconds").GetDouble(), Is.GreaterThan(0.0), name);
                Assert.That(m.GetProperty("misclassificationAuroc").GetDouble(), Is.InRange(0.0, 1.0), name);
                bool hasMi = name is "edl" or "belief-matching" or "ensemble-5" or "mc-dropout";
                bool hasVacuity = name is "edl" or "belief-matching";
                var ood = m.GetProperty("ood");
                Assert.That(ood.EnumerateObject().Select(p => p.Name), Is.EqualTo(Sets), name);
                foreach (var set in Sets)
                {
                    foreach (var metric in new[] { "auroc", "aupr", "fpr95" })
                    {
                        var scores = ood.GetProperty(set).GetProperty(metric);
                        Assert.That(scores.EnumerateObject().Select(p => p.Name),
                            Is.EqualTo(new[] { "entropy", "mutualInformation", "vacuity", "maxProbability" }), $"{name}.{set}.{metric}");
                        foreach (var score in scores.EnumerateObject())
                        {
                            bool expectNull = (score.Name == "mutualInformation" && !hasMi) || (score.Name == "vacuity" && !hasVacuity);
                            if (expectNull)
                                Assert.That(score.Value.ValueKind, Is.EqualTo(JsonValueKind.Null), $"{name}.{set}.{metric}.{score.Name}");
                            else
                                Assert.That(score.Value.GetDouble(), Is.InRange(0.0, 1.0), $"{name}.{set}.{metric}.{score.Name}");
                        }
                    }
                }
            }

            // The same cross-entropy network: temperature scaling changes no prediction.
            Assert.That(models[1].GetProperty("accuracy").GetDouble(), Is.EqualTo(models[0].GetProperty("accuracy").GetDouble()));

            var report = File.ReadAllText(Path.Combine(dir.FullName, "report.md"));
            Assert.That(report, Does.Contain("Command: `UncertaintyLoss.BenchmarkRunner --quick"));
            foreach (var name in Models)
                Assert.That(report, Does.Contain($"| {name} |"));
            foreach (var set in Sets)
                Assert.That(report, Does.Contain($"OOD `{set}`: AUROC"));

            // One predictions file per model, and the plots of the featured models present (ensemble-5's extremes figure).
            var saved = Predictions.ReadAll(dir.FullName);
            Assert.That(saved.Select(p => p.Model), Is.EquivalentTo(Models));
            foreach (var p in saved)
            {
                Assert.That(p.Probabilities, Has.Length.EqualTo(p.Labels.Length * p.Classes), p.Model);
                Assert.That(p.Entropy.Keys, Is.EquivalentTo(Sets.Append(Predictions.InDistribution)), p.Model);
                Assert.That(p.ValidationLabels, Has.Length.EqualTo(p.ValidationCalibrationLogits!.Length / p.Classes), p.Model);
                Assert.That(p.Least.Entropy, Is.LessThanOrEqualTo(p.Most.Entropy), p.Model);
                Assert.That(p.Least.Pixels, Has.Length.EqualTo(784), p.Model);
            }

            Assert.That(saved.Single(p => p.Model == "ensemble-5").Most.Risk, Is.Not.Null, "the ensemble's spread");
            Assert.That(saved.Single(p => p.Model == "edl").Most.Risk, Is.Null);
            foreach (var png in new[] { "reliability.png", "entropy-cdf.png", "risk-coverage.png", "extremes-ensemble-5.png" })
                Assert.That(new FileInfo(Path.Combine(dir.FullName, "plots", png)).Length, Is.GreaterThan(1000), png);
            Assert.That(output, Does.Contain("wrote 4 plots"));

            // --plots-only redraws from the predictions; --append adds a model to the same results.json.
            File.Delete(Path.Combine(dir.FullName, "plots", "reliability.png"));
            var (redraw, redrawOutput) = Cli.Run("--plots-only", "--out", dir.FullName);
            Assert.That(redraw, Is.Zero, redrawOutput);
            Assert.That(File.Exists(Path.Combine(dir.FullName, "plots", "reliability.png")), Is.True);
            var (append, appendOutput) = Cli.Run("--quick", "--train-limit", "300", "--test-limit", "200", "--epochs", "1",
                "--models", "redl@es=1", "--out", dir.FullName, "--append");
            Assert.That(append, Is.Zero, appendOutput);
            using var merged = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.FullName, "results.json")));
            Assert.That(merged.RootElement.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("model").GetString()),
                Is.EqualTo(Models.Append("redl@es=1")));
            Assert.That(merged.RootElement.GetProperty("models")[Models.Length].GetProperty("stoppedEpoch").GetInt32(), Is.EqualTo(1));
            Assert.That(merged.RootElement.GetProperty("appended").GetArrayLength(), Is.EqualTo(1));
            var (mismatch, mismatchOutput) = Cli.Run("--quick", "--train-limit", "300", "--test-limit", "200", "--epochs", "2",
                "--models", "cross-entropy", "--out", dir.FullName, "--append");
            Assert.That(mismatch, Is.EqualTo(4), mismatchOutput);
            Assert.That(mismatchOutput, Does.Contain("epochs 1 (results.json) vs 2 (this run)"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
