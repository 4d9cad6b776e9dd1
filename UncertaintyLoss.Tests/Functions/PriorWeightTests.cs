namespace UncertaintyLoss.Tests;

/// <summary>
/// The <c>priorWeight</c> option of the uncertainty measures (α = evidence + λ, for models trained with
/// <see cref="UL.RelaxedEvidentialLoss"/>): its values are checked against the references through the Ops table; here,
/// its validation and its agreement with the loss's own λ.
/// </summary>
public sealed class PriorWeightTests
{
    private static readonly (string Name, Func<Tensor, double, Tensor> Call)[] Measures =
    [
        ("Uncertainty", (e, l) => UL.Uncertainty(e, priorWeight: l)),
        ("ModelUncertainty", UL.ModelUncertainty),
        ("DataUncertainty", UL.DataUncertainty),
        ("DirichletMean", UL.DirichletMean),
        ("Vacuity", UL.Vacuity),
    ];

    public static IEnumerable<TestCaseData> BadCases() =>
        from m in Measures
        from value in new[] { 0.0, -0.1, double.NaN, double.PositiveInfinity, double.NegativeInfinity }
        select new TestCaseData(m.Call, value).SetArgDisplayNames(m.Name, value.ToString(CultureInfo.InvariantCulture));

    [TestCaseSource(nameof(BadCases))]
    public void Measure_PriorWeightNotFinitePositive_ThrowsArgumentOutOfRangeNamingIt(Func<Tensor, double, Tensor> call, double priorWeight)
    {
        using var evidence = torch.ones(3, 4, dtype: ScalarType.Float64);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => call(evidence, priorWeight));
        Assert.Multiple(() =>
        {
            Assert.That(e!.ParamName, Is.EqualTo("priorWeight"));
            Assert.That(e.ActualValue, Is.EqualTo(priorWeight));
        });
    }

    /// <summary>
    /// With the loss's λ, the Dirichlet mean is the α/S that <see cref="UL.RelaxedEvidentialLoss"/> fits: for a one-hot
    /// target its squared-error term (regFactor 0) is Σ_j (y_j − mean_j)².
    /// </summary>
    [TestCase(0.1)]
    [TestCase(0.3)]
    public void DirichletMean_WithTheLossPriorWeight_IsWhatRelaxedEvidentialLossFits(double priorWeight)
    {
        using var scope = torch.NewDisposeScope();
        var evidence = torch.tensor(new[] { 0.0, 2.5, 7.0, 0.25, 4.0, 0.0 }, new long[] { 2, 3 }, ScalarType.Float64);
        var target = torch.tensor(new long[] { 2, 0 });
        var mean = UL.DirichletMean(evidence, priorWeight);
        var squaredError = (torch.nn.functional.one_hot(target, 3).to(ScalarType.Float64) - mean).square().sum(1);
        var loss = UL.RelaxedEvidentialLoss(evidence, target, priorWeight: priorWeight, reduction: Reduction.None);
        Assert.That(TestSupport.Tensors.ToDoubles(loss), Is.EqualTo(TestSupport.Tensors.ToDoubles(squaredError)).Within(1e-14));
    }
}
