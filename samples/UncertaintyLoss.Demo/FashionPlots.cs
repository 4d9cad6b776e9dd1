using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ScottPlot;

namespace UncertaintyLoss.Demo;

/// <summary>The PNGs of a Fashion-MNIST run (ScottPlot).</summary>
public static class FashionPlots
{
    private static readonly Color[] ModelColors = { Colors.Gray, Colors.DodgerBlue, Colors.OrangeRed };

    /// <summary>Writes the figures into <paramref name="directory"/>; returns the paths.</summary>
    public static IReadOnlyList<string> Write(FashionResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        var paths = new List<string> { Reliability(result, directory) };
        if (!result.Settings.AllClasses)
        {
            paths.Add(EntropyCdf(result, directory));
        }

        paths.Add(UncertaintyByLabel(result, directory));
        paths.AddRange(result.Models.Select(m => Extremes(result, m, directory)));
        paths.AddRange(EvidencePlots.Write(result, directory));
        return paths;
    }

    /// <summary>Reliability diagram of all models: accuracy against mean confidence of each non-empty bin.</summary>
    private static string Reliability(FashionResult result, string directory)
    {
        var plot = new Plot();
        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.LineColor = Colors.Black;
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.LegendText = "perfect calibration";
        for (int k = 0; k < result.Models.Count; k++)
        {
            var m = result.Models[k];
            var bins = m.Reliability.Where(b => b.Count > 0).ToArray();
            var line = plot.Add.Scatter(bins.Select(b => b.Confidence).ToArray(), bins.Select(b => b.Accuracy).ToArray(), ModelColors[k]);
            line.LegendText = $"{m.Name} (ECE {m.Ece:F3})";
            line.MarkerSize = 6;
        }

        plot.Title("Reliability diagram, in-distribution test set (15 bins)");
        plot.XLabel("confidence (max predicted probability)");
        plot.YLabel("accuracy");
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.ShowLegend(Alignment.UpperLeft);
        var path = Path.Combine(directory, "reliability.png");
        plot.SavePng(path, 700, 600);
        return path;
    }

    /// <summary>Empirical CDF of the normalised entropy of in- and out-of-distribution test images (EDL paper, fig. 3).</summary>
    private static string EntropyCdf(FashionResult result, string directory)
    {
        var plot = new Plot();
        for (int k = 0; k < result.Models.Count; k++)
        {
            var m = result.Models[k];
            foreach (bool inDistribution in new[] { true, false })
            {
                var values = Enumerable.Range(0, m.Entropy.Length).Where(i => result.IsInDistribution(i) == inDistribution)
                    .Select(i => m.Entropy[i]).OrderBy(v => v).ToArray();
                if (values.Length == 0)
                {
                    continue;
                }

                var xs = new[] { 0.0 }.Concat(values).Concat(new[] { 1.0 }).ToArray();
                var ys = new[] { 0.0 }.Concat(values.Select((_, i) => (i + 1.0) / values.Length)).Concat(new[] { 1.0 }).ToArray();
                var line = plot.Add.ScatterLine(xs, ys, ModelColors[k]);
                line.LineWidth = 2;
                line.LinePattern = inDistribution ? LinePattern.Solid : LinePattern.Dashed;
                line.LegendText = $"{m.Name}, {(inDistribution ? "in-distribution" : "OOD")}";
            }
        }

        plot.Title("CDF of normalised entropy: in-distribution (solid) vs out-of-distribution (dashed)");
        plot.XLabel("normalised entropy");
        plot.YLabel("fraction of test images");
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.ShowLegend(Alignment.UpperLeft);
        var path = Path.Combine(directory, "entropy-cdf.png");
        plot.SavePng(path, 800, 600);
        return path;
    }

    /// <summary>Mean normalised entropy per true label, one bar per model.</summary>
    private static string UncertaintyByLabel(FashionResult result, string directory)
    {
        var plot = new Plot();
        const double width = 0.26;
        for (int k = 0; k < result.Models.Count; k++)
        {
            var m = result.Models[k];
            var bars = new List<Bar>();
            for (int label = 0; label < 10; label++)
            {
                var values = Enumerable.Range(0, m.Entropy.Length).Where(i => result.Test.Labels[i] == label).Select(i => m.Entropy[i]).ToArray();
                if (values.Length == 0)
                {
                    continue;
                }

                double mean = values.Average();
                double sd = Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Average());
                bars.Add(new Bar { Position = label + (k - 1) * width, Value = mean, Error = sd, Size = width, FillColor = ModelColors[k] });
            }

            var plottable = plot.Add.Bars(bars);
            plottable.LegendText = m.Name;
        }

        int classes = result.Settings.Classes;
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, 10).Select(i => (double)i).ToArray(),
            FashionMnist.ClassNames.Select((n, i) => i < classes ? n : n + "*").ToArray());
        plot.Title(classes < 10
            ? "Mean normalised entropy (± sd) per true label; * = out-of-distribution (not trained on)"
            : "Mean normalised entropy (± sd) per true label");
        plot.YLabel("normalised entropy");
        plot.Axes.SetLimits(-0.6, 9.6, 0, 1.05);
        plot.ShowLegend(Alignment.UpperLeft);
        var path = Path.Combine(directory, "uncertainty-by-label.png");
        plot.SavePng(path, 1100, 500);
        return path;
    }

    /// <summary>The most certain (top row) and most uncertain (bottom row) test images of a model.</summary>
    private static string Extremes(FashionResult result, FashionModelResult model, string directory)
    {
        const int tile = 32, band = 16, rowHeight = band + 28 + 2;
        var rows = new[] { model.MostCertain, model.LeastCertain };
        int columns = rows.Max(r => r.Count);
        int height = rows.Length * rowHeight, width = columns * tile;
        var grid = new double[height, width];
        for (int r = 0; r < height; r++)
        {
            for (int c = 0; c < width; c++)
            {
                grid[r, c] = 1;
            }
        }

        var test = result.Test;
        int size = test.Rows * test.Columns;
        var plot = new Plot();
        for (int row = 0; row < rows.Length; row++)
        {
            for (int col = 0; col < rows[row].Count; col++)
            {
                var pick = rows[row][col];
                for (int r = 0; r < test.Rows; r++)
                {
                    for (int c = 0; c < test.Columns; c++)
                    {
                        grid[row * rowHeight + band + r, col * tile + 2 + c] = 1 - test.Pixels[(long)pick.TestIndex * size + r * test.Columns + c];
                    }
                }

                var text = plot.Add.Text($"{FashionMnist.ClassNames[(int)pick.Label]}{(result.IsInDistribution(pick.TestIndex) ? "" : "*")} u={pick.Uncertainty:F2}",
                    col * tile + tile / 2.0, height - row * rowHeight - 1);
                text.LabelFontSize = 9;
                text.LabelAlignment = Alignment.UpperCenter;
            }
        }

        var heatmap = plot.Add.Heatmap(grid);
        heatmap.Colormap = new ScottPlot.Colormaps.Grayscale();
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        heatmap.Extent = new CoordinateRect(0, width, 0, height);
        plot.MoveToBack(heatmap);
        plot.Title($"{model.Name}: most certain (top) and most uncertain (bottom) test images; * = OOD");
        plot.Axes.SetLimits(0, width, 0, height);
        plot.HideGrid();
        plot.Axes.Frameless();
        var path = Path.Combine(directory, $"extremes-{Plots.FileName(model.Kind)}.png");
        plot.SavePng(path, 1200, 450);
        return path;
    }
}
