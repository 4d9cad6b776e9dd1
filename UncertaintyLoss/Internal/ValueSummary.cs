namespace UncertaintyLoss.Internal;

/// <summary>
/// What <see cref="Check.Values"/> read from the data of a classification call: the ranges of the evidence, the target
/// (class indices other than <c>ignoreIndex</c>, or probabilities) and the weights, and whether any class-index target
/// equals <c>ignoreIndex</c>. A range that was not read (no target, no weight, an empty batch) is [0, 0].
/// </summary>
/// <param name="EvidenceMin">The smallest evidence value (NaN if any is NaN).</param>
/// <param name="EvidenceMax">The largest evidence value.</param>
/// <param name="TargetMin">The smallest class index (ignored positions counted as class 0) or probability.</param>
/// <param name="TargetMax">The largest class index (ignored positions counted as class 0) or probability.</param>
/// <param name="WeightMin">The smallest class weight.</param>
/// <param name="WeightMax">The largest class weight.</param>
/// <param name="AnyIgnored">Whether a class-index target equals <c>ignoreIndex</c>: the loss then masks those positions.</param>
internal readonly record struct ValueSummary(double EvidenceMin, double EvidenceMax, double TargetMin, double TargetMax,
    double WeightMin, double WeightMax, bool AnyIgnored)
{
    /// <summary>Nothing read, nothing ignored: the start of a summary, and the summary of a call without positions or weights.</summary>
    internal static ValueSummary Empty { get; } = new(0, 0, 0, 0, 0, 0, AnyIgnored: false);

    /// <summary>
    /// The summary of a call whose values were not read (<see cref="UL.ValidateValues"/> off): the ranges are unknown
    /// (NaN), and any position may be ignored, so the loss builds its ignore mask (a few elementwise operations, no
    /// device synchronisation) and the result is right whether or not a target equals <c>ignoreIndex</c>.
    /// </summary>
    internal static ValueSummary NotRead { get; } = new(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, AnyIgnored: true);
}
