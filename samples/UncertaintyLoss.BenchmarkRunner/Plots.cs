using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ScottPlot;
using UncertaintyLoss.Metrics;
using static TorchSharp.torch;

namespace UncertaintyLoss.BenchmarkRunner;

/// <summary>
/// The benchmark's figures (PNG, into <c>&lt;out&gt;/plots</c>), drawn from the saved predictions of seed 0: reliability
/// diagrams before and after calibration, entropy CDFs in distribution and on the near-OOD set, risk–coverage curves,
/// and the Vote-tutorial figure (the test images of least and most entropy, with the class probabilities; for the
/// ensemble the voters' mean logits ± their spread). Bins and curves come from <c>UncertaintyLoss.Metrics</c>.
/// </summary>
public static class Plots
{
    /// <summary>The models drawn when present, in this order (the others are in report.md only).</summary>
    public static readonly IReadOnlyList<string> Featured = new[] { "cross-entropy", "cross-entropy+ts", "recommended", "ensemble-5", "mc-dropout", "edl" };

    private static readonly Color[] Palette =
        { Colors.Black, Colors.Gray, Colors.Red, Colors.DodgerBlue, Colors.Green, Colors.Orange, Colors.Magenta, Colors.Brown };

    /// <summary>Writes the figures for the predictions under <paramref name="outDir"/>; returns their paths (none without predictions).</summary>
    public static IReadOnlyList<string> Write(string outDir, string nearSet)
    {
        var all = Predictions.ReadAll(outDir).Where(p => p.Seed == 0).ToList();
        var chosen = Featured.Select(m => all.FirstOrDefault(p => p.Model == m)).Where(p => p is not null).Select(p => p!).ToList();
        if (chosen.Count == 0)
            chosen = all.Take(Palette.Length).ToList();
        if (chosen.Count == 0)
            return Array.Empty<string>();
        var dir = Path.Combine(outDir, "plots");
        Directory.CreateDirectory(dir);
        var paths = new List<string>
        {
            Reliability(chosen, Path.Combine(dir, "reliability.png")),
            EntropyCdf(chosen, nearSet, Path.Combine(dir, "entropy-cdf.png")),
            RiskCoverage(chosen, Path.Combine(dir, "risk-coverage.png")),
        };
        foreach (var name in new[] { "ensemble-5", "recommended" })
            if (chosen.FirstOrDefault(p => p.Model == name) is { } p)
                paths.Add(VoteFigure(p, Path.Combine(dir, $"extremes-{name}.png")));
        return paths;
    }

    private static string Reliability(IReadOnlyList<Predictions> models, string path)
    {
        var plot = new Plot();
        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.LineColor = Colors.LightGray;
        diagonal.LinePattern = LinePattern.Dashed;
        for (int i = 0; i < models.Count; i++)
        {
            foreach (bool calibrated in new[] { false, true })
            {
                using var scope = NewDisposeScope();
                var bins = Calibration.ReliabilityDiagram(models[i].ProbabilityTensor(calibrated), models[i].LabelTensor(), bins: 15)
                    .Where(b => b.Count > 0).ToArray();
                var line = plot.Add.ScatterLine(bins.Select(b => b.Confidence).ToArray(), bins.Select(b => b.Accuracy).ToArray(), Palette[i]);
                line.LegendText = calibrated ? $"{models[i].Model}, calibrated" : models[i].Model;
                line.LinePattern = calibrated ? LinePattern.Dotted : LinePattern.Solid;
                line.MarkerSize = 4;
            }
        }

        plot.Title("Reliability (seed 0, 15 bins): accuracy against confidence");
        plot.XLabel("mean confidence in the bin");
        plot.YLabel("accuracy in the bin");
        plot.Axes.SetLimits(0.2, 1, 0.2, 1);
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, 900, 700);
        return path;
    }

    private static string EntropyCdf(IReadOnlyList<Predictions> models, string nearSet, string path)
    {
        var plot = new Plot();
        for (int i = 0; i < models.Count; i++)
        {
            foreach (var set in new[] { Predictions.InDistribution, nearSet })
            {
                if (!models[i].Entropy.TryGetValue(set, out var values))
                    continue;
                // Entropy normalised by ln C, so every model shares the axis; the CDF is the sorted values against rank.
                var x = values.Select(v => v / Math.Log(models[i].Classes)).Order().ToArray();
                var y = Enumerable.Range(1, x.Length).Select(k => (double)k / x.Length).ToArray();
                var line = plot.Add.ScatterLine(x, y, Palette[i]);
                line.LegendText = $"{models[i].Model}, {set}";
                line.LinePattern = set == nearSet ? LinePattern.Dashed : LinePattern.Solid;
            }
        }

        plot.Title($"Entropy CDFs (seed 0): in distribution (solid) and {nearSet} (dashed)");
        plot.XLabel("predictive entropy / ln C");
        plot.YLabel("fraction of images");
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, 900, 700);
        return path;
    }

    private static string RiskCoverage(IReadOnlyList<Predictions> models, string path)
    {
        var plot = new Plot();
        for (int i = 0; i < models.Count; i++)
        {
            using var scope = NewDisposeScope();
            var curve = SelectiveClassification.RiskCoverageCurve(models[i].ProbabilityTensor(false), models[i].LabelTensor());
            var line = plot.Add.ScatterLine(curve.Select(c => c.Coverage).ToArray(), curve.Select(c => c.Risk).ToArray(), Palette[i]);
            line.LegendText = models[i].Model;
        }

        plot.Title("Risk–coverage (seed 0): error rate among the most confident images");
        plot.XLabel("coverage");
        plot.YLabel("selective risk");
        plot.Axes.SetLimitsX(0, 1);
        plot.Axes.SetLimitsY(0, 0.1);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 900, 700);
        return path;
    }

    /// <summary>Capsa's Vote-tutorial figure: the least and the most uncertain test image, each with its class probabilities
    /// (and, for an ensemble, the mean logits with the voters' spread as error bars).</summary>
    private static string VoteFigure(Predictions p, string path)
    {
        var multi = new Multiplot();
        multi.AddPlots(4);
        multi.Layout = new ScottPlot.MultiplotLayouts.Grid(rows: 2, columns: 2);
        var rows = new[] { ("least", p.Least), ("most", p.Most) };
        for (int r = 0; r < 2; r++)
        {
            var (which, image) = rows[r];
            var picture = multi.GetPlot(2 * r);
            var pixels = new double[28, 28];
            for (int k = 0; k < 784; k++)
                pixels[27 - k / 28, k % 28] = image.Pixels[k];
            var heatmap = picture.Add.Heatmap(pixels);
            heatmap.Colormap = new ScottPlot.Colormaps.Grayscale();
            picture.Title($"{which} uncertain test image #{image.Index} (entropy {image.Entropy:F3})");
            picture.Axes.Frameless();

            var bars = multi.GetPlot(2 * r + 1);
            bool spread = image.MeanLogits is not null && image.Risk is not null;
            var values = spread ? image.MeanLogits! : image.Probabilities;
            var barList = values.Select((v, c) => new Bar
            {
                Position = c,
                Value = v,
                Error = spread ? image.Risk![c] : 0,
                FillColor = Colors.SteelBlue,
            }).ToList();
            bars.Add.Bars(barList);
            bars.Title(spread ? $"{p.Model}: mean logit ± voters' spread per class" : $"{p.Model}: probability per class");
            bars.XLabel("class (0 T-shirt, 1 trouser, 2 pullover, 3 dress, 4 coat)");
        }

        multi.SavePng(path, 1000, 800);
        return path;
    }
}
