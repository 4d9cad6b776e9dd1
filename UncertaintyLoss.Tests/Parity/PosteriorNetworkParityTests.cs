using System.IO;
using System.Text.Json;

namespace UncertaintyLoss.Tests.Parity;

/// <summary>
/// Every case of <c>Data/postnet-reference.json</c>: Posterior Network's <c>PosteriorNetwork.UCE_loss</c>
/// (sharpenb/Posterior-Network, run in Python by our generator <c>Data/generate_postnet_reference.py</c>; provenance in the
/// file and Data/README.md) with α = evidence + 1, against <see cref="UL.PosteriorNetworkLoss"/> with
/// <see cref="Reduction.Sum"/> (theirs sums over the batch), float64: values within 1e-10 relative, gradients with
/// respect to the evidence within 1e-9 of the case's largest |gradient|.
/// </summary>
[TestFixture]
public class PosteriorNetworkParityTests
{
    private static readonly Lazy<JsonElement> Root = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "postnet-reference.json"))).RootElement);

    public static IEnumerable<TestCaseData> Cases() =>
        Root.Value.GetProperty("cases").EnumerateArray().Select(c => new TestCaseData(c).SetName(c.GetProperty("id").GetString()));

    [Test]
    public void ReferenceFile_HasEveryClassCountRangeAndRegFactor()
    {
        var cases = Root.Value.GetProperty("cases").EnumerateArray().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(Root.Value.GetProperty("format_version").GetInt32(), Is.EqualTo(1));
            Assert.That(cases, Has.Count.EqualTo(18));
            Assert.That(cases.Select(c => c.GetProperty("id").GetString()), Is.Unique);
            Assert.That(cases.Select(c => c.GetProperty("regr").GetDouble()).Distinct(), Is.EquivalentTo(new[] { 0.0, 1e-5, 0.5 }));
        });
    }

    [TestCaseSource(nameof(Cases))]
    public void PosteriorNetworkCase_SameInputs_MatchesAuthorsOutputAndGradient(JsonElement c)
    {
        using var scope = NewDisposeScope();
        long[] shape = c.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()).ToArray();
        var evidence = tensor(Doubles(c, "evidence"), shape, ScalarType.Float64).requires_grad_(true);
        var target = tensor(c.GetProperty("target").EnumerateArray().Select(v => v.GetInt64()).ToArray());
        var output = UL.PosteriorNetworkLoss(evidence, target, c.GetProperty("regr").GetDouble(), Reduction.Sum);
        output.backward();
        double expected = c.GetProperty("output").GetDouble();
        double[] expectedGrad = Doubles(c, "grad"), grad = Tensors.ToDoubles(evidence.grad!);
        double gradScale = expectedGrad.Max(Math.Abs);
        Assert.Multiple(() =>
        {
            Assert.That(output.item<double>(), Is.EqualTo(expected).Within(1e-10 * Math.Abs(expected)), "output");
            for (int i = 0; i < expectedGrad.Length; i++)
                Assert.That(grad[i], Is.EqualTo(expectedGrad[i]).Within(1e-9 * gradScale), $"grad[{i}]");
        });
    }

    private static double[] Doubles(JsonElement c, string name) => c.GetProperty(name).EnumerateArray().Select(v => v.GetDouble()).ToArray();
}
