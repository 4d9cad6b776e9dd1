using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Spectre.Console;
using UncertaintyLoss.Demo;

namespace UncertaintyLoss.WrappersSample;

/// <summary>Command-line options of the wrappers sample.</summary>
/// <param name="Wrapper">"vote" or "sculpt".</param>
/// <param name="OutDir">Where the PNGs go.</param>
/// <param name="Seed">Seed of data and weights.</param>
/// <param name="Quick">Fewer steps (Fashion-MNIST: a subsample and fewer epochs).</param>
public sealed record WrapperOptions(string Wrapper = "vote", string OutDir = "wrappers-output", int Seed = 42, bool Quick = false)
{
    /// <summary>Full-batch training steps on the synthetic problems.</summary>
    public int Steps => Quick ? 150 : 500;

    /// <summary>"synthetic" (default) or "fashion-mnist" (vote only).</summary>
    public string Dataset { get; init; } = "synthetic";

    /// <summary>Fashion-MNIST: where the IDX files are; null: ./data, then /usr/share/datasets/fashion-mnist.</summary>
    public string? DataDir { get; init; }

    /// <summary>Fashion-MNIST: epochs; null: 5 (3 with --quick).</summary>
    public int? Epochs { get; init; }

    /// <summary>Fashion-MNIST: "cpu" or "cuda".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>The Fashion-MNIST settings for the data in <paramref name="dataDir"/>.</summary>
    public VoteFashionSettings ToFashionSettings(string dataDir) => new(dataDir, Epochs ?? (Quick ? 3 : 5), Seed)
    {
        TrainLimit = Quick ? 6000 : null,
        TestLimit = Quick ? 2000 : null,
        Device = Device,
    };
}

/// <summary>Settings of the Vote tutorial on Fashion-MNIST (classes 0–4 in-distribution, 5–9 out-of-distribution).</summary>
/// <param name="DataDir">The directory holding the IDX files.</param>
/// <param name="Epochs">Training epochs.</param>
/// <param name="Seed">Seed of the subsample, the batch order and the initial weights.</param>
public sealed record VoteFashionSettings(string DataDir, int Epochs, int Seed)
{
    /// <summary>At most this many training images (a seeded random subsample); null: all.</summary>
    public int? TrainLimit { get; init; }

    /// <summary>At most this many test images (a seeded random subsample of all ten classes); null: all.</summary>
    public int? TestLimit { get; init; }

    /// <summary>Mini-batch size (rounded down to a multiple of the voters).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>"cpu" or "cuda".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Number of classes trained on.</summary>
    public int Classes => 5;
}

/// <summary>Entry point: argument parsing and the run.</summary>
public static class Program
{
    /// <summary>The usage text.</summary>
    public const string Usage =
        "Usage: dotnet run -c Release --project samples/UncertaintyLoss.WrappersSample -- [options]\n" +
        "  --wrapper vote       Vote wrapper (default): an ensemble of voters trained on split batches; risk = the voters' std.\n" +
        "                       Synthetic: 4 MLPs on the 2-D blobs (vote-synthetic.png); with --dataset fashion-mnist:\n" +
        "                       8 LeNets, Capsa's Vote-tutorial figure (vote-extremes.png)\n" +
        "  --wrapper sculpt     Sculpt wrapper, regression only: a Normal risk head on a 1-D heteroscedastic problem\n" +
        "                       (sculpt-regression.png); not with --dataset fashion-mnist\n" +
        "  --out DIR            where the PNGs go (default ./wrappers-output)\n" +
        "  --seed N             seed of the data and the initial weights (default 42)\n" +
        "  --quick              fewer steps (fashion-mnist: 6000 training / 2000 test images, 3 epochs)\n" +
        "  --dataset NAME       synthetic (default) or fashion-mnist (vote only)\n" +
        "  --data-dir DIR       fashion-mnist: the four IDX files (raw or .gz); default ./data, then\n" +
        "                       /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)\n" +
        "  --epochs N           fashion-mnist: epochs (default 5; 3 with --quick)\n" +
        "  --device cpu|cuda    fashion-mnist: where to train (default cpu)\n" +
        "  --help               this text";

    /// <summary>Runs the sample; returns 0 on success, 2 on a usage error or missing data.</summary>
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

        return WrapperDemo.RunFromCommandLine(options, AnsiConsole.Console);
    }

    /// <summary>Parses the arguments: options, or an error message, or a request for help.</summary>
    public static (WrapperOptions? Options, string? Error, bool Help) Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new WrapperOptions();
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
                case "--wrapper":
                    var wrapper = Value();
                    if (wrapper is not ("vote" or "sculpt"))
                    {
                        return (null, $"--wrapper needs 'vote' or 'sculpt', got '{wrapper}'", false);
                    }

                    options = options with { Wrapper = wrapper };
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
                    if (!int.TryParse(epochsText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int epochs) || epochs < 1)
                    {
                        return (null, $"--epochs needs a positive integer, got '{epochsText}'", false);
                    }

                    options = options with { Epochs = epochs };
                    break;
                case "--device":
                    var device = Value();
                    if (device is not ("cpu" or "cuda"))
                    {
                        return (null, $"--device needs 'cpu' or 'cuda', got '{device}'", false);
                    }

                    options = options with { Device = device };
                    break;
                default:
                    return (null, $"unknown option '{arg}'", false);
            }
        }

        if (options.Wrapper == "sculpt" && options.Dataset == "fashion-mnist")
        {
            return (null, "--wrapper sculpt is regression-only (a 1-D synthetic problem); it does not take --dataset fashion-mnist", false);
        }

        if (options.Dataset != "fashion-mnist" && (options.DataDir is not null || options.Epochs is not null || options.Device != "cpu"))
        {
            return (null, "--data-dir, --epochs and --device need --dataset fashion-mnist", false);
        }

        return (options, null, false);
    }

    /// <summary>Prints each written file and the elapsed time.</summary>
    internal static void ReportWritten(IAnsiConsole console, IEnumerable<string> paths, Stopwatch watch)
    {
        foreach (var path in paths)
        {
            console.MarkupLineInterpolated($"wrote [green]{Path.GetFullPath(path)}[/]");
        }

        console.MarkupLine($"done in {watch.Elapsed.TotalSeconds:F1} s");
    }
}
