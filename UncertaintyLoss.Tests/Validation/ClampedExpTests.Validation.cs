using System;
using NUnit.Framework;
using TorchSharp;
using UncertaintyLoss.Tests.TestSupport;
using UncertaintyLoss.Tests.ValidationKit;
using static TorchSharp.torch;

namespace UncertaintyLoss.Tests;

/// <summary>Argument validation of <see cref="UL.ClampedExp"/>: bad inputs are rejected exactly, valid edge inputs accepted.</summary>
public partial class ClampedExpTests
{
    /// <summary>Every bad row of <see cref="BadInputTables.ClampedExpRows"/> is rejected with the exact exception.</summary>
    [Category("Validation")]
    [TestCaseSource(typeof(BadInputTables), nameof(BadInputTables.ClampedExpRows))]
    public void ClampedExp_InvalidX_ThrowsExactArgumentException(BadInputRow row) =>
        row.AssertRejectedBy(x => UL.ClampedExp(x));

    [Category("Validation")]
    [TestCaseSource(typeof(BadOptions), nameof(BadOptions.Clamps))]
    public void ClampedExp_NegativeOrNaNClamp_ThrowsArgumentOutOfRangeException(double clamp)
    {
        using var scope = NewDisposeScope();
        var x = BadTensors.Evidence43();
        ArgumentAssert.OutOfRange("clamp", clamp, () => UL.ClampedExp(x, clamp));
    }

    /// <summary>An infinite clamp is no clamp at all: plain exp, overflowing to +inf like exp itself.</summary>
    [Category("Validation")]
    [Test]
    public void ClampedExp_InfiniteClamp_IsAcceptedAndEqualsExp()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { -800.0, -1.0, 0.0, 20.0, 800.0 });
        Tensor? y = null;
        Assert.DoesNotThrow(() => y = UL.ClampedExp(x, double.PositiveInfinity));
        Assert.That(Tensors.ToDoubles(y!), Is.EqualTo(new[] { Math.Exp(-800.0), Math.Exp(-1.0), 1.0, Math.Exp(20.0), double.PositiveInfinity }));
    }

    /// <summary>Any shape is valid for ClampedExp, including rank 0 and empty tensors; the shape and dtype are kept.</summary>
    [Category("Validation")]
    [TestCase(new long[0])]
    [TestCase(new long[] { 0 })]
    [TestCase(new long[] { 0, 3 })]
    [TestCase(new long[] { 5 })]
    [TestCase(new long[] { 2, 1, 3 })]
    public void ClampedExp_AnyShape_IsAcceptedAndKeepsShape(long[] shape)
    {
        using var scope = NewDisposeScope();
        var x = full(shape, 50.0, ScalarType.Float64);
        Tensor? y = null;
        Assert.DoesNotThrow(() => y = UL.ClampedExp(x));
        Assert.That(y!.shape, Is.EqualTo(shape));
        Assert.That(y.dtype, Is.EqualTo(ScalarType.Float64));
        if (y.numel() > 0)
            Assert.That(y.max().item<double>(), Is.EqualTo(Math.Exp(10.0)).Within(1e-12 * Math.Exp(10.0)), "x = 50 is clamped to the default 10.");
    }

    [Category("Validation")]
    [TestCase(ScalarType.Float16)]
    [TestCase(ScalarType.BFloat16)]
    public void ClampedExp_HalfPrecisionX_KeepsDtypeAndValues(ScalarType half)
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { -12.0, -2.0, 0.0, 0.5, 3.0, 15.0 }).to(half);
        Tensor? y = null;
        Assert.DoesNotThrow(() => y = UL.ClampedExp(x, 8.0));
        Assert.That(y!.dtype, Is.EqualTo(half));
        var xs = Tensors.ToDoubles(x);
        var ys = Tensors.ToDoubles(y);
        double rtol = half == ScalarType.Float16 ? 1.0 / 1024 : 1.0 / 128;
        for (int i = 0; i < xs.Length; i++)
        {
            double expected = Math.Exp(Math.Clamp(xs[i], -8.0, 8.0));
            Assert.That(ys[i], Is.EqualTo(expected).Within(rtol * expected), $"element {i}");
        }
    }
}
