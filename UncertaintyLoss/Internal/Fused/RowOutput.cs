using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using V = System.Numerics.Vector<double>;
using O = System.Numerics.Vector;

namespace UncertaintyLoss.Internal.Fused;

/// <summary>
/// The row kernels' Float32 gradient output (<see cref="EvidentialKernel.Row"/>, <see cref="MaxNormKernel.Row"/>; issue 18,
/// thirteenth session): each kernel computes its gradient one vector of doubles at a time (<see cref="IElement"/>), and
/// <see cref="WriteSingle"/> writes it times the row's factor, rounded to Float32 once, two vectors at a time into the
/// output row, without a double copy's store and reload.
/// </summary>
internal static class RowOutput
{
    /// <summary>A row kernel's gradient at one vector: the classes <c>index</c> in the lanes, its data from <c>at</c> on.</summary>
    internal interface IElement
    {
        /// <summary>The gradient of the vector at <paramref name="at"/>, whose lanes hold the classes <paramref name="index"/>.</summary>
        V At(int at, V index);
    }

    /// <summary>
    /// output[j] = (float)(g_j·factor) for the row's classes j &lt; output.Length, g from <paramref name="element"/> over
    /// <paramref name="count"/> vectors (the classes i·V.Count + lane): two vectors narrowed into one float vector at a time;
    /// the vectors past the last full float vector are stored in <paramref name="scratch"/> and converted one element at a
    /// time (the scalar <c>(float)</c> conversion rounds as <c>Vector.Narrow</c> does).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void WriteSingle<T>(T element, double[] scratch, System.Span<float> output, V factor, int count)
        where T : struct, IElement
    {
        var index = V.Indices;
        var step = O.Create((double)V.Count);
        int pairs = output.Length / (2 * V.Count);
        ref float o = ref MemoryMarshal.GetReference(output);
        for (int i = 0; i < pairs; i++)
        {
            int at = 2 * i * V.Count;
            var low = element.At(at, index);
            index += step;
            var high = element.At(at + V.Count, index);
            index += step;
            O.Narrow(low * factor, high * factor).StoreUnsafe(ref o, (nuint)at);
        }

        for (int i = 2 * pairs; i < count; i++)
        {
            (element.At(i * V.Count, index) * factor).StoreUnsafe(ref scratch[0], (nuint)(i * V.Count));
            index += step;
        }

        for (int j = 2 * pairs * V.Count; j < output.Length; j++)
            output[j] = (float)scratch[j];
    }
}
