using System.IO;
using NUnit.Framework;
using TorchSharp;
#region calibration-usings
using UncertaintyLoss.Metrics;
using static TorchSharp.torch;
#endregion

namespace UncertaintyLoss.Tests.DocsTests;

/// <summary>
/// The C# blocks of docs/calibration.md, run on a synthetic over-confident classifier: base scores g ~ N(0, 1) for 10
/// classes, labels drawn from softmax(g), the "model" outputs logits 3g (and evidence exp(3g) for the Dirichlet example).
/// Every calibrator must lower the ECE on fresh data from the same source.
/// </summary>
[TestFixture]
public sealed class CalibrationDocSnippets
{
    private static (Tensor Logits, Tensor Target) Overconfident(long n, Generator generator)
    {
        var g = randn([n, 10], ScalarType.Float32, generator: generator);
        var y = multinomial(g.softmax(1), 1, generator: generator).squeeze(1);
        return (g * 3, y);
    }

    [Test]
    public void Calibrators_OnAnOverconfidentModel_LowerTheTestEce()
    {
        using var outer = NewDisposeScope();
        var generator = manual_seed(51);
        var (valLogits, valTarget) = Overconfident(5000, generator);
        var (testLogits, testTarget) = Overconfident(5000, generator);
        double before = Calibration.ExpectedCalibrationError(testLogits.softmax(1), testTarget);

        #region calibration-temperature
        var ts = TemperatureScaling.Fit(valLogits, valTarget);          // held-out logits (N, C, …), targets (N, …)
        Tensor probs = ts.Probabilities(testLogits);                     // softmax(z / T)
        double ece = Calibration.ExpectedCalibrationError(probs, testTarget);
        #endregion

        #region calibration-affine
        var vector = VectorScaling.Fit(valLogits, valTarget);            // z' = w ⊙ z + b
        var matrix = MatrixScaling.Fit(valLogits, valTarget);            // z' = W z + b, penalty λ = C/M by default
        Tensor vectorProbs = vector.Probabilities(testLogits);
        Tensor matrixProbs = matrix.Probabilities(testLogits);
        #endregion

        #region calibration-top-label
        var valProbs = valLogits.softmax(1);
        var isotonic = IsotonicRegression.FitTopLabel(valProbs, valTarget);
        var binning = HistogramBinning.FitTopLabel(valProbs, valTarget, bins: 15);
        TopLabelCalibration top = isotonic.TopLabel(testLogits.softmax(1));
        // top.Prediction: the unchanged arg max; top.Confidence: g(max p); top.Probabilities: a full vector carrying it
        #endregion

        var evidence = (valLogits).exp();
        #region calibration-evidence
        var es = EvidenceScaling.Fit(evidence, valTarget, priorWeight: 1.0);   // α = e / T + λ
        Tensor dirichletProbs = es.Probabilities(testLogits.exp());            // (e/T + λ) / Σ (e/T + λ)
        #endregion

        var path = Path.Combine(Path.GetTempPath(), "ul-calibration-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            #region calibration-json
            File.WriteAllText(path, matrix.ToJson());
            var restored = MatrixScaling.FromJson(File.ReadAllText(path));
            #endregion

            Assert.That(restored.Weights, Is.EqualTo(matrix.Weights));
        }
        finally
        {
            File.Delete(path);
        }

        var results = new (string Name, double Ece)[]
        {
            ("uncalibrated", before),
            ("temperature", ece),
            ("vector", Calibration.ExpectedCalibrationError(vectorProbs, testTarget)),
            ("matrix", Calibration.ExpectedCalibrationError(matrixProbs, testTarget)),
            ("isotonic (top-label)", Calibration.ExpectedCalibrationError(top.Probabilities, testTarget)),
            ("histogram binning (top-label)", Calibration.ExpectedCalibrationError(binning.TopLabel(testLogits.softmax(1)).Probabilities, testTarget)),
            ("evidence scaling", Calibration.ExpectedCalibrationError(dirichletProbs, testTarget)),
            ("evidence, uncalibrated", Calibration.ExpectedCalibrationError(UL.DirichletMean(testLogits.exp()), testTarget)),
        };
        foreach (var (name, value) in results)
            TestContext.Out.WriteLine(FormattableString.Invariant($"test ECE (15 bins), {name}: {value:F4}"));
        Assert.Multiple(() =>
        {
            foreach (var (name, value) in results.Skip(1).Where(r => r.Name != "evidence, uncalibrated"))
                Assert.That(value, Is.LessThan(before / 2), name);
            Assert.That(results.Last().Ece, Is.GreaterThan(2 * results[^2].Ece), "evidence scaling helps the Dirichlet model");
        });
    }
}
