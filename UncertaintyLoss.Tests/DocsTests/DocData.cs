using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace UncertaintyLoss.Tests.DocsTests;

/// <summary>Small fixed-seed data and models that the documentation snippets run on.</summary>
internal static class DocData
{
    /// <summary>Three 2-D Gaussian blobs, <paramref name="n"/> points: x (n, 2) float32, y (n) Int64.</summary>
    public static (Tensor X, Tensor Y) Blobs(long n, long seed)
    {
        var gen = new Generator((ulong)seed);
        var centres = torch.tensor(new float[] { 0f, 3f, 2.6f, -1.5f, -2.6f, -1.5f }, 3, 2);
        var y = torch.randint(0, 3, new long[] { n }, generator: gen);
        var x = centres.index_select(0, y) + 0.7f * torch.randn(new long[] { n, 2 }, generator: gen);
        return (x, y);
    }

    /// <summary>The blobs cut into batches of 50.</summary>
    public static List<(Tensor, Tensor)> Batches(long n, long seed)
    {
        var (x, y) = Blobs(n, seed);
        var list = new List<(Tensor, Tensor)>();
        for (long s = 0; s < n; s += 50)
            list.Add((x[TensorIndex.Slice(s, s + 50)], y[TensorIndex.Slice(s, s + 50)]));
        return list;
    }

    /// <summary>A 2 → 32 → <paramref name="outputs"/> MLP with fixed initial weights.</summary>
    public static nn.Module<Tensor, Tensor> Mlp(long outputs, long seed)
    {
        torch.manual_seed(seed);
        return nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, outputs));
    }
}
