namespace UncertaintyLoss.Tests.MetricsTests;

/// <summary>A classification case: row-major (N, C) probabilities, N targets, a dtype.</summary>
public sealed record ClassificationCase(int N, int C, double[] Probabilities, long[] Target, ScalarType Dtype)
{
    /// <summary>Probabilities tensor of the case's dtype (in the current dispose scope).</summary>
    public Tensor ProbabilitiesTensor() => MetricsKit.Floats(Probabilities, new long[] { N, C }, Dtype);

    /// <summary>Int64 target tensor.</summary>
    public Tensor TargetTensor() => MetricsKit.Longs(Target);

    /// <summary>The probabilities exactly as the tensor holds them.</summary>
    public double[] Held => Dtype == ScalarType.Float32 ? Probabilities.Select(v => (double)(float)v).ToArray() : Probabilities;

    /// <inheritdoc/>
    public override string ToString() =>
        $"N={N} C={C} {Dtype} p=[{string.Join(", ", Probabilities.Select(v => v.ToString("R")))}] y=[{string.Join(", ", Target)}]";
}

/// <summary>A binary ranking case: N scores and 0/1 labels, a dtype.</summary>
public sealed record BinaryCase(double[] Score, bool[] Label, ScalarType Dtype)
{
    /// <summary>Score tensor of the case's dtype.</summary>
    public Tensor ScoreTensor() => MetricsKit.Floats(Score, new long[] { Score.Length }, Dtype);

    /// <summary>Bool label tensor.</summary>
    public Tensor LabelTensor() => tensor(Label);

    /// <summary>The scores exactly as the tensor holds them.</summary>
    public double[] Held => Dtype == ScalarType.Float32 ? Score.Select(v => (double)(float)v).ToArray() : Score;

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Dtype} s=[{string.Join(", ", Score.Select(v => v.ToString("R")))}] y=[{string.Join(", ", Label.Select(b => b ? 1 : 0))}]";
}

/// <summary>Tensor helpers, generators, brute-force references and memory checks of the metrics tests.</summary>
public static class MetricsKit
{
    /// <summary>Live tensors on this thread.</summary>
    public static long Live => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    /// <summary>A tensor of <paramref name="dtype"/> holding <paramref name="values"/>.</summary>
    public static Tensor Floats(double[] values, long[] shape, ScalarType dtype = ScalarType.Float64)
    {
        using var scope = NewDisposeScope();
        return tensor(values, shape, ScalarType.Float64).to(dtype).MoveToOuterDisposeScope();
    }

    /// <summary>An Int64 vector.</summary>
    public static Tensor Longs(params long[] values) => tensor(values, new long[] { values.Length }, ScalarType.Int64);

    /// <summary>Relative-or-absolute closeness for host-double computations (both sides see the same inputs).</summary>
    public static bool Close(double actual, double expected, double tolerance = 1e-12) =>
        Math.Abs(actual - expected) <= tolerance * Math.Max(1.0, Math.Abs(expected));

    // ---- generators ----

    /// <summary>Float64 or Float32.</summary>
    public static Gen<ScalarType> Dtypes { get; } = Gen.Elements(ScalarType.Float64, ScalarType.Float32);

    /// <summary>Probability values rich in ties, bin edges (k/30 hits every edge for 1, 2, 3, 5, 6, 10, 15 bins) and extremes.</summary>
    public static Gen<double> ProbabilityValue { get; } = Gen.Frequency(
        (3, Gen.Choose(0, 30).Select(k => k / 30.0)),
        (1, Gen.Elements(0.0, 1.0, 1e-300, 1e-12, 1.0 - 1e-12)),
        (3, Gen.Choose(0, 1_000_000).Select(k => k / 1_000_000.0)));

    /// <summary>Classification cases; half of them with rows normalised to sum to 1.</summary>
    public static Gen<ClassificationCase> ClassificationCases { get; } =
        from n in Gen.Frequency((3, Gen.Choose(1, 10)), (2, Gen.Choose(11, 80)))
        from c in Gen.Choose(2, 6)
        from raw in Gen.ArrayOf(ProbabilityValue, n * c)
        from normalise in Gen.Elements(false, true)
        from target in Gen.ArrayOf(Gen.Choose(0, c - 1).Select(v => (long)v), n)
        from dtype in Dtypes
        select new ClassificationCase(n, c, normalise ? Normalise(raw, n, c) : raw, target, dtype);

    /// <summary>Bin counts including 1 and the edge-rich 5, 10, 15, 30.</summary>
    public static Gen<int> Bins { get; } = Gen.Frequency(
        (3, Gen.Elements(1, 2, 3, 5, 10, 15, 30)), (1, Gen.Choose(1, 50)));

    /// <summary>Scores with many ties (a few distinct values), or continuous, or extreme (±∞, ±0, huge).</summary>
    public static Gen<double> ScoreValue { get; } = Gen.Frequency(
        (3, Gen.Choose(-3, 3).Select(k => (double)k)),
        (2, Gen.Choose(-1_000_000, 1_000_000).Select(k => k / 1000.0)),
        (1, Gen.Elements(double.PositiveInfinity, double.NegativeInfinity, -0.0, 0.0, 1e300, -1e300, 1e-300)));

    /// <summary>Binary cases with at least one positive and one negative.</summary>
    public static Gen<BinaryCase> BinaryCases { get; } =
        from n in Gen.Frequency((3, Gen.Choose(2, 10)), (2, Gen.Choose(11, 120)))
        from score in Gen.ArrayOf(ScoreValue, n)
        from positiveRate in Gen.Elements(0.05, 0.3, 0.5, 0.9)
        from draws in Gen.ArrayOf(Gen.Choose(0, 999), n)
        from first in Gen.Choose(0, n - 1)
        from second in Gen.Choose(0, n - 2)
        from dtype in Dtypes
        select new BinaryCase(score, Labels(draws, positiveRate, first, second), dtype);

    private static bool[] Labels(int[] draws, double rate, int first, int second)
    {
        var labels = draws.Select(d => d < rate * 1000).ToArray();
        int other = second >= first ? second + 1 : second;
        labels[first] = true;
        labels[other] = false;
        return labels;
    }

    private static double[] Normalise(double[] raw, int n, int c)
    {
        var result = (double[])raw.Clone();
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int k = 0; k < c; k++) sum += raw[i * c + k];
            for (int k = 0; k < c; k++) result[i * c + k] = sum > 0 ? raw[i * c + k] / sum : 1.0 / c;
        }

        return result;
    }

    // ---- brute-force references (independent of the library's algorithms) ----

    private static (double Confidence, long Predicted) Top(double[] p, int c, int i)
    {
        long predicted = 0;
        for (int k = 1; k < c; k++)
            if (p[i * c + k] > p[i * c + predicted]) predicted = k;
        return (p[i * c + predicted], predicted);
    }

    /// <summary>Reliability table by scanning every sample for every bin.</summary>
    public static List<(double Lower, double Upper, long Count, double Accuracy, double Confidence)> ReliabilityReference(
        double[] p, long[] y, int n, int c, int bins)
    {
        var table = new List<(double, double, long, double, double)>();
        for (int b = 0; b < bins; b++)
        {
            double lo = (double)b / bins, hi = (double)(b + 1) / bins;
            long count = 0, correct = 0;
            double conf = 0;
            for (int i = 0; i < n; i++)
            {
                var (confidence, predicted) = Top(p, c, i);
                bool inside = (confidence > lo && confidence <= hi) || (b == 0 && confidence == 0.0);
                if (!inside) continue;
                count++;
                conf += confidence;
                if (predicted == y[i]) correct++;
            }

            table.Add(count == 0 ? (lo, hi, 0, double.NaN, double.NaN) : (lo, hi, count, (double)correct / count, conf / count));
        }

        return table;
    }

    /// <summary>ECE from the loop reference.</summary>
    public static double EceReference(double[] p, long[] y, int n, int c, int bins)
    {
        double ece = 0;
        foreach (var bin in ReliabilityReference(p, y, n, c, bins))
            if (bin.Count > 0) ece += bin.Count / (double)n * Math.Abs(bin.Accuracy - bin.Confidence);
        return ece;
    }

    /// <summary>Brier score by loops.</summary>
    public static double BrierReference(double[] p, long[] y, int n, int c)
    {
        double total = 0;
        for (int i = 0; i < n; i++)
            for (int k = 0; k < c; k++)
                total += Math.Pow(p[i * c + k] - (y[i] == k ? 1 : 0), 2);
        return total / n;
    }

    /// <summary>NLL by loops.</summary>
    public static double NllReference(double[] p, long[] y, int n, int c, double epsilon)
    {
        double total = 0;
        for (int i = 0; i < n; i++)
            total += -Math.Log(Math.Max(p[i * c + y[i]], epsilon));
        return total / n;
    }

    /// <summary>AUROC by counting all positive–negative pairs, ties ½.</summary>
    public static double AurocReference(double[] s, bool[] label)
    {
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (!label[i]) continue;
            for (int j = 0; j < s.Length; j++)
            {
                if (label[j]) continue;
                pairs++;
                if (s[i] > s[j]) wins += 1;
                else if (s[i] == s[j]) wins += 0.5;
            }
        }

        return wins / pairs;
    }

    /// <summary>Average precision by the definition, recomputing precision and recall at every distinct threshold.</summary>
    public static double AuprReference(double[] s, bool[] label)
    {
        int positives = label.Count(b => b);
        var thresholds = s.Distinct().OrderByDescending(t => t).ToArray();
        double ap = 0, previousRecall = 0;
        foreach (double t in thresholds)
        {
            int tp = 0, fp = 0;
            for (int i = 0; i < s.Length; i++)
            {
                if (s[i] >= t)
                {
                    if (label[i]) tp++; else fp++;
                }
            }

            double recall = (double)tp / positives, precision = (double)tp / (tp + fp);
            ap += (recall - previousRecall) * precision;
            previousRecall = recall;
        }

        return ap;
    }

    // ---- validation ----

    /// <summary>Bad (probabilities, target) pairs of the classification metrics: case name, exception, ParamName.</summary>
    public static IEnumerable<TestCaseData> ClassificationBadInputs()
    {
        yield return new TestCaseData("NullProbabilities", typeof(ArgumentNullException), "probabilities");
        yield return new TestCaseData("NullTarget", typeof(ArgumentNullException), "target");
        yield return new TestCaseData("DisposedProbabilities", typeof(ArgumentException), "probabilities");
        yield return new TestCaseData("ProbabilitiesRank1", typeof(ArgumentException), "probabilities");
        yield return new TestCaseData("ProbabilitiesRank3TargetRank1", typeof(ArgumentException), "target");
        yield return new TestCaseData("TargetSpatialMismatch", typeof(ArgumentException), "target");
        yield return new TestCaseData("AllIgnored", typeof(ArgumentException), "target");
        yield return new TestCaseData("ProbabilitiesInteger", typeof(ArgumentException), "probabilities");
        yield return new TestCaseData("EmptyBatch", typeof(ArgumentException), "probabilities");
        yield return new TestCaseData("OneClass", typeof(ArgumentException), "probabilities");
        yield return new TestCaseData("ProbabilityAboveOne", typeof(ArgumentException), "probabilities");
        yield return new TestCaseData("ProbabilityNegative", typeof(ArgumentException), "probabilities");
        yield return new TestCaseData("ProbabilityNaN", typeof(ArgumentException), "probabilities");
        yield return new TestCaseData("TargetWrongLength", typeof(ArgumentException), "target");
        yield return new TestCaseData("TargetRank2", typeof(ArgumentException), "target");
        yield return new TestCaseData("TargetFloat", typeof(ArgumentException), "target");
        yield return new TestCaseData("TargetNegative", typeof(ArgumentException), "target");
        yield return new TestCaseData("TargetTooLarge", typeof(ArgumentException), "target");
    }

    /// <summary>Builds the inputs of a <see cref="ClassificationBadInputs"/> case (in the current scope).</summary>
    public static (Tensor? Probabilities, Tensor? Target) ClassificationBad(string name)
    {
        var good = Floats(new[] { 0.7, 0.3, 0.2, 0.8, 0.5, 0.5 }, new long[] { 3, 2 });
        var target = Longs(0, 1, 1);
        switch (name)
        {
            case "NullProbabilities": return (null, target);
            case "NullTarget": return (good, null);
            case "DisposedProbabilities": good.Dispose(); return (good, target);
            case "ProbabilitiesRank1": return (Floats(new[] { 0.5, 0.5, 0.5 }, new long[] { 3 }), target);
            case "ProbabilitiesRank3TargetRank1": return (Floats(new double[12], new long[] { 3, 2, 2 }), target);
            case "TargetSpatialMismatch": return (Floats(new double[24], new long[] { 3, 2, 4 }), zeros(3, 3, ScalarType.Int64));
            case "AllIgnored": return (good, Longs(-100, -100, -100));
            case "ProbabilitiesInteger": return (good.to(ScalarType.Int64), target);
            case "EmptyBatch": return (zeros(0, 2, ScalarType.Float64), zeros(0, ScalarType.Int64));
            case "OneClass": return (ones(3, 1, ScalarType.Float64), zeros(3, ScalarType.Int64));
            case "ProbabilityAboveOne": return (Floats(new[] { 0.7, 0.3, 0.2, 1.5, 0.5, 0.5 }, new long[] { 3, 2 }), target);
            case "ProbabilityNegative": return (Floats(new[] { 0.7, 0.3, -0.2, 0.8, 0.5, 0.5 }, new long[] { 3, 2 }), target);
            case "ProbabilityNaN": return (Floats(new[] { 0.7, 0.3, double.NaN, 0.8, 0.5, 0.5 }, new long[] { 3, 2 }), target);
            case "TargetWrongLength": return (good, Longs(0, 1));
            case "TargetRank2": return (good, zeros(3, 1, ScalarType.Int64));
            case "TargetFloat": return (good, zeros(3, ScalarType.Float32));
            case "TargetNegative": return (good, Longs(0, -1, 1));
            case "TargetTooLarge": return (good, Longs(0, 2, 1));
            default: throw new ArgumentOutOfRangeException(nameof(name));
        }
    }

    /// <summary>Bad (score, label) pairs of the ranking metrics: case name, exception, ParamName.</summary>
    public static IEnumerable<TestCaseData> BinaryBadInputs()
    {
        yield return new TestCaseData("NullScore", typeof(ArgumentNullException), "score");
        yield return new TestCaseData("NullLabel", typeof(ArgumentNullException), "label");
        yield return new TestCaseData("DisposedLabel", typeof(ArgumentException), "label");
        yield return new TestCaseData("ScoreRank0", typeof(ArgumentException), "score");
        yield return new TestCaseData("ScoreRank2LabelRank1", typeof(ArgumentException), "label");
        yield return new TestCaseData("AllIgnored", typeof(ArgumentException), "label");
        yield return new TestCaseData("ScoreInteger", typeof(ArgumentException), "score");
        yield return new TestCaseData("EmptyScore", typeof(ArgumentException), "score");
        yield return new TestCaseData("ScoreNaN", typeof(ArgumentException), "score");
        yield return new TestCaseData("LabelWrongLength", typeof(ArgumentException), "label");
        yield return new TestCaseData("LabelFloat", typeof(ArgumentException), "label");
        yield return new TestCaseData("LabelTwo", typeof(ArgumentException), "label");
        yield return new TestCaseData("NoPositives", typeof(ArgumentException), "label");
    }

    /// <summary>Builds the inputs of a <see cref="BinaryBadInputs"/> case (in the current scope).</summary>
    public static (Tensor? Score, Tensor? Label) BinaryBad(string name)
    {
        var score = Floats(new[] { 0.1, 0.9, 0.4 }, new long[] { 3 });
        var label = Longs(0, 1, 1);
        switch (name)
        {
            case "NullScore": return (null, label);
            case "NullLabel": return (score, null);
            case "DisposedLabel": label.Dispose(); return (score, label);
            case "ScoreRank0": return (Floats(new[] { 0.1 }, Array.Empty<long>()), label);
            case "ScoreRank2LabelRank1": return (Floats(new[] { 0.1, 0.9, 0.4 }, new long[] { 3, 1 }), label);
            case "AllIgnored": return (score, Longs(-100, -100, -100));
            case "ScoreInteger": return (Longs(0, 1, 2), label);
            case "EmptyScore": return (zeros(0, ScalarType.Float64), zeros(0, ScalarType.Int64));
            case "ScoreNaN": return (Floats(new[] { 0.1, double.NaN, 0.4 }, new long[] { 3 }), label);
            case "LabelWrongLength": return (score, Longs(0, 1, 1, 0));
            case "LabelFloat": return (score, Floats(new[] { 0.0, 1.0, 1.0 }, new long[] { 3 }));
            case "LabelTwo": return (score, Longs(0, 2, 1));
            case "NoPositives": return (score, Longs(0, 0, 0));
            default: throw new ArgumentOutOfRangeException(nameof(name));
        }
    }

    /// <summary>Asserts the exact exception type and ParamName.</summary>
    public static void Throws(Type exception, string paramName, TestDelegate call)
    {
        var ex = Assert.Throws(exception, call);
        Assert.That(((ArgumentException)ex!).ParamName, Is.EqualTo(paramName));
    }

    // ---- memory ----

    /// <summary>
    /// Runs <paramref name="metric"/> on two inputs created outside any scope: the live-tensor count is unchanged by
    /// the call, and the inputs keep their values and stay usable.
    /// </summary>
    public static void LeavesNoTensor(Func<Tensor, Tensor, double> metric, Tensor a, Tensor b)
    {
        try
        {
            double[] aBefore;
            using (NewDisposeScope())
                aBefore = a.to(ScalarType.Float64).data<double>().ToArray();
            long live = Live;
            double first = metric(a, b);
            Assert.That(Live, Is.EqualTo(live), "the call left a tensor alive");
            double second = metric(a, b);
            Assert.That(Live, Is.EqualTo(live), "a second call left a tensor alive");
            Assert.That(second, Is.EqualTo(first));
            Assert.That(a.IsInvalid || b.IsInvalid, Is.False, "an input was disposed");
            using var scope = NewDisposeScope();
            Assert.That(a.to(ScalarType.Float64).data<double>().ToArray(), Is.EqualTo(aBefore), "an input was modified");
        }
        finally
        {
            a.Dispose();
            b.Dispose();
        }
    }
}
