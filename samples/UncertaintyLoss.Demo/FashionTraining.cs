using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using TorchSharp;
using UncertaintyLoss.Metrics;
using static TorchSharp.torch;

namespace UncertaintyLoss.Demo;

/// <summary>Settings of a Fashion-MNIST run.</summary>
/// <param name="DataDir">The directory holding the IDX files.</param>
/// <param name="Epochs">Training epochs per model (0: evaluate only, with <see cref="LoadPath"/>).</param>
/// <param name="Seed">Seed of the subsample, the batch order and the initial weights.</param>
public sealed record FashionSettings(string DataDir, int Epochs, int Seed)
{
    /// <summary>Train on all 10 classes (no OOD metrics) instead of classes 0–4.</summary>
    public bool AllClasses { get; init; }

    /// <summary>At most this many training images (a seeded random subsample); null: all.</summary>
    public int? TrainLimit { get; init; }

    /// <summary>At most this many test images (a seeded random subsample of all ten classes); null: all.</summary>
    public int? TestLimit { get; init; }

    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>The regulariser ramps linearly from 0 to 1 over this fraction of all training steps.</summary>
    public double RampFraction { get; init; } = 1.0;

    /// <summary>"cpu" or "cuda".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Checkpoint prefix to write after training; null: none.</summary>
    public string? SavePath { get; init; }

    /// <summary>Checkpoint prefix to start from; null: fresh weights.</summary>
    public string? LoadPath { get; init; }

    /// <summary>Number of classes the models are trained on.</summary>
    public int Classes => AllClasses ? 10 : 5;
}

/// <summary>An image picked for its uncertainty, with the model's per-class evidence (probabilities for cross-entropy).</summary>
/// <param name="TestIndex">Index into <see cref="FashionResult.Test"/>.</param>
/// <param name="Label">True label (0–9).</param>
/// <param name="Uncertainty">Normalised entropy.</param>
/// <param name="Evidence">Per-class evidence.</param>
public sealed record PickedImage(int TestIndex, long Label, double Uncertainty, double[] Evidence);

/// <summary>One model's metrics on Fashion-MNIST.</summary>
/// <param name="Kind">Its loss.</param>
public sealed record FashionModelResult(LossKind Kind)
{
    /// <summary>A display name.</summary>
    public string Name => Kind switch
    {
        LossKind.CrossEntropy => "cross-entropy",
        LossKind.Evidential => "evidential (EDL)",
        _ => "max-norm",
    };

    /// <summary>In-distribution test accuracy.</summary>
    public double Accuracy { get; init; }

    /// <summary>Negative log-likelihood of the in-distribution test labels.</summary>
    public double Nll { get; init; }

    /// <summary>Brier score on the in-distribution test set.</summary>
    public double Brier { get; init; }

    /// <summary>Expected calibration error, 15 bins.</summary>
    public double Ece { get; init; }

    /// <summary>AUROC of the entropy for detecting misclassified in-distribution images; NaN without errors.</summary>
    public double MisclassificationAuroc { get; init; }

    /// <summary>OOD AUROC with the entropy as score; null with --all-classes.</summary>
    public double? OodAurocEntropy { get; init; }

    /// <summary>OOD average precision with the entropy as score.</summary>
    public double? OodAuprEntropy { get; init; }

    /// <summary>OOD AUROC with the mutual information as score (Dirichlet models only).</summary>
    public double? OodAurocMutualInformation { get; init; }

    /// <summary>OOD AUROC with the vacuity as score (Dirichlet models only).</summary>
    public double? OodAurocVacuity { get; init; }

    /// <summary>The reliability-diagram bins on the in-distribution test set.</summary>
    public IReadOnlyList<ReliabilityBin> Reliability { get; init; } = Array.Empty<ReliabilityBin>();

    /// <summary>Normalised entropy per test image (all of <see cref="FashionResult.Test"/>).</summary>
    public double[] Entropy { get; init; } = Array.Empty<double>();

    /// <summary>The most certain test images.</summary>
    public IReadOnlyList<PickedImage> MostCertain { get; init; } = Array.Empty<PickedImage>();

    /// <summary>The most uncertain test images.</summary>
    public IReadOnlyList<PickedImage> LeastCertain { get; init; } = Array.Empty<PickedImage>();

    /// <summary>Training time in seconds.</summary>
    public double TrainSeconds { get; init; }

    /// <summary>Evaluation time in seconds.</summary>
    public double EvalSeconds { get; init; }

    /// <summary>Regulariser value at the end of training (0 for cross-entropy).</summary>
    public double FinalRegFactor { get; init; }
}

/// <summary>Everything a Fashion-MNIST run produced.</summary>
/// <param name="Settings">The settings.</param>
/// <param name="TrainCount">Training images used.</param>
/// <param name="Test">The evaluated test images (in- and out-of-distribution).</param>
/// <param name="Models">One result per loss.</param>
public sealed record FashionResult(FashionSettings Settings, int TrainCount, ImageSet Test, IReadOnlyList<FashionModelResult> Models)
{
    /// <summary>Whether a test image is in-distribution (its label is one the models were trained on).</summary>
    public bool IsInDistribution(int testIndex) => Test.Labels[testIndex] < Settings.Classes;
}

/// <summary>LeNet-style CNNs on Fashion-MNIST, one per loss, with the EDL paper's protocol.</summary>
public static class FashionTraining
{
    /// <summary>
    /// The CNN: conv 1→20 k5, ReLU, max-pool 2; conv 20→50 k5, ReLU, max-pool 2; 800→500, ReLU; 500→C. Turns libtorch's
    /// oneDNN kernels off first: on some CPUs their convolutions return NaN during training (<see cref="OneDnn"/>).
    /// </summary>
    public static nn.Module<Tensor, Tensor> LeNet(int classes)
    {
        OneDnn.Disable();
        return nn.Sequential(
            ("conv1", nn.Conv2d(1, 20, 5)), ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(20, 50, 5)), ("relu2", nn.ReLU()), ("pool2", nn.MaxPool2d(2)),
            ("flatten", nn.Flatten()),
            ("fc1", nn.Linear(800, 500)), ("relu3", nn.ReLU()),
            ("fc2", nn.Linear(500, classes)));
    }

    /// <summary>
    /// Loads the data, trains and evaluates one CNN per <see cref="LossKind"/>. <paramref name="log"/> gets a line per
    /// epoch, <paramref name="progress"/> a call per mini-batch.
    /// </summary>
    public static FashionResult Run(FashionSettings settings, Action<string>? log = null, Action<TrainingProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (fullTrain, fullTest) = FashionMnist.Load(settings.DataDir);
        int classes = settings.Classes;
        var train = fullTrain.Select(FashionMnist.Subsample(fullTrain, y => y < classes, settings.TrainLimit, settings.Seed));
        var test = fullTest.Select(FashionMnist.Subsample(fullTest, _ => true, settings.TestLimit, settings.Seed + 1));
        log?.Invoke($"{train.Count} training images (classes 0–{classes - 1}), {test.Count} test images " +
                    $"({test.Labels.Count(l => l < classes)} in-distribution, {test.Labels.Count(l => l >= classes)} out-of-distribution)");

        var device = settings.Device == "cuda" ? CUDA : CPU;
        var models = new List<FashionModelResult>();
        using (var trainX = tensor(train.Pixels, new long[] { train.Count, 1, train.Rows, train.Columns }).to(device))
        using (var trainY = tensor(train.Labels, new long[] { train.Count }).to(device))
        using (var testX = tensor(test.Pixels, new long[] { test.Count, 1, test.Rows, test.Columns }).to(device))
        {
            var kinds = new[] { LossKind.CrossEntropy, LossKind.Evidential, LossKind.MaxNorm };
            for (int k = 0; k < kinds.Length; k++)
            {
                models.Add(TrainOne(k, kinds[k], settings, trainX, trainY, testX, test, device, log, progress));
            }
        }

        return new FashionResult(settings, train.Count, test, models);
    }

    /// <summary>The checkpoint files of one model: weights and scheduler state.</summary>
    public static (string Weights, string Schedule) CheckpointPaths(string prefix, LossKind kind) =>
        ($"{prefix}.{Plots.FileName(kind)}.weights", $"{prefix}.{Plots.FileName(kind)}.regfactor.json");

    private static FashionModelResult TrainOne(int index, LossKind kind, FashionSettings s, Tensor trainX, Tensor trainY, Tensor testX,
        ImageSet test, Device device, Action<string>? log, Action<TrainingProgress>? progress)
    {
        var watch = Stopwatch.StartNew();
        manual_seed(s.Seed);
        using var model = LeNet(s.Classes);
        model.to(device);
        long n = trainX.shape[0];
        int batchesPerEpoch = (int)((n + s.BatchSize - 1) / s.BatchSize);
        // The ramp length is fixed by the settings (not by where a loaded run left off), so a checkpoint restores exactly.
        var schedule = RegFactor.Linear(steps: Math.Max(1, (long)Math.Round(s.RampFraction * batchesPerEpoch * Math.Max(1, s.Epochs))));
        var (weightsPath, schedulePath) = s.LoadPath is null ? default : CheckpointPaths(s.LoadPath, kind);
        if (s.LoadPath is not null)
        {
            model.load(weightsPath);
            if (kind != LossKind.CrossEntropy && File.Exists(schedulePath))
            {
                var state = RegFactorState.FromJson(File.ReadAllText(schedulePath));
                schedule = RegFactor.Linear(steps: ParseLinearSteps(state.Schedule) ?? schedule.GetState().StepCount);
                schedule.Restore(state);
            }
        }

        using var optimizer = optim.Adam(model.parameters(), lr: s.LearningRate);
        var rng = new Random(s.Seed);
        var order = Enumerable.Range(0, (int)n).Select(i => (long)i).ToArray();
        model.train();
        for (int epoch = 0; epoch < s.Epochs; epoch++)
        {
            rng.Shuffle(order);
            double lossSum = 0;
            for (int b = 0; b < batchesPerEpoch; b++)
            {
                using var scope = NewDisposeScope();
                int start = b * s.BatchSize;
                int count = (int)Math.Min(s.BatchSize, n - start);
                var idx = tensor(order.AsSpan(start, count).ToArray(), new long[] { count }).to(device);
                var x = trainX.index_select(0, idx);
                var y = trainY.index_select(0, idx);
                var logits = model.forward(x);
                var loss = LossKinds.Loss(kind, logits, y, schedule.Value);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                double lambda = kind == LossKind.CrossEntropy ? 0 : schedule.Value;
                if (kind != LossKind.CrossEntropy)
                {
                    schedule.Step();
                }

                float batchLoss = loss.item<float>();
                lossSum += batchLoss;
                progress?.Invoke(new TrainingProgress(index, kind, (long)epoch * batchesPerEpoch + b + 1, (long)s.Epochs * batchesPerEpoch, batchLoss, lambda)
                {
                    Epoch = epoch + 1,
                    Epochs = s.Epochs,
                });
            }

            log?.Invoke($"  {kind}: epoch {epoch + 1}/{s.Epochs}, mean loss {lossSum / batchesPerEpoch:F4}, λ = {(kind == LossKind.CrossEntropy ? 0 : schedule.Value):F2}");
        }

        double trainSeconds = watch.Elapsed.TotalSeconds;
        if (s.SavePath is not null)
        {
            var (w, j) = CheckpointPaths(s.SavePath, kind);
            var dir = Path.GetDirectoryName(Path.GetFullPath(w));
            if (dir is not null)
            {
                Directory.CreateDirectory(dir);
            }

            model.save(w);
            if (kind != LossKind.CrossEntropy)
            {
                File.WriteAllText(j, schedule.GetState().ToJson());
            }
        }

        watch.Restart();
        model.eval();
        using var noGrad = no_grad();
        using var evalScope = NewDisposeScope();
        var chunks = new List<Tensor>();
        for (long start = 0; start < testX.shape[0]; start += 1000)
        {
            chunks.Add(model.forward(testX.narrow(0, start, Math.Min(1000, testX.shape[0] - start))).to(CPU));
        }

        var result = Evaluate(kind, cat(chunks, 0), test, s.Classes);
        return result with
        {
            TrainSeconds = trainSeconds,
            EvalSeconds = watch.Elapsed.TotalSeconds,
            FinalRegFactor = kind == LossKind.CrossEntropy ? 0 : schedule.Value,
        };
    }

    private static long? ParseLinearSteps(string description)
    {
        // "Linear(steps=123, max=1)"
        const string key = "steps=";
        int i = description.IndexOf(key, StringComparison.Ordinal);
        if (i < 0)
        {
            return null;
        }

        var digits = new string(description.Skip(i + key.Length).TakeWhile(char.IsDigit).ToArray());
        return long.TryParse(digits, out long steps) ? steps : null;
    }

    /// <summary>All metrics of one model from its logits on the test images (CPU).</summary>
    public static FashionModelResult Evaluate(LossKind kind, Tensor logits, ImageSet test, int classes)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(test);
        using var scope = NewDisposeScope();
        bool dirichlet = kind != LossKind.CrossEntropy;
        var evidence = UL.ClampedExp(logits);
        var entropy = Training.Uncertainty(kind, logits, classes).to_type(ScalarType.Float64);
        var labels = tensor(test.Labels);
        var idMask = labels.lt(classes);
        var idIdx = idMask.nonzero().squeeze(1);
        var y = labels.index_select(0, idIdx);
        var probs = (dirichlet ? UL.DirichletMean(evidence) : logits.softmax(1)).index_select(0, idIdx);
        var wrong = probs.argmax(1).ne(y);
        var idEntropy = entropy.index_select(0, idIdx);

        double misAuroc = double.NaN;
        long wrongCount = wrong.sum().item<long>();
        if (wrongCount > 0 && wrongCount < y.shape[0])
        {
            misAuroc = Ranking.Auroc(idEntropy, wrong);
        }

        double? oodH = null, oodAupr = null, oodMi = null, oodVac = null;
        long oodCount = test.Labels.Count(l => l >= classes);
        if (oodCount > 0 && oodCount < test.Count)
        {
            var ood = idMask.logical_not();
            oodH = Ranking.Auroc(entropy, ood);
            oodAupr = Ranking.Aupr(entropy, ood);
            if (dirichlet)
            {
                oodMi = Ranking.Auroc(UL.ModelUncertainty(evidence), ood);
                oodVac = Ranking.Auroc(UL.Vacuity(evidence), ood);
            }
        }

        var h = entropy.data<double>().ToArray();
        var shown = (dirichlet ? evidence : logits.softmax(1)).to_type(ScalarType.Float64).data<double>().ToArray();
        PickedImage Pick(int i) => new(i, test.Labels[i], h[i], shown.AsSpan(i * classes, classes).ToArray());
        var sorted = Enumerable.Range(0, h.Length).OrderBy(i => h[i]).ThenBy(i => i).ToArray();
        const int picks = 6;

        return new FashionModelResult(kind)
        {
            Accuracy = 1.0 - (double)wrongCount / y.shape[0],
            Nll = ScoringRules.NegativeLogLikelihood(probs, y),
            Brier = ScoringRules.BrierScore(probs, y),
            Ece = Calibration.ExpectedCalibrationError(probs, y, bins: 15),
            Reliability = Calibration.ReliabilityDiagram(probs, y, bins: 15),
            MisclassificationAuroc = misAuroc,
            OodAurocEntropy = oodH,
            OodAuprEntropy = oodAupr,
            OodAurocMutualInformation = oodMi,
            OodAurocVacuity = oodVac,
            Entropy = h,
            MostCertain = sorted.Take(picks).Select(Pick).ToArray(),
            LeastCertain = Enumerable.Reverse(sorted).Take(picks).Select(Pick).ToArray(),
        };
    }
}
