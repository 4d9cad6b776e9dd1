namespace UncertaintyLoss.Tests;

/// <summary>Ignored positions cannot reach the result or the gradient, whatever evidence they hold.</summary>
[TestFixture]
public class IgnoredPositionsTests
{
    private static readonly (string Name, System.Func<Tensor, Tensor, Tensor> Loss)[] Losses =
    {
        ("EvidentialLoss", (e, t) => UL.EvidentialLoss(e, t, 1.0, nn.Reduction.Sum)),
        ("DirichletMseLoss", (e, t) => UL.DirichletMseLoss(e, t, nn.Reduction.Sum)),
        ("UniformDirichletKl", (e, t) => UL.UniformDirichletKl(e, t, nn.Reduction.Sum)),
        ("MaxNormLoss", (e, t) => UL.MaxNormLoss(e, t, 1.0, 4, nn.Reduction.Sum)),
        ("DirichletPNormLoss", (e, t) => UL.DirichletPNormLoss(e, t, 4, nn.Reduction.Sum)),
        ("DirichletFisherRegularizer", (e, t) => UL.DirichletFisherRegularizer(e, t, nn.Reduction.Sum)),
    };

    [Test]
    public void WeightIgnore_HugeEvidenceAtIgnoredPosition_ResultAndGradientEqualThoseWithoutIt(
        [Range(0, 5)] int which)
    {
        var (name, loss) = Losses[which];
        using var scope = NewDisposeScope();
        // NaN evidence (which the range check lets through, as cross_entropy does) and the largest admissible value at
        // the ignored position: neither may reach the result or the gradient.
        var evidence = Tensors.FromDoubles(new[] { double.NaN, UL.MaxEvidence, 0.0, 2.0, 0.5, 1.0 }, new long[] { 2, 3 }, ScalarType.Float32).requires_grad_(true);
        var target = Tensors.FromLongs(new long[] { -100, 1 }, new long[] { 2 });
        var kept = Tensors.FromDoubles(new[] { 2.0, 0.5, 1.0 }, new long[] { 1, 3 }, ScalarType.Float32).requires_grad_(true);
        var keptTarget = Tensors.FromLongs(new long[] { 1 }, new long[] { 1 });

        var value = loss(evidence, target);
        value.backward();
        var expected = loss(kept, keptTarget);
        expected.backward();

        var grad = Tensors.ToDoubles(evidence.grad!);
        Assert.That(Tensors.ToDoubles(value)[0], Is.EqualTo(Tensors.ToDoubles(expected)[0]), name + " value");
        Assert.That(grad.All(double.IsFinite), Is.True, name + " gradient finite");
        Assert.That(grad.Take(3), Is.All.EqualTo(0.0), name + " gradient at the ignored position");
        Assert.That(grad.Skip(3), Is.EqualTo(Tensors.ToDoubles(kept.grad!)), name + " gradient at the kept position");
    }
}
