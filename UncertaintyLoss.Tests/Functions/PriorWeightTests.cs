namespace UncertaintyLoss.Tests;

/// <summary>
/// The <c>priorWeight</c> option of the uncertainty measures (α = evidence + λ, for models trained with
/// <see cref="UL.RelaxedEvidentialLoss"/>): its values are checked against the references through the Ops table; here,
/// its validation, its range ends and its agreement with the loss's own λ.
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

    /// <summary>Prior weights outside [1e-6, 1e6] (just outside at both ends), NaN and ±∞.</summary>
    public static readonly double[] BadPriorWeights = { 0.0, -0.1, 9.9e-7, 1.01e6, double.NaN, double.PositiveInfinity, double.NegativeInfinity };

    public static IEnumerable<TestCaseData> BadCases() =>
        from m in Measures
        from value in BadPriorWeights
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
    /// With the loss's λ, the Dirichlet mean is the α/S = (e + λ)/(Σe + Kλ) that <see cref="UL.RelaxedEvidentialLoss"/>
    /// fits: for a one-hot target its squared-error term (regFactor 0) is Σ_j (y_j − α_j/S)², both written out here.
    /// </summary>
    [TestCase(0.1)]
    [TestCase(0.3)]
    public void DirichletMean_WithTheLossPriorWeight_IsWhatRelaxedEvidentialLossFits(double priorWeight)
    {
        using var scope = torch.NewDisposeScope();
        double[] e = { 0.0, 2.5, 7.0, 0.25, 4.0, 0.0 };
        long[] t = { 2, 0 };
        var expectedMean = new double[6];
        var expectedLoss = new double[2];
        for (int i = 0; i < 2; i++)
        {
            double s = e[(3 * i)..(3 * i + 3)].Sum() + 3 * priorWeight;
            for (int j = 0; j < 3; j++)
            {
                expectedMean[3 * i + j] = (e[3 * i + j] + priorWeight) / s;
                double d = (j == t[i] ? 1.0 : 0.0) - expectedMean[3 * i + j];
                expectedLoss[i] += d * d;
            }
        }

        var evidence = torch.tensor(e, new long[] { 2, 3 }, ScalarType.Float64);
        var target = torch.tensor(t);
        Assert.Multiple(() =>
        {
            Assert.That(TestSupport.Tensors.ToDoubles(UL.DirichletMean(evidence, priorWeight)), Is.EqualTo(expectedMean).Within(1e-15));
            Assert.That(TestSupport.Tensors.ToDoubles(UL.RelaxedEvidentialLoss(evidence, target, priorWeight: priorWeight, reduction: Reduction.None)),
                Is.EqualTo(expectedLoss).Within(1e-14));
        });
    }

    /// <summary>
    /// At the ends of the accepted range (λ = 1e-6 and 1e6), in Float32 and Float64, with evidence 0, at the bound
    /// <see cref="UL.MaxEvidence"/> and mixed, R-EDL's loss and gradient (regFactor 1) and every measure with a prior weight
    /// are finite.
    /// </summary>
    [Test]
    public void RangeEnds_LossGradientAndMeasures_Finite(
        [Values(1e-6, 1e6)] double priorWeight, [Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype)
    {
        using var scope = torch.NewDisposeScope();
        double big = UL.MaxEvidence;
        double[] values = { 0, 0, 0, 0, big, 0, 0, 0, 0, big, 0, 0, big, big, big, big, big, 1e-30, 3, 0 };
        var evidence = TestSupport.Tensors.FromDoubles(values, new long[] { 5, 4 }, dtype).requires_grad_();
        var target = torch.zeros(5, ScalarType.Int64);
        var loss = UL.RelaxedEvidentialLoss(evidence, target, 1.0, priorWeight, Reduction.None);
        loss.sum().backward();
        var outputs = new List<(string, Tensor)> { ("loss", loss), ("gradient", evidence.grad!) };
        using (torch.no_grad())
            outputs.AddRange(Measures.Select(m => (m.Name, m.Call(evidence, priorWeight))));
        Assert.Multiple(() =>
        {
            foreach (var (name, value) in outputs)
                Assert.That(TestSupport.Tensors.ToDoubles(value.to(ScalarType.Float64)).All(double.IsFinite), Is.True, $"{name} at λ = {priorWeight}");
        });
    }
}
