using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Text.Json;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss.Metrics;

/// <summary>
/// Vector scaling (Guo, Pleiss, Sun and Weinberger, "On Calibration of Modern Neural Networks", ICML 2017): one weight
/// and one bias per class, z'_k = w_k·z_k + b_k, fit on held-out logits by minimising the negative log-likelihood of
/// softmax(z'). Temperature scaling is the special case w = (1/T)·1, b = 0, so on the fit set its NLL is never above
/// temperature scaling's. Unlike temperature scaling it can change the predicted class. See
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/calibration.md">calibration.md</see>.
/// </summary>
/// <remarks>
/// <para><b>Fit.</b> The mean NLL over the kept positions, (1/M) Σ_i [ln Σ_k exp(w_k z_ik + b_k) − w_y z_iy − b_y], is
/// convex in (w, b); it is minimised by L-BFGS (memory 10, Armijo backtracking with quadratic interpolation) from w = 1,
/// b = 0, in double precision on the host (the kept logits are copied once and divided by their root mean square, which
/// puts weights and biases on one scale), until the gradient's largest component is below 1e-9, no step lowers the NLL,
/// or it no longer changes in double precision (at most 1,000 iterations). A 5,000 × 10 fit takes tens of milliseconds
/// (AffineScalingTests prints it). Adding a constant to every b_k leaves softmax unchanged; the fit returns the b
/// with mean 0. When the held-out set is separable (every position right with a margin that the weights can grow), the
/// NLL has no minimum and the weights grow until the iteration limit, as temperature scaling's T stops at its lower end.</para>
/// <para><b>Shapes.</b> logits (N, C, d1..dk); target (N, d1..dk) class indices; positions equal to <c>ignoreIndex</c> are left out.</para>
/// </remarks>
public sealed class VectorScaling
{
    private readonly double[] weights;
    private readonly double[] bias;

    /// <summary>A calibrator with given per-class weights and biases.</summary>
    /// <param name="weights">w, one finite value per class (at least 2).</param>
    /// <param name="bias">b, one finite value per class, as many as <paramref name="weights"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="weights"/> or <paramref name="bias"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="weights"/> has fewer than 2 values or a value that is not
    /// finite; <paramref name="bias"/> has another length or a value that is not finite.</exception>
    public VectorScaling(IReadOnlyList<double> weights, IReadOnlyList<double> bias)
    {
        this.weights = AffineFit.Values(weights, nameof(weights), 2, "at least 2 finite weights, one per class");
        this.bias = AffineFit.Values(bias, nameof(bias), this.weights.Length, Check.Inv($"{this.weights.Length} finite biases (as many as the weights)"), exact: true);
    }

    /// <summary>The number of classes C.</summary>
    public int Classes => weights.Length;

    /// <summary>The per-class weights w.</summary>
    public IReadOnlyList<double> Weights => Array.AsReadOnly(weights);

    /// <summary>The per-class biases b.</summary>
    public IReadOnlyList<double> Bias => Array.AsReadOnly(bias);

    /// <summary>Fits w and b on held-out logits and targets.</summary>
    /// <param name="logits">(N, C, d1..dk) logits, finite.</param>
    /// <param name="target">(N, d1..dk) class indices.</param>
    /// <param name="ignoreIndex">Target value of positions to leave out (default −100).</param>
    /// <returns>The fitted calibrator.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed; the shapes, dtypes or devices do not match; a logit is not
    /// finite; a class index is outside [0, C) and not <paramref name="ignoreIndex"/>; no position is kept.</exception>
    public static VectorScaling Fit(Tensor logits, Tensor target, long ignoreIndex = -100)
    {
        AffineFit.CheckFitArguments(logits, target, ignoreIndex);
        var (z, y, c, scale) = AffineFit.Kept(logits, target, ignoreIndex);
        var x = new double[2 * c];
        for (int k = 0; k < c; k++)
            x[k] = scale;                                              // w = 1 on the unscaled logits
        var work = new double[c];
        double Objective(double[] p, double[] grad)
        {
            Array.Clear(grad);
            int m = y.Length;
            double total = 0;
            for (int i = 0; i < m; i++)
            {
                int row = i * c;
                double max = double.NegativeInfinity;
                for (int k = 0; k < c; k++)
                {
                    work[k] = p[k] * z[row + k] + p[c + k];
                    max = Math.Max(max, work[k]);
                }

                double trueLogit = work[y[i]];
                total += AffineFit.SoftmaxInPlace(work, max) + max - trueLogit;
                work[y[i]] -= 1;                                        // ∂NLL/∂z' = softmax(z') − e_y
                for (int k = 0; k < c; k++)
                {
                    grad[k] += work[k] * z[row + k];
                    grad[c + k] += work[k];
                }
            }

            for (int j = 0; j < grad.Length; j++)
                grad[j] /= m;
            return total / m;
        }

        HostLbfgs.Minimize(Objective, x);
        double mean = x.Skip(c).Average();
        return new VectorScaling(x.Take(c).Select(w => w / scale).ToArray(), x.Skip(c).Select(b => b - mean).ToArray());
    }

    /// <summary>The scaled logits w⊙z + b (w and b along dimension 1), in the logits' dtype and device.</summary>
    /// <param name="logits">(N, C, d1..dk) logits, C as fitted.</param>
    /// <returns>The calibrated logits, the logits' shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="logits"/> is disposed, not floating, has rank below 2, or has
    /// another number of classes.</exception>
    public Tensor Apply(Tensor logits)
    {
        AffineFit.CheckApplyArguments(logits, Classes);
        using var scope = NewDisposeScope();
        var work = Dirichlet.ToCompute(logits);
        var shape = Enumerable.Repeat(1L, (int)logits.dim()).ToArray();
        shape[1] = Classes;
        var w = tensor(weights, shape, work.dtype, work.device);
        var b = tensor(bias, shape, work.dtype, work.device);
        return Dirichlet.ToOutput(work * w + b, logits).MoveToOuterDisposeScope();
    }

    /// <summary>The calibrated probabilities softmax(w⊙z + b) along dimension 1.</summary>
    /// <param name="logits">(N, C, d1..dk) logits, C as fitted.</param>
    /// <returns>Probabilities of the logits' shape, dtype and device.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="logits"/> is disposed, not floating, has rank below 2, or has
    /// another number of classes.</exception>
    public Tensor Probabilities(Tensor logits)
    {
        using var scope = NewDisposeScope();
        return Apply(logits).softmax(1).MoveToOuterDisposeScope();
    }

    /// <summary>The calibration as JSON: <c>{"kind":"VectorScaling","weights":[…],"bias":[…]}</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(new State(nameof(VectorScaling), weights, bias), ConformalJson.Options);

    /// <summary>Restores a calibrator saved by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The calibrator.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="json"/> is not a saved <see cref="VectorScaling"/>.</exception>
    public static VectorScaling FromJson(string json)
    {
        var s = ConformalJson.Read<State>(json, nameof(VectorScaling));
        if (s.Kind != nameof(VectorScaling) || s.Weights is not { Length: >= 2 } || s.Bias?.Length != s.Weights.Length
            || !s.Weights.Concat(s.Bias).All(double.IsFinite))
            throw Check.Invalid(nameof(json), "JSON written by VectorScaling.ToJson", "a missing or out-of-range field");
        return new VectorScaling(s.Weights, s.Bias);
    }

    /// <inheritdoc/>
    public override string ToString() => Check.Inv($"VectorScaling(C = {Classes})");

    private sealed record State(string Kind, double[] Weights, double[] Bias);
}

/// <summary>
/// Matrix scaling (Guo et al. 2017): a full affine map of the logits, z' = W z + b with W (C × C) and b (C), fit on
/// held-out logits by minimising the negative log-likelihood of softmax(z') plus an L2 penalty on W's off-diagonal
/// entries and on b (ODIR, Kull et al., "Beyond temperature scaling: Obtaining well-calibrated multi-class probabilities
/// with Dirichlet calibration", NeurIPS 2019). It contains vector and temperature scaling (diagonal W); its C² + C
/// parameters overfit small calibration sets, which the penalty counters. See
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/calibration.md">calibration.md</see>.
/// </summary>
/// <remarks>
/// <para><b>Fit.</b> With s the root mean square of the kept logits, minimises
/// (1/M) Σ_i [ln Σ_k exp(z'_ik) − z'_iy] + λ (s² Σ_{k≠j} W_kj² + Σ_k b_k²), convex (strictly so in the penalised
/// directions), by L-BFGS from W = I, b = 0 in double precision on the host, as <see cref="VectorScaling"/>. The penalty
/// is on s·W, the weights of the standardised logits z/s, so λ does not depend on the logits' scale. The diagonal is not
/// penalised: a strong λ shrinks matrix scaling towards vector scaling without bias (which still contains temperature
/// scaling), not towards the uncalibrated logits.</para>
/// <para><b>Default λ = C/M</b> (M kept positions): the penalty fades as the calibration set grows and grows with the
/// C² − C off-diagonal entries. In the measurement of
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/calibration.md">calibration.md</see>
/// (synthetic logits, C = 10 to 100, M = 500 to
/// 5,000, held-out NLL) it was within 0.04 nats of the best λ of the grid 0, 0.1, 0.3, 1, 3, 10 × C/M in every setting,
/// while λ = 0 was far worse than no calibration once C² approached M (C = 50, M = 500: 114 nats against 3.7). λ = 0 is
/// plain matrix scaling; then W is determined only up to adding one row vector to every row (softmax is shift-invariant).</para>
/// <para><b>Shapes.</b> logits (N, C, d1..dk); target (N, d1..dk) class indices; positions equal to <c>ignoreIndex</c> are left out.</para>
/// </remarks>
public sealed class MatrixScaling
{
    private readonly double[] weights;
    private readonly double[] bias;

    /// <summary>A calibrator with a given matrix and bias.</summary>
    /// <param name="weights">W as C·C finite values, row-major (z'_k = Σ_j W[k·C + j] z_j + b_k), C ≥ 2.</param>
    /// <param name="bias">b, C finite values.</param>
    /// <exception cref="ArgumentNullException"><paramref name="weights"/> or <paramref name="bias"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="bias"/> has fewer than 2 values or a value that is not finite;
    /// <paramref name="weights"/> does not hold C·C finite values.</exception>
    public MatrixScaling(IReadOnlyList<double> weights, IReadOnlyList<double> bias)
    {
        this.bias = AffineFit.Values(bias, nameof(bias), 2, "at least 2 finite biases, one per class");
        int c = this.bias.Length;
        this.weights = AffineFit.Values(weights, nameof(weights), c * c, Check.Inv($"{c * c} finite weights (C·C, row-major, C = {c} biases)"), exact: true);
    }

    /// <summary>The number of classes C.</summary>
    public int Classes => bias.Length;

    /// <summary>W, row-major: W[k·C + j] multiplies z_j in z'_k.</summary>
    public IReadOnlyList<double> Weights => Array.AsReadOnly(weights);

    /// <summary>The biases b.</summary>
    public IReadOnlyList<double> Bias => Array.AsReadOnly(bias);

    /// <summary>Fits W and b on held-out logits and targets.</summary>
    /// <param name="logits">(N, C, d1..dk) logits, finite.</param>
    /// <param name="target">(N, d1..dk) class indices.</param>
    /// <param name="l2">λ ≥ 0, the penalty on s·W's off-diagonal entries and on b (default null: λ = C/M, M the kept positions).</param>
    /// <param name="ignoreIndex">Target value of positions to leave out (default −100).</param>
    /// <returns>The fitted calibrator.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed; the shapes, dtypes or devices do not match; a logit is not
    /// finite; a class index is outside [0, C) and not <paramref name="ignoreIndex"/>; no position is kept.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="l2"/> is negative or not finite.</exception>
    public static MatrixScaling Fit(Tensor logits, Tensor target, double? l2 = null, long ignoreIndex = -100)
    {
        if (l2 is { } given)
            Check.FiniteNonNegative(given, nameof(l2), "the L2 penalty");
        AffineFit.CheckFitArguments(logits, target, ignoreIndex);
        var (z, y, c, scale) = AffineFit.Kept(logits, target, ignoreIndex);
        int cc = c * c;
        var x = new double[cc + c];
        for (int k = 0; k < c; k++)
            x[k * c + k] = scale;                                      // W = I on the unscaled logits
        double lambda = l2 ?? (double)c / y.Length;                    // on the weights of z/s, that is on s·W
        var work = new double[c];
        double Objective(double[] p, double[] grad)
        {
            Array.Clear(grad);
            int m = y.Length;
            double total = 0;
            for (int i = 0; i < m; i++)
            {
                var zi = new ReadOnlySpan<double>(z, i * c, c);
                double max = double.NegativeInfinity;
                for (int k = 0; k < c; k++)
                {
                    double v = p[cc + k] + AffineFit.Dot(new ReadOnlySpan<double>(p, k * c, c), zi);
                    work[k] = v;
                    max = Math.Max(max, v);
                }

                double trueLogit = work[y[i]];
                total += AffineFit.SoftmaxInPlace(work, max) + max - trueLogit;
                work[y[i]] -= 1;
                for (int k = 0; k < c; k++)
                {
                    AffineFit.AddScaled(work[k], zi, new Span<double>(grad, k * c, c));
                    grad[cc + k] += work[k];
                }
            }

            total /= m;
            for (int j = 0; j < grad.Length; j++)
                grad[j] /= m;
            for (int k = 0; k < c; k++)
            {
                for (int j = 0; j < c; j++)
                {
                    if (j == k)
                        continue;
                    double w = p[k * c + j];
                    total += lambda * w * w;
                    grad[k * c + j] += 2 * lambda * w;
                }

                total += lambda * p[cc + k] * p[cc + k];
                grad[cc + k] += 2 * lambda * p[cc + k];
            }

            return total;
        }

        HostLbfgs.Minimize(Objective, x);
        return new MatrixScaling(x.Take(cc).Select(w => w / scale).ToArray(), x.Skip(cc).ToArray());
    }

    /// <summary>The scaled logits W z + b (z along dimension 1), in the logits' dtype and device.</summary>
    /// <param name="logits">(N, C, d1..dk) logits, C as fitted.</param>
    /// <returns>The calibrated logits, the logits' shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="logits"/> is disposed, not floating, has rank below 2, or has
    /// another number of classes.</exception>
    public Tensor Apply(Tensor logits)
    {
        AffineFit.CheckApplyArguments(logits, Classes);
        using var scope = NewDisposeScope();
        var work = Dirichlet.ToCompute(logits);
        var w = tensor(weights, new long[] { Classes, Classes }, work.dtype, work.device);
        var b = tensor(bias, new long[] { Classes }, work.dtype, work.device);
        var moved = work.movedim(new long[] { 1 }, new long[] { -1 });                // (N, d…, C)
        var result = (moved.matmul(w.t()) + b).movedim(new long[] { -1 }, new long[] { 1 }).contiguous();
        return Dirichlet.ToOutput(result, logits).MoveToOuterDisposeScope();
    }

    /// <summary>The calibrated probabilities softmax(W z + b) along dimension 1.</summary>
    /// <param name="logits">(N, C, d1..dk) logits, C as fitted.</param>
    /// <returns>Probabilities of the logits' shape, dtype and device.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="logits"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="logits"/> is disposed, not floating, has rank below 2, or has
    /// another number of classes.</exception>
    public Tensor Probabilities(Tensor logits)
    {
        using var scope = NewDisposeScope();
        return Apply(logits).softmax(1).MoveToOuterDisposeScope();
    }

    /// <summary>The calibration as JSON: <c>{"kind":"MatrixScaling","weights":[… C·C, row-major],"bias":[…]}</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(new State(nameof(MatrixScaling), weights, bias), ConformalJson.Options);

    /// <summary>Restores a calibrator saved by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The calibrator.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="json"/> is not a saved <see cref="MatrixScaling"/>.</exception>
    public static MatrixScaling FromJson(string json)
    {
        var s = ConformalJson.Read<State>(json, nameof(MatrixScaling));
        if (s.Kind != nameof(MatrixScaling) || s.Bias is not { Length: >= 2 } || s.Weights?.Length != s.Bias.Length * s.Bias.Length
            || !s.Weights.Concat(s.Bias).All(double.IsFinite))
            throw Check.Invalid(nameof(json), "JSON written by MatrixScaling.ToJson", "a missing or out-of-range field");
        return new MatrixScaling(s.Weights, s.Bias);
    }

    /// <inheritdoc/>
    public override string ToString() => Check.Inv($"MatrixScaling(C = {Classes})");

    private sealed record State(string Kind, double[] Weights, double[] Bias);
}

/// <summary>What vector and matrix scaling share: argument checks, the kept rows, a stable softmax.</summary>
internal static class AffineFit
{
    internal static void CheckFitArguments(Tensor logits, Tensor target, long ignoreIndex)
    {
        Check.ClassScores(logits, nameof(logits));
        Check.ClassIndexTarget(logits, target, nameof(target), nameof(logits));
        Check.FiniteValues(logits, nameof(logits));
        Check.KeptClassIndices(target, logits.shape[1], ignoreIndex, nameof(target));
    }

    internal static void CheckApplyArguments(Tensor logits, int classes)
    {
        Check.ClassScores(logits, nameof(logits));
        if (logits.shape[1] != classes)
            throw Check.Invalid(nameof(logits), Check.Inv($"{nameof(logits)} with {classes} classes in dimension 1 (as fitted)"), "shape " + Check.Shape(logits));
    }

    /// <summary>
    /// The kept rows (M, C) row-major in double divided by their root mean square s (1 when all are 0), their class
    /// indices, C and s. The fits run on z/s, which puts the weights and the biases on the same scale (fewer L-BFGS
    /// iterations), and divide the fitted weights by s.
    /// </summary>
    internal static (double[] Rows, int[] Target, int Classes, double Scale) Kept(Tensor logits, Tensor target, long ignoreIndex)
    {
        double[] rows;
        int[] y;
        using (var scope = NewDisposeScope())
        {
            var all = ConformalClassifier.Rows(logits);
            var labels = target.to(ScalarType.Int64).reshape(-1);
            var keep = labels.ne(ignoreIndex);
            rows = all[keep].cpu().contiguous().data<double>().ToArray();
            y = labels[keep].cpu().contiguous().data<long>().ToArray().Select(v => (int)v).ToArray();
        }

        double squares = 0;
        foreach (var v in rows)
            squares += v * v;
        double scale = Math.Sqrt(squares / rows.Length);
        if (!(scale > 0) || !double.IsFinite(scale))
            scale = 1;
        for (int i = 0; i < rows.Length; i++)
            rows[i] /= scale;
        return (rows, y, (int)logits.shape[1], scale);
    }

    /// <summary>Σ a_j b_j, vectorised.</summary>
    internal static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int j = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<double>.Count)
        {
            var acc = Vector<double>.Zero;
            for (; j <= a.Length - Vector<double>.Count; j += Vector<double>.Count)
                acc += new Vector<double>(a[j..]) * new Vector<double>(b[j..]);
            sum = Vector.Sum(acc);
        }

        for (; j < a.Length; j++)
            sum += a[j] * b[j];
        return sum;
    }

    /// <summary>y += a·x, vectorised.</summary>
    internal static void AddScaled(double a, ReadOnlySpan<double> x, Span<double> y)
    {
        int j = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<double>.Count)
        {
            var va = new Vector<double>(a);
            for (; j <= x.Length - Vector<double>.Count; j += Vector<double>.Count)
                (new Vector<double>(y[j..]) + va * new Vector<double>(x[j..])).CopyTo(y[j..]);
        }

        for (; j < x.Length; j++)
            y[j] += a * x[j];
    }

    /// <summary>Replaces <paramref name="v"/> by softmax(v) (given its maximum); returns ln Σ_k exp(v_k − max).</summary>
    internal static double SoftmaxInPlace(double[] v, double max)
    {
        double sum = 0;
        for (int k = 0; k < v.Length; k++)
        {
            v[k] = Math.Exp(v[k] - max);
            sum += v[k];
        }

        for (int k = 0; k < v.Length; k++)
            v[k] /= sum;
        return Math.Log(sum);
    }

    /// <summary>A copy of <paramref name="values"/>, checked: not null, finite, and <paramref name="count"/> values (at least
    /// that many unless <paramref name="exact"/>).</summary>
    internal static double[] Values(IReadOnlyList<double>? values, string name, int count, string expected, bool exact = false)
    {
        var v = Check.NotNull(values, name).ToArray();
        if (exact ? v.Length != count : v.Length < count)
            throw Check.Invalid(name, expected, Check.Inv($"{v.Length} values"));
        if (!v.All(double.IsFinite))
            throw Check.Invalid(name, expected, "a value that is not finite");
        return v;
    }
}

/// <summary>
/// Limited-memory BFGS on the host (Nocedal and Wright, "Numerical Optimization", 2nd ed., Algorithm 7.4/7.5) with an
/// Armijo backtracking line search, for the smooth convex objectives of the calibrators.
/// </summary>
internal static class HostLbfgs
{
    internal const int Memory = 10;
    internal const int MaxIterations = 1000;
    internal const double GradientTolerance = 1e-9;
    internal const int MaxBacktracks = 30;

    /// <summary>Iterations and objective evaluations of the last <see cref="Minimize"/> on this thread (diagnostics for tests).</summary>
    [ThreadStatic]
    internal static (int Iterations, int Evaluations) Last;

    /// <summary>Minimises <paramref name="f"/> (value, gradient written into its second argument) from
    /// <paramref name="x"/>, in place; returns the number of iterations.</summary>
    internal static int Minimize(Func<double[], double[], double> f, double[] x)
    {
        int n = x.Length;
        var g = new double[n];
        var gNew = new double[n];
        var xNew = new double[n];
        var d = new double[n];
        var s = new List<double[]>();
        var yHist = new List<double[]>();
        var rho = new List<double>();
        var alpha = new double[Memory];
        int evaluations = 1;
        double fx = f(x, g);
        int iteration = 0;
        for (; iteration < MaxIterations; iteration++)
        {
            if (g.Max(Math.Abs) <= GradientTolerance)
                break;

            // Two-loop recursion: d = −H g.
            for (int j = 0; j < n; j++)
                d[j] = -g[j];
            for (int h = s.Count - 1; h >= 0; h--)
            {
                alpha[h] = rho[h] * Dot(s[h], d);
                Axpy(-alpha[h], yHist[h], d);
            }

            if (s.Count > 0)
            {
                var (sl, yl) = (s[^1], yHist[^1]);
                double gamma = Dot(sl, yl) / Dot(yl, yl);
                for (int j = 0; j < n; j++)
                    d[j] *= gamma;
            }
            else
            {
                double scale = 1.0 / Math.Max(1.0, Math.Sqrt(Dot(g, g)));
                for (int j = 0; j < n; j++)
                    d[j] *= scale;
            }

            for (int h = 0; h < s.Count; h++)
            {
                double beta = rho[h] * Dot(yHist[h], d);
                Axpy(alpha[h] - beta, s[h], d);
            }

            double slope = Dot(g, d);
            if (!(slope < 0))
            {
                s.Clear();
                yHist.Clear();
                rho.Clear();
                for (int j = 0; j < n; j++)
                    d[j] = -g[j];
                slope = -Dot(g, g);
            }

            // Armijo backtracking; a rejected step t is replaced by the minimiser of the quadratic through f(0), f'(0)
            // and f(t), kept within [0.1 t, 0.5 t].
            double t = 1.0, fNew = double.NaN;
            bool accepted = false;
            for (int tries = 0; tries < MaxBacktracks; tries++)
            {
                for (int j = 0; j < n; j++)
                    xNew[j] = x[j] + t * d[j];
                fNew = f(xNew, gNew);
                evaluations++;
                if (fNew <= fx + 1e-4 * t * slope)
                {
                    accepted = true;
                    break;
                }

                double quadratic = double.IsFinite(fNew) ? -slope * t * t / (2 * (fNew - fx - slope * t)) : 0.1 * t;
                t = Math.Clamp(quadratic, 0.1 * t, 0.5 * t);
            }

            if (!accepted || !(fNew < fx))
                break;                                                // no step lowers f: converged to precision
            bool stalled = fx - fNew <= 1e-15 * Math.Max(1.0, Math.Abs(fx));

            var sNew = new double[n];
            var yNew = new double[n];
            for (int j = 0; j < n; j++)
            {
                sNew[j] = xNew[j] - x[j];
                yNew[j] = gNew[j] - g[j];
            }

            double sy = Dot(sNew, yNew);
            if (sy > 1e-12 * Math.Sqrt(Dot(sNew, sNew) * Dot(yNew, yNew)))
            {
                if (s.Count == Memory)
                {
                    s.RemoveAt(0);
                    yHist.RemoveAt(0);
                    rho.RemoveAt(0);
                }

                s.Add(sNew);
                yHist.Add(yNew);
                rho.Add(1.0 / sy);
            }

            Array.Copy(xNew, x, n);
            Array.Copy(gNew, g, n);
            fx = fNew;
            if (stalled)
                break;                                                // f no longer changes in double precision
        }

        Last = (iteration, evaluations);
        return iteration;
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
            sum += a[i] * b[i];
        return sum;
    }

    private static void Axpy(double a, double[] x, double[] y)
    {
        for (int i = 0; i < x.Length; i++)
            y[i] += a * x[i];
    }
}
