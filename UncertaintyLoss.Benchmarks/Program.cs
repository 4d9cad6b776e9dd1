using System;
using System.Linq;
using BenchmarkDotNet.Running;

namespace UncertaintyLoss.Benchmarks;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release --project UncertaintyLoss.Benchmarks -- --filter *</c>;
/// a quick dry run (one iteration of each, no statistics): add <c>--job Dry</c>.
/// </summary>
/// <remarks>
/// Benchmarks run in-process (BenchmarkDotNet's <c>--inProcess</c>, added unless given). BenchmarkDotNet's
/// out-of-process toolchain builds a generated project that skips this repository's Directory.Build.targets, so
/// on Linux hosts with an older libstdc++ its copy of TorchSharp's native library would not get the fix described
/// in docs/older-linux.md.
/// </remarks>
public static class Program
{
    /// <returns>0, or 1 when a benchmark failed to run (so that CI's dry run catches a broken benchmark).</returns>
    public static int Main(string[] args)
    {
        if (!args.Any(a => a is "--inProcess" or "-i"))
            args = args.Append("--inProcess").ToArray();
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        bool failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
        if (failed)
            Console.Error.WriteLine("benchmarks: at least one benchmark failed to run.");
        return failed ? 1 : 0;
    }
}
