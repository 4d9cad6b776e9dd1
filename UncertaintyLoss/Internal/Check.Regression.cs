using System;
using System.Linq;
using static TorchSharp.torch;

namespace UncertaintyLoss.Internal;

/// <summary>
/// The checks of the regression losses and the Sculpt distributions: floating tensors on the prediction's device whose
/// shapes broadcast to the prediction's shape without enlarging it, and lower bounds on their values.
/// </summary>
internal static partial class Check
{
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
            SameDevice(t, name, r, referenceName + "'s");
            long[] other = t.shape;
            if (!FitsInto(other, shape))
                throw Invalid(name,
                    Inv($"{name} to have {referenceName}'s shape, or one that broadcasts to it without enlarging it (such as a scalar)"),
                    Inv($"{name} of shape {Shape(other)} against {referenceName} of shape {Shape(shape)}{Broadcast(other, shape, referenceName)}"),
                    ShapeHint(other, name, shape, referenceName));
        }

        return shape;
    }

    /// <summary>
    /// One device synchronisation for several lower bounds: every tensor's minimum must exceed its bound; NaN fails. Skipped
    /// (nothing read) while value checks are off (<see cref="ValueChecks.Enabled"/>).
    /// </summary>
    /// <param name="bounds">Per tensor: its name, the bound its minimum must exceed, what that means (the message's
    /// expected part after the name, e.g. <c>to be positive</c>) and an optional hint.</param>
    /// <exception cref="ArgumentException">A minimum is not above its bound; ParamName is that tensor's name.</exception>
    internal static void Minima(params (Tensor Tensor, string Name, double Bound, string Meaning, string? Hint)[] bounds)
    {
        if (!ValueChecks.Enabled)
            return;
        var live = bounds.Where(c => c.Tensor.numel() > 0).ToArray();
        if (live.Length == 0)
            return;
        double[] minima;
        using (var scope = NewDisposeScope())
        using (no_grad())
            minima = ToHost(live.Select(c => c.Tensor.min()).ToArray());
        for (int i = 0; i < live.Length; i++)
        {
            var c = live[i];
            if (!(minima[i] > c.Bound))
                throw Invalid(c.Name, c.Name + " " + c.Meaning, "a minimum of " + Format(minima[i]), c.Hint);
        }
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

    /// <summary>What to do, where it is obvious: a trailing dimension of size 1 too many or too few.</summary>
    private static string? ShapeHint(long[] other, string name, long[] shape, string referenceName)
    {
        if (other.Length == shape.Length + 1 && other[^1] == 1 && other[..^1].SequenceEqual(shape))
            return Inv($"use {name}.squeeze(-1) or {referenceName}.unsqueeze(-1)");
        if (shape.Length == other.Length + 1 && shape[^1] == 1 && shape[..^1].SequenceEqual(other))
            return Inv($"use {name}.unsqueeze(-1) or {referenceName}.squeeze(-1)");
        return null;
    }

    /// <summary>The larger shape both would broadcast to, where there is one and no hint applies.</summary>
    private static string Broadcast(long[] other, long[] shape, string referenceName)
    {
        if (ShapeHint(other, "", shape, "") is not null)
            return string.Empty;
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

        return Inv($" (together they would broadcast to {Shape(broadcast)}, not {referenceName}'s shape)");
    }
}
