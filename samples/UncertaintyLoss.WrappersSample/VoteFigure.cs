using System;
using System.Collections.Generic;
using System.IO;
using SkiaSharp;
using UncertaintyLoss.Demo;

namespace UncertaintyLoss.WrappersSample;

/// <summary>
/// The layout of Capsa's Vote-tutorial figure: rows of test images, each beside a chart (a ScottPlot PNG), composed with
/// SkiaSharp.
/// </summary>
public static class VoteFigure
{
    /// <summary>Images per row: the most certain ones on top, the most uncertain ones below.</summary>
    public const int PerRow = 4;

    /// <summary>Width in pixels of each chart.</summary>
    public const int ChartWidth = 420;

    /// <summary>Height in pixels of each chart.</summary>
    public const int ChartHeight = 240;

    private const int ImageScale = 5, Gap = 10;

    /// <summary>
    /// One row per entry of <paramref name="rows"/>, each test image (by index into <paramref name="test"/>) beside the
    /// chart that <paramref name="chart"/>(row, column) renders as a PNG of <see cref="ChartWidth"/> × <see cref="ChartHeight"/>
    /// pixels; written to <paramref name="path"/>.
    /// </summary>
    public static void WriteGrid(ImageSet test, IReadOnlyList<IReadOnlyList<int>> rows, Func<int, int, byte[]> chart, string path)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(chart);
        int imageSize = test.Rows * ImageScale;
        int panelWidth = imageSize + ChartWidth + 2 * Gap, panelHeight = ChartHeight + Gap;
        int columns = 1;
        foreach (var row in rows)
        {
            columns = Math.Max(columns, row.Count);
        }

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
}
