namespace UncertaintyLoss.Tests.PythonPort;

/// <summary>
/// The fixtures of the Python package's <c>tests/uncertainty_loss/test_torch.py</c> (<c>make_correct_example</c>,
/// <c>make_incorrect_example</c>), rebuilt in C#.
/// </summary>
/// <remarks>
/// The Python fixtures build integer tensors (<c>torch.tensor</c> of ints), which the package silently promotes to
/// float32. The C# library rejects integer evidence with ArgumentException by design (a gradient is impossible), so
/// the evidence here is Float32, and one-hot targets are Float32 class probabilities; index targets stay Int64.
/// </remarks>
public static class PythonExamples
{
    // (1, 3, 2, 2), classes first: class 0 has no evidence anywhere, class 1 has 1000 at w = 1, class 2 has 1000 at w = 0.
    private static readonly float[] EvidenceData = { 0, 0, 0, 0, 0, 1000, 0, 1000, 1000, 0, 1000, 0 };

    // Correct labels: class 2 at w = 0, class 1 at w = 1 (the class holding the evidence).
    private static readonly float[] CorrectOneHot = { 0, 0, 0, 0, 0, 1, 0, 1, 1, 0, 1, 0 };
    private static readonly long[] CorrectIndex = { 2, 1, 2, 1 };

    // Incorrect labels: class 1 at w = 0, class 2 at w = 1 (all evidence on a wrong class).
    private static readonly float[] IncorrectOneHot = { 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1 };
    private static readonly long[] IncorrectIndex = { 1, 2, 1, 2 };

    /// <summary>
    /// Evidence with 1000 on the labelled class and 0 elsewhere: shape (1, 3) for dims 2, (1, 3, 2) for dims 3,
    /// (1, 3, 2, 2) for dims 4; the target is one-hot with the evidence's shape, or class indices without dim 1.
    /// </summary>
    /// <param name="oneHot">One-hot (Float32) targets instead of class indices (Int64).</param>
    /// <param name="dims">Rank of the evidence: 2, 3 or 4.</param>
    /// <returns>The evidence and the target.</returns>
    public static (Tensor Evidence, Tensor Target) Correct(bool oneHot, int dims) => Make(oneHot, dims, CorrectOneHot, CorrectIndex);

    /// <summary>As <see cref="Correct"/>, but every label names a class that holds no evidence, while a wrong class holds 1000.</summary>
    /// <param name="oneHot">One-hot (Float32) targets instead of class indices (Int64).</param>
    /// <param name="dims">Rank of the evidence: 2, 3 or 4.</param>
    /// <returns>The evidence and the target.</returns>
    public static (Tensor Evidence, Tensor Target) Incorrect(bool oneHot, int dims) => Make(oneHot, dims, IncorrectOneHot, IncorrectIndex);

    /// <summary>Shape (1, 3) followed by dims − 2 ones, as <c>(1, 3) + (1,) * (dims - 2)</c>.</summary>
    /// <param name="dims">The rank, at least 2.</param>
    /// <returns>The shape.</returns>
    public static long[] Shape(int dims)
    {
        var shape = new long[dims];
        Array.Fill(shape, 1L);
        shape[1] = 3;
        return shape;
    }

    private static (Tensor, Tensor) Make(bool oneHot, int dims, float[] oneHotData, long[] indexData)
    {
        if (dims is < 2 or > 4)
            throw new ArgumentOutOfRangeException(nameof(dims), dims, "The Python fixtures have 2, 3 or 4 dimensions.");

        var evidence = tensor(EvidenceData, new long[] { 1, 3, 2, 2 });
        var target = oneHot ? tensor(oneHotData, new long[] { 1, 3, 2, 2 }) : tensor(indexData, new long[] { 1, 2, 2 });
        // Python: x[:, :, 0, 0] for dims 2 and x[:, :, 0] for dims 3 (index targets: y[:, 0, 0] and y[:, 0]).
        int targetDim = oneHot ? 2 : 1;
        for (int i = dims; i < 4; i++)
        {
            evidence = evidence.select(2, 0);
            target = target.select(targetDim, 0);
        }

        return (evidence.contiguous(), target.contiguous());
    }
}
