using System.IO;
using System.Text.Json;

namespace UncertaintyLoss.Tests.Parity;

/// <summary>A row-major array of the reference file: its shape and its values.</summary>
/// <param name="Shape">The shape; empty for a scalar.</param>
/// <param name="Data">The values, row-major.</param>
public sealed record PyArray(long[] Shape, double[] Data);

/// <summary>The target of a loss case: class indices (Int64) or class probabilities.</summary>
/// <param name="Kind">"index" or "probability".</param>
/// <param name="Shape">(N, d1..dk) for indices, (N, C, d1..dk) for probabilities.</param>
/// <param name="Data">The values, row-major (indices stored as doubles, exact).</param>
/// <param name="OneHot">For probabilities: true for exact one-hot rows, false for soft rows.</param>
public sealed record PyTarget(string Kind, long[] Shape, double[] Data, bool? OneHot)
{
    /// <summary>True for class indices.</summary>
    public bool IsIndex => Kind == "index";

    /// <summary>The indices as longs (index targets only).</summary>
    public long[] Indices => Data.Select(v => checked((long)v)).ToArray();
}

/// <summary>One case of <c>python-reference.json</c>: inputs, arguments, Python's output and (usually) its gradient.</summary>
/// <param name="Id">Unique case id.</param>
/// <param name="Function">The Python function name.</param>
/// <param name="DType">Float32 or Float64.</param>
/// <param name="Evidence">The evidence (or logits / x).</param>
/// <param name="Target">The target of a loss case; null for the other functions.</param>
/// <param name="Args">The keyword arguments exactly as passed to Python.</param>
/// <param name="Output">Python's output.</param>
/// <param name="Grad">d(output.sum())/d(evidence) from Python; null where Python's backward raises.</param>
/// <param name="GradUnavailable">Python's reason for the missing gradient, if any.</param>
public sealed record PyCase(
    string Id,
    string Function,
    ScalarType DType,
    PyArray Evidence,
    PyTarget? Target,
    IReadOnlyDictionary<string, JsonElement> Args,
    PyArray Output,
    PyArray? Grad,
    string? GradUnavailable)
{
    /// <summary>NUnit prints arguments with ToString: keep it to the id.</summary>
    public override string ToString() => Id;
}

/// <summary>Reads <c>Data/python-reference.json</c> (see Data/README.md), once per test run.</summary>
public static class PythonReference
{
    private static readonly Lazy<JsonElement> Root = new(Load);

    /// <summary>The path of the JSON file in the test output directory.</summary>
    public static string FilePath => Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "python-reference.json");

    /// <summary>All cases, in file order.</summary>
    public static IReadOnlyList<PyCase> Cases() =>
        Root.Value.GetProperty("cases").EnumerateArray().Select(ParseCase).ToList();

    /// <summary>The defect entry with the given id.</summary>
    /// <param name="id">The defect id, e.g. <c>kl_none_NxN</c>.</param>
    /// <returns>The raw JSON object of the defect.</returns>
    public static JsonElement Defect(string id)
    {
        foreach (var d in Root.Value.GetProperty("defects").EnumerateArray())
        {
            if (d.GetProperty("id").GetString() == id)
                return d;
        }

        throw new InvalidOperationException($"No defect '{id}' in {FilePath}.");
    }

    /// <summary>All defect ids, in file order.</summary>
    public static IReadOnlyList<string> DefectIds() =>
        Root.Value.GetProperty("defects").EnumerateArray().Select(d => d.GetProperty("id").GetString()!).ToList();

    /// <summary>The reference file's format version.</summary>
    public static int FormatVersion => Root.Value.GetProperty("format_version").GetInt32();

    /// <summary>Numbers, or the strings "inf", "-inf" and "nan" used in <c>defects</c>.</summary>
    /// <param name="element">A JSON array of numbers (or a single number).</param>
    /// <returns>The values as doubles.</returns>
    public static double[] Doubles(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array
            ? element.EnumerateArray().Select(Double).ToArray()
            : new[] { Double(element) };

    /// <summary>One number, or "inf", "-inf", "nan".</summary>
    /// <param name="element">A JSON number or one of those strings.</param>
    /// <returns>The value.</returns>
    public static double Double(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number => element.GetDouble(),
        JsonValueKind.String => element.GetString() switch
        {
            "inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            "nan" => double.NaN,
            var s => double.Parse(s!, NumberStyles.Float, CultureInfo.InvariantCulture),
        },
        _ => throw new FormatException($"Expected a number, received {element.ValueKind}."),
    };

    /// <summary>A JSON array of integers as a shape.</summary>
    /// <param name="element">A JSON array of integers.</param>
    /// <returns>The shape.</returns>
    public static long[] Shape(JsonElement element) => element.EnumerateArray().Select(e => e.GetInt64()).ToArray();

    /// <summary>An object <c>{ "shape", "data" }</c>.</summary>
    /// <param name="element">The JSON object.</param>
    /// <returns>The array.</returns>
    public static PyArray Array(JsonElement element) =>
        new(Shape(element.GetProperty("shape")), Doubles(element.GetProperty("data")));

    /// <summary>The ScalarType of a dtype name of the file.</summary>
    /// <param name="name">"float32", "float64", "int64" or "int32".</param>
    /// <returns>The TorchSharp dtype.</returns>
    public static ScalarType DType(string name) => name switch
    {
        "float32" => ScalarType.Float32,
        "float64" => ScalarType.Float64,
        "int64" => ScalarType.Int64,
        "int32" => ScalarType.Int32,
        _ => throw new FormatException($"Unknown dtype '{name}'."),
    };

    /// <summary>The C# reduction for a Python reduction string.</summary>
    /// <param name="name">"mean", "sum" or "none".</param>
    /// <returns>The reduction.</returns>
    public static nn.Reduction Reduction(string name) => name switch
    {
        "mean" => nn.Reduction.Mean,
        "sum" => nn.Reduction.Sum,
        "none" => nn.Reduction.None,
        _ => throw new FormatException($"Unknown reduction '{name}'."),
    };

    private static JsonElement Load()
    {
        var bytes = File.ReadAllBytes(FilePath);
        using var document = JsonDocument.Parse(bytes);
        return document.RootElement.Clone();
    }

    private static PyCase ParseCase(JsonElement c)
    {
        PyTarget? target = null;
        if (c.TryGetProperty("target", out var t))
        {
            bool? oneHot = t.TryGetProperty("one_hot", out var oh) ? oh.GetBoolean() : null;
            target = new PyTarget(t.GetProperty("kind").GetString()!, Shape(t.GetProperty("shape")), Doubles(t.GetProperty("data")), oneHot);
        }

        var args = c.GetProperty("args").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
        return new PyCase(
            c.GetProperty("id").GetString()!,
            c.GetProperty("function").GetString()!,
            DType(c.GetProperty("dtype").GetString()!),
            Array(c.GetProperty("evidence")),
            target,
            args,
            Array(c.GetProperty("output")),
            c.TryGetProperty("grad", out var g) ? Array(g) : null,
            c.TryGetProperty("grad_unavailable", out var gu) ? gu.GetString() : null);
    }
}
