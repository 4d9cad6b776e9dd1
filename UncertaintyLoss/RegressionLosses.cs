using System;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss;

public static partial class UL
{
    private static readonly double HalfLogTwoPi = 0.5 * Math.Log(2 * Math.PI);
    private const double NigFloor = 1e-6;

    /// <summary>
    /// β-weighted Gaussian negative log-likelihood (β-NLL): each point's NLL is weighted by its detached predicted
    /// variance to the power β, which stops the NLL from ignoring hard-to-fit points.
    /// </summary>
    /// <param name="mean">Predicted mean μ.</param>
    /// <param name="variance">Predicted variance σ² (&gt; 0).</param>
    /// <param name="target">Observed values y.</param>
    /// <param name="beta">β ≥ 0 (finite): 0 is the plain Gaussian NLL, 1 gives the mean the gradient of the MSE; the paper recommends 0.5.</param>
    /// <param name="reduction">Mean (default), Sum or None.</param>
    /// <returns>stopgrad(σ²)^β · (½ ln(2πσ²) + (y − μ)²/(2σ²)), reduced; with None <paramref name="mean"/>'s shape.</returns>
    /// <remarks>
    /// <para><b>Argument order.</b> The predictions first, then the target (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/conventions.md#argument-order">conventions.md, "Argument order"</see>), as the
    /// paper's code <c>beta_nll_loss(mean, variance, target, beta)</c>. TorchSharp's <c>gaussian_nll_loss(input, target, var)</c>
    /// puts the target between the two: the Gaussian NLL written <c>gaussian_nll_loss(mean, y, variance)</c> there is
    /// <c>BetaNll(mean, variance, y, beta: 0)</c> here (with the constant ½ ln 2π).</para>
    /// <para><b>Shape.</b> <paramref name="mean"/>'s shape is the reference: <paramref name="variance"/> and <paramref name="target"/>
    /// have it, or a shape that broadcasts to it without enlarging it (a scalar, (1, 1) against (N, 1)); output: mean's shape
    /// for None, a scalar otherwise. An empty batch gives 0 for Mean and Sum
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/sculpt.md#shapes">sculpt.md, "Shapes"</see>).</para>
    /// <para><b>Reference.</b> Seitzer, Tavakoli, Antic, Martius, "On the Pitfalls of Heteroscedastic Uncertainty Estimation with
    /// Probabilistic Neural Networks", ICLR 2022. Unlike the paper's code we keep the constant ½ ln 2π, so that β = 0 equals
    /// <c>Sculpt.Normal.LossFunction(y, mean, √variance)</c> (it does not change any gradient).</para>
    /// <para><b>Python.</b> no equivalent in <c>uncertainty-loss</c>; TorchSharp's <c>gaussian_nll_loss</c> gives the variance no
    /// gradient and reduces wrongly, which is why this exists.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, not floating point, or on another device than
    /// <paramref name="mean"/>; <paramref name="variance"/> or <paramref name="target"/> does not have mean's shape or one that
    /// broadcasts to it without enlarging it (e.g. a target of shape (N) against mean of shape (N, 1)); or
    /// <paramref name="variance"/> is not positive (a value check, skipped while <see cref="ValidateValues"/> is off).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="beta"/> is negative, NaN or infinite; <paramref name="reduction"/> is undefined.</exception>
    public static Tensor BetaNll(Tensor mean, Tensor variance, Tensor target, double beta = 0.5, nn.Reduction reduction = nn.Reduction.Mean)
    {
        Check.Floating(target, nameof(target));
        Check.Floating(mean, nameof(mean));
        Check.Floating(variance, nameof(variance));
        Check.Shapes((mean, nameof(mean)), (target, nameof(target)), (variance, nameof(variance)));
        Check.FiniteNonNegative(beta, nameof(beta));
        Check.Reduction(reduction, nameof(reduction));
        Check.Minima((variance, nameof(variance), 0.0, "to be positive", null));

        using var scope = NewDisposeScope();
        var dtype = Reductions.Promote(mean, variance, target);
        var v = variance.to(dtype);
        var nll = 0.5 * v.log() + HalfLogTwoPi + (target.to(dtype) - mean.to(dtype)).square() / (2 * v);
        if (beta > 0)
            nll = nll * v.detach().pow(beta);
        return Reductions.Apply(nll, reduction).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Deep Evidential Regression loss: the negative log-likelihood of y under the Normal-Inverse-Gamma evidential
    /// distribution (its marginal is a Student-t) plus <paramref name="regFactor"/> times the evidence regulariser
    /// |y − γ|·(2ν + α).
    /// </summary>
    /// <param name="gamma">γ, the predicted mean.</param>
    /// <param name="nu">ν &gt; 0, virtual observations of the mean.</param>
    /// <param name="alpha">α &gt; 1.</param>
    /// <param name="beta">β &gt; 0.</param>
    /// <param name="target">Observed values y.</param>
    /// <param name="regFactor">Weight λ ≥ 0 of the regulariser (Amini et al. use 0.01–0.1; default 0).</param>
    /// <param name="reduction">Mean (default), Sum or None.</param>
    /// <returns>NLL + λ·|y − γ|(2ν + α), reduced.</returns>
    /// <remarks>
    /// <para><b>Formula.</b> With Ω = 2β(1 + ν): NLL = ½ ln(π/ν) − α ln Ω + (α + ½) ln((y − γ)²ν + Ω) + ln Γ(α) − ln Γ(α + ½),
    /// −ln of a Student-t with 2α degrees of freedom, location γ and scale² β(1 + ν)/(να).</para>
    /// <para><b>Argument order.</b> The predicted (γ, ν, α, β) first, in the order of
    /// <see cref="NormalInverseGammaParameters"/>, then the target (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/conventions.md#argument-order">conventions.md, "Argument order"</see>). Amini et al.'s
    /// code <c>NIG_NLL(y, gamma, v, alpha, beta)</c> puts y first.</para>
    /// <para><b>Shape.</b> <paramref name="gamma"/>'s shape is the reference: the other four tensors have it, or a shape that
    /// broadcasts to it without enlarging it (a scalar, (1, 1) against (N, 1)); output: gamma's shape for None, a scalar
    /// otherwise. An empty batch gives 0 for Mean and Sum
    /// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/sculpt.md#shapes">sculpt.md, "Shapes"</see>).</para>
    /// <para><b>Reference.</b> Amini, Schwarting, Soleimany, Rus, "Deep Evidential Regression", NeurIPS 2020, eqs. 8 and 9.
    /// Map 4 raw outputs with <see cref="NormalInverseGammaParameters"/>.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, not floating point, or on another device than
    /// <paramref name="gamma"/>; another tensor does not have gamma's shape or one that broadcasts to it without enlarging it
    /// (e.g. a target of shape (N) against gamma of shape (N, 1)); ν ≤ 0, α ≤ 1 or β ≤ 0 somewhere (a value check, skipped while
    /// <see cref="ValidateValues"/> is off).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="regFactor"/> is negative, NaN or infinite; <paramref name="reduction"/> is undefined.</exception>
    public static Tensor EvidentialRegressionLoss(Tensor gamma, Tensor nu, Tensor alpha, Tensor beta, Tensor target,
        double regFactor = 0.0, nn.Reduction reduction = nn.Reduction.Mean)
    {
        Check.Floating(target, nameof(target));
        CheckNormalInverseGamma(gamma, nu, alpha, beta, target);
        Check.RegFactor(regFactor, nameof(regFactor));
        Check.Reduction(reduction, nameof(reduction));
        CheckNormalInverseGammaValues(nu, alpha, beta);

        using var scope = NewDisposeScope();
        var dtype = Reductions.Promote(gamma, nu, alpha, beta, target);
        var (g, n, a, b) = (gamma.to(dtype), nu.to(dtype), alpha.to(dtype), beta.to(dtype));
        var error = target.to(dtype) - g;
        var omega = 2 * b * (1 + n);
        var nll = 0.5 * (Math.PI / n).log() - a * omega.log() + (a + 0.5) * (error.square() * n + omega).log()
                  + a.lgamma() - (a + 0.5).lgamma();
        var loss = regFactor > 0 ? nll + regFactor * error.abs() * (2 * n + a) : nll;
        return Reductions.Apply(loss, reduction).MoveToOuterDisposeScope();
    }

    /// <summary>Prediction and uncertainties of a Normal-Inverse-Gamma evidential output.</summary>
    /// <param name="gamma">γ, the predicted mean.</param>
    /// <param name="nu">ν &gt; 0.</param>
    /// <param name="alpha">α &gt; 1.</param>
    /// <param name="beta">β &gt; 0.</param>
    /// <returns>Prediction γ; aleatoric E[σ²] = β/(α − 1); epistemic Var[μ] = β/(ν(α − 1)); each in <paramref name="gamma"/>'s shape.</returns>
    /// <remarks><para><b>Reference.</b> Amini et al., NeurIPS 2020, eq. 5.</para></remarks>
    /// <exception cref="ArgumentNullException">A tensor is null.</exception>
    /// <exception cref="ArgumentException">A tensor is disposed, not floating point, or on another device than
    /// <paramref name="gamma"/>; ν, α or β does not have gamma's shape or one that broadcasts to it without enlarging it;
    /// ν ≤ 0, α ≤ 1 or β ≤ 0 somewhere (a value check, skipped while <see cref="ValidateValues"/> is off).</exception>
    public static (Tensor Prediction, Tensor Aleatoric, Tensor Epistemic) EvidentialRegressionUncertainty(
        Tensor gamma, Tensor nu, Tensor alpha, Tensor beta)
    {
        CheckNormalInverseGamma(gamma, nu, alpha, beta, null);
        CheckNormalInverseGammaValues(nu, alpha, beta);

        using var scope = NewDisposeScope();
        var dtype = Reductions.Promote(gamma, nu, alpha, beta);
        var (g, n, a, b) = (gamma.to(dtype), nu.to(dtype), alpha.to(dtype), beta.to(dtype));
        var shape = gamma.shape;
        var aleatoric = b / (a - 1);
        var epistemic = aleatoric / n;
        return (g.expand(shape).clone().MoveToOuterDisposeScope(), aleatoric.expand(shape).clone().MoveToOuterDisposeScope(),
            epistemic.expand(shape).clone().MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Maps 4 raw network outputs along <paramref name="dim"/> to valid Normal-Inverse-Gamma parameters:
    /// γ = raw₀, ν = softplus(raw₁) + 1e-6, α = softplus(raw₂) + 1 + 1e-6, β = softplus(raw₃) + 1e-6 (the floor is the
    /// dtype's epsilon instead, 2⁻¹⁰ or 2⁻⁷, for Float16 and BFloat16, where 1 + 1e-6 rounds to 1).
    /// </summary>
    /// <param name="raw">Raw outputs with size 4 along <paramref name="dim"/>.</param>
    /// <param name="dim">The dimension holding the 4 outputs (default −1, the last).</param>
    /// <returns>(γ, ν, α, β), each with <paramref name="dim"/> removed.</returns>
    /// <remarks><para><b>Reference.</b> Amini et al., NeurIPS 2020 (their DenseNormalGamma layer, with a floor so that α &gt; 1
    /// and ν, β &gt; 0 hold in floating point).</para></remarks>
    /// <exception cref="ArgumentNullException"><paramref name="raw"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="raw"/> is disposed, not floating point, or its size along <paramref name="dim"/> is not 4.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is outside the tensor's dimensions.</exception>
    public static (Tensor Gamma, Tensor Nu, Tensor Alpha, Tensor Beta) NormalInverseGammaParameters(Tensor raw, long dim = -1)
    {
        Check.Floating(raw, nameof(raw));
        long rank = raw.dim();
        Check.InRange(dim >= -rank && dim < rank, dim, nameof(dim), Check.Inv($"{nameof(dim)} to be a dimension of a rank-{rank} tensor, in [{-rank}, {rank - 1}]"));
        long d = dim < 0 ? dim + rank : dim;
        if (raw.shape[d] != 4)
            throw Check.Invalid(nameof(raw), Check.Inv($"size 4 (γ, ν, α, β) along dimension {dim} of {nameof(raw)}"), "shape " + Check.Shape(raw));

        using var scope = NewDisposeScope();
        double threshold = raw.dtype == ScalarType.Float64 ? 40.0 : 20.0;
        // The floor must survive rounding: 1 + 1e-6 is 1 in Float16 (epsilon 2⁻¹⁰) and BFloat16 (2⁻⁷).
        double floor = raw.dtype switch
        {
            ScalarType.Float16 => Math.Pow(2, -10),
            ScalarType.BFloat16 => Math.Pow(2, -7),
            _ => NigFloor,
        };
        Tensor Softplus(long i) => nn.functional.softplus(raw.select(d, i), 1.0, threshold);
        var gamma = raw.select(d, 0).clone();
        var nu = Softplus(1) + floor;
        var alpha = Softplus(2) + (1 + floor);
        var beta = Softplus(3) + floor;
        return (gamma.MoveToOuterDisposeScope(), nu.MoveToOuterDisposeScope(), alpha.MoveToOuterDisposeScope(), beta.MoveToOuterDisposeScope());
    }

    /// <summary>Metadata checks of (γ, ν, α, β) and, for the loss, the shape of its target (already checked to be floating):
    /// the shapes against γ's, the target's first.</summary>
    private static void CheckNormalInverseGamma(Tensor gamma, Tensor nu, Tensor alpha, Tensor beta, Tensor? target)
    {
        Check.Floating(gamma, nameof(gamma));
        Check.Floating(nu, nameof(nu));
        Check.Floating(alpha, nameof(alpha));
        Check.Floating(beta, nameof(beta));
        if (target is null)
            Check.Shapes((gamma, nameof(gamma)), (nu, nameof(nu)), (alpha, nameof(alpha)), (beta, nameof(beta)));
        else
            Check.Shapes((gamma, nameof(gamma)), (target, nameof(target)), (nu, nameof(nu)), (alpha, nameof(alpha)), (beta, nameof(beta)));
    }

    private static void CheckNormalInverseGammaValues(Tensor nu, Tensor alpha, Tensor beta) =>
        Check.Minima(
            (nu, nameof(nu), 0.0, "to be positive", null),
            (alpha, nameof(alpha), 1.0, "to exceed 1", null),
            (beta, nameof(beta), 0.0, "to be positive", null));
}
