namespace UncertaintyLoss.Tests.Regression;

/// <summary>A loss of broadcast inputs and its per-element reference.</summary>
public sealed class RegressionLossSpec
{
    public RegressionLossSpec(string name, Func<Tensor[], BroadcastCase, Tensor> call, Func<double[], double, double> reference, Func<double[], double, double> magnitude)
    {
        Name = name;
        Call = call;
        Reference = reference;
        Magnitude = magnitude;
    }

    public string Name { get; }

    /// <summary>(inputs, case) → the library's loss with the case's option and reduction.</summary>
    public Func<Tensor[], BroadcastCase, Tensor> Call { get; }

    /// <summary>(arguments of one output element, option) → reference loss.</summary>
    public Func<double[], double, double> Reference { get; }

    /// <summary>(arguments, option) → the size of the terms that cancel.</summary>
    public Func<double[], double, double> Magnitude { get; }

    public override string ToString() => Name;
}

/// <summary>Property bodies shared by the regression losses.</summary>
public static class RegressionChecks
{
    /// <summary>Values (None: per element; Mean, Sum: reduced), output dtype and shape against the reference.</summary>
    public static Property LossMatchesReference(RegressionLossSpec spec, BroadcastCase c)
    {
        using var scope = NewDisposeScope();
        var output = spec.Call(c.AllTensors(), c);
        double[] expected = c.PerElement(a => spec.Reference(a, c.Option));
        double[] magnitude = c.PerElement(a => spec.Magnitude(a, c.Option));
        long[] shape = c.Reduction == Reduction.None ? c.OutputShape : Array.Empty<long>();
        if (output.dtype != c.OutputDtype || !output.shape.SequenceEqual(shape))
            return Prop.Label(false, $"{spec}: output {output.dtype} {Broadcasting.Format(output.shape)}, expected {c.OutputDtype} {Broadcasting.Format(shape)}; {c}");

        double[] actual = Tensors.ToDoubles(output);
        if (c.Reduction == Reduction.None)
            return RegressionVerdict.Elementwise(spec.Name, actual, expected, magnitude, c.OutputDtype, c.ToString());

        double want = c.Reduce(expected);
        double scale = c.Reduce(expected.Select((e, i) => Math.Max(Math.Max(Math.Abs(e), 1.0), c.OutputDtype == ScalarType.Float64 ? 0 : magnitude[i])).ToArray());
        double got = actual[0];
        double tolerance = Tolerance.Relative(c.OutputDtype) * Math.Max(Math.Abs(want), scale);
        return RegressionVerdict.Of(Math.Abs(got - want) <= tolerance, () =>
            $"{spec} ({c.Reduction}): actual {RegressionReference.R(got)}, expected {RegressionReference.R(want)}, error/tolerance {Math.Abs(got - want) / tolerance:G3}; {c}");
    }

    /// <summary>
    /// Float64 autograd gradient of the reduced loss w.r.t. every input against Richardson-extrapolated central
    /// differences of <paramref name="reducedReference"/> (a function of all inputs' values, concatenated).
    /// </summary>
    public static Property GradientMatches(RegressionLossSpec spec, BroadcastCase c, Func<double[], double> reducedReference, double functionMagnitude)
    {
        using var scope = NewDisposeScope();
        var inputs = c.AllTensors(requiresGrad: true);
        spec.Call(inputs, c).backward();
        double[] actual = inputs.SelectMany(t => Tensors.ToDoubles(t.grad!)).ToArray();
        double[] x = c.Flatten();
        double[] expected = RegressionReference.RichardsonGradient(reducedReference, x);
        return RegressionVerdict.Gradient($"{spec} gradient ({c.Reduction})", actual, expected, x, functionMagnitude, c.ToString());
    }

    /// <summary>
    /// Tensors of the given shapes (input j filled with <paramref name="fill"/>[j]) against the shape rule: where torch
    /// broadcasts them all to the shape of input <paramref name="reference"/> (the prediction), the call succeeds with that
    /// shape; otherwise it throws exactly an ArgumentException naming the first other input, in argument order, that torch
    /// does not broadcast with the reference to the reference's shape, and showing both shapes; never a libtorch error.
    /// </summary>
    public static Property ShapeRuleHolds(long[][] shapes, string[] names, int reference, double[] fill, Func<Tensor[], Tensor> call)
    {
        using var scope = NewDisposeScope();
        var inputs = shapes.Select((s, j) => full(s, fill[j], ScalarType.Float64)).ToArray();
        long[] referenceShape = shapes[reference];

        // Torch decides: does input j broadcast with the reference to exactly the reference's shape?
        bool Fits(int j)
        {
            try
            {
                return broadcast_tensors(inputs[reference], inputs[j])[0].shape.SequenceEqual(referenceShape);
            }
            catch (Exception)
            {
                return false;
            }
        }

        string context = string.Join(" ", shapes.Select(Broadcasting.Format));
        var offending = Enumerable.Range(0, shapes.Length).Where(j => j != reference && !Fits(j)).ToArray();
        if (offending.Length == 0)
        {
            var output = call(inputs);
            return RegressionVerdict.Of(output.shape.SequenceEqual(referenceShape), () => $"output {Broadcasting.Format(output.shape)}, expected {Broadcasting.Format(referenceShape)}; {context}");
        }

        int first = offending[0];
        try
        {
            call(inputs);
            return Prop.Label(false, $"accepted {names[first]} {Broadcasting.Format(shapes[first])} against {names[reference]} {Broadcasting.Format(referenceShape)}: {context}");
        }
        catch (Exception e)
        {
            return RegressionVerdict.Of(
                e.GetType() == typeof(ArgumentException) && ((ArgumentException)e).ParamName == names[first]
                && e.Message.Contains(Broadcasting.Format(shapes[first])) && e.Message.Contains(Broadcasting.Format(referenceShape)) && e.Message.Contains(names[reference]),
                () => $"threw {e.GetType().Name} ({(e as ArgumentException)?.ParamName}): {e.Message}; expected ArgumentException naming {names[first]} and showing both shapes; {context}");
        }
    }
}

/// <summary>One bad-input row: lazily built inputs (may be null or disposed on purpose), a call, and the exact exception.</summary>
public sealed class RegressionBadInput
{
    public RegressionBadInput(string name, Func<Tensor?[]> make, Func<Tensor?[], object> call, Type exception, string paramName, params string[] messageParts)
    {
        Name = name;
        Make = make;
        Call = call;
        Exception = exception;
        ParamName = paramName;
        MessageParts = messageParts;
    }

    public string Name { get; }

    public Func<Tensor?[]> Make { get; }

    public Func<Tensor?[], object> Call { get; }

    public Type Exception { get; }

    public string ParamName { get; }

    public IReadOnlyList<string> MessageParts { get; }

    public override string ToString() => Name;

    /// <summary>
    /// In a dispose scope: builds the inputs, calls, and checks the exact exception type (not a subclass, never a
    /// libtorch ExternalException), its ParamName and message, that nothing was left alive and that the valid inputs
    /// were neither disposed nor changed.
    /// </summary>
    public void AssertRejected()
    {
        using var scope = NewDisposeScope();
        var inputs = Make();
        var valid = inputs.Where(t => t is not null && !t.IsInvalid).Select(t => t!).ToArray();
        var before = valid.Select(Tensors.ToDoubles).ToArray();
        long live = RegressionMemory.Live;
        var thrown = Assert.Catch(() => Call(inputs));
        Assert.That(thrown, Is.Not.Null);
        Assert.That(thrown!.GetType(), Is.EqualTo(Exception), $"{Name}: {thrown}");
        Assert.That(((ArgumentException)thrown).ParamName, Is.EqualTo(ParamName), $"{Name}: {thrown.Message}");
        foreach (var part in MessageParts)
            Assert.That(thrown.Message, Does.Contain(part), Name);
        Assert.That(RegressionMemory.Live, Is.EqualTo(live), $"{Name}: the rejected call left tensors alive");
        for (int i = 0; i < valid.Length; i++)
        {
            Assert.That(valid[i].IsInvalid, Is.False, $"{Name}: a valid input was disposed");
            Assert.That(Tensors.ToDoubles(valid[i]), Is.EqualTo(before[i]).AsCollection, $"{Name}: a valid input was changed");
        }
    }
}

/// <summary>Bad-input factories.</summary>
public static class BadTensors
{
    public static Tensor Valid(params long[] shape) => full(shape, 0.5, ScalarType.Float32);

    /// <summary>Valid positive values with one entry replaced by <paramref name="bad"/>.</summary>
    public static Tensor OneBad(double good, double bad, ScalarType dtype = ScalarType.Float64)
    {
        var values = new[] { good, good, bad, good };
        return Tensors.FromDoubles(values, new long[] { 4 }, dtype);
    }

    public static Tensor Disposed(params long[] shape)
    {
        var t = Valid(shape);
        t.Dispose();
        return t;
    }

    public static Tensor Integer(ScalarType dtype, params long[] shape) => ones(shape, dtype);
}

/// <summary>Leak checks with <see cref="DisposeScopeManager.Statistics"/> (exact in TorchSharp 0.107).</summary>
public static class RegressionMemory
{
    public static long Live => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    /// <summary>
    /// Inputs built outside any scope; the call leaves exactly its <paramref name="results"/> tensors alive, none once
    /// they are disposed; the inputs stay valid, unchanged and keep requires_grad. Inside nested caller scopes, only
    /// the results join the innermost one.
    /// </summary>
    public static void AssertLeavesOnlyResults(Func<Tensor[]> makeInputs, Func<Tensor[], Tensor[]> call, int results)
    {
        var inputs = makeInputs();
        try
        {
            var before = inputs.Select(Tensors.ToDoubles).ToArray();
            var grads = inputs.Select(t => t.requires_grad).ToArray();
            long live = Live;
            var output = call(inputs);
            Assert.That(output.Length, Is.EqualTo(results));
            Assert.That(Live, Is.EqualTo(live + results), "only the result(s) may be left alive by the call");
            foreach (var t in output)
                t.Dispose();
            Assert.That(Live, Is.EqualTo(live), "a tensor created by the call outlives its results");
            for (int i = 0; i < inputs.Length; i++)
            {
                Assert.That(inputs[i].IsInvalid, Is.False, $"input {i} was disposed");
                Assert.That(Tensors.ToDoubles(inputs[i]), Is.EqualTo(before[i]).AsCollection, $"input {i} was changed");
                Assert.That(inputs[i].requires_grad, Is.EqualTo(grads[i]), $"input {i} changed requires_grad");
            }

            using (var outer = NewDisposeScope())
            using (var scope = NewDisposeScope())
            {
                int count = scope.DisposablesCount, outerCount = outer.DisposablesCount;
                var inScope = call(inputs);
                Assert.That(inScope.All(scope.Contains), Is.True, "the results join the caller's scope");
                Assert.That(scope.DisposablesCount, Is.EqualTo(count + results), "only the results join the caller's scope");
                Assert.That(outer.DisposablesCount, Is.EqualTo(outerCount), "nothing joins an outer scope");
            }

            Assert.That(Live, Is.EqualTo(live), "the caller's scope frees everything the call made");
        }
        finally
        {
            foreach (var t in inputs)
                t.Dispose();
        }
    }
}
