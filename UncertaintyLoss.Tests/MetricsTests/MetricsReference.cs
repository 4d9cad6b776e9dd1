namespace UncertaintyLoss.Tests.MetricsTests;

/// <summary>A segmentation-shaped case: probabilities (N, C, d1, …, dk) row-major, target (N, d1, …, dk) with ignored positions.</summary>
public sealed record SpatialCase(long[] Shape, double[] Probabilities, long[] Target, long IgnoreIndex, ScalarType Dtype)
{
    /// <summary>N.</summary>
    public int N => (int)Shape[0];

    /// <summary>C.</summary>
    public int C => (int)Shape[1];

    /// <summary>d1·…·dk.</summary>
    public int Spatial => (int)Shape.Skip(2).Aggregate(1L, (a, b) => a * b);

    /// <summary>Probabilities tensor.</summary>
    public Tensor ProbabilitiesTensor() => MetricsKit.Floats(Probabilities, Shape, Dtype);

    /// <summary>Target tensor (N, d1, …, dk).</summary>
    public Tensor TargetTensor() => tensor(Target, new[] { Shape[0] }.Concat(Shape.Skip(2)).ToArray(), ScalarType.Int64);

    /// <summary>The kept positions as (M, C) rows (classes last) and targets, by index arithmetic on the row-major layout,
    /// with the probabilities as the tensor holds them.</summary>
    public (double[] P, long[] Y, int M) Flattened()
    {
        var p = new List<double>();
        var y = new List<long>();
        for (int n = 0; n < N; n++)
        {
            for (int s = 0; s < Spatial; s++)
            {
                long label = Target[n * Spatial + s];
                if (label == IgnoreIndex) continue;
                for (int k = 0; k < C; k++)
                {
                    double v = Probabilities[(n * C + k) * Spatial + s];
                    p.Add(Dtype == ScalarType.Float32 ? (float)v : v);
                }

                y.Add(label);
            }
        }

        return (p.ToArray(), y.ToArray(), y.Count);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"shape=[{string.Join(", ", Shape)}] {Dtype} ignore={IgnoreIndex} p=[{string.Join(", ", Probabilities.Select(v => v.ToString("R")))}] y=[{string.Join(", ", Target)}]";
}

/// <summary>Brute-force references of the metrics added for issue 15 (independent of the library's algorithms: per-sample
/// loops and scans, permutations for expectations over tie orders) and the generators of their tests.</summary>
public static class MetricsReference
{
    // ---- generators ----

    /// <summary>Spatial cases: N 1–4, C 2–4, 0–2 spatial dims of size 1–4, about a fifth of the positions ignored (−100 or
    /// 255), ignored positions holding garbage (NaN, 7) that must not be checked; at least one kept position.</summary>
    public static Gen<SpatialCase> SpatialCases { get; } =
        from n in Gen.Choose(1, 4)
        from c in Gen.Choose(2, 4)
        from dims in Gen.Choose(0, 2).SelectMany(k => Gen.ArrayOf(Gen.Choose(1, 4).Select(d => (long)d), k))
        let spatial = (int)dims.Aggregate(1L, (a, b) => a * b)
        from raw in Gen.ArrayOf(MetricsKit.ProbabilityValue, n * c * spatial)
        from ignore in Gen.Elements(-100L, 255L)
        from target in Gen.ArrayOf(Gen.Frequency((4, Gen.Choose(0, c - 1).Select(v => (long)v)), (1, Gen.Constant(-1L))), n * spatial)
        from keep in Gen.Choose(0, n * spatial - 1)
        from dtype in MetricsKit.Dtypes
        select Build(n, c, dims, raw, ignore, target, keep, dtype);

    private static SpatialCase Build(int n, int c, long[] dims, double[] raw, long ignore, long[] target, int keep, ScalarType dtype)
    {
        var y = target.Select(v => v < 0 ? ignore : v).ToArray();
        if (y[keep] == ignore) y[keep] = keep % c;
        int spatial = (int)dims.Aggregate(1L, (a, b) => a * b);
        var p = (double[])raw.Clone();
        for (int i = 0; i < n; i++)
            for (int s = 0; s < spatial; s++)
                if (y[i * spatial + s] == ignore)
                    p[(i * c) * spatial + s] = (i + s) % 2 == 0 ? double.NaN : 7.0; // garbage at an ignored position
        return new SpatialCase(new long[] { n, c }.Concat(dims).ToArray(), p, y, ignore, dtype);
    }

    // ---- references ----

    private static (double Confidence, long Predicted) Top(double[] p, int c, int i)
    {
        long predicted = 0;
        for (int k = 1; k < c; k++)
            if (p[i * c + k] > p[i * c + predicted]) predicted = k;
        return (p[i * c + predicted], predicted);
    }

    /// <summary>Confidences and correctness of every sample.</summary>
    public static (double[] Confidence, bool[] Correct) Confidences(double[] p, long[] y, int n, int c)
    {
        var conf = new double[n];
        var correct = new bool[n];
        for (int i = 0; i < n; i++)
        {
            var (cf, pred) = Top(p, c, i);
            conf[i] = cf;
            correct[i] = pred == y[i];
        }

        return (conf, correct);
    }

    /// <summary>Each sample's correctness replaced by the mean correctness of the samples with its confidence (O(N²)).</summary>
    public static double[] TieMean(double[] conf, bool[] correct)
    {
        var mean = new double[conf.Length];
        for (int i = 0; i < conf.Length; i++)
        {
            int count = 0, right = 0;
            for (int j = 0; j < conf.Length; j++)
                if (conf[j] == conf[i]) { count++; right += correct[j] ? 1 : 0; }
            mean[i] = (double)right / count;
        }

        return mean;
    }

    /// <summary>Adaptive ECE: tie-mean correctness, samples sorted by confidence, sample at rank r in bin ⌊r·B/N⌋.</summary>
    public static double AdaptiveEce(double[] p, long[] y, int n, int c, int bins)
    {
        var (conf, correct) = Confidences(p, y, n, c);
        var acc = TieMean(conf, correct);
        var order = Enumerable.Range(0, n).OrderBy(i => conf[i]).ToArray();
        var count = new double[bins];
        var accSum = new double[bins];
        var confSum = new double[bins];
        for (int r = 0; r < n; r++)
        {
            int b = (int)((long)r * bins / n);
            count[b]++;
            accSum[b] += acc[order[r]];
            confSum[b] += conf[order[r]];
        }

        double ece = 0;
        for (int b = 0; b < bins; b++)
            if (count[b] > 0) ece += count[b] / n * Math.Abs(accSum[b] / count[b] - confSum[b] / count[b]);
        return ece;
    }

    private static bool Inside(double v, int b, int bins) =>
        (v > (double)b / bins && v <= (double)(b + 1) / bins) || (b == 0 && v == 0.0);

    /// <summary>Classwise ECE by scanning all samples per class and bin.</summary>
    public static double ClasswiseEce(double[] p, long[] y, int n, int c, int bins)
    {
        double total = 0;
        for (int k = 0; k < c; k++)
        {
            for (int b = 0; b < bins; b++)
            {
                int count = 0, positives = 0;
                double forecast = 0;
                for (int i = 0; i < n; i++)
                {
                    if (!Inside(p[i * c + k], b, bins)) continue;
                    count++;
                    forecast += p[i * c + k];
                    if (y[i] == k) positives++;
                }

                if (count > 0) total += (double)count / n * Math.Abs((double)positives / count - forecast / count);
            }
        }

        return total / c;
    }

    /// <summary>MCE from the loop reliability table.</summary>
    public static double Mce(double[] p, long[] y, int n, int c, int bins) =>
        MetricsKit.ReliabilityReference(p, y, n, c, bins).Where(b => b.Count > 0).Select(b => Math.Abs(b.Accuracy - b.Confidence)).DefaultIfEmpty(0).Max();

    /// <summary>Brier decomposition by two passes per class and bin (bin means first, then deviations).</summary>
    public static (double Rel, double Res, double Unc, double Wbv, double Wbc, double Bs) BrierDecomposition(double[] p, long[] y, int n, int c, int bins)
    {
        double rel = 0, res = 0, unc = 0, wbv = 0, wbc = 0;
        for (int k = 0; k < c; k++)
        {
            double baseRate = y.Count(v => v == k) / (double)n;
            unc += baseRate * (1 - baseRate);
            for (int b = 0; b < bins; b++)
            {
                var members = Enumerable.Range(0, n).Where(i => Inside(p[i * c + k], b, bins)).ToArray();
                if (members.Length == 0) continue;
                double f = members.Average(i => p[i * c + k]);
                double o = members.Average(i => y[i] == k ? 1.0 : 0.0);
                rel += members.Length * (f - o) * (f - o);
                res += members.Length * (o - baseRate) * (o - baseRate);
                foreach (int i in members)
                {
                    wbv += (p[i * c + k] - f) * (p[i * c + k] - f);
                    wbc += (p[i * c + k] - f) * ((y[i] == k ? 1.0 : 0.0) - o);
                }
            }
        }

        return (rel / n, res / n, unc, wbv / n, wbc / n, MetricsKit.BrierReference(p, y, n, c));
    }

    /// <summary>AURC and AUGRC for one order: samples accepted in the given order.</summary>
    private static (double Aurc, double Augrc) SelectiveForOrder(int[] order, bool[] wrong)
    {
        int n = order.Length;
        double aurc = 0, augrc = 0, previous = 0;
        int errors = 0;
        for (int i = 1; i <= n; i++)
        {
            if (wrong[order[i - 1]]) errors++;
            aurc += (double)errors / i;
            augrc += (previous + errors) / 2.0 / n;
            previous = errors;
        }

        return (aurc / n, augrc / n);
    }

    /// <summary>AURC and AUGRC averaged over every order of the samples that sorts the confidences descending (all N!
    /// permutations, kept when sorted): the expectation over random tie orders. N ≤ 8.</summary>
    public static (double Aurc, double Augrc) SelectiveAllOrders(double[] conf, bool[] correct)
    {
        int n = conf.Length;
        var wrong = correct.Select(b => !b).ToArray();
        double aurc = 0, augrc = 0;
        int orders = 0;
        foreach (var perm in Permutations(Enumerable.Range(0, n).ToArray()))
        {
            bool sorted = true;
            for (int i = 1; i < n && sorted; i++)
                sorted = conf[perm[i - 1]] >= conf[perm[i]];
            if (!sorted) continue;
            var (a, g) = SelectiveForOrder(perm, wrong);
            aurc += a;
            augrc += g;
            orders++;
        }

        return (aurc / orders, augrc / orders);
    }

    private static IEnumerable<int[]> Permutations(int[] items)
    {
        if (items.Length <= 1)
        {
            yield return items;
            yield break;
        }

        for (int i = 0; i < items.Length; i++)
        {
            var rest = items.Where((_, j) => j != i).ToArray();
            foreach (var tail in Permutations(rest))
                yield return new[] { items[i] }.Concat(tail).ToArray();
        }
    }

    /// <summary>AURC with tie-mean errors, samples sorted by confidence descending: (1/N) Σ_i (errors in top i)/i.</summary>
    public static double AurcTieMean(double[] conf, bool[] correct)
    {
        var err = TieMean(conf, correct).Select(a => 1 - a).ToArray();
        var order = Enumerable.Range(0, conf.Length).OrderByDescending(i => conf[i]).ToArray();
        double sum = 0, errors = 0;
        for (int i = 1; i <= order.Length; i++)
        {
            errors += err[order[i - 1]];
            sum += errors / i;
        }

        return sum / order.Length;
    }

    /// <summary>Risk–coverage points by scanning all samples at every distinct threshold, highest first.</summary>
    public static List<(double T, double Coverage, double Risk, double Gr)> RiskCoverage(double[] conf, bool[] correct)
    {
        var points = new List<(double, double, double, double)>();
        int n = conf.Length;
        foreach (double t in conf.Distinct().OrderByDescending(v => v))
        {
            int accepted = 0, errors = 0;
            for (int i = 0; i < n; i++)
                if (conf[i] >= t) { accepted++; if (!correct[i]) errors++; }
            points.Add((t, (double)accepted / n, (double)errors / accepted, (double)errors / n));
        }

        return points;
    }

    /// <summary>FPR at the first threshold (descending distinct scores) whose TPR reaches τ, by scanning.</summary>
    public static double FprAtTpr(double[] s, bool[] label, double tpr)
    {
        int positives = label.Count(b => b), negatives = label.Length - positives;
        foreach (double t in s.Distinct().OrderByDescending(v => v))
        {
            int tp = 0, fp = 0;
            for (int i = 0; i < s.Length; i++)
                if (s[i] >= t) { if (label[i]) tp++; else fp++; }
            if ((double)tp / positives >= tpr) return (double)fp / negatives;
        }

        throw new InvalidOperationException("unreachable: the lowest threshold has TPR 1");
    }
}
