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
    /// <summary>A (N, C) floating probability matrix with N ≥ 1, C ≥ 2 and at most <see cref="int.MaxValue"/> elements,
    /// and an (N) integer class-index target on its device.</summary>
    /// <returns>N and C.</returns>
    internal static (int N, int C) MetricClassification(Tensor? probabilities, Tensor? target, string probabilitiesName, string targetName)
    {
        var p = Live(probabilities, probabilitiesName);
        var y = Live(target, targetName);
        if (p.dim() != 2)
            throw Invalid(probabilitiesName, Inv($"{probabilitiesName} of shape (N, C) (rank 2)"), "shape " + Shape(p));
        Floating(p, probabilitiesName);
        long n = p.shape[0], c = p.shape[1];
        if (n < 1)
            throw Invalid(probabilitiesName, Inv($"{probabilitiesName} to hold at least one sample"), "shape " + Shape(p));
        Classes(p, probabilitiesName);
        if (n * c > int.MaxValue)
            throw Invalid(probabilitiesName, Inv($"{probabilitiesName} of at most {int.MaxValue} elements"), "shape " + Shape(p));
        if (y.dim() != 1 || y.shape[0] != n)
            throw Invalid(targetName, Inv($"{targetName} of shape [{n}] (one class index per sample)"), "shape " + Shape(y));
        if (!IsInteger(y.dtype))
            throw Invalid(targetName, Inv($"{targetName} to hold integer class indices (Int64, Int32, Int16, Int8 or Byte)"), y.dtype.ToString());
        SameDevice(y, targetName, p, probabilitiesName + "'");
        return ((int)n, (int)c);
    }

    /// <summary>An (N) floating score vector with N ≥ 1 and an (N) Bool or integer label vector on its device.</summary>
    internal static void MetricBinary(Tensor? score, Tensor? label, string scoreName, string labelName)
    {
        var s = Live(score, scoreName);
        var l = Live(label, labelName);
        if (s.dim() != 1)
            throw Invalid(scoreName, Inv($"{scoreName} of shape (N) (rank 1)"), "shape " + Shape(s));
        Floating(s, scoreName);
        long n = s.shape[0];
        if (n < 1)
            throw Invalid(scoreName, Inv($"{scoreName} to hold at least one sample"), "shape " + Shape(s));
        if (l.dim() != 1 || l.shape[0] != n)
            throw Invalid(labelName, Inv($"{labelName} of shape [{n}] (one label per score)"), "shape " + Shape(l));
        if (l.dtype != ScalarType.Bool && !IsInteger(l.dtype))
            throw Invalid(labelName, Inv($"{labelName} of dtype Bool, or an integer dtype holding 0 and 1"), l.dtype.ToString());
        SameDevice(l, labelName, s, scoreName + "'s");
    }

    /// <summary>Every value of a row-major (N, C) host copy lies in [0, 1] (NaN fails).</summary>
    internal static void ProbabilityValues(double[] values, int classes, string name)
    {
        for (int i = 0; i < values.Length; i++)
        {
            double v = values[i];
            if (!(v >= 0.0 && v <= 1.0))
                throw Invalid(name, Inv($"{name} to hold probabilities in [0, 1]"), Inv($"{Format(v)} at sample {i / classes}, class {i % classes}"));
        }
    }

    /// <summary>Every class index of a host copy lies in [0, C).</summary>
    internal static void ClassIndexValues(long[] labels, int classes, string name)
    {
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || labels[i] >= classes)
                throw Invalid(name, Inv($"{name} to hold class indices in [0, {classes})"), Inv($"{labels[i]} at sample {i}"));
        }
    }

    /// <summary>No value of a host copy is NaN (±∞ pass).</summary>
    internal static void NotNaN(double[] values, string name)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (double.IsNaN(values[i]))
                throw Invalid(name, Inv($"{name} without NaN"), Inv($"NaN at sample {i}"));
        }
    }

    /// <summary>Every label of a host copy is 0 or 1.</summary>
    internal static void BinaryValues(long[] labels, string name)
    {
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] != 0 && labels[i] != 1)
                throw Invalid(name, Inv($"{name} to hold 0 or 1"), Inv($"{labels[i]} at sample {i}"));
        }
    }
}
