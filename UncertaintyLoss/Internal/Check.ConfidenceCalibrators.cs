using System.Linq;
using static TorchSharp.torch;

namespace UncertaintyLoss.Internal;

/// <summary>The checks of the confidence calibrators (<see cref="Metrics.HistogramBinning"/>, <see cref="Metrics.IsotonicRegression"/>).</summary>
internal static partial class Check
{
    /// <summary>Floating values in [0, 1], no NaN. One host transfer.</summary>
    internal static void UnitInterval(Tensor? t, string name)
    {
        var x = Floating(t, name);
        using var scope = NewDisposeScope();
        if (x.numel() == 0)
            return;
        var d = x.to(ScalarType.Float64);
        double[] s = ToHost([d.isnan().any().to(ScalarType.Float64), d.nan_to_num(0.5).min(), d.nan_to_num(0.5).max()]);
        if (s[0] != 0)
            throw Invalid(name, Inv($"{name} without NaN"), "a NaN");
        if (s[1] < 0 || s[2] > 1)
            throw Invalid(name, Inv($"{name} in [0, 1]"), Inv($"values from {Format(s[1])} to {Format(s[2])}"));
    }

    /// <summary>
    /// Binary labels of <paramref name="probability"/>'s shape, on its device, Bool or integer, every value 0, 1 or
    /// <paramref name="ignoreIndex"/>, at least one kept. One host transfer.
    /// </summary>
    internal static void BinaryLabels(Tensor probability, Tensor? label, long ignoreIndex, string name, string probabilityName)
    {
        var y = Live(label, name);
        if (y.dtype != ScalarType.Bool && !IsInteger(y.dtype))
            throw Invalid(name, Inv($"{name} to hold 0/1 labels (Bool or an integer dtype)"), y.dtype.ToString());
        if (!y.shape.SequenceEqual(probability.shape))
            throw Invalid(name, Inv($"{name} of shape {Shape(probability)} ({probabilityName}' shape)"), "shape " + Shape(y));
        SameDevice(y, name, probability, probabilityName + "'");
        using var scope = NewDisposeScope();
        var v = y.to(ScalarType.Int64);
        var keep = v.ne(ignoreIndex);
        var kept = v.masked_select(keep);
        if (kept.numel() == 0)
            throw Invalid(name, Inv($"{name} to keep at least one position (values other than ignoreIndex {ignoreIndex})"),
                y.numel() == 0 ? "an empty tensor" : "only ignored positions");
        double[] s = ToHost([kept.min(), kept.max()]);
        if (s[0] < 0 || s[1] > 1)
            throw Invalid(name, Inv($"labels 0 or 1 or equal to ignoreIndex {ignoreIndex}"), Inv($"values from {Format((long)s[0])} to {Format((long)s[1])}"));
    }
}
