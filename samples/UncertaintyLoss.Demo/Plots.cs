using System.Collections.Generic;
using System.IO;
using System.Linq;
using ScottPlot;

namespace UncertaintyLoss.Demo;

/// <summary>PNG heat maps of each model's uncertainty over the plane, training points on top.</summary>
public static class Plots
{
    private static readonly Color[] ClassColors = { Colors.Red, Colors.Lime, Colors.DodgerBlue, Colors.Orange, Colors.Magenta };

    /// <summary>Writes <c>uncertainty-&lt;loss&gt;.png</c> per model into <paramref name="directory"/>; returns the paths.</summary>
    public static IReadOnlyList<string> Write(DemoResult result, string directory)
    {
        Directory.CreateDirectory(directory);
        var paths = new List<string>();
        foreach (var model in result.Models)
        {
            var plot = new Plot();
            var heatmap = plot.Add.Heatmap(model.Grid);
            heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
            heatmap.ManualRange = new Range(0, 1);
            heatmap.Extent = new CoordinateRect(-result.Extent, result.Extent, -result.Extent, result.Extent);
            plot.Add.ColorBar(heatmap).Label = "normalised uncertainty";

            for (int c = 0; c < result.Train.Classes; c++)
            {
                var idx = Enumerable.Range(0, result.Train.Count).Where(i => result.Train.Labels[i] == c).ToArray();
                var points = plot.Add.ScatterPoints(
                    idx.Select(i => (double)result.Train.Points[2 * i]).ToArray(),
                    idx.Select(i => (double)result.Train.Points[2 * i + 1]).ToArray(),
                    ClassColors[c % ClassColors.Length]);
                points.MarkerSize = 3;
                points.LegendText = $"class {c}";
            }

            var ring = plot.Add.Circle(0, 0, result.FarRadius);
            ring.LineColor = Colors.White;
            ring.LinePattern = LinePattern.Dashed;
            ring.FillColor = Colors.Transparent;

            plot.Title($"{model.Name}: accuracy {model.Accuracy:P1}, uncertainty test {model.TestUncertainty:F2} / far {model.FarUncertainty:F2}");
            plot.Axes.SetLimits(-result.Extent, result.Extent, -result.Extent, result.Extent);
            plot.Axes.SquareUnits();
            var path = Path.Combine(directory, $"uncertainty-{FileName(model.Kind)}.png");
            plot.SavePng(path, 800, 700);
            paths.Add(path);
        }

        return paths;
    }

    /// <summary>The file-name part of a loss.</summary>
    public static string FileName(LossKind kind) => kind switch
    {
        LossKind.CrossEntropy => "cross-entropy",
        LossKind.Evidential => "evidential",
        _ => "maxnorm",
    };
}
