using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Spectre.Console;

namespace UncertaintyLoss.Demo;

/// <summary>Command-line options of the demo.</summary>
/// <param name="OutDir">Where the PNGs go.</param>
/// <param name="Seed">Seed of data and weights.</param>
/// <param name="Quick">Fewer steps.</param>
public sealed record DemoOptions(string OutDir = "demo-output", int Seed = 42, bool Quick = false)
{
    /// <summary>Training steps per model.</summary>
    public int Steps => Quick ? 150 : 500;

    /// <summary>"synthetic" (default) or "fashion-mnist".</summary>
    public string Dataset { get; init; } = "synthetic";

    /// <summary>Fashion-MNIST: where the IDX files are; null: ./data, then /usr/share/datasets/fashion-mnist.</summary>
    public string? DataDir { get; init; }

    /// <summary>Fashion-MNIST: epochs per model; null: 5 (3 with --quick).</summary>
    public int? Epochs { get; init; }

    /// <summary>Fashion-MNIST: train on all 10 classes (no OOD metrics).</summary>
    public bool AllClasses { get; init; }

    /// <summary>Fashion-MNIST: "cpu" or "cuda".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Fashion-MNIST: checkpoint prefix to write.</summary>
    public string? SavePath { get; init; }

    /// <summary>Fashion-MNIST: checkpoint prefix to start from.</summary>
    public string? LoadPath { get; init; }

    /// <summary>"vote" or "sculpt": run a Capsa-style wrapper demo instead (<see cref="WrapperDemo"/>); null: the losses.</summary>
    public string? Wrapper { get; init; }

    /// <summary>Fashion-MNIST training images with --quick.</summary>
    public const int QuickTrainImages = 6000;

    /// <summary>Fashion-MNIST test images with --quick.</summary>
    public const int QuickTestImages = 2000;

    /// <summary>The Fashion-MNIST settings for the data in <paramref name="dataDir"/>.</summary>
    public FashionSettings ToFashionSettings(string dataDir) => new(dataDir, Epochs ?? (Quick ? 3 : 5), Seed)
    {
        AllClasses = AllClasses,
        TrainLimit = Quick ? QuickTrainImages : null,
        TestLimit = Quick ? QuickTestImages : null,
        Device = Device,
        SavePath = SavePath,
        LoadPath = LoadPath,
    };
}

/// <summary>Entry point: argument parsing, the run, the table.</summary>
public static class Program
{
    /// <summary>The usage text.</summary>
    public const string Usage =
        "Usage: dotnet run -c Release --project samples/UncertaintyLoss.Demo -- [options]\n" +
        "  --out DIR            where the PNG heat maps go (default ./demo-output)\n" +
        "  --seed N             seed of the data and the initial weights (default 42; deterministic on CPU)\n" +
        "  --quick              fewer training steps (fashion-mnist: 6000 training / 2000 test images, 3 epochs)\n" +
        "  --dataset NAME       synthetic (default): the embedded 2-D three-blob problem;\n" +
        "                       fashion-mnist: LeNet CNNs trained on classes 0-4, classes 5-9 as out-of-distribution\n" +
        "fashion-mnist only:\n" +
        "  --data-dir DIR       the four IDX files (raw or .gz); default ./data, then /usr/share/datasets/fashion-mnist\n" +
        "                       (apt-get install dataset-fashion-mnist)\n" +
        "  --epochs N           epochs per model (default 5; 3 with --quick; 0 with --load: evaluate only)\n" +
        "  --all-classes        train and test on all 10 classes (no OOD metrics)\n" +
        "  --device cpu|cuda    where to train (default cpu)\n" +
        "  --save PATH          write PATH.<model>.weights and PATH.<model>.regfactor.json after training\n" +
        "  --load PATH          start from checkpoints written by --save\n" +
        WrapperDemo.Usage +
        "  --help               this text";

    private static readonly string[] ModelNames = { "cross-entropy", "evidential (EDL)", "max-norm" };

    /// <summary>Runs the demo; returns 0 on success, 2 on a usage error.</summary>
    public static int Main(string[] args)
    {
        var (options, error, help) = Parse(args);
        if (help)
        {
            Console.WriteLine(Usage);
            return 0;
        }

        if (options is null)
        {
            Console.Error.WriteLine($"error: {error}");
            Console.Error.WriteLine(Usage);
            return 2;
        }

        if (options.Wrapper is not null)
        {
            return WrapperDemo.RunFromCommandLine(options, AnsiConsole.Console);
        }

        if (options.Dataset != "fashion-mnist")
        {
            Run(options, AnsiConsole.Console);
            return 0;
        }

        var dataDir = FashionMnist.Locate(options.DataDir);
        if (dataDir is null)
        {
            Console.Error.WriteLine($"error: {FashionMnist.MissingDataMessage(options.DataDir)}");
            return 2;
        }

        if (options.Device == "cuda" && !TorchSharp.torch.cuda.is_available())
        {
            Console.Error.WriteLine("error: --device cuda, but torch.cuda.is_available() is false (no CUDA device or a CPU-only TorchSharp backend).");
            return 2;
        }

        if (options.LoadPath is not null)
        {
            var missing = new[] { LossKind.CrossEntropy, LossKind.Evidential, LossKind.MaxNorm }
                .Select(k => FashionTraining.CheckpointPaths(options.LoadPath, k).Weights).FirstOrDefault(p => !File.Exists(p));
            if (missing is not null)
            {
                Console.Error.WriteLine($"error: --load: checkpoint '{missing}' not found (write one with --save).");
                return 2;
            }
        }

        RunFashion(options, dataDir, AnsiConsole.Console,
            "dotnet run -c Release --project samples/UncertaintyLoss.Demo -- " + string.Join(' ', args));
        return 0;
    }

    /// <summary>Parses the arguments: options, or an error message, or a request for help.</summary>
    public static (DemoOptions? Options, string? Error, bool Help) Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new DemoOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string? Value() => i + 1 < args.Count ? args[++i] : null;
            switch (arg)
            {
                case "--help" or "-h":
                    return (null, null, true);
                case "--quick":
                    options = options with { Quick = true };
                    break;
                case "--out":
                    var dir = Value();
                    if (string.IsNullOrWhiteSpace(dir))
                    {
                        return (null, "--out needs a directory", false);
                    }

                    options = options with { OutDir = dir };
                    break;
                case "--seed":
                    var seedText = Value();
                    if (!int.TryParse(seedText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed))
                    {
                        return (null, $"--seed needs an integer, got '{seedText}'", false);
                    }

                    options = options with { Seed = seed };
                    break;
                case "--dataset":
                    var dataset = Value();
                    if (dataset is not ("synthetic" or "fashion-mnist"))
                    {
                        return (null, $"unknown dataset '{dataset}'; use 'synthetic' or 'fashion-mnist'", false);
                    }

                    options = options with { Dataset = dataset };
                    break;
                case "--data-dir":
                    var dataDir = Value();
                    if (string.IsNullOrWhiteSpace(dataDir))
                    {
                        return (null, "--data-dir needs a directory", false);
                    }

                    options = options with { DataDir = dataDir };
                    break;
                case "--epochs":
                    var epochsText = Value();
                    if (!int.TryParse(epochsText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int epochs) || epochs < 0)
                    {
                        return (null, $"--epochs needs a non-negative integer, got '{epochsText}'", false);
                    }

                    options = options with { Epochs = epochs };
                    break;
                case "--wrapper":
                    options = options with { Wrapper = Value() ?? "" };
                    break;
                case "--all-classes":
                    options = options with { AllClasses = true };
                    break;
                case "--device":
                    var device = Value();
                    if (device is not ("cpu" or "cuda"))
                    {
                        return (null, $"--device needs 'cpu' or 'cuda', got '{device}'", false);
                    }

                    options = options with { Device = device };
                    break;
                case "--save":
                    var save = Value();
                    if (string.IsNullOrWhiteSpace(save))
                    {
                        return (null, "--save needs a path", false);
                    }

                    options = options with { SavePath = save };
                    break;
                case "--load":
                    var load = Value();
                    if (string.IsNullOrWhiteSpace(load))
                    {
                        return (null, "--load needs a path", false);
                    }

                    options = options with { LoadPath = load };
                    break;
                default:
                    return (null, $"unknown option '{arg}'", false);
            }
        }

        if (options.Dataset != "fashion-mnist" &&
            (options.DataDir ?? options.SavePath ?? options.LoadPath) is not null | options.Epochs is not null | options.AllClasses | options.Device != "cpu")
        {
            return (null, "--data-dir, --epochs, --all-classes, --device, --save and --load need --dataset fashion-mnist", false);
        }

        return WrapperDemo.Check(options) is { } wrapperError ? (null, wrapperError, false) : (options, null, false);
    }

    /// <summary>
    /// Fashion-MNIST: trains the three CNNs on the data in <paramref name="dataDir"/>, prints the metrics table and writes
    /// report.md and the figures into <see cref="DemoOptions.OutDir"/>.
    /// </summary>
    public static FashionResult RunFashion(DemoOptions options, string dataDir, IAnsiConsole console, string? commandLine = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(console);
        var watch = Stopwatch.StartNew();
        var settings = options.ToFashionSettings(dataDir);
        console.MarkupLine(Markup.Escape($"Fashion-MNIST from {dataDir}: LeNet CNNs, Adam {settings.LearningRate}, batch {settings.BatchSize}, " +
                                         $"{settings.Epochs} epoch(s) per model, seed {settings.Seed}, device {settings.Device}."));
        void Log(string line) => console.MarkupLine(Markup.Escape(line));
        var result = TrainingProgressDisplay.IsInteractive(console)
            ? TrainingProgressDisplay.Run(console, ModelNames, progress => FashionTraining.Run(settings, line =>
            {
                if (!line.StartsWith("  ", StringComparison.Ordinal))
                {
                    Log(line); // the data summary; the per-epoch lines are shown by the bars
                }
            }, progress))
            : FashionTraining.Run(settings, Log);
        console.Write(FashionReport.ConsoleTable(result));
        var figures = FashionPlots.Write(result, options.OutDir);
        var report = FashionReport.Write(result, options.OutDir, commandLine ?? $"(in process) {options}", watch.Elapsed.TotalSeconds, figures);
        ReportWritten(console, figures.Append(report), watch);
        return result;
    }

    /// <summary>Prints each written file and the elapsed time: the closing lines of every demo mode.</summary>
    internal static void ReportWritten(IAnsiConsole console, IEnumerable<string> paths, Stopwatch watch)
    {
        foreach (var path in paths)
        {
            console.MarkupLineInterpolated($"wrote [green]{Path.GetFullPath(path)}[/]");
        }

        console.MarkupLine($"done in {watch.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Trains the three models, prints the comparison table and writes the heat maps.</summary>
    public static DemoResult Run(DemoOptions options, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(console);
        var watch = Stopwatch.StartNew();
        var settings = new TrainingSettings(options.Steps, options.Seed);
        console.MarkupLine($"Three Gaussian blobs, {settings.TrainPerClass} training and {settings.TestPerClass} test points per class; " +
                           $"{Training.Hidden} Gaussian features (σ = {Training.FeatureWidth}) →{Training.Hidden}→3 (ReLU, no biases), Adam, {settings.Steps} full-batch steps per model, seed {options.Seed}.");
        var result = TrainingProgressDisplay.IsInteractive(console)
            ? TrainingProgressDisplay.Run(console, ModelNames, progress => Training.Run(settings, progress))
            : Training.Run(settings);

        var table = new Table().AddColumns("loss", "accuracy", "u(test)", "u(far)", "far/test", "time");
        table.Caption = new TableTitle(Markup.Escape($"u = mean normalised uncertainty in [0, 1]; far = ring of radius {result.FarRadius:F1} ({settings.FarFactor}× the data's radius)"));
        foreach (var m in result.Models)
        {
            table.AddRow(m.Name, $"{m.Accuracy:P1}", $"{m.TestUncertainty:F3}", $"{m.FarUncertainty:F3}",
                $"{m.FarUncertainty / Math.Max(m.TestUncertainty, 1e-12):F1}×", $"{m.Seconds:F1} s");
        }

        console.Write(table);
        ReportWritten(console, Plots.Write(result, options.OutDir), watch);
        return result;
    }
}
