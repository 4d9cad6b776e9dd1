using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Linq;
using System.Threading;
using Spectre.Console;
using Spectre.Console.Cli;
using UncertaintyLoss.Demo;
using static TorchSharp.torch;

namespace UncertaintyLoss.BenchmarkRunner;

/// <summary>Entry point: <c>dotnet run -c Release --project samples/UncertaintyLoss.BenchmarkRunner -- [options]</c>.</summary>
public static class Program
{
    private static readonly AsyncLocal<IAnsiConsole?> CurrentConsole = new();

    /// <summary>The console the running command writes to.</summary>
    internal static IAnsiConsole Console => CurrentConsole.Value ?? AnsiConsole.Console;

    /// <summary>The command line as typed (for the report's provenance).</summary>
    internal static string CommandLine { get; private set; } = "";

    /// <summary>Runs the benchmark.</summary>
    public static int Main(string[] args)
    {
        if (System.Console.IsOutputRedirected)
            AnsiConsole.Profile.Width = 200;   // plain lines in logs, not wrapped at 80 columns
        return Run(args);
    }

    /// <summary>
    /// Runs the benchmark command with <paramref name="args"/>, writing to <paramref name="console"/> (default: the
    /// terminal). Returns 0 on success, 2 when the data or the device is missing, another non-zero code for bad options.
    /// </summary>
    public static int Run(string[] args, IAnsiConsole? console = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        CurrentConsole.Value = console;
        CommandLine = "UncertaintyLoss.BenchmarkRunner " + string.Join(" ", args);
        var app = new CommandApp<BenchmarkCommand>();
        app.Configure(config =>
        {
            config.SetApplicationName("UncertaintyLoss.BenchmarkRunner");
            config.UseStrictParsing();   // an unknown option is an error, not a silent full run
            if (console is not null)
                config.ConfigureConsole(console);
        });
        return app.Run(args);
    }
}

/// <summary>The options of the benchmark command.</summary>
public sealed class BenchmarkSettings : CommandSettings
{
    /// <summary>Models to run, comma-separated (default: all).</summary>
    [CommandOption("--models <LIST>")]
    [Description("Models to run, comma-separated (default: all). Known: see README.md.")]
    public string? Models { get; init; }

    /// <summary>Seeds per model (default 3; 1 with --quick).</summary>
    [CommandOption("--seeds <N>")]
    [Description("Seeds per model: 0 … N−1 (default 3; 1 with --quick).")]
    public int? Seeds { get; init; }

    /// <summary>Training epochs (default 10; 2 with --quick).</summary>
    [CommandOption("--epochs <N>")]
    [Description("Training epochs per model (default 10; 2 with --quick).")]
    public int? Epochs { get; init; }

    /// <summary>Small subsample: 2,000 training and 1,000 test images, 2 epochs, 1 seed unless given.</summary>
    [CommandOption("--append")]
    [Description("Add this run's models to the results.json already in --out (same data, epochs and device), replacing a model and seed present in both.")]
    public bool Append { get; init; }

    /// <summary>Redraw the plots only.</summary>
    [CommandOption("--plots-only")]
    [Description("Train nothing: redraw the plots from the predictions a previous run saved under --out, and rewrite its report.md from its results.json.")]
    public bool PlotsOnly { get; init; }

    /// <summary>Per-epoch trace for sweeps.</summary>
    [CommandOption("--trace")]
    [Description("After every epoch, print the validation NLL and the test accuracy and near-OOD AUROC (entropy): for sweeps, never for choosing.")]
    public bool Trace { get; init; }

    /// <summary>Small subsample.</summary>
    [CommandOption("--quick")]
    [Description("Small subsample: 2,000 training and 1,000 test images, 2 epochs, 1 seed (unless given).")]
    public bool Quick { get; init; }

    /// <summary>At most this many training images (before the validation split).</summary>
    [CommandOption("--train-limit <N>")]
    [Description("At most N training images of classes 0–4, a seeded subsample, before the 10 % validation split.")]
    public int? TrainLimit { get; init; }

    /// <summary>At most this many in-distribution test images; every OOD set has the same size.</summary>
    [CommandOption("--test-limit <N>")]
    [Description("At most N in-distribution test images (every OOD set has as many).")]
    public int? TestLimit { get; init; }

    /// <summary>Output directory.</summary>
    [CommandOption("--out <DIR>")]
    [Description("Output directory for results.json and report.md (default: benchmark-results).")]
    public string Out { get; init; } = "benchmark-results";

    /// <summary>"cpu" or "cuda".</summary>
    [CommandOption("--device <DEVICE>")]
    [Description("cpu or cuda (default cpu).")]
    public string Device { get; init; } = "cpu";

    /// <summary>Directory of the Fashion-MNIST IDX files.</summary>
    [CommandOption("--data-dir <DIR>")]
    [Description("Directory of the four Fashion-MNIST IDX files (default: ./data, then /usr/share/datasets/fashion-mnist).")]
    public string? DataDir { get; init; }

    /// <summary>Extra OOD image files.</summary>
    [CommandOption("--ood-idx <FILE>")]
    [Description("An IDX image file (28×28 uint8, raw or .gz) evaluated as an extra OOD set under its file name; repeatable.")]
    public string[] OodIdx { get; init; } = Array.Empty<string>();

    /// <summary>The models selected, in the order given (default: all).</summary>
    public IReadOnlyList<string> ModelList => Models is null
        ? ModelZoo.Names
        : Models.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Seeds after --quick.</summary>
    public int EffectiveSeeds => Seeds ?? (Quick ? 1 : 3);

    /// <summary>Epochs after --quick.</summary>
    public int EffectiveEpochs => Epochs ?? (Quick ? 2 : 10);

    /// <summary>Training limit after --quick.</summary>
    public int? EffectiveTrainLimit => TrainLimit ?? (Quick ? 2000 : null);

    /// <summary>Test limit after --quick.</summary>
    public int? EffectiveTestLimit => TestLimit ?? (Quick ? 1000 : null);

    /// <inheritdoc/>
    public override ValidationResult Validate()
    {
        if (Models is not null && ModelList.Count == 0)
            return ValidationResult.Error("--models is empty");
        var unknown = ModelList.Where(m => !ModelZoo.Names.Contains(m.Split('@')[0])).ToArray();
        if (unknown.Length > 0)
            return ValidationResult.Error($"--models: unknown model(s) {string.Join(", ", unknown.Select(u => $"'{u}'"))}; known: {string.Join(", ", ModelZoo.Names)}");
        foreach (var m in ModelList)
        {
            try
            {
                Variant.Parse(m);
            }
            catch (ArgumentException e)
            {
                return ValidationResult.Error($"--models: {e.Message}");
            }
        }

        var duplicates = ModelList.GroupBy(m => m).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        if (duplicates.Length > 0)
            return ValidationResult.Error($"--models lists {string.Join(", ", duplicates)} more than once");
        if (EffectiveSeeds < 1)
            return ValidationResult.Error($"--seeds must be at least 1, got {EffectiveSeeds}");
        if (EffectiveEpochs < 1)
            return ValidationResult.Error($"--epochs must be at least 1, got {EffectiveEpochs}");
        if (TrainLimit is < 20)
            return ValidationResult.Error($"--train-limit must be at least 20, got {TrainLimit}");
        if (TestLimit is < 10)
            return ValidationResult.Error($"--test-limit must be at least 10, got {TestLimit}");
        if (Device is not ("cpu" or "cuda"))
            return ValidationResult.Error($"--device must be 'cpu' or 'cuda', got '{Device}'");
        if (string.IsNullOrWhiteSpace(Out))
            return ValidationResult.Error("--out must name a directory");
        foreach (var file in OodIdx)
        {
            if (!File.Exists(file))
                return ValidationResult.Error($"--ood-idx: file '{file}' not found");
        }

        var names = OodIdx.Select(OodSets.NameOf).ToArray();
        var clash = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1 || OodSets.BuiltInNames.Contains(g.Key));
        if (clash is not null)
            return ValidationResult.Error($"--ood-idx: the set name '{clash.Key}' is used twice (or is a built-in set's)");
        return ValidationResult.Success();
    }
}

/// <summary>The benchmark command: loads the data, trains and evaluates, writes results.json and report.md.</summary>
public sealed class BenchmarkCommand : Command<BenchmarkSettings>
{
    /// <inheritdoc/>
    public override int Execute(CommandContext context, BenchmarkSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var console = Program.Console;
        List<OodSet> extra;
        try
        {
            extra = settings.OodIdx.Select(OodSets.ReadIdx).ToList();
        }
        catch (InvalidDataException e)
        {
            console.WriteLine("error: --ood-idx: " + e.Message);
            return 3;
        }

        var dataDir = FashionMnist.Locate(settings.DataDir);
        if (dataDir is null)
        {
            console.WriteLine("error: " + FashionMnist.MissingDataMessage(settings.DataDir));
            return 2;
        }

        if (settings.Device == "cuda" && !cuda.is_available())
        {
            console.WriteLine("error: --device cuda, but CUDA is not available (a CUDA TorchSharp backend and a GPU are needed)");
            return 2;
        }

        if (settings.PlotsOnly)
        {
            var saved = Path.Combine(settings.Out, "results.json");
            if (File.Exists(saved))
            {
                File.WriteAllText(Path.Combine(settings.Out, "report.md"), Report.ToMarkdown(Results.FromJson(File.ReadAllText(saved))));
                console.WriteLine($"rewrote {Path.Combine(settings.Out, "report.md")} from {saved}");
            }

            var redrawn = Plots.Write(settings.Out, OodSets.NearName);
            console.WriteLine(redrawn.Count == 0 ? $"error: no predictions under {settings.Out}" : $"wrote {string.Join(", ", redrawn)}");
            return redrawn.Count == 0 ? 2 : 0;
        }

        var json = Path.Combine(settings.Out, "results.json");
        RunResults? earlier = null;
        if (settings.Append && File.Exists(json))
            earlier = Results.FromJson(File.ReadAllText(json));
        var results = Benchmark.Run(settings, dataDir, extra, console, cancellationToken);
        if (earlier is not null)
        {
            try
            {
                results = RunResults.Merge(earlier, results);
            }
            catch (ArgumentException e)
            {
                var aside = Path.Combine(settings.Out, "results-not-appended.json");
                File.WriteAllText(aside, Results.ToJson(results));
                console.WriteLine($"error: {e.Message}; this run's results are in {aside}");
                return 4;
            }
        }

        Directory.CreateDirectory(settings.Out);
        var report = Path.Combine(settings.Out, "report.md");
        File.WriteAllText(json, Results.ToJson(results));
        File.WriteAllText(report, Report.ToMarkdown(results));
        console.WriteLine($"wrote {json} and {report}");
        var plots = Plots.Write(settings.Out, OodSets.NearName);
        if (plots.Count > 0)
            console.WriteLine($"wrote {plots.Count} plots under {Path.Combine(settings.Out, "plots")}");
        return 0;
    }
}
