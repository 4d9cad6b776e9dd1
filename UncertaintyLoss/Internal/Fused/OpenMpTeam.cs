using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace UncertaintyLoss.Internal.Fused;

/// <summary>
/// Runs the fused kernels' parallel chunks on libtorch's own OpenMP threads (GNU libgomp's <c>GOMP_parallel</c>, the entry
/// point a compiler emits for <c>#pragma omp parallel</c>), where libtorch uses libgomp; <see cref="IsAvailable"/> is false
/// elsewhere and the callers use <see cref="System.Threading.Tasks.Parallel"/>.
/// </summary>
/// <remarks>
/// <para><b>Why.</b> After each parallel libtorch operation (the gradient accumulation into <c>x.grad</c>, the optimiser
/// step) libgomp's worker threads keep spinning for a few milliseconds before they sleep. A .NET worker started in that
/// window finds the second core taken and shares the caller's: measured on this project's 2-vCPU machine (issue 18, third
/// and fourth sessions), the evidential loss's forward pass at 4096 × 1000 took 7.2 ms right after a libtorch parallel
/// operation against 4.4–4.7 ms 5 ms later (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/performance.md">performance.md</see>). The spinning threads are idle, waiting for work: given
/// the chunks, they run them at once.</para>
/// <para><b>How.</b> libgomp is found among the process's mapped files (<c>/proc/self/maps</c>; libtorch ships it as
/// <c>libgomp-&lt;hash&gt;.so.1</c>), Linux only. Each team thread takes chunks from a shared counter until none is left,
/// so which thread runs which chunk does not matter: the callers sum per chunk, in chunk order. A managed exception in a
/// chunk is caught on the team thread (it must not cross native frames), the remaining chunks are skipped and the
/// exception is rethrown on the calling thread.</para>
/// <para><b>Threads.</b> As for libtorch's own parallel operations, libgomp keeps a team per calling thread: a loss called
/// from several threads at once gets a team on each, whose threads persist (they sleep after their spin).</para>
/// <para><b>Switch.</b> <c>UL_OPENMP=0</c> in the environment (read once) keeps the .NET thread pool.</para>
/// </remarks>
internal static unsafe class OpenMpTeam
{
    /// <summary>The name of the environment variable that turns the OpenMP team off ("0").</summary>
    internal const string SwitchVariable = "UL_OPENMP";

    private static readonly delegate* unmanaged<delegate* unmanaged<nint, void>, nint, uint, uint, void> Parallel = Resolve();

    /// <summary>Whether libgomp's <c>GOMP_parallel</c> was found (and not switched off) and <see cref="Enabled"/>.</summary>
    internal static bool IsAvailable => Parallel != null && Enabled;

    /// <summary>Whether libgomp's <c>GOMP_parallel</c> was found in this process (and <see cref="SwitchVariable"/> is not "0").</summary>
    internal static bool Found => Parallel != null;

    /// <summary>Process-wide switch for the tests, which compare the OpenMP team with the .NET thread pool (default true).</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>Parallel regions started since the process began (tests check that the team runs where it should).</summary>
    internal static long RegionsStarted => Interlocked.Read(ref regionsStarted);

    private static long regionsStarted;

    /// <summary>Runs <paramref name="chunk"/>(k) for 0 ≤ k &lt; <paramref name="chunks"/> on a team of
    /// <paramref name="threads"/> OpenMP threads, the calling thread among them; returns when every chunk has run.</summary>
    /// <exception cref="InvalidOperationException"><see cref="IsAvailable"/> is false.</exception>
    internal static void For(int chunks, int threads, Action<int> chunk)
    {
        if (!IsAvailable)
            throw new InvalidOperationException("libgomp's GOMP_parallel is not available in this process.");
        var work = new Work(chunks, chunk);
        var handle = GCHandle.Alloc(work);
        try
        {
            Interlocked.Increment(ref regionsStarted);
            Parallel(&Run, GCHandle.ToIntPtr(handle), (uint)threads, 0);
        }
        finally
        {
            handle.Free();
        }

        work.Failure?.Throw();
    }

    /// <summary>The shared state of one parallel region.</summary>
    private sealed class Work(int chunks, Action<int> chunk)
    {
        internal readonly int Chunks = chunks;
        internal readonly Action<int> Chunk = chunk;
        internal int Next;
        internal ExceptionDispatchInfo? Failure;
    }

    /// <summary>The body of the parallel region, on every team thread: chunks from the shared counter until none is left.</summary>
    [UnmanagedCallersOnly]
    private static void Run(nint data)
    {
        var work = (Work)GCHandle.FromIntPtr(data).Target!;
        try
        {
            int k;
            while ((k = Interlocked.Increment(ref work.Next) - 1) < work.Chunks)
                work.Chunk(k);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref work.Failure, ExceptionDispatchInfo.Capture(e), null);
            Volatile.Write(ref work.Next, work.Chunks);   // the other threads stop after their current chunk
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static delegate* unmanaged<delegate* unmanaged<nint, void>, nint, uint, uint, void> Resolve()
    {
        try
        {
            if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(SwitchVariable) == "0")
                return null;
            _ = TorchSharp.torch.get_num_threads();   // libtorch (and its libgomp) loaded
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash < 0)
                    continue;
                var path = line[slash..];
                var name = Path.GetFileName(path);
                if (!name.StartsWith("libgomp", StringComparison.Ordinal) || !name.Contains(".so", StringComparison.Ordinal))
                    continue;
                if (NativeLibrary.TryLoad(path, out var library) && NativeLibrary.TryGetExport(library, "GOMP_parallel", out var address))
                    return (delegate* unmanaged<delegate* unmanaged<nint, void>, nint, uint, uint, void>)address;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or BadImageFormatException)
        {
        }

        return null;
    }
}
