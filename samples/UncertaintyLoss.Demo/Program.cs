// UncertaintyLoss demo: the training loop to copy, top to bottom in one file (as TorchSharpExamples' MNIST.cs):
// data, model, the recommended loss with its schedule, training, uncertainty, one plot. No download, CPU only.
//
//   dotnet run -c Release --project samples/UncertaintyLoss.Demo [-- --out DIR --seed N --quick]
//
// What the picture shows, honestly: uncertainty rises away from the data because of the RBF (Gaussian) features, not
// because of the loss. Cross-entropy on the same network rises just as much there, and the same loss on a ReLU network
// is confident far from its data; the table's rows and the plot's panels show all three.
using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using ScottPlot;
using TorchSharp;
using UncertaintyLoss;
using static TorchSharp.torch;

const int Classes = 3, BatchSize = 50, Grid = 120;
const string Usage = "Usage: dotnet run -c Release --project samples/UncertaintyLoss.Demo -- [--out DIR] [--seed N] [--quick]";

// ---- Options ------------------------------------------------------------------------------------------------------
string outDir = "demo-output";
int seed = 42;
bool quick = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--out" when i + 1 < args.Length: outDir = args[++i]; break;
        case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out seed): i++; break;
        case "--quick": quick = true; break;
        case "--help" or "-h": Console.WriteLine(Usage); return 0;
        default: Console.Error.WriteLine($"error: unknown or incomplete option '{args[i]}'\n{Usage}"); return 2;
    }
}

int epochs = quick ? 15 : 40;
var total = Stopwatch.StartNew();
set_num_threads(1);   // tensors this small gain nothing from more threads: 4 s instead of 52 s on 2 busy cores

// ---- Data: three Gaussian blobs in the plane, generated in code ------------------------------------------------------
manual_seed(seed);
var (trainX, trainY) = Blobs(200);
var (testX, testY) = Blobs(200);
double farRadius = 3 * trainX.square().sum(1).sqrt().max().item<float>();   // a ring at three times the data's radius
var ringAngle = linspace(0, 2 * Math.PI, 360);
var far = stack(new[] { ringAngle.cos(), ringAngle.sin() }, 1) * farRadius;
Console.WriteLine($"Three Gaussian blobs, {trainY.shape[0]} training and {testY.shape[0]} test points; Adam 0.01, batch {BatchSize}, {epochs} epochs, seed {seed}.");

// ---- The recommended recipe: the library's default loss module (it takes logits) and its schedule --------------------
#region demo-recipe
var criterion = new FisherEvidentialLossModule();   // I-EDL, softplus evidence; its KL weight min(1, epoch/10) is built in
#endregion

// ---- Models: an RBF network (distance-aware by construction) and a plain ReLU network ---------------------------------
// Gaussian features of 64 training points decay to 0 away from the data; without biases the logits follow, and equal
// logits mean a uniform prediction, i.e. maximal uncertainty, whatever the loss. The ReLU network's logits grow
// linearly far from the data instead, so every model on it becomes confident out there.
nn.Module<Tensor, Tensor> RbfNet() => nn.Sequential(
    ("rbf", new GaussianFeatures(trainX.narrow(0, 0, 64), width: 1.0)),
    ("fc1", nn.Linear(64, 64, hasBias: false)), ("relu", nn.ReLU()),
    ("fc2", nn.Linear(64, Classes, hasBias: false)));
nn.Module<Tensor, Tensor> ReluNet() => nn.Sequential(
    ("fc0", nn.Linear(2, 64)), ("relu0", nn.ReLU()),
    ("fc1", nn.Linear(64, 64)), ("relu1", nn.ReLU()),
    ("fc2", nn.Linear(64, Classes)));

var runs = new (string Name, bool Evidential, Func<nn.Module<Tensor, Tensor>> Build)[]
{
    ("cross-entropy, RBF net", false, RbfNet),
    ("recommended, RBF net", true, RbfNet),
    ("recommended, ReLU net", true, ReluNet),
};

// ---- Training and evaluation -------------------------------------------------------------------------------------------
double extent = 1.15 * farRadius;
var gridAxis = linspace(-extent, extent, Grid);
var gridPoints = stack(new[] { gridAxis.repeat(Grid), gridAxis.flip(0).repeat_interleave(Grid) }, 1);   // row 0 = top
var maps = new double[runs.Length][,];
Console.WriteLine($"{"model",-24}{"accuracy",10}{"u(test)",9}{"u(far)",9}{"vac(test)",11}{"vac(far)",10}");
for (int r = 0; r < runs.Length; r++)
{
    var (name, evidential, build) = runs[r];
    manual_seed(seed);
    var model = build();
    var optimizer = optim.Adam(model.parameters(), lr: 0.01);
    criterion.Schedule?.Reset();
    #region demo-training-loop
    for (int epoch = 0; epoch < epochs; epoch++)
    {
        model.train();
        var order = randperm(trainY.shape[0]);
        for (long start = 0; start < order.shape[0]; start += BatchSize)
        {
            using var batch = NewDisposeScope();
            var index = order.narrow(0, start, Math.Min(BatchSize, order.shape[0] - start));
            var (x, y) = (trainX.index_select(0, index), trainY.index_select(0, index));
            var logits = model.forward(x);
            var loss = evidential ? criterion.forward(logits, y) : nn.functional.cross_entropy(logits, y);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }

        criterion.StepSchedule();
    }
    #endregion

    model.eval();
    using var noGrad = no_grad();
    using var scope = NewDisposeScope();
    double accuracy = model.forward(testX).argmax(1).eq(testY).to_type(ScalarType.Float64).mean().item<double>();
    double uTest = Uncertainty(model, testX, evidential).mean().item<double>();
    double uFar = Uncertainty(model, far, evidential).mean().item<double>();
    string vacuity = "—", vacuityFar = "—";
    if (evidential)   // vacuity K/S: how little evidence the model has, a measure cross-entropy does not have
    {
        vacuity = UL.Vacuity(Evidence(model.forward(testX))).mean().item<float>().ToString("F3", CultureInfo.InvariantCulture);
        vacuityFar = UL.Vacuity(Evidence(model.forward(far))).mean().item<float>().ToString("F3", CultureInfo.InvariantCulture);
    }

    var u = Uncertainty(model, gridPoints, evidential).data<double>().ToArray();
    maps[r] = new double[Grid, Grid];
    Buffer.BlockCopy(u, 0, maps[r], 0, u.Length * sizeof(double));
    runs[r].Name = $"{name}: accuracy {accuracy:P1}";
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-24}{accuracy,10:P1}{uTest,9:F3}{uFar,9:F3}{vacuity,11}{vacuityFar,10}"));
}

Console.WriteLine($"u = normalised entropy of the expected prediction in [0, 1]; far = a ring of radius {farRadius:F1} (3x the data's).");

// ---- One plot: the uncertainty over the plane, one panel per model --------------------------------------------------------
Directory.CreateDirectory(outDir);
var figure = new Multiplot();
figure.AddPlots(runs.Length);
figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
var classColors = new[] { Colors.Red, Colors.Lime, Colors.DodgerBlue };
for (int r = 0; r < runs.Length; r++)
{
    var plot = figure.GetPlot(r);
    var heatmap = plot.Add.Heatmap(maps[r]);
    heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
    heatmap.ManualRange = new ScottPlot.Range(0, 1);
    heatmap.Extent = new CoordinateRect(-extent, extent, -extent, extent);
    for (int c = 0; c < Classes; c++)
    {
        var points = trainX.index_select(0, trainY.eq(c).nonzero().squeeze(1)).to_type(ScalarType.Float64);
        plot.Add.ScatterPoints(points.select(1, 0).data<double>().ToArray(), points.select(1, 1).data<double>().ToArray(), classColors[c]).MarkerSize = 3;
    }

    var ring = plot.Add.Circle(0, 0, farRadius);
    ring.LineColor = Colors.White;
    ring.LinePattern = LinePattern.Dashed;
    ring.FillColor = Colors.Transparent;
    if (r == runs.Length - 1)
    {
        plot.Add.ColorBar(heatmap).Label = "normalised uncertainty";
    }

    plot.Title(runs[r].Name, size: 14);
    plot.Axes.SetLimits(-extent, extent, -extent, extent);
    plot.Axes.SquareUnits();
}

string path = Path.Combine(outDir, "uncertainty.png");
figure.SavePng(path, 1800, 600);
Console.WriteLine($"wrote {Path.GetFullPath(path)}");
Console.WriteLine($"done in {total.Elapsed.TotalSeconds:F1} s");
return 0;

// ---- Helpers -----------------------------------------------------------------------------------------------------------

// perClass points of each class around centres on a circle of radius 2, standard deviation 0.75; classes interleaved.
static (Tensor X, Tensor Y) Blobs(int perClass)
{
    var y = arange(Classes).repeat(perClass);
    var angle = y.to_type(ScalarType.Float32) * (2 * Math.PI / Classes) + Math.PI / 2;
    return (2 * stack(new[] { angle.cos(), angle.sin() }, 1) + 0.75 * randn(y.shape[0], 2), y);
}

// The evidence the recommended loss module trains: its own activation of the logits.
Tensor Evidence(Tensor logits) => UL.ToEvidence(logits, criterion.Activation, criterion.Clamp);

// Normalised uncertainty in [0, 1], the same scale for both kinds of model: UL.Uncertainty of the evidence, or the
// softmax entropy UL.CrossEntropyUncertainty / ln C for cross-entropy.
Tensor Uncertainty(nn.Module<Tensor, Tensor> model, Tensor x, bool evidential) => (evidential
    ? UL.Uncertainty(Evidence(model.forward(x)), normalize: true)
    : UL.CrossEntropyUncertainty(model.forward(x)) / Math.Log(Classes)).to_type(ScalarType.Float64);

/// <summary>
/// An RBF layer: φ_j(x) = exp(−‖x − c_j‖² / 2σ²) for fixed centres c_j (a buffer, not trained). Far from every centre
/// every feature is 0; this, not the loss, is what makes the network uncertain far from its data.
/// </summary>
internal sealed class GaussianFeatures : nn.Module<Tensor, Tensor>
{
    private readonly Tensor centres;
    private readonly double scale;

    public GaussianFeatures(Tensor centres, double width) : base(nameof(GaussianFeatures))
    {
        this.centres = centres.detach().clone();
        scale = 1 / (2 * width * width);
        register_buffer("centres", this.centres);
    }

    public override Tensor forward(Tensor input) => (input.unsqueeze(1) - centres.unsqueeze(0)).square().sum(-1).mul(-scale).exp();
}
