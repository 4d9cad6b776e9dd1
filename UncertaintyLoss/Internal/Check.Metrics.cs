using System.Linq;
using static TorchSharp.torch;

namespace UncertaintyLoss.Internal;

/// <summary>
/// The checks of the evaluation metrics (<see cref="Metrics.Calibration"/>, <see cref="Metrics.Ranking"/>,
/// <see cref="Metrics.ScoringRules"/>). The metadata checks run first; the value checks run on the host copies that the
/// metrics compute on (<see cref="Metrics.MetricInputs"/>), so they cost no device synchronisation of their own and do not
/// depend on <see cref="ValueChecks.Enabled"/>.
/// </summary>
internal static partial class Check
{
    /// <summary>
    /// The hint for class probabilities out of [0, 1] (or rows that do not sum to 1), from the smallest and largest value
    /// seen: negative values look like logits, non-negative values above 1 (or non-negative rows that do not sum to 1) like
    /// evidence. Null for NaN.
    /// </summary>
    internal static string? NotProbabilitiesHint(double min, double max, bool rowSum = false)
    {
        if (double.IsNaN(min) || double.IsNaN(max))
            return null;
        if (min < 0)
            return "negative values look like logits: pass softmax(logits, 1), or UL.DirichletMean(evidence) for evidence";
        if (max > 1 || rowSum)
            return (rowSum ? "non-negative rows that do not sum to 1" : "non-negative values above 1") +
                   " look like evidence: pass UL.DirichletMean(evidence), the expected class probabilities α/S, or softmax(logits, 1) for logits";
        return null;
    }

    /// <summary>A (N, C, d1, …, dk) floating probability tensor (k ≥ 0) with N ≥ 1, C ≥ 2 and at most
    /// <see cref="int.MaxValue"/> elements, and an (N, d1, …, dk) integer class-index target on its device.</summary>
    /// <returns>The number of positions N·d1·…·dk and C.</returns>
    internal static (int Positions, int C) MetricClassification(Tensor? probabilities, Tensor? target, string probabilitiesName, string targetName)
    {
        var p = Live(probabilities, probabilitiesName);
        var y = Live(target, targetName);
        if (p.dim() < 2)
            throw Invalid(probabilitiesName, Inv($"{probabilitiesName} of shape (N, C) or (N, C, d1, ..., dk) (rank >= 2)"), "shape " + Shape(p));
        Floating(p, probabilitiesName);
        long n = p.shape[0], c = p.shape[1];
        if (n < 1)
            throw Invalid(probabilitiesName, Inv($"{probabilitiesName} to hold at least one sample"), "shape " + Shape(p));
        Classes(p, probabilitiesName);
        if (p.numel() > int.MaxValue)
            throw Invalid(probabilitiesName, Inv($"{probabilitiesName} of at most {int.MaxValue} elements"), "shape " + Shape(p));
        var expected = new long[p.dim() - 1];
        expected[0] = n;
        for (int d = 2; d < p.dim(); d++)
            expected[d - 1] = p.shape[d];
        if (!y.shape.SequenceEqual(expected))
            throw Invalid(targetName, Inv($"{targetName} of shape {Shape(expected)} (one class index per sample and position)"), "shape " + Shape(y));
        if (!IsInteger(y.dtype))
            throw Invalid(targetName, Inv($"{targetName} to hold integer class indices (Int64, Int32, Int16, Int8 or Byte)"), y.dtype.ToString());
        SameDevice(y, targetName, p, probabilitiesName + "'");
        return ((int)(p.numel() / c), (int)c);
    }

    /// <summary>A floating score tensor of rank ≥ 1 with at least one element and a Bool or integer label tensor of the same
    /// shape on its device.</summary>
    internal static void MetricBinary(Tensor? score, Tensor? label, string scoreName, string labelName)
    {
        var s = Live(score, scoreName);
        var l = Live(label, labelName);
        if (s.dim() < 1)
            throw Invalid(scoreName, Inv($"{scoreName} of shape (N) or (N, d1, ..., dk) (rank >= 1)"), "shape " + Shape(s));
        Floating(s, scoreName);
        if (s.numel() < 1)
            throw Invalid(scoreName, Inv($"{scoreName} to hold at least one sample"), "shape " + Shape(s));
        if (s.numel() > int.MaxValue)
            throw Invalid(scoreName, Inv($"{scoreName} of at most {int.MaxValue} elements"), "shape " + Shape(s));
        if (!l.shape.SequenceEqual(s.shape))
            throw Invalid(labelName, Inv($"{labelName} of shape {Shape(s)} (one label per score)"), "shape " + Shape(l));
        if (l.dtype != ScalarType.Bool && !IsInteger(l.dtype))
            throw Invalid(labelName, Inv($"{labelName} of dtype Bool, or an integer dtype holding 0 and 1"), l.dtype.ToString());
        SameDevice(l, labelName, s, scoreName + "'s");
    }

    /// <summary>At least one position is left once the positions whose target equals ignoreIndex are dropped.</summary>
    internal static void SomeKept(int kept, int positions, long ignoreIndex, string targetName)
    {
        if (kept == 0)
            throw Invalid(targetName, Inv($"{targetName} to hold at least one position not equal to ignoreIndex ({ignoreIndex})"),
                Inv($"all {positions} position(s) ignored"));
    }

    /// <summary>The NLL floor ε in (0, 1].</summary>
    internal static void Epsilon(double epsilon, string name) =>
        InRange(epsilon > 0.0 && epsilon <= 1.0, epsilon, name, Inv($"{name} in (0, 1]"));

    /// <summary>A true-positive rate in (0, 1].</summary>
    internal static void TruePositiveRate(double tpr, string name) =>
        InRange(tpr > 0.0 && tpr <= 1.0, tpr, name, Inv($"{name} in (0, 1]"));

    /// <summary>The ignore index of a binary label: neither 0 nor 1.</summary>
    internal static void BinaryIgnoreIndex(long ignoreIndex, string name) =>
        InRange(ignoreIndex != 0 && ignoreIndex != 1, ignoreIndex, name, Inv($"{name} other than the labels 0 and 1"));

    /// <summary>Null, or a number of significant bits in [1, 53].</summary>
    internal static void RankBits(int? bits, string name) =>
        InRange(bits is null || (bits >= 1 && bits <= 53), bits, name, Inv($"{name} null (exact) or in [1, 53]"));
}
