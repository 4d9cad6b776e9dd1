using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Spectre.Console;
using UncertaintyLoss.Demo;
using UncertaintyLoss.Metrics;
using static TorchSharp.torch;

namespace UncertaintyLoss.BenchmarkRunner;

/// <summary>The benchmark: data, training loop over seeds and models, evaluation with <c>UncertaintyLoss.Metrics</c>.</summary>
public static class Benchmark
{
    /// <summary>Seed of the data subsamples and the noise sets (the same for every training seed).</summary>
    public const int DataSeed = 20261203;

    /// <summary>Fraction of the training images held out for the validation split.</summary>
    public const double ValidationFraction = 0.1;

    /// <summary>The in-distribution test set and the OOD sets built from Fashion-MNIST (<paramref name="extra"/> appended).</summary>
    public static (ImageSet Train, ImageSet Test, IReadOnlyList<OodSet> Ood) Prepare(ImageSet fullTrain, ImageSet fullTest,
        int? trainLimit, int? testLimit, IEnumerable<OodSet> extra)
    {
        ArgumentNullException.ThrowIfNull(fullTrain);
        ArgumentNullException.ThrowIfNull(fullTest);
        var train = fullTrain.Select(FashionMnist.Subsample(fullTrain, y => y < ModelZoo.Classes, trainLimit, DataSeed));
        var test = fullTest.Select(FashionMnist.Subsample(fullTest, y => y < ModelZoo.Classes, testLimit, DataSeed + 1));
        int n = test.Count;
        var near = fullTest.Select(FashionMnist.Subsample(fullTest, y => y >= ModelZoo.Classes, n, DataSeed + 2));
        var ood = new List<OodSet>
        {
            new(OodSets.NearName, near.Pixels, near.Count),
            OodSets.GaussianNoise(n, DataSeed + 3),
            OodSets.UniformNoise(n, DataSeed + 4),
            OodSets.Inverted(test),
        };
        ood.AddRange(extra.Select(e => OodSets.Limit(e, n, DataSeed + 5)));
        return (train, test, ood);
    }

    /// <summary>Indices (into the training set) of the training and validation splits of <paramref name="seed"/>.</summary>
    public static (int[] Train, int[] Validation) Split(int count, int seed)
    {
        var indices = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(indices);
        int validation = Math.Max(1, (int)Math.Round(ValidationFraction * count));
        var v = indices[..validation];
        var t = indices[validation..];
        Array.Sort(v);
        Array.Sort(t);
        return (t, v);
    }

    private static Tensor Images(float[] pixels, int count, Device device) =>
        tensor(pixels, new long[] { count, 1, 28, 28 }).to(device);

    /// <summary>Runs every model and seed of <paramref name="settings"/>.</summary>
    public static RunResults Run(BenchmarkSettings settings, string dataDir, IReadOnlyList<OodSet> extra, IAnsiConsole console,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(console);
        var started = DateTimeOffset.UtcNow;
        _ = Provenance.StartCommit.Value;
        var total = Stopwatch.StartNew();
        var (fullTrain, fullTest) = FashionMnist.Load(dataDir);
        var (train, test, ood) = Prepare(fullTrain, fullTest, settings.EffectiveTrainLimit, settings.EffectiveTestLimit, extra);
        var device = settings.Device == "cuda" ? CUDA : CPU;
        var models = settings.ModelList;
        console.WriteLine($"Fashion-MNIST from {dataDir}: {train.Count} training images of classes 0–4 " +
                          $"({ValidationFraction:P0} held out for validation), {test.Count} test images; OOD sets: " +
                          string.Join(", ", ood.Select(o => $"{o.Name} ({o.Count})")));
        console.WriteLine($"{models.Count} model(s) × {settings.EffectiveSeeds} seed(s), {settings.EffectiveEpochs} epoch(s), device {settings.Device}");

        var results = new List<ModelResult>();
        var calibrators = new SortedDictionary<string, string>();
        using var testX = Images(test.Pixels, test.Count, device);
        using var testY = tensor(test.Labels);
        var oodX = ood.Select(o => Images(o.Pixels, o.Count, device)).ToList();
        try
        {
            for (int seed = 0; seed < settings.EffectiveSeeds; seed++)
            {
                var (trainIdx, valIdx) = Split(train.Count, seed);
                var tr = train.Select(trainIdx);
                var va = train.Select(valIdx);
                using var trX = Images(tr.Pixels, tr.Count, device);
                using var trY = tensor(tr.Labels).to(device);
                using var vaX = Images(va.Pixels, va.Count, device);
                using var vaY = tensor(va.Labels);
                var data = new TrainingData(trX, trY, device, settings.EffectiveEpochs);
                SoftmaxModel? crossEntropy = null;
                int seedCopy = seed;
                try
                {
                    foreach (var name in models)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        Func<SoftmaxModel> ce = () => crossEntropy ??= (SoftmaxModel)ModelZoo.Build("cross-entropy", seedCopy, data, (vaX, vaY),
                            () => throw new InvalidOperationException(), _ => { }, () => { });
                        Func<TrainedModel, string>? trace = settings.Trace ? m => Trace(m, vaX, vaY, testX, testY, oodX[0]) : null;
                        var trained = WithProgress(console, $"{name} (seed {seed})", ModelZoo.Steps(name, data),
                            (log, step) => name == "cross-entropy" ? (crossEntropy ??= (SoftmaxModel)ModelZoo.Build(name, seedCopy, data, (vaX, vaY), ce, log, step, trace))
                                : ModelZoo.Build(name, seedCopy, data, (vaX, vaY), ce, log, step, trace));
                        try
                        {
                            var result = Evaluate(name, seed, trained, vaX, vaY, testX, testY, ood.Select(o => o.Name).ToList(), oodX, settings.Out);
                            calibrators[name] = trained.CalibrationInput.StartsWith("logits / T", StringComparison.Ordinal)
                                ? "logits / T (the model's own temperature)" : trained.CalibrationInput;
                            results.Add(result);
                            console.WriteLine($"{name} (seed {seed}): accuracy {result.Accuracy:F4}, ECE {result.Ece:F4} → {result.EceCalibrated:F4} calibrated, " +
                                              $"AUROC {OodSets.NearName} (entropy) {result.Ood[OodSets.NearName].Auroc.Entropy:F4}, {result.TrainSeconds:F1} s");
                        }
                        finally
                        {
                            if (!ReferenceEquals(trained, crossEntropy))
                                trained.Dispose();
                        }
                    }
                }
                finally
                {
                    crossEntropy?.Dispose();
                }
            }
        }
        finally
        {
            foreach (var x in oodX)
                x.Dispose();
        }

        var run = new RunSettings(models.ToArray(), settings.EffectiveSeeds, settings.EffectiveEpochs, settings.Quick,
            train.Count - Split(train.Count, 0).Validation.Length, Split(train.Count, 0).Validation.Length, test.Count,
            ood.Select(o => o.Name).ToArray(), settings.Device, 128, 1e-3, ModelZoo.EnsembleSize, ModelZoo.DropoutSamples, 15,
            calibrators);
        return new RunResults(run, Provenance.Collect(started, total.Elapsed.TotalSeconds, dataDir), results);
    }

    /// <summary>OOD detection labels: the in-distribution images (negatives) first, then the OOD set's (positives).</summary>
    private static Tensor OodLabel(long inDistribution, long outOfDistribution) =>
        cat(new[] { zeros(inDistribution, ScalarType.Bool), ones(outOfDistribution, ScalarType.Bool) }, 0);

    /// <summary>The --trace line: validation NLL, test accuracy and ECE, near-OOD AUROC with the entropy.</summary>
    private static string Trace(TrainedModel model, Tensor valX, Tensor valY, Tensor testX, Tensor testY, Tensor nearX)
    {
        using var scope = NewDisposeScope();
        var val = model.Predict(valX);
        var id = model.Predict(testX);
        var near = model.Predict(nearX);
        var y = testY.cpu();
        var label = OodLabel(y.shape[0], near.Probabilities.shape[0]);
        var entropy = cat(new[] { UL.CrossEntropyUncertainty(id.CalibrationLogits), UL.CrossEntropyUncertainty(near.CalibrationLogits) }, 0);
        double accuracy = id.Probabilities.argmax(1).eq(y).to_type(ScalarType.Float64).mean().item<double>();
        return $"validation NLL {ScoringRules.NegativeLogLikelihood(val.Probabilities, valY.cpu()):F4}, test accuracy {accuracy:F4}, " +
               $"ECE {Calibration.ExpectedCalibrationError(id.Probabilities, y, bins: 15):F4}, " +
               $"AUROC {OodSets.NearName} (entropy) {Ranking.Auroc(entropy.to_type(ScalarType.Float64), label):F4}";
    }

    /// <summary>Trains with a Spectre progress bar when the console is interactive, with plain lines otherwise.</summary>
    private static TrainedModel WithProgress(IAnsiConsole console, string label, long steps, Func<Action<string>, Action, TrainedModel> train)
    {
        if (!console.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            console.WriteLine($"{label}: training");
            return train(line => console.WriteLine($"  {label}: {line}"), () => { });
        }

        TrainedModel? trained = null;
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(label), maxValue: steps);
                trained = train(line => task.Description = Markup.Escape($"{label}: {line}"), () => task.Increment(1));
                task.Value = task.MaxValue;
            });
        return trained!;
    }

    /// <summary>All metrics of one trained model, from <c>UncertaintyLoss.Metrics</c> and the <c>UL.*</c> measures.</summary>
    internal static ModelResult Evaluate(string name, int seed, TrainedModel model, Tensor valX, Tensor valY, Tensor testX, Tensor testY,
        IReadOnlyList<string> oodNames, IReadOnlyList<Tensor> oodX, string? outDir = null)
    {
        var watch = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var val = model.Predict(valX);
        var id = model.Predict(testX);
        var y = testY.cpu();
        var scaler = TemperatureScaling.Fit(val.CalibrationLogits, valY.cpu());
        var p = id.Probabilities;
        var pc = scaler.Probabilities(id.CalibrationLogits);
        var wrong = p.argmax(1).ne(y);
        long errors = wrong.sum().item<long>();
        var entropy = UL.CrossEntropyUncertainty(id.CalibrationLogits);
        var ood = new Dictionary<string, OodResult>();
        var entropies = new Dictionary<string, float[]> { [Predictions.InDistribution] = Predictions.Floats(entropy) };
        for (int i = 0; i < oodNames.Count; i++)
        {
            var o = model.Predict(oodX[i]);
            entropies[oodNames[i]] = Predictions.Floats(UL.CrossEntropyUncertainty(o.CalibrationLogits));
            var label = OodLabel(y.shape[0], o.Probabilities.shape[0]);
            var scores = new Dictionary<string, Tensor?>
            {
                ["entropy"] = cat(new[] { entropy, UL.CrossEntropyUncertainty(o.CalibrationLogits) }, 0),
                ["maxProbability"] = cat(new[] { 1 - p.max(1).values, 1 - o.Probabilities.max(1).values }, 0),
                ["mutualInformation"] = id.MutualInformation is null ? null : cat(new[] { id.MutualInformation, o.MutualInformation! }, 0),
                ["vacuity"] = id.Vacuity is null ? null : cat(new[] { id.Vacuity, o.Vacuity! }, 0),
            };
            ScoreValues Of(Func<Tensor, double> metric)
            {
                double? M(string key) => scores[key] is { } s ? metric(s.to_type(ScalarType.Float64)) : null;
                return new ScoreValues(M("entropy")!.Value, M("mutualInformation"), M("vacuity"), M("maxProbability")!.Value);
            }

            ood[oodNames[i]] = new OodResult(Of(s => Ranking.Auroc(s, label)), Of(s => Ranking.Aupr(s, label)), Of(s => Ranking.FprAtTpr(s, label)));
        }

        if (outDir is not null)
        {
            ExtremeImage Extreme(long index)
            {
                var image = testX.narrow(0, index, 1);
                var spread = model.Spread(image);
                return new ExtremeImage((int)index, Predictions.Floats(entropy[index])[0], Predictions.Floats(image), Predictions.Floats(p[index]),
                    spread is { } s ? Predictions.Floats(s.MeanLogits[0]) : null, spread is { } r ? Predictions.Floats(r.Risk[0]) : null);
            }

            new Predictions(name, seed, (int)p.shape[1], y.data<long>().Select(l => (int)l).ToArray(), Predictions.Floats(p), Predictions.Floats(pc),
                entropies, Extreme(entropy.argmin().item<long>()), Extreme(entropy.argmax().item<long>()),
                Predictions.Floats(id.CalibrationLogits), Predictions.Floats(val.CalibrationLogits),
                valY.cpu().data<long>().Select(l => (int)l).ToArray()).Write(outDir);
        }

        return new ModelResult(name, seed)
        {
            Accuracy = 1.0 - (double)errors / y.shape[0],
            Nll = ScoringRules.NegativeLogLikelihood(p, y),
            Brier = ScoringRules.BrierScore(p, y),
            Ece = Calibration.ExpectedCalibrationError(p, y, bins: 15),
            AdaptiveEce = Calibration.AdaptiveCalibrationError(p, y, bins: 15),
            NllCalibrated = ScoringRules.NegativeLogLikelihood(pc, y),
            BrierCalibrated = ScoringRules.BrierScore(pc, y),
            EceCalibrated = Calibration.ExpectedCalibrationError(pc, y, bins: 15),
            AdaptiveEceCalibrated = Calibration.AdaptiveCalibrationError(pc, y, bins: 15),
            CalibrationTemperature = scaler.Temperature,
            Aurc = SelectiveClassification.Aurc(p, y),
            MisclassificationAuroc = errors > 0 && errors < y.shape[0] ? Ranking.Auroc(entropy.to_type(ScalarType.Float64), wrong) : null,
            TrainSeconds = model.TrainSeconds,
            EvalSeconds = watch.Elapsed.TotalSeconds,
            StoppedEpoch = model.StoppedEpoch,
            Ood = ood,
        };
    }
}
