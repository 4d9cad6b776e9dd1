using System;
using System.Linq;
using TorchSharp;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss;

/// <summary>
/// A location-scale distribution over a regression output, as Capsa's Sculpt: the model predicts the location
/// <c>yHat</c> and the risk <c>yRisk</c> — the distribution's <b>scale</b> (the standard deviation for
/// <see cref="Sculpt.Normal"/>) — and learns <c>yRisk</c> as its aleatoric uncertainty. <c>yRisk</c> must be positive
/// (map a raw network output with <see cref="Sculpt.Scale"/>).
/// </summary>
/// <remarks>
/// <b>Shapes.</b> <c>yHat</c>'s shape is the reference, and every result has it (None: per element; Mean, Sum: a scalar).
/// <c>y</c> and <c>yRisk</c> must have yHat's shape, or a shape that broadcasts to it without enlarging it (a scalar,
/// (1, 1) against (N, 1), (C) against (N, C)). Anything else — y of shape (N) against yHat of shape (N, 1), which PyTorch
/// would broadcast to (N, N) — is an <see cref="ArgumentException"/> naming the argument. An empty batch gives a loss of 0
/// for Mean and Sum. A non-positive <c>yRisk</c> is an <see cref="ArgumentException"/> too, unless the value checks are off
/// (<see cref="UL.ValidateValues"/>, <see cref="UL.ValidationScope"/>).
/// <para><b>Argument order.</b> <see cref="LossFunction"/>, <see cref="LogProb"/> and <see cref="Cdf"/> take the observed
/// <c>y</c> first, then the distribution's parameters (yHat, yRisk): Capsa's <c>dist.loss_function(y, y_hat, y_risk)</c>, read
/// as −ln p(y | yHat, yRisk). It is the one exception to the library's rule, predictions first and the target after them
/// (<see cref="UL.BetaNll"/>, <see cref="UL.EvidentialRegressionLoss"/>; <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/conventions.md#argument-order">conventions.md, "Argument order"</see>): these methods
/// port Capsa line by line, and a reordering of three tensors would still compile and silently compute another loss in a
/// ported line.</para>
/// </remarks>
public interface ISculptDistribution
{
    /// <summary>The distribution's name, e.g. <c>Normal</c> or <c>StudentT(nu=4)</c>.</summary>
    string Name { get; }

    /// <summary>Negative log-likelihood of <paramref name="y"/>, the constant included: −ln p(y | yHat, yRisk), reduced.</summary>
    /// <param name="y">Observed values.</param>
    /// <param name="yHat">Predicted location.</param>
    /// <param name="yRisk">Predicted scale, &gt; 0.</param>
    /// <param name="reduction">Mean (default), Sum, or None (yHat's shape). Mean and Sum of an empty batch are 0.</param>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, not floating point, or on another device than
    /// <paramref name="yHat"/>; <paramref name="y"/> or <paramref name="yRisk"/> does not have yHat's shape or one that
    /// broadcasts to it without enlarging it (e.g. y of shape (N) against yHat of shape (N, 1)); or yRisk is not
    /// positive.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is undefined.</exception>
    Tensor LossFunction(Tensor y, Tensor yHat, Tensor yRisk, nn.Reduction reduction = nn.Reduction.Mean);

    /// <summary>Log-density ln p(y | yHat, yRisk), elementwise, in yHat's shape.</summary>
    /// <param name="y">Observed values.</param>
    /// <param name="yHat">Predicted location.</param>
    /// <param name="yRisk">Predicted scale, &gt; 0.</param>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, not floating point, or on another device than
    /// <paramref name="yHat"/>; <paramref name="y"/> or <paramref name="yRisk"/> does not have yHat's shape or one that
    /// broadcasts to it without enlarging it; or yRisk is not positive.</exception>
    Tensor LogProb(Tensor y, Tensor yHat, Tensor yRisk);

    /// <summary>Cumulative distribution P(Y ≤ y | yHat, yRisk), elementwise, in yHat's shape.</summary>
    /// <param name="y">Observed values.</param>
    /// <param name="yHat">Predicted location.</param>
    /// <param name="yRisk">Predicted scale, &gt; 0.</param>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, not floating point, or on another device than
    /// <paramref name="yHat"/>; <paramref name="y"/> or <paramref name="yRisk"/> does not have yHat's shape or one that
    /// broadcasts to it without enlarging it; or yRisk is not positive.</exception>
    Tensor Cdf(Tensor y, Tensor yHat, Tensor yRisk);

    /// <summary>
    /// Reparameterised sample yHat + yRisk·ε, ε standard noise of the distribution: gradients flow to both (∂/∂yHat = 1,
    /// ∂/∂yRisk = ε). Shape: yHat's.
    /// </summary>
    /// <param name="output">The model's (yHat, yRisk).</param>
    /// <param name="generator">Optional random generator, for reproducible samples (on yHat's device).</param>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, not floating point, or yRisk is on another device than
    /// yHat, does not have yHat's shape or one that broadcasts to it without enlarging it, or is not positive.</exception>
    Tensor Sample((Tensor yHat, Tensor yRisk) output, Generator? generator = null);

    /// <summary>Central prediction interval with probability <paramref name="coverage"/>: yHat ∓ yRisk·q, q the
    /// (1 + coverage)/2 quantile of the standard distribution.</summary>
    /// <param name="yHat">Predicted location.</param>
    /// <param name="yRisk">Predicted scale, &gt; 0.</param>
    /// <param name="coverage">In (0, 1), e.g. 0.95.</param>
    /// <returns>Lower and upper bounds, each in yHat's shape.</returns>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, not floating point, or <paramref name="yRisk"/> is on
    /// another device than <paramref name="yHat"/>, does not have yHat's shape or one that broadcasts to it without
    /// enlarging it, or is not positive.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="coverage"/> is not in (0, 1).</exception>
    (Tensor Lower, Tensor Upper) Interval(Tensor yHat, Tensor yRisk, double coverage);
}

/// <summary>
/// The Sculpt distributions (Capsa's <c>sculpt.Normal</c> and friends) and the helper that maps a raw network output to
/// a valid scale. See
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/sculpt.md">sculpt.md</see>.
/// </summary>
public static class Sculpt
{
    /// <summary>Normal: ln p = −½z² − ln yRisk − ½ln 2π, z = (y − yHat)/yRisk; yRisk is the standard deviation.</summary>
    public static ISculptDistribution Normal { get; } = new NormalDistribution();

    /// <summary>Laplace: ln p = −|z| − ln(2·yRisk); yRisk is the scale b (standard deviation √2·b). Robust to outliers (an L1 fit).</summary>
    public static ISculptDistribution Laplace { get; } = new LaplaceDistribution();

    /// <summary>Cauchy: ln p = −ln(π·yRisk·(1 + z²)); yRisk is the half-width at half-maximum. No mean or variance: heavy outliers.</summary>
    public static ISculptDistribution Cauchy { get; } = new CauchyDistribution();

    /// <summary>Student-t with fixed degrees of freedom ν (&gt; 0): between Cauchy (ν = 1) and Normal (ν → ∞).</summary>
    /// <param name="nu">Degrees of freedom, finite and &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nu"/> is not finite and positive.</exception>
    public static StudentTDistribution StudentT(double nu) => new(nu, learn: false);

    /// <summary>
    /// Student-t whose degrees of freedom are learned: ν = softplus(<see cref="StudentTDistribution.RawNu"/>) + 1e-3, a
    /// parameter to pass to the optimizer together with the model's; starts at <paramref name="initialNu"/>.
    /// </summary>
    /// <param name="initialNu">ν at the start, finite and &gt; 1e-3 (the floor).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialNu"/> is not finite or not above 1e-3.</exception>
    public static StudentTDistribution LearnedStudentT(double initialNu = 4.0) => new(initialNu, learn: true);

    /// <summary>
    /// Maps an unconstrained network output to a valid scale: softplus(raw) + floor. The floor keeps the NLL bounded
    /// (a scale near 0 makes it −∞ at a perfect fit).
    /// </summary>
    /// <param name="raw">Raw network output, floating point.</param>
    /// <param name="floor">Smallest scale (≥ 0; default 1e-6).</param>
    /// <exception cref="ArgumentNullException"><paramref name="raw"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="raw"/> is disposed or not floating point.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="floor"/> is negative, NaN or infinite.</exception>
    public static Tensor Scale(Tensor raw, double floor = 1e-6)
    {
        Check.Floating(raw, nameof(raw));
        Check.FiniteNonNegative(floor, nameof(floor));
        using var scope = NewDisposeScope();
        return (nn.functional.softplus(raw, 1.0, raw.dtype == ScalarType.Float64 ? 40.0 : 20.0) + floor).MoveToOuterDisposeScope();
    }
}

/// <summary>Shared validation (the shape rule of <see cref="ISculptDistribution"/>), reduction, sampling and intervals of the location-scale distributions.</summary>
public abstract class SculptDistributionBase : ISculptDistribution
{
    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <summary>ln p of the standardised value z = (y − yHat)/yRisk, without the −ln yRisk term.</summary>
    protected abstract Tensor StandardLogProb(Tensor z);

    /// <summary>CDF of the standardised value z.</summary>
    protected abstract Tensor StandardCdf(Tensor z);

    /// <summary>Standard noise ε of the given shape, dtype and device.</summary>
    protected abstract Tensor StandardNoise(long[] shape, ScalarType dtype, Device device, Generator? generator);

    /// <summary>The q-quantile (q &gt; ½) of the standard distribution.</summary>
    protected abstract double StandardQuantile(double q);

    /// <inheritdoc/>
    public Tensor LossFunction(Tensor y, Tensor yHat, Tensor yRisk, nn.Reduction reduction = nn.Reduction.Mean)
    {
        Check.Reduction(reduction, nameof(reduction));
        Validate(y, yHat, yRisk);
        using var scope = NewDisposeScope();
        return Reductions.Apply(-ComputeLogProb(y, yHat, yRisk), reduction).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public Tensor LogProb(Tensor y, Tensor yHat, Tensor yRisk)
    {
        Validate(y, yHat, yRisk);
        using var scope = NewDisposeScope();
        return ComputeLogProb(y, yHat, yRisk).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public Tensor Cdf(Tensor y, Tensor yHat, Tensor yRisk)
    {
        Validate(y, yHat, yRisk);
        using var scope = NewDisposeScope();
        var dtype = Reductions.Promote(y, yHat, yRisk);
        var z = (y.to(dtype) - yHat.to(dtype)) / yRisk.to(dtype);
        return StandardCdf(z).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public Tensor Sample((Tensor yHat, Tensor yRisk) output, Generator? generator = null)
    {
        var (yHat, yRisk) = output;
        Check.Floating(yHat, "yHat");
        Check.Floating(yRisk, "yRisk");
        var shape = Check.Shapes((yHat, "yHat"), (yRisk, "yRisk"));
        CheckScale(yRisk);
        using var scope = NewDisposeScope();
        var dtype = Reductions.Promote(yHat, yRisk);
        var noise = StandardNoise(shape, dtype, yHat.device, generator);
        return (yHat.to(dtype) + yRisk.to(dtype) * noise).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public (Tensor Lower, Tensor Upper) Interval(Tensor yHat, Tensor yRisk, double coverage)
    {
        Check.Floating(yHat, nameof(yHat));
        Check.Floating(yRisk, nameof(yRisk));
        Check.Shapes((yHat, nameof(yHat)), (yRisk, nameof(yRisk)));
        Check.InRange(coverage > 0 && coverage < 1, coverage, nameof(coverage), "coverage in (0, 1)");
        CheckScale(yRisk);
        double q = StandardQuantile(0.5 + 0.5 * coverage);
        using var scope = NewDisposeScope();
        var dtype = Reductions.Promote(yHat, yRisk);
        var half = yRisk.to(dtype) * q;
        var lower = (yHat.to(dtype) - half).MoveToOuterDisposeScope();
        var upper = (yHat.to(dtype) + half).MoveToOuterDisposeScope();
        return (lower, upper);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    /// <summary>Uniform draws in the open interval (0, 1): rand's [0, 1) with its exact 0 moved to the dtype's epsilon.</summary>
    private protected static Tensor OpenUniform(long[] shape, ScalarType dtype, Device device, Generator? generator)
    {
        double epsilon = dtype == ScalarType.Float64 ? Math.Pow(2, -53) : Math.Pow(2, -24);
        return rand(shape, dtype, device, generator: generator).clamp_min(epsilon);
    }

    private Tensor ComputeLogProb(Tensor y, Tensor yHat, Tensor yRisk)
    {
        var dtype = Reductions.Promote(y, yHat, yRisk);
        var scale = yRisk.to(dtype);
        var z = (y.to(dtype) - yHat.to(dtype)) / scale;
        return StandardLogProb(z) - scale.log();
    }

    private static void Validate(Tensor y, Tensor yHat, Tensor yRisk)
    {
        Check.Floating(y, nameof(y));
        Check.Floating(yHat, nameof(yHat));
        Check.Floating(yRisk, nameof(yRisk));
        Check.Shapes((yHat, nameof(yHat)), (y, nameof(y)), (yRisk, nameof(yRisk)));
        CheckScale(yRisk);
    }

    /// <summary>yRisk must be positive (a value check: skipped while <see cref="UL.ValidateValues"/> is off).</summary>
    private static void CheckScale(Tensor yRisk) =>
        Check.Minima((yRisk, nameof(yRisk), 0.0, "(the scale) to be positive", "map a raw output with Sculpt.Scale"));
}

/// <summary>Normal distribution: yRisk is the standard deviation.</summary>
internal sealed class NormalDistribution : SculptDistributionBase
{
    private static readonly double HalfLog2Pi = 0.5 * Math.Log(2 * Math.PI);

    public override string Name => "Normal";

    protected override Tensor StandardLogProb(Tensor z) => -0.5 * z.square() - HalfLog2Pi;

    // ½·erfc(−z/√2): keeps the lower tail's relative accuracy (ndtr, like ½(1 + erf), loses it below z ≈ −5).
    protected override Tensor StandardCdf(Tensor z) => 0.5 * (-z / Math.Sqrt(2)).erfc();

    protected override Tensor StandardNoise(long[] shape, ScalarType dtype, Device device, Generator? generator) =>
        randn(shape, dtype, device, generator: generator);

    protected override double StandardQuantile(double q)
    {
        using var scope = NewDisposeScope();
        return special.ndtri(tensor(q, ScalarType.Float64)).item<double>();
    }
}

/// <summary>Laplace distribution: yRisk is the scale b.</summary>
internal sealed class LaplaceDistribution : SculptDistributionBase
{
    private static readonly double Log2 = Math.Log(2);

    public override string Name => "Laplace";

    protected override Tensor StandardLogProb(Tensor z) => -z.abs() - Log2;

    // ½e^z below 0, 1 − ½e^−z above: no cancellation in either tail.
    protected override Tensor StandardCdf(Tensor z) => where(z < 0, 0.5 * z.clamp_max(0).exp(), 1 - 0.5 * (-z.clamp_min(0)).exp());

    // Inverse CDF of u ∈ (−½, ½): ε = −sign(u)·ln(1 − 2|u|); u = −½ exactly (rand's 0) would give −∞.
    protected override Tensor StandardNoise(long[] shape, ScalarType dtype, Device device, Generator? generator)
    {
        var u = OpenUniform(shape, dtype, device, generator) - 0.5;
        return -u.sign() * (-2 * u.abs()).log1p();
    }

    protected override double StandardQuantile(double q) => -Math.Log(2 * (1 - q));
}

/// <summary>Cauchy distribution: yRisk is the scale (half-width at half-maximum).</summary>
internal sealed class CauchyDistribution : SculptDistributionBase
{
    private static readonly double LogPi = Math.Log(Math.PI);

    public override string Name => "Cauchy";

    protected override Tensor StandardLogProb(Tensor z) => -z.square().log1p() - LogPi;

    // atan2(1, −z)/π = ½ + atan(z)/π without its cancellation in the lower tail.
    protected override Tensor StandardCdf(Tensor z) => atan2(ones_like(z), -z) / Math.PI;

    // u ∈ (0, 1): rand's exact 0 would give tan(−π/2), which rounds to a huge value of the wrong sign.
    protected override Tensor StandardNoise(long[] shape, ScalarType dtype, Device device, Generator? generator) =>
        (Math.PI * (OpenUniform(shape, dtype, device, generator) - 0.5)).tan();

    protected override double StandardQuantile(double q) => Math.Tan(Math.PI * (q - 0.5));
}

/// <summary>
/// Student-t distribution with ν degrees of freedom (fixed, or learned through <see cref="RawNu"/>); yRisk is the scale
/// (the standard deviation is yRisk·√(ν/(ν − 2)) for ν &gt; 2).
/// </summary>
public sealed class StudentTDistribution : SculptDistributionBase
{
    private const double NuFloor = 1e-3;
    private readonly double fixedNu;

    internal StudentTDistribution(double nu, bool learn)
    {
        string name = learn ? "initialNu" : nameof(nu);
        Check.FinitePositive(nu, name, "the degrees of freedom");
        if (learn)
            Check.InRange(nu > NuFloor, nu, name, "initialNu above the floor ν = 1e-3 of a learned Student-t");
        fixedNu = nu;
        if (learn)
        {
            // softplus⁻¹(ν − floor) = ln(e^{ν − floor} − 1), in a stable form for large ν.
            double v = Math.Max(nu - NuFloor, 1e-6);
            double raw = v > 30 ? v - Math.Exp(-v) : v < 1e-5 ? Math.Log(v + 0.5 * v * v) : Math.Log(Math.Exp(v) - 1);
            RawNu = new TorchSharp.Modules.Parameter(tensor(raw, ScalarType.Float32), requires_grad: true);
        }
    }

    /// <summary>The learned parameter (ν = softplus(RawNu) + 1e-3), or null for a fixed ν. Give it to the optimizer.</summary>
    public TorchSharp.Modules.Parameter? RawNu { get; }

    /// <summary>The current degrees of freedom.</summary>
    public double Nu
    {
        get
        {
            if (RawNu is null)
                return fixedNu;
            using var scope = NewDisposeScope();
            return NuTensor(ScalarType.Float64, RawNu.device).item<double>();
        }
    }

    /// <inheritdoc/>
    public override string Name => RawNu is null
        ? FormattableString.Invariant($"StudentT(nu={fixedNu:R})")
        : "StudentT(learned nu)";

    private Tensor NuTensor(ScalarType dtype, Device device) => RawNu is null
        ? tensor(fixedNu, dtype, device)
        : nn.functional.softplus(RawNu.to(dtype, device)) + NuFloor;

    /// <inheritdoc/>
    protected override Tensor StandardLogProb(Tensor z)
    {
        var nu = NuTensor(z.dtype, z.device);
        var half = (nu + 1) * 0.5;
        return half.lgamma() - (nu * 0.5).lgamma() - 0.5 * (nu * Math.PI).log() - half * (z.square() / nu).log1p();
    }

    /// <inheritdoc/>
    /// <remarks>Evaluated on the host (libtorch has no incomplete beta function): no gradient.</remarks>
    protected override Tensor StandardCdf(Tensor z)
    {
        if (z.numel() == 0)
            return empty(z.shape, z.dtype, z.device);
        double nu = Nu;
        var values = z.detach().to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
        var cdf = values.Select(t => StudentTMath.Cdf(t, nu)).ToArray();
        return tensor(cdf, z.shape, ScalarType.Float64).to(z.dtype, z.device);
    }

    /// <inheritdoc/>
    /// <remarks>ε = N/√(V/ν), N standard normal, V ~ χ²_ν = 2·Gamma(ν/2).</remarks>
    protected override Tensor StandardNoise(long[] shape, ScalarType dtype, Device device, Generator? generator)
    {
        var nu = NuTensor(dtype, device).detach();
        var normal = randn(shape, dtype, device, generator: generator);
        var chi2 = 2 * _standard_gamma(full(shape, 0.5, dtype, device) * nu, generator!);
        return normal / (chi2 / nu).sqrt();
    }

    /// <inheritdoc/>
    protected override double StandardQuantile(double q) => StudentTMath.Quantile(q, Nu);
}
