using System;
using System.Collections.Generic;
using System.IO;
using UncertaintyLoss.Demo;

namespace UncertaintyLoss.BenchmarkRunner;

/// <summary>An out-of-distribution image set: Count images of 28 × 28 pixels in [0, 1], row-major.</summary>
/// <param name="Name">The set's name in results.json.</param>
/// <param name="Pixels">Count · 784 values.</param>
/// <param name="Count">Number of images.</param>
public sealed record OodSet(string Name, float[] Pixels, int Count);

/// <summary>The out-of-distribution sets: built in (no downloads) and read from IDX files (README.md).</summary>
public static class OodSets
{
    /// <summary>Pixels per image.</summary>
    public const int ImageSize = 28 * 28;

    /// <summary>Near OOD: the test images of Fashion-MNIST classes 5–9.</summary>
    public const string NearName = "fashion-5-9";

    /// <summary>Names of the built-in sets.</summary>
    public static readonly IReadOnlyList<string> BuiltInNames = new[] { NearName, "gaussian-noise", "uniform-noise", "inverted" };

    /// <summary>Pixels i.i.d. N(0.5, 0.25²), clipped to [0, 1] (seeded, Box–Muller on <see cref="Random"/>).</summary>
    public static OodSet GaussianNoise(int count, int seed)
    {
        var rng = new Random(seed);
        var pixels = new float[count * ImageSize];
        for (int i = 0; i < pixels.Length; i++)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            double z = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
            pixels[i] = (float)Math.Clamp(0.5 + 0.25 * z, 0.0, 1.0);
        }

        return new OodSet("gaussian-noise", pixels, count);
    }

    /// <summary>Pixels i.i.d. uniform on [0, 1) (seeded).</summary>
    public static OodSet UniformNoise(int count, int seed)
    {
        var rng = new Random(seed);
        var pixels = new float[count * ImageSize];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = (float)rng.NextDouble();
        return new OodSet("uniform-noise", pixels, count);
    }

    /// <summary>1 − x for every image x of <paramref name="inDistribution"/> (same order).</summary>
    public static OodSet Inverted(ImageSet inDistribution)
    {
        ArgumentNullException.ThrowIfNull(inDistribution);
        var pixels = new float[inDistribution.Pixels.Length];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = 1f - inDistribution.Pixels[i];
        return new OodSet("inverted", pixels, inDistribution.Count);
    }

    /// <summary>The name an <c>--ood-idx</c> file gets: its file name without a trailing <c>.gz</c>.</summary>
    public static string NameOf(string path)
    {
        var name = Path.GetFileName(path);
        return name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? name[..^3] : name;
    }

    /// <summary>Reads an <c>--ood-idx</c> file; throws <see cref="InvalidDataException"/> unless its images are 28 × 28.</summary>
    public static OodSet ReadIdx(string path)
    {
        var images = IdxReader.ReadImages(path);
        if (images.Rows != 28 || images.Columns != 28)
            throw new InvalidDataException($"'{path}' holds {images.Rows}×{images.Columns} images; 28×28 are needed.");
        if (images.Count == 0)
            throw new InvalidDataException($"'{path}' holds no images.");
        return new OodSet(NameOf(path), images.Pixels, images.Count);
    }

    /// <summary>At most <paramref name="count"/> images of <paramref name="set"/>: a seeded subsample (in file order) when larger.</summary>
    public static OodSet Limit(OodSet set, int count, int seed)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (set.Count <= count)
            return set;
        var indices = new int[set.Count];
        for (int i = 0; i < indices.Length; i++)
            indices[i] = i;
        new Random(seed).Shuffle(indices);
        var kept = indices[..count];
        Array.Sort(kept);
        var pixels = new float[count * ImageSize];
        for (int i = 0; i < count; i++)
            Array.Copy(set.Pixels, (long)kept[i] * ImageSize, pixels, (long)i * ImageSize, ImageSize);
        return set with { Pixels = pixels, Count = count };
    }
}
