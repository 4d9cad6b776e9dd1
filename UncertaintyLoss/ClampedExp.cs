using System;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss;

public static partial class UL
{
    /// <summary>
    /// Evidence activation exp(clamp(x, −clamp, clamp)): non-negative, like the exp the papers recommend, but it
    /// cannot overflow.
    /// </summary>
    /// <param name="x">Logits of any shape, floating point.</param>
    /// <param name="clamp">The bound applied to x before exp (default 10, so evidence ≤ e¹⁰ ≈ 22026). 0 gives all ones.</param>
    /// <returns>exp(clamp(x, −clamp, clamp)), with the input's shape, dtype and device. Its gradient is 0 where x is
    /// outside [−clamp, clamp], as for <c>torch.clamp</c>.</returns>
    /// <remarks>
    /// <para><b>Shape.</b> input: any; output: the same.</para>
    /// <para><b>Python.</b> <c>uncertainty_loss.clamped_exp(x, clamp)</c>; identical.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="x"/> has been disposed or is not floating point.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clamp"/> is negative or NaN.</exception>
    public static Tensor ClampedExp(Tensor x, double clamp = 10.0)
    {
        Check.Floating(x, nameof(x));
        Check.Clamp(clamp, nameof(clamp));

        using var scope = NewDisposeScope();
        return x.clamp(-clamp, clamp).exp().MoveToOuterDisposeScope();
    }
}
