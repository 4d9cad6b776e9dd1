using System.Runtime.InteropServices;

namespace UncertaintyLoss.Tests.ValidationKit;

/// <summary>
/// One row of a bad-input table: lazily built inputs (<paramref name="First"/>: evidence, logits or x;
/// <paramref name="Second"/>: the target; either may be null or disposed on purpose, and both are created inside the
/// test, never at discovery), the exact exception type (not a subclass) and <see cref="ArgumentException.ParamName"/> the
/// library must throw for them, and substrings its message must contain (expected and received shapes, dtypes, values).
/// A row that <paramref name="NeedsCuda"/> reports inconclusive without a CUDA device.
/// </summary>
public sealed record BadInputRow(string Name, Func<Tensor?> First, Func<Tensor?> Second, Type Exception, string ParamName,
    bool NeedsCuda, params string[] MessageParts)
{
    public override string ToString() => Name;

    /// <summary>Runs <paramref name="call"/> on this row's inputs, inside a dispose scope, and checks the exception.</summary>
    public void AssertRejectedBy(Func<Tensor, Tensor, Tensor> call)
    {
        if (NeedsCuda)
            Requires.Cuda();
        using var scope = NewDisposeScope();
        var first = First();
        var second = Second();
        ArgumentAssert.ThrowsExactly(Exception, ParamName, MessageParts, () => call(first!, second!));
    }

    /// <summary>As <see cref="AssertRejectedBy(Func{Tensor, Tensor, Tensor})"/> for a one-tensor function.</summary>
    public void AssertRejectedBy(Func<Tensor, Tensor> call) => AssertRejectedBy((x, _) => call(x));
}

/// <summary>Exact-type assertions on argument exceptions.</summary>
public static class ArgumentAssert
{
    /// <summary>
    /// Asserts that <paramref name="call"/> throws exactly <paramref name="expected"/> (not a subclass, not a raw
    /// libtorch <see cref="ExternalException"/>), naming <paramref name="paramName"/>, with every one of
    /// <paramref name="messageParts"/> in its message. A result returned by mistake is disposed.
    /// </summary>
    public static ArgumentException ThrowsExactly(Type expected, string paramName, IReadOnlyList<string> messageParts, Func<Tensor> call)
    {
        Exception? caught = null;
        try
        {
            using var unexpected = call();
        }
        catch (Exception ex)
        {
            caught = ex;
        }

        Assert.That(caught, Is.Not.Null, $"Expected {expected.Name} for parameter '{paramName}', but nothing was thrown.");
        Assert.That(caught, Is.Not.InstanceOf<ExternalException>(), () => $"A raw libtorch exception leaked: {caught}");
        Assert.That(caught!.GetType(), Is.EqualTo(expected), () => $"Wrong exception type: {caught}");
        var argument = (ArgumentException)caught;
        Assert.That(argument.ParamName, Is.EqualTo(paramName), () => $"Wrong ParamName in: {caught}");
        foreach (var part in messageParts)
            Assert.That(argument.Message, Does.Contain(part), () => $"The message should contain \"{part}\".");
        return argument;
    }

    /// <summary>Generic form of <see cref="ThrowsExactly(Type, string, IReadOnlyList{string}, Func{Tensor})"/>.</summary>
    public static TException ThrowsExactly<TException>(string paramName, Func<Tensor> call, params string[] messageParts)
        where TException : ArgumentException =>
        (TException)ThrowsExactly(typeof(TException), paramName, messageParts, call);

    /// <summary>An <see cref="ArgumentOutOfRangeException"/> naming <paramref name="paramName"/> that reports the rejected value.</summary>
    public static void OutOfRange(string paramName, object actualValue, Func<Tensor> call)
    {
        var ex = ThrowsExactly<ArgumentOutOfRangeException>(paramName, call);
        Assert.That(ex.ActualValue, Is.EqualTo(actualValue), "ActualValue should report the rejected value.");
    }
}

/// <summary>Small tensors used by the validation tables. All are created where they are called.</summary>
public static class BadTensors
{
    /// <summary>A valid (4, 3) Float32 evidence.</summary>
    public static Tensor Evidence43() => tensor(new float[] { 0f, 1f, 2f, 3f, 0.5f, 0f, 7f, 1f, 1f, 2f, 0f, 4f }, new long[] { 4, 3 });

    /// <summary>A valid (4, 3) Float32 concentration α (<see cref="Evidence43"/> + 0.5).</summary>
    public static Tensor Alpha43() => tensor(new float[] { 0.5f, 1.5f, 2.5f, 3.5f, 1f, 0.5f, 7.5f, 1.5f, 1.5f, 2.5f, 0.5f, 4.5f }, new long[] { 4, 3 });

    /// <summary>Valid Int64 class indices for <see cref="Evidence43"/>.</summary>
    public static Tensor Index4() => tensor(new long[] { 0, 2, 1, 2 }, new long[] { 4 });

    /// <summary>A valid (4, 3) probability target.</summary>
    public static Tensor Probabilities43() => tensor(new float[] { 1f, 0f, 0f, 0.2f, 0.3f, 0.5f, 0f, 0f, 1f, 0.25f, 0.25f, 0.5f }, new long[] { 4, 3 });

    public static Tensor Disposed(Tensor t)
    {
        t.Dispose();
        return t;
    }

    public static Tensor WithValue(Tensor t, long flatIndex, double value)
    {
        using (var scope = NewDisposeScope())
        using (no_grad())
            t.view(-1)[flatIndex].fill_(value);
        return t;
    }
}

/// <summary>Bad-input tables shared by the fixtures. Each row has exactly one defect.</summary>
public static class BadInputTables
{
    private static readonly Type Null = typeof(ArgumentNullException);
    private static readonly Type Arg = typeof(ArgumentException);

    /// <summary>A row that runs on the CPU.</summary>
    public static BadInputRow Row(string name, Func<Tensor?> first, Func<Tensor?> second, Type exception, string paramName,
        params string[] messageParts) =>
        new(name, first, second, exception, paramName, false, messageParts);

    private static BadInputRow CudaRow(string name, Func<Tensor?> first, Func<Tensor?> second, Type exception, string paramName,
        params string[] messageParts) =>
        new(name, first, second, exception, paramName, true, messageParts);

    /// <summary>Evidence and target rows for the six classification losses.</summary>
    public static IEnumerable<BadInputRow> LossRows()
    {
        Func<Tensor?> e43 = BadTensors.Evidence43;
        Func<Tensor?> t4 = BadTensors.Index4;

        // Null arguments.
        yield return Row("NullEvidence", () => null, t4, Null, "evidence");
        yield return Row("NullTarget", e43, () => null, Null, "target");

        // Evidence rank, dtype and class count.
        yield return Row("Rank0Evidence", () => tensor(1.0f), () => tensor(0L), Arg, "evidence", "at least 2 dimensions", "shape []");
        yield return Row("Rank1Evidence", () => tensor(new float[] { 1f, 2f, 3f }), () => tensor(0L), Arg, "evidence", "at least 2 dimensions", "[3]");
        yield return Row("Int64Evidence", () => ones(new long[] { 4, 3 }, ScalarType.Int64), t4, Arg, "evidence", "floating-point", "Int64");
        yield return Row("Int32Evidence", () => ones(new long[] { 4, 3 }, ScalarType.Int32), t4, Arg, "evidence", "floating-point", "Int32");
        yield return Row("BoolEvidence", () => ones(new long[] { 4, 3 }, ScalarType.Bool), t4, Arg, "evidence", "floating-point", "Bool");
        yield return Row("ComplexEvidence", () => ones(new long[] { 4, 3 }, ScalarType.ComplexFloat32), t4, Arg, "evidence", "floating-point", "ComplexFloat32");
        yield return Row("OneClass", () => ones(new long[] { 4, 1 }), () => zeros(new long[] { 4 }, ScalarType.Int64), Arg, "evidence", "at least 2 classes", "[4, 1]");
        yield return Row("ZeroClasses", () => ones(new long[] { 4, 0 }), () => zeros(new long[] { 4 }, ScalarType.Int64), Arg, "evidence", "at least 2 classes", "[4, 0]");

        // Evidence values.
        yield return Row("NegativeEvidence", () => BadTensors.WithValue(BadTensors.Evidence43(), 4, -0.5), t4, Arg, "evidence", "non-negative", "-0.5", "UL.ClampedExp");
        yield return Row("NegativeInfinityEvidence", () => BadTensors.WithValue(BadTensors.Evidence43(), 0, double.NegativeInfinity), t4, Arg, "evidence", "non-negative", "UL.ClampedExp");
        yield return Row("DisposedEvidence", () => BadTensors.Disposed(BadTensors.Evidence43()), t4, Arg, "evidence", "disposed");

        // Index-target shapes.
        yield return Row("TargetWrongBatchSize", e43, () => zeros(new long[] { 5 }, ScalarType.Int64), Arg, "target", "[4]", "[5]", "[4, 3]");
        yield return Row("TargetHasExtraDims", e43, () => zeros(new long[] { 4, 2 }, ScalarType.Int64), Arg, "target", "[4]", "[4, 2]", "[4, 3]");
        yield return Row("TargetWrongExtraDims", () => ones(new long[] { 2, 3, 5 }), () => zeros(new long[] { 2, 4 }, ScalarType.Int64), Arg, "target", "[2, 5]", "[2, 4]", "[2, 3, 5]");
        yield return Row("TargetMissingExtraDims", () => ones(new long[] { 2, 3, 5 }), () => zeros(new long[] { 2 }, ScalarType.Int64), Arg, "target", "[2, 5]", "received shape [2]");
        yield return Row("TargetBatchMismatchWithExtraDims", () => ones(new long[] { 2, 3, 4 }), () => zeros(new long[] { 3, 4 }, ScalarType.Int64), Arg, "target", "[2, 4]", "[3, 4]");
        yield return Row("ScalarTarget", e43, () => tensor(0L), Arg, "target", "[4]", "received shape []");
        yield return Row("IntegerOneHotTarget", e43, () => zeros(new long[] { 4, 3 }, ScalarType.Int64), Arg, "target", "[4]", "received an integer target of ", "shape [4, 3]: a one-hot target is accepted", "target.to(ScalarType.Float32)");

        // Index-target values.
        yield return Row("IndexEqualToClassCount", e43, () => tensor(new long[] { 0, 1, 3, 2 }), Arg, "target", "[0, 2]", "3 classes", "[0, 3]");
        yield return Row("NegativeIndex", e43, () => tensor(new long[] { 0, -1, 2, 1 }), Arg, "target", "[0, 2]", "[-1, 2]");
        yield return Row("Int32IndexOutOfRange", e43, () => tensor(new int[] { 0, 1, 7, 2 }), Arg, "target", "[0, 2]", "[0, 7]");

        // Target dtypes.
        yield return Row("FloatTargetWithIndexShape", e43, () => tensor(new float[] { 0f, 2f, 1f, 2f }), Arg, "target", "integer dtype", "[4]", "[4, 3]");
        yield return Row("BoolTarget", e43, () => ones(new long[] { 4 }, ScalarType.Bool), Arg, "target", "Bool");
        yield return Row("DisposedTarget", e43, () => BadTensors.Disposed(BadTensors.Index4()), Arg, "target", "disposed");

        // Probability targets.
        yield return Row("ProbabilityTargetWrongClassCount", e43, () => full(new long[] { 4, 2 }, 0.5f), Arg, "target", "[4]", "[4, 3]", "received shape [4, 2]");
        yield return Row("ProbabilityTargetWrongBatchSize", e43, () => full(new long[] { 5, 3 }, 0.25f), Arg, "target", "[4, 3]", "received shape [5, 3]");
        yield return Row("ProbabilityTargetTransposed", e43, () => full(new long[] { 3, 4 }, 0.25f), Arg, "target", "[4, 3]", "received shape [3, 4]");
        yield return Row("ProbabilityAboveOne", e43, () => BadTensors.WithValue(BadTensors.Probabilities43(), 5, 1.5), Arg, "target", "[0, 1]", "1.5");
        yield return Row("ProbabilityNegative", e43, () => BadTensors.WithValue(BadTensors.Probabilities43(), 3, -0.25), Arg, "target", "[0, 1]", "-0.25");
        yield return Row("ProbabilityNaN", e43, () => BadTensors.WithValue(BadTensors.Probabilities43(), 2, double.NaN), Arg, "target", "[0, 1]", "NaN");

        // Devices (CUDA only).
        yield return CudaRow("TargetOnCudaEvidenceOnCpu", e43, () => BadTensors.Index4().cuda(), Arg, "target", "cuda", "cpu");
        yield return CudaRow("EvidenceOnCudaTargetOnCpu", () => BadTensors.Evidence43().cuda(), t4, Arg, "target", "cuda", "cpu");
        yield return CudaRow("ProbabilityTargetOnCuda", e43, () => BadTensors.Probabilities43().cuda(), Arg, "target", "cuda", "cpu");
    }

    /// <summary>
    /// Rows for the losses that take the concentration α: <see cref="LossRows"/> with "alpha" for "evidence" (the evidence
    /// of the target rows made positive, e + 0.5, so that only the target is wrong), without the negative-evidence rows,
    /// plus α's own value rows: 0, negative, −∞, NaN, +∞ and above <see cref="UL.MaxEvidence"/> are rejected.
    /// </summary>
    public static IEnumerable<BadInputRow> AlphaLossRows()
    {
        foreach (var row in LossRows())
        {
            if (row.Name is "NegativeEvidence" or "NegativeInfinityEvidence")
                continue;
            yield return row.ParamName == "evidence"
                ? row with { Name = row.Name.Replace("Evidence", "Alpha"), ParamName = "alpha" }
                : row with { First = Positive(row.First) };
        }

        Func<Tensor?> t4 = BadTensors.Index4;
        yield return Row("ZeroAlpha", () => BadTensors.WithValue(BadTensors.Alpha43(), 4, 0.0), t4, Arg, "alpha", "positive alpha", "a minimum of 0", "UL.ClampedExp");
        yield return Row("NegativeAlpha", () => BadTensors.WithValue(BadTensors.Alpha43(), 4, -0.5), t4, Arg, "alpha", "positive alpha", "-0.5", "UL.ClampedExp");
        yield return Row("NegativeInfinityAlpha", () => BadTensors.WithValue(BadTensors.Alpha43(), 0, double.NegativeInfinity), t4, Arg, "alpha", "positive alpha");
        yield return Row("NaNAlpha", () => BadTensors.WithValue(BadTensors.Alpha43(), 7, double.NaN), t4, Arg, "alpha", "finite, positive alpha", "NaN");
        yield return Row("PositiveInfinityAlpha", () => BadTensors.WithValue(BadTensors.Alpha43(), 2, double.PositiveInfinity), t4, Arg, "alpha", "finite alpha", "+Infinity");
        yield return Row("AlphaAboveMaxEvidence", () => BadTensors.WithValue(BadTensors.Alpha43(), 2, 2e12), t4, Arg, "alpha", "UL.MaxEvidence", "a maximum of 1999999");
        yield return Row("NaNAlphaAtIgnoredPosition", () => BadTensors.WithValue(BadTensors.Alpha43(), 0, double.NaN), () => tensor(new long[] { -100, 2, 1, 2 }),
            Arg, "alpha", "NaN");
    }

    /// <summary>The row's first tensor plus 0.5 when it is a live floating tensor (valid evidence becomes valid α).</summary>
    private static Func<Tensor?> Positive(Func<Tensor?> first) => () =>
    {
        var t = first();
        return t is null || t.IsInvalid || !t.is_floating_point() ? t : t + 0.5;
    };

    /// <summary>Rows for the one-tensor measures; <paramref name="paramName"/> is "evidence" or "logits".</summary>
    private static IEnumerable<BadInputRow> SingleTensorRows(string paramName, bool rejectsNegative)
    {
        Func<Tensor?> none = () => null;
        yield return Row("Null" + Capitalised(paramName), () => null, none, Null, paramName);
        yield return Row("Rank0", () => tensor(1.0f), none, Arg, paramName, "at least 2 dimensions", "shape []");
        yield return Row("Rank1", () => tensor(new float[] { 1f, 2f, 3f }), none, Arg, paramName, "at least 2 dimensions", "[3]");
        yield return Row("Int64", () => ones(new long[] { 4, 3 }, ScalarType.Int64), none, Arg, paramName, "floating-point", "Int64");
        yield return Row("Int32", () => ones(new long[] { 4, 3 }, ScalarType.Int32), none, Arg, paramName, "floating-point", "Int32");
        yield return Row("Bool", () => ones(new long[] { 4, 3 }, ScalarType.Bool), none, Arg, paramName, "floating-point", "Bool");
        yield return Row("OneClass", () => ones(new long[] { 4, 1 }), none, Arg, paramName, "at least 2 classes", "[4, 1]");
        yield return Row("OneClassWithExtraDims", () => ones(new long[] { 2, 1, 5 }), none, Arg, paramName, "at least 2 classes", "[2, 1, 5]");
        yield return Row("Disposed", () => BadTensors.Disposed(BadTensors.Evidence43()), none, Arg, paramName, "disposed");
        if (rejectsNegative)
        {
            yield return Row("NegativeValue", () => BadTensors.WithValue(BadTensors.Evidence43(), 4, -0.5), none, Arg, paramName, "non-negative", "-0.5", "UL.ClampedExp");
            yield return Row("NegativeInfinity", () => BadTensors.WithValue(BadTensors.Evidence43(), 7, double.NegativeInfinity), none, Arg, paramName, "non-negative", "UL.ClampedExp");
        }
    }

    public static IEnumerable<BadInputRow> EvidenceRows() => SingleTensorRows("evidence", rejectsNegative: true);

    public static IEnumerable<BadInputRow> LogitsRows() => SingleTensorRows("logits", rejectsNegative: false);

    private static string Capitalised(string s) => char.ToUpperInvariant(s[0]) + s.Substring(1);
}

/// <summary>Option values that are out of range (<see cref="Ops.OpTable"/> builds each loss's <see cref="Ops.LossOp.BadOptions"/> from them).</summary>
public static class BadOptions
{
    public static readonly double[] RegFactors = { double.NaN, -1.0, -1e-300, double.PositiveInfinity, double.NegativeInfinity };

    public static readonly int[] PNorms = { 0, -1, int.MinValue };

    public static readonly int[] Reductions = { 7, -1, 3 };

    public static readonly int[] FisherAlphaSums = { 7, -1, 2 };
}
