using System;
using UncertaintyLoss.Internal;

namespace UncertaintyLoss;

public static partial class UL
{
    /// <summary>
    /// The process-wide default of whether the functions check the values of their tensors (default
    /// <see langword="true"/>), like <c>validate_args</c> of <c>torch.distributions</c>. A <see cref="ValidationScope"/>
    /// overrides it for one thread or async flow.
    /// </summary>
    /// <remarks>
    /// <para><b>What it turns off.</b> The value checks that read tensor data: evidence in [0, <see cref="MaxEvidence"/>]
    /// (the classification losses; the uncertainty measures: non-negative and finite), class indices in [0, C),
    /// probability targets in [0, 1], finite non-negative class weights, and the regression minima (a positive
    /// <c>yRisk</c> or <c>variance</c>; ν &gt; 0, α &gt; 1, β &gt; 0). Each call gathers these minima and maxima with one
    /// reduction and copies them to the host: one device-to-host transfer, which on a GPU is a synchronisation — the
    /// host waits for the queued kernels, and the next kernel cannot be queued ahead. Turning the checks off removes that
    /// wait. Shape, dtype, device and option checks read metadata only and always run.</para>
    /// <para><b>What it does not turn off.</b> The fused CPU kernel of <see cref="EvidentialLoss"/> and
    /// <see cref="MaxNormLoss"/> scans its CPU evidence, class indices and weights before it starts, whatever this switch
    /// says: that scan is a pass over host memory, not a device synchronisation, and the class-index check guards the
    /// kernel's unchecked memory accesses, so it can never be skipped. The evaluation metrics
    /// (<see cref="Metrics.Calibration"/>, <see cref="Metrics.Ranking"/>, <see cref="Metrics.ScoringRules"/>) always check
    /// their values too: they copy their inputs to the host to compute, so their checks add no synchronisation.</para>
    /// <para><b>The risk.</b> With the checks off, an invalid value gives whatever the math gives, with no exception:
    /// NaN or ±∞ losses and gradients (negative or infinite evidence, a non-positive scale), or silently wrong but finite
    /// losses (evidence above <see cref="MaxEvidence"/> loses accuracy, probabilities outside [0, 1], negative weights);
    /// a class index outside [0, C) raises libtorch's own error from the one-hot scatter (on CUDA a device-side assertion,
    /// which leaves the CUDA context unusable). Turn the checks off only for code whose inputs are known to be valid —
    /// e.g. after the first epochs of a training loop ran with them on — and keep them on in tests.</para>
    /// <para>The setting is process-wide: changing it affects every thread; use <see cref="ValidationScope"/> to change it
    /// for one piece of code only. Details:
    /// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/conventions.md#value-checks-and-gpu-synchronisation">conventions.md, "Value checks and GPU synchronisation"</see>.</para>
    /// </remarks>
    public static bool ValidateValues { get; set; } = true;

    /// <summary>
    /// Turns the value checks (see <see cref="ValidateValues"/>) on or off for the current thread and async flow until the
    /// returned scope is disposed, whatever <see cref="ValidateValues"/> says. Other threads and async flows are not
    /// affected.
    /// </summary>
    /// <param name="validateValues">Whether the functions check the values of their tensors inside the scope.</param>
    /// <returns>A scope that restores the previous setting of this flow when disposed (disposing it twice does nothing).</returns>
    /// <remarks>
    /// <para>The setting is an <see cref="System.Threading.AsyncLocal{T}"/>, as <see cref="KernelScope"/>'s: it flows into
    /// <c>await</c> continuations and into tasks started inside the scope, and a scope opened inside a task does not leak
    /// out to its caller. Scopes nest; dispose them in reverse order, as <c>using</c> does.</para>
    /// <para>With the checks off, invalid values are not reported: see <see cref="ValidateValues"/> for what they give
    /// instead.</para>
    /// <para>Example: <c>using (UL.ValidationScope(validateValues: false)) { loss = UL.EvidentialLoss(evidence, target); }</c>.</para>
    /// </remarks>
    public static IDisposable ValidationScope(bool validateValues) => ValueChecks.Scope(validateValues);
}
