using System.Threading;
using UncertaintyLoss.Internal.Fused;

namespace UncertaintyLoss.Tests.Fused;

/// <summary>
/// <see cref="OpenMpTeam"/> (issue 18, fourth session): the fused kernels' chunks on libtorch's OpenMP threads. Found on
/// Linux, where libtorch ships libgomp; every chunk runs exactly once whatever the team size; an exception in a chunk
/// reaches the caller (it must not cross the native frames) and later calls still work. The fused results' independence of
/// the threads is <see cref="FusedPathTests.FusedPath_OneOrTwoThreads_BitwiseIdentical"/>.
/// </summary>
[TestFixture]
public class OpenMpTeamTests
{
    [SetUp]
    public void RequireTeam()
    {
        if (!OpenMpTeam.Found)
            Assert.Ignore("libgomp's GOMP_parallel is not in this process (not Linux, another OpenMP runtime, or UL_OPENMP=0).");
    }

    /// <summary>On Linux x64 with the libtorch-cpu package this project uses, libgomp is found (unless switched off).</summary>
    [Test]
    public void Found_OnLinuxWithLibtorchCpu()
    {
        Assert.That(OperatingSystem.IsLinux(), Is.True);
        Assert.That(OpenMpTeam.IsAvailable, Is.True);
    }

    /// <summary>Every chunk exactly once, for 1 to 4 threads and 0 to 1000 chunks.</summary>
    [Test]
    public void For_RunsEveryChunkExactlyOnce([Values(1, 2, 3, 4)] int threads, [Values(0, 1, 7, 1000)] int chunks)
    {
        var counts = new int[chunks];
        long regions = OpenMpTeam.RegionsStarted;
        OpenMpTeam.For(chunks, threads, k => Interlocked.Increment(ref counts[k]));
        Assert.That(counts, Is.All.EqualTo(1));
        Assert.That(OpenMpTeam.RegionsStarted, Is.EqualTo(regions + 1));
    }

    /// <summary>A chunk that throws: the exception (type, message) on the calling thread; chunks after it may be skipped,
    /// none runs twice; the team works again afterwards.</summary>
    [Test]
    public void For_ChunkThrows_RethrownOnCaller_TeamStillWorks()
    {
        var counts = new int[200];
        var e = Assert.Throws<InvalidOperationException>(() => OpenMpTeam.For(200, 2, k =>
        {
            Interlocked.Increment(ref counts[k]);
            if (k == 37)
                throw new InvalidOperationException("chunk 37");
        }));
        Assert.That(e!.Message, Is.EqualTo("chunk 37"));
        Assert.That(counts, Is.All.LessThanOrEqualTo(1));
        Assert.That(counts[37], Is.EqualTo(1));

        var again = new int[50];
        OpenMpTeam.For(50, 2, k => Interlocked.Increment(ref again[k]));
        Assert.That(again, Is.All.EqualTo(1));
    }
}
