using System;
using System.IO;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace UncertaintyLoss.Demo;

/// <summary>
/// Turns off libtorch's oneDNN (MKL-DNN) CPU kernels, as PyTorch's <c>torch.backends.mkldnn.enabled = False</c> does.
/// </summary>
/// <remarks>
/// <para><b>Why.</b> With TorchSharp 0.107 / libtorch 2.10 on a 2-core AMD EPYC virtual machine (this project's CI
/// machine kind), a plain LeNet trained with Adam and <c>cross_entropy</c> — no function of this library involved —
/// produced NaN logits from finite inputs and weights in 5 of 10 processes (from 1 to 23 of 30 trainings each), and
/// once a process was affected its convolutions kept returning NaN. With oneDNN off: 0 of 300 trainings in 10
/// processes, about 10 % slower (2026-12-03). The Fashion-MNIST runs of this sample failed the same way in one run out
/// of three to five. TorchSharp has no switch for oneDNN, so this calls libtorch's exported
/// <c>at::Context::setUserEnabledMkldnn(false)</c> on <c>at::globalContext()</c>; convolutions then take libtorch's
/// im2col + GEMM path, which gives the same results up to rounding.</para>
/// <para><b>Best effort.</b> The functions are looked up by their C++ names (Itanium on Linux and macOS, MSVC on
/// Windows) in the loaded libtorch_cpu; where they are not found (another libtorch build), nothing changes and
/// <see cref="IsEnabled"/> is null. Copy this file into your own TorchSharp CNN code if its CPU training ends in NaN
/// with finite weights.</para>
/// </remarks>
public static unsafe class OneDnn
{
    private static readonly object Gate = new();
    private static bool tried;
    private static IntPtr context;
    private static delegate* unmanaged<IntPtr, byte, void> setEnabled;
    private static delegate* unmanaged<IntPtr, byte> getEnabled;

    /// <summary>Whether libtorch may use oneDNN, or null where its switch could not be found.</summary>
    public static bool? IsEnabled => Resolve() ? getEnabled(context) != 0 : null;

    /// <summary>Turns oneDNN off for the rest of the process (idempotent); returns whether the switch was found.</summary>
    public static bool Disable()
    {
        if (!Resolve())
            return false;
        setEnabled(context, 0);
        return true;
    }

    private static bool Resolve()
    {
        lock (Gate)
        {
            if (tried)
                return context != IntPtr.Zero;
            tried = true;
            zeros(1).Dispose();   // TorchSharp loads libtorch on its first call

            bool windows = OperatingSystem.IsWindows();
            string file = windows ? "torch_cpu.dll" : OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
            if (!TryLoad(file, out var library))
                return false;
            string contextName = windows ? "?globalContext@at@@YAAEAVContext@1@XZ" : "_ZN2at13globalContextEv";
            string setName = windows ? "?setUserEnabledMkldnn@Context@at@@QEAAX_N@Z" : "_ZN2at7Context20setUserEnabledMkldnnEb";
            string getName = windows ? "?userEnabledMkldnn@Context@at@@QEBA_NXZ" : "_ZNK2at7Context17userEnabledMkldnnEv";
            if (!NativeLibrary.TryGetExport(library, contextName, out var globalContext)
                || !NativeLibrary.TryGetExport(library, setName, out var set)
                || !NativeLibrary.TryGetExport(library, getName, out var get))
                return false;
            setEnabled = (delegate* unmanaged<IntPtr, byte, void>)set;
            getEnabled = (delegate* unmanaged<IntPtr, byte>)get;
            context = ((delegate* unmanaged<IntPtr>)globalContext)();
            return context != IntPtr.Zero;
        }
    }

    /// <summary>The loaded libtorch_cpu: by name (the loader returns the copy already in the process), else from the
    /// application's runtimes folder, where the TorchSharp backend package puts it.</summary>
    private static bool TryLoad(string file, out IntPtr library)
    {
        if (NativeLibrary.TryLoad(file, out library))
            return true;
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        string arch = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "arm64" : "x64";
        var path = Path.Combine(AppContext.BaseDirectory, "runtimes", $"{os}-{arch}", "native", file);
        return File.Exists(path) && NativeLibrary.TryLoad(path, out library);
    }
}
