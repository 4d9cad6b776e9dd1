using System.Linq;
using NUnit.Framework;
using UncertaintyLoss.Demo;

namespace UncertaintyLoss.Demo.Tests;

/// <summary>The demo's synthetic data: shape, classes and determinism.</summary>
[TestFixture]
public sealed class SyntheticDataTests
{
    [Test]
    public void BlobsHaveTheRequestedShapeAndClasses()
    {
        var set = SyntheticData.Blobs(perClass: 50, seed: 3, classes: 4);
        Assert.That(set.Count, Is.EqualTo(200));
        Assert.That(set.Points, Has.Length.EqualTo(400));
        Assert.That(set.Classes, Is.EqualTo(4));
        Assert.That(set.Labels.GroupBy(l => l).Select(g => (g.Key, g.Count())).OrderBy(p => p.Key),
            Is.EqualTo(Enumerable.Range(0, 4).Select(c => ((long)c, 50))));
        Assert.That(set.Points.All(float.IsFinite), Is.True);
    }

    [Test]
    public void BlobsAreDeterministicForASeed()
    {
        var a = SyntheticData.Blobs(100, seed: 11);
        var b = SyntheticData.Blobs(100, seed: 11);
        var c = SyntheticData.Blobs(100, seed: 12);
        Assert.That(a.Points, Is.EqualTo(b.Points));
        Assert.That(a.Labels, Is.EqualTo(b.Labels));
        Assert.That(a.Points, Is.Not.EqualTo(c.Points));
    }

    [Test]
    public void BlobsAreCentredOnTheirClassCentres()
    {
        var set = SyntheticData.Blobs(500, seed: 5);
        for (int c = 0; c < 3; c++)
        {
            var idx = Enumerable.Range(0, set.Count).Where(i => set.Labels[i] == c).ToArray();
            double angle = System.Math.PI / 2 + c * 2 * System.Math.PI / 3;
            Assert.That(idx.Average(i => set.Points[2 * i]), Is.EqualTo(SyntheticData.CentreRadius * System.Math.Cos(angle)).Within(0.15));
            Assert.That(idx.Average(i => set.Points[2 * i + 1]), Is.EqualTo(SyntheticData.CentreRadius * System.Math.Sin(angle)).Within(0.15));
        }
    }

    [Test]
    public void RingHasTheRequestedRadius()
    {
        var ring = SyntheticData.Ring(36, 7.5);
        Assert.That(ring, Has.Length.EqualTo(72));
        for (int i = 0; i < 36; i++)
        {
            Assert.That(System.Math.Sqrt(ring[2 * i] * ring[2 * i] + ring[2 * i + 1] * ring[2 * i + 1]), Is.EqualTo(7.5).Within(1e-5));
        }
    }
}
