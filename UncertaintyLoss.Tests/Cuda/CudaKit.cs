namespace UncertaintyLoss.Tests.CudaKit;

/// <summary>A classification loss reduced as asked.</summary>
public delegate Tensor DeviceLoss(Tensor evidence, Tensor target, Reduction reduction);

/// <summary>Reference value at one position and the size of the terms that cancel in it (for the tolerance).</summary>
public readonly record struct Expected(double Value, double Magnitude);

/// <summary>
/// Comparisons of the library on a device against the double-precision reference (<see cref="DirichletReference"/>
/// applied through <see cref="ReferenceTensor"/>). The CUDA fixtures call these with <see cref="RequireCuda"/>.
/// </summary>
public static class DeviceReferenceChecks
{
    /// <summary>(N, C, d) = (3, 4, 2): an extra dimension, so positions are gathered along dim 1.</summary>
    public static readonly long[] Shape = { 3, 4, 2 };

    /// <summary>Zeros, fractions, moderate and large evidence (3000 stresses lgamma, digamma and trigamma).</summary>
    private static readonly double[] EvidenceValues =
    {
        0.0, 0.3, 1.0, 2.5, 5.0, 0.0, 12.0, 0.7,
        150.0, 0.0, 0.1, 3.0, 2.0, 9.0, 0.0, 4.5,
        0.0, 0.0, 0.0, 3000.0, 0.0, 1.25, 0.0, 0.0,
    };

    private static readonly long[] IndexValues = { 0, 3, 1, 2, 3, 0 };

    /// <summary>Logits in [−4, 4] for <see cref="UL.CrossEntropyUncertainty"/>.</summary>
    private static readonly double[] LogitValues =
    {
        -4.0, 0.3, 1.0, -2.5, 3.5, 0.0, -1.2, 0.7,
        2.0, -0.6, 0.1, 4.0, -3.0, 1.9, 0.0, -0.45,
        0.25, -1.0, 0.8, 2.2, -2.0, 1.25, 3.3, 0.05,
    };

    /// <summary>Returns the CUDA device, or skips the test without one (<see cref="Requires.Cuda"/>).</summary>
    public static Device RequireCuda() => Requires.Cuda();

    /// <summary>Probability targets: soft rows, one-hot rows and a two-class split, each summing to 1 over the classes.</summary>
    private static double[] ProbabilityValues()
    {
        double[][] rows =
        {
            new[] { 0.7, 0.1, 0.1, 0.1 },
            new[] { 0.0, 0.0, 0.0, 1.0 },
            new[] { 0.25, 0.25, 0.25, 0.25 },
            new[] { 0.0, 0.5, 0.5, 0.0 },
            new[] { 1.0, 0.0, 0.0, 0.0 },
            new[] { 0.05, 0.15, 0.3, 0.5 },
        };
        int c = (int)Shape[1], d = (int)Shape[2];
        var y = new double[EvidenceValues.Length];
        for (int position = 0; position < rows.Length; position++)
        {
            int n = position / d, s = position % d;
            for (int j = 0; j < c; j++)
                y[(n * c + j) * d + s] = rows[position][j];
        }

        return y;
    }

    /// <summary>What a tensor of <paramref name="dtype"/> holds for <paramref name="values"/>.</summary>
    private static double[] AsStored(double[] values, ScalarType dtype) =>
        dtype == ScalarType.Float32 ? Tensors.RoundToSingle(values) : values;

    /// <summary>A loss with class-index targets, every reduction, against the reference.</summary>
    public static void LossWithIndexTargetMatches(Device device, ScalarType dtype, DeviceLoss loss, Func<double[], int, Expected> reference)
    {
        using var scope = NewDisposeScope();
        var evidence = Tensors.FromDoubles(EvidenceValues, Shape, dtype, device);
        var target = Tensors.FromLongs(IndexValues, ReferenceTensor.PositionShape(Shape), device);
        var stored = AsStored(EvidenceValues, dtype);
        var value = ReferenceTensor.PerPosition(stored, Shape, IndexValues, (e, c) => reference(e, c).Value);
        var magnitude = ReferenceTensor.PerPosition(stored, Shape, IndexValues, (e, c) => reference(e, c).Magnitude);
        AssertEveryReduction(device, dtype, r => loss(evidence, target, r), value, magnitude);
    }

    /// <summary>A loss with probability targets (of the evidence's dtype), every reduction, against the reference.</summary>
    public static void LossWithProbabilityTargetMatches(Device device, ScalarType dtype, DeviceLoss loss, Func<double[], double[], Expected> reference)
    {
        using var scope = NewDisposeScope();
        var y = ProbabilityValues();
        var evidence = Tensors.FromDoubles(EvidenceValues, Shape, dtype, device);
        var target = Tensors.FromDoubles(y, Shape, dtype, device);
        var stored = AsStored(EvidenceValues, dtype);
        var storedY = AsStored(y, dtype);
        var value = ReferenceTensor.PerPosition(stored, Shape, storedY, (e, t) => reference(e, t).Value);
        var magnitude = ReferenceTensor.PerPosition(stored, Shape, storedY, (e, t) => reference(e, t).Magnitude);
        AssertEveryReduction(device, dtype, r => loss(evidence, target, r), value, magnitude);
    }

    /// <summary>A per-position measure of the evidence (or of the logits) against the reference.</summary>
    public static void MeasureMatches(Device device, ScalarType dtype, Func<Tensor, Tensor> measure, Func<double[], Expected> reference, bool logits = false)
    {
        using var scope = NewDisposeScope();
        var source = logits ? LogitValues : EvidenceValues;
        var input = Tensors.FromDoubles(source, Shape, dtype, device);
        var stored = AsStored(source, dtype);
        var value = ReferenceTensor.PerPosition(stored, Shape, e => reference(e).Value);
        var magnitude = ReferenceTensor.PerPosition(stored, Shape, e => reference(e).Magnitude);
        var actual = measure(input);
        AssertOnDevice(actual, device, dtype);
        AssertClose(actual, ReferenceTensor.PositionShape(Shape), value, magnitude, dtype, "per position");
    }

    /// <summary>A measure that returns a class-probability vector per position (mean, mode) against the reference.</summary>
    public static void VectorMeasureMatches(Device device, ScalarType dtype, Func<Tensor, Tensor> measure, Func<double[], double[]> reference)
    {
        using var scope = NewDisposeScope();
        var input = Tensors.FromDoubles(EvidenceValues, Shape, dtype, device);
        var expected = ReferenceTensor.PerPositionVector(AsStored(EvidenceValues, dtype), Shape, reference);
        var actual = measure(input);
        AssertOnDevice(actual, device, dtype);
        AssertClose(actual, Shape, expected, new double[expected.Length], dtype, "per element");
    }

    /// <summary><see cref="UL.ClampedExp"/> elementwise against exp(clamp(x)).</summary>
    public static void ClampedExpMatches(Device device, ScalarType dtype, double clamp)
    {
        using var scope = NewDisposeScope();
        var x = new[] { -30.0, -10.5, -10.0, -2.0, -0.25, 0.0, 0.125, 1.0, 3.5, 9.99, 10.0, 11.0, 25.0, 1e4 };
        var input = Tensors.FromDoubles(x, new long[] { 2, 7 }, dtype, device);
        var expected = AsStored(x, dtype).Select(v => Math.Exp(Math.Clamp(v, -clamp, clamp))).ToArray();
        var actual = UL.ClampedExp(input, clamp);
        AssertOnDevice(actual, device, dtype);
        AssertClose(actual, new long[] { 2, 7 }, expected, new double[expected.Length], dtype, "per element");
    }

    private static void AssertEveryReduction(Device device, ScalarType dtype, Func<Reduction, Tensor> call, double[] value, double[] magnitude)
    {
        var scale = value.Zip(magnitude, (v, m) => Math.Max(Math.Abs(v), m)).ToArray();

        var none = call(Reduction.None);
        AssertOnDevice(none, device, dtype);
        AssertClose(none, ReferenceTensor.PositionShape(Shape), value, magnitude, dtype, "Reduction.None");

        var sum = call(Reduction.Sum);
        AssertOnDevice(sum, device, dtype);
        AssertClose(sum, Array.Empty<long>(), new[] { ReferenceTensor.Sum(value) }, new[] { ReferenceTensor.Sum(scale) }, dtype, "Reduction.Sum");

        var mean = call(Reduction.Mean);
        AssertOnDevice(mean, device, dtype);
        AssertClose(mean, Array.Empty<long>(), new[] { ReferenceTensor.Mean(value) }, new[] { ReferenceTensor.Mean(scale) }, dtype, "Reduction.Mean");
    }

    private static void AssertOnDevice(Tensor actual, Device device, ScalarType dtype)
    {
        Assert.That(actual.device_type, Is.EqualTo(device.type), "The result must stay on the input's device.");
        Assert.That(actual.dtype, Is.EqualTo(dtype), "The result must have the input's dtype.");
    }

    private static void AssertClose(Tensor actual, long[] shape, double[] expected, double[] magnitude, ScalarType dtype, string what)
    {
        Assert.That(actual.shape, Is.EqualTo(shape), what);
        var values = Tensors.ToDoubles(actual);
        Assert.That(values, Has.Length.EqualTo(expected.Length), what);
        for (int i = 0; i < values.Length; i++)
        {
            Assert.That(Tolerance.Close(values[i], expected[i], dtype, magnitude[i]), Is.True,
                () => $"{what}, element {i}: {values[i]:R} vs reference {expected[i]:R} (magnitude {magnitude[i]:R}, {dtype}).");
        }
    }
}

/// <summary>Per-position reference values with the magnitudes that scale their tolerances.</summary>
public static class ReferenceValues
{
    private static double[] OneHot(double[] e, int c) => DirichletReference.OneHot(c, e.Length);

    public static Expected Mse(double[] e, double[] y) => new(DirichletReference.DirichletMse(e, y), 0.0);

    public static Expected Kl(double[] e, double[] y) =>
        new(DirichletReference.UniformDirichletKl(e, y), DirichletReference.UniformDirichletKlMagnitude(e, y));

    public static Expected Evidential(double[] e, double[] y, double regFactor)
    {
        var mse = Mse(e, y);
        var kl = Kl(e, y);
        return new(mse.Value + regFactor * kl.Value, mse.Value + regFactor * kl.Magnitude);
    }

    public static Expected PNorm(double[] e, double[] y, int p) => new(DirichletReference.DirichletPNorm(e, y, p), 0.0);

    public static Expected Fisher(double[] e, double[] y, FisherAlphaSum alphaSum)
    {
        bool paper = alphaSum == FisherAlphaSum.ExcludingTrueClass;
        return new(DirichletReference.FisherRegularizer(e, y, paper), DirichletReference.FisherMagnitude(e, y, paper));
    }

    public static Expected MaxNorm(double[] e, double[] y, double regFactor, int p, FisherAlphaSum alphaSum)
    {
        var pNorm = PNorm(e, y, p);
        var fisher = Fisher(e, y, alphaSum);
        return new(pNorm.Value + regFactor * fisher.Value, pNorm.Value + regFactor * fisher.Magnitude);
    }

    public static Func<double[], int, Expected> ForIndex(Func<double[], double[], Expected> f) => (e, c) => f(e, OneHot(e, c));

    public static Expected TotalUncertainty(double[] e, bool normalize) =>
        new(DirichletReference.PredictiveEntropy(e, normalize),
            DirichletReference.EntropyMagnitude(e) / (normalize ? Math.Log(e.Length) : 1.0));

    public static Expected MutualInformation(double[] e) => new(DirichletReference.MutualInformation(e), DirichletReference.EntropyMagnitude(e));

    public static Expected ExpectedEntropy(double[] e) => new(DirichletReference.ExpectedEntropy(e), DirichletReference.EntropyMagnitude(e));

    /// <summary>Softmax entropy; scaled by ln C, its largest value, since log_softmax loses relative accuracy for confident rows.</summary>
    public static Expected SoftmaxEntropy(double[] logits) => new(DirichletReference.SoftmaxEntropy(logits), Math.Log(logits.Length));

    public static Expected Vacuity(double[] e) => new(DirichletReference.Vacuity(e), 0.0);
}
