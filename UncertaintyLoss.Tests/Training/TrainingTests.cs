namespace UncertaintyLoss.Tests;

/// <summary>
/// End-to-end training of a small MLP on three Gaussian blobs: the loss modules with a <see cref="RegFactor.Linear"/>
/// schedule stepped after every batch against the functional losses with the Python package's hand-written ramp
/// <c>reg_factor = min(reg_factor + 1/reg_steps, 1)</c>, from the same initial weights and batch order.
/// </summary>
[TestFixture]
public sealed class TrainingTests
{
    private const int PointsPerClass = 200;
    private const int Classes = 3;
    private const int BatchSize = 40;
    private const int Epochs = 4;
    private const int RegSteps = 30;
    private const double LearningRate = 0.01;
    private const long ModelSeed = 4242;
    private const double Spread = 1.0;

    /// <summary>One training run: λ and loss of every batch, the mean loss of every epoch, and the final training accuracy.</summary>
    private sealed record Run(double[] Lambdas, double[] Losses, double[] EpochMeans, long Correct, double[] InitialParameters)
    {
        public double Accuracy => Correct / (double)(PointsPerClass * Classes);
    }

    /// <summary>600 points, 200 per class, around three centres at radius 3 with standard deviation 1 (fixed seed).</summary>
    private static (Tensor X, Tensor Y) Blobs()
    {
        var rng = new Random(20240611);
        var x = new float[PointsPerClass * Classes * 2];
        var y = new long[PointsPerClass * Classes];
        for (int i = 0; i < y.Length; i++)
        {
            int c = i % Classes;
            double angle = Math.PI / 2 + c * 2 * Math.PI / 3;
            double r = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())), t = 2 * Math.PI * rng.NextDouble();
            x[2 * i] = (float)(3 * Math.Cos(angle) + Spread * r * Math.Cos(t));
            x[2 * i + 1] = (float)(3 * Math.Sin(angle) + Spread * r * Math.Sin(t));
            y[i] = c;
        }

        return (tensor(x, new long[] { y.Length, 2 }), tensor(y, new long[] { y.Length }));
    }

    /// <summary>The batch order of every epoch (a fixed-seed shuffle), shared by the runs that are compared.</summary>
    private static int[][][] BatchOrder(int epochCount)
    {
        var rng = new Random(777);
        var epochs = new int[epochCount][][];
        for (int e = 0; e < epochCount; e++)
        {
            var perm = Enumerable.Range(0, PointsPerClass * Classes).ToArray();
            rng.Shuffle(perm);
            epochs[e] = perm.Chunk(BatchSize).ToArray();
        }

        return epochs;
    }

    /// <summary>MLP 2 → 32 → 3 with ReLU, Float32, initialised from <see cref="ModelSeed"/>.</summary>
    private static nn.Module<Tensor, Tensor> NewModel()
    {
        manual_seed(ModelSeed);
        return nn.Sequential(("fc1", nn.Linear(2, 32)), ("relu", nn.ReLU()), ("fc2", nn.Linear(32, Classes)));
    }

    private static double[] Flatten(nn.Module<Tensor, Tensor> model) =>
        model.parameters().SelectMany(p => Tensors.ToDoubles(p)).ToArray();

    /// <summary>
    /// Trains a fresh model; before each batch <paramref name="lambdaBefore"/> gives the λ to use, <paramref name="loss"/>
    /// computes the loss from (logits, target, λ), and <paramref name="afterBatch"/> advances the ramp or schedule.
    /// </summary>
    private static Run Train(Func<double> lambdaBefore, Func<Tensor, Tensor, double, Tensor> loss, Action afterBatch, int epochCount = Epochs)
    {
        var (x, y) = Blobs();
        var model = NewModel();
        var optimizer = optim.Adam(model.parameters(), lr: LearningRate);
        try
        {
            double[] initial = Flatten(model);
            var lambdas = new List<double>();
            var losses = new List<double>();
            var epochMeans = new List<double>();
            foreach (var epoch in BatchOrder(epochCount))
            {
                double sum = 0;
                foreach (var batch in epoch)
                {
                    using var scope = NewDisposeScope();
                    var index = tensor(batch.Select(i => (long)i).ToArray());
                    double lambda = lambdaBefore();
                    optimizer.zero_grad();
                    var value = loss(model.forward(x.index_select(0, index)), y.index_select(0, index), lambda);
                    value.backward();
                    optimizer.step();
                    lambdas.Add(lambda);
                    losses.Add(value.item<float>());
                    sum += losses[^1];
                    afterBatch();
                }

                epochMeans.Add(sum / epoch.Length);
            }

            long correct;
            using (var scope = NewDisposeScope())
            using (no_grad())
                correct = model.forward(x).argmax(1).eq(y).sum().item<long>();
            return new Run(lambdas.ToArray(), losses.ToArray(), epochMeans.ToArray(), correct, initial);
        }
        finally
        {
            optimizer.Dispose();
            model.Dispose();
            x.Dispose();
            y.Dispose();
        }
    }

    /// <summary>Module with a Linear schedule, stepped by <see cref="DirichletLossModule.StepSchedule"/> after every batch.</summary>
    private static Run TrainWithModule(DirichletLossModule criterion) =>
        Train(() => criterion.CurrentRegFactor, (logits, target, _) => criterion.forward(logits, target), () => criterion.StepSchedule());

    /// <summary>The seed's loop: regFactor = 0; after every batch regFactor = min(regFactor + 1/regSteps, 1).</summary>
    private static Run TrainWithFunctional(Func<Tensor, Tensor, double, Tensor> loss, int epochCount = Epochs)
    {
        double regFactor = 0;
        return Train(() => regFactor, loss, () => regFactor = Math.Min(regFactor + 1.0 / RegSteps, 1.0), epochCount);
    }

    private static void AssertSameTraining(Run module, Run functional)
    {
        Assert.That(module.InitialParameters, Is.EqualTo(functional.InitialParameters), "both runs must start from the same weights");
        Assert.That(module.Lambdas.Length, Is.EqualTo(Epochs * (PointsPerClass * Classes / BatchSize)));
        Assert.That(module.Lambdas[0], Is.Zero);
        Assert.That(module.Lambdas[RegSteps], Is.EqualTo(1.0), "the schedule reaches 1 after regSteps batches");
        Assert.That(module.Lambdas[^1], Is.EqualTo(1.0));
        Assert.That(functional.Lambdas[^1], Is.EqualTo(1.0));
        for (int i = 0; i < module.Lambdas.Length; i++)
            Assert.That(module.Lambdas[i], Is.EqualTo(functional.Lambdas[i]).Within(1e-12), $"λ of batch {i}");

        for (int i = 0; i < module.Losses.Length; i++)
            Assert.That(module.Losses[i], Is.EqualTo(functional.Losses[i]).Within(1e-3).Percent, $"loss of batch {i}");

        Assert.That(Math.Abs(module.Correct - functional.Correct), Is.LessThanOrEqualTo(1),
            $"accuracies {module.Accuracy} (module) and {functional.Accuracy} (functional) differ by more than one sample");
        Assert.That(module.Accuracy, Is.GreaterThanOrEqualTo(0.9));
        Assert.That(functional.Accuracy, Is.GreaterThanOrEqualTo(0.9));
        foreach (var run in new[] { module, functional })
        {
            Assert.That(run.EpochMeans[^1], Is.LessThan(0.5 * run.EpochMeans[0]), $"epoch means {string.Join(", ", run.EpochMeans)}");
            Assert.That(run.EpochMeans.Skip(2).Max(), Is.LessThan(run.EpochMeans[0]), $"epoch means {string.Join(", ", run.EpochMeans)}");
        }

        TestContext.Out.WriteLine($"accuracy {module.Accuracy} / {functional.Accuracy}; epoch means {string.Join(", ", module.EpochMeans.Select(m => m.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)))}");
    }

    [Test]
    public void EvidentialLossModule_LinearScheduleSteppedPerBatch_TrainsAsFunctionalWithHandWrittenRamp()
    {
        using var criterion = new EvidentialLossModule(schedule: RegFactor.Linear(RegSteps));
        var module = TrainWithModule(criterion);
        var functional = TrainWithFunctional((logits, target, regFactor) => UL.EvidentialLoss(UL.ClampedExp(logits), target, regFactor));
        Assert.That(criterion.Schedule!.StepCount, Is.EqualTo(module.Lambdas.Length), "one StepSchedule per batch");
        AssertSameTraining(module, functional);
    }

    [Test]
    public void MaxNormLossModule_LinearScheduleSteppedPerBatch_TrainsAsFunctionalWithHandWrittenRamp()
    {
        using var criterion = new MaxNormLossModule(schedule: RegFactor.Linear(RegSteps));
        var module = TrainWithModule(criterion);
        var functional = TrainWithFunctional((logits, target, regFactor) => UL.MaxNormLoss(UL.ClampedExp(logits), target, regFactor));
        Assert.That(criterion.Schedule!.StepCount, Is.EqualTo(module.Lambdas.Length), "one StepSchedule per batch");
        AssertSameTraining(module, functional);
    }

    /// <summary>
    /// The comparison can fail: a schedule that is never stepped (λ stays 0) trains differently from the ramp — the
    /// per-batch losses part once λ grows.
    /// </summary>
    [Test]
    public void EvidentialLossModule_ScheduleNeverStepped_DiffersFromRamp()
    {
        using var criterion = new EvidentialLossModule(schedule: RegFactor.Linear(RegSteps));
        var frozen = Train(() => criterion.CurrentRegFactor, (logits, target, _) => criterion.forward(logits, target), () => { }, epochCount: 2);
        var functional = TrainWithFunctional((logits, target, regFactor) => UL.EvidentialLoss(UL.ClampedExp(logits), target, regFactor), epochCount: 2);
        Assert.That(frozen.Lambdas, Is.All.Zero);
        Assert.That(frozen.Losses[0], Is.EqualTo(functional.Losses[0]), "the first batch uses λ = 0 in both");
        int differing = frozen.Losses.Zip(functional.Losses).Count(p => Math.Abs(p.First - p.Second) > 1e-3 * Math.Abs(p.Second));
        Assert.That(differing, Is.GreaterThan(frozen.Losses.Length / 2), $"{differing} of {frozen.Losses.Length} batch losses differ");
    }
}
