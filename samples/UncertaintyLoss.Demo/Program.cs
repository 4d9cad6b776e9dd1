using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
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
}

/// <summary>Entry point: argument parsing, the run, the table.</summary>
public static class Program
{
    /// <summary>The usage text.</summary>
    public const string Usage =
        "Usage: dotnet run -c Release --project samples/UncertaintyLoss.Demo -- [options]\n" +
        "  --out DIR            where the PNG heat maps go (default ./demo-output)\n" +
        "  --seed N             seed of the data and the initial weights (default 42; deterministic on CPU)\n" +
        "  --quick              fewer training steps\n" +
        "  --dataset synthetic  the embedded 2-D three-blob problem (the only one implemented so far)\n" +
        "  --help               this text";

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

        Run(options, AnsiConsole.Console);
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
                    if (dataset != "synthetic")
                    {
                        return (null, dataset == "fashion-mnist"
                            ? "--dataset fashion-mnist is not implemented yet; only 'synthetic' is available"
                            : $"unknown dataset '{dataset}'; only 'synthetic' is available", false);
                    }

                    break;
                default:
                    return (null, $"unknown option '{arg}'", false);
            }
        }

        return (options, null, false);
    }

    /// <summary>Trains the three models, prints the comparison table and writes the heat maps.</summary>
    public static DemoResult Run(DemoOptions options, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(console);
        var watch = Stopwatch.StartNew();
        var settings = new TrainingSettings(options.Steps, options.Seed);
        console.MarkupLine($"Three Gaussian blobs, {settings.TrainPerClass} training and {settings.TestPerClass} test points per class; " +
                           $"MLP 2→{Training.Hidden}→{Training.Hidden}→3, Adam, {settings.Steps} full-batch steps per model, seed {options.Seed}.");
        var result = Training.Run(settings);

        var table = new Table().AddColumns("loss", "accuracy", "u(test)", "u(far)", "far/test", "time");
        table.Caption = new TableTitle(Markup.Escape($"u = mean normalised uncertainty in [0, 1]; far = ring of radius {result.FarRadius:F1} ({settings.FarFactor}× the data's radius)"));
        foreach (var m in result.Models)
        {
            table.AddRow(m.Name, $"{m.Accuracy:P1}", $"{m.TestUncertainty:F3}", $"{m.FarUncertainty:F3}",
                $"{m.FarUncertainty / Math.Max(m.TestUncertainty, 1e-12):F1}×", $"{m.Seconds:F1} s");
        }

        console.Write(table);
        foreach (var path in Plots.Write(result, options.OutDir))
        {
            console.MarkupLineInterpolated($"wrote [green]{Path.GetFullPath(path)}[/]");
        }

        console.MarkupLine($"done in {watch.Elapsed.TotalSeconds:F1} s");
        return result;
    }
}
