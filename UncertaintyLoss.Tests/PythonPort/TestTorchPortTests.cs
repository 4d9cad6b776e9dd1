namespace UncertaintyLoss.Tests.PythonPort;

/// <summary>
/// The tests of the Python package's <c>tests/uncertainty_loss/test_torch.py</c> (uncertainty-loss 0.1.2), ported to
/// NUnit with the same cases and expectations; each pytest parametrisation is one TestCase. Integer inputs of the
/// Python tests are Float32 here: the C# library rejects integer evidence by design (see <see cref="PythonExamples"/>).
/// </summary>
[TestFixture]
public class TestTorchPortTests
{
    /// <summary>Seeded generator standing in for Python's unseeded <c>torch.rand</c>, so that runs are reproducible.</summary>
    private static Tensor Rand(long seed, params long[] shape)
    {
        using var generator = new Generator((ulong)seed);
        return rand(shape, ScalarType.Float32, generator: generator);
    }

    // ---- test_dirichlet_mse_loss_returns_correct_shape_with_reduction -------------------------------------------

    [TestCase(nn.Reduction.None, 10, new long[] { 10 })]
    [TestCase(nn.Reduction.Mean, 10, new long[0])]
    [TestCase(nn.Reduction.Sum, 10, new long[0])]
    public void DirichletMseLoss_RandomBatchWithReduction_ReturnsExpectedShape(nn.Reduction reduction, int batch, long[] expected)
    {
        using var scope = NewDisposeScope();
        // Python passes torch.rand probabilities as the target (rows need not sum to 1) and torch.rand evidence.
        var target = Rand(1, batch, 3);
        var evidence = Rand(2, batch, 3);

        var loss = UL.DirichletMseLoss(evidence, target, reduction);

        Assert.That(loss.shape, Is.EqualTo(expected));
    }

    // ---- test_dirichlet_mse_loss_returns_correct_value ---------------------------------------------------------

    [TestCase(true, 2)]
    [TestCase(true, 3)]
    [TestCase(true, 4)]
    [TestCase(false, 2)]
    [TestCase(false, 3)]
    [TestCase(false, 4)]
    public void DirichletMseLoss_LargeEvidenceForCorrectClass_IsBelowOneEMinusFive(bool oneHot, int dims)
    {
        using var scope = NewDisposeScope();
        var (evidence, target) = PythonExamples.Correct(oneHot, dims);

        var loss = UL.DirichletMseLoss(evidence, target);

        Assert.That(loss.item<float>(), Is.LessThan(1e-5));
    }

    // ---- test_uniform_kl_regularization_is_zero_when_no_evidence_for_wrong_class --------------------------------

    [TestCase(true, 2)]
    [TestCase(true, 3)]
    [TestCase(true, 4)]
    [TestCase(false, 2)]
    [TestCase(false, 3)]
    [TestCase(false, 4)]
    public void UniformDirichletKl_NoEvidenceForWrongClass_IsExactlyZero(bool oneHot, int dims)
    {
        using var scope = NewDisposeScope();
        var (evidence, target) = PythonExamples.Correct(oneHot, dims);

        var loss = UL.UniformDirichletKl(evidence, target);

        Assert.That(loss.item<float>(), Is.EqualTo(0f));
    }

    // ---- test_uniform_kl_regularization_is_not_zero_when_evidence_for_wrong_class -------------------------------

    [TestCase(true, 2)]
    [TestCase(true, 3)]
    [TestCase(true, 4)]
    [TestCase(false, 2)]
    [TestCase(false, 3)]
    [TestCase(false, 4)]
    public void UniformDirichletKl_EvidenceForWrongClass_IsPositive(bool oneHot, int dims)
    {
        using var scope = NewDisposeScope();
        var (evidence, target) = PythonExamples.Incorrect(oneHot, dims);

        var loss = UL.UniformDirichletKl(evidence, target);

        Assert.That(loss.item<float>(), Is.GreaterThan(0f));
    }

    // ---- test_dirichlet_pnorm_loss_returns_correct_shape_with_reduction ----------------------------------------

    [TestCase(nn.Reduction.None, 10, new long[] { 10, 5 })]
    [TestCase(nn.Reduction.Mean, 10, new long[0])]
    [TestCase(nn.Reduction.Sum, 10, new long[0])]
    public void DirichletPNormLoss_RandomBatchWithExtraDimAndReduction_ReturnsExpectedShape(nn.Reduction reduction, int batch, long[] expected)
    {
        using var scope = NewDisposeScope();
        // torch.rand targets are class probabilities in [0, 1], which the C# library accepts (rows need not sum to 1).
        var target = Rand(3, batch, 3, 5);
        var evidence = Rand(4, batch, 3, 5);

        var loss = UL.DirichletPNormLoss(evidence, target, reduction: reduction);

        Assert.That(loss.shape, Is.EqualTo(expected));
    }

    // ---- test_maxnorm_loss_returns_correct_shape_with_reduction ------------------------------------------------

    [TestCase(nn.Reduction.None, 10, new long[] { 10 })]
    [TestCase(nn.Reduction.Mean, 10, new long[0])]
    [TestCase(nn.Reduction.Sum, 10, new long[0])]
    public void MaxNormLoss_RandomBatchWithRegFactorAndReduction_ReturnsExpectedShape(nn.Reduction reduction, int batch, long[] expected)
    {
        using var scope = NewDisposeScope();
        var yTrue = Rand(5, batch, 3);
        var yPred = Rand(6, batch, 3);

        // As in Python, the first argument (evidence) is y_true and the second (target) y_pred: both are rand(batch, 3).
        var loss = UL.MaxNormLoss(yTrue, yPred, regFactor: 1.0, reduction: reduction);

        Assert.That(loss.shape, Is.EqualTo(expected));
    }

    // ---- test_fisher_regularization_is_zero_when_no_evidence_for_wrong_class -----------------------------------

    [TestCase(true, 2)]
    [TestCase(true, 3)]
    [TestCase(true, 4)]
    [TestCase(false, 2)]
    [TestCase(false, 3)]
    [TestCase(false, 4)]
    public void DirichletFisherRegularizer_NoEvidenceForWrongClass_IsExactlyZero(bool oneHot, int dims)
    {
        using var scope = NewDisposeScope();
        var (evidence, target) = PythonExamples.Correct(oneHot, dims);

        var loss = UL.DirichletFisherRegularizer(evidence, target);

        Assert.That(loss.item<float>(), Is.EqualTo(0f));
    }

    // ---- test_fisher_regularization_is_not_zero_when_evidence_for_wrong_class ----------------------------------

    [TestCase(true, 2)]
    [TestCase(true, 3)]
    [TestCase(true, 4)]
    [TestCase(false, 2)]
    [TestCase(false, 3)]
    [TestCase(false, 4)]
    public void DirichletFisherRegularizer_EvidenceForWrongClass_IsPositive(bool oneHot, int dims)
    {
        using var scope = NewDisposeScope();
        var (evidence, target) = PythonExamples.Incorrect(oneHot, dims);

        var loss = UL.DirichletFisherRegularizer(evidence, target);

        Assert.That(loss.item<float>(), Is.GreaterThan(0f));
    }

    // ---- test_clamped_exp_clamps_before_exp --------------------------------------------------------------------

    [TestCase(0.0)]
    [TestCase(1.0)]
    [TestCase(10.0)]
    public void ClampedExp_LogitsBeyondClamp_EqualsExpOfClampedLogits(double clamp)
    {
        using var scope = NewDisposeScope();
        var x = tensor(new[] { -100f, 0f, 100f }, new long[] { 1, 3 });
        var clamped = x.clamp(-clamp, clamp);

        var actual = UL.ClampedExp(x, clamp);

        Assert.That(actual.shape, Is.EqualTo(x.shape));
        Assert.That(actual.eq(clamped.exp()).all().item<bool>(), Is.True,
            () => $"actual [{string.Join(", ", Tensors.ToDoubles(actual))}], expected [{string.Join(", ", Tensors.ToDoubles(clamped.exp()))}]");
    }

    // ---- test_uncertainty_quantification_is_low_with_high_evidence ---------------------------------------------

    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public void Uncertainty_HighEvidenceForOneClass_IsBelowOneHundredth(int dims)
    {
        using var scope = NewDisposeScope();
        var evidence = tensor(new[] { 10000f, 0f, 0f }, PythonExamples.Shape(dims));

        var u = UL.Uncertainty(evidence);

        Assert.That(u.item<float>(), Is.LessThan(1e-2));
    }

    // ---- test_uncertainty_quantification_is_high_with_low_evidence ---------------------------------------------

    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public void Uncertainty_LowEvidence_IsAboveNineTenths(int dims)
    {
        using var scope = NewDisposeScope();
        var evidence = tensor(new[] { 1f, 0f, 0f }, PythonExamples.Shape(dims));

        var u = UL.Uncertainty(evidence);

        Assert.That(u.item<float>(), Is.GreaterThan(0.9));
    }

    // ---- test_uncertainty_quantification_is_high_with_evidence_for_multiple_classes ----------------------------

    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public void Uncertainty_HighEvidenceForTwoClasses_IsAboveSevenTenths(int dims)
    {
        using var scope = NewDisposeScope();
        var evidence = tensor(new[] { 100f, 100f, 0f }, PythonExamples.Shape(dims));

        var u = UL.Uncertainty(evidence);

        Assert.That(u.item<float>(), Is.GreaterThan(0.7));
    }

    // ---- test_cross_entropy_uncertainty_is_low_when_evidence_for_one_class -------------------------------------

    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public void CrossEntropyUncertainty_OneDominantLogit_IsBelowOneEMinusFive(int dims)
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new[] { 100f, -100f, -100f }, PythonExamples.Shape(dims));

        var u = UL.CrossEntropyUncertainty(logits);

        Assert.That(u.item<float>(), Is.LessThan(1e-5));
    }

    // ---- test_cross_entropy_uncertainty_is_high_when_evidence_for_multiple_classes -----------------------------

    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public void CrossEntropyUncertainty_TwoDominantLogits_IsAboveSixTenths(int dims)
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new[] { 100f, 100f, -100f }, PythonExamples.Shape(dims));

        var u = UL.CrossEntropyUncertainty(logits);

        Assert.That(u.item<float>(), Is.GreaterThan(0.6));
    }

    // ---- test_dirichlet_mode_returns_correct_pmfs --------------------------------------------------------------

    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public void DirichletMode_EqualEvidence_IsUniformPmf(int dims)
    {
        using var scope = NewDisposeScope();
        var shape = PythonExamples.Shape(dims);
        var evidence = tensor(new[] { 100f, 100f, 100f }, shape);
        // The Python test expects 101/300 per class, Python's α/(S − K), which is not a distribution (it sums to
        // 1.01; Data/README.md, defect D8). The mode of Dir(α) is (α − 1)/(S − K) = evidence/Σ evidence = 1/3 each,
        // which is what the C# library returns; this port expects the correct value.
        var expected = new[] { 1.0 / 3, 1.0 / 3, 1.0 / 3 };

        var pmf = UL.DirichletMode(evidence);

        // torch.testing.assert_close: same shape and dtype; float32 tolerance |a − e| ≤ 1e-5 + 1.3e-6·|e|.
        Assert.That(pmf.shape, Is.EqualTo(shape));
        Assert.That(pmf.dtype, Is.EqualTo(ScalarType.Float32));
        var actual = Tensors.ToDoubles(pmf);
        for (int i = 0; i < expected.Length; i++)
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(1e-5 + 1.3e-6 * expected[i]), $"class {i}");
        Assert.That(actual.Sum(), Is.EqualTo(1.0).Within(1e-6));
    }
}
