using System.Numerics;
using UncertaintyLoss.Internal.Fused;

namespace UncertaintyLoss.Tests.Fused;

/// <summary>
/// The fused path's named constants are what their documentation says they are: the IEEE-754 bit patterns and
/// mathematical constants of <see cref="PolygammaVector"/>, and the bounds that tie the eligibility limits of
/// <see cref="FusedDirichlet"/> to <see cref="UL.MaxEvidence"/> and to the special functions' shift.
/// </summary>
[TestFixture]
public class FusedConstantsTests
{
    private static ulong Bits(double x) => BitConverter.DoubleToUInt64Bits(x);

    [Test]
    public void BitPatterns_AreTheFieldsAndValuesTheyName()
    {
        Assert.That(PolygammaVector.FractionMask, Is.EqualTo((1UL << PolygammaVector.FractionBits) - 1));
        Assert.That(PolygammaVector.SignAndFractionMask, Is.EqualTo(PolygammaVector.FractionMask | Bits(-0.0)));
        Assert.That(PolygammaVector.OneBits, Is.EqualTo(Bits(1.0)));
        Assert.That(PolygammaVector.TwoPow52Bits, Is.EqualTo(Bits(Math.Pow(2, 52))));
        Assert.That(PolygammaVector.TwoPow52PlusBias, Is.EqualTo(Math.Pow(2, 52) + 1023));
    }

    [Test]
    public void ExponentTrick_GivesTheUnbiasedExponent([Values(1e-300, 0.75, 1.0, 1.5, 3.0, 1e300)] double x)
    {
        double exponent = BitConverter.UInt64BitsToDouble((Bits(x) >> PolygammaVector.FractionBits) | PolygammaVector.TwoPow52Bits)
            - PolygammaVector.TwoPow52PlusBias;
        Assert.That(exponent, Is.EqualTo(Math.ILogB(x)));
    }

    [Test]
    public void MathematicalConstants_AreTheCorrectlyRoundedValues()
    {
        Assert.That(PolygammaVector.Sqrt2, Is.EqualTo(Math.Sqrt(2)));
        Assert.That(PolygammaVector.Ln2, Is.EqualTo(Math.Log(2)));
        Assert.That(PolygammaVector.HalfLog2Pi, Is.EqualTo(0.5 * Math.Log(2 * Math.PI)).Within(1).Ulps);
    }

    [Test]
    public void Ln2Split_SumsToLn2AndItsHighPartTimesAnyExponentIsExact()
    {
        Assert.That(PolygammaVector.Ln2High + PolygammaVector.Ln2Low, Is.EqualTo(Math.Log(2)));
        Assert.That(Bits(PolygammaVector.Ln2High) & ((1UL << 21) - 1), Is.Zero, "low 21 significand bits");
        for (int e = -1075; e <= 1024; e++)
            Assert.That(Math.FusedMultiplyAdd(e, PolygammaVector.Ln2High, -(e * PolygammaVector.Ln2High)), Is.Zero, $"e = {e}");
    }

    [Test]
    public void ShiftSteps_FollowFromTheThreshold()
    {
        Assert.That((double)PolygammaVector.UnconditionalShiftSteps, Is.EqualTo(PolygammaVector.Threshold), "x ≥ 0 reaches the threshold");
        Assert.That(PolygammaVector.MaxShiftSteps, Is.EqualTo(Math.Ceiling(PolygammaVector.Threshold)), "x ≥ 0 reaches the threshold");
        double product = 1;
        for (int k = 0; k < PolygammaVector.UnconditionalShiftSteps; k++)
            product *= PolygammaVector.UnconditionalShiftLimit + k;
        Assert.That(product, Is.LessThan(1e300), "the unconditional shift's product stays finite");
    }

    [Test]
    public void EligibilityLimits_KeepEveryAdmissibleCallInRange()
    {
        Assert.That(FusedDirichlet.MaxElements * sizeof(double), Is.LessThanOrEqualTo(int.MaxValue), "Float64 and Int64 spans fit");
        double maxStrength = FusedDirichlet.MaxClasses * (UL.MaxEvidence + 1);
        Assert.That(maxStrength, Is.LessThan(1.05e18));
        Assert.That(maxStrength, Is.LessThan(PolygammaVector.UnconditionalShiftLimit), "every argument takes the unconditional shift");
        double product = 1;
        for (int i = 0; i < FusedDirichlet.MaxFusedPNorm; i++)
            product *= maxStrength + i;
        Assert.That(product, Is.LessThan(2.2e288), "Π_{i<p}(S + i) of the max-norm kernel");
    }

    /// <summary>A tile's granularity is a whole number of the kernels' vectors (<see cref="Vector{T}"/> of doubles: 2 with
    /// SSE or Arm64, 4 with AVX2, 8 with 512-bit <see cref="Vector{T}"/>) and of the AVX transpose's rows.</summary>
    [Test]
    public void VectorWidth_IsAWholeNumberOfVectorsAndTransposeBlocks()
    {
        Assert.That(FusedDirichlet.VectorWidth % Vector<double>.Count, Is.EqualTo(0));
        Assert.That(FusedDirichlet.VectorWidth % Transpose.BlockSize, Is.EqualTo(0));
        Assert.That(Transpose.BlockSize, Is.EqualTo(4));
    }
}
