using NUnit.Framework;
using TorchSharp;
using UncertaintyLoss.Tests.ValidationKit;
using static TorchSharp.torch;

namespace UncertaintyLoss.Tests;

/// <summary>Argument validation of <see cref="UL.CrossEntropyUncertainty"/>: bad inputs are rejected exactly, valid edge inputs accepted.</summary>
public partial class CrossEntropyUncertaintyTests
{
    /// <summary>Every bad row of <see cref="BadInputTables.LogitsRows"/> is rejected with the exact exception.</summary>
    [Category("Validation")]
    [TestCaseSource(typeof(BadInputTables), nameof(BadInputTables.LogitsRows))]
    public void CrossEntropyUncertainty_InvalidLogits_ThrowsExactArgumentException(BadInputRow row) =>
        row.AssertRejectedBy(e => UL.CrossEntropyUncertainty(e));

    /// <summary>Logits are not evidence: negative and very negative values are valid.</summary>
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

    [Category("Validation")]
    [Test]
    public void CrossEntropyUncertainty_EmptyBatch_IsAcceptedWithEmptyResult([Values(0, 1)] int shapeCase)
    {
        var shape = shapeCase == 0 ? new long[] { 0, 3 } : new long[] { 2, 3, 0 };
        ValidInputChecks.EmptyBatchAccepted(e => UL.CrossEntropyUncertainty(e), shape, keepsClassDimension: false);
    }

    [Category("Validation")]
    [TestCase(ScalarType.Float16)]
    [TestCase(ScalarType.BFloat16)]
    public void CrossEntropyUncertainty_HalfPrecisionEvidence_KeepsDtypeAndValues(ScalarType half) =>
        ValidInputChecks.HalfEvidenceKeepsDtype(e => UL.CrossEntropyUncertainty(e), half);
}
