namespace UncertaintyLoss.Tests.Parity;

/// <summary>Runs a <see cref="PyCase"/> through the C# library, and through the MathNet-based reference.</summary>
public static class PythonCases
{
    /// <summary>The case's evidence (or logits) as a leaf tensor of the case dtype.</summary>
    /// <param name="c">The case.</param>
    /// <param name="requiresGrad">Whether to track gradients.</param>
    /// <returns>A new tensor.</returns>
    public static Tensor Evidence(PyCase c, bool requiresGrad)
    {
        var e = Tensors.FromDoubles(c.Evidence.Data, c.Evidence.Shape, c.DType);
        return requiresGrad ? e.requires_grad_(true) : e;
    }

    /// <summary>Index targets as Int64; probability targets as a float tensor of the case dtype; null without a target.</summary>
    /// <param name="c">The case.</param>
    /// <returns>A new tensor or null.</returns>
    public static Tensor? Target(PyCase c) =>
        c.Target is null ? null
        : c.Target.IsIndex ? Tensors.FromLongs(c.Target.Indices, c.Target.Shape)
        : Tensors.FromDoubles(c.Target.Data, c.Target.Shape, c.DType);

    /// <summary>reg_factor, 0 (Python's default) when not passed.</summary>
    /// <param name="c">The case.</param>
    /// <returns>The regularisation factor.</returns>
    public static double RegFactor(PyCase c) => c.Args.TryGetValue("reg_factor", out var v) ? v.GetDouble() : 0.0;

    /// <summary>p_norm, 4 (Python's default) when not passed.</summary>
    /// <param name="c">The case.</param>
    /// <returns>The norm.</returns>
    public static int PNorm(PyCase c) => c.Args.TryGetValue("p_norm", out var v) ? v.GetInt32() : 4;

    /// <summary>reduction, "mean" (Python's default) when not passed.</summary>
    /// <param name="c">The case.</param>
    /// <returns>The reduction.</returns>
    public static nn.Reduction Reduction(PyCase c) =>
        PythonReference.Reduction(c.Args.TryGetValue("reduction", out var v) ? v.GetString()! : "mean");

    /// <summary>True when the case involves the Fisher regulariser (torch 1.13's float64 trigamma is only ~5e-10 accurate).</summary>
    /// <param name="c">The case.</param>
    /// <returns>Whether the Fisher term contributes.</returns>
    public static bool InvolvesFisher(PyCase c) =>
        c.Function == "dirichlet_fisher_regulizer" || (c.Function == "maxnorm_loss" && RegFactor(c) > 0);

    /// <summary>True when Python's gradient passes through torch's polygamma(1, x): the backward of digamma in the KL term.</summary>
    /// <param name="c">The case.</param>
    /// <returns>Whether Python's gradient carries polygamma's 5e-10 error.</returns>
    public static bool GradientUsesTrigamma(PyCase c) =>
        c.Function == "uniform_dirichlet_kl" || (c.Function == "evidential_loss" && RegFactor(c) > 0);

    /// <summary>
    /// True when Python evaluates the case as a difference of lgamma values of the evidence's size, which Data/README.md
    /// documents as losing digits to cancellation in float32 for large evidence (KL, p-norm).
    /// </summary>
    /// <param name="c">The case.</param>
    /// <returns>Whether Python's own float32 result cancels.</returns>
    public static bool PythonCancelsInLgamma(PyCase c) =>
        c.Function is "uniform_dirichlet_kl" or "dirichlet_pnorm_loss" or "maxnorm_loss"
        || (c.Function == "evidential_loss" && RegFactor(c) > 0);

    /// <summary>Calls the C# function that corresponds to the case's Python function, with the mapped arguments.</summary>
    /// <param name="c">The case.</param>
    /// <param name="evidence">The evidence (or logits).</param>
    /// <param name="target">The target, for the losses.</param>
    /// <returns>The library's output.</returns>
    public static Tensor Invoke(PyCase c, Tensor evidence, Tensor? target)
    {
        var known = c.Function switch
        {
            "dirichlet_mse_loss" or "uniform_dirichlet_kl" or "dirichlet_fisher_regulizer" => new[] { "reduction" },
            "evidential_loss" => new[] { "reduction", "reg_factor" },
            "dirichlet_pnorm_loss" => new[] { "reduction", "p_norm" },
            "maxnorm_loss" => new[] { "reduction", "reg_factor", "p_norm" },
            "clamped_exp" => new[] { "clamp" },
            "uncertainty" => new[] { "normalize" },
            _ => Array.Empty<string>(),
        };
        var unknown = c.Args.Keys.Except(known).ToArray();
        if (unknown.Length > 0)
            throw new InvalidOperationException($"Case {c.Id}: unmapped argument(s) {string.Join(", ", unknown)}.");

        Tensor T() => target ?? throw new InvalidOperationException($"Case {c.Id} of {c.Function} has no target.");
        return c.Function switch
        {
            "dirichlet_mse_loss" => UL.DirichletMseLoss(evidence, T(), Reduction(c)),
            "uniform_dirichlet_kl" => UL.UniformDirichletKl(evidence, T(), Reduction(c)),
            "evidential_loss" => UL.EvidentialLoss(evidence, T(), RegFactor(c), Reduction(c)),
            "dirichlet_pnorm_loss" => UL.DirichletPNormLoss(evidence, T(), PNorm(c), Reduction(c)),
            "dirichlet_fisher_regulizer" => UL.DirichletFisherRegularizer(evidence, T(), Reduction(c)),
            "maxnorm_loss" => UL.MaxNormLoss(evidence, T(), RegFactor(c), PNorm(c), Reduction(c)),
            "clamped_exp" => UL.ClampedExp(evidence, c.Args.TryGetValue("clamp", out var clamp) ? clamp.GetDouble() : 10.0),
            "uncertainty" => UL.Uncertainty(evidence, c.Args.TryGetValue("normalize", out var n) && n.GetBoolean()),
            "model_uncertainty" => UL.ModelUncertainty(evidence),
            "data_uncertainty" => UL.DataUncertainty(evidence),
            "cross_entropy_uncertainty" => UL.CrossEntropyUncertainty(evidence),
            _ => throw new InvalidOperationException($"Case {c.Id}: no C# mapping for Python function '{c.Function}'."),
        };
    }

    /// <summary>
    /// The double-precision MathNet reference (Reference/DirichletReference) of a loss case, with the size of the
    /// terms that cancel in a direct evaluation (to scale tolerances); the inputs are exactly the case's (float32
    /// values are stored exactly).
    /// </summary>
    /// <param name="c">A case of one of the six losses.</param>
    /// <returns>The reduced reference value(s) and the matching magnitudes.</returns>
    public static (double[] Value, double[] Magnitude) ReferenceLoss(PyCase c)
    {
        var target = c.Target ?? throw new InvalidOperationException($"Case {c.Id} has no target.");
        var shape = c.Evidence.Shape;
        double reg = RegFactor(c);
        int p = PNorm(c);
        int classes = (int)shape[1];

        double[] PerPosition(Func<double[], double[], double> f) =>
            target.IsIndex
                ? ReferenceTensor.PerPosition(c.Evidence.Data, shape, target.Indices, (e, k) => f(e, DirichletReference.OneHot(k, classes)))
                : ReferenceTensor.PerPosition(c.Evidence.Data, shape, target.Data, f);

        Func<double[], double[], double> value, magnitude;
        switch (c.Function)
        {
            case "dirichlet_mse_loss":
                value = DirichletReference.DirichletMse;
                magnitude = DirichletReference.DirichletMse;
                break;
            case "uniform_dirichlet_kl":
                value = DirichletReference.UniformDirichletKl;
                magnitude = DirichletReference.UniformDirichletKlMagnitude;
                break;
            case "evidential_loss":
                value = (e, y) => DirichletReference.DirichletMse(e, y) + reg * DirichletReference.UniformDirichletKl(e, y);
                magnitude = (e, y) => DirichletReference.DirichletMse(e, y) + reg * DirichletReference.UniformDirichletKlMagnitude(e, y);
                break;
            case "dirichlet_pnorm_loss":
                value = (e, y) => DirichletReference.DirichletPNorm(e, y, p);
                magnitude = value;
                break;
            case "dirichlet_fisher_regulizer":
                value = (e, y) => DirichletReference.FisherRegularizer(e, y, paperAlphaSum: false);
                magnitude = (e, y) => DirichletReference.FisherMagnitude(e, y, paperAlphaSum: false);
                break;
            case "maxnorm_loss":
                value = (e, y) => DirichletReference.DirichletPNorm(e, y, p) + reg * DirichletReference.FisherRegularizer(e, y, paperAlphaSum: false);
                magnitude = (e, y) => DirichletReference.DirichletPNorm(e, y, p) + reg * DirichletReference.FisherMagnitude(e, y, paperAlphaSum: false);
                break;
            default:
                throw new InvalidOperationException($"Case {c.Id}: no reference for '{c.Function}'.");
        }

        return (Reduce(PerPosition(value), Reduction(c)), Reduce(PerPosition(magnitude), Reduction(c)));
    }

    private static double[] Reduce(double[] perPosition, nn.Reduction reduction) => reduction switch
    {
        nn.Reduction.None => perPosition,
        nn.Reduction.Sum => new[] { ReferenceTensor.Sum(perPosition) },
        _ => new[] { ReferenceTensor.Mean(perPosition) },
    };
}
