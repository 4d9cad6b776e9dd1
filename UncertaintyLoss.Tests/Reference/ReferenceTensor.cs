namespace UncertaintyLoss.Tests.Reference;

/// <summary>
/// Layout helpers that apply the per-position formulas of <see cref="DirichletReference"/> to a
/// row-major tensor of shape (N, C, d1, …, dk) held in a <c>double[]</c> with a <c>long[]</c> shape.
/// </summary>
/// <remarks>
/// A position is an index tuple (n, d1, …, dk); its C-vector is gathered along dim 1. With
/// D = d1·…·dk and s the flat spatial index, element (n, j, s) lives at n·C·D + j·D + s, and the
/// per-position result (n, s) at n·D + s, i.e. results are row-major of shape (N, d1, …, dk)
/// (see <see cref="PositionShape"/>).
/// </remarks>
public static class ReferenceTensor
{
    /// <summary>Returns the shape (N, d1, …, dk) of per-position results for an input of shape (N, C, d1, …, dk).</summary>
    /// <param name="shape">Input shape with at least two dimensions.</param>
    /// <returns>A new shape array.</returns>
    public static long[] PositionShape(long[] shape)
    {
        CheckShape(shape);
        var result = new long[shape.Length - 1];
        result[0] = shape[0];
        Array.Copy(shape, 2, result, 1, shape.Length - 2);
        return result;
    }

    /// <summary>Applies <paramref name="f"/> to the C-vector of every position.</summary>
    /// <param name="evidence">Row-major data of shape <paramref name="shape"/>.</param>
    /// <param name="shape">(N, C, d1, …, dk).</param>
    /// <param name="f">Per-position function of the evidence vector.</param>
    /// <returns>Row-major results of shape (N, d1, …, dk).</returns>
    public static double[] PerPosition(double[] evidence, long[] shape, Func<double[], double> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return Map(evidence, shape, (vector, _) => f(vector));
    }

    /// <summary>Applies <paramref name="f"/> to every position's C-vector and its class-index target.</summary>
    /// <param name="evidence">Row-major data of shape <paramref name="shape"/>.</param>
    /// <param name="shape">(N, C, d1, …, dk).</param>
    /// <param name="target">Class indices, row-major of shape (N, d1, …, dk).</param>
    /// <param name="f">Per-position function of the evidence vector and the class index.</param>
    /// <returns>Row-major results of shape (N, d1, …, dk).</returns>
    public static double[] PerPosition(double[] evidence, long[] shape, long[] target, Func<double[], int, double> f)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(f);
        CheckLength(target.Length, Product(PositionShape(shape)), nameof(target));
        return Map(evidence, shape, (vector, position) => f(vector, checked((int)target[position])));
    }

    /// <summary>Applies <paramref name="f"/> to every position's C-vector and its probability-target C-vector.</summary>
    /// <param name="evidence">Row-major data of shape <paramref name="shape"/>.</param>
    /// <param name="shape">(N, C, d1, …, dk).</param>
    /// <param name="target">Probability targets, row-major of the same shape as <paramref name="evidence"/>.</param>
    /// <param name="f">Per-position function of the evidence vector and the target vector.</param>
    /// <returns>Row-major results of shape (N, d1, …, dk).</returns>
    public static double[] PerPosition(double[] evidence, long[] shape, double[] target, Func<double[], double[], double> f)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(f);
        CheckLength(target.Length, Product(shape), nameof(target));
        return Map(evidence, shape, (vector, position) => f(vector, Gather(target, shape, position)));
    }

    /// <summary>
    /// Applies a C-vector-valued <paramref name="f"/> (e.g. Dirichlet mean or mode) to every position
    /// and lays the results back out along dim 1.
    /// </summary>
    /// <param name="evidence">Row-major data of shape <paramref name="shape"/>.</param>
    /// <param name="shape">(N, C, d1, …, dk).</param>
    /// <param name="f">Per-position function returning a vector of length C.</param>
    /// <returns>Row-major results of shape (N, C, d1, …, dk).</returns>
    public static double[] PerPositionVector(double[] evidence, long[] shape, Func<double[], double[]> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var result = new double[Product(shape)];
        Map(evidence, shape, (vector, position) =>
        {
            double[] r = f(vector);
            CheckLength(r.Length, vector.Length, nameof(f));
            Scatter(r, result, shape, position);
            return 0.0;
        });
        return result;
    }

    /// <summary>Sum with Neumaier (improved Kahan) compensation.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The compensated sum (0 for an empty array).</returns>
    public static double Sum(double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        double sum = 0.0;
        double compensation = 0.0;
        foreach (double v in values)
        {
            double t = sum + v;
            compensation += Math.Abs(sum) >= Math.Abs(v) ? (sum - t) + v : (v - t) + sum;
            sum = t;
        }

        return sum + compensation;
    }

    /// <summary>Arithmetic mean via <see cref="Sum"/>.</summary>
    /// <param name="values">A non-empty array.</param>
    /// <returns>The mean.</returns>
    public static double Mean(double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0)
        {
            throw new ArgumentException("The mean of no values is undefined.", nameof(values));
        }

        return Sum(values) / values.Length;
    }

    private static double[] Map(double[] evidence, long[] shape, Func<double[], int, double> f)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        CheckShape(shape);
        CheckLength(evidence.Length, Product(shape), nameof(evidence));
        var result = new double[Product(PositionShape(shape))];
        for (int position = 0; position < result.Length; position++)
        {
            result[position] = f(Gather(evidence, shape, position), position);
        }

        return result;
    }

    private static double[] Gather(double[] data, long[] shape, int position)
    {
        int c = (int)shape[1];
        int d = SpatialSize(shape);
        int n = position / d;
        int s = position % d;
        var vector = new double[c];
        for (int j = 0; j < c; j++)
        {
            vector[j] = data[((n * c) + j) * d + s];
        }

        return vector;
    }

    private static void Scatter(double[] vector, double[] data, long[] shape, int position)
    {
        int c = (int)shape[1];
        int d = SpatialSize(shape);
        int n = position / d;
        int s = position % d;
        for (int j = 0; j < c; j++)
        {
            data[((n * c) + j) * d + s] = vector[j];
        }
    }

    private static int SpatialSize(long[] shape)
    {
        long d = 1;
        for (int i = 2; i < shape.Length; i++)
        {
            d *= shape[i];
        }

        return checked((int)d);
    }

    private static int Product(long[] shape)
    {
        long p = 1;
        foreach (long s in shape)
        {
            p = checked(p * s);
        }

        return checked((int)p);
    }

    private static void CheckShape(long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length < 2)
        {
            throw new ArgumentException("Shape must be (N, C, d1, …, dk) with at least two dimensions.", nameof(shape));
        }

        foreach (long s in shape)
        {
            if (s < 0)
            {
                throw new ArgumentException("Dimensions must be non-negative.", nameof(shape));
            }
        }
    }

    private static void CheckLength(int actual, int expected, string name)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"Expected {expected} elements, got {actual}.", name);
        }
    }
}
