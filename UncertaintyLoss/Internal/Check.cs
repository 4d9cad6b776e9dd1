using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace UncertaintyLoss.Internal;

/// <summary>
/// The preconditions of every public function, in the style of NodaTime's <c>Preconditions</c>: small static methods that
/// throw the right member of the <see cref="ArgumentException"/> family, naming the argument, with one message form:
/// <c>Expected …, but received ….</c> (optionally followed by <c>: hint</c> before the final period). Messages are
/// invariant-culture.
/// </summary>
/// <remarks>
/// <para>This file holds the general checks (null, disposed, dtype, device, options) and the message builders. The
/// families' checks are in the other parts: <c>Check.Classification.cs</c> (evidence, targets, weights and the value
/// checks of the losses and measures), <c>Check.Regression.cs</c> (the regression shape rule and minima),
/// <c>Check.Metrics.cs</c> (the metrics' host-side value checks).</para>
/// <para>Shape, dtype, device and option checks read metadata only and always run. The value checks that read tensor data
/// on the device (<see cref="Values"/>, <see cref="Minima"/>) need one device-to-host transfer per call; they run only
/// while <see cref="ValueChecks.Enabled"/> (<see cref="UL.ValidateValues"/>, <see cref="UL.ValidationScope"/>).</para>
/// </remarks>
internal static partial class Check
{
    /// <summary>The floating dtypes the library accepts, as listed in messages.</summary>
    private const string FloatingDtypes = "Float32, Float64, Float16 or BFloat16";

    // ------------------------------------------------------------------ messages

    /// <summary>The one message form: <c>Expected {expected}, but received {received}[: {hint}].</c></summary>
    internal static string Message(string expected, string received, string? hint = null) =>
        "Expected " + expected + ", but received " + received + (hint is null ? "" : ": " + hint.TrimEnd('.')) + ".";

    /// <summary>An <see cref="ArgumentException"/> naming <paramref name="name"/>, in the one message form, with an optional
    /// inner exception. Its parts can be read back with <see cref="PartsOf"/> (to restate the problem against another
    /// argument).</summary>
    internal static ArgumentException Invalid(string name, string expected, string received, string? hint = null, Exception? inner = null)
    {
        var e = new ArgumentException(Message(expected, received, hint), name, inner);
        Parts.Add(e, new MessageParts(expected, received, hint));
        return e;
    }

    /// <summary>An <see cref="ArgumentOutOfRangeException"/> naming <paramref name="name"/> that reports
    /// <paramref name="value"/> as its <see cref="ArgumentOutOfRangeException.ActualValue"/> and in the message.</summary>
    internal static ArgumentOutOfRangeException OutOfRange<T>(string name, T value, string expected) =>
        new(name, value, Message(expected, Format(value)));

    /// <summary>The expected, received and hint parts of a message built by <see cref="Invalid"/>, or null.</summary>
    internal static MessageParts? PartsOf(ArgumentException e) => Parts.TryGetValue(e, out var parts) ? parts : null;

    /// <summary>
    /// <paramref name="e"/>'s problem restated against another argument (a module's input whose transform failed a
    /// check): a new <see cref="ArgumentException"/> naming <paramref name="name"/>, expecting <paramref name="expected"/>,
    /// with the received part and hint of <paramref name="parts"/> (<paramref name="e"/>'s, from <see cref="PartsOf"/>),
    /// and <paramref name="e"/> as its inner exception.
    /// </summary>
    internal static ArgumentException Restate(ArgumentException e, MessageParts parts, string name, string expected)
    {
        var restated = new ArgumentException(Message(expected, parts.Received, parts.Hint), name, e);
        Parts.Add(restated, parts with { Expected = expected });
        return restated;
    }

    /// <summary>The parts of a message in the one form.</summary>
    internal sealed record MessageParts(string Expected, string Received, string? Hint);

    private static readonly ConditionalWeakTable<ArgumentException, MessageParts> Parts = new();

    /// <summary>An invariant-culture string.</summary>
    internal static string Inv(FormattableString s) => FormattableString.Invariant(s);

    /// <summary>A value as messages show it: doubles round-trip ("R"), everything invariant-culture.</summary>
    internal static string Format<T>(T value) => value switch
    {
        null => "null",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>A shape as messages show it: <c>[4, 3]</c>.</summary>
    internal static string Shape(long[] shape) => "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>The tensor's shape as messages show it.</summary>
    internal static string Shape(Tensor t) => Shape(t.shape);

    /// <summary>
    /// The tensor's sizes, read one dimension at a time (<c>dim()</c>, <c>size(i)</c>): what <c>t.shape</c> gives, without
    /// its garbage. TorchSharp 0.107's <c>shape</c> returns the sizes through a <c>PinnedArray</c> whose <c>Dispose</c> does
    /// not suppress its finalizer, so every read leaves an object for the finalizer thread (and its promotion to
    /// generation 1). A fused loss call at 128 × 10 read it seven times, and with the backward's <c>item</c> (two more such
    /// objects, <see cref="Fused.FusedDirichlet.IsScalarOne"/>) that cost about 12 µs per call on the 2-vCPU machine (issue 18,
    /// fifteenth session, <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/performance.md">performance.md</see>);
    /// the per-call paths use this instead.
    /// </summary>
    internal static long[] Dims(Tensor t)
    {
        var dims = new long[t.dim()];
        for (int i = 0; i < dims.Length; i++)
            dims[i] = t.size(i);
        return dims;
    }

    // ------------------------------------------------------------------ dtypes

    internal static bool IsFloating(ScalarType t) =>
        t is ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16 or ScalarType.BFloat16;

    internal static bool IsInteger(ScalarType t) =>
        t is ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte;

    // ------------------------------------------------------------------ references and tensors

    /// <summary>Not null.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    internal static T NotNull<T>(T? value, string name) where T : class =>
        value ?? throw new ArgumentNullException(name, Message(name, "null"));

    /// <summary>Not disposed.</summary>
    /// <exception cref="ArgumentException"><paramref name="t"/> has been disposed.</exception>
    internal static void NotDisposed(Tensor t, string name)
    {
        if (t.IsInvalid)
            throw Invalid(name, Inv($"{name} to be a live tensor"), "a disposed one");
    }

    /// <summary>Not null and not disposed.</summary>
    internal static Tensor Live(Tensor? t, string name)
    {
        NotDisposed(NotNull(t, name), name);
        return t!;
    }

    /// <summary>Not null, not disposed, floating point (<c>Float32</c>, <c>Float64</c>, <c>Float16</c> or <c>BFloat16</c>).</summary>
    /// <param name="t">The tensor.</param>
    /// <param name="name">Its parameter name.</param>
    /// <param name="hint">What to do about another dtype, if there is more to say.</param>
    internal static Tensor Floating(Tensor? t, string name, string? hint = null)
    {
        var live = Live(t, name);
        if (!IsFloating(live.dtype))
            throw Invalid(name, Inv($"{name} to be a floating-point tensor ({FloatingDtypes})"), live.dtype.ToString(), hint);
        return live;
    }

    /// <summary><paramref name="t"/> is on <paramref name="reference"/>'s device.</summary>
    /// <param name="t">The tensor to check.</param>
    /// <param name="name">Its parameter name.</param>
    /// <param name="reference">The tensor that sets the device.</param>
    /// <param name="owner">Whose device that is, for the message: <c>the evidence's</c>, <c>yHat's</c>.</param>
    internal static void SameDevice(Tensor t, string name, Tensor reference, string owner)
    {
        if (t.device_type != reference.device_type || t.device_index != reference.device_index)
            throw Invalid(name, Inv($"{name} on {reference.device} ({owner} device)"), Inv($"it on {t.device}"));
    }

    /// <summary>Dimension 1 (the classes) holds at least 2 entries; <paramref name="t"/> has rank ≥ 2.</summary>
    internal static void Classes(Tensor t, string name)
    {
        if (t.size(1) < 2)
            throw Invalid(name, Inv($"{name} to have at least 2 classes in dimension 1"), "shape " + Shape(t));
    }

    // ------------------------------------------------------------------ values

    /// <summary>Copies a few 0-dimensional statistics to the host in one transfer (one device synchronisation), counted
    /// in <see cref="ValueChecks.HostTransfers"/>.</summary>
    internal static double[] ToHost(IReadOnlyList<Tensor> statistics)
    {
        ValueChecks.CountHostTransfer();
        return stack(statistics.Select(s => s.to(ScalarType.Float64)).ToArray()).cpu().data<double>().ToArray();
    }

    // ------------------------------------------------------------------ options

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless <paramref name="valid"/>.</summary>
    /// <param name="valid">Whether <paramref name="value"/> is acceptable.</param>
    /// <param name="value">The value (the exception's <see cref="ArgumentOutOfRangeException.ActualValue"/>).</param>
    /// <param name="name">The parameter name.</param>
    /// <param name="expected">What was expected, naming the parameter: <c>coverage in (0, 1)</c>.</param>
    internal static void InRange<T>(bool valid, T value, string name, string expected)
    {
        if (!valid)
            throw OutOfRange(name, value, expected);
    }

    /// <summary><paramref name="value"/> ≥ <paramref name="minimum"/>.</summary>
    internal static void AtLeast<T>(T value, T minimum, string name) where T : struct, IComparable<T> =>
        InRange(value.CompareTo(minimum) >= 0, value, name, Inv($"{name} >= {Format(minimum)}"));

    /// <summary>Finite and ≥ 0 (not NaN, not ±∞).</summary>
    internal static void FiniteNonNegative(double value, string name, string? meaning = null) =>
        InRange(double.IsFinite(value) && value >= 0, value, name, Inv($"{name}{Meaning(meaning)} to be finite and non-negative"));

    /// <summary>Finite and &gt; 0.</summary>
    internal static void FinitePositive(double value, string name, string? meaning = null) =>
        InRange(double.IsFinite(value) && value > 0, value, name, Inv($"{name}{Meaning(meaning)} to be finite and positive"));

    /// <summary>The bound of an exp clamp: ≥ 0 and not NaN (+∞ is allowed: no clamp).</summary>
    internal static void Clamp(double clamp, string name) =>
        InRange(!double.IsNaN(clamp) && clamp >= 0, clamp, name, Inv($"{name} to be non-negative"));

    /// <summary>A regularisation factor λ: finite and ≥ 0.</summary>
    internal static void RegFactor(double regFactor, string name) => FiniteNonNegative(regFactor, name, "the regularisation factor");

    /// <summary>The largest Fisher coefficient accepted: a million times the authors' largest published value (1.0), small enough
    /// that c times a Float32 log-determinant cannot overflow.</summary>
    internal const double MaxFisherCoefficient = 1e6;

    /// <summary>I-EDL's Fisher coefficient c in [0, <see cref="MaxFisherCoefficient"/>] (0 turns the term off).</summary>
    internal static void FisherCoefficient(double fisherCoefficient, string name) =>
        InRange(fisherCoefficient >= 0 && fisherCoefficient <= MaxFisherCoefficient, fisherCoefficient, name,
            Inv($"{name} (the weight of the Fisher log-determinant) to be between 0 and {Format(MaxFisherCoefficient)}"));

    /// <summary>The smallest prior weight λ accepted (ψ(1e-6) ≈ −1e6; tested finite in Float32 and Float64).</summary>
    internal const double MinPriorWeight = 1e-6;

    /// <summary>The largest prior weight λ accepted (tested finite in Float32 and Float64).</summary>
    internal const double MaxPriorWeight = 1e6;

    /// <summary>
    /// A prior weight λ in [<see cref="MinPriorWeight"/>, <see cref="MaxPriorWeight"/>], the range whose ends
    /// PriorWeightTests shows finite with evidence from 0 to <see cref="UL.MaxEvidence"/>. Outside it nothing is tested,
    /// and at the extremes it fails: below 1.4e-45 λ rounds to 0 in Float32 (ln Γ(0) = ∞, so the KL is ∞ − ∞ = NaN).
    /// </summary>
    internal static void PriorWeight(double priorWeight, string name) =>
        InRange(priorWeight >= MinPriorWeight && priorWeight <= MaxPriorWeight, priorWeight, name,
            Inv($"{name} (the prior weight λ) to be between {Format(MinPriorWeight)} and {Format(MaxPriorWeight)}"));

    /// <summary>The p of a p-norm: ≥ 1.</summary>
    internal static void PNorm(int pNorm, string name) => AtLeast(pNorm, 1, name);

    /// <summary>One of <see cref="nn.Reduction"/>'s three values.</summary>
    internal static void Reduction(nn.Reduction reduction, string name) =>
        InRange(reduction is nn.Reduction.None or nn.Reduction.Mean or nn.Reduction.Sum, reduction, name,
            Inv($"{name} to be Reduction.None, Reduction.Mean or Reduction.Sum"));

    /// <summary>A defined value of the enum <typeparamref name="T"/>.</summary>
    internal static void Defined<T>(T value, string name) where T : struct, Enum =>
        InRange(Enum.IsDefined(value), value, name, Inv($"{name} to be one of {string.Join(", ", Enum.GetNames<T>())}"));

    private static string Meaning(string? meaning) => meaning is null ? "" : " (" + meaning + ")";
}
