using System;
using System.Globalization;
using System.Linq;
using static TorchSharp.torch;

namespace UncertaintyLoss.Internal;

/// <summary>
/// Preconditions of the regression losses and distributions: floating tensors on the prediction's device whose shapes
/// broadcast to the prediction's shape without enlarging it; and their reduction.
/// </summary>
internal static class RegressionCheck
{
    private static string Inv(FormattableString s) => FormattableString.Invariant(s);

    /// <summary>Not null, not disposed, floating point.</summary>
    internal static void Floating(Tensor? t, string name)
    {
        if (t is null)
            throw new ArgumentNullException(name);
        if (t.IsInvalid)
            throw new ArgumentException("The tensor has been disposed.", name);
        if (!Check.IsFloating(t.dtype))
            throw new ArgumentException(Inv($"Expected {name} to be a floating-point tensor, but received {t.dtype}."), name);
    }

    /// <summary>
    /// The shape rule of the regression API: the result has the shape of the prediction, <paramref name="reference"/>.
    /// Every other tensor must be on its device and have its shape, or a shape that broadcasts to it without enlarging it
    /// (a scalar, (1, 1) against (N, 1), (C) against (N, C)). Reads metadata only. Returns the reference's shape.
    /// </summary>
    /// <exception cref="ArgumentException">A tensor is on another device or breaks the rule; ParamName is that tensor's
    /// name, the message shows both shapes.</exception>
    internal static long[] Shapes((Tensor Tensor, string Name) reference, params (Tensor Tensor, string Name)[] others)
    {
        var (r, referenceName) = reference;
        long[] shape = r.shape;
        foreach (var (t, name) in others)
        {
            if (t.device_type != r.device_type || t.device_index != r.device_index)
                throw new ArgumentException(Inv($"Expected {name} on {referenceName}'s device {r.device}, but received it on {t.device}."), name);
            long[] other = t.shape;
            if (!FitsInto(other, shape))
                throw new ArgumentException(Inv(
                    $"Expected {name} to have {referenceName}'s shape, or one that broadcasts to it without enlarging it (such as a scalar), but received {name} of shape {Check.Shape(other)} against {referenceName} of shape {Check.Shape(shape)}{Hint(other, name, shape, referenceName)}."), name);
        }

        return shape;
    }

    /// <summary>Whether <paramref name="other"/> broadcasts to <paramref name="shape"/> and the result is <paramref name="shape"/>.</summary>
    private static bool FitsInto(long[] other, long[] shape)
    {
        if (other.Length > shape.Length)
            return false;
        int offset = shape.Length - other.Length;
        for (int i = 0; i < other.Length; i++)
        {
            if (other[i] != 1 && other[i] != shape[i + offset])
                return false;
        }

        return true;
    }

    /// <summary>What to do, where it is obvious: a trailing dimension of size 1 too many or too few, or the larger broadcast shape.</summary>
    private static string Hint(long[] other, string name, long[] shape, string referenceName)
    {
        if (other.Length == shape.Length + 1 && other[^1] == 1 && other[..^1].SequenceEqual(shape))
            return Inv($": use {name}.squeeze(-1) or {referenceName}.unsqueeze(-1)");
        if (shape.Length == other.Length + 1 && shape[^1] == 1 && shape[..^1].SequenceEqual(other))
            return Inv($": use {name}.unsqueeze(-1) or {referenceName}.squeeze(-1)");
        int rank = Math.Max(other.Length, shape.Length);
        var broadcast = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long a = i < rank - other.Length ? 1 : other[i - (rank - other.Length)];
            long b = i < rank - shape.Length ? 1 : shape[i - (rank - shape.Length)];
            if (a != b && a != 1 && b != 1)
                return string.Empty;
            broadcast[i] = a == 1 ? b : a;
        }

        return Inv($" (together they would broadcast to {Check.Shape(broadcast)}, not {referenceName}'s shape)");
    }

    /// <summary>
    /// Reduces per-element losses over all elements. An empty batch gives 0 for Mean (not NaN) and Sum, a 0-dim tensor
    /// in the losses' dtype and device whose gradient is zero, and the empty losses themselves for None.
    /// </summary>
    internal static Tensor Reduce(Tensor perElement, nn.Reduction reduction) => reduction switch
    {
        nn.Reduction.None => perElement,
        nn.Reduction.Sum => perElement.sum(),
        nn.Reduction.Mean => perElement.numel() == 0 ? perElement.sum() : perElement.mean(),
        _ => throw new ArgumentOutOfRangeException(nameof(reduction)),
    };

    /// <summary>One synchronisation: every tensor's minimum must exceed its bound (strictly or not); NaN fails.</summary>
    internal static void Minimum(params (Tensor Tensor, string Name, double Bound, bool Strict, string Meaning)[] checks)
    {
        var live = checks.Where(c => c.Tensor.numel() > 0).ToArray();
        if (live.Length == 0)
            return;
        double[] minima;
        using (var scope = NewDisposeScope())
        using (no_grad())
            minima = stack(live.Select(c => c.Tensor.min().to(ScalarType.Float64)).ToArray()).cpu().data<double>().ToArray();
        for (int i = 0; i < live.Length; i++)
        {
            var c = live[i];
            bool ok = c.Strict ? minima[i] > c.Bound : minima[i] >= c.Bound;
            if (!ok)
                throw new ArgumentException(Inv($"Expected {c.Name} {c.Meaning}, but its minimum is {minima[i].ToString("R", CultureInfo.InvariantCulture)}."), c.Name);
        }
    }

    internal static void Coverage(double coverage, string name)
    {
        if (!(coverage > 0 && coverage < 1))
            throw new ArgumentOutOfRangeException(name, coverage, "Expected a coverage in (0, 1).");
    }

    /// <summary>The dtype both broadcast operands compute in: the wider floating type.</summary>
    internal static ScalarType Promote(params Tensor[] tensors) =>
        tensors.Any(t => t.dtype == ScalarType.Float64) ? ScalarType.Float64 : ScalarType.Float32;
}
