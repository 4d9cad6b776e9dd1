using NUnit.Framework;
using TorchSharp;
using UncertaintyLoss.Tests.ValidationKit;
using static TorchSharp.torch;

namespace UncertaintyLoss.Tests;

/// <summary>Argument validation of <see cref="UL.Uncertainty"/>: bad inputs are rejected exactly, valid edge inputs accepted.</summary>
public partial class UncertaintyTests
{
    /// <summary>Every bad row of <see cref="BadInputTables.EvidenceRows"/> is rejected with the exact exception.</summary>
    [Category("Validation")]
    [TestCaseSource(typeof(BadInputTables), nameof(BadInputTables.EvidenceRows))]
    public void Uncertainty_InvalidEvidence_ThrowsExactArgumentException(BadInputRow row) =>
        row.AssertRejectedBy(e => UL.Uncertainty(e));

    [Category("Validation")]
    [TestCaseSource(typeof(BadInputTables), nameof(BadInputTables.EvidenceRows))]
    public void Uncertainty_InvalidEvidenceWhenNormalizing_ThrowsExactArgumentException(BadInputRow row) =>
        row.AssertRejectedBy(e => UL.Uncertainty(e, normalize: true));

    [Category("Validation")]
    [Test]
    public void Uncertainty_EmptyBatch_IsAcceptedWithEmptyResult([Values(0, 1)] int shapeCase)
    {
        var shape = shapeCase == 0 ? new long[] { 0, 3 } : new long[] { 2, 3, 0 };
        ValidInputChecks.EmptyBatchAccepted(e => UL.Uncertainty(e), shape, keepsClassDimension: false);
    }

    [Category("Validation")]
    [TestCase(ScalarType.Float16)]
    [TestCase(ScalarType.BFloat16)]
    public void Uncertainty_HalfPrecisionEvidence_KeepsDtypeAndValues(ScalarType half) =>
        ValidInputChecks.HalfEvidenceKeepsDtype(e => UL.Uncertainty(e, normalize: true), half);
}
