using System;
using System.Linq;
using NUnit.Framework;
using TorchSharp;
using UncertaintyLoss.Tests.Reference;
using UncertaintyLoss.Tests.TestSupport;
using static TorchSharp.torch;
using Reduction = TorchSharp.torch.nn.Reduction;

namespace UncertaintyLoss.Tests.ValidationKit;

/// <summary>A classification loss reduced as asked.</summary>
public delegate Tensor LossCall(Tensor evidence, Tensor target, Reduction reduction);

/// <summary>Checks that valid but unusual inputs (empty batches, narrow index dtypes, half precision) are accepted.</summary>
public static class ValidInputChecks
{
    /// <summary>Evidence (4, 3, 2) with zeros, fractions and one large value; Float64.</summary>
    private static readonly double[] EvidenceValues =
    {
        0.0, 1.5, 2.0, 0.25, 7.0, 0.0,
        3.0, 0.0, 0.5, 12.0, 1.0, 4.0,
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        40.0, 0.75, 2.5, 1.0, 0.0, 9.0,
    };

    private static readonly long[] EvidenceShape = { 4, 3, 2 };

    private static readonly long[] IndexValues = { 0, 2, 1, 1, 2, 0, 0, 2 };

    private static Tensor Evidence(ScalarType dtype) => Tensors.FromDoubles(EvidenceValues, EvidenceShape, dtype);

    private static Tensor Index() => Tensors.FromLongs(IndexValues, new long[] { 4, 2 });

    /// <summary>A probability target of the evidence's shape: uniform-ish rows mixed with one-hot rows.</summary>
    private static Tensor Probabilities(ScalarType dtype)
    {
        var y = new double[24];
        for (int position = 0; position < 8; position++)
        {
            int n = position / 2, s = position % 2;
            double[] row = position % 3 == 0 ? new[] { 0.0, 0.0, 1.0 } : new[] { 0.5, 0.25, 0.25 };
            for (int j = 0; j < 3; j++)
                y[(n * 3 + j) * 2 + s] = row[j];
        }

        return Tensors.FromDoubles(y, EvidenceShape, dtype);
    }

    /// <summary>N = 0 (or an empty spatial dimension): None gives an empty result, Sum gives 0, Mean a scalar.</summary>
    public static void EmptyBatchAccepted(LossCall loss, long[] evidenceShape, bool probabilityTarget, Reduction reduction)
    {
        using var scope = NewDisposeScope();
        var evidence = zeros(evidenceShape, ScalarType.Float32);
        var positionShape = ReferenceTensor.PositionShape(evidenceShape);
        var target = probabilityTarget ? zeros(evidenceShape, ScalarType.Float32) : zeros(positionShape, ScalarType.Int64);

        Tensor? result = null;
        Assert.DoesNotThrow(() => result = loss(evidence, target, reduction));
        Assert.That(result!.dtype, Is.EqualTo(ScalarType.Float32));
        switch (reduction)
        {
            case Reduction.None:
                Assert.That(result.shape, Is.EqualTo(positionShape));
                break;
            case Reduction.Sum:
                Assert.That(result.shape, Is.Empty);
                Assert.That(result.item<float>(), Is.EqualTo(0f), "The sum over no positions is 0.");
                break;
            default:
                Assert.That(result.shape, Is.Empty, "Mean over no positions is a scalar.");
                Assert.That(result.item<float>(), Is.EqualTo(0f), "The mean over no positions is 0 (docs/conventions.md, \"Empty batches\").");
                break;
        }
    }

    /// <summary>An empty batch gives an empty result of the right shape for the one-tensor measures.</summary>
    public static void EmptyBatchAccepted(Func<Tensor, Tensor> measure, long[] evidenceShape, bool keepsClassDimension)
    {
        using var scope = NewDisposeScope();
        var evidence = zeros(evidenceShape, ScalarType.Float64);
        Tensor? result = null;
        Assert.DoesNotThrow(() => result = measure(evidence));
        var expectedShape = keepsClassDimension ? evidenceShape : ReferenceTensor.PositionShape(evidenceShape);
        Assert.That(result!.shape, Is.EqualTo(expectedShape));
        Assert.That(result.dtype, Is.EqualTo(ScalarType.Float64));
    }

    /// <summary>Int32, Int16, Int8 and Byte class indices give exactly the Int64 result.</summary>
    public static void NarrowIndexMatchesInt64(LossCall loss, ScalarType indexType)
    {
        using var scope = NewDisposeScope();
        var evidence = Evidence(ScalarType.Float64);
        var index64 = Index();
        var narrow = index64.to(indexType);
        Assume.That(narrow.dtype, Is.EqualTo(indexType));

        foreach (var reduction in new[] { Reduction.None, Reduction.Sum, Reduction.Mean })
        {
            Tensor? actual = null;
            Assert.DoesNotThrow(() => actual = loss(evidence, narrow, reduction), $"{indexType} class indices must be accepted.");
            var expected = loss(evidence, index64, reduction);
            Assert.That(actual!.shape, Is.EqualTo(expected.shape));
            Assert.That(Tensors.ToDoubles(actual), Is.EqualTo(Tensors.ToDoubles(expected)), $"reduction {reduction}");
        }
    }

    /// <summary>Half-precision evidence: accepted, the result keeps the dtype, the values match a Float32 evaluation.</summary>
    public static void HalfEvidenceKeepsDtype(LossCall loss, ScalarType half, bool probabilityTarget)
    {
        using var scope = NewDisposeScope();
        var evidence = Evidence(half);
        var target = probabilityTarget ? Probabilities(half) : Index();
        var evidence32 = evidence.to(ScalarType.Float32);
        var target32 = probabilityTarget ? target.to(ScalarType.Float32) : target;

        foreach (var reduction in new[] { Reduction.None, Reduction.Mean })
        {
            Tensor? actual = null;
            Assert.DoesNotThrow(() => actual = loss(evidence, target, reduction), $"{half} evidence must be accepted.");
            Assert.That(actual!.dtype, Is.EqualTo(half), "The result keeps the evidence's dtype.");
            AssertHalfClose(actual, loss(evidence32, target32, reduction), half);
        }
    }

    /// <summary>As <see cref="HalfEvidenceKeepsDtype(LossCall, ScalarType, bool)"/> for a one-tensor measure.</summary>
    public static void HalfEvidenceKeepsDtype(Func<Tensor, Tensor> measure, ScalarType half)
    {
        using var scope = NewDisposeScope();
        var evidence = Evidence(half);
        Tensor? actual = null;
        Assert.DoesNotThrow(() => actual = measure(evidence), $"{half} evidence must be accepted.");
        Assert.That(actual!.dtype, Is.EqualTo(half), "The result keeps the evidence's dtype.");
        AssertHalfClose(actual, measure(evidence.to(ScalarType.Float32)), half);
    }

    /// <summary>Values agree to the half type's rounding (2^-10 relative for Float16, 2^-7 for BFloat16).</summary>
    private static void AssertHalfClose(Tensor actual, Tensor expected32, ScalarType half)
    {
        Assert.That(actual.shape, Is.EqualTo(expected32.shape));
        double rtol = half == ScalarType.Float16 ? 1.0 / 1024 : 1.0 / 128;
        var a = Tensors.ToDoubles(actual);
        var e = Tensors.ToDoubles(expected32);
        Assert.That(e.All(double.IsFinite), Is.True, "The Float32 evaluation should be finite.");
        for (int i = 0; i < a.Length; i++)
            Assert.That(a[i], Is.EqualTo(e[i]).Within(rtol * Math.Abs(e[i]) + 1e-5), $"element {i}");
    }
}
