using System.Numerics;

namespace UncertaintyLoss.Tests.Fused;

/// <summary>
/// Packs test arguments into the kernels' <see cref="Vector{T}"/> of doubles, whatever its width on this machine (2 with
/// SSE or Arm64, 4 with AVX2, 8 with 512-bit vectors), so that a lane-independence test puts different arguments side by
/// side on every machine.
/// </summary>
internal static class VectorLanes
{
    /// <summary>
    /// The vector holding <paramref name="values"/>[<paramref name="index"/>] among its neighbours: the window of
    /// <see cref="Vector{T}"/>.Count consecutive values (cycling past the end) that starts at the largest multiple of the
    /// width not above <paramref name="index"/>; <paramref name="lane"/> is where that value sits.
    /// </summary>
    internal static Vector<double> Window(double[] values, int index, out int lane)
    {
        int width = Vector<double>.Count;
        int start = index / width * width;
        var lanes = new double[width];
        for (int i = 0; i < width; i++)
            lanes[i] = values[(start + i) % values.Length];
        lane = index - start;
        return new Vector<double>(lanes);
    }
}
