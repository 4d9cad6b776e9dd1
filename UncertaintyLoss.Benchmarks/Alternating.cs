using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;

namespace UncertaintyLoss.Benchmarks;

/// <summary>
/// The alternating loop (<c>--alternate 4096x1000 [--calls 60]</c>; docs/performance.md, "The alternating loop"): issue 18's
/// goal rows of <see cref="WithLogitsBenchmarks"/> (Float32, forward + backward, the fused path), one call of each in
/// turn (each round starting one row later), round after round, in one process, timed one call at a time. A disturbance of a shared host then falls on every
/// row alike, where BenchmarkDotNet measures one case after another for about a minute each, so the ratios to
/// <c>cross_entropy</c> move less between runs. It is a second measure beside BenchmarkDotNet's rows (the goal's own),
/// not a replacement: no warm-up detection, no outlier statistics, the first five rounds simply dropped.
/// </summary>
internal static class Alternating
{
    /// <summary>Rounds dropped before the timings count (JIT tiers, the allocator's first large blocks).</summary>
    private const int WarmupRounds = 5;

    /// <summary>Runs <paramref name="calls"/> rounds at <paramref name="shape"/> and prints each row's 10th percentile and
    /// median, and their ratios to <c>cross_entropy</c>'s; 0.</summary>
    internal static int Run(string shape, int calls)
    {
        var bench = new WithLogitsBenchmarks
        {
            Shape = shape,
            DType = BenchDType.Float32,
            Pass = BenchPass.ForwardBackward,
            Path = BenchPath.Auto,
        };
        var rows = new (string Name, Func<double> Call)[]
        {
            (nameof(WithLogitsBenchmarks.CrossEntropy), bench.CrossEntropy),
            (nameof(WithLogitsBenchmarks.EvidentialWithLogits), bench.EvidentialWithLogits),
            (nameof(WithLogitsBenchmarks.EvidentialWithLogitsWithoutKl), bench.EvidentialWithLogitsWithoutKl),
            (nameof(WithLogitsBenchmarks.EvidentialLogWithLogits), bench.EvidentialLogWithLogits),
            (nameof(WithLogitsBenchmarks.EvidentialDigammaWithLogits), bench.EvidentialDigammaWithLogits),
            (nameof(WithLogitsBenchmarks.RelaxedWithLogits), bench.RelaxedWithLogits),
            (nameof(WithLogitsBenchmarks.MaxNormWithLogits), bench.MaxNormWithLogits),
        };
        var times = rows.Select(_ => new List<double>()).ToArray();
        bench.Setup();
        try
        {
            for (int round = 0; round < WarmupRounds + calls; round++)
            {
                for (int k = 0; k < rows.Length; k++)
                {
                    int i = (round + k) % rows.Length;   // each row first in turn: no row always follows the same one
                    long start = Stopwatch.GetTimestamp();
                    rows[i].Call();
                    double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    if (round >= WarmupRounds)
                        times[i].Add(ms);
                }
            }
        }
        finally
        {
            bench.Cleanup();
        }

        Console.WriteLine(FormattableString.Invariant(
            $"alternating: {shape}, Float32, forward + backward, {calls} rounds after {WarmupRounds}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        Console.WriteLine("| row | p10 | median | ratio (p10) | ratio (median) |");
        Console.WriteLine("|---|---|---|---|---|");
        double baseP10 = Percentile(times[0], 0.1), baseMedian = Percentile(times[0], 0.5);
        for (int i = 0; i < rows.Length; i++)
        {
            double p10 = Percentile(times[i], 0.1), median = Percentile(times[i], 0.5);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {rows[i].Name} | {p10:F3} ms | {median:F3} ms | {p10 / baseP10:F2}× | {median / baseMedian:F2}× |"));
        }

        return 0;
    }

    /// <summary>The <paramref name="q"/> quantile of <paramref name="values"/> by the nearest rank below.</summary>
    private static double Percentile(List<double> values, double q)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted[(int)(q * (sorted.Length - 1))];
    }
}
