using System.IO;

namespace UncertaintyLoss.Tests.Wrappers;

/// <summary>Models, files and checks the wrapper fixtures share.</summary>
internal static class WrapperKit
{
    public static long Live => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    /// <summary>A model whose forward TorchSharp cannot see into: no final layer can be found.</summary>
    internal sealed class Opaque : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear fc1;
        private readonly TorchSharp.Modules.Linear fc2;

        public Opaque(long inputs, long outputs) : base(nameof(Opaque))
        {
            fc1 = nn.Linear(inputs, 16);
            fc2 = nn.Linear(16, outputs);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            return fc2.call(fc1.call(input).tanh()).MoveToOuterDisposeScope();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                fc1.Dispose();
                fc2.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>MLP inputs → 16 → dropout(p) → outputs, a Sequential ending in a Linear layer.</summary>
    public static nn.Module<Tensor, Tensor> Mlp(long inputs, long outputs, double dropout = 0.0) => nn.Sequential(
        ("fc1", nn.Linear(inputs, 16)), ("act1", nn.Tanh()), ("drop", nn.Dropout(dropout)),
        ("fc2", nn.Linear(16, outputs)));

    /// <summary>A temporary file path, deleted by the returned action.</summary>
    public static string TempFile() => Path.Combine(Path.GetTempPath(), "ul-wrapper-" + Guid.NewGuid().ToString("N") + ".bin");

    /// <summary>Bitwise equality of two tensors (same shape, dtype and values).</summary>
    public static void AssertIdentical(Tensor actual, Tensor expected, string what)
    {
        Assert.That(actual.shape, Is.EqualTo(expected.shape), what);
        Assert.That(actual.dtype, Is.EqualTo(expected.dtype), what);
        Assert.That(Same(actual, expected), Is.True, what + " differs");
    }

    /// <summary>Same shape and dtype, and every element equal (as doubles on the host: exact for float32 and float64).</summary>
    public static bool Same(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype &&
        TestSupport.Tensors.ToDoubles(a).SequenceEqual(TestSupport.Tensors.ToDoubles(b));

    /// <summary>Every state-dict entry of two modules is bitwise equal, with the same keys.</summary>
    public static void AssertSameState(nn.Module a, nn.Module b)
    {
        var sa = a.state_dict();
        var sb = b.state_dict();
        Assert.That(sb.Keys.OrderBy(k => k, StringComparer.Ordinal), Is.EqualTo(sa.Keys.OrderBy(k => k, StringComparer.Ordinal)));
        foreach (var key in sa.Keys)
            AssertIdentical(sb[key], sa[key], key);
    }
}
