namespace UncertaintyLoss.Tests.TestSupport;

/// <summary>Moving data between TorchSharp tensors and the double arrays of the reference implementation.</summary>
public static class Tensors
{
    /// <summary>Row-major values of <paramref name="t"/> as doubles (any dtype, any device).</summary>
    public static double[] ToDoubles(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
    }

    /// <summary>Row-major values of an integer tensor.</summary>
    public static long[] ToLongs(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().to(ScalarType.Int64).cpu().contiguous().data<long>().ToArray();
    }

    /// <summary>A tensor of <paramref name="dtype"/> on <paramref name="device"/> holding <paramref name="values"/>.</summary>
    public static Tensor FromDoubles(double[] values, long[] shape, ScalarType dtype = ScalarType.Float64, Device? device = null)
    {
        using var scope = NewDisposeScope();
        return tensor(values, shape, ScalarType.Float64).to(dtype, device ?? CPU).MoveToOuterDisposeScope();
    }

    /// <summary>An Int64 tensor on <paramref name="device"/> holding <paramref name="values"/>.</summary>
    public static Tensor FromLongs(long[] values, long[] shape, Device? device = null)
    {
        using var scope = NewDisposeScope();
        return tensor(values, shape, ScalarType.Int64).to(device ?? CPU).MoveToOuterDisposeScope();
    }

    /// <summary>Values rounded to Float32 and back, so that a reference sees exactly what a Float32 tensor holds.</summary>
    public static double[] RoundToSingle(double[] values) => values.Select(v => (double)(float)v).ToArray();
}

/// <summary>Tolerances: ~1e-10 relative for Float64, ~1e-5 for Float32, scaled by the magnitude of the terms that cancel.</summary>
public static class Tolerance
{
    public static double Relative(ScalarType dtype) => dtype == ScalarType.Float32 ? 1e-5 : 1e-10;

    /// <summary>True when |actual − expected| ≤ rtol · max(|expected|, magnitude, tiny).</summary>
    public static bool Close(double actual, double expected, ScalarType dtype, double magnitude = 0.0)
    {
        if (double.IsNaN(actual) || double.IsNaN(expected))
            return false;
        double scale = Math.Max(Math.Abs(expected), magnitude);
        return Math.Abs(actual - expected) <= Relative(dtype) * scale + double.Epsilon;
    }
}
