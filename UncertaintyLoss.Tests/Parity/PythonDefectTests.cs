using System.Text.Json;

namespace UncertaintyLoss.Tests.Parity;

/// <summary>
/// The defects of the Python package recorded in <c>Data/python-reference.json</c> (Data/README.md, D1–D16): where
/// the C# library intentionally differs, these tests show that its result is the correct one. Expected values are
/// the file's <c>correct_output</c> (40-digit mpmath evaluations of the formulas, never the package's numbers).
/// </summary>
[TestFixture]
public class PythonDefectTests
{
    /// <summary>Float64 agreement with the mpmath values.</summary>
    private const double Rtol = 1e-10;

    private static readonly string[] LossNames =
    {
        "dirichlet_mse_loss", "uniform_dirichlet_kl", "evidential_loss", "dirichlet_pnorm_loss", "dirichlet_fisher_regulizer", "maxnorm_loss",
    };

    [Test]
    public void DefectList_ReferenceFile_IsExactlyTheDefectsCoveredHere()
    {
        // A defect added to the reference file must get a test here.
        Assert.That(PythonReference.DefectIds(), Is.EquivalentTo(new[]
        {
            "kl_none_NxN", "kl_none_NxN_extra_dims", "kl_none_N1_extra_axis", "kl_sum_N_times_too_large",
            "evidential_none_reg_raises", "evidential_sum_reg_kl_N_times", "reduction_None_rejected",
            "dirichlet_mode_not_a_distribution", "dirichlet_pnorm_loss_soft_target_two_true_classes",
            "dirichlet_fisher_regulizer_soft_target_two_true_classes", "pnorm_squeeze_misbroadcast_none",
            "pnorm_squeeze_misbroadcast_mean", "pnorm_squeeze_misbroadcast_sum", "kl_float64_beta_default_dtype",
            "uncertainty_normalize_float64_default_dtype", "integer_evidence", "int32_index_target",
            "maxnorm_none_reg_backward_raises", "nan_inf_probe",
        }));
    }

    // ---- D1–D4: uniform_dirichlet_kl broadcasts (N,1) against (N) ----------------------------------------------

    [Test]
    public void UniformDirichletKl_ReductionNone_ReturnsPerSampleVectorNotPythonsNxNMatrix()
    {
        var d = PythonReference.Defect("kl_none_NxN");
        using var scope = NewDisposeScope();

        var kl = UL.UniformDirichletKl(Evidence(d), Target(d), nn.Reduction.None);

        Assert.That(kl.shape, Is.EqualTo(Shape(d, "correct_output_shape")));
        Assert.That(kl.shape, Is.Not.EqualTo(Shape(d, "python_output_shape")));
        AssertClose(Tensors.ToDoubles(kl), Doubles(d, "correct_output"), Rtol);

        // The correct values are the diagonal of Python's N x N matrix.
        var python = Doubles(d, "python_output");
        int n = (int)kl.shape[0];
        AssertClose(Tensors.ToDoubles(kl), Enumerable.Range(0, n).Select(i => python[i * n + i]).ToArray(), Rtol);
    }

    [Test]
    public void UniformDirichletKl_ReductionNoneWithExtraDims_ReturnsNByD1NotNByNByD1()
    {
        var d = PythonReference.Defect("kl_none_NxN_extra_dims");
        using var scope = NewDisposeScope();

        var kl = UL.UniformDirichletKl(Evidence(d), Target(d), nn.Reduction.None);

        Assert.That(kl.shape, Is.EqualTo(Shape(d, "correct_output_shape")).And.EqualTo(new long[] { 3, 2 }));
        AssertClose(Tensors.ToDoubles(kl), Doubles(d, "correct_output"), Rtol);
    }

    [Test]
    public void UniformDirichletKl_ReductionNoneWithOneSample_HasNoExtraAxis()
    {
        var d = PythonReference.Defect("kl_none_N1_extra_axis");
        using var scope = NewDisposeScope();

        var kl = UL.UniformDirichletKl(Evidence(d), Target(d), nn.Reduction.None);

        Assert.That(kl.shape, Is.EqualTo(Shape(d, "correct_output_shape")).And.EqualTo(new long[] { 1 }));
        Assert.That(kl.shape, Is.Not.EqualTo(Shape(d, "python_output_shape")));
        AssertClose(Tensors.ToDoubles(kl), Doubles(d, "correct_output"), Rtol);
    }

    [Test]
    public void UniformDirichletKl_ReductionNoneWithOneSampleAndExtraDim_ReturnsOneByD1()
    {
        // Python gives (1,1,d1) for (1,C,d1). Input: the first sample of kl_none_NxN_extra_dims, whose correct KLs are
        // the first row of that defect's correct_output.
        var d = PythonReference.Defect("kl_none_NxN_extra_dims");
        using var scope = NewDisposeScope();
        var evidence = Evidence(d).narrow(0, 0, 1);
        var target = Target(d).narrow(0, 0, 1);

        var kl = UL.UniformDirichletKl(evidence, target, nn.Reduction.None);

        Assert.That(kl.shape, Is.EqualTo(new long[] { 1, 2 }));
        AssertClose(Tensors.ToDoubles(kl), Doubles(d, "correct_output").Take(2).ToArray(), Rtol);
    }

    [Test]
    public void UniformDirichletKl_ReductionSum_IsSumOfPerSampleKlNotNTimesIt()
    {
        var d = PythonReference.Defect("kl_sum_N_times_too_large");
        using var scope = NewDisposeScope();

        double sum = UL.UniformDirichletKl(Evidence(d), Target(d), nn.Reduction.Sum).item<double>();
        double mean = UL.UniformDirichletKl(Evidence(d), Target(d), nn.Reduction.Mean).item<double>();

        AssertClose(sum, Doubles(d, "correct_output")[0], Rtol);
        Assert.That(sum, Is.Not.EqualTo(Doubles(d, "python_output")[0]).Within(1e-3), "Python's N-times-too-large sum");
        // "mean" is correct in Python too.
        AssertClose(mean, d.GetProperty("correct_mean_output").GetDouble(), Rtol);
        AssertClose(mean, d.GetProperty("python_mean_output").GetDouble(), Rtol);
    }

    // ---- D5, D6: evidential_loss with reg_factor > 0 ------------------------------------------------------------

    [Test]
    public void EvidentialLoss_ReductionNoneWithRegFactor_ReturnsMsePlusLambdaKlPerSample()
    {
        var d = PythonReference.Defect("evidential_none_reg_raises");
        double reg = d.GetProperty("input").GetProperty("args").GetProperty("reg_factor").GetDouble();
        using var scope = NewDisposeScope();
        var evidence = Evidence(d);
        var target = Target(d);

        var loss = UL.EvidentialLoss(evidence, target, reg, nn.Reduction.None);

        Assert.That(loss.shape, Is.EqualTo(Shape(d, "correct_output_shape")));
        AssertClose(Tensors.ToDoubles(loss), Doubles(d, "correct_output"), Rtol);
        var mse = Tensors.ToDoubles(UL.DirichletMseLoss(evidence, target, nn.Reduction.None));
        var kl = Tensors.ToDoubles(UL.UniformDirichletKl(evidence, target, nn.Reduction.None));
        AssertClose(Tensors.ToDoubles(loss), mse.Zip(kl, (m, k) => m + reg * k).ToArray(), 1e-14);
    }

    [Test]
    public void EvidentialLoss_ReductionNoneWithRegFactorAndOneSample_ReturnsVectorOfOne()
    {
        // Python raises for N = 1 as well ("output with shape [1] doesn't match the broadcast shape [1, 1]").
        var d = PythonReference.Defect("evidential_none_reg_raises");
        double reg = d.GetProperty("input").GetProperty("args").GetProperty("reg_factor").GetDouble();
        using var scope = NewDisposeScope();

        var loss = UL.EvidentialLoss(Evidence(d).narrow(0, 0, 1), Target(d).narrow(0, 0, 1), reg, nn.Reduction.None);

        Assert.That(loss.shape, Is.EqualTo(new long[] { 1 }));
        AssertClose(Tensors.ToDoubles(loss), Doubles(d, "correct_output").Take(1).ToArray(), Rtol);
    }

    [Test]
    public void EvidentialLoss_ReductionNoneWithRegFactor_SupportsBackward()
    {
        var d = PythonReference.Defect("evidential_none_reg_raises");
        using var scope = NewDisposeScope();
        var evidence = Evidence(d).requires_grad_(true);

        UL.EvidentialLoss(evidence, Target(d), 0.5, nn.Reduction.None).sum().backward();

        Assert.That(evidence.grad, Is.Not.Null);
        Assert.That(Tensors.ToDoubles(evidence.grad!).All(double.IsFinite), Is.True);
    }

    [Test]
    public void EvidentialLoss_ReductionSumWithRegFactor_HasKlPartOnceNotNTimes()
    {
        var d = PythonReference.Defect("evidential_sum_reg_kl_N_times");
        double reg = d.GetProperty("input").GetProperty("args").GetProperty("reg_factor").GetDouble();
        using var scope = NewDisposeScope();

        double sum = UL.EvidentialLoss(Evidence(d), Target(d), reg, nn.Reduction.Sum).item<double>();

        AssertClose(sum, Doubles(d, "correct_output")[0], Rtol);
        Assert.That(sum, Is.Not.EqualTo(Doubles(d, "python_output")[0]).Within(1e-3));
    }

    // ---- D7: "no reduction" -----------------------------------------------------------------------------------

    [TestCaseSource(nameof(LossNames))]
    public void Loss_ReductionNone_ReturnsOneValuePerSample(string function)
    {
        // Python documents reduction=None as "no reduction" but rejects it; in C# the enum value Reduction.None is it.
        var d = PythonReference.Defect("reduction_None_rejected");
        using var scope = NewDisposeScope();

        var loss = CallLoss(function, Evidence(d), Target(d), nn.Reduction.None);

        Assert.That(loss.shape, Is.EqualTo(Shape(d, "correct_output_shape")));
        double mean = CallLoss(function, Evidence(d), Target(d), nn.Reduction.Mean).item<double>();
        AssertClose(Tensors.ToDoubles(loss).Average(), mean, 1e-14);
    }

    // ---- D8: dirichlet_mode ------------------------------------------------------------------------------------

    [Test]
    public void DirichletMode_EvidenceWithZeroRow_IsAFiniteDistributionPerRow()
    {
        var d = PythonReference.Defect("dirichlet_mode_not_a_distribution");
        using var scope = NewDisposeScope();

        var mode = Tensors.ToDoubles(UL.DirichletMode(Evidence(d)));

        Assert.That(mode.All(double.IsFinite), Is.True);
        for (int row = 0; row < 3; row++)
            Assert.That(mode.Skip(row * 3).Take(3).Sum(), Is.EqualTo(1.0).Within(1e-15), $"row {row} sum");
        // Rows with evidence: the true mode (α − 1)/(S − K); the all-zero row (flat density): uniform.
        var trueMode = Doubles(d, "dirichlet_mode_alpha_minus_1_over_S_minus_K");
        AssertClose(mode.Take(6).ToArray(), trueMode.Take(6).ToArray(), 1e-15);
        AssertClose(mode.Skip(6).ToArray(), new[] { 1.0 / 3, 1.0 / 3, 1.0 / 3 }, 1e-15);
        // Python's α/(S − K) is not a distribution (row sums 1.43, 2.71, inf).
        Assert.That(Doubles(d, "python_row_sums").Take(2), Has.All.GreaterThan(1.4));
    }

    [Test]
    public void DirichletMode_AllZeroEvidence_HasFiniteGradient()
    {
        // Python: inf output and NaN gradient for all-zero evidence.
        using var scope = NewDisposeScope();
        var evidence = zeros(new long[] { 1, 3 }, ScalarType.Float64).requires_grad_(true);
        var weights = tensor(new[] { 1.0, 2.0, 3.0 }, new long[] { 1, 3 }, ScalarType.Float64);

        var mode = UL.DirichletMode(evidence);
        (mode * weights).sum().backward();

        AssertClose(Tensors.ToDoubles(mode), new[] { 1.0 / 3, 1.0 / 3, 1.0 / 3 }, 1e-15);
        Assert.That(Tensors.ToDoubles(evidence.grad!).All(double.IsFinite), Is.True);
    }

    // ---- D9: soft targets for p-norm and Fisher ----------------------------------------------------------------

    [Test]
    public void DirichletPNormLoss_SoftTarget_IsExpectationOverTrueClassNotPythonsMultiHotValue()
    {
        var d = PythonReference.Defect("dirichlet_pnorm_loss_soft_target_two_true_classes");
        int p = d.GetProperty("input").GetProperty("args").GetProperty("p_norm").GetInt32();
        using var scope = NewDisposeScope();
        var evidence = Evidence(d);

        double soft = UL.DirichletPNormLoss(evidence, Target(d), p, nn.Reduction.None).item<double>();
        double class0 = UL.DirichletPNormLoss(evidence, IndexTarget(0), p, nn.Reduction.None).item<double>();
        double class1 = UL.DirichletPNormLoss(evidence, IndexTarget(1), p, nn.Reduction.None).item<double>();

        AssertClose(class0, Doubles(d, "python_output_with_onehot_class0")[0], Rtol);
        AssertClose(soft, 0.7 * class0 + 0.3 * class1, 1e-14);
        var e = PythonReference.Array(d.GetProperty("input").GetProperty("evidence")).Data;
        AssertClose(soft, DirichletReference.DirichletPNorm(e, new[] { 0.7, 0.3, 0.0 }, p), Rtol);
        Assert.That(soft, Is.Not.EqualTo(Doubles(d, "python_output")[0]).Within(1e-2), "Python's [1,1,0] value");
    }

    [Test]
    public void DirichletFisherRegularizer_SoftTarget_IsExpectationOverTrueClassNotPythonsMultiHotValue()
    {
        var d = PythonReference.Defect("dirichlet_fisher_regulizer_soft_target_two_true_classes");
        using var scope = NewDisposeScope();
        var evidence = Evidence(d);

        double soft = UL.DirichletFisherRegularizer(evidence, Target(d), nn.Reduction.None).item<double>();
        double class0 = UL.DirichletFisherRegularizer(evidence, IndexTarget(0), nn.Reduction.None).item<double>();
        double class1 = UL.DirichletFisherRegularizer(evidence, IndexTarget(1), nn.Reduction.None).item<double>();

        // Python's number comes from torch 1.13's trigamma, accurate to ~5e-10 (Data/README.md).
        AssertClose(class0, Doubles(d, "python_output_with_onehot_class0")[0], 1e-9);
        AssertClose(soft, 0.7 * class0 + 0.3 * class1, 1e-14);
        var e = PythonReference.Array(d.GetProperty("input").GetProperty("evidence")).Data;
        AssertClose(soft, DirichletReference.FisherRegularizer(e, new[] { 0.7, 0.3, 0.0 }, paperAlphaSum: false), Rtol);
        Assert.That(soft, Is.Not.EqualTo(Doubles(d, "python_output")[0]).Within(1e-2), "Python's [1,1,0] value");
    }

    // ---- D10: torch.squeeze removes every size-1 axis ----------------------------------------------------------

    [TestCase("pnorm_squeeze_misbroadcast_none")]
    [TestCase("pnorm_squeeze_misbroadcast_mean")]
    [TestCase("pnorm_squeeze_misbroadcast_sum")]
    public void DirichletPNormLoss_SizeOneExtraDim_MatchesCorrectOutputAndShape(string id)
    {
        var d = PythonReference.Defect(id);
        var args = d.GetProperty("input").GetProperty("args");
        var reduction = PythonReference.Reduction(args.GetProperty("reduction").GetString()!);
        using var scope = NewDisposeScope();

        var loss = UL.DirichletPNormLoss(Evidence(d), Target(d), args.GetProperty("p_norm").GetInt32(), reduction);

        Assert.That(loss.shape, Is.EqualTo(Shape(d, "correct_output_shape")));
        AssertClose(Tensors.ToDoubles(loss), Doubles(d, "correct_output"), Rtol);
        if (reduction != nn.Reduction.None)
            Assert.That(loss.item<double>(), Is.Not.EqualTo(Doubles(d, "python_output")[0]).Within(1e-3));
    }

    [TestCase(new long[] { 3, 3, 1 }, new long[] { 3, 1 })]
    [TestCase(new long[] { 2, 3, 1, 2 }, new long[] { 2, 1, 2 })]
    [TestCase(new long[] { 1, 3, 2 }, new long[] { 1, 2 })]
    [TestCase(new long[] { 2, 3, 2, 1 }, new long[] { 2, 2, 1 })]
    public void PNormAndMaxNormLoss_ReductionNoneWithSizeOneDims_KeepShapeAndMatchReference(long[] evidenceShape, long[] expectedShape)
    {
        using var scope = NewDisposeScope();
        int count = (int)evidenceShape.Aggregate(1L, (a, b) => a * b);
        var e = Enumerable.Range(0, count).Select(i => (i * 37 % 11) * 0.75).ToArray();
        var positions = ReferenceTensor.PositionShape(evidenceShape);
        var y = Enumerable.Range(0, (int)positions.Aggregate(1L, (a, b) => a * b)).Select(i => (long)(i * 2 % 3)).ToArray();
        var evidence = Tensors.FromDoubles(e, evidenceShape);
        var target = Tensors.FromLongs(y, positions);

        var pnorm = UL.DirichletPNormLoss(evidence, target, 4, nn.Reduction.None);
        var maxnorm = UL.MaxNormLoss(evidence, target, 0.5, 4, nn.Reduction.None);

        Assert.That(pnorm.shape, Is.EqualTo(expectedShape));
        Assert.That(maxnorm.shape, Is.EqualTo(expectedShape));
        AssertClose(Tensors.ToDoubles(pnorm), ReferenceTensor.PerPosition(e, evidenceShape, y, (v, c) => DirichletReference.DirichletPNorm(v, c, 4)), Rtol);
        AssertClose(Tensors.ToDoubles(maxnorm), ReferenceTensor.PerPosition(e, evidenceShape, y,
            (v, c) => DirichletReference.DirichletPNorm(v, c, 4) + 0.5 * DirichletReference.FisherRegularizer(v, c, paperAlphaSum: false)), Rtol);
    }

    // ---- D11, D12: float32 constants leaking into float64 results -----------------------------------------------

    [Test]
    public void UniformDirichletKl_Float64_UsesFloat64LnGammaOfClassCount()
    {
        var d = PythonReference.Defect("kl_float64_beta_default_dtype");
        using var scope = NewDisposeScope();

        double kl = UL.UniformDirichletKl(Evidence(d), Target(d), nn.Reduction.Mean).item<double>();

        AssertClose(kl, Doubles(d, "correct_output")[0], Rtol);
        // Python (stock float32 default dtype) is off by lgamma_f32(7) − lgamma_f64(7) = 7.7e-8.
        Assert.That(Math.Abs(kl - Doubles(d, "python_output")[0]), Is.GreaterThan(0.5 * d.GetProperty("abs_error").GetDouble()));
    }

    [Test]
    public void Uncertainty_Float64Normalized_DividesByFloat64LnC()
    {
        var d = PythonReference.Defect("uncertainty_normalize_float64_default_dtype");
        using var scope = NewDisposeScope();

        var u = Tensors.ToDoubles(UL.Uncertainty(Evidence(d), normalize: true));

        AssertClose(u, Doubles(d, "correct_output"), Rtol);
        var python = Doubles(d, "python_output");
        Assert.That(u.Zip(python, (a, b) => Math.Abs(a - b)).Max(), Is.GreaterThan(0.5 * d.GetProperty("abs_error").GetDouble()));
    }

    // ---- D13: maxnorm_loss reduction none with reg_factor > 0 -------------------------------------------------

    [Test]
    public void MaxNormLoss_ReductionNoneWithRegFactor_MatchesMpmathAndSupportsBackward()
    {
        var d = PythonReference.Defect("maxnorm_none_reg_backward_raises");
        var args = d.GetProperty("input").GetProperty("args");
        double reg = args.GetProperty("reg_factor").GetDouble();
        int p = args.GetProperty("p_norm").GetInt32();
        var e = PythonReference.Array(d.GetProperty("input").GetProperty("evidence"));
        var y = PythonReference.Array(d.GetProperty("input").GetProperty("target")).Data.Select(v => (long)v).ToArray();
        using var scope = NewDisposeScope();
        var evidence = Evidence(d).requires_grad_(true);

        var loss = UL.MaxNormLoss(evidence, Target(d), reg, p, nn.Reduction.None);
        Assert.DoesNotThrow(() => loss.sum().backward());

        Assert.That(loss.shape, Is.EqualTo(Shape(d, "correct_output_shape")));
        AssertClose(Tensors.ToDoubles(loss), Doubles(d, "correct_output"), Rtol);
        double Reference(double[] x) => ReferenceTensor.Sum(ReferenceTensor.PerPosition(x, e.Shape, y,
            (v, c) => DirichletReference.DirichletPNorm(v, c, p) + reg * DirichletReference.FisherRegularizer(v, c, paperAlphaSum: false)));
        var expectedGrad = FiniteDifference.CentralGradient(Reference, e.Data);
        var grad = Tensors.ToDoubles(evidence.grad!);
        double max = expectedGrad.Max(Math.Abs);
        for (int i = 0; i < grad.Length; i++)
            Assert.That(grad[i], Is.EqualTo(expectedGrad[i]).Within(1e-7 * max), $"gradient {i}");
    }

    // ---- D14: integer evidence ---------------------------------------------------------------------------------

    [TestCase("dirichlet_mse_loss")]
    [TestCase("uniform_dirichlet_kl")]
    [TestCase("evidential_loss")]
    [TestCase("dirichlet_pnorm_loss")]
    [TestCase("dirichlet_fisher_regulizer")]
    [TestCase("maxnorm_loss")]
    [TestCase("clamped_exp")]
    [TestCase("uncertainty")]
    [TestCase("model_uncertainty")]
    [TestCase("data_uncertainty")]
    [TestCase("cross_entropy_uncertainty")]
    [TestCase("dirichlet_mode")]
    public void Function_Int64Evidence_ThrowsArgumentException(string function)
    {
        // Python silently promotes int64 evidence to float32 (no gradient possible); ours rejects it by design.
        var d = PythonReference.Defect("integer_evidence");
        Assert.That(d.GetProperty("input").GetProperty("dtype").GetString(), Is.EqualTo("int64"));
        using var scope = NewDisposeScope();
        var ev = PythonReference.Array(d.GetProperty("input").GetProperty("evidence"));
        var evidence = Tensors.FromLongs(ev.Data.Select(v => (long)v).ToArray(), ev.Shape);
        var target = Target(d);

        TestDelegate call = function switch
        {
            "clamped_exp" => () => UL.ClampedExp(evidence),
            "uncertainty" => () => UL.Uncertainty(evidence),
            "model_uncertainty" => () => UL.ModelUncertainty(evidence),
            "data_uncertainty" => () => UL.DataUncertainty(evidence),
            "cross_entropy_uncertainty" => () => UL.CrossEntropyUncertainty(evidence),
            "dirichlet_mode" => () => UL.DirichletMode(evidence),
            _ => () => CallLoss(function, evidence, target, nn.Reduction.Mean),
        };

        Assert.That(call, Throws.InstanceOf<ArgumentException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo(
            function is "clamped_exp" ? "x" : function == "cross_entropy_uncertainty" ? "logits" : "evidence"));
    }

    // ---- D15: int32 index targets ------------------------------------------------------------------------------

    [TestCaseSource(nameof(LossNames))]
    public void Loss_Int32IndexTarget_EqualsInt64IndexTarget(string function)
    {
        var d = PythonReference.Defect("int32_index_target");
        Assert.That(d.GetProperty("input").GetProperty("target_dtype").GetString(), Is.EqualTo("int32"));
        using var scope = NewDisposeScope();
        var evidence = Evidence(d);
        var int64 = Target(d);

        var fromInt32 = CallLoss(function, evidence, int64.to(ScalarType.Int32), nn.Reduction.Mean);
        var fromInt64 = CallLoss(function, evidence, int64, nn.Reduction.Mean);

        Assert.That(fromInt32.shape, Is.EqualTo(Shape(d, "correct_output_shape")));
        Assert.That(fromInt32.item<double>(), Is.EqualTo(fromInt64.item<double>()));
        Assert.That(fromInt32.item<double>(), Is.GreaterThan(0.0));
    }

    // ---- D16: NaN / inf probe ----------------------------------------------------------------------------------

    [Test]
    public void Losses_AllZeroEvidence_MatchPythonProbeWithFiniteGradient()
    {
        var d = PythonReference.Defect("nan_inf_probe");
        var observed = d.GetProperty("observations").EnumerateArray()
            .Where(o => LossNames.Contains(o.GetProperty("function").GetString())
                && o.TryGetProperty("evidence", out var e) && e.GetString() == "zeros(2,3)")
            .ToList();
        Assert.That(observed, Has.Count.EqualTo(LossNames.Length));

        foreach (var o in observed)
        {
            string function = o.GetProperty("function").GetString()!;
            using var scope = NewDisposeScope();
            var evidence = zeros(new long[] { 2, 3 }, ScalarType.Float64).requires_grad_(true);
            // With all-zero evidence every class is alike, so the (unrecorded) target does not matter.
            var loss = CallLoss(function, evidence, Tensors.FromLongs(new long[] { 0, 2 }, new long[] { 2 }), nn.Reduction.Mean);
            loss.backward();

            AssertClose(loss.item<double>(), o.GetProperty("output").GetDouble(), Rtol);
            Assert.That(Tensors.ToDoubles(evidence.grad!).All(double.IsFinite), Is.True, function);
        }
    }

    [Test]
    public void DirichletPNormLoss_PNormZero_ThrowsInsteadOfReturningInfinity()
    {
        var d = PythonReference.Defect("nan_inf_probe");
        var probe = d.GetProperty("observations").EnumerateArray().Single(o => o.TryGetProperty("input", out var i) && i.GetString() == "p_norm=0");
        Assert.That(PythonReference.Double(probe.GetProperty("output")), Is.EqualTo(double.PositiveInfinity));
        using var scope = NewDisposeScope();
        var evidence = zeros(new long[] { 2, 3 }, ScalarType.Float64);
        var target = Tensors.FromLongs(new long[] { 0, 1 }, new long[] { 2 });

        Assert.That(() => UL.DirichletPNormLoss(evidence, target, 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => UL.MaxNormLoss(evidence, target, pNorm: 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static Tensor CallLoss(string function, Tensor evidence, Tensor target, nn.Reduction reduction) => function switch
    {
        "dirichlet_mse_loss" => UL.DirichletMseLoss(evidence, target, reduction),
        "uniform_dirichlet_kl" => UL.UniformDirichletKl(evidence, target, reduction),
        "evidential_loss" => UL.EvidentialLoss(evidence, target, 0.5, reduction),
        "dirichlet_pnorm_loss" => UL.DirichletPNormLoss(evidence, target, 4, reduction),
        "dirichlet_fisher_regulizer" => UL.DirichletFisherRegularizer(evidence, target, reduction),
        "maxnorm_loss" => UL.MaxNormLoss(evidence, target, 0.5, 4, reduction),
        _ => throw new ArgumentOutOfRangeException(nameof(function), function, "Not a loss."),
    };

    /// <summary>The defect's float64 evidence.</summary>
    private static Tensor Evidence(JsonElement defect)
    {
        var input = defect.GetProperty("input");
        var e = PythonReference.Array(input.GetProperty("evidence"));
        var dtype = PythonReference.DType(input.GetProperty("dtype").GetString()!);
        return Tensors.FromDoubles(e.Data, e.Shape, dtype == ScalarType.Int64 ? ScalarType.Float64 : dtype);
    }

    /// <summary>The defect's target: Int64 indices, or probabilities when it has the evidence's shape.</summary>
    private static Tensor Target(JsonElement defect)
    {
        var input = defect.GetProperty("input");
        var t = PythonReference.Array(input.GetProperty("target"));
        var e = PythonReference.Array(input.GetProperty("evidence"));
        return t.Shape.SequenceEqual(e.Shape)
            ? Tensors.FromDoubles(t.Data, t.Shape)
            : Tensors.FromLongs(t.Data.Select(v => checked((long)v)).ToArray(), t.Shape);
    }

    private static Tensor IndexTarget(long c) => Tensors.FromLongs(new[] { c }, new long[] { 1 });

    private static long[] Shape(JsonElement defect, string property) => PythonReference.Shape(defect.GetProperty(property));

    private static double[] Doubles(JsonElement defect, string property) => PythonReference.Doubles(defect.GetProperty(property));

    private static void AssertClose(double actual, double expected, double rtol) => AssertClose(new[] { actual }, new[] { expected }, rtol);

    private static void AssertClose(double[] actual, double[] expected, double rtol)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.That(Math.Abs(actual[i] - expected[i]), Is.LessThanOrEqualTo(rtol * Math.Abs(expected[i]) + double.Epsilon),
                () => string.Create(CultureInfo.InvariantCulture, $"index {i}: actual {actual[i]:R}, expected {expected[i]:R}"));
        }
    }
}
