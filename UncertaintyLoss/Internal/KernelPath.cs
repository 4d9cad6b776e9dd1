using System;
using System.Threading;

namespace UncertaintyLoss.Internal;

/// <summary>Which implementation the classification losses run.</summary>
internal enum KernelPath
{
    /// <summary>The fused CPU kernel where it applies (contiguous Float32/Float64 CPU evidence, index targets), else composed.</summary>
    Auto,

    /// <summary>Always the composed TorchSharp operations (the path every other device and dtype takes).</summary>
    Composed,

    /// <summary>The fused CPU kernel; a call it cannot serve throws <see cref="InvalidOperationException"/> (tests only).</summary>
    Fused,
}

/// <summary>
/// The test and benchmark hook that forces a path. Users never need it: <see cref="KernelPath.Auto"/> picks the
/// fastest path that applies. The setting flows with the async context, so parallel tests do not see each other's.
/// </summary>
internal static class Kernels
{
    private static readonly AsyncLocal<KernelPath?> Forced = new();

    /// <summary>The process-wide path when no <see cref="Force"/> scope is active (the test suite sets it from the
    /// UL_KERNEL_PATH environment variable to run every test on the composed path).</summary>
    internal static KernelPath Default { get; set; }

    /// <summary>The path in force for the current async context.</summary>
    internal static KernelPath Path => Forced.Value ?? Default;

    /// <summary>Forces <paramref name="path"/> until the returned scope is disposed.</summary>
    internal static IDisposable Force(KernelPath path)
    {
        var previous = Forced.Value;
        Forced.Value = path;
        return new Restore(previous);
    }

    private sealed class Restore(KernelPath? previous) : IDisposable
    {
        public void Dispose() => Forced.Value = previous;
    }
}
