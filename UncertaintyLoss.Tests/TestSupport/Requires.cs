using System.IO;
using NUnit.Framework;
using static TorchSharp.torch;

namespace UncertaintyLoss.Tests.TestSupport;

/// <summary>
/// Preconditions that a machine may lack. A missing one ignores the test: NUnit reports it as skipped, with the reason,
/// and VSTest's summary counts it under "Skipped" (an <c>Assume.That</c> — inconclusive — is counted as passed there).
/// </summary>
public static class Requires
{
    /// <summary>Returns the CUDA device, or skips the test without one.</summary>
    public static Device Cuda()
    {
        if (!cuda.is_available())
            Assert.Ignore("CUDA is not available (a CUDA TorchSharp backend and a GPU are needed: docs/contributing.md).");
        return CUDA;
    }

    /// <summary>Skips the test where CUDA is available (it checks the behaviour without a GPU).</summary>
    public static void NoCuda()
    {
        if (cuda.is_available())
            Assert.Ignore("CUDA is available here; this test checks the behaviour without it.");
    }

    /// <summary>Skips the test when <paramref name="path"/> (a file or a directory) is missing.</summary>
    public static void Path(string path, string install)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            Assert.Ignore($"{path} is not installed ({install}).");
    }
}
