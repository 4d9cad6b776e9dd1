using System;
using NUnit.Framework;
using TorchSharp;
using UncertaintyLoss.Demo;
using static TorchSharp.torch;

namespace UncertaintyLoss.Demo.Tests;

/// <summary>The synthetic demo's Gaussian feature layer and the network built on it (<see cref="Training.Model"/>).</summary>
[TestFixture]
public sealed class GaussianFeaturesTests
{
    [Test]
    public void Forward_AtACentreAndAtDistanceSigma_IsOneAndExpMinusHalf()
    {
        using var layer = new GaussianFeatures(new float[] { 0f, 0f, 3f, 4f }, count: 2, width: 2.0);
        using var x = tensor(new float[] { 0f, 0f, 2f, 0f }, new long[] { 2, 2 });
        using var phi = layer.forward(x);
        Assert.That(phi.shape, Is.EqualTo(new long[] { 2, 2 }));
        var v = phi.data<float>().ToArray();
        // (0,0): distances 0 and 5 → 1, exp(−25/8); (2,0): distances 2 and √(1 + 16) → exp(−1/2), exp(−17/8).
        Assert.That(v[0], Is.EqualTo(1.0).Within(1e-6));
        Assert.That(v[1], Is.EqualTo(Math.Exp(-25.0 / 8)).Within(1e-6));
        Assert.That(v[2], Is.EqualTo(Math.Exp(-0.5)).Within(1e-6));
        Assert.That(v[3], Is.EqualTo(Math.Exp(-17.0 / 8)).Within(1e-6));
    }

    [Test]
    public void Constructor_MoreCentresThanPoints_Throws()
    {
        Assert.That(() => new GaussianFeatures(new float[] { 0f, 0f }, count: 2, width: 1.0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new GaussianFeatures(new float[] { 0f, 0f }, count: 1, width: 0.0), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Model_FarFromTheData_OutputsZeroLogitsSoUncertaintyIsMaximal()
    {
        manual_seed(5);
        var train = SyntheticData.Blobs(perClass: 30, seed: 5);
        using var model = Training.Model(train);
        using var far = tensor(new float[] { 100f, 0f, 0f, -100f }, new long[] { 2, 2 });
        using var logits = model.forward(far);
        Assert.That(logits.abs().max().item<float>(), Is.EqualTo(0f));
        using var u = Training.Uncertainty(LossKind.Evidential, logits, train.Classes);
        Assert.That(u.data<float>().ToArray(), Is.All.EqualTo(1f).Within(1e-6));
        using var ce = Training.Uncertainty(LossKind.CrossEntropy, logits, train.Classes);
        Assert.That(ce.data<float>().ToArray(), Is.All.EqualTo(1f).Within(1e-6));
    }
}
