namespace UncertaintyLoss;

public static partial class UL
{
    /// <summary>
    /// Whether <see cref="EvidentialLoss"/> and <see cref="MaxNormLoss"/> may use their fused CPU kernel (default
    /// <see langword="true"/>): one vectorised double-precision pass computing the loss and its analytic gradient, used for
    /// contiguous Float32/Float64 CPU evidence with class-index targets (docs/performance.md).
    /// </summary>
    /// <remarks>
    /// The fused kernel's gradient is first-order: autograd sees it as a constant, so a second differentiation through
    /// the loss (<c>backward</c> or <c>torch.autograd.grad</c> with <c>create_graph: true</c>, e.g. for a gradient
    /// penalty) sees no curvature from it. Set this to <see langword="false"/> for such uses: the losses then compose
    /// TorchSharp operations, as they always do on other devices and dtypes, and autograd differentiates them to any
    /// order. The setting is process-wide; results agree between the two paths to rounding (1e-10 relative in Float64).
    /// </remarks>
    public static bool UseFusedKernels { get; set; } = true;
}
