using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using TorchSharp;
using UncertaintyLoss.Demo;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace UncertaintyLoss.BenchmarkRunner;

/// <summary>
/// A model's outputs on a set of images (CPU): the predictive probabilities (N, C); the logits the post-hoc
/// temperature scaling works on (N, C), whose softmax is the probabilities; and the mutual information and vacuity
/// (N) where the model defines them.
/// </summary>
internal sealed record Outputs(Tensor Probabilities, Tensor CalibrationLogits, Tensor? MutualInformation, Tensor? Vacuity);

/// <summary>A trained model of the benchmark.</summary>
internal abstract class TrainedModel : IDisposable
{
    /// <summary>Images per inference call. With 1,000 the evaluation was 3× (cross-entropy) to 5× (mc-dropout) slower
    /// on the 2-core CI machine (2026-12-03, --quick), the convolutions' buffers being that much larger.</summary>
    public const int Chunk = 256;

    /// <summary>Training time in seconds.</summary>
    public double TrainSeconds { get; set; }

    /// <summary>With early stopping ("es"), the 1-based epoch whose weights were kept; null otherwise.</summary>
    public int? StoppedEpoch { get; set; }

    /// <summary>What <see cref="Outputs.CalibrationLogits"/> are, for the report.</summary>
    public abstract string CalibrationInput { get; }

    /// <summary>The outputs on <paramref name="x"/> (on the training device), computed in chunks of <see cref="Chunk"/> images.</summary>
    public Outputs Predict(Tensor x)
    {
        using var noGrad = no_grad();
        var parts = new List<Outputs>();
        for (long start = 0; start < x.shape[0]; start += Chunk)
            parts.Add(PredictChunk(x.narrow(0, start, Math.Min(Chunk, x.shape[0] - start))));
        Tensor? Cat(Func<Outputs, Tensor?> field) =>
            field(parts[0]) is null ? null : cat(parts.Select(p => field(p)!.cpu()).ToArray(), 0);
        return new Outputs(Cat(p => p.Probabilities)!, Cat(p => p.CalibrationLogits)!, Cat(p => p.MutualInformation), Cat(p => p.Vacuity));
    }

    protected abstract Outputs PredictChunk(Tensor x);

    /// <summary>For an ensemble or MC dropout, the mean logits and the wrapper's risk (their spread) on a few images; null otherwise.</summary>
    public virtual (Tensor MeanLogits, Tensor Risk)? Spread(Tensor x) => null;

    public abstract void Dispose();
}

/// <summary>Network outputs are logits; probabilities = softmax(logits / T) (T = 1 without temperature scaling).</summary>
internal sealed class SoftmaxModel(nn.Module<Tensor, Tensor> net, double temperature, bool owns) : TrainedModel
{
    public nn.Module<Tensor, Tensor> Net { get; } = net;

    public override string CalibrationInput => temperature == 1.0 ? "logits" : $"logits / T (T = {temperature:G4}, fitted on the validation split)";

    protected override Outputs PredictChunk(Tensor x)
    {
        var logits = Net.forward(x);
        if (temperature != 1.0)
            logits = logits / temperature;
        return new Outputs(logits.softmax(1), logits, null, null);
    }

    public override void Dispose()
    {
        if (owns)
            Net.Dispose();
    }
}

/// <summary>A Dirichlet model: evidence = the module's activation of the logits; probabilities = the Dirichlet mean.</summary>
internal sealed class DirichletModel(nn.Module<Tensor, Tensor> net, DirichletLossModule module, double priorWeight, bool alphaOutput) : TrainedModel
{
    /// <summary>α-models (belief matching) output α itself: evidence = α − 1e-6 with prior weight 1e-6 (the smallest
    /// <c>UL.*</c> measures accept), so every measure sees exactly α.</summary>
    private const double AlphaPrior = 1e-6;

    public override string CalibrationInput => "ln α (α = evidence + prior weight; T = 1 gives the Dirichlet mean)";

    protected override Outputs PredictChunk(Tensor x)
    {
        var raw = UL.ToEvidence(net.forward(x), module.Activation, module.Clamp);
        var (evidence, w) = alphaOutput ? ((raw - AlphaPrior).clamp_min(0), AlphaPrior) : (raw, priorWeight);
        return new Outputs(UL.DirichletMean(evidence, w), (evidence + w).log(), UL.ModelUncertainty(evidence, w), UL.Vacuity(evidence, w));
    }

    public override void Dispose()
    {
        net.Dispose();
        module.Dispose();
    }
}

/// <summary>An ensemble (<see cref="VoteWrapper"/>) or MC dropout (<see cref="SampleWrapper"/>): probabilities and mutual information from <c>Classify</c>.</summary>
internal sealed class SampledModel(nn.Module<Tensor, Tensor> wrapper) : TrainedModel
{
    public override string CalibrationInput => "ln p̄ (the log of the averaged probabilities, clamped at 1e-30)";

    protected override Outputs PredictChunk(Tensor x)
    {
        var (p, mi) = wrapper switch
        {
            VoteWrapper v => Classified(v.Classify(x)),
            SampleWrapper s => Classified(s.Classify(x)),
            _ => throw new InvalidOperationException("not a wrapper"),
        };
        return new Outputs(p, p.clamp_min(1e-30).log(), mi, null);
    }

    private static (Tensor, Tensor) Classified(VoteClassification c) => (c.Probabilities, c.MutualInformation);

    public override (Tensor MeanLogits, Tensor Risk)? Spread(Tensor x)
    {
        using var noGrad = no_grad();
        return wrapper switch
        {
            VoteWrapper v => v.Classify(x) is var c ? (c.MeanLogits, c.Risk) : null,
            SampleWrapper s => s.Classify(x) is var c ? (c.MeanLogits, c.Risk) : null,
            _ => null,
        };
    }

    private static (Tensor, Tensor) Classified(SampleClassification c) => (c.Probabilities, c.MutualInformation);

    public override void Dispose() => wrapper.Dispose();
}

/// <summary>The training data of one seed, on the device.</summary>
internal sealed record TrainingData(Tensor X, Tensor Y, Device Device, int Epochs, int BatchSize = 128, double LearningRate = 1e-3);

/// <summary>The models of the benchmark: names, networks, losses and training (README.md).</summary>
public static class ModelZoo
{
    /// <summary>Every model, in the default order.</summary>
    public static readonly IReadOnlyList<string> Names = new[]
    {
        "cross-entropy", "cross-entropy+ts", "edl", "edl-log", "edl-digamma", "redl", "iedl", "red",
        "posterior-network", "belief-matching", "max-norm", "ensemble-5", "mc-dropout", "recommended",
    };

    /// <summary>Members of "ensemble-5".</summary>
    public const int EnsembleSize = 5;

    /// <summary>Dropout samples of "mc-dropout".</summary>
    public const int DropoutSamples = 20;

    /// <summary>Dropout rate of "mc-dropout" (before the last layer).</summary>
    public const double DropoutRate = 0.5;

    /// <summary>Classes in distribution (0–4).</summary>
    public const int Classes = 5;

    /// <summary>
    /// The LeNet of the EDL paper's Fashion/CIFAR5 protocol as the demo used to train it: conv 1→20 k5, ReLU, max-pool 2; conv 20→50 k5,
    /// ReLU, max-pool 2; 800→500, ReLU; [dropout]; 500→C. Turns oneDNN off first (<see cref="OneDnn"/>).
    /// </summary>
    public static nn.Module<Tensor, Tensor> LeNet(int classes, double dropout = 0)
    {
        OneDnn.Disable();
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>
        {
            ("conv1", nn.Conv2d(1, 20, 5)), ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(20, 50, 5)), ("relu2", nn.ReLU()), ("pool2", nn.MaxPool2d(2)),
            ("flatten", nn.Flatten()),
            ("fc1", nn.Linear(800, 500)), ("relu3", nn.ReLU()),
        };
        if (dropout > 0)
            layers.Add(("dropout", nn.Dropout(dropout)));
        layers.Add(("fc2", nn.Linear(500, classes)));
        return nn.Sequential(layers);
    }

    /// <summary>The loss module of a Dirichlet model, with its paper preset and <paramref name="v"/>'s settings; null for the others.</summary>
    public static DirichletLossModule? DirichletModule(Variant v) => v.Base switch
    {
        "edl" => new EvidentialLossModule(schedule: v.Ramp(), activation: v.Activation(EvidenceActivation.Exp), clamp: v.Number("clamp") ?? 10),
        "edl-log" => new EvidentialLossModule(schedule: v.Ramp(), risk: EvidentialRisk.LogLikelihood,
            activation: v.Activation(EvidenceActivation.Exp), clamp: v.Number("clamp") ?? 10),
        "edl-digamma" => new EvidentialLossModule(schedule: v.Ramp(), risk: EvidentialRisk.CrossEntropy,
            activation: v.Activation(EvidenceActivation.Exp), clamp: v.Number("clamp") ?? 10),
        "redl" => new RelaxedEvidentialLossModule(schedule: v.Ramp(), priorWeight: v.Number("prior") ?? 0.1,
            activation: v.Activation(EvidenceActivation.Softplus), clamp: v.Number("clamp") ?? 10),
        "iedl" => new FisherEvidentialLossModule(schedule: v.Ramp(), fisherCoefficient: v.Number("fisher") ?? 0.005,
            activation: v.Activation(EvidenceActivation.Softplus), clamp: v.Number("clamp") ?? 10),
        "red" => new RedEvidentialLossModule(schedule: v.Ramp(), activation: v.Activation(EvidenceActivation.Exp), clamp: v.Number("clamp") ?? 10),
        "posterior-network" => new PosteriorNetworkLossModule(),
        "belief-matching" => new BeliefMatchingLossModule(),
        "max-norm" => new MaxNormLossModule(),
        "recommended" => new FisherEvidentialLossModule(),   // the library's recipe (docs/recipes.md): no arguments
        _ => null,
    };

    /// <summary>The loss module of a Dirichlet model, with its paper preset; null for the others.</summary>
    internal static DirichletLossModule? DirichletModule(string name) => DirichletModule(Variant.Parse(name));

    /// <summary>
    /// Trains <paramref name="net"/> with Adam (AdamW when <paramref name="weightDecay"/> &gt; 0) on mini-batches; calls
    /// <paramref name="endOfEpoch"/> with the 0-based epoch after each epoch, the network in eval mode.
    /// </summary>
    internal static void Train(nn.Module<Tensor, Tensor> net, Func<Tensor, Tensor, Tensor> loss, Action<int>? endOfEpoch, TrainingData data,
        int shuffleSeed, Action<string> log, Action progress, double weightDecay = 0)
    {
        net.to(data.Device);
        net.train();
        using var optimizer = weightDecay > 0
            ? optim.AdamW(net.parameters(), lr: data.LearningRate, weight_decay: weightDecay)
            : (optim.Optimizer)optim.Adam(net.parameters(), lr: data.LearningRate);
        long n = data.X.shape[0];
        var order = Enumerable.Range(0, (int)n).Select(i => (long)i).ToArray();
        var rng = new Random(shuffleSeed);
        for (int epoch = 0; epoch < data.Epochs; epoch++)
        {
            rng.Shuffle(order);
            double sum = 0;
            int batches = 0;
            for (long start = 0; start < n; start += data.BatchSize)
            {
                using var scope = NewDisposeScope();
                int count = (int)Math.Min(data.BatchSize, n - start);
                var idx = tensor(order.AsSpan((int)start, count).ToArray()).to(data.Device);
                var l = loss(net.forward(data.X.index_select(0, idx)), data.Y.index_select(0, idx));
                optimizer.zero_grad();
                l.backward();
                optimizer.step();
                sum += l.item<float>();
                batches++;
                progress();
            }

            log($"epoch {epoch + 1}/{data.Epochs}: mean loss {sum / batches:F4}");
            net.eval();
            endOfEpoch?.Invoke(epoch);
            net.train();
        }

        net.eval();
    }

    /// <summary>
    /// Trains one network (cross-entropy, MC dropout or a Dirichlet model) with <paramref name="v"/>'s training settings:
    /// after each epoch steps <paramref name="schedule"/>, reports <paramref name="trace"/>'s line and, with "es", keeps a
    /// copy of the weights of the lowest validation NLL so far, restored at the end.
    /// </summary>
    private static void TrainSingle(Variant v, nn.Module<Tensor, Tensor> net, TrainedModel model, Func<Tensor, Tensor, Tensor> loss,
        Action? schedule, TrainingData data, (Tensor X, Tensor Y) validation, int seed, Action<string> log, Action progress,
        Func<TrainedModel, string>? trace)
    {
        data = data with { LearningRate = v.Number("lr") ?? data.LearningRate };
        double best = double.PositiveInfinity;
        int bestEpoch = -1;
        Tensor[]? kept = null;
        try
        {
            Train(net, loss, epoch =>
            {
                schedule?.Invoke();
                if (trace is not null)
                    log($"epoch {epoch + 1}: {trace(model)}");
                if (!v.EarlyStopping)
                    return;
                using var scope = NewDisposeScope();
                double nll = Metrics.ScoringRules.NegativeLogLikelihood(model.Predict(validation.X).Probabilities, validation.Y.cpu());
                if (nll < best)
                {
                    best = nll;
                    bestEpoch = epoch;
                    using var noGrad = no_grad();
                    var copy = net.parameters().Select(p => p.detach().clone().MoveToOuterDisposeScope()).ToArray();
                    if (kept is not null)
                        foreach (var t in kept)
                            t.Dispose();
                    kept = copy;
                }
            }, data, seed, log, progress, v.Number("wd") ?? 0);
            if (kept is not null)
            {
                using var noGrad = no_grad();
                foreach (var (p, k) in net.parameters().Zip(kept))
                    p.copy_(k);
                log($"early stopping: kept epoch {bestEpoch + 1} (validation NLL {best:F4})");
                model.StoppedEpoch = bestEpoch + 1;
            }
        }
        finally
        {
            if (kept is not null)
                foreach (var t in kept)
                    t.Dispose();
        }
    }

    /// <summary>Mini-batch steps of one model (for the progress bar).</summary>
    internal static long Steps(string name, TrainingData data)
    {
        long perModel = (data.X.shape[0] + data.BatchSize - 1) / data.BatchSize * data.Epochs;
        return Variant.Parse(name).Base switch
        {
            "cross-entropy+ts" => 1,
            "ensemble-5" => perModel * EnsembleSize,
            _ => perModel,
        };
    }

    /// <summary>
    /// Builds and trains model <paramref name="name"/> for <paramref name="seed"/> (weights from manual_seed(seed)).
    /// "cross-entropy+ts" reuses <paramref name="crossEntropy"/> (trained on demand) and fits the temperature on the
    /// validation split.
    /// </summary>
    internal static TrainedModel Build(string name, int seed, TrainingData data, (Tensor X, Tensor Y) validation,
        Func<SoftmaxModel> crossEntropy, Action<string> log, Action progress, Func<TrainedModel, string>? trace = null)
    {
        var v = Variant.Parse(name);
        var watch = Stopwatch.StartNew();
        if (v.Base == "cross-entropy+ts")
        {
            var ce = crossEntropy();
            var logits = ce.Predict(validation.X).CalibrationLogits;
            var t = Metrics.TemperatureScaling.Fit(logits, validation.Y.cpu());
            log($"temperature {t.Temperature:G4} (reusing the cross-entropy model of seed {seed})");
            progress();
            return new SoftmaxModel(ce.Net, t.Temperature, owns: false) { TrainSeconds = ce.TrainSeconds + watch.Elapsed.TotalSeconds };
        }

        manual_seed(seed);
        if (v.Base == "cross-entropy")
        {
            var net = LeNet(Classes);
            var model = new SoftmaxModel(net, 1.0, owns: true);
            TrainSingle(v, net, model, (z, y) => cross_entropy(z, y), null, data, validation, seed, log, progress, trace);
            model.TrainSeconds = watch.Elapsed.TotalSeconds;
            return model;
        }

        if (v.Base == "mc-dropout")
        {
            var net = LeNet(Classes, DropoutRate);
            // SampleWrapper's training pass is one ordinary pass of the model in train mode: train the model itself.
            Train(net, (z, y) => cross_entropy(z, y), null, data, seed, log, progress, v.Number("wd") ?? 0);
            var wrapped = new SampleWrapper(net, DropoutSamples, seed: seed);
            wrapped.eval();
            return new SampledModel(wrapped) { TrainSeconds = watch.Elapsed.TotalSeconds };
        }

        if (v.Base == "ensemble-5")
        {
            var wrapped = new VoteWrapper(() => LeNet(Classes), EnsembleSize);
            wrapped.to(data.Device);
            // A deep ensemble: every voter trained on all the data with its own batch order (docs/wrappers.md's split
            // batches would give each voter a fifth of it); VoteWrapper averages them at inference.
            for (int i = 0; i < EnsembleSize; i++)
            {
                int voter = i;
                Train(wrapped.Voters[i], (z, y) => cross_entropy(z, y), null, data, seed * 1000 + i + 1,
                    line => log($"voter {voter + 1}/{EnsembleSize}, {line}"), progress, v.Number("wd") ?? 0);
            }

            wrapped.eval();
            return new SampledModel(wrapped) { TrainSeconds = watch.Elapsed.TotalSeconds };
        }

        var module = DirichletModule(v) ?? throw new ArgumentException($"unknown model '{name}'", nameof(name));
        var dirichletNet = LeNet(Classes);
        double priorWeight = module is RelaxedEvidentialLossModule r ? r.PriorWeight : 1.0;
        var dirichlet = new DirichletModel(dirichletNet, module, priorWeight, alphaOutput: module is BeliefMatchingLossModule);
        TrainSingle(v, dirichletNet, dirichlet, (z, y) => module.forward(z, y), () => module.StepSchedule(), data, validation, seed, log,
            progress, trace);
        dirichlet.TrainSeconds = watch.Elapsed.TotalSeconds;
        return dirichlet;
    }
}
