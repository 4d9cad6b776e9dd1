using System.IO;
using System.Text.Json;

namespace UncertaintyLoss.Tests.Parity;

/// <summary>
/// Every case of <c>Data/dec-reference.json</c> (torch-uncertainty's <c>DECLoss</c>, run in Python by our generator
/// <c>Data/generate_dec_reference.py</c>; provenance in the file and Data/README.md) through
/// <see cref="UL.EvidentialLoss"/> with the matching <see cref="EvidentialRisk"/>: same output shape, values and
/// gradient of output.sum() with respect to the evidence.
/// </summary>
/// <remarks>
/// <c>DECLoss(loss_type: "log" | "digamma" | "mse", reg_weight: r)</c> is EvidentialLoss with risk LogLikelihood,
/// CrossEntropy or SquaredError and regFactor r (0 for none). Tolerances, relative (gradients relative to the largest
/// |gradient| of the case): Float64 1e-10 for values and 1e-9 for gradients (torch 1.13's float64 <c>polygamma(1, x)</c>,
/// which differentiates its digamma, is only about 5e-10 accurate: Data/README.md). In Float32, DECLoss subtracts
/// ln S − ln α_j, ψ(S) − ψ(α_j) and the KL's lnΓ terms in float32 and loses digits to cancellation (values up to 4.6e-4
/// relative off its own float64 evaluation of the same inputs, gradients 7.4e-7; measured 2026-12-03); ours is compared with it at <see cref="Float32PythonTolerance"/> and, at 1e-5
/// of the terms' size, with the double-precision MathNet reference (<see cref="OpTable.EvidentialLoss(double, EvidentialRisk)"/>).
/// </remarks>
[TestFixture]
public class TorchUncertaintyParityTests
{
    private static readonly Lazy<JsonElement> Root = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "dec-reference.json"))).RootElement);

    public static IEnumerable<TestCaseData> Cases() =>
        Root.Value.GetProperty("cases").EnumerateArray().Select(c => new TestCaseData(c).SetName(c.GetProperty("id").GetString()));

    /// <summary>Float32 DECLoss against ours (see remarks).</summary>
    private const double Float32PythonTolerance = 1e-3;

    [Test]
    public void ReferenceFile_HasEveryLossTypeRegularisationAndReductionInBothDtypes()
    {
        var cases = Root.Value.GetProperty("cases").EnumerateArray().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(Root.Value.GetProperty("format_version").GetInt32(), Is.EqualTo(1));
            Assert.That(cases, Has.Count.EqualTo(36));
            Assert.That(cases.Select(c => c.GetProperty("id").GetString()), Is.Unique);
            Assert.That(cases.Select(c => c.GetProperty("loss_type").GetString()).Distinct(), Is.EquivalentTo(new[] { "log", "digamma", "mse" }));
        });
    }

    [TestCaseSource(nameof(Cases))]
    public void DecLossCase_SameInputs_MatchesTorchUncertaintyOutputAndGradient(JsonElement c)
    {
        using var scope = NewDisposeScope();
        var dtype = c.GetProperty("dtype").GetString() == "float64" ? ScalarType.Float64 : ScalarType.Float32;
        long[] shape = c.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()).ToArray();
        var evidence = tensor(Doubles(c, "evidence"), shape, ScalarType.Float64).to(dtype).requires_grad_(true);
        var target = tensor(c.GetProperty("target").EnumerateArray().Select(v => v.GetInt64()).ToArray());
        var risk = c.GetProperty("loss_type").GetString() switch
        {
            "log" => EvidentialRisk.LogLikelihood,
            "digamma" => EvidentialRisk.CrossEntropy,
            "mse" => EvidentialRisk.SquaredError,
            var other => throw new InvalidDataException($"unknown loss_type {other}"),
        };
        var reduction = c.GetProperty("reduction").GetString() switch
        {
            "none" => Reduction.None,
            "mean" => Reduction.Mean,
            "sum" => Reduction.Sum,
            var other => throw new InvalidDataException($"unknown reduction {other}"),
        };

        var output = UL.EvidentialLoss(evidence, target, c.GetProperty("reg_weight").GetDouble(), reduction, risk: risk);
        output.sum().backward();

        double valueTolerance = dtype == ScalarType.Float64 ? 1e-10 : Float32PythonTolerance;
        double gradTolerance = dtype == ScalarType.Float64 ? 1e-9 : Float32PythonTolerance;
        double[] expected = Doubles(c, "output"), expectedGrad = Doubles(c, "grad");
        double[] actual = Tensors.ToDoubles(output), actualGrad = Tensors.ToDoubles(evidence.grad!);
        double gradScale = expectedGrad.Max(Math.Abs);
        Assert.Multiple(() =>
        {
            Assert.That(output.shape, Is.EqualTo(c.GetProperty("output_shape").EnumerateArray().Select(v => v.GetInt64()).ToArray()), "output shape");
            Assert.That(output.dtype, Is.EqualTo(dtype), "output dtype");
            for (int i = 0; i < expected.Length; i++)
                Assert.That(actual[i], Is.EqualTo(expected[i]).Within(valueTolerance * Math.Abs(expected[i])), $"output[{i}]");
            for (int i = 0; i < expectedGrad.Length; i++)
                Assert.That(actualGrad[i], Is.EqualTo(expectedGrad[i]).Within(gradTolerance * gradScale), $"grad[{i}]");
        });
        if (dtype == ScalarType.Float32)
            AssertMatchesDoubleReference(c, shape, risk, reduction, actual);
    }

    /// <summary>Ours in Float32 against the MathNet double reference, at 1e-5 of the cancelling terms' size.</summary>
    private static void AssertMatchesDoubleReference(JsonElement c, long[] shape, EvidentialRisk risk, Reduction reduction, double[] actual)
    {
        int n = (int)shape[0], classes = (int)shape[1];
        // The stored Float32 evidence, exactly as the loss saw it.
        double[] evidence = Doubles(c, "evidence").Select(v => (double)(float)v).ToArray();
        long[] target = c.GetProperty("target").EnumerateArray().Select(v => v.GetInt64()).ToArray();
        var variant = OpTable.EvidentialLoss(c.GetProperty("reg_weight").GetDouble(), risk);
        var perPosition = Enumerable.Range(0, n).Select(i => variant.ByIndex(evidence[(i * classes)..((i + 1) * classes)], (int)target[i])).ToArray();
        double[] expected = reduction switch
        {
            Reduction.None => perPosition.Select(x => x.Value).ToArray(),
            Reduction.Sum => [perPosition.Sum(x => x.Value)],
            _ => [perPosition.Sum(x => x.Value) / n],
        };
        double scale = reduction == Reduction.None ? 0 : perPosition.Sum(x => x.Scale) / (reduction == Reduction.Mean ? n : 1);
        Assert.Multiple(() =>
        {
            for (int i = 0; i < expected.Length; i++)
            {
                double s = reduction == Reduction.None ? perPosition[i].Scale : scale;
                Assert.That(actual[i], Is.EqualTo(expected[i]).Within(1e-5 * s), $"output[{i}] against the double reference");
            }
        });
    }

    private static double[] Doubles(JsonElement c, string name) => c.GetProperty(name).EnumerateArray().Select(v => v.GetDouble()).ToArray();
}
