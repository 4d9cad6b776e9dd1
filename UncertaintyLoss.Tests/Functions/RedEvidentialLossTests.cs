namespace UncertaintyLoss.Tests;

/// <summary>
/// <see cref="UL.RedEvidentialLoss"/> and <see cref="UL.CorrectEvidenceRegularizer"/> (RED, Pandey and Yu, ICML 2023): the
/// detached vacuity, the floor of the logarithm at zero evidence, the exp-evidence form of the authors' code, soft
/// targets and the decomposition into the evidential loss plus the regulariser. Values and gradients of every option
/// against the reference are in the Ops table and Trust/GradientOrderTests.
/// </summary>
public sealed class RedEvidentialLossTests
{
    /// <summary>
    /// e = (2, 0.5, 1.5), class 0: ν = 3/7 is held constant, so ∂R/∂e = (−ν/e_0, 0, 0) = (−3/14, 0, 0) exactly as
    /// written; the derivative of the value would add (K/S²)·ln 2 = (3/49)·ln 2 to every component.
    /// </summary>
    [Test]
    public void CorrectEvidenceRegularizer_Gradient_TreatsVacuityAsConstant()
    {
        using var scope = NewDisposeScope();
        var e = Tensors.FromDoubles(new[] { 2.0, 0.5, 1.5 }, new long[] { 1, 3 }).requires_grad_();
        var loss = UL.CorrectEvidenceRegularizer(e, Tensors.FromLongs(new long[] { 0 }, new long[] { 1 }));
        loss.backward();
        double[] g = Tensors.ToDoubles(e.grad!);
        Assert.Multiple(() =>
        {
            Assert.That(loss.item<double>(), Is.EqualTo(-3.0 / 7.0 * Math.Log(2.0)).Within(1e-15));
            Assert.That(g[0], Is.EqualTo(-3.0 / 14.0).Within(1e-16));
            Assert.That(g[1], Is.EqualTo(0.0));
            Assert.That(g[2], Is.EqualTo(0.0));
        });
    }

    /// <summary>
    /// Zero (and below-floor) evidence of the true class: the logarithm is floored at <see cref="UL.CorrectEvidenceFloor"/>
    /// = 1e-5, so the value is finite, −ν ln 1e-5, and the regulariser's gradient there is 0, in Float32 and Float64.
    /// </summary>
    [Test]
    public void CorrectEvidenceRegularizer_ZeroOrTinyTrueEvidence_IsFloored([Values(ScalarType.Float32, ScalarType.Float64)] ScalarType dtype,
        [Values(0.0, 1e-30, 9e-6)] double tiny)
    {
        using var scope = NewDisposeScope();
        var e = Tensors.FromDoubles(new[] { tiny, 2.0, 1.0 }, new long[] { 1, 3 }, dtype).requires_grad_();
        var loss = UL.CorrectEvidenceRegularizer(e, Tensors.FromLongs(new long[] { 0 }, new long[] { 1 }));
        loss.backward();
        double s = tiny + 6.0;
        Assert.Multiple(() =>
        {
            Assert.That(UL.CorrectEvidenceFloor, Is.EqualTo(1e-5));
            Assert.That(loss.to(ScalarType.Float64).item<double>(), Is.EqualTo(-(3.0 / s) * Math.Log(1e-5)).Within(Tolerance.Relative(dtype) * 6));
            Assert.That(Tensors.ToDoubles(e.grad!), Is.All.EqualTo(0.0));
        });
    }

    /// <summary>
    /// With exp evidence, as in the authors' code, the regulariser is −ν times the true class's logit, and its gradient
    /// with respect to the logits is −ν·y for any logit above ln 1e-5: a constant push where the evidential loss has
    /// almost none (the zero-evidence region; at logit −8 the log risk's gradient is about e⁻⁸).
    /// </summary>
    [Test]
    public void RedEvidentialLoss_ExpEvidence_RegulariserIsMinusVacuityTimesLogit()
    {
        using var scope = NewDisposeScope();
        double[] logits = [-8.0, 3.0, 0.5, -11.0, 1.0, 2.0];
        var x = Tensors.FromDoubles(logits, new long[] { 2, 3 }).requires_grad_();
        var t = Tensors.FromLongs(new long[] { 0, 0 }, new long[] { 2 });
        var reg = UL.CorrectEvidenceRegularizer(x.exp(), t, Reduction.None);
        double[] nu = [3.0 / (Math.Exp(-8) + Math.Exp(3) + Math.Exp(0.5) + 3), 3.0 / (Math.Exp(-11) + Math.Exp(1) + Math.Exp(2) + 3)];
        double[] value = Tensors.ToDoubles(reg);
        reg.sum().backward();
        double[] g = Tensors.ToDoubles(x.grad!);
        Assert.Multiple(() =>
        {
            Assert.That(value[0], Is.EqualTo(-nu[0] * -8.0).Within(1e-14));
            Assert.That(value[1], Is.EqualTo(-nu[1] * -11.0).Within(1e-14));
            Assert.That(g[0], Is.EqualTo(-nu[0]).Within(1e-15));
            Assert.That(g[3], Is.EqualTo(-nu[1]).Within(1e-15));
            Assert.That(new[] { g[1], g[2], g[4], g[5] }, Is.All.EqualTo(0.0));
        });

        using var _ = NewDisposeScope();
        var y = x.detach().requires_grad_();
        UL.DirichletLogLoss(y.exp(), t, Reduction.Sum).backward();
        Assert.That(Math.Abs(Tensors.ToDoubles(y.grad!)[0]), Is.LessThan(1e-3), "the log risk alone barely moves a logit of −8");
    }

    /// <summary>RED = EvidentialLoss(risk, regFactor) + w·CorrectEvidenceRegularizer, per position; w = 0 is EvidentialLoss exactly.</summary>
    [Test]
    public void RedEvidentialLoss_Always_IsEvidentialLossPlusWeightedRegulariser([Values] EvidentialRisk risk, [Values(0.0, 0.7)] double regFactor)
    {
        using var scope = NewDisposeScope();
        var e = Tensors.FromDoubles(new[] { 0.0, 3.0, 0.25, 7.0, 12.0, 0.5, 1.0, 2.0, 1e-3, 40.0, 0.0, 0.0 }, new long[] { 3, 4 });
        var t = Tensors.FromLongs(new long[] { 3, 0, 1 }, new long[] { 3 });
        double[] red = Tensors.ToDoubles(UL.RedEvidentialLoss(e, t, regFactor, 0.3, Reduction.None, risk: risk));
        double[] edl = Tensors.ToDoubles(UL.EvidentialLoss(e, t, regFactor, Reduction.None, risk: risk));
        double[] reg = Tensors.ToDoubles(UL.CorrectEvidenceRegularizer(e, t, Reduction.None));
        Assert.Multiple(() =>
        {
            for (int n = 0; n < 3; n++)
                Assert.That(red[n], Is.EqualTo(edl[n] + 0.3 * reg[n]).Within(1e-14 * (Math.Abs(edl[n]) + Math.Abs(reg[n]))), $"position {n}");
            // On the composed path (the squared error's EvidentialLoss would otherwise take the fused kernel) w = 0 is exact.
            using var composed = UL.KernelScope(fused: false);
            Assert.That(Tensors.ToDoubles(UL.RedEvidentialLoss(e, t, regFactor, 0.0, Reduction.None, risk: risk)),
                Is.EqualTo(Tensors.ToDoubles(UL.EvidentialLoss(e, t, regFactor, Reduction.None, risk: risk))), "weight 0");
        });
    }

    /// <summary>A soft target gives Σ_c y_c times the class-index regulariser (the expectation over the true class).</summary>
    [Test]
    public void CorrectEvidenceRegularizer_ProbabilityTarget_IsExpectationOverTrueClass()
    {
        using var scope = NewDisposeScope();
        double[] ev = [2.0, 0.5, 1.5];
        double[] y = [0.25, 0.0, 0.75];
        var e = Tensors.FromDoubles(ev, new long[] { 1, 3 });
        double soft = UL.CorrectEvidenceRegularizer(e, Tensors.FromDoubles(y, new long[] { 1, 3 })).item<double>();
        double expected = 0.25 * UL.CorrectEvidenceRegularizer(e, Tensors.FromLongs(new long[] { 0 }, new long[] { 1 })).item<double>()
            + 0.75 * UL.CorrectEvidenceRegularizer(e, Tensors.FromLongs(new long[] { 2 }, new long[] { 1 })).item<double>();
        Assert.That(soft, Is.EqualTo(expected).Within(1e-15));
    }

    /// <summary>A bad correct-evidence weight is rejected before any computation, naming it.</summary>
    [TestCase(-0.5)]
    [TestCase(double.NaN)]
    [TestCase(double.NegativeInfinity)]
    public void RedEvidentialLoss_BadCorrectEvidenceWeight_ThrowsArgumentOutOfRange(double value)
    {
        using var e = torch.ones(2, 3, dtype: ScalarType.Float64);
        using var t = torch.zeros(2, dtype: ScalarType.Int64);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => UL.RedEvidentialLoss(e, t, correctEvidenceWeight: value));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.ParamName, Is.EqualTo("correctEvidenceWeight"));
            Assert.That(ex.Message, Does.StartWith("Expected correctEvidenceWeight"));
        });
    }
}
