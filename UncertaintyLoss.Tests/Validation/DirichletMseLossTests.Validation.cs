using NUnit.Framework;
using TorchSharp;
using UncertaintyLoss.Tests.ValidationKit;
using static TorchSharp.torch;
using Reduction = TorchSharp.torch.nn.Reduction;

namespace UncertaintyLoss.Tests;

/// <summary>Argument validation of <see cref="UL.DirichletMseLoss"/>: bad inputs are rejected exactly, valid edge inputs accepted.</summary>
public partial class DirichletMseLossTests
{
    /// <summary>Every bad evidence or target row of <see cref="BadInputTables.LossRows"/> is rejected with the exact exception.</summary>
    [Category("Validation")]
    [TestCaseSource(typeof(BadInputTables), nameof(BadInputTables.LossRows))]
    public void DirichletMseLoss_InvalidTensorArgument_ThrowsExactArgumentException(BadInputRow row) =>
        row.AssertRejectedBy((e, t) => UL.DirichletMseLoss(e, t));

    [Category("Validation")]
    [TestCaseSource(typeof(BadOptions), nameof(BadOptions.Reductions))]
    public void DirichletMseLoss_UndefinedReduction_ThrowsArgumentOutOfRangeException(int value)
    {
        using var scope = NewDisposeScope();
        var e = BadTensors.Evidence43();
        var t = BadTensors.Index4();
        var v = (Reduction)value;
        ArgumentAssert.OutOfRange("reduction", v, () => UL.DirichletMseLoss(e, t, v));
    }

    /// <summary>N = 0, or an empty extra dimension, is valid input, as for <c>cross_entropy</c>.</summary>
    [Category("Validation")]
    [Test]
    public void DirichletMseLoss_EmptyBatch_IsAcceptedWithEmptyOrZeroResult(
        [Values] Reduction reduction, [Values] bool probabilityTarget, [Values(0, 1)] int shapeCase)
    {
        var shape = shapeCase == 0 ? new long[] { 0, 3 } : new long[] { 2, 3, 0 };
        ValidInputChecks.EmptyBatchAccepted((e, t, r) => UL.DirichletMseLoss(e, t, r), shape, probabilityTarget, reduction);
    }

    [Category("Validation")]
    [TestCase(ScalarType.Int32)]
    [TestCase(ScalarType.Int16)]
    [TestCase(ScalarType.Int8)]
    [TestCase(ScalarType.Byte)]
    public void DirichletMseLoss_NarrowIntegerIndexTarget_MatchesInt64Result(ScalarType indexType) =>
        ValidInputChecks.NarrowIndexMatchesInt64((e, t, r) => UL.DirichletMseLoss(e, t, r), indexType);

    [Category("Validation")]
    [Test]
    public void DirichletMseLoss_HalfPrecisionEvidence_KeepsDtypeAndValues(
        [Values(ScalarType.Float16, ScalarType.BFloat16)] ScalarType half, [Values] bool probabilityTarget) =>
        ValidInputChecks.HalfEvidenceKeepsDtype((e, t, r) => UL.DirichletMseLoss(e, t, r), half, probabilityTarget);
}
