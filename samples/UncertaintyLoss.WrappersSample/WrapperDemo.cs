using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using ScottPlot;
using Spectre.Console;
using TorchSharp;
using UncertaintyLoss.Metrics;
using UncertaintyLoss.Demo;
using static TorchSharp.torch;

namespace UncertaintyLoss.WrappersSample;

/// <summary>What a run measured and wrote.</summary>
/// <param name="Wrapper">"vote" or "sculpt".</param>
/// <param name="Dataset">"synthetic" (2-D blobs for vote), "fashion-mnist", or "synthetic-1d" (sculpt).</param>
/// <param name="Metrics">Named metrics, in display order.</param>
/// <param name="Files">The figures written.</param>
public sealed record WrapperDemoResult(string Wrapper, string Dataset, IReadOnlyList<(string Name, double Value)> Metrics, IReadOnlyList<string> Files)
{
    /// <summary>The value of the metric called <paramref name="name"/>.</summary>
    public double Metric(string name) => Metrics.First(m => m.Name == name).Value;
}

/// <summary>
/// The wrappers sample, <c>--wrapper vote|sculpt</c>: Capsa-style wrappers (<see cref="VoteWrapper"/>,
/// <see cref="SculptWrapper"/>) around small models. <c>vote</c> trains an ensemble of voters on the 2-D blobs (default) or on Fashion-MNIST
/// (<c>--dataset fashion-mnist</c>, Capsa's Vote tutorial: most and least certain test images with the per-class mean
/// logit and the voters' standard deviation as error bars). <c>sculpt</c> is regression-only: a Sculpt risk head on a 1-D
/// heteroscedastic problem, y = sin x + (0.05 + 0.3|x|)·ε, whose learned scale is compared with the true noise.
/// </summary>
public static class WrapperDemo
{
    /// <summary>Voters of the Vote wrapper (Capsa's tutorial uses 8).</summary>
    public const int Voters = 8;

    /// <summary>Voters on the 2-D problem.</summary>
    public const int SyntheticVoters = 4;

    /// <summary>Hidden width of the 2-D problem's MLPs.</summary>
    public const int Hidden = 64;

    /// <summary>Runs the wrapper demo from the command line: 0 on success, 2 when the data or the device is missing.</summary>
    public static int RunFromCommandLine(WrapperOptions options, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(options);
        string? dataDir = null;
        if (options.Dataset == "fashion-mnist")
        {
            dataDir = FashionMnist.Locate(options.DataDir);
            if (dataDir is null)
            {
                Console.Error.WriteLine($"error: {FashionMnist.MissingDataMessage(options.DataDir)}");
                return 2;
            }

            if (options.Device == "cuda" && !cuda.is_available())
            {
                Console.Error.WriteLine("error: --device cuda, but torch.cuda.is_available() is false.");
                return 2;
            }
        }

        Run(options, dataDir, console);
        return 0;
    }

    /// <summary>Runs the mode named by <see cref="WrapperOptions.Wrapper"/>, prints a table and the files written.</summary>
    /// <param name="options">The parsed options.</param>
    /// <param name="dataDir">The Fashion-MNIST directory when <see cref="WrapperOptions.Dataset"/> is fashion-mnist.</param>
    /// <param name="console">Where the table goes.</param>
    public static WrapperDemoResult Run(WrapperOptions options, string? dataDir, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(console);
        var watch = Stopwatch.StartNew();
        WrapperDemoResult result = options.Wrapper switch
        {
            "sculpt" => RunSculpt(options, console),
            "vote" when options.Dataset == "fashion-mnist" => RunVoteFashion(options.ToFashionSettings(dataDir ?? throw new ArgumentNullException(nameof(dataDir))), options.OutDir, console),
            "vote" => RunVoteSynthetic(options, console),
            _ => throw new ArgumentException($"Unknown wrapper '{options.Wrapper}'.", nameof(options)),
        };
        var table = new Table().AddColumns("metric", "value");
        foreach (var (name, value) in result.Metrics)
        {
            table.AddRow(Markup.Escape(name), value.ToString("G4", CultureInfo.InvariantCulture));
        }

        console.Write(table);
        Program.ReportWritten(console, result.Files, watch);
        return result;
    }

    // ---- vote: 2-D blobs ------------------------------------------------------------------------------------------

    /// <summary><see cref="SyntheticVoters"/> MLPs 2 → 64 → 64 → 3 trained full-batch on the blobs, the batch split across them.</summary>
    public static WrapperDemoResult RunVoteSynthetic(WrapperOptions options, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(console);
        var train = SyntheticData.Blobs(200, options.Seed);
        var test = SyntheticData.Blobs(200, options.Seed + 1);
        double farRadius = 3 * train.MaxRadius();
        var far = SyntheticData.Ring(360, farRadius);
        double extent = 1.15 * farRadius;
        console.MarkupLine(Markup.Escape($"Vote wrapper: {SyntheticVoters} voters (MLP 2→{Hidden}→{Hidden}→3), " +
                                         $"{options.Steps} full-batch steps, the {train.Count} training points split across the voters, seed {options.Seed}."));

        using var scope = NewDisposeScope();
        manual_seed(options.Seed);
        using var wrapped = new VoteWrapper(() => nn.Sequential(
            ("fc1", nn.Linear(2, Hidden)), ("relu1", nn.ReLU()),
            ("fc2", nn.Linear(Hidden, Hidden)), ("relu2", nn.ReLU()),
            ("fc3", nn.Linear(Hidden, train.Classes))), SyntheticVoters);
        using var optimizer = optim.Adam(wrapped.parameters(), lr: 0.01);
        var x = tensor(train.Points, new long[] { train.Count, 2 });
        var y = tensor(train.Labels, new long[] { train.Count });
        // A batch must be a multiple of the voters: keep the largest such prefix (the points are interleaved by class).
        long usable = train.Count / SyntheticVoters * SyntheticVoters;
        x = x.narrow(0, 0, usable);
        y = y.narrow(0, 0, usable);
        wrapped.train();
        for (int step = 0; step < options.Steps; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            nn.functional.cross_entropy(wrapped.forward(x, tileAndReduce: false), y).backward();
            optimizer.step();
        }

        wrapped.eval();
        using var noGrad = no_grad();
        var onTest = wrapped.Classify(tensor(test.Points, new long[] { test.Count, 2 }));
        var onFar = wrapped.Classify(tensor(far, new long[] { far.Length / 2, 2 }));
        double accuracy = onTest.Probabilities.argmax(1).eq(tensor(test.Labels)).to(ScalarType.Float64).mean().item<double>();

        const int n = 120;
        var grid = new float[2 * n * n];
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++)
            {
                grid[2 * (r * n + c)] = (float)(-extent + 2 * extent * c / (n - 1));
                grid[2 * (r * n + c) + 1] = (float)(extent - 2 * extent * r / (n - 1));
            }
        }

        var gridRisk = wrapped.Classify(tensor(grid, new long[] { n * n, 2 })).Risk.mean(new long[] { 1 }).to(ScalarType.Float64).data<double>().ToArray();
        var values = new double[n, n];
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++)
            {
                values[r, c] = gridRisk[r * n + c];
            }
        }

        Directory.CreateDirectory(options.OutDir);
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.Extent = new CoordinateRect(-extent, extent, -extent, extent);
        plot.Add.ColorBar(heatmap).Label = "risk: mean over classes of the voters' logit std";
        var points = plot.Add.ScatterPoints(
            Enumerable.Range(0, train.Count).Select(i => (double)train.Points[2 * i]).ToArray(),
            Enumerable.Range(0, train.Count).Select(i => (double)train.Points[2 * i + 1]).ToArray(), Colors.White);
        points.MarkerSize = 2;
        var ring = plot.Add.Circle(0, 0, farRadius);
        ring.LineColor = Colors.White;
        ring.LinePattern = LinePattern.Dashed;
        ring.FillColor = Colors.Transparent;
        plot.Title($"Vote wrapper, {SyntheticVoters} voters: accuracy {accuracy:P1}; risk grows away from the data");
        plot.Axes.SetLimits(-extent, extent, -extent, extent);
        plot.Axes.SquareUnits();
        var path = Path.Combine(options.OutDir, "vote-synthetic.png");
        plot.SavePng(path, 800, 700);

        return new WrapperDemoResult("vote", "synthetic", new (string, double)[]
        {
            ("accuracy", accuracy),
            ("risk (mean logit std), test", onTest.Risk.mean().item<float>()),
            ("risk (mean logit std), far", onFar.Risk.mean().item<float>()),
            ("mutual information, test", onTest.MutualInformation.mean().item<float>()),
            ("mutual information, far", onFar.MutualInformation.mean().item<float>()),
        }, new[] { path });
    }

    // ---- vote: Fashion-MNIST --------------------------------------------------------------------------------------

    /// <summary>
    /// Capsa's Vote tutorial on Fashion-MNIST: <see cref="Voters"/> LeNets trained with cross-entropy, each mini-batch of
    /// <see cref="VoteFashionSettings.BatchSize"/> split across them; the test images with the smallest and largest mean risk
    /// are drawn beside their per-class mean logits ± the voters' standard deviation (vote-extremes.png).
    /// </summary>
    public static WrapperDemoResult RunVoteFashion(VoteFashionSettings settings, string outDir, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(console);
        var (fullTrain, fullTest) = FashionMnist.Load(settings.DataDir);
        int classes = settings.Classes;
        var train = fullTrain.Select(FashionMnist.Subsample(fullTrain, l => l < classes, settings.TrainLimit, settings.Seed));
        var test = fullTest.Select(FashionMnist.Subsample(fullTest, _ => true, settings.TestLimit, settings.Seed + 1));
        int batch = settings.BatchSize / Voters * Voters;
        console.MarkupLine(Markup.Escape($"Vote wrapper on Fashion-MNIST: {Voters} LeNets, {train.Count} training images (classes 0–{classes - 1}), " +
                                         $"{test.Count} test images, batch {batch} ({batch / Voters} per voter), {settings.Epochs} epoch(s), seed {settings.Seed}, device {settings.Device}."));
        var device = settings.Device == "cuda" ? CUDA : CPU;
        using var scope = NewDisposeScope();
        manual_seed(settings.Seed);
        using var wrapped = new VoteWrapper(() => LeNet(classes), Voters);
        wrapped.to(device);
        using var optimizer = optim.Adam(wrapped.parameters(), lr: settings.LearningRate);
        var trainX = tensor(train.Pixels, new long[] { train.Count, 1, train.Rows, train.Columns }).to(device);
        var trainY = tensor(train.Labels, new long[] { train.Count }).to(device);
        var order = Enumerable.Range(0, train.Count).Select(i => (long)i).ToArray();
        var rng = new Random(settings.Seed);
        wrapped.train();
        for (int epoch = 0; epoch < settings.Epochs; epoch++)
        {
            rng.Shuffle(order);
            double lossSum = 0;
            int batches = train.Count / batch; // the last, incomplete batch is dropped, as the tutorial's drop_last=True
            for (int b = 0; b < batches; b++)
            {
                using var stepScope = NewDisposeScope();
                var idx = tensor(order.AsSpan(b * batch, batch).ToArray(), new long[] { batch }).to(device);
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(wrapped.forward(trainX.index_select(0, idx), tileAndReduce: false), trainY.index_select(0, idx));
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>();
            }

            console.MarkupLine(Markup.Escape($"  epoch {epoch + 1}/{settings.Epochs}: mean loss {lossSum / Math.Max(1, batches):F4}"));
        }

        wrapped.eval();
        using var noGrad = no_grad();
        var testX = tensor(test.Pixels, new long[] { test.Count, 1, test.Rows, test.Columns }).to(device);
        var parts = new List<VoteClassification>();
        for (long start = 0; start < test.Count; start += 500)
        {
            parts.Add(wrapped.Classify(testX.narrow(0, start, Math.Min(500, test.Count - start))));
        }

        var meanLogits = cat(parts.Select(p => p.MeanLogits).ToArray(), 0).cpu().to(ScalarType.Float64);
        var risk = cat(parts.Select(p => p.Risk).ToArray(), 0).cpu().to(ScalarType.Float64);
        var mi = cat(parts.Select(p => p.MutualInformation).ToArray(), 0).cpu().to(ScalarType.Float64);
        var avgRisk = risk.mean(new long[] { 1 });
        var labels = tensor(test.Labels);
        var inDistribution = labels.lt(classes);
        var predicted = meanLogits.argmax(1);
        double accuracy = predicted.eq(labels).logical_and(inDistribution).sum().item<long>() / (double)Math.Max(1, inDistribution.sum().item<long>());
        var metrics = new List<(string, double)> { ("accuracy (classes 0–" + (classes - 1) + ")", accuracy) };
        var ood = inDistribution.logical_not();
        metrics.Add(("OOD AUROC, mean risk", Ranking.Auroc(avgRisk, ood)));
        metrics.Add(("OOD AUROC, mutual information", Ranking.Auroc(mi, ood)));
        metrics.Add(("mean risk, in-distribution", avgRisk.masked_select(inDistribution).mean().item<double>()));
        metrics.Add(("mean risk, OOD", avgRisk.masked_select(ood).mean().item<double>()));

        var ranked = avgRisk.argsort().data<long>().Select(i => (int)i).ToArray();
        var rows = new[] { ranked.Take(VoteFigure.PerRow).ToArray(), ranked.Reverse().Take(VoteFigure.PerRow).ToArray() };
        var names = new[] { "smallest risk", "largest risk" };
        var logitsHost = meanLogits.data<double>().ToArray();
        var riskHost = risk.data<double>().ToArray();
        var avgHost = avgRisk.data<double>().ToArray();
        var path = Path.Combine(outDir, "vote-extremes.png");
        VoteFigure.WriteGrid(test, rows, (row, col) =>
        {
            int i = rows[row][col];
            var mean = logitsHost.AsSpan(i * classes, classes).ToArray();
            var sd = riskHost.AsSpan(i * classes, classes).ToArray();
            return VoteChart(mean, sd, test.Labels[i], classes, $"{names[row]} #{col + 1}", avgHost[i]);
        }, path);
        return new WrapperDemoResult("vote", "fashion-mnist", metrics, new[] { path });
    }

    /// <summary>
    /// The CNN of each voter: conv 1→20 k5, ReLU, max-pool 2; conv 20→50 k5, ReLU, max-pool 2; 800→500, ReLU; 500→C. Turns
    /// libtorch's oneDNN kernels off first: on some CPUs their convolutions return NaN during training (<see cref="OneDnn"/>).
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

    private static byte[] VoteChart(double[] mean, double[] sd, long label, int classes, string which, double avgRisk)
    {
        var plot = new Plot();
        int predicted = Array.IndexOf(mean, mean.Max());
        var bars = mean.Select((m, j) => new Bar
        {
            Position = j,
            Value = m,
            Error = sd[j],
            FillColor = j == predicted ? Colors.SeaGreen : Colors.SteelBlue,
        }).ToList();
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, classes).Select(i => (double)i).ToArray(),
            Enumerable.Range(0, classes).Select(i => FashionMnist.ClassNames[i]).ToArray());
        plot.Axes.Bottom.TickLabelStyle.FontSize = classes > 5 ? 8 : 10;
        plot.Axes.Left.TickLabelStyle.FontSize = 10;
        string truth = FashionMnist.ClassNames[(int)label] + (label < classes ? "" : " (OOD)");
        plot.Title($"{which}: {truth}, avg risk {avgRisk:F2}", size: 12);
        plot.YLabel("mean logit ± sd", size: 11);
        double low = Math.Min(0, mean.Zip(sd, (m, s) => m - s).Min()), high = Math.Max(0, mean.Zip(sd, (m, s) => m + s).Max());
        double pad = 0.05 * Math.Max(1e-6, high - low);
        plot.Axes.SetLimits(-0.6, classes - 0.4, low - pad, high + pad);
        return plot.GetImageBytes(VoteFigure.ChartWidth, VoteFigure.ChartHeight, ImageFormat.Png);
    }

    // ---- sculpt: 1-D heteroscedastic regression -------------------------------------------------------------------

    /// <summary>Number of training points of the 1-D problem.</summary>
    public const int RegressionPoints = 512;

    /// <summary>The true noise standard deviation of the 1-D problem at x.</summary>
    public static double NoiseStd(double x) => 0.05 + 0.3 * Math.Abs(x);

    /// <summary>
    /// An MLP 1 → 32 → 32 → 1 (Tanh) wrapped with a 2-layer Sculpt Normal head on the features that feed its final layer,
    /// trained full-batch with mse(yHat, y) + Normal.LossFunction(y, yHat, yRisk); writes sculpt-regression.png (data,
    /// prediction, learned and true 95% intervals) and reports the rank correlation of the risk with the true noise and
    /// the 95% interval's coverage on fresh data.
    /// </summary>
    public static WrapperDemoResult RunSculpt(WrapperOptions options, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(console);
        int steps = options.Quick ? 300 : 1000;
        console.MarkupLine(Markup.Escape($"Sculpt wrapper (Normal, 2-layer risk head) on y = sin x + (0.05 + 0.3|x|)·ε, {RegressionPoints} points, " +
                                         $"MLP 1→32→32→1, {steps} full-batch Adam steps, seed {options.Seed}."));
        var (xs, ys) = RegressionData(RegressionPoints, options.Seed);
        var (txs, tys) = RegressionData(2000, options.Seed + 1);
        using var scope = NewDisposeScope();
        var x = tensor(xs, new long[] { xs.Length, 1 });
        var y = tensor(ys, new long[] { ys.Length, 1 });
        manual_seed(options.Seed);
        using var wrapped = new SculptWrapper(nn.Sequential(
            ("fc1", nn.Linear(1, 32)), ("act1", nn.Tanh()),
            ("fc2", nn.Linear(32, 32)), ("act2", nn.Tanh()),
            ("fc3", nn.Linear(32, 1))), Sculpt.Normal, nLayers: 2);
        using var optimizer = optim.Adam(wrapped.parameters(), lr: 1e-2);
        wrapped.train();
        for (int step = 0; step < steps; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var (yHat, yRisk) = wrapped.ForwardWithRisk(x);
            (nn.functional.mse_loss(yHat, y) + wrapped.Distribution.LossFunction(y, yHat, yRisk)).backward();
            optimizer.step();
        }

        wrapped.eval();
        using var noGrad = no_grad();
        var grid = Enumerable.Range(0, 121).Select(i => -3 + i * 0.05).ToArray();
        var (gp, gr) = wrapped.ForwardWithRisk(tensor(grid.Select(v => (float)v).ToArray(), new long[] { grid.Length, 1 }));
        var prediction = gp.to(ScalarType.Float64).data<double>().ToArray();
        var risk = gr.to(ScalarType.Float64).data<double>().ToArray();
        double spearman = Spearman(risk, grid.Select(NoiseStd).ToArray());
        double rmse = Math.Sqrt(grid.Select((g, i) => Math.Pow(prediction[i] - Math.Sin(g), 2)).Average());
        var (tp, tr) = wrapped.ForwardWithRisk(tensor(txs, new long[] { txs.Length, 1 }));
        var (lower, upper) = wrapped.Distribution.Interval(tp, tr, 0.95);
        var ty = tensor(tys, new long[] { tys.Length, 1 });
        double coverage = ty.ge(lower).logical_and(ty.le(upper)).to(ScalarType.Float64).mean().item<double>();

        Directory.CreateDirectory(options.OutDir);
        var plot = new Plot();
        var data = plot.Add.ScatterPoints(xs.Select(v => (double)v).ToArray(), ys.Select(v => (double)v).ToArray(), Colors.Gray);
        data.MarkerSize = 3;
        data.LegendText = "training data";
        var band = plot.Add.FillY(grid, prediction.Select((p, i) => p - 1.96 * risk[i]).ToArray(), prediction.Select((p, i) => p + 1.96 * risk[i]).ToArray());
        band.FillColor = Colors.SteelBlue.WithAlpha(0.3);
        band.LegendText = "learned 95% interval";
        var line = plot.Add.ScatterLine(grid, prediction, Colors.SteelBlue);
        line.LineWidth = 2;
        line.LegendText = "prediction";
        foreach (int sign in new[] { -1, 1 })
        {
            var truth = plot.Add.ScatterLine(grid, grid.Select(g => Math.Sin(g) + sign * 1.96 * NoiseStd(g)).ToArray(), Colors.OrangeRed);
            truth.LinePattern = LinePattern.Dashed;
            truth.LegendText = sign < 0 ? "true 95% interval" : "";
        }

        plot.Title($"Sculpt wrapper: Spearman(risk, true noise) {spearman:F3}, 95% coverage {coverage:P1}");
        plot.ShowLegend(Alignment.UpperLeft);
        var path = Path.Combine(options.OutDir, "sculpt-regression.png");
        plot.SavePng(path, 900, 600);
        return new WrapperDemoResult("sculpt", "synthetic-1d", new (string, double)[]
        {
            ("Spearman(risk, true noise std)", spearman),
            ("prediction RMSE vs sin x", rmse),
            ("95% interval coverage (fresh data)", coverage),
        }, new[] { path });
    }

    /// <summary><paramref name="count"/> points, x uniform on [−3, 3], y = sin x + (0.05 + 0.3|x|)·z (Box–Muller), seeded.</summary>
    public static (float[] X, float[] Y) RegressionData(int count, int seed)
    {
        var rng = new Random(seed);
        var x = new float[count];
        var y = new float[count];
        for (int i = 0; i < count; i++)
        {
            double xi = -3 + 6 * rng.NextDouble();
            double z = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            x[i] = (float)xi;
            y[i] = (float)(Math.Sin(xi) + NoiseStd(xi) * z);
        }

        return (x, y);
    }

    /// <summary>Spearman rank correlation (Pearson correlation of average ranks).</summary>
    public static double Spearman(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var ra = Ranks(a);
        var rb = Ranks(b);
        double ma = ra.Average(), mb = rb.Average();
        double cov = 0, va = 0, vb = 0;
        for (int i = 0; i < ra.Length; i++)
        {
            cov += (ra[i] - ma) * (rb[i] - mb);
            va += (ra[i] - ma) * (ra[i] - ma);
            vb += (rb[i] - mb) * (rb[i] - mb);
        }

        return cov / Math.Sqrt(va * vb);
    }

    private static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j + 1 < order.Length && values[order[j + 1]] == values[order[i]])
            {
                j++;
            }

            for (int k = i; k <= j; k++)
            {
                ranks[order[k]] = (i + j) / 2.0 + 1;
            }

            i = j + 1;
        }

        return ranks;
    }
}
