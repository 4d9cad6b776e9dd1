namespace UncertaintyLoss.Tests;

/// <summary>Properties of <see cref="UL.CrossEntropyUncertainty"/> of its own (the generic ones are in Ops/).</summary>
public sealed class CrossEntropyUncertaintyTests
{
    /// <summary>0 ≤ entropy ≤ ln C (to rounding: 1e-12 / 1e-6 relative), logits up to ±1e6, both dtypes.</summary>
    [SeededProperty(MaxTest = 50, Seed = "(859798,161567)", QuietOnSuccess = true)]
    public Property Properties_AnyLogits_BetweenZeroAndLogClasses() =>
        OpGens.AtEveryPosition("CrossEntropyUncertainty", c =>
        {
            double[] h = Tensors.ToDoubles(UL.CrossEntropyUncertainty(c.Tensor()));
            double max = Math.Log(c.Classes) * (1 + (c.Dtype == ScalarType.Float64 ? 1e-12 : 1e-6));
            return i => h[i] >= 0 && h[i] <= max ? null : $"{PropertyFormat.R(h[i])} outside [0, ln C]";
        });

    // ---- validation: quirks of its own (the generic checks are in Ops/ValidationTests.cs) ----

    /// <summary>Logits are not evidence: negative and very negative values are valid, with a finite result per row.</summary>
    [Category("Validation")]
    [Test]
    public void CrossEntropyUncertainty_NegativeLogits_AreAccepted()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { -3f, -0.5f, -100f, 2f, -1e6f, 0f }, new long[] { 2, 3 });
        Tensor? h = null;
        Assert.DoesNotThrow(() => h = UL.CrossEntropyUncertainty(logits));
        Assert.That(h!.shape, Is.EqualTo(new long[] { 2 }));
        Assert.That(h.isfinite().all().item<bool>(), Is.True);
    }
}
