using System;
using System.Globalization;
using System.Linq;
using static TorchSharp.torch;

namespace UncertaintyLoss.Internal;

/// <summary>Preconditions of the regression losses and distributions: floating tensors on one device that broadcast.</summary>
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

    /// <summary>The broadcast shape of the tensors (as PyTorch's rules), or an ArgumentException naming the second.</summary>
    internal static long[] Broadcast(params (Tensor Tensor, string Name)[] tensors)
    {
        var first = tensors[0].Tensor;
        long[] shape = first.shape;
        foreach (var (t, name) in tensors.Skip(1))
        {
            if (t.device_type != first.device_type || t.device_index != first.device_index)
                throw new ArgumentException(Inv($"Expected {name} on {tensors[0].Name}'s device {first.device}, but received it on {t.device}."), name);
            var other = t.shape;
            int rank = Math.Max(shape.Length, other.Length);
            var result = new long[rank];
            for (int i = 0; i < rank; i++)
            {
                long a = i < rank - shape.Length ? 1 : shape[i - (rank - shape.Length)];
                long b = i < rank - other.Length ? 1 : other[i - (rank - other.Length)];
                if (a != b && a != 1 && b != 1)
                    throw new ArgumentException(Inv($"Expected {name} of a shape that broadcasts with {Check.Shape(shape)}, but received shape {Check.Shape(other)}."), name);
                result[i] = a == 1 ? b : a;
            }

            shape = result;
        }

        return shape;
    }

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
