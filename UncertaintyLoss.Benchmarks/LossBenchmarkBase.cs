using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Attributes;
using TorchSharp;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss.Benchmarks;

/// <summary>The element type of the logits.</summary>
public enum BenchDType
{
    /// <summary>float32.</summary>
    Float32,

    /// <summary>float64.</summary>
    Float64,
}

/// <summary>What one benchmark invocation computes.</summary>
public enum BenchPass
{
    /// <summary>The loss only, under <c>no_grad</c>, logits not requiring grad.</summary>
    Forward,

    /// <summary>The loss and <c>backward()</c> into the logits' gradient.</summary>
    ForwardBackward,
}

/// <summary>The public mirror of the internal <see cref="KernelPath"/> (a <c>[Params]</c> property must have a public type).</summary>
public enum BenchPath
{
    /// <summary><see cref="KernelPath.Auto"/>: the fused kernel where it applies, as users get it.</summary>
    Auto,

    /// <summary><see cref="KernelPath.Composed"/>: the composed TorchSharp operations.</summary>
    Composed,
}

/// <summary>
/// The shared setup of the loss benchmarks: the parameters, the logits and targets, and one measured invocation.
/// A derived class per loss family adds its loss and its own <c>cross_entropy</c> baseline, so that the Ratio
/// column compares the loss with <c>cross_entropy</c> on the same logits, targets, dtype, pass and shape.
/// </summary>
/// <remarks>
/// TorchSharp's tensors live in native memory, which BenchmarkDotNet's memory diagnoser does not see: its
/// <c>Allocated</c> column counts managed bytes only (tensor handles, closures), not the tensors themselves.
/// </remarks>
public abstract class LossBenchmarkBase
{
    /// <summary>Every shape; <see cref="Program"/>'s <c>--shapes</c> option restricts the run to some of them.</summary>
    public static readonly IReadOnlyList<string> AllShapes = ["128x10", "4096x1000", "8x21x128x128"];

    private const int Seed = 20261122;

    /// <summary>The label smoothing ε of the probability targets: (1 − ε)·onehot(target) + ε/C.</summary>
    private const double LabelSmoothing = 0.1;

    private Tensor logits = null!;
    private Tensor evidence = null!;
    private Tensor target = null!;
    private Tensor probabilities = null!;
    private IDisposable? forcedPath;
    private bool pathChecked;

    /// <summary>The shapes this run measures (all of them unless <c>--shapes</c> was given).</summary>
    internal static IReadOnlyList<string> SelectedShapes { get; set; } = AllShapes;

    /// <summary>
    /// The logits' shape: N × C (classification) or N × C × H × W (segmentation, target N × H × W).
    /// </summary>
    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "128x10";

    /// <summary>The logits' element type.</summary>
    [ParamsSource(nameof(DTypes))]
    public BenchDType DType { get; set; }

    /// <summary>Forward only, or forward and backward.</summary>
    [ParamsSource(nameof(Passes))]
    public BenchPass Pass { get; set; }

    /// <summary>The kernel path forced on the uncertainty loss (<c>cross_entropy</c> does not depend on it).</summary>
    [ParamsSource(nameof(Paths))]
    public BenchPath Path { get; set; }

    /// <summary>The dtypes this run measures (all unless <c>--dtypes</c> was given).</summary>
    internal static IReadOnlyList<BenchDType> SelectedDTypes { get; set; } = Enum.GetValues<BenchDType>();

    /// <summary>The passes this run measures (all unless <c>--passes</c> was given).</summary>
    internal static IReadOnlyList<BenchPass> SelectedPasses { get; set; } = Enum.GetValues<BenchPass>();

    /// <summary>The kernel paths this run measures (all unless <c>--paths</c> was given).</summary>
    internal static IReadOnlyList<BenchPath> SelectedPaths { get; set; } = Enum.GetValues<BenchPath>();

    /// <summary>The values of <see cref="DType"/>.</summary>
    public static IEnumerable<BenchDType> DTypes() => SelectedDTypes;

    /// <summary>The values of <see cref="Pass"/>.</summary>
    public static IEnumerable<BenchPass> Passes() => SelectedPasses;

    /// <summary>The values of <see cref="Path"/>.</summary>
    public static IEnumerable<BenchPath> Paths() => SelectedPaths;

    /// <summary>The values of <see cref="Shape"/>.</summary>
    public static IEnumerable<string> Shapes() => SelectedShapes;

    /// <summary>Parses <c>"128x10"</c> into { 128, 10 }.</summary>
    internal static long[] ParseShape(string shape) =>
        shape.Split('x').Select(s => long.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Creates the logits and targets (fixed seed) and forces <see cref="Path"/>.</summary>
    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(2);
        long[] dims = ParseShape(Shape);
        long classes = dims[1];
        long[] targetDims = [dims[0], .. dims[2..]];
        var generator = new Generator(Seed);
        var dtype = DType == BenchDType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        logits = randn(dims, dtype, generator: generator).requires_grad_(Pass == BenchPass.ForwardBackward);
        target = randint(0, classes, targetDims, generator: generator);
        using (var oneHot = nn.functional.one_hot(target, classes).movedim(new long[] { -1 }, new long[] { 1 }))
            probabilities = (oneHot.to(dtype) * (1 - LabelSmoothing) + LabelSmoothing / classes).contiguous();
        using (no_grad())
            evidence = UL.ClampedExp(logits).requires_grad_(Pass == BenchPass.ForwardBackward);
        generator.Dispose();

        forcedPath = Kernels.Force(InternalPath);
        CheckPath();
        pathChecked = false;
    }

    /// <summary>Frees the tensors and restores the kernel path.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        forcedPath?.Dispose();
        forcedPath = null;
        logits.Dispose();
        evidence.Dispose();
        target.Dispose();
        probabilities.Dispose();
    }

    /// <summary>The baseline every family compares with: <c>cross_entropy</c> on the raw logits.</summary>
    protected double MeasureCrossEntropy() => Measure(static (x, y) => nn.functional.cross_entropy(x, y));

    /// <summary>
    /// One invocation: <paramref name="loss"/> on the logits and targets, under <c>no_grad</c> for
    /// <see cref="BenchPass.Forward"/>, else followed by <c>backward()</c> (the gradient is zeroed first, so it does
    /// not grow across invocations). Everything it creates is freed before it returns; the returned value forces
    /// the computation.
    /// </summary>
    protected double Measure(Func<Tensor, Tensor, Tensor> loss) => MeasureOn(logits, target, loss);

    /// <summary>
    /// As <see cref="Measure"/>, on the precomputed evidence <c>ClampedExp(logits)</c> (a leaf tensor): the loss alone,
    /// without the evidence activation's forward and backward.
    /// </summary>
    protected double MeasureOnEvidence(Func<Tensor, Tensor, Tensor> loss) => MeasureOn(evidence, target, loss);

    /// <summary>
    /// As <see cref="Measure"/>, with probability targets in the logits' dtype and shape: the index targets label-smoothed,
    /// (1 − ε)·onehot + ε/C with ε = 0.1, so that every class has probability mass.
    /// </summary>
    protected double MeasureWithProbabilities(Func<Tensor, Tensor, Tensor> loss) => MeasureOn(logits, probabilities, loss);

    private double MeasureOn(Tensor input, Tensor labels, Func<Tensor, Tensor, Tensor> loss)
    {
        if (!pathChecked)
        {
            CheckPath();
            pathChecked = true;
        }
        using var scope = NewDisposeScope();
        if (Pass == BenchPass.Forward)
        {
            using var noGrad = no_grad();
            return loss(input, labels).ToDouble();
        }

        input.grad?.zero_();
        var value = loss(input, labels);
        value.backward();
        return value.ToDouble();
    }

    private KernelPath InternalPath => Path == BenchPath.Auto ? KernelPath.Auto : KernelPath.Composed;

    /// <summary>
    /// The forced path lives in an <see cref="System.Threading.AsyncLocal{T}"/>: this checks, in setup and in the
    /// first benchmark invocation, that the benchmark thread sees it.
    /// </summary>
    private void CheckPath()
    {
        if (Kernels.Path != InternalPath)
        {
            throw new InvalidOperationException(
                $"The forced kernel path is not visible here: expected {InternalPath}, found {Kernels.Path}.");
        }
    }
}
