using System;
using System.Collections.Generic;
using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace UncertaintyLoss.Demo;

/// <summary>The loss a model is trained with.</summary>
public enum LossKind
{
    /// <summary><c>torch.nn.functional.cross_entropy</c> on logits; uncertainty = normalised softmax entropy.</summary>
    CrossEntropy,

    /// <summary><see cref="UL.EvidentialLoss"/> on <see cref="UL.ClampedExp"/> evidence, annealed regulariser.</summary>
    Evidential,

    /// <summary><see cref="UL.MaxNormLoss"/> on <see cref="UL.ClampedExp"/> evidence, annealed regulariser.</summary>
    MaxNorm,
}

/// <summary>The training loss of each <see cref="LossKind"/>, shared by the synthetic and the Fashion-MNIST demos.</summary>
public static class LossKinds
{
    /// <summary>The loss of <paramref name="kind"/> on a batch; <paramref name="regFactor"/> is ignored by cross-entropy.</summary>
    public static Tensor Loss(LossKind kind, Tensor logits, Tensor target, double regFactor) => kind switch
    {
        LossKind.CrossEntropy => nn.functional.cross_entropy(logits, target),
        LossKind.Evidential => UL.EvidentialLoss(UL.ClampedExp(logits), target, regFactor: regFactor),
        _ => UL.MaxNormLoss(UL.ClampedExp(logits), target, regFactor: regFactor),
    };
}

/// <summary>Settings of one demo run.</summary>
/// <param name="Steps">Full-batch Adam steps per model.</param>
/// <param name="Seed">Seed of the data and the initial weights.</param>
/// <param name="GridSize">Heat-map resolution (cells per side).</param>
public sealed record TrainingSettings(int Steps, int Seed, int GridSize = 120)
{
    /// <summary>Training points per class.</summary>
    public int TrainPerClass { get; init; } = 200;

    /// <summary>Held-out test points per class.</summary>
    public int TestPerClass { get; init; } = 200;

    /// <summary>Far-away points ring radius, as a multiple of the largest training-point radius.</summary>
    public double FarFactor { get; init; } = 3.0;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 0.01;
}

/// <summary>What one trained model achieved.</summary>
/// <param name="Kind">Its loss.</param>
/// <param name="Accuracy">Accuracy on the held-out test set.</param>
/// <param name="TestUncertainty">Mean normalised uncertainty (in [0, 1]) on the test points.</param>
/// <param name="FarUncertainty">Mean normalised uncertainty on the far-away ring.</param>
/// <param name="Grid">Uncertainty over the plane: [row, column], row 0 at the top (largest y).</param>
/// <param name="Seconds">Training time.</param>
public sealed record ModelResult(LossKind Kind, double Accuracy, double TestUncertainty, double FarUncertainty, double[,] Grid, double Seconds)
{
    /// <summary>A display name.</summary>
    public string Name => Kind switch
    {
        LossKind.CrossEntropy => "cross-entropy",
        LossKind.Evidential => "evidential (EDL)",
        _ => "max-norm",
    };
}

/// <summary>Everything a demo run produced.</summary>
/// <param name="Train">The training set.</param>
/// <param name="FarRadius">Radius of the far-away ring.</param>
/// <param name="Extent">The heat maps cover [−Extent, Extent]².</param>
/// <param name="Models">One result per loss.</param>
public sealed record DemoResult(PointSet Train, double FarRadius, double Extent, IReadOnlyList<ModelResult> Models);

/// <summary>Trains the three networks and measures their uncertainty.</summary>
public static class Training
{
    /// <summary>Number of Gaussian features and hidden width of the networks.</summary>
    public const int Hidden = 64;

    /// <summary>Width σ of the Gaussian features (the blobs' standard deviation is <see cref="SyntheticData.Spread"/>).</summary>
    public const double FeatureWidth = 1.0;

    /// <summary>
    /// The network all three losses train (same architecture, same initial weights for a seed): Gaussian features centred
    /// on the first <see cref="Hidden"/> training points (σ = <see cref="FeatureWidth"/>) → Linear(64, 64) → ReLU →
    /// Linear(64, C), both linear layers without bias.
    /// </summary>
    /// <remarks>
    /// Why not a plain ReLU MLP: it is piecewise linear, so far from the data its logits grow linearly and the clamped-exp
    /// evidence saturates — every model is confident out there except along the extended decision boundaries, and the
    /// far-away uncertainty depends on the seed. Here every feature decays to 0 away from the data and, with no biases,
    /// the logits go to 0 as well: equal logits give a uniform expected probability, i.e. normalised uncertainty 1 (for
    /// cross-entropy's softmax as much as for the Dirichlet models' evidence e⁰ = 1 per class). The rise away from the
    /// data thus comes from the architecture and is the same for the three losses; the losses differ in how certain they
    /// are on and between the blobs.
    /// </remarks>
    public static nn.Module<Tensor, Tensor> Model(PointSet train)
    {
        ArgumentNullException.ThrowIfNull(train);
        return nn.Sequential(
            ("rbf", new GaussianFeatures(train.Points, Math.Min(Hidden, train.Count), FeatureWidth)),
            ("fc2", nn.Linear(Math.Min(Hidden, train.Count), Hidden, hasBias: false)), ("relu2", nn.ReLU()),
            ("fc3", nn.Linear(Hidden, train.Classes, hasBias: false)));
    }

    /// <summary>
    /// Generates the data, trains one network per <see cref="LossKind"/> and evaluates it. <paramref name="progress"/> is called
    /// after every step.
    /// </summary>
    public static DemoResult Run(TrainingSettings settings, Action<TrainingProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var train = SyntheticData.Blobs(settings.TrainPerClass, settings.Seed);
        var test = SyntheticData.Blobs(settings.TestPerClass, settings.Seed + 1);
        double farRadius = settings.FarFactor * train.MaxRadius();
        var far = SyntheticData.Ring(360, farRadius);
        double extent = 1.15 * farRadius;

        var models = new List<ModelResult>();
        var kinds = new[] { LossKind.CrossEntropy, LossKind.Evidential, LossKind.MaxNorm };
        for (int k = 0; k < kinds.Length; k++)
        {
            models.Add(TrainOne(k, kinds[k], settings, train, test, far, extent, progress));
        }

        return new DemoResult(train, farRadius, extent, models);
    }

    private static ModelResult TrainOne(int index, LossKind kind, TrainingSettings s, PointSet train, PointSet test, float[] far, double extent,
        Action<TrainingProgress>? progress)
    {
        var watch = Stopwatch.StartNew();
        manual_seed(s.Seed);
        using var model = Model(train);
        using var optimizer = optim.Adam(model.parameters(), lr: s.LearningRate);
        var schedule = RegFactor.Linear(steps: Math.Max(1, s.Steps / 4));
        using var x = tensor(train.Points, new long[] { train.Count, 2 });
        using var y = tensor(train.Labels, new long[] { train.Count });

        model.train();
        for (int step = 0; step < s.Steps; step++)
        {
            using var scope = NewDisposeScope();
            var logits = model.forward(x);
            var loss = LossKinds.Loss(kind, logits, y, schedule.Value);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            double lambda = kind == LossKind.CrossEntropy ? 0 : schedule.Value;
            schedule.Step();
            progress?.Invoke(new TrainingProgress(index, kind, step + 1, s.Steps, loss.item<float>(), lambda));
        }

        double seconds = watch.Elapsed.TotalSeconds;
        model.eval();
        using var noGrad = no_grad();
        using var evalScope = NewDisposeScope();

        var testLogits = model.forward(tensor(test.Points, new long[] { test.Count, 2 }));
        double accuracy = testLogits.argmax(1).eq(tensor(test.Labels)).to_type(ScalarType.Float64).mean().item<double>();
        double testU = Uncertainty(kind, testLogits, train.Classes).mean().to_type(ScalarType.Float64).item<double>();
        double farU = Uncertainty(kind, model.forward(tensor(far, new long[] { far.Length / 2, 2 })), train.Classes).mean().to_type(ScalarType.Float64).item<double>();

        int g = s.GridSize;
        var gridPoints = new float[2 * g * g];
        for (int row = 0; row < g; row++)
        {
            for (int col = 0; col < g; col++)
            {
                int i = row * g + col;
                gridPoints[2 * i] = (float)(-extent + (col + 0.5) * 2 * extent / g);
                gridPoints[2 * i + 1] = (float)(extent - (row + 0.5) * 2 * extent / g);
            }
        }

        var u = Uncertainty(kind, model.forward(tensor(gridPoints, new long[] { g * g, 2 })), train.Classes)
            .to_type(ScalarType.Float64).data<double>().ToArray();
        var grid = new double[g, g];
        for (int row = 0; row < g; row++)
        {
            for (int col = 0; col < g; col++)
            {
                grid[row, col] = u[row * g + col];
            }
        }

        return new ModelResult(kind, accuracy, testU, farU, grid, seconds);
    }

    /// <summary>
    /// Normalised uncertainty in [0, 1]: <see cref="UL.Uncertainty"/> of the evidence for the evidential losses,
    /// <see cref="UL.CrossEntropyUncertainty"/> / ln C for cross-entropy.
    /// </summary>
    public static Tensor Uncertainty(LossKind kind, Tensor logits, int classes) => kind == LossKind.CrossEntropy
        ? UL.CrossEntropyUncertainty(logits) / Math.Log(classes)
        : UL.Uncertainty(UL.ClampedExp(logits), normalize: true);
}
