using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace UncertaintyLoss.Tests.Regression;

/// <summary>
/// Double-precision references of the regression functions, written independently of the library: the Gaussian and
/// Student-t log-densities come from MathNet, the closed forms use <see cref="SpecialFunctions.GammaLn"/>.
/// </summary>
public static class RegressionReference
{
    private static readonly double HalfLog2Pi = 0.5 * Math.Log(2 * Math.PI);

    /// <summary>softplus(x) = ln(1 + eˣ), without overflow or cancellation.</summary>
    public static double Softplus(double x) => x > 0 ? x + LogOnePlus(Math.Exp(-x)) : LogOnePlus(Math.Exp(x));

    /// <summary>ln(1 + t) to a few ulps (Goldberg's trick).</summary>
    public static double LogOnePlus(double t)
    {
        double u = 1 + t;
        return u == 1 ? t : Math.Log(u) * t / (u - 1);
    }

    public static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    /// <summary>The Gaussian NLL −ln N(y; μ, v) (MathNet).</summary>
    public static double GaussianNll(double y, double mean, double variance) => -new Normal(mean, Math.Sqrt(variance)).DensityLn(y);

    /// <summary>β-NLL: −ln N(y; μ, v) · v^β (MathNet's density).</summary>
    public static double BetaNll(double y, double mean, double variance, double beta) =>
        GaussianNll(y, mean, variance) * Math.Pow(variance, beta);

    /// <summary>β-NLL with the weight w = v₀^β held fixed (the stop-gradient): what autograd must differentiate.</summary>
    public static double BetaNllFixedWeight(double y, double mean, double variance, double weight) =>
        weight * (0.5 * Math.Log(variance) + HalfLog2Pi + (y - mean) * (y - mean) / (2 * variance));

    /// <summary>Size of the terms of the β-NLL that may cancel.</summary>
    public static double BetaNllMagnitude(double y, double mean, double variance, double beta) =>
        (0.5 * Math.Abs(Math.Log(variance)) + HalfLog2Pi + (y - mean) * (y - mean) / (2 * variance)) * Math.Pow(variance, beta);

    /// <summary>Closed-form ∂/∂μ of the β-NLL with the weight detached: −w (y − μ)/v.</summary>
    public static double BetaNllMeanGradient(double y, double mean, double variance, double beta) =>
        -Math.Pow(variance, beta) * (y - mean) / variance;

    /// <summary>Closed-form ∂/∂v of the β-NLL with the weight detached: w (1/(2v) − (y − μ)²/(2v²)).</summary>
    public static double BetaNllVarianceGradient(double y, double mean, double variance, double beta) =>
        Math.Pow(variance, beta) * (1 / (2 * variance) - (y - mean) * (y - mean) / (2 * variance * variance));

    /// <summary>Scale of the Student-t marginal of the NIG: √(β(1 + ν)/(να)).</summary>
    public static double StudentTScale(double nu, double alpha, double beta) => Math.Sqrt(beta * (1 + nu) / (nu * alpha));

    /// <summary>NIG NLL as −ln StudentT(y; γ, √(β(1+ν)/(να)), 2α) (MathNet).</summary>
    public static double NigNllStudentT(double y, double gamma, double nu, double alpha, double beta) =>
        -new StudentT(gamma, StudentTScale(nu, alpha, beta), 2 * alpha).DensityLn(y);

    /// <summary>NIG NLL in Amini et al.'s closed form (eq. 8), with MathNet's GammaLn.</summary>
    public static double NigNllClosedForm(double y, double gamma, double nu, double alpha, double beta)
    {
        double omega = 2 * beta * (1 + nu);
        double e = y - gamma;
        return 0.5 * Math.Log(Math.PI / nu) - alpha * Math.Log(omega) + (alpha + 0.5) * Math.Log(e * e * nu + omega)
               + SpecialFunctions.GammaLn(alpha) - SpecialFunctions.GammaLn(alpha + 0.5);
    }

    /// <summary>Sum of the absolute values of the closed form's terms (they cancel for large α).</summary>
    public static double NigNllMagnitude(double y, double gamma, double nu, double alpha, double beta)
    {
        double omega = 2 * beta * (1 + nu);
        double e = y - gamma;
        return Math.Abs(0.5 * Math.Log(Math.PI / nu)) + Math.Abs(alpha * Math.Log(omega)) + Math.Abs((alpha + 0.5) * Math.Log(e * e * nu + omega))
               + Math.Abs(SpecialFunctions.GammaLn(alpha)) + Math.Abs(SpecialFunctions.GammaLn(alpha + 0.5));
    }

    /// <summary>The evidence regulariser |y − γ|(2ν + α).</summary>
    public static double NigRegularizer(double y, double gamma, double nu, double alpha) => Math.Abs(y - gamma) * (2 * nu + alpha);

    /// <summary>
    /// The NIG marginal density by quadrature: p(y) = ∫∫ N(y; μ, σ²) N(μ; γ, σ²/ν) InvGamma(σ²; α, β) dμ dσ². The inner
    /// integral over μ is numerical too (128-point Gauss–Legendre over ±12 standard deviations of the product of the two
    /// Gaussians in μ), the outer over t = ln σ² ∈ [−40, 40] double-exponential.
    /// </summary>
    public static double NigMarginalByQuadrature(double y, double gamma, double nu, double alpha, double beta)
    {
        var inverseGamma = new InverseGamma(alpha, beta);
        double Inner(double variance)
        {
            double sigma = Math.Sqrt(variance);
            double priorSd = sigma / Math.Sqrt(nu);
            // The integrand in μ is a product of two Gaussians: centre the window on their product's mean.
            double precision = 1 / variance + nu / variance;
            double centre = (y / variance + gamma * nu / variance) / precision;
            double width = 12 / Math.Sqrt(precision);
            return Integrate.GaussLegendre(mu => Normal.PDF(mu, sigma, y) * Normal.PDF(gamma, priorSd, mu), centre - width, centre + width, 128);
        }

        // σ² = eᵗ, dσ² = eᵗ dt.
        return Integrate.DoubleExponential(t =>
        {
            double variance = Math.Exp(t);
            double density = inverseGamma.Density(variance);
            return density == 0 ? 0 : Inner(variance) * density * variance;
        }, -40, 40, 1e-14);
    }

    /// <summary>Average ranks (1-based), ties sharing the mean of their ranks.</summary>
    public static double[] Ranks(IReadOnlyList<double> values)
    {
        int n = values.Count;
        var order = Enumerable.Range(0, n).OrderBy(i => values[i]).ToArray();
        var ranks = new double[n];
        int start = 0;
        while (start < n)
        {
            int end = start;
            while (end + 1 < n && values[order[end + 1]] == values[order[start]])
                end++;
            double rank = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++)
                ranks[order[k]] = rank;
            start = end + 1;
        }

        return ranks;
    }

    /// <summary>Pearson correlation of two equally long samples.</summary>
    public static double Pearson(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count || a.Count < 2)
            throw new ArgumentException("Expected two samples of the same length, at least 2.");
        double ma = a.Average(), mb = b.Average();
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Count; i++)
        {
            double da = a[i] - ma, db = b[i] - mb;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
        }

        return sab / Math.Sqrt(saa * sbb);
    }

    /// <summary>Spearman rank correlation: the Pearson correlation of the average ranks.</summary>
    public static double Spearman(IReadOnlyList<double> a, IReadOnlyList<double> b) => Pearson(Ranks(a), Ranks(b));

    /// <summary>Neumaier-compensated sum.</summary>
    public static double Sum(IEnumerable<double> values)
    {
        double sum = 0, c = 0;
        foreach (double v in values)
        {
            double t = sum + v;
            c += Math.Abs(sum) >= Math.Abs(v) ? (sum - t) + v : (v - t) + sum;
            sum = t;
        }

        return sum + c;
    }

    /// <summary>(4·D(h) − D(2h))/3 with D the central differences of <see cref="FiniteDifference.CentralGradient"/>, h = 1e-4·max(1, |x|).</summary>
    public static double[] RichardsonGradient(Func<double[], double> f, double[] x)
    {
        double[] fine = FiniteDifference.CentralGradient(f, x, relativeStep: 1e-4);
        double[] coarse = FiniteDifference.CentralGradient(f, x, relativeStep: 2e-4);
        return fine.Select((g, i) => (4 * g - coarse[i]) / 3).ToArray();
    }

    public static string R(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>PyTorch's broadcasting rules for the reference: the broadcast shape and, per input, the source of every output element.</summary>
public static class Broadcasting
{
    public static long Numel(long[] shape) => shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The broadcast shape, or null when the shapes do not broadcast.</summary>
    public static long[]? Shape(params long[][] shapes)
    {
        int rank = shapes.Max(s => s.Length);
        var result = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long size = 1;
            foreach (var s in shapes)
            {
                int j = i - (rank - s.Length);
                long d = j < 0 ? 1 : s[j];
                if (d == 1)
                    continue;
                if (size != 1 && size != d)
                    return null;
                size = d;
            }

            result[i] = size;
        }

        return result;
    }

    /// <summary>For each output element (row-major over <paramref name="output"/>), the flat index of its source in an input of <paramref name="input"/>.</summary>
    public static int[] SourceIndex(long[] output, long[] input)
    {
        int n = (int)Numel(output);
        var map = new int[n];
        var index = new long[output.Length];
        for (int k = 0; k < n; k++)
        {
            long rem = k;
            for (int d = output.Length - 1; d >= 0; d--)
            {
                index[d] = rem % output[d];
                rem /= output[d];
            }

            long flat = 0;
            int offset = output.Length - input.Length;
            for (int d = 0; d < input.Length; d++)
                flat = flat * input[d] + (input[d] == 1 ? 0 : index[d + offset]);
            map[k] = (int)flat;
        }

        return map;
    }

    public static string Format(long[] shape) => "[" + string.Join(", ", shape) + "]";
}

/// <summary>
/// A generated call: several broadcastable inputs (each with its own shape, values and dtype), a reduction and a scalar
/// option (β of the β-NLL, λ of the evidential loss). Values are already rounded to the dtype of their tensor.
/// </summary>
public sealed class BroadcastCase
{
    public BroadcastCase(long[][] shapes, double[][] values, ScalarType[] dtypes, Reduction reduction, double option)
    {
        Shapes = shapes;
        Dtypes = dtypes;
        Values = values.Select((v, i) => dtypes[i] == ScalarType.Float32 ? Tensors.RoundToSingle(v) : v).ToArray();
        Reduction = reduction;
        Option = option;
        OutputShape = Broadcasting.Shape(shapes) ?? throw new ArgumentException("The shapes do not broadcast.");
        Maps = shapes.Select(s => Broadcasting.SourceIndex(OutputShape, s)).ToArray();
    }

    public long[][] Shapes { get; }

    public double[][] Values { get; }

    public ScalarType[] Dtypes { get; }

    public Reduction Reduction { get; }

    public double Option { get; }

    public long[] OutputShape { get; }

    public int[][] Maps { get; }

    public int Count => (int)Broadcasting.Numel(OutputShape);

    /// <summary>Float64 if any input is, else Float32 (docs/sculpt.md).</summary>
    public ScalarType OutputDtype => Dtypes.Contains(ScalarType.Float64) ? ScalarType.Float64 : ScalarType.Float32;

    public BroadcastCase With(Reduction? reduction = null, ScalarType? dtype = null) =>
        new(Shapes, Values, dtype is { } d ? Dtypes.Select(_ => d).ToArray() : Dtypes, reduction ?? Reduction, Option);

    public Tensor Tensor(int input, bool requiresGrad = false)
    {
        var t = Tensors.FromDoubles(Values[input], Shapes[input], Dtypes[input]);
        return requiresGrad ? t.requires_grad_(true) : t;
    }

    public Tensor[] AllTensors(bool requiresGrad = false) => Enumerable.Range(0, Shapes.Length).Select(i => Tensor(i, requiresGrad)).ToArray();

    /// <summary>The arguments of output element <paramref name="k"/>, taken from <paramref name="values"/> (default: this case's).</summary>
    public double[] Arguments(int k, double[][]? values = null)
    {
        values ??= Values;
        return Enumerable.Range(0, Shapes.Length).Select(j => values[j][Maps[j][k]]).ToArray();
    }

    /// <summary>Applies <paramref name="f"/> to the arguments of every output element.</summary>
    public double[] PerElement(Func<double[], double> f, double[][]? values = null) =>
        Enumerable.Range(0, Count).Select(k => f(Arguments(k, values))).ToArray();

    /// <summary>The inputs' values concatenated (for finite differences) and split back.</summary>
    public double[] Flatten() => Values.SelectMany(v => v).ToArray();

    public double[][] Split(double[] flat)
    {
        var result = new double[Values.Length][];
        int offset = 0;
        for (int j = 0; j < Values.Length; j++)
        {
            result[j] = flat.AsSpan(offset, Values[j].Length).ToArray();
            offset += Values[j].Length;
        }

        return result;
    }

    /// <summary>Reduces per-element values as <see cref="Reduction"/> does (compensated).</summary>
    public double Reduce(double[] perElement) =>
        Reduction == Reduction.Mean ? RegressionReference.Sum(perElement) / perElement.Length : RegressionReference.Sum(perElement);

    public override string ToString() =>
        $"shapes {string.Join(" ", Shapes.Select(Broadcasting.Format))} → {Broadcasting.Format(OutputShape)}, dtypes {string.Join("/", Dtypes)}, " +
        $"{Reduction}, option {RegressionReference.R(Option)}, values {string.Join(" | ", Values.Select(v => string.Join(", ", v.Take(6).Select(RegressionReference.R))))}";
}

/// <summary>FsCheck generators of broadcast cases.</summary>
public static class RegressionGens
{
    private const int UnitSteps = 1 << 30;

    public static Gen<double> Unit { get; } = Gen.Choose(0, UnitSteps).Select(i => i / (double)UnitSteps);

    public static Gen<double> Uniform(double lo, double hi) => Unit.Select(u => lo + (hi - lo) * u);

    public static Gen<double> LogUniform(double lo10, double hi10) => Unit.Select(u => Math.Pow(10, lo10 + (hi10 - lo10) * u));

    /// <summary>Float64 throughout, Float32 throughout, or a mix of the two (the output is then Float64).</summary>
    public static Gen<ScalarType[]> Dtypes(int count) => Gen.Frequency(
        (3, Gen.Constant(ScalarType.Float64).Select(d => Enumerable.Repeat(d, count).ToArray())),
        (3, Gen.Constant(ScalarType.Float32).Select(d => Enumerable.Repeat(d, count).ToArray())),
        (1, Gen.ArrayOf(Gen.Elements(ScalarType.Float32, ScalarType.Float64), count)));

    public static Gen<ScalarType[]> Float64(int count) => Gen.Constant(0).Select(_ => Enumerable.Repeat(ScalarType.Float64, count).ToArray());

    /// <summary>
    /// An output shape of rank 0–3 (sizes 1–4) and <paramref name="count"/> input shapes that broadcast to it: input
    /// <paramref name="reference"/> (the prediction) has it, as the shape rule requires (docs/sculpt.md, "Shapes"); each
    /// other keeps a trailing part of it, with some sizes replaced by 1.
    /// </summary>
    public static Gen<long[][]> Shapes(int count, int reference, bool broadcast = true)
    {
        Gen<long[]> InputShape(long[] output, int j) =>
            !broadcast || j == reference
                ? Gen.Constant(output)
                : from rank in Gen.Frequency((3, Gen.Constant(output.Length)), (1, Gen.Choose(0, output.Length)))
                  from ones in Gen.ArrayOf(Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true))), rank)
                  select output.Skip(output.Length - rank).Select((d, i) => ones[i] ? 1L : d).ToArray();

        return from rank in Gen.Frequency((1, Gen.Constant(0)), (3, Gen.Choose(1, 3)))
               from dims in Gen.ArrayOf(Gen.Choose(1, 4), rank)
               from shapes in Sequence(Enumerable.Range(0, count).Select(j => InputShape(dims.Select(d => (long)d).ToArray(), j)))
               select shapes;
    }

    /// <summary>
    /// <paramref name="count"/> independent shapes of rank 0–3 with sizes 1–3: about half the draws do not broadcast.
    /// </summary>
    public static Gen<long[][]> IndependentShapes(int count) =>
        Sequence(Enumerable.Range(0, count).Select(_ =>
            from rank in Gen.Choose(0, 3)
            from dims in Gen.ArrayOf(Gen.Frequency((2, Gen.Constant(1L)), (2, Gen.Constant(2L)), (1, Gen.Constant(3L))), rank)
            select dims));

    /// <summary>The generators run one after another.</summary>
    public static Gen<T[]> Sequence<T>(IEnumerable<Gen<T>> gens)
    {
        Gen<List<T>> acc = Gen.Constant(0).Select(_ => new List<T>());
        foreach (var g in gens)
        {
            var gen = g;
            acc = from list in acc
                  from x in gen
                  select new List<T>(list) { x };
        }

        return acc.Select(l => l.ToArray());
    }

    /// <summary>A broadcast case whose input j draws its values from <paramref name="values"/>[j]; input <paramref name="reference"/> has the output shape.</summary>
    public static Gen<BroadcastCase> Cases(Gen<double>[] values, int reference, Gen<ScalarType[]> dtypes, Gen<Reduction> reductions, Gen<double> option, bool broadcast = true) =>
        from shapes in Shapes(values.Length, reference, broadcast)
        from data in Sequence(shapes.Select((s, j) => Gen.ArrayOf(values[j], (int)Broadcasting.Numel(s))))
        from dtype in dtypes
        from reduction in reductions
        from o in option
        select new BroadcastCase(shapes, data, dtype, reduction, o);
}

/// <summary>Comparison verdicts with a label that says where and by how much a check failed.</summary>
public static class RegressionVerdict
{
    public static Property Of(bool ok, Func<string> describe) => ok ? Prop.ToProperty(true) : Prop.Label(false, describe());

    /// <summary>Each element within rtol(dtype)·max(|expected|, 1, magnitude): the magnitude is used for Float32 only.</summary>
    public static Property Elementwise(string what, double[] actual, double[] expected, double[] magnitude, ScalarType dtype, string context)
    {
        if (actual.Length != expected.Length)
            return Prop.Label(false, $"{what}: {actual.Length} values, expected {expected.Length}; {context}");
        double rtol = Tolerance.Relative(dtype);
        int worst = -1;
        double ratio = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double scale = Math.Max(Math.Abs(expected[i]), 1.0);
            if (dtype != ScalarType.Float64)
                scale = Math.Max(scale, magnitude[i]);
            double r = Math.Abs(actual[i] - expected[i]) / (rtol * scale);
            if (!(r <= ratio))
            {
                ratio = r;
                worst = i;
            }
        }

        return Of(ratio <= 1, () =>
            $"{what}: element {worst}: actual {RegressionReference.R(actual[worst])}, expected {RegressionReference.R(expected[worst])}, " +
            $"magnitude {RegressionReference.R(magnitude[worst])}, error/tolerance {ratio:G3}; {context}");
    }

    /// <summary>
    /// |actual_i − fd_i| ≤ 1e-6·max(|fd_i|, 1e-3·max_k |fd_k|) + 1e-10·|F|/max(1, |x_i|): the second term covers the
    /// rounding error of the extrapolated differences (≈ 7e-12·|F|/max(1, |x_i|)).
    /// </summary>
    public static Property Gradient(string what, double[] actual, double[] expected, double[] x, double functionMagnitude, string context)
    {
        if (actual.Length != expected.Length)
            return Prop.Label(false, $"{what}: {actual.Length} gradient values, expected {expected.Length}; {context}");
        double largest = expected.Length == 0 ? 0 : expected.Max(Math.Abs);
        int worst = -1;
        double ratio = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double tolerance = 1e-6 * Math.Max(Math.Abs(expected[i]), 1e-3 * largest) + 1e-10 * functionMagnitude / Math.Max(1, Math.Abs(x[i])) + double.Epsilon;
            double r = Math.Abs(actual[i] - expected[i]) / tolerance;
            if (!(r <= ratio))
            {
                ratio = r;
                worst = i;
            }
        }

        return Of(ratio <= 1, () =>
            $"{what}: element {worst} (x = {RegressionReference.R(x[worst])}): autograd {RegressionReference.R(actual[worst])}, " +
            $"expected {RegressionReference.R(expected[worst])}, error/tolerance {ratio:G3}; {context}");
    }
}
