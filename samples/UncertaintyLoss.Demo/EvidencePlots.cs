using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ScottPlot;
using SkiaSharp;
using static TorchSharp.torch;

namespace UncertaintyLoss.Demo;

/// <summary>
/// The Vote tutorial's figure for the evidential models: the test images with the smallest and the largest uncertainty,
/// each beside a bar chart of its per-class expected probability (<see cref="UL.DirichletMean"/>) with the Dirichlet
/// standard deviation √(p_j(1 − p_j)/(S + 1)), S = Σα, as error bars. Each panel is a ScottPlot bar chart; the image
/// and the panels are composed with SkiaSharp.
/// </summary>
public static class EvidencePlots
{
    /// <summary>Images per row: the most certain ones on top, the most uncertain ones below.</summary>
    public const int PerRow = 4;

    /// <summary>Width in pixels of each chart.</summary>
    public const int ChartWidth = 420;

    /// <summary>Height in pixels of each chart.</summary>
    public const int ChartHeight = 240;

    private const int ImageScale = 5, Gap = 10;

    /// <summary>Writes <c>evidence-&lt;model&gt;.png</c> for each evidential model; returns the paths.</summary>
    public static IReadOnlyList<string> Write(FashionResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        return result.Models.Where(m => m.Kind != LossKind.CrossEntropy).Select(m => Write(result, m, directory)).ToArray();
    }

    /// <summary>Expected probabilities (<see cref="UL.DirichletMean"/>) and their Dirichlet standard deviations.</summary>
    public static (double[] Mean, double[] Sd) MeanAndSd(double[] evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        using var scope = NewDisposeScope();
        var e = tensor(evidence, new long[] { 1, evidence.Length });
        var mean = UL.DirichletMean(e).to_type(ScalarType.Float64).data<double>().ToArray();
        double strength = evidence.Sum() + evidence.Length; // S = Σα, α = e + 1
        var sd = mean.Select(p => Math.Sqrt(p * (1 - p) / (strength + 1))).ToArray();
        return (mean, sd);
    }

    private static string Write(FashionResult result, FashionModelResult model, string directory)
    {
        var rows = new[] { ("lowest u", model.MostCertain.Take(PerRow).ToArray()), ("highest u", model.LeastCertain.Take(PerRow).ToArray()) };
        var path = Path.Combine(directory, $"evidence-{Plots.FileName(model.Kind)}.png");
        WriteGrid(result.Test, rows.Select(r => r.Item2.Select(p => p.TestIndex).ToArray()).ToArray(),
            (row, col) => Chart(result, rows[row].Item2[col], $"{rows[row].Item1} #{col + 1}"), path);
        return path;
    }

    /// <summary>
    /// The figure's layout, shared with the Vote-wrapper demo: one row per entry of <paramref name="rows"/>, each test
    /// image (by index into <paramref name="test"/>) beside the chart that <paramref name="chart"/>(row, column) renders
    /// as a PNG of <see cref="ChartWidth"/> × <see cref="ChartHeight"/> pixels.
    /// </summary>
    public static void WriteGrid(ImageSet test, IReadOnlyList<IReadOnlyList<int>> rows, Func<int, int, byte[]> chart, string path)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(chart);
        int imageSize = test.Rows * ImageScale;
        int panelWidth = imageSize + ChartWidth + 2 * Gap, panelHeight = ChartHeight + Gap;
        int columns = Math.Max(1, rows.Max(r => r.Count));
        using var canvasBitmap = new SKBitmap(columns * panelWidth, rows.Count * panelHeight);
        using (var canvas = new SKCanvas(canvasBitmap))
        {
            canvas.Clear(SKColors.White);
            for (int row = 0; row < rows.Count; row++)
            {
                for (int col = 0; col < rows[row].Count; col++)
                {
                    int x = col * panelWidth + Gap, y = row * panelHeight + Gap / 2;
                    using var image = ImageBitmap(test, rows[row][col]);
                    canvas.DrawBitmap(image, x, y + (ChartHeight - imageSize) / 2);
                    using var bitmap = SKBitmap.Decode(chart(row, col));
                    canvas.DrawBitmap(bitmap, x + imageSize + Gap, y);
                }
            }
        }

        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        using var png = canvasBitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, png.ToArray());
    }

    private static SKBitmap ImageBitmap(ImageSet test, int index)
    {
        var bitmap = new SKBitmap(test.Columns * ImageScale, test.Rows * ImageScale);
        long offset = (long)index * test.Rows * test.Columns;
        for (int r = 0; r < test.Rows; r++)
        {
            for (int c = 0; c < test.Columns; c++)
            {
                byte v = (byte)Math.Round(255 * (1 - Math.Clamp(test.Pixels[offset + r * test.Columns + c], 0f, 1f)));
                var color = new SKColor(v, v, v);
                for (int dy = 0; dy < ImageScale; dy++)
                {
                    for (int dx = 0; dx < ImageScale; dx++)
                    {
                        bitmap.SetPixel(c * ImageScale + dx, r * ImageScale + dy, color);
                    }
                }
            }
        }

        return bitmap;
    }

    private static byte[] Chart(FashionResult result, PickedImage pick, string which)
    {
        var (mean, sd) = MeanAndSd(pick.Evidence);
        bool inDistribution = result.IsInDistribution(pick.TestIndex);
        var plot = new Plot();
        var bars = mean.Select((p, j) => new Bar
        {
            Position = j,
            Value = p,
            Error = sd[j],
            FillColor = inDistribution && j == pick.Label ? Colors.SeaGreen : Colors.SteelBlue,
        }).ToList();
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, mean.Length).Select(i => (double)i).ToArray(),
            Enumerable.Range(0, mean.Length).Select(i => FashionMnist.ClassNames[i]).ToArray());
        plot.Axes.Bottom.TickLabelStyle.FontSize = mean.Length > 5 ? 8 : 10;
        plot.Axes.Left.TickLabelStyle.FontSize = 10;
        string label = FashionMnist.ClassNames[(int)pick.Label] + (inDistribution ? "" : " (OOD)");
        plot.Title($"{which}: {label}, u = {pick.Uncertainty:F3}", size: 12);
        plot.YLabel("E[p] ± sd", size: 11);
        plot.Axes.SetLimits(-0.6, mean.Length - 0.4, 0, 1.05);
        return plot.GetImageBytes(ChartWidth, ChartHeight, ImageFormat.Png);
    }
}
