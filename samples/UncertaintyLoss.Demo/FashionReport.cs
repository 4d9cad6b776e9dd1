using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Spectre.Console;

namespace UncertaintyLoss.Demo;

/// <summary>The metrics table of a Fashion-MNIST run, as a Spectre.Console table and as report.md.</summary>
public static class FashionReport
{
    /// <summary>The column headers.</summary>
    public static readonly IReadOnlyList<string> Headers = new[]
    {
        "model", "accuracy", "NLL", "Brier", "ECE", "misclass. AUROC (H)", "OOD AUROC (H)", "OOD AUPR (H)",
        "OOD AUROC (MI)", "OOD AUROC (vacuity)", "train s", "eval s",
    };

    /// <summary>One row of cells per model.</summary>
    public static IReadOnlyList<string[]> Rows(FashionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Models.Select(m => new[]
        {
            m.Name, F(m.Accuracy), F(m.Nll), F(m.Brier), F(m.Ece), F(m.MisclassificationAuroc), F(m.OodAurocEntropy),
            F(m.OodAuprEntropy), F(m.OodAurocMutualInformation), F(m.OodAurocVacuity),
            m.TrainSeconds.ToString("F1", CultureInfo.InvariantCulture), m.EvalSeconds.ToString("F1", CultureInfo.InvariantCulture),
        }).ToArray();
    }

    private static string F(double? value) =>
        value is null || double.IsNaN(value.Value) ? "—" : value.Value.ToString("F3", CultureInfo.InvariantCulture);

    /// <summary>The table for the console: transposed (one row per metric, one column per model) to fit 80 columns.</summary>
    public static Table ConsoleTable(FashionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var rows = Rows(result);
        var table = new Table().AddColumn(Headers[0]);
        foreach (var row in rows)
        {
            table.AddColumn(new TableColumn(Markup.Escape(row[0])).RightAligned());
        }

        for (int metric = 1; metric < Headers.Count; metric++)
        {
            table.AddRow(new[] { Markup.Escape(Headers[metric]) }.Concat(rows.Select(r => Markup.Escape(r[metric]))).ToArray());
        }

        table.Caption = new TableTitle(Markup.Escape(result.Settings.AllClasses
            ? "test set: all 10 classes; no OOD metrics"
            : "ID = test classes 0–4, OOD = test classes 5–9; H = entropy, MI = mutual information; AUROC score = uncertainty, positive = wrong / OOD"));
        return table;
    }

    /// <summary>Writes report.md into <paramref name="directory"/>; returns its path.</summary>
    public static string Write(FashionResult result, string directory, string commandLine, double totalSeconds, IReadOnlyList<string> figures)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(figures);
        var s = result.Settings;
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# UncertaintyLoss demo: Fashion-MNIST");
        md.AppendLine();
        md.AppendLine(inv, $"Command: `{commandLine}`");
        md.AppendLine();
        md.AppendLine(inv, $"- seed {s.Seed}, device {s.Device}, {s.Epochs} epoch(s), batch {s.BatchSize}, Adam lr {s.LearningRate}");
        md.AppendLine(inv, $"- protocol: {(s.AllClasses ? "train and test on all 10 classes (no OOD metrics)" : "train on classes 0–4; in-distribution test = test classes 0–4; out-of-distribution = test classes 5–9 (the EDL paper's CIFAR5 protocol)")}");
        md.AppendLine(inv, $"- {result.TrainCount} training images, {result.Test.Count} test images ({Enumerable.Range(0, result.Test.Count).Count(result.IsInDistribution)} in-distribution)");
        md.AppendLine("- model: LeNet-style CNN (conv 1→20 k5, ReLU, max-pool 2; conv 20→50 k5, ReLU, max-pool 2; 800→500, ReLU; 500→C)");
        md.AppendLine(string.Create(inv, $"- evidential losses on `UL.ClampedExp(logits)`, regulariser `RegFactor.Linear` over {s.RampFraction:P0} of the training steps; final λ: ") +
                           string.Join(", ", result.Models.Where(m => m.Kind != LossKind.CrossEntropy).Select(m => string.Create(inv, $"{m.Name} {m.FinalRegFactor:F2}"))));
        md.AppendLine("- probabilities: softmax (cross-entropy), `UL.DirichletMean` (evidential); H = normalised entropy (`UL.Uncertainty` / `UL.CrossEntropyUncertainty` / ln C), MI = `UL.ModelUncertainty`, vacuity = `UL.Vacuity`; ECE with 15 bins");
        md.AppendLine(inv, $"- total time {totalSeconds:F1} s");
        md.AppendLine();
        md.AppendLine("| " + string.Join(" | ", Headers) + " |");
        md.AppendLine("|" + string.Concat(Headers.Select(_ => "---|")));
        foreach (var row in Rows(result))
        {
            md.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        md.AppendLine();
        md.AppendLine("AUROC: the uncertainty is the score; misclassified (misclass.) or out-of-distribution (OOD) images are the positives. — : not applicable.");
        md.AppendLine();
        md.AppendLine("## Figures");
        md.AppendLine();
        foreach (var f in figures)
        {
            md.AppendLine(inv, $"![{Path.GetFileNameWithoutExtension(f)}]({Path.GetFileName(f)})");
        }

        var evidenceFigures = figures.Where(f => Path.GetFileName(f).StartsWith("evidence-", StringComparison.Ordinal)).ToArray();
        if (evidenceFigures.Length > 0)
        {
            md.AppendLine();
            md.AppendLine("## Expected probabilities with Dirichlet error bars");
            md.AppendLine();
            md.AppendLine(string.Create(inv, $"For each evidential model the {EvidencePlots.PerRow} test images with the smallest (top row) and the {EvidencePlots.PerRow} with the largest ") +
                               "normalised entropy u (bottom row), each beside its per-class expected probability `UL.DirichletMean(evidence)` with error bars = the " +
                               "Dirichlet standard deviation √(p_j(1 − p_j)/(S + 1)), S = Σα. The true class's bar is green; OOD = out-of-distribution.");
            md.AppendLine();
            foreach (var f in evidenceFigures)
            {
                md.AppendLine(inv, $"![{Path.GetFileNameWithoutExtension(f)}]({Path.GetFileName(f)})");
            }
        }

        md.AppendLine();
        md.AppendLine("## Most and least certain test images");
        md.AppendLine();
        md.AppendLine("Evidence per class (softmax probabilities for cross-entropy); * = out-of-distribution.");
        foreach (var m in result.Models)
        {
            md.AppendLine();
            md.AppendLine(inv, $"### {m.Name}");
            md.AppendLine();
            md.AppendLine("| | test index | label | u | " + string.Join(" | ", Enumerable.Range(0, s.Classes).Select(c => FashionMnist.ClassNames[c])) + " |");
            md.AppendLine("|---|---|---|---|" + string.Concat(Enumerable.Repeat("---|", s.Classes)));
            foreach (var (which, picks) in new[] { ("most certain", m.MostCertain), ("most uncertain", m.LeastCertain) })
            {
                foreach (var p in picks)
                {
                    md.AppendLine(string.Create(inv, $"| {which} | {p.TestIndex} | {FashionMnist.ClassNames[(int)p.Label]}{(result.IsInDistribution(p.TestIndex) ? "" : "*")} | {p.Uncertainty:F3} | ") +
                                       string.Join(" | ", p.Evidence.Select(e => e.ToString("G3", inv))) + " |");
                }
            }
        }

        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "report.md");
        File.WriteAllText(path, md.ToString());
        return path;
    }
}
