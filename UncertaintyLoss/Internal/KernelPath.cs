using System;
using System.Numerics;
using System.Runtime.Intrinsics;

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
/// The test and benchmark hook that forces a path. Users need at most the public switch <see cref="UL.UseFusedKernels"/>:
/// <see cref="KernelPath.Auto"/> picks the fastest path that applies. The setting flows with the async context, so parallel tests do not see each other's.
/// </summary>
internal static class Kernels
{
    /// <summary>The path forced by a <see cref="Force"/> scope in this async flow (tests and benchmarks).</summary>
    private static readonly FlowSetting<KernelPath> Forced = new();

    /// <summary>The user's <see cref="UL.KernelScope"/> setting for this async flow: true = fused allowed, false = composed.</summary>
    private static readonly FlowSetting<bool> UserFused = new();

    /// <summary>The process-wide path when no <see cref="Force"/> scope is active (the test suite sets it from the
    /// UL_KERNEL_PATH environment variable to run every test on the composed path).</summary>
    internal static KernelPath Default { get; set; }

    /// <summary>The path in force for the current async context: a forced one (tests), else <see cref="KernelPath.Composed"/>
    /// when the user turned the fused kernels off (a <see cref="UL.KernelScope"/>, else <see cref="UL.UseFusedKernels"/>),
    /// else <see cref="Default"/>.</summary>
    internal static KernelPath Path => Forced.Value ?? ((UserFused.Value ?? UL.UseFusedKernels) ? Default : KernelPath.Composed);

    /// <summary>Opens a <see cref="UL.KernelScope"/>.</summary>
    internal static IDisposable UserScope(bool fused) => UserFused.Scope(fused);

    /// <summary>Forces <paramref name="path"/> until the returned scope is disposed.</summary>
    internal static IDisposable Force(KernelPath path) => Forced.Scope(path);

    /// <summary>
    /// Whether this process's CPU runs 512-bit vectors fast (<see cref="Vector512.IsHardwareAccelerated"/>, .NET's own
    /// judgement for this CPU; true on this project's AVX-512 machine) while <see cref="Vector{T}"/> is narrower (its default 256
    /// bits): then the fused kernels run their <see cref="Vector512{T}"/> copy (namespace <c>Internal.Fused.Wide</c>, generated
    /// at build time from the <see cref="Vector{T}"/> source by build/WideKernels.targets), eight doubles per instruction.
    /// Both copies compute every lane with the same operations (FMA included: every AVX-512 CPU has it), so they give the
    /// same bits.
    /// </summary>
    internal static readonly bool Vector512Available =
        Vector512.IsHardwareAccelerated && Vector<double>.Count < Vector512<double>.Count;

    /// <summary>The <see cref="Vector{T}"/> kernels forced by a <see cref="ForceVectorT"/> scope in this async flow (tests and benchmarks).</summary>
    private static readonly FlowSetting<bool> VectorTForced = new();

    /// <summary>Whether the fused kernels use <see cref="Vector{T}"/> process-wide even where 512-bit vectors are available
    /// (the test suite sets it from the UL_KERNEL_WIDTH environment variable to run every test on them).</summary>
    internal static bool DefaultVectorT { get; set; }

    /// <summary>Whether the fused kernels run on 512-bit vectors (the <c>Internal.Fused.Wide</c> copy) in the current async context.</summary>
    internal static bool UseVector512 => Vector512Available && !(VectorTForced.Value ?? DefaultVectorT);

    /// <summary>Runs the fused kernels on <see cref="Vector{T}"/> (<paramref name="vectorT"/> true) or, where available,
    /// on 512-bit vectors (false) until the returned scope is disposed.</summary>
    internal static IDisposable ForceVectorT(bool vectorT) => VectorTForced.Scope(vectorT);

    /// <summary>Whether the evidential row kernel's KL loop renormalises its products after every vector in this async flow
    /// even where <see cref="Fused.FusedLoss.ProductGroupLimit"/> allows groups (tests compare the two: they give the same bits).</summary>
    private static readonly FlowSetting<bool> UngroupedProducts = new();

    /// <summary>True inside a <see cref="ForceUngroupedProducts"/> scope (the job reads it on the calling thread).</summary>
    internal static bool UngroupedProductsForced => UngroupedProducts.Value ?? false;

    /// <summary>Renormalises the KL loop's products after every vector until the returned scope is disposed.</summary>
    internal static IDisposable ForceUngroupedProducts() => UngroupedProducts.Scope(true);
}
