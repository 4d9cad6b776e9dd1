using UncertaintyLoss.Tests.WeightIgnoreKit;

namespace UncertaintyLoss.Tests;

/// <summary>
/// <c>weight</c> and <c>ignoreIndex</c> of <see cref="UL.EvidentialLoss"/> (cross_entropy semantics): values against a scalar
/// weighted/ignored reference, gradients, all-ignored batches, parity with the Core call, validation and tensor lifetimes.
/// </summary>
public partial class EvidentialLossTests
{
    /// <summary>The parameterisations under test.</summary>
    private static IEnumerable<WeightedLoss> WeightIgnoreLosses()
    {
        yield return WeightedLosses.Evidential(0.0);
        yield return WeightedLosses.Evidential(0.7);
    }

    /// <summary>The parameterisation used where one suffices.</summary>
    private static WeightedLoss WeightIgnoreMainLoss => WeightedLosses.Evidential(0.7);

    private static IEnumerable<TestCaseData> WeightIgnoreReferenceCases() => WeightIgnoreTables.ReferenceCases(WeightIgnoreLosses());

    private static IEnumerable<TestCaseData> WeightIgnoreGradientCases() => WeightIgnoreTables.GradientCases(WeightIgnoreLosses());

    private static Gen<WeightedLoss> WeightIgnoreLossGen => Gen.Elements(0.0, 0.3, 1.0).Select(WeightedLosses.Evidential);

    [Category("WeightIgnore")]
    [TestCaseSource(nameof(WeightIgnoreReferenceCases))]
    public void WeightIgnore_EvidentialLoss_WeightOrIgnoreIndex_MatchesWeightedReferenceForEveryReduction(WeightedLoss loss, ScalarType dtype, CaseShape shape, WeightVariant variant) =>
        WeightIgnoreTables.AssertMatchesReference(loss, dtype, shape, variant);

    /// <summary>Random shapes, dtypes, weights (zeros included), ignoreIndex values (real classes included) and ignore patterns.</summary>
    [Category("WeightIgnore")]
    [SeededProperty(MaxTest = 60, Seed = "(713311,40237)", QuietOnSuccess = true)]
    public Property WeightIgnore_EvidentialLoss_RandomWeightsAndIgnorePatterns_MatchWeightedReference() =>
        Prop.ForAll(WeightIgnoreGens.Samples(WeightIgnoreLossGen).ToArbitrary(), WeightIgnoreGens.MatchesReference);

    [Category("WeightIgnore")]
    [TestCaseSource(nameof(WeightIgnoreGradientCases))]
    public void WeightIgnore_EvidentialLoss_GradientWithWeightAndIgnoredPositions_MatchesFiniteDifferenceAndIsZeroWhereIgnored(WeightedLoss loss, CaseShape shape, Reduction reduction) =>
        WeightIgnoreTables.AssertGradient(loss, shape, reduction);

    [Category("WeightIgnore")]
    [Test]
    public void WeightIgnore_EvidentialLoss_AllPositionsIgnored_ReturnsZeroNotNaNWithZeroGradient(
        [ValueSource(nameof(WeightIgnoreLosses))] WeightedLoss loss, [Values(ScalarType.Float64, ScalarType.Float32)] ScalarType dtype, [Values] bool spatial, [Values] bool weighted) =>
        WeightIgnoreTables.AssertAllIgnoredIsZero(loss, dtype, spatial, weighted);

    [Category("WeightIgnore")]
    [Test]
    public void WeightIgnore_EvidentialLoss_ZeroWeightOnEveryPresentClass_ReturnsZeroWithZeroGradient(
        [ValueSource(nameof(WeightIgnoreLosses))] WeightedLoss loss, [Values(ScalarType.Float64, ScalarType.Float32)] ScalarType dtype, [Values] bool withIgnored) =>
        WeightIgnoreTables.AssertZeroWeightOnPresentClassesIsZero(loss, dtype, withIgnored);

    [Category("WeightIgnore")]
    [Test]
    public void WeightIgnore_EvidentialLoss_NoWeightAndIgnoreIndexAbsent_EqualsCoreCallExactly(
        [ValueSource(nameof(WeightIgnoreLosses))] WeightedLoss loss, [Values(ScalarType.Float64, ScalarType.Float32)] ScalarType dtype,
        [Values(-100L, 255L, -1L)] long ignoreIndex, [Values] ParityShape shape) =>
        WeightIgnoreParity.AssertAbsentIgnoreIndexIsCore(loss, dtype, ignoreIndex, shape);

    [Category("WeightIgnore")]
    [Test]
    public void WeightIgnore_EvidentialLoss_EmptyBatchWithWeight_ReturnsZeroMeanAndSum([Values(0, 1)] int shapeCase) =>
        WeightIgnoreChecks.AssertEmptyBatchWithWeightIsZero(WeightIgnoreMainLoss, shapeCase == 0 ? new long[] { 0, 3 } : new long[] { 2, 3, 0 });

    [Category("WeightIgnore")]
    [Test]
    public void WeightIgnore_EvidentialLoss_AllOnesWeight_EqualsUnweightedResult([ValueSource(nameof(WeightIgnoreLosses))] WeightedLoss loss, [Values] bool spatial) =>
        WeightIgnoreParity.AssertAllOnesWeightIsUnweighted(loss, spatial);

    [Category("WeightIgnore")]
    [Test]
    public void WeightIgnore_EvidentialLoss_IgnoreIndexEqualToARealClass_IgnoresThatClass(
        [ValueSource(nameof(WeightIgnoreLosses))] WeightedLoss loss, [Values(0L, 2L)] long ignoredClass, [Values] bool spatial, [Values] bool weighted) =>
        WeightIgnoreParity.AssertRealClassIgnoreIndexIgnoresIt(loss, ignoredClass, spatial, weighted);

    [Category("WeightIgnore")]
    [Test]
    public void WeightIgnore_EvidentialLoss_NarrowIntegerTargetWithIgnoreIndex_EqualsInt64Target(
        [Values(ScalarType.Byte, ScalarType.Int8, ScalarType.Int16, ScalarType.Int32)] ScalarType indexType) =>
        WeightIgnoreParity.AssertNarrowTargetIsInt64(WeightIgnoreMainLoss, indexType);

    [Category("WeightIgnore")]
    [TestCaseSource(typeof(WeightIgnoreRows), nameof(WeightIgnoreRows.All))]
    public void WeightIgnore_EvidentialLoss_InvalidWeightIgnoreIndexOrTarget_ThrowsExactArgumentException(WeightIgnoreRow row) =>
        row.AssertRejectedBy(WeightIgnoreMainLoss);

    [Category("WeightIgnore")]
    [Test]
    public void WeightIgnore_EvidentialLoss_ProbabilityTargetWithDefaultWeightAndIgnoreIndex_IsAccepted([ValueSource(nameof(WeightIgnoreLosses))] WeightedLoss loss) =>
        WeightIgnoreRows.AssertProbabilityTargetWithDefaultsAccepted(loss);

    [Category("WeightIgnore")]
    [Test]
    public void WeightIgnore_EvidentialLoss_CallWithWeightAndIgnoredPositions_LeavesOnlyItsResultAlive(
        [ValueSource(nameof(WeightIgnoreLosses))] WeightedLoss loss, [Values] bool requiresGrad, [Values(ScalarType.Float32, ScalarType.Float64)] ScalarType weightDtype) =>
        WeightIgnoreChecks.AssertLeavesOnlyResult(loss, WeightIgnoreTables.MemoryCase(weightDtype), requiresGrad);

    [Category("WeightIgnore")]
    [Test]
    public void WeightIgnore_EvidentialLoss_CallInsideCallerScope_AttachesOnlyItsResultToThatScope([Values] Reduction reduction) =>
        WeightIgnoreChecks.AssertResultJoinsCallerScope(WeightIgnoreMainLoss, WeightIgnoreTables.MemoryCase(ScalarType.Float64), reduction);

    [Category("WeightIgnore")]
    [Test]
    public void WeightIgnore_EvidentialLoss_HalfPrecisionEvidence_KeepsDtypeAndMatchesReference([Values(ScalarType.Float16, ScalarType.BFloat16)] ScalarType dtype) =>
        WeightIgnoreTables.AssertHalfPrecision(WeightIgnoreMainLoss, dtype);
}
