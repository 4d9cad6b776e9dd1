using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using static TorchSharp.torch;

namespace UncertaintyLoss.BenchmarkRunner;

/// <summary>
/// One test image for the Vote-tutorial figure: its pixels and the model's class probabilities, and for an ensemble or MC
/// dropout also the mean logits and their spread (the wrapper's risk).
/// </summary>
public sealed record ExtremeImage(int Index, double Entropy, float[] Pixels, float[] Probabilities, float[]? MeanLogits, float[]? Risk);

/// <summary>
/// What the plots need of one model and seed (predictions/&lt;model&gt;-seed&lt;n&gt;.json): the in-distribution test labels, the
/// probabilities before and after the post-hoc calibrator (row-major N×C), the entropy of every image of the test set
/// ("in-distribution") and of every OOD set, and the test images of least and most entropy; and the calibrator's inputs
/// (the "calibration logits" of the test and validation images, with the validation labels) for trying other calibrators offline.
/// </summary>
public sealed record Predictions(string Model, int Seed, int Classes, int[] Labels, float[] Probabilities, float[] ProbabilitiesCalibrated,
    IReadOnlyDictionary<string, float[]> Entropy, ExtremeImage Least, ExtremeImage Most,
    float[]? TestCalibrationLogits = null, float[]? ValidationCalibrationLogits = null, int[]? ValidationLabels = null)
{
    /// <summary>The key of the in-distribution test set in <see cref="Entropy"/>.</summary>
    public const string InDistribution = "in-distribution";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The file of <paramref name="model"/> and <paramref name="seed"/> under <paramref name="outDir"/>.</summary>
    public static string PathOf(string outDir, string model, int seed) =>
        System.IO.Path.Combine(outDir, "predictions", $"{model.Replace('@', '_').Replace('=', '-')}-seed{seed}.json");

    /// <summary>Writes this record to <see cref="PathOf"/>.</summary>
    public void Write(string outDir)
    {
        var path = PathOf(outDir, Model, Seed);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json));
    }

    /// <summary>Reads every predictions file under <paramref name="outDir"/>.</summary>
    public static IReadOnlyList<Predictions> ReadAll(string outDir)
    {
        var dir = System.IO.Path.Combine(outDir, "predictions");
        if (!Directory.Exists(dir))
            return Array.Empty<Predictions>();
        return Directory.GetFiles(dir, "*.json").Order(StringComparer.Ordinal)
            .Select(f => JsonSerializer.Deserialize<Predictions>(File.ReadAllText(f), Json)!).ToList();
    }

    /// <summary>The probabilities as an (N, C) float64 tensor.</summary>
    public Tensor ProbabilityTensor(bool calibrated) =>
        tensor(calibrated ? ProbabilitiesCalibrated : Probabilities, new long[] { Labels.Length, Classes }).to_type(ScalarType.Float64);

    /// <summary>The labels as an (N) int64 tensor.</summary>
    public Tensor LabelTensor() => tensor(Labels.Select(l => (long)l).ToArray());

    /// <summary>A tensor's values as floats (any dtype, any device).</summary>
    internal static float[] Floats(Tensor t) => t.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
}
