using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace UncertaintyLoss.BenchmarkRunner;

/// <summary>One metric with each OOD score; null where the model does not define the score (README.md).</summary>
public sealed record ScoreValues(double Entropy, double? MutualInformation, double? Vacuity, double MaxProbability);

/// <summary>The OOD metrics of one set: in-distribution test images are negatives, the set's images positives.</summary>
public sealed record OodResult(ScoreValues Auroc, ScoreValues Aupr, [property: JsonPropertyName("fpr95")] ScoreValues Fpr95);

/// <summary>The metrics of one model and seed (results.json, "models").</summary>
public sealed record ModelResult(string Model, int Seed)
{
    public double Accuracy { get; init; }
    public double Nll { get; init; }
    public double Brier { get; init; }
    public double Ece { get; init; }
    public double AdaptiveEce { get; init; }
    public double NllCalibrated { get; init; }
    public double BrierCalibrated { get; init; }
    public double EceCalibrated { get; init; }
    public double AdaptiveEceCalibrated { get; init; }
    public double CalibrationTemperature { get; init; }
    public double Aurc { get; init; }
    public double? MisclassificationAuroc { get; init; }
    public double TrainSeconds { get; init; }
    public double EvalSeconds { get; init; }
    public int? StoppedEpoch { get; init; }
    public IReadOnlyDictionary<string, OodResult> Ood { get; init; } = new Dictionary<string, OodResult>();
}

/// <summary>The run's settings (results.json, "settings").</summary>
public sealed record RunSettings(string[] Models, int Seeds, int Epochs, bool Quick, int TrainImages, int ValidationImages, int TestImages,
    string[] OodSets, string Device, int BatchSize, double LearningRate, int EnsembleSize, int DropoutSamples, int CalibrationBins,
    IReadOnlyDictionary<string, string> CalibratorInput);

/// <summary>Where and how the run was made (results.json, "provenance").</summary>
public sealed record Provenance(string Date, string Command, string Machine, int ProcessorCount, string Os, string Framework,
    string? GitCommit, string DataDir, double TotalSeconds)
{
    /// <summary>Collects the provenance of this process.</summary>
    public static Provenance Collect(DateTimeOffset started, double totalSeconds, string dataDir) => new(
        started.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture), Program.CommandLine,
        $"{Environment.ProcessorCount} logical CPUs, {RuntimeInformation.ProcessArchitecture}", Environment.ProcessorCount,
        RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, StartCommit.Value, dataDir, Math.Round(totalSeconds, 1));

    /// <summary>The commit at the start of the run (read once: a commit made while a long run goes on must not relabel it).</summary>
    public static readonly Lazy<string?> StartCommit = new(ReadGitCommit);

    private static string? ReadGitCommit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse HEAD")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                WorkingDirectory = AppContext.BaseDirectory,   // the build output, inside the repository
            });
            if (git is null)
                return null;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit(5000);
            return git.ExitCode == 0 && output.Length == 40 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}

/// <summary>Everything results.json holds; <paramref name="Appended"/> lists the provenance of the runs added with --append.</summary>
public sealed record RunResults(RunSettings Settings, Provenance Provenance, IReadOnlyList<ModelResult> Models,
    IReadOnlyList<Provenance>? Appended = null)
{
    /// <summary>
    /// <paramref name="earlier"/> with <paramref name="later"/>'s models added (a model and seed present in both: the later
    /// result), when both used the same data, epochs and device; otherwise an <see cref="ArgumentException"/> naming the difference.
    /// </summary>
    public static RunResults Merge(RunResults earlier, RunResults later)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        ArgumentNullException.ThrowIfNull(later);
        var (a, b) = (earlier.Settings, later.Settings);
        var differences = new List<string>();
        void Same<T>(string name, T x, T y)
        {
            if (!EqualityComparer<T>.Default.Equals(x, y))
                differences.Add($"{name} {x} (results.json) vs {y} (this run)");
        }

        Same("epochs", a.Epochs, b.Epochs);
        Same("quick", a.Quick, b.Quick);
        Same("training images", a.TrainImages, b.TrainImages);
        Same("validation images", a.ValidationImages, b.ValidationImages);
        Same("test images", a.TestImages, b.TestImages);
        Same("OOD sets", string.Join(",", a.OodSets), string.Join(",", b.OodSets));
        Same("device", a.Device, b.Device);
        if (differences.Count > 0)
            throw new ArgumentException("--append: the runs differ in " + string.Join("; ", differences));
        var replaced = later.Models.Select(m => (m.Model, m.Seed)).ToHashSet();
        var models = earlier.Models.Where(m => !replaced.Contains((m.Model, m.Seed))).Concat(later.Models).ToList();
        var names = a.Models.Concat(b.Models.Where(n => !a.Models.Contains(n))).ToArray();
        var calibrators = new SortedDictionary<string, string>(a.CalibratorInput.ToDictionary(k => k.Key, k => k.Value));
        foreach (var (k, v) in b.CalibratorInput)
            calibrators[k] = v;
        var settings = a with { Models = names, Seeds = Math.Max(a.Seeds, b.Seeds), CalibratorInput = calibrators };
        return new RunResults(settings, earlier.Provenance, models,
            (earlier.Appended ?? Array.Empty<Provenance>()).Append(later.Provenance).ToList());
    }
}

/// <summary>results.json.</summary>
public static class Results
{
    /// <summary>The serializer options: camelCase names, nulls written, indented, NaN/Infinity as strings.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // A diverged model (NaN metrics) is written as "NaN" rather than losing the whole run to an exception.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The JSON text of <paramref name="results"/>.</summary>
    public static string ToJson(RunResults results) => JsonSerializer.Serialize(results, Options);

    /// <summary>Reads results.json text written by <see cref="ToJson"/>.</summary>
    public static RunResults FromJson(string json) =>
        JsonSerializer.Deserialize<RunResults>(json, Options) ?? throw new InvalidOperationException("results.json is empty");
}

/// <summary>report.md: a table per metric group, mean ± sd over seeds per model.</summary>
public static class Report
{
    /// <summary>The Markdown report.</summary>
    public static string ToMarkdown(RunResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var s = results.Settings;
        var p = results.Provenance;
        var md = new StringBuilder();
        md.AppendLine("# Uncertainty benchmark: Fashion-MNIST classes 0–4").AppendLine();
        md.AppendLine($"- Date: {p.Date}; total {p.TotalSeconds:F0} s");
        md.AppendLine($"- Command: `{p.Command}`");
        md.AppendLine($"- Machine: {p.Machine}; {p.Os}; {p.Framework}; device {s.Device}");
        md.AppendLine($"- Commit: {p.GitCommit ?? "unknown"}");
        md.AppendLine($"- Data: {s.TrainImages} training and {s.ValidationImages} validation images, {s.TestImages} test images " +
                      $"per set; {s.Epochs} epoch(s), {s.Seeds} seed(s){(s.Quick ? ", --quick" : "")}; LeNet, Adam lr {s.LearningRate}, batch {s.BatchSize}");
        md.AppendLine("- Values: mean ± sample standard deviation over the seeds (the mean alone with one seed). " +
                      "\"Calibrated\": after temperature scaling fitted on the validation split (see results.json settings.calibratorInput).");
        foreach (var later in results.Appended ?? Array.Empty<Provenance>())
            md.AppendLine($"- Appended: {later.Date}, `{later.Command}`, commit {later.GitCommit ?? "unknown"}, {later.TotalSeconds:F0} s");
        md.AppendLine("- Plots (seed 0): `plots/reliability.png`, `plots/entropy-cdf.png`, `plots/risk-coverage.png`, `plots/extremes-<model>.png`").AppendLine();

        var names = s.Models;
        var near = s.OodSets.Length > 0 ? s.OodSets[0] : null;
        var far = s.OodSets.Skip(1).ToArray();
        var headline = new List<(string, Func<ModelResult, double?>)>
        {
            ("accuracy", r => r.Accuracy), ("ECE", r => r.Ece), ("ECE calibrated", r => r.EceCalibrated), ("NLL calibrated", r => r.NllCalibrated),
        };
        if (near is not null)
            headline.Add(($"AUROC {near} (entropy)", r => r.Ood[near].Auroc.Entropy));
        if (far.Length > 0)
            headline.Add(("AUROC far sets, mean (entropy)", r => far.Average(f => r.Ood[f].Auroc.Entropy)));
        headline.Add(("training s", r => r.TrainSeconds));
        Table(md, "Headline", names, results.Models, headline);
        Goal(md, results, near);
        Table(md, "Classification and calibration (in-distribution test set)", names, results.Models, new (string, Func<ModelResult, double?>)[]
        {
            ("accuracy", r => r.Accuracy), ("NLL", r => r.Nll), ("Brier", r => r.Brier), ("ECE", r => r.Ece), ("adaptive ECE", r => r.AdaptiveEce),
            ("AURC", r => r.Aurc), ("misclassification AUROC (entropy)", r => r.MisclassificationAuroc), ("training s", r => r.TrainSeconds),
            ("kept epoch", r => r.StoppedEpoch),
        });
        Table(md, "After post-hoc temperature scaling (fitted on the validation split)", names, results.Models, new (string, Func<ModelResult, double?>)[]
        {
            ("T", r => r.CalibrationTemperature), ("NLL", r => r.NllCalibrated), ("Brier", r => r.BrierCalibrated), ("ECE", r => r.EceCalibrated),
            ("adaptive ECE", r => r.AdaptiveEceCalibrated),
        });
        foreach (var set in s.OodSets)
        {
            foreach (var (metric, pick) in new (string, Func<OodResult, ScoreValues>)[] { ("AUROC", o => o.Auroc), ("AUPR", o => o.Aupr), ("FPR@95 % TPR", o => o.Fpr95) })
            {
                Table(md, $"OOD `{set}`: {metric}", names, results.Models, new (string, Func<ModelResult, double?>)[]
                {
                    ("entropy", r => pick(r.Ood[set]).Entropy), ("1 − max p", r => pick(r.Ood[set]).MaxProbability),
                    ("mutual information", r => pick(r.Ood[set]).MutualInformation), ("vacuity", r => pick(r.Ood[set]).Vacuity),
                });
            }
        }

        return md.ToString();
    }

    /// <summary>
    /// Issue 16's goal line for "recommended" against "cross-entropy" (and "cross-entropy+ts", "ensemble-5"), from the means over
    /// seeds: accuracy within 1 point, near-OOD AUROC (entropy) at least 0.02 higher, ECE after calibration at most calibrated
    /// cross-entropy's. Nothing when either model is missing.
    /// </summary>
    private static void Goal(StringBuilder md, RunResults results, string? near)
    {
        double? Mean(string model, Func<ModelResult, double> pick)
        {
            var rows = results.Models.Where(r => r.Model == model).ToList();
            return rows.Count == 0 ? null : rows.Average(pick);
        }

        if (near is null || Mean("recommended", r => r.Accuracy) is not { } accuracy || Mean("cross-entropy", r => r.Accuracy) is not { } ceAccuracy)
            return;
        double auroc = Mean("recommended", r => r.Ood[near].Auroc.Entropy)!.Value;
        double ceAuroc = Mean("cross-entropy", r => r.Ood[near].Auroc.Entropy)!.Value;
        double ece = Mean("recommended", r => r.EceCalibrated)!.Value;
        double ceEce = Mean("cross-entropy+ts", r => r.Ece) ?? Mean("cross-entropy", r => r.EceCalibrated)!.Value;
        string Mark(bool met) => met ? "met" : "**missed**";
        md.AppendLine("## Goal: the recommended recipe against cross-entropy (means over the seeds)").AppendLine();
        md.AppendLine("| criterion | recommended | cross-entropy | difference | |");
        md.AppendLine("|---|---|---|---|---|");
        md.AppendLine($"| accuracy within 1 point | {accuracy:F4} | {ceAccuracy:F4} | {accuracy - ceAccuracy:+0.0000;-0.0000} | {Mark(accuracy >= ceAccuracy - 0.01)} |");
        md.AppendLine($"| AUROC {near} (entropy) ≥ cross-entropy + 0.02 | {auroc:F4} | {ceAuroc:F4} | {auroc - ceAuroc:+0.0000;-0.0000} | {Mark(auroc >= ceAuroc + 0.02)} |");
        md.AppendLine($"| ECE after calibration ≤ calibrated cross-entropy's | {ece:F4} | {ceEce:F4} | {ece - ceEce:+0.0000;-0.0000} | {Mark(ece <= ceEce)} |");
        if (Mean("ensemble-5", r => r.Ood[near].Auroc.Entropy) is { } ensemble)
            md.AppendLine($"| (the 5-ensemble, for scale) AUROC {near} (entropy) | {auroc:F4} | ensemble-5: {ensemble:F4} | {auroc - ensemble:+0.0000;-0.0000} | |");
        md.AppendLine();
    }

    private static void Table(StringBuilder md, string title, IReadOnlyList<string> names, IReadOnlyList<ModelResult> rows,
        IReadOnlyList<(string Header, Func<ModelResult, double?> Value)> columns)
    {
        md.AppendLine($"## {title}").AppendLine();
        md.AppendLine("| model | " + string.Join(" | ", columns.Select(c => c.Header)) + " |");
        md.AppendLine("|---|" + string.Concat(columns.Select(_ => "---|")));
        foreach (var name in names)
        {
            var mine = rows.Where(r => r.Model == name).ToList();
            md.AppendLine($"| {name} | " + string.Join(" | ", columns.Select(c => Cell(mine.Select(c.Value).ToList()))) + " |");
        }

        md.AppendLine();
    }

    /// <summary>"mean ± sd" (sample sd), the mean alone for one value, "–" without values.</summary>
    public static string Cell(IReadOnlyList<double?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var v = values.Where(x => x.HasValue).Select(x => x!.Value).ToArray();
        if (v.Length == 0)
            return "–";
        double mean = v.Average();
        string Format(double x) => x.ToString(Math.Abs(mean) >= 10 ? "F1" : "F4", CultureInfo.InvariantCulture);
        if (v.Length == 1)
            return Format(mean);
        double sd = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
        return $"{Format(mean)} ± {Format(sd)}";
    }
}
