using System.Diagnostics;

namespace UncertaintyLoss.Tests.Regression;

/// <summary>
/// End-to-end: a small MLP trained on 1-D heteroscedastic data, y = sin(x) + ε, ε ~ N(0, (0.05 + 0.3|x|)²), x ∈ [−3, 3],
/// must learn an uncertainty that ranks the inputs as the true noise does (Spearman rank correlation), with the Sculpt
/// Normal NLL, with the Capsa seed's sampled-output style, and with deep evidential regression.
/// </summary>
[TestFixture]
public sealed class HeteroscedasticTrainingTests
{
    internal const int Points = 512;
    internal const int DataSeed = 20240917;
    internal const long ModelSeed = 1234;
    internal const double LearningRate = 1e-2;
    internal const int GridPoints = 121;

    /// <summary>How the network's outputs become a loss.</summary>
    internal enum Style
    {
        /// <summary>2 outputs (yHat, raw): Sculpt.Normal.LossFunction(y, yHat, Sculpt.Scale(raw)).</summary>
        NormalNll,

        /// <summary>2 outputs: mse(Sculpt.Normal.Sample((yHat, Sculpt.Scale(raw))), y), the Capsa seed's reparameterised style.</summary>
        SampledMse,

        /// <summary>4 outputs through NormalInverseGammaParameters: EvidentialRegressionLoss(regFactor 0.01); risk = β/(α − 1).</summary>
        Evidential,
    }

    /// <summary>The result of one training run.</summary>
    internal sealed record Run(double[] Losses, double[] Grid, double[] Risk, double[] TrueStd, double[] Prediction, double Seconds)
    {
        public double Spearman => RegressionReference.Spearman(Risk, TrueStd);

        /// <summary>Mean of the first and of the last 20 losses.</summary>
        public (double First, double Last) LossEnds => (Losses.Take(20).Average(), Losses.Skip(Losses.Length - 20).Average());

        /// <summary>Root mean squared error of the prediction against sin(x) on the grid.</summary>
        public double PredictionRmse => Math.Sqrt(Grid.Select((x, i) => Math.Pow(Prediction[i] - Math.Sin(x), 2)).Average());

        public string Describe() =>
            FormattableString.Invariant(
                $"Spearman {Spearman:F4}, loss {LossEnds.First:G4} → {LossEnds.Last:G4}, prediction RMSE {PredictionRmse:G3}, risk range [{Risk.Min():G3}, {Risk.Max():G3}], {Seconds:F2} s");
    }

    /// <summary>x = (i − 60)/20, i = 0..120: −3 to 3 in steps of 0.05, exactly symmetric, so that |x| ties exactly.</summary>
    internal static double[] Grid() => Enumerable.Range(0, GridPoints).Select(i => (i - (GridPoints - 1) / 2) / 20.0).ToArray();

    /// <summary>The true noise standard deviation at x.</summary>
    internal static double NoiseStd(double x) => 0.05 + 0.3 * Math.Abs(x);

    /// <summary>512 points, x uniform on [−3, 3], y = sin(x) + (0.05 + 0.3|x|)·z, z standard normal (Box–Muller), fixed seed.</summary>
    internal static (float[] X, float[] Y) Data(int seed = DataSeed)
    {
        var rng = new Random(seed);
        var x = new float[Points];
        var y = new float[Points];
        for (int i = 0; i < Points; i++)
        {
            double xi = -3 + 6 * rng.NextDouble();
            double z = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            x[i] = (float)xi;
            y[i] = (float)(Math.Sin(xi) + NoiseStd(xi) * z);
        }

        return (x, y);
    }

    /// <summary>MLP 1 → 32 → 32 → outputs with Tanh, Float32, initialised after manual_seed(seed).</summary>
    internal static nn.Module<Tensor, Tensor> Model(int outputs, long seed)
    {
        manual_seed(seed);
        return nn.Sequential(
            ("fc1", nn.Linear(1, 32)), ("act1", nn.Tanh()),
            ("fc2", nn.Linear(32, 32)), ("act2", nn.Tanh()),
            ("fc3", nn.Linear(32, outputs)));
    }

    /// <summary>(loss, prediction, risk) of the model's output for the style; risk is yRisk or the aleatoric variance.</summary>
    private static (Tensor Loss, Tensor Prediction, Tensor Risk) Evaluate(Style style, Tensor output, Tensor y)
    {
        switch (style)
        {
            case Style.NormalNll:
            case Style.SampledMse:
            {
                var yHat = output.select(1, 0);
                var yRisk = Sculpt.Scale(output.select(1, 1));
                var loss = style == Style.NormalNll
                    ? Sculpt.Normal.LossFunction(y, yHat, yRisk)
                    : nn.functional.mse_loss(Sculpt.Normal.Sample((yHat, yRisk)), y);
                return (loss, yHat, yRisk);
            }

            case Style.Evidential:
            {
                var (gamma, nu, alpha, beta) = UL.NormalInverseGammaParameters(output);
                var loss = UL.EvidentialRegressionLoss(gamma, nu, alpha, beta, y, regFactor: 0.01);
                var (prediction, aleatoric, _) = UL.EvidentialRegressionUncertainty(gamma, nu, alpha, beta);
                return (loss, prediction, aleatoric);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(style));
        }
    }

    /// <summary>Full-batch Adam (lr 1e-2) for <paramref name="steps"/> steps; then the risk and prediction on a 121-point grid of [−3, 3].</summary>
    internal static Run Train(Style style, int steps, long seed = ModelSeed, int dataSeed = DataSeed)
    {
        var clock = Stopwatch.StartNew();
        var (xs, ys) = Data(dataSeed);
        using var outer = NewDisposeScope();
        var x = tensor(xs, new long[] { Points, 1 });
        var y = tensor(ys, new long[] { Points });
        var model = Model(style == Style.Evidential ? 4 : 2, seed);
        var optimizer = optim.Adam(model.parameters(), lr: LearningRate);
        try
        {
            var losses = new double[steps];
            for (int step = 0; step < steps; step++)
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var (loss, _, _) = Evaluate(style, model.forward(x), y);
                loss.backward();
                optimizer.step();
                losses[step] = loss.item<float>();
            }

            double[] grid = Grid();
            double[] risk, prediction;
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                var gx = tensor(grid.Select(v => (float)v).ToArray(), new long[] { GridPoints, 1 });
                var (_, p, r) = Evaluate(style, model.forward(gx), zeros(GridPoints));
                risk = Tensors.ToDoubles(r);
                prediction = Tensors.ToDoubles(p);
            }

            return new Run(losses, grid, risk, grid.Select(NoiseStd).ToArray(), prediction, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            optimizer.Dispose();
            model.Dispose();
        }
    }

    private static void Report(string what, Run run) => TestContext.Out.WriteLine($"{what}: {run.Describe()}");

    [Test]
    public void SculptNormalNll_HeteroscedasticData_RiskRanksAsTrueNoise()
    {
        var run = Train(Style.NormalNll, steps: 400);
        Report("Normal NLL", run);
        Assert.That(run.Losses.All(double.IsFinite), Is.True, "every loss is finite");
        Assert.That(run.LossEnds.Last, Is.LessThan(run.LossEnds.First - 0.2), "the NLL decreases");
        Assert.That(run.PredictionRmse, Is.LessThan(0.25), "the location fits sin(x)");
        Assert.That(run.Spearman, Is.GreaterThan(0.8), "yRisk ranks the grid as the true noise std 0.05 + 0.3|x| does");
    }

    /// <summary>
    /// The Capsa seed's sampled-output style, mse(yHat + yRisk·ε, y): it trains (the loss falls, the location fits), but
    /// its expectation is (yHat − y)² + yRisk², minimised by yRisk → 0 whatever the noise, so the risk collapses below the
    /// smallest true noise std (0.05) instead of learning it. Its rank correlation with the true noise is reported, not
    /// asserted: over 8 seeds it ranged 0.80–0.996, an artefact of Adam's per-parameter normalisation of noisier gradients.
    /// The collapse shows that the sample passes a gradient to yRisk (∂sample/∂yRisk = ε): without it the risk would stay
    /// near its initial softplus(≈0) ≈ 0.7.
    /// </summary>
    [Test]
    public void SculptNormalSampledMse_HeteroscedasticData_TrainsAndRiskCollapses()
    {
        var run = Train(Style.SampledMse, steps: 400);
        Report("Sampled MSE", run);
        Assert.That(run.Losses.All(double.IsFinite), Is.True, "every loss is finite");
        Assert.That(run.LossEnds.Last, Is.LessThan(0.8 * run.LossEnds.First), "the sampled MSE decreases");
        Assert.That(run.PredictionRmse, Is.LessThan(0.25), "the location fits sin(x)");
        Assert.That(run.Risk.Max(), Is.LessThan(0.05), "E[mse] = (yHat − y)² + yRisk² drives yRisk toward 0");
    }

    /// <summary>The Spearman helper: Pearson of average ranks, as MathNet's Correlation.Spearman, with ties; ±1 for monotone maps.</summary>
    [Test]
    public void Spearman_Helper_AgreesWithMathNetAndIsOneForMonotoneMaps()
    {
        var rng = new Random(5);
        var a = Enumerable.Range(0, 200).Select(_ => Math.Round(rng.NextDouble() * 20)).ToArray();
        var b = a.Select(v => v + 8 * rng.NextDouble()).ToArray();
        Assert.That(RegressionReference.Spearman(a, b), Is.EqualTo(MathNet.Numerics.Statistics.Correlation.Spearman(a, b)).Within(1e-12));
        var grid = Grid();
        var std = grid.Select(NoiseStd).ToArray();
        Assert.That(RegressionReference.Spearman(std.Select(v => Math.Exp(3 * v)).ToArray(), std), Is.EqualTo(1.0).Within(1e-12));
        Assert.That(RegressionReference.Spearman(std.Select(v => -v).ToArray(), std), Is.EqualTo(-1.0).Within(1e-12));
        Assert.That(Math.Abs(RegressionReference.Spearman(grid, std)), Is.LessThan(0.1), "x itself does not rank as |x|");
        Assert.That(RegressionReference.Ranks(new[] { 3.0, 1.0, 3.0, 2.0 }), Is.EqualTo(new[] { 3.5, 1.0, 3.5, 2.0 }));
    }

    [Test]
    public void EvidentialRegressionLoss_HeteroscedasticData_AleatoricRanksAsTrueNoise()
    {
        var run = Train(Style.Evidential, steps: 400);
        Report("Evidential", run);
        Assert.That(run.Losses.All(double.IsFinite), Is.True, "every loss is finite");
        Assert.That(run.LossEnds.Last, Is.LessThan(run.LossEnds.First - 0.15), "the loss decreases");
        Assert.That(run.PredictionRmse, Is.LessThan(0.25), "γ fits sin(x)");
        Assert.That(run.Spearman, Is.GreaterThan(0.8), "β/(α − 1) ranks the grid as the true noise does");
    }
}
