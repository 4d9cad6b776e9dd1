using NUnit.Framework;
using TorchSharp;
using UncertaintyLoss.Tests.ValidationKit;
using static TorchSharp.torch;

namespace UncertaintyLoss.Tests;

/// <summary>Argument validation of <see cref="UL.DirichletMean"/>: bad inputs are rejected exactly, valid edge inputs accepted.</summary>
public partial class DirichletMeanTests
{
    /// <summary>Every bad row of <see cref="BadInputTables.EvidenceRows"/> is rejected with the exact exception.</summary>
    [Category("Validation")]
    [TestCaseSource(typeof(BadInputTables), nameof(BadInputTables.EvidenceRows))]
    public void DirichletMean_InvalidEvidence_ThrowsExactArgumentException(BadInputRow row) =>
        row.AssertRejectedBy(e => UL.DirichletMean(e));

    [Category("Validation")]
    [Test]
    public void DirichletMean_EmptyBatch_IsAcceptedWithEmptyResult([Values(0, 1)] int shapeCase)
    {
        var shape = shapeCase == 0 ? new long[] { 0, 3 } : new long[] { 2, 3, 0 };
        ValidInputChecks.EmptyBatchAccepted(e => UL.DirichletMean(e), shape, keepsClassDimension: true);
    }

    [Category("Validation")]
    [TestCase(ScalarType.Float16)]
    [TestCase(ScalarType.BFloat16)]
    public void DirichletMean_HalfPrecisionEvidence_KeepsDtypeAndValues(ScalarType half) =>
        ValidInputChecks.HalfEvidenceKeepsDtype(e => UL.DirichletMean(e), half);
}
