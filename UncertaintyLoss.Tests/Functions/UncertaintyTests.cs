using UncertaintyLoss.Tests.ValidationKit;

namespace UncertaintyLoss.Tests;

/// <summary>Properties of <see cref="UL.Uncertainty"/> of its own (the generic ones are in Ops/).</summary>
public sealed class UncertaintyTests
{
    /// <summary>Normalized uncertainty lies in [0, 1] (evidence up to 1e6, both dtypes).</summary>
    [SeededProperty(MaxTest = 50, Seed = "(700825,144009)", QuietOnSuccess = true)]
    public Property Properties_Normalized_LiesInUnitInterval() =>
        OpGens.AtEveryPosition("Uncertainty", c =>
        {
            double[] h = Tensors.ToDoubles(UL.Uncertainty(c.Tensor(), normalize: true));
            return i => h[i] is >= 0 and <= 1 ? null : $"normalized {PropertyFormat.R(h[i])} outside [0, 1]";
        });

    // ---- validation: quirks of its own (the generic checks are in Ops/ValidationTests.cs) ----

    /// <summary>
    /// The generic checks call <c>normalize: true</c> (the table's typical form); with the default (false) too, every bad
    /// evidence row of <see cref="BadInputTables.EvidenceRows"/> is rejected with the exact exception.
    /// </summary>
    [Category("Validation")]
    [TestCaseSource(nameof(EvidenceRowCases))]
    public void Uncertainty_InvalidEvidenceWithDefaultNormalize_ThrowsExactArgumentException(BadInputRow row) =>
        row.AssertRejectedBy(e => UL.Uncertainty(e));

    /// <summary>With the default normalize (false), an empty batch gives an empty Float64 result of the position shape.</summary>
    [Category("Validation")]
    [TestCase(new long[] { 0, 3 }, new long[] { 0 })]
    [TestCase(new long[] { 2, 3, 0 }, new long[] { 2, 0 })]
    public void Uncertainty_EmptyBatchWithDefaultNormalize_IsAcceptedWithEmptyResult(long[] shape, long[] expectedShape)
    {
        using var scope = NewDisposeScope();
        Tensor? h = null;
        Assert.DoesNotThrow(() => h = UL.Uncertainty(zeros(shape, ScalarType.Float64)));
        Assert.That(h!.shape, Is.EqualTo(expectedShape));
        Assert.That(h.dtype, Is.EqualTo(ScalarType.Float64));
    }

    private static IEnumerable<TestCaseData> EvidenceRowCases() =>
        BadInputTables.EvidenceRows().Select(row => new TestCaseData(row).SetArgDisplayNames(row.Name));
}
