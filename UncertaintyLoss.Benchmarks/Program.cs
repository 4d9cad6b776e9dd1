using System;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Running;

namespace UncertaintyLoss.Benchmarks;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release --project UncertaintyLoss.Benchmarks -- --filter *</c>;
/// a quick dry run (one iteration of each, no statistics): add <c>--job Dry</c>.
/// </summary>
/// <remarks>
/// <para>
/// Benchmarks run in-process (BenchmarkDotNet's <c>--inProcess</c>, added unless given). BenchmarkDotNet's
/// out-of-process toolchain builds a generated project that skips this repository's Directory.Build.targets, so
/// on Linux hosts with an older libstdc++ its copy of TorchSharp's native library would not get the fix described
/// in docs/older-linux.md.
/// </para>
/// <para>
/// One option of our own, removed before BenchmarkDotNet sees the arguments: <c>--shapes 128x10[,4096x1000…]</c>
/// restricts the <c>Shape</c> parameter to the listed shapes (every method, dtype, pass and path still runs).
/// CI's dry run uses <c>--shapes 128x10</c>.
/// </para>
/// </remarks>
public static class Program
{
    /// <returns>
    /// 0; 1 when a benchmark failed to run (so that CI's dry run catches a broken benchmark); 2 for a bad
    /// <c>--shapes</c>.
    /// </returns>
    public static int Main(string[] args)
    {
        var rest = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] != "--shapes")
            {
                rest.Add(args[i]);
                continue;
            }

            string[] shapes = i + 1 < args.Length
                ? args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : [];
            var unknown = shapes.Where(s => !LossBenchmarkBase.AllShapes.Contains(s)).ToArray();
            if (shapes.Length == 0 || unknown.Length > 0)
            {
                Console.Error.WriteLine(
                    $"benchmarks: --shapes takes a comma-separated list of {string.Join(", ", LossBenchmarkBase.AllShapes)}" +
                    (unknown.Length > 0 ? $"; unknown: {string.Join(", ", unknown)}" : "."));
                return 2;
            }

            LossBenchmarkBase.SelectedShapes = shapes;
        }

        if (!rest.Any(a => a is "--inProcess" or "-i"))
            rest.Add("--inProcess");
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest.ToArray());
        bool failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
        if (failed)
            Console.Error.WriteLine("benchmarks: at least one benchmark failed to run.");
        return failed ? 1 : 0;
    }
}
