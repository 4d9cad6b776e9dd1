namespace UncertaintyLoss.Tests;

/// <summary>
/// <see cref="UL.PriorNetworkLoss"/>'s own tests (its table entry runs every generic fixture at α = e + 0.5 with a marker
/// no fixture uses): out-of-distribution positions (the default −1, another marker, all-zero probability rows), their
/// weight 1, the target concentration, and the loss's zero at its target.
/// </summary>
public sealed class PriorNetworkLossTests
{
    private static readonly double[][] Rows =
    {
        new[] { 0.3, 2.0, 5.0 },
        new[] { 1e-3, 40.0, 1.0 },
        new[] { 7.0, 0.5, 0.05 },
        new[] { 1.0, 1.0, 1.0 },
    };

    private static Tensor Alpha(ScalarType dtype = ScalarType.Float64) => Tensors.FromDoubles(Rows.SelectMany(r => r).ToArray(), new long[] { 4, 3 }, dtype);

    private static double Reference(int row, double[] y, double tau) => DirichletReference.PriorNetworkReverseKl(Rows[row], y, tau);

    private static double[] Zero => new double[3];

    /// <summary>
    /// Rows 1 and 3 marked −1 (the default): β = 1 there (KL to the flat Dirichlet), β = 1 + τ·y elsewhere; an all-zero
    /// probability row gives the same.
    /// </summary>
    [TestCase(100.0)]
    [TestCase(3.0)]
    public void OutOfDistributionRows_GetTheFlatTarget(double tau)
    {
        using var scope = NewDisposeScope();
        var index = tensor(new long[] { 2, -1, 0, -1 });
        var probability = Tensors.FromDoubles(new[] { 0, 0, 1.0, 0, 0, 0, 1.0, 0, 0, 0, 0, 0 }, new long[] { 4, 3 });
        double[] byIndex = Tensors.ToDoubles(UL.PriorNetworkLoss(Alpha(), index, tau, Reduction.None));
        double[] byProbability = Tensors.ToDoubles(UL.PriorNetworkLoss(Alpha(), probability, tau, Reduction.None));
        double[] expected =
        {
            Reference(0, DirichletReference.OneHot(2, 3), tau), Reference(1, Zero, tau), Reference(2, DirichletReference.OneHot(0, 3), tau), Reference(3, Zero, tau),
        };
        Assert.Multiple(() =>
        {
            for (int i = 0; i < 4; i++)
            {
                Assert.That(byIndex[i], Is.EqualTo(expected[i]).Within(1e-12 * Math.Max(1, Math.Abs(expected[i]))), $"index row {i}");
                Assert.That(byProbability[i], Is.EqualTo(byIndex[i]).Within(1e-13 * Math.Max(1, Math.Abs(expected[i]))), $"probability row {i}");
            }

            Assert.That(byIndex[3], Is.EqualTo(0.0).Within(1e-14), "α = 1 out of distribution is the flat target itself");
        });
    }

    /// <summary>
    /// With class weights, out-of-distribution positions have weight 1: Mean = Σ wₙlₙ / Σ wₙ with wₙ = weight[target] in
    /// distribution and 1 out of it; ignored positions count for nothing. Int8 targets give the same.
    /// </summary>
    [TestCase(ScalarType.Int64)]
    [TestCase(ScalarType.Int8)]
    public void Weight_OutOfDistributionPositionsHaveWeightOne(ScalarType targetType)
    {
        using var scope = NewDisposeScope();
        double[] w = { 0.5, 2.0, 4.0 };
        var weight = Tensors.FromDoubles(w, new long[] { 3 });
        var target = tensor(new long[] { 2, -1, -100, -1 }).to(targetType);
        double[] l = { Reference(0, DirichletReference.OneHot(2, 3), 100), Reference(1, Zero, 100), 0.0, Reference(3, Zero, 100) };
        double[] wn = { w[2], 1.0, 0.0, 1.0 };
        double sum = l.Select((v, i) => v * wn[i]).Sum();
        Assert.Multiple(() =>
        {
            Assert.That(UL.PriorNetworkLoss(Alpha(), target, reduction: Reduction.Sum, weight: weight).item<double>(), Is.EqualTo(sum).Within(1e-12 * sum));
            Assert.That(UL.PriorNetworkLoss(Alpha(), target, weight: weight).item<double>(), Is.EqualTo(sum / wn.Sum()).Within(1e-12 * sum));
            double[] none = Tensors.ToDoubles(UL.PriorNetworkLoss(Alpha(), target, reduction: Reduction.None, weight: weight));
            Assert.That(none, Is.EqualTo(l.Select((v, i) => v * wn[i]).ToArray()).AsCollection.Within(1e-10));
        });
    }

    /// <summary>Another marker: 7 marks out-of-distribution positions, and −1 is then an invalid class index.</summary>
    [Test]
    public void OtherMarker_MarksOutOfDistribution_AndMinusOneIsRejected()
    {
        using var scope = NewDisposeScope();
        double[] byMarker = Tensors.ToDoubles(UL.PriorNetworkLoss(Alpha(), tensor(new long[] { 2, 7, 0, 7 }), reduction: Reduction.None, outOfDistributionIndex: 7));
        double[] byDefault = Tensors.ToDoubles(UL.PriorNetworkLoss(Alpha(), tensor(new long[] { 2, -1, 0, -1 }), reduction: Reduction.None));
        Assert.Multiple(() =>
        {
            Assert.That(byMarker, Is.EqualTo(byDefault));
            var e = Assert.Throws<ArgumentException>(() => UL.PriorNetworkLoss(Alpha(), tensor(new long[] { 2, -1, 0, 1 }), outOfDistributionIndex: 7));
            Assert.That(e!.ParamName, Is.EqualTo("target"));
        });
    }

    /// <summary>ignoreIndex 0 (a real class, allowed) next to out-of-distribution positions: class 0 is ignored, −1 is not.</summary>
    [Test]
    public void IgnoreIndexZero_OutOfDistributionPositionsStillCount()
    {
        using var scope = NewDisposeScope();
        double[] none = Tensors.ToDoubles(UL.PriorNetworkLoss(Alpha(), tensor(new long[] { 2, -1, 0, -1 }), reduction: Reduction.None, ignoreIndex: 0));
        Assert.Multiple(() =>
        {
            Assert.That(none[2], Is.EqualTo(0.0), "class 0 ignored");
            Assert.That(none[1], Is.EqualTo(Reference(1, Zero, 100)).Within(1e-12 * Reference(1, Zero, 100)), "out of distribution, not ignored");
        });
    }

    /// <summary>The loss is 0 exactly at its target α = β = 1 + τ·y, and positive elsewhere.</summary>
    [Test]
    public void AtTheTargetConcentration_IsZero()
    {
        using var scope = NewDisposeScope();
        var alpha = Tensors.FromDoubles(new[] { 1.0, 101.0, 1.0, 1.0, 1.0, 1.0 }, new long[] { 2, 3 });
        double[] none = Tensors.ToDoubles(UL.PriorNetworkLoss(alpha, tensor(new long[] { 1, -1 }), 100.0, Reduction.None));
        double[] other = Tensors.ToDoubles(UL.PriorNetworkLoss(alpha, tensor(new long[] { 0, 1 }), 100.0, Reduction.None));
        Assert.Multiple(() =>
        {
            Assert.That(none, Is.EqualTo(new[] { 0.0, 0.0 }).AsCollection.Within(1e-12));
            Assert.That(other, Is.All.GreaterThan(1.0));
        });
    }

    /// <summary>The marker must differ from ignoreIndex; τ outside [1e-6, 1e6] is rejected; the ends are accepted.</summary>
    [Test]
    public void Options_Validated()
    {
        using var scope = NewDisposeScope();
        var target = tensor(new long[] { 2, -1, 0, 1 });
        Assert.Multiple(() =>
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => UL.PriorNetworkLoss(Alpha(), target, ignoreIndex: -1));
            Assert.That(e!.ParamName, Is.EqualTo("outOfDistributionIndex"));
            Assert.That(e.Message, Does.Contain("ignoreIndex = -1"));
            Assert.That(double.IsFinite(UL.PriorNetworkLoss(Alpha(), target, 1e-6).item<double>()));
            Assert.That(double.IsFinite(UL.PriorNetworkLoss(Alpha(), target, 1e6).item<double>()));
            foreach (var bad in OpTable.BadConcentrations)
                Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => UL.PriorNetworkLoss(Alpha(), target, bad))!.ParamName, Is.EqualTo("targetConcentration"));
        });
    }

    /// <summary>Float32 and a (N, C, d) shape with out-of-distribution positions: the Float64 reference at 1e-5 of the terms.</summary>
    [Test]
    public void SegmentationShape_Float32_MatchesReference()
    {
        using var scope = NewDisposeScope();
        // (2, 3, 2): positions (n, d); rows of Rows laid out along the class dimension.
        var values = new double[12];
        long[] t = { 2, -1, 0, -1 };
        for (int p = 0; p < 4; p++)
            for (int j = 0; j < 3; j++)
                values[((p / 2) * 3 + j) * 2 + p % 2] = (float)Rows[p][j];
        var alpha = Tensors.FromDoubles(values, new long[] { 2, 3, 2 }, ScalarType.Float32);
        double[] actual = Tensors.ToDoubles(UL.PriorNetworkLoss(alpha, tensor(t, new long[] { 2, 2 }), 10.0, Reduction.None));
        Assert.Multiple(() =>
        {
            for (int p = 0; p < 4; p++)
            {
                var row = Rows[p].Select(v => (double)(float)v).ToArray();
                var y = t[p] < 0 ? Zero : DirichletReference.OneHot((int)t[p], 3);
                Assert.That(actual[p], Is.EqualTo(DirichletReference.PriorNetworkReverseKl(row, y, 10.0))
                    .Within(1e-5 * DirichletReference.PriorNetworkReverseKlMagnitude(row, y, 10.0)), $"position {p}");
            }
        });
    }
}
