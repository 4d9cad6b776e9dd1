namespace UncertaintyLoss.Tests.Trust;

/// <summary>
/// The empty-batch rule (issue 12, docs/conventions.md "Empty batches"): a reduction over no positions — N = 0, an empty
/// spatial dimension — gives an empty <see cref="Reduction.None"/> result, and 0 for <see cref="Reduction.Sum"/> and
/// <see cref="Reduction.Mean"/>, with or without class weights, with a zero gradient. Before issue 12 the Mean was NaN
/// without weights and 0 with them.
/// </summary>
[TestFixture]
public sealed class EmptyBatchTests
{
    public delegate Tensor LossCall(Tensor input, Tensor target, Reduction reduction, Tensor? weight);

    /// <summary>Every classification loss and the two loss modules (which take logits).</summary>
    private static readonly (string Name, LossCall Call)[] Losses =
    {
        ("EvidentialLoss", (e, t, r, w) => UL.EvidentialLoss(e, t, 0.5, r, w)),
        ("DirichletMseLoss", (e, t, r, w) => UL.DirichletMseLoss(e, t, r, w)),
        ("UniformDirichletKl", (e, t, r, w) => UL.UniformDirichletKl(e, t, r, w)),
        ("MaxNormLoss", (e, t, r, w) => UL.MaxNormLoss(e, t, 0.5, 4, r, w, fisherAlphaSum: FisherAlphaSum.All)),
        ("DirichletPNormLoss", (e, t, r, w) => UL.DirichletPNormLoss(e, t, 4, r, w)),
        ("DirichletFisherRegularizer", (e, t, r, w) => UL.DirichletFisherRegularizer(e, t, r, w, fisherAlphaSum: FisherAlphaSum.All)),
        ("EvidentialLoss cross-entropy", (e, t, r, w) => UL.EvidentialLoss(e, t, 0.5, r, w, risk: EvidentialRisk.CrossEntropy)),
        ("DirichletLogLoss", (e, t, r, w) => UL.DirichletLogLoss(e, t, r, w)),
        ("DirichletCrossEntropyLoss", (e, t, r, w) => UL.DirichletCrossEntropyLoss(e, t, r, w)),
        ("RelaxedEvidentialLoss", (e, t, r, w) => UL.RelaxedEvidentialLoss(e, t, 0.5, 0.1, r, w)),
        ("FisherEvidentialLoss", (e, t, r, w) => UL.FisherEvidentialLoss(e, t, 0.5, 0.005, r, w)),
        ("EvidentialLossModule", (e, t, r, w) => new EvidentialLossModule(0.5, r, w).forward(e, t)),
        ("RelaxedEvidentialLossModule", (e, t, r, w) => new RelaxedEvidentialLossModule(0.5, 0.1, r, w).forward(e, t)),
        ("FisherEvidentialLossModule", (e, t, r, w) => new FisherEvidentialLossModule(0.5, 0.005, r, w).forward(e, t)),
        ("MaxNormLossModule", (e, t, r, w) => new MaxNormLossModule(0.5, 4, r, w).forward(e, t)),
        ("BeliefMatchingLoss", (a, t, r, w) => UL.BeliefMatchingLoss(a, t, 0.5, 1.0, r, w)),
        ("PriorNetworkLoss", (a, t, r, w) => UL.PriorNetworkLoss(a, t, 100.0, r, w)),
        ("BeliefMatchingLossModule", (e, t, r, w) => new BeliefMatchingLossModule(0.5, 1.0, r, w).forward(e, t)),
        ("PriorNetworkLossModule", (e, t, r, w) => new PriorNetworkLossModule(100.0, r, w).forward(e, t)),
        ("RedEvidentialLoss", (e, t, r, w) => UL.RedEvidentialLoss(e, t, 0.5, 1.0, r, w)),
        ("CorrectEvidenceRegularizer", (e, t, r, w) => UL.CorrectEvidenceRegularizer(e, t, r, w)),
        ("PosteriorNetworkLoss", (e, t, r, w) => UL.PosteriorNetworkLoss(e, t, 0.5, r, w)),
        ("RedEvidentialLossModule", (e, t, r, w) => new RedEvidentialLossModule(0.5, 1.0, r, w).forward(e, t)),
        ("PosteriorNetworkLossModule", (e, t, r, w) => new PosteriorNetworkLossModule(0.5, r, w).forward(e, t)),
    };

    private static IEnumerable<TestCaseData> Cases()
    {
        for (int i = 0; i < Losses.Length; i++)
        foreach (var shape in new[] { new long[] { 0, 3 }, new long[] { 2, 3, 0 } })
        foreach (var target in new[] { "index", "index+weight", "probability" })
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
            yield return new TestCaseData(i, shape, target, dtype).SetArgDisplayNames(Losses[i].Name, Check.Shape(shape), target, dtype.ToString());
    }

    [TestCaseSource(nameof(Cases))]
    public void EmptyBatch_EveryLossAndReduction_EmptyOrZeroWithZeroGradient(int lossIndex, long[] shape, string targetKind, ScalarType dtype)
    {
        var (name, call) = Losses[lossIndex];
        var positionShape = new[] { shape[0] }.Concat(shape.Skip(2)).ToArray();
        foreach (var reduction in new[] { Reduction.None, Reduction.Sum, Reduction.Mean })
        {
            using var scope = NewDisposeScope();
            var input = zeros(shape, dtype).requires_grad_();
            var target = targetKind == "probability" ? zeros(shape, dtype) : zeros(positionShape, ScalarType.Int64);
            var weight = targetKind == "index+weight" ? Tensors.FromDoubles(new[] { 0.5, 1.0, 2.0 }, new long[] { 3 }, dtype) : null;
            var output = call(input, target, reduction, weight);
            Assert.That(output.dtype, Is.EqualTo(dtype), $"{name} {reduction}: dtype");
            if (reduction == Reduction.None)
            {
                Assert.That(output.shape, Is.EqualTo(positionShape), $"{name} None: the per-position shape");
                output.sum().backward();
            }
            else
            {
                Assert.That(output.shape, Is.Empty, $"{name} {reduction}: a scalar");
                Assert.That(output.to(ScalarType.Float64).item<double>(), Is.EqualTo(0.0), $"{name} {reduction} over no position is 0, not NaN");
                output.backward();
            }

            var grad = input.grad;
            Assert.That(grad is null || grad.IsInvalid || grad.numel() == 0, Is.True, $"{name} {reduction}: the gradient of an empty input is empty");
        }
    }

    private static class Check
    {
        public static string Shape(long[] shape) => "(" + string.Join(", ", shape) + ")";
    }
}
