using System;

namespace UncertaintyLoss.Demo;

/// <summary>A 2-D classification problem: points as (x, y) pairs, row-major, and their class labels.</summary>
/// <param name="Points">N × 2 coordinates, row-major.</param>
/// <param name="Labels">N class labels in 0 .. Classes − 1.</param>
/// <param name="Classes">Number of classes.</param>
public sealed record PointSet(float[] Points, long[] Labels, int Classes)
{
    /// <summary>Number of points.</summary>
    public int Count => Labels.Length;

    /// <summary>The largest distance of a point from the origin.</summary>
    public double MaxRadius()
    {
        double max = 0;
        for (int i = 0; i < Count; i++)
        {
            max = Math.Max(max, Math.Sqrt(Points[2 * i] * Points[2 * i] + Points[2 * i + 1] * Points[2 * i + 1]));
        }

        return max;
    }
}

/// <summary>Synthetic data generated in code: Gaussian blobs and a ring of far-away points. Deterministic for a seed.</summary>
public static class SyntheticData
{
    /// <summary>Radius of the circle the blob centres lie on.</summary>
    public const double CentreRadius = 2.0;

    /// <summary>Standard deviation of every blob.</summary>
    public const double Spread = 0.75;

    /// <summary>
    /// <paramref name="classes"/> isotropic Gaussian blobs with centres evenly spaced on a circle of radius
    /// <see cref="CentreRadius"/>, <paramref name="perClass"/> points each, classes interleaved (point i has class i mod C).
    /// </summary>
    public static PointSet Blobs(int perClass, int seed, int classes = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perClass, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        var rng = new Random(seed);
        int n = perClass * classes;
        var points = new float[2 * n];
        var labels = new long[n];
        for (int i = 0; i < n; i++)
        {
            int c = i % classes;
            double angle = Math.PI / 2 + c * 2 * Math.PI / classes;
            points[2 * i] = (float)(CentreRadius * Math.Cos(angle) + Spread * Normal(rng));
            points[2 * i + 1] = (float)(CentreRadius * Math.Sin(angle) + Spread * Normal(rng));
            labels[i] = c;
        }

        return new PointSet(points, labels, classes);
    }

    /// <summary><paramref name="count"/> points evenly spaced on a circle of the given radius (N × 2, row-major).</summary>
    public static float[] Ring(int count, double radius)
    {
        var points = new float[2 * count];
        for (int i = 0; i < count; i++)
        {
            double t = 2 * Math.PI * i / count;
            points[2 * i] = (float)(radius * Math.Cos(t));
            points[2 * i + 1] = (float)(radius * Math.Sin(t));
        }

        return points;
    }

    /// <summary>A standard normal sample (Box–Muller).</summary>
    private static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
