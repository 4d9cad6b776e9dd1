using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace UncertaintyLoss.Demo;

/// <summary>A host-side image set: pixels in [0, 1], (Count, 1, 28, 28) row-major, with labels 0–9.</summary>
/// <param name="Pixels">Count · Rows · Columns values.</param>
/// <param name="Labels">Count labels.</param>
/// <param name="Rows">Pixel rows per image.</param>
/// <param name="Columns">Pixel columns per image.</param>
public sealed record ImageSet(float[] Pixels, long[] Labels, int Rows, int Columns)
{
    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>The images at <paramref name="indices"/>, in that order.</summary>
    public ImageSet Select(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        int size = Rows * Columns;
        var pixels = new float[indices.Count * size];
        var labels = new long[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Array.Copy(Pixels, (long)indices[i] * size, pixels, (long)i * size, size);
            labels[i] = Labels[indices[i]];
        }

        return new ImageSet(pixels, labels, Rows, Columns);
    }
}

/// <summary>Locates and reads the Fashion-MNIST IDX files.</summary>
public static class FashionMnist
{
    /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> installs the files.</summary>
    public const string SystemDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The class names, label 0 first.</summary>
    public static readonly IReadOnlyList<string> ClassNames = new[]
    {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    };

    /// <summary>The four files' base names (each may also end in <c>.gz</c>).</summary>
    public static readonly IReadOnlyList<string> FileNames = new[]
    {
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
    };

    /// <summary>
    /// The directory holding the four files: <paramref name="dataDir"/> when given (and nothing else), otherwise
    /// <c>./data</c>, otherwise <see cref="SystemDirectory"/>; null when none has them.
    /// </summary>
    public static string? Locate(string? dataDir)
    {
        var candidates = dataDir is not null ? new[] { dataDir } : new[] { "data", SystemDirectory };
        return candidates.FirstOrDefault(d => FileNames.All(f => Find(d, f) is not null));
    }

    /// <summary>The message printed when the data cannot be found.</summary>
    public static string MissingDataMessage(string? dataDir) =>
        (dataDir is not null
            ? $"Fashion-MNIST not found in '{dataDir}'"
            : $"Fashion-MNIST not found in ./data or {SystemDirectory}") +
        ": the directory must hold the four IDX files " + string.Join(", ", FileNames) + " (raw or .gz).\n" +
        "To get the data, either\n" +
        "  sudo apt-get install dataset-fashion-mnist      (Debian/Ubuntu; installs into " + SystemDirectory + ")\n" +
        "or download the four *-ubyte.gz files from https://github.com/zalandoresearch/fashion-mnist (data/fashion)\n" +
        "into ./data, or pass --data-dir DIR.";

    /// <summary>Reads the training and test sets from <paramref name="directory"/>.</summary>
    public static (ImageSet Train, ImageSet Test) Load(string directory)
    {
        return (Read(directory, FileNames[0], FileNames[1]), Read(directory, FileNames[2], FileNames[3]));
    }

    private static ImageSet Read(string directory, string images, string labels)
    {
        var imagePath = Find(directory, images) ?? throw new FileNotFoundException(MissingDataMessage(directory));
        var labelPath = Find(directory, labels) ?? throw new FileNotFoundException(MissingDataMessage(directory));
        var x = IdxReader.ReadImages(imagePath);
        var y = IdxReader.ReadLabels(labelPath);
        if (x.Count != y.Length)
        {
            throw new InvalidDataException($"IDX count mismatch: '{imagePath}' has {x.Count} images but '{labelPath}' has {y.Length} labels.");
        }

        return new ImageSet(x.Pixels, y, x.Rows, x.Columns);
    }

    private static string? Find(string directory, string baseName)
    {
        foreach (var name in new[] { baseName, baseName + ".gz" })
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>
    /// Indices of the images whose label satisfies <paramref name="keep"/>, shuffled with <paramref name="seed"/>
    /// and cut to <paramref name="limit"/> when given.
    /// </summary>
    public static int[] Subsample(ImageSet set, Func<long, bool> keep, int? limit, int seed)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(keep);
        var indices = Enumerable.Range(0, set.Count).Where(i => keep(set.Labels[i])).ToArray();
        if (limit is null || limit.Value >= indices.Length)
        {
            return indices;
        }

        new Random(seed).Shuffle(indices);
        var kept = indices.Take(limit.Value).ToArray();
        Array.Sort(kept);
        return kept;
    }
}
