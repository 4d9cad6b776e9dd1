namespace UncertaintyLoss.Tests.Ops;

/// <summary>
/// Plain scalar reference of <c>cross_entropy</c>'s <c>weight</c> / <c>ignore_index</c> reduction rules, written
/// independently of the library: position n (target y_n) counts with weight v_n = 0 if y_n == ignoreIndex, else
/// w[y_n] (1 without weights). None: v_n·l_n; Sum: Σ v_n·l_n; Mean: Σ v_n·l_n / Σ v_n (PyTorch's weighted mean, not
/// divided by N), and 0 when Σ v_n = 0 (where cross_entropy gives NaN).
/// </summary>
public static class WeightedReductionReference
{
    /// <summary>v_n for one position.</summary>
    public static double PositionWeight(long target, double[]? weight, long ignoreIndex)
    {
        if (target == ignoreIndex)
            return 0.0;
        if (weight is null)
            return 1.0;
        if (target < 0 || target >= weight.Length)
            throw new ArgumentOutOfRangeException(nameof(target), target, "Not a class and not the ignore index.");
        return weight[target];
    }

    /// <summary>v_n for every position.</summary>
    public static double[] PositionWeights(long[] target, double[]? weight, long ignoreIndex)
    {
        ArgumentNullException.ThrowIfNull(target);
        var v = new double[target.Length];
        for (int n = 0; n < target.Length; n++)
            v[n] = PositionWeight(target[n], weight, ignoreIndex);
        return v;
    }

    /// <summary>
    /// Evaluates <paramref name="perPosition"/> at every position that is not ignored (row-major (N, d…)); ignored
    /// positions are never evaluated (their target need not be a class) and hold 0.
    /// </summary>
    public static double[] Evaluate(double[] evidence, long[] shape, long[] target, long ignoreIndex, Func<double[], int, double> perPosition)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(perPosition);
        var classes = (int)shape[1];
        var stand = new long[target.Length];
        for (int n = 0; n < target.Length; n++)
        {
            if (target[n] == ignoreIndex)
                continue;                                           // stand-in class 0, value discarded below
            if (target[n] < 0 || target[n] >= classes)
                throw new ArgumentOutOfRangeException(nameof(target), target[n], "Not a class and not the ignore index.");
            stand[n] = target[n];
        }

        var values = ReferenceTensor.PerPosition(evidence, shape, stand, perPosition);
        for (int n = 0; n < target.Length; n++)
        {
            if (target[n] == ignoreIndex)
                values[n] = 0.0;
        }

        return values;
    }

    /// <summary>Reduction None: v_n·l_n (exactly 0 where v_n is 0).</summary>
    public static double[] None(double[] perPosition, long[] target, double[]? weight, long ignoreIndex)
    {
        ArgumentNullException.ThrowIfNull(perPosition);
        var v = PositionWeights(target, weight, ignoreIndex);
        var result = new double[perPosition.Length];
        for (int n = 0; n < result.Length; n++)
            result[n] = v[n] == 0.0 ? 0.0 : v[n] * perPosition[n];
        return result;
    }

    /// <summary>Reduction Sum: Σ v_n·l_n (compensated).</summary>
    public static double Sum(double[] perPosition, long[] target, double[]? weight, long ignoreIndex) =>
        ReferenceTensor.Sum(None(perPosition, target, weight, ignoreIndex));

    /// <summary>Σ v_n, the denominator of the weighted mean.</summary>
    public static double Denominator(long[] target, double[]? weight, long ignoreIndex) =>
        ReferenceTensor.Sum(PositionWeights(target, weight, ignoreIndex));

    /// <summary>Reduction Mean: Σ v_n·l_n / Σ v_n, and 0 when Σ v_n = 0 (every position ignored or weighted 0).</summary>
    public static double Mean(double[] perPosition, long[] target, double[]? weight, long ignoreIndex)
    {
        double denominator = Denominator(target, weight, ignoreIndex);
        return denominator == 0.0 ? 0.0 : Sum(perPosition, target, weight, ignoreIndex) / denominator;
    }

    /// <summary>Reduction <paramref name="reduction"/> of l: the None values, or the Sum or Mean as a one-element array.</summary>
    public static double[] Reduce(double[] perPosition, long[] target, double[]? weight, long ignoreIndex, Reduction reduction) => reduction switch
    {
        Reduction.None => None(perPosition, target, weight, ignoreIndex),
        Reduction.Sum => new[] { Sum(perPosition, target, weight, ignoreIndex) },
        _ => new[] { Mean(perPosition, target, weight, ignoreIndex) },
    };
}
