using UncertaintyLoss.Tests.SculptTests;

namespace UncertaintyLoss.Tests.Regression;

/// <summary>One regression loss: its tensor parameters (reference at <see cref="Reference"/>) and a call with a reduction.</summary>
public sealed class EmptyBatchLoss
{
    public EmptyBatchLoss(string name, string[] parameters, int reference, Func<ISculptDistribution?, Tensor[], Reduction, Tensor> call, Family? family = null)
    {
        Name = name;
        Parameters = parameters;
        Reference = reference;
        Call = call;
        Family = family;
    }

    public string Name { get; }

    public string[] Parameters { get; }

    public int Reference { get; }

    /// <summary>(distribution or null, inputs, reduction) → the loss.</summary>
    public Func<ISculptDistribution?, Tensor[], Reduction, Tensor> Call { get; }

    /// <summary>The Sculpt family, or null for the UL functions.</summary>
    public Family? Family { get; }

    /// <summary>A valid value for every parameter (α must exceed 1, scales be positive; they are never read on an empty batch).</summary>
    public double Fill(int j) => Parameters[j] switch
    {
        "alpha" => 2.0,
        "y" or "target" or "yHat" or "mean" or "gamma" => 0.5,
        _ => 1.5,
    };

    public override string ToString() => Name;

    public static IReadOnlyList<EmptyBatchLoss> All { get; } = new[]
    {
        new EmptyBatchLoss("UL.BetaNll", new[] { "target", "mean", "variance" }, 1, (_, t, r) => UL.BetaNll(t[1], t[2], t[0], 0.5, r)),
        new EmptyBatchLoss("UL.EvidentialRegressionLoss", new[] { "target", "gamma", "nu", "alpha", "beta" }, 1,
            (_, t, r) => UL.EvidentialRegressionLoss(t[1], t[2], t[3], t[4], t[0], 0.1, r)),
    }.Concat(Enum.GetValues<Family>().Select(f =>
        new EmptyBatchLoss($"{f}.LossFunction", new[] { "y", "yHat", "yRisk" }, 1, (d, t, r) => d!.LossFunction(t[0], t[1], t[2], r), f))).ToArray();
}

/// <summary>
/// The empty-batch rule (issue 12, docs/sculpt.md "Shapes"): on zero elements every regression loss gives 0 for Mean
/// (not NaN, as torch.mean would) and Sum — a 0-dim tensor in the result dtype — and with None an empty tensor of the
/// reference's shape; backward gives zero gradients (empty ones for empty inputs), never NaN, also to parameters that
/// broadcast and to a learned Student-t's RawNu.
/// </summary>
[TestFixture]
public sealed class RegressionEmptyBatchTests
{
    /// <summary>Layouts: every input (0); or the reference and y (0, 3) with the parameters (3), which then broadcast.</summary>
    public static readonly string[] Layouts = { "all (0)", "(0, 3) with (3) parameters" };

    public static IEnumerable<TestCaseData> Cases() =>
        from loss in EmptyBatchLoss.All
        from reduction in new[] { Reduction.None, Reduction.Mean, Reduction.Sum }
        from dtype in new[] { ScalarType.Float32, ScalarType.Float64 }
        from layout in Layouts
        select new TestCaseData(loss, reduction, dtype, layout).SetArgDisplayNames(loss.Name, reduction.ToString(), dtype.ToString(), layout);

    private static long[] ShapeOf(EmptyBatchLoss loss, int j, string layout) =>
        layout == Layouts[0] ? new long[] { 0 }
        : j == loss.Reference || loss.Parameters[j] is "y" or "target" ? new long[] { 0, 3 }
        : new long[] { 3 };

    [TestCaseSource(nameof(Cases))]
    public void EmptyBatch_GivesDocumentedValueShapeDtypeAndZeroGradients(EmptyBatchLoss loss, Reduction reduction, ScalarType dtype, string layout)
    {
        var subject = loss.Family is { } family ? new Subject(family) : null;
        var d = subject?.Create(subject.HasNu ? 3.0 : double.NaN);
        try
        {
            using var scope = NewDisposeScope();
            var inputs = Enumerable.Range(0, loss.Parameters.Length)
                .Select(j => full(ShapeOf(loss, j, layout), loss.Fill(j), dtype).requires_grad_()).ToArray();
            long[] referenceShape = inputs[loss.Reference].shape;

            var result = loss.Call(d, inputs, reduction);

            Assert.That(result.dtype, Is.EqualTo(dtype));
            Assert.That(result.device_type, Is.EqualTo(inputs[loss.Reference].device_type));
            Assert.That(result.requires_grad, Is.True, "the result stays in the graph");
            if (reduction == Reduction.None)
            {
                Assert.That(result.shape, Is.EqualTo(referenceShape), "None: the reference's (empty) shape");
            }
            else
            {
                Assert.That(result.shape, Is.Empty, $"{reduction}: a 0-dim tensor");
                Assert.That(result.ToDouble(), Is.EqualTo(0.0), $"{reduction} over zero elements is 0");
            }

            (reduction == Reduction.None ? result.sum() : result).backward();
            for (int j = 0; j < inputs.Length; j++)
            {
                var grad = inputs[j].grad;
                Assert.That(grad, Is.Not.Null, $"{loss.Parameters[j]} gets a gradient");
                Assert.That(grad!.shape, Is.EqualTo(inputs[j].shape), loss.Parameters[j]);
                Assert.That(Tensors.ToDoubles(grad.reshape(-1)), Is.All.EqualTo(0.0), $"{loss.Parameters[j]}: zero, not NaN");
            }

            if (d is StudentTDistribution { RawNu: { } rawNu })
                Assert.That(rawNu.grad!.ToDouble(), Is.EqualTo(0.0), "RawNu: zero, not NaN");
        }
        finally
        {
            if (d is not null)
                Subject.Release(d);
        }
    }
}
