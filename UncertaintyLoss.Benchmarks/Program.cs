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
/// Options of our own, removed before BenchmarkDotNet sees the arguments, each restricting one parameter to a
/// comma-separated list: <c>--shapes 128x10[,4096x1000…]</c>, <c>--dtypes Float32[,Float64]</c>,
/// <c>--passes Forward[,ForwardBackward]</c>, <c>--paths Auto[,Composed]</c>. CI's dry run uses <c>--shapes 128x10</c>.
/// </para>
/// <para>
/// <c>--alternate SHAPE [--calls N]</c> runs the alternating loop instead of BenchmarkDotNet (<see cref="Alternating"/>):
/// issue 18's goal rows one call of each in turn, N rounds (default 60), at one shape of <c>--shapes</c>' list.
/// </para>
/// </remarks>
public static class Program
{
    /// <returns>
    /// 0; 1 when a benchmark failed to run (so that CI's dry run catches a broken benchmark); 2 for a bad
    /// <c>--shapes</c>, <c>--dtypes</c>, <c>--passes</c>, <c>--paths</c> or <c>--alternate</c>.
    /// </returns>
    public static int Main(string[] args)
    {
        int alternate = Array.IndexOf(args, "--alternate");
        if (alternate >= 0)
            return RunAlternating(args, alternate);

        var rest = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string option = args[i];
            if (option is not ("--shapes" or "--dtypes" or "--passes" or "--paths"))
            {
                rest.Add(option);
                continue;
            }

            string[] values = i + 1 < args.Length
                ? args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : [];
            bool ok = option switch
            {
                "--shapes" => Select(values, LossBenchmarkBase.AllShapes, v => LossBenchmarkBase.SelectedShapes = v),
                "--dtypes" => SelectEnum<BenchDType>(values, v => LossBenchmarkBase.SelectedDTypes = v),
                "--passes" => SelectEnum<BenchPass>(values, v => LossBenchmarkBase.SelectedPasses = v),
                _ => SelectEnum<BenchPath>(values, v => LossBenchmarkBase.SelectedPaths = v),
            };
            if (!ok)
            {
                Console.Error.WriteLine($"benchmarks: {option} takes a comma-separated list of known values; received '{string.Join(",", values)}'.");
                return 2;
            }
        }

        if (!rest.Any(a => a is "--inProcess" or "-i"))
            rest.Add("--inProcess");
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest.ToArray());
        bool failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
        if (failed)
            Console.Error.WriteLine("benchmarks: at least one benchmark failed to run.");
        return failed ? 1 : 0;
    }

    /// <summary><c>--alternate SHAPE [--calls N]</c> (nothing else): <see cref="Alternating.Run"/>; 2 for a bad argument.</summary>
    private static int RunAlternating(string[] args, int at)
    {
        string? shape = at + 1 < args.Length ? args[at + 1] : null;
        int calls = 60;
        var others = args.Where((_, i) => i != at && i != at + 1).ToArray();
        bool ok = shape is not null && LossBenchmarkBase.AllShapes.Contains(shape);
        if (ok && others.Length > 0)
            ok = others.Length == 2 && others[0] == "--calls" && int.TryParse(others[1], out calls) && calls >= 1;
        if (!ok)
        {
            Console.Error.WriteLine(
                $"benchmarks: --alternate takes one of {string.Join(", ", LossBenchmarkBase.AllShapes)} and optionally --calls N (N ≥ 1); received '{string.Join(" ", args)}'.");
            return 2;
        }

        return Alternating.Run(shape!, calls);
    }

    private static bool Select(string[] values, IReadOnlyList<string> known, Action<IReadOnlyList<string>> set)
    {
        if (values.Length == 0 || values.Any(v => !known.Contains(v)))
            return false;
        set(values);
        return true;
    }

    private static bool SelectEnum<T>(string[] values, Action<IReadOnlyList<T>> set) where T : struct, Enum
    {
        var parsed = new List<T>();
        foreach (var v in values)
        {
            if (!Enum.TryParse<T>(v, ignoreCase: true, out var value) || !Enum.IsDefined(value))
                return false;
            parsed.Add(value);
        }

        if (parsed.Count == 0)
            return false;
        set(parsed);
        return true;
    }
}
