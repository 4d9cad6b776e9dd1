using System;
using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace UncertaintyLoss.Benchmarks;

/// <summary>
/// Forward + backward of <see cref="UL.EvidentialLoss"/> and <see cref="UL.MaxNormLoss"/> (regFactor 1) against
/// <c>cross_entropy</c> on the same logits, float32 on the CPU with 2 intra-op threads. The Ratio column is the
/// cost of the uncertainty loss relative to cross-entropy. TorchSharp's native memory is invisible to
/// BenchmarkDotNet's memory diagnoser: Allocated counts managed bytes only.
/// </summary>
[MemoryDiagnoser]
public class LossVersusCrossEntropy
{
    private Tensor logits = null!;
    private Tensor target = null!;

    /// <summary>Batch size × classes.</summary>
    [Params("128x10", "4096x1000")]
    public string Shape { get; set; } = "128x10";

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(2);
        var parts = Shape.Split('x');
        long n = long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        long c = long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        var generator = new Generator(20261122);
        logits = randn(new[] { n, c }, generator: generator).requires_grad_(true);
        target = randint(0, c, new[] { n }, generator: generator);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        logits.Dispose();
        target.Dispose();
    }

    [Benchmark(Baseline = true)]
    public float CrossEntropy()
    {
        using var scope = NewDisposeScope();
        logits.grad?.zero_();
        var loss = nn.functional.cross_entropy(logits, target);
        loss.backward();
        return loss.item<float>();
    }

    [Benchmark]
    public float EvidentialLoss()
    {
        using var scope = NewDisposeScope();
        logits.grad?.zero_();
        var loss = UL.EvidentialLoss(UL.ClampedExp(logits), target, regFactor: 1.0);
        loss.backward();
        return loss.item<float>();
    }

    [Benchmark]
    public float MaxNormLoss()
    {
        using var scope = NewDisposeScope();
        logits.grad?.zero_();
        var loss = UL.MaxNormLoss(UL.ClampedExp(logits), target, regFactor: 1.0);
        loss.backward();
        return loss.item<float>();
    }
}
