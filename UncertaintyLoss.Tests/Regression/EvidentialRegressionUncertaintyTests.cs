using MathNet.Numerics.Distributions;

namespace UncertaintyLoss.Tests.Regression;

/// <summary>
/// <see cref="UL.EvidentialRegressionUncertainty"/>: prediction γ, aleatoric E[σ²] = β/(α − 1) (the InverseGamma(α, β)
/// mean), epistemic Var[μ] = β/(ν(α − 1)), each in γ's shape and the promoted dtype.
/// </summary>
[TestFixture]
public sealed class EvidentialRegressionUncertaintyTests
{
    private static Gen<BroadcastCase> Cases(Gen<ScalarType[]> dtypes) => RegressionGens.Cases(
        new[]
        {
            RegressionGens.Uniform(-10, 10), RegressionGens.LogUniform(-3, 3), RegressionGens.LogUniform(-3, 1.7).Select(a => 1 + a), RegressionGens.LogUniform(-3, 3),
        },
        0, dtypes, Gen.Constant(Reduction.None), Gen.Constant(0.0));

    private static (double[] Prediction, double[] Aleatoric, double[] Epistemic, Tensor[] Outputs) Call(Tensor[] t)
    {
        var (p, a, e) = UL.EvidentialRegressionUncertainty(t[0], t[1], t[2], t[3]);
        return (Tensors.ToDoubles(p), Tensors.ToDoubles(a), Tensors.ToDoubles(e), new[] { p, a, e });
    }

    /// <summary>Random broadcast inputs, Float64, Float32 or mixed: closed forms, broadcast shape and promoted dtype for all three outputs.</summary>
    [SeededProperty(MaxTest = 150, Seed = "(88001,55555)", QuietOnSuccess = true)]
    public Property EvidentialRegressionUncertainty_RandomBroadcastInputs_MatchesClosedForms() =>
        Prop.ForAll(Cases(RegressionGens.Dtypes(4)).ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            var (prediction, aleatoric, epistemic, outputs) = Call(c.AllTensors());
            foreach (var o in outputs)
            {
                if (o.dtype != c.OutputDtype || !o.shape.SequenceEqual(c.OutputShape))
                    return Prop.Label(false, $"output {o.dtype} {Broadcasting.Format(o.shape)}, expected {c.OutputDtype} {Broadcasting.Format(c.OutputShape)}; {c}");
            }

            double[] gamma = c.PerElement(a => a[0]);
            double[] wantAleatoric = c.PerElement(a => a[3] / (a[2] - 1));
            double[] wantEpistemic = c.PerElement(a => a[3] / (a[1] * (a[2] - 1)));
            double[] none = new double[c.Count];
            // Float32: α − 1 itself is exact (Sterbenz) for α ≤ 2 and otherwise rounded by half an ulp of α, relative ≤ 1.2e-7·α/(α − 1).
            return RegressionVerdict.Elementwise("Prediction", prediction, gamma, none, c.OutputDtype, c.ToString())
                .And(RegressionVerdict.Elementwise("Aleatoric", aleatoric, wantAleatoric, none, c.OutputDtype, c.ToString()))
                .And(RegressionVerdict.Elementwise("Epistemic", epistemic, wantEpistemic, none, c.OutputDtype, c.ToString()))
                .And(RegressionVerdict.Of(prediction.SequenceEqual(gamma), () => $"the prediction is not exactly γ; {c}"));
        });

    /// <summary>Aleatoric is the mean of MathNet's InverseGamma(shape α, scale β), the distribution of σ².</summary>
    [SeededProperty(MaxTest = 100, Seed = "(60606,70707)", QuietOnSuccess = true)]
    public Property EvidentialRegressionUncertainty_Aleatoric_EqualsMathNetInverseGammaMean() =>
        Prop.ForAll(Cases(RegressionGens.Float64(4)).ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            var (_, aleatoric, _, _) = Call(c.AllTensors());
            double[] mean = c.PerElement(a => new InverseGamma(a[2], a[3]).Mean);
            return RegressionVerdict.Elementwise("Aleatoric vs InverseGamma mean", aleatoric, mean, new double[c.Count], ScalarType.Float64, c.ToString());
        });

    /// <summary>Float64 gradient of Σ (w_p·P + w_a·A + w_e·E) w.r.t. γ, ν, α, β against differences of the closed forms.</summary>
    [SeededProperty(MaxTest = 60, Seed = "(13579,24681)", QuietOnSuccess = true)]
    public Property EvidentialRegressionUncertainty_Gradient_MatchesFiniteDifferenceOfClosedForms() =>
        Prop.ForAll(RegressionGens.Cases(
                new[] { RegressionGens.Uniform(-5, 5), RegressionGens.LogUniform(-1, 2), RegressionGens.LogUniform(-1, 1.3).Select(a => 1 + a), RegressionGens.LogUniform(-1, 2) },
                0, RegressionGens.Float64(4), Gen.Constant(Reduction.Sum), Gen.Constant(0.0)).ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            double[] wp = Enumerable.Range(0, c.Count).Select(i => 1 + (0.618 * i) % 1).ToArray();
            double[] wa = Enumerable.Range(0, c.Count).Select(i => 0.5 + (0.414 * i) % 1).ToArray();
            double[] we = Enumerable.Range(0, c.Count).Select(i => 2 - (0.732 * i) % 1).ToArray();
            var inputs = c.AllTensors(requiresGrad: true);
            var (p, a, e) = UL.EvidentialRegressionUncertainty(inputs[0], inputs[1], inputs[2], inputs[3]);
            var shape = c.OutputShape;
            ((p * Tensors.FromDoubles(wp, shape)) + (a * Tensors.FromDoubles(wa, shape)) + (e * Tensors.FromDoubles(we, shape))).sum().backward();
            double[] actual = inputs.SelectMany(t => Tensors.ToDoubles(t.grad!)).ToArray();
            double Reduced(double[] flat)
            {
                var values = c.Split(flat);
                return RegressionReference.Sum(Enumerable.Range(0, c.Count).Select(k =>
                {
                    var x = c.Arguments(k, values);
                    double al = x[3] / (x[2] - 1);
                    return wp[k] * x[0] + wa[k] * al + we[k] * al / x[1];
                }));
            }

            double[] flat = c.Flatten();
            double magnitude = Math.Abs(Reduced(flat)) + c.Count;
            return RegressionVerdict.Gradient("uncertainty gradient", actual, RegressionReference.RichardsonGradient(Reduced, flat), flat, magnitude, c.ToString());
        });

    /// <summary>γ = 1, ν = 2, α = 3, β = 4: aleatoric 4/2 = 2, epistemic 4/(2·2) = 1.</summary>
    [Test]
    public void EvidentialRegressionUncertainty_HandComputedPoint_ReturnsExactValues()
    {
        using var scope = NewDisposeScope();
        var (p, a, e) = UL.EvidentialRegressionUncertainty(tensor(1.0f), tensor(2.0f), tensor(3.0f), tensor(4.0f));
        Assert.That(p.item<float>(), Is.EqualTo(1.0f));
        Assert.That(a.item<float>(), Is.EqualTo(2.0f));
        Assert.That(e.item<float>(), Is.EqualTo(1.0f));
    }

    /// <summary>More virtual observations ν: the epistemic uncertainty shrinks strictly (as 1/ν); the aleatoric does not change.</summary>
    [TestCase(ScalarType.Float64)]
    [TestCase(ScalarType.Float32)]
    public void EvidentialRegressionUncertainty_NuGrows_EpistemicShrinksAleatoricUnchanged(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        double[] nus = { 1e-3, 0.01, 0.5, 1, 2, 10, 100, 1e4 };
        var nu = Tensors.FromDoubles(nus, new long[] { nus.Length }, dtype);
        var (_, a, e) = UL.EvidentialRegressionUncertainty(full(nus.Length, 0.5, dtype), nu, tensor(2.5).to(dtype), tensor(0.75).to(dtype));
        var aleatoric = Tensors.ToDoubles(a);
        var epistemic = Tensors.ToDoubles(e);
        Assert.That(aleatoric, Is.All.EqualTo(aleatoric[0]));
        Assert.That(aleatoric[0], Is.EqualTo(0.5).Within(1e-7));
        for (int i = 1; i < nus.Length; i++)
            Assert.That(epistemic[i], Is.LessThan(epistemic[i - 1]), $"ν {nus[i - 1]} → {nus[i]}");
        for (int i = 0; i < nus.Length; i++)
            Assert.That(epistemic[i] * nus[i], Is.EqualTo(0.5).Within(Tolerance.Relative(dtype)).Percent, "epistemic = aleatoric/ν");
    }

    /// <summary>The outputs are new tensors: writing into them leaves γ, ν, α, β unchanged.</summary>
    [Test]
    public void EvidentialRegressionUncertainty_OutputsWrittenInPlace_InputsUnchanged()
    {
        using var scope = NewDisposeScope();
        var inputs = new[] { new[] { 0.5, -1.0 }, new[] { 1.0, 2.0 }, new[] { 2.0, 3.0 }, new[] { 1.0, 1.0 } }.Select(v => tensor(v)).ToArray();
        var (p, a, e) = UL.EvidentialRegressionUncertainty(inputs[0], inputs[1], inputs[2], inputs[3]);
        p.add_(100);
        a.add_(100);
        e.add_(100);
        Assert.That(Tensors.ToDoubles(inputs[0]), Is.EqualTo(new[] { 0.5, -1.0 }));
        Assert.That(Tensors.ToDoubles(inputs[1]), Is.EqualTo(new[] { 1.0, 2.0 }));
        Assert.That(Tensors.ToDoubles(inputs[2]), Is.EqualTo(new[] { 2.0, 3.0 }));
        Assert.That(Tensors.ToDoubles(inputs[3]), Is.EqualTo(new[] { 1.0, 1.0 }));
    }

    [SeededProperty(MaxTest = 200, Seed = "(808080,13579)", QuietOnSuccess = true)]
    public Property EvidentialRegressionUncertainty_RandomShapes_AcceptsExactlyWhatBroadcastsToGammasShape() =>
        Prop.ForAll(RegressionGens.IndependentShapes(4).ToArbitrary(), shapes => RegressionChecks.ShapeRuleHolds(
            shapes, new[] { "gamma", "nu", "alpha", "beta" }, 0, new[] { 0.0, 1.0, 2.0, 0.5 },
            t => UL.EvidentialRegressionUncertainty(t[0], t[1], t[2], t[3]).Epistemic));

    public static IEnumerable<RegressionBadInput> BadInputs()
    {
        RegressionBadInput Row(string name, Func<Tensor?[]> make, Type exception, string param, params string[] parts) =>
            new(name, make, t => UL.EvidentialRegressionUncertainty(t[0]!, t[1]!, t[2]!, t[3]!), exception, param, parts);

        Tensor V(params long[] shape) => BadTensors.Valid(shape);
        Tensor A(params long[] shape) => full(shape, 2.0, ScalarType.Float32);
        Tensor?[] Valid() => new[] { V(4), V(4), A(4), V(4) };
        Tensor?[] With(int index, Tensor? bad)
        {
            var t = Valid();
            t[index]?.Dispose();
            t[index] = bad;
            return t;
        }

        var names = new[] { "gamma", "nu", "alpha", "beta" };
        var ane = typeof(ArgumentNullException);
        var ae = typeof(ArgumentException);
        for (int i = 0; i < names.Length; i++)
        {
            int k = i;
            yield return Row($"{names[k]} null", () => With(k, null), ane, names[k]);
            yield return Row($"{names[k]} Int64", () => With(k, BadTensors.Integer(ScalarType.Int64, 4)), ae, names[k], "Int64");
            yield return Row($"{names[k]} disposed", () => With(k, BadTensors.Disposed(4)), ae, names[k], "disposed");
            if (k > 0)
                yield return Row($"{names[k]} [3] vs [4]", () => With(k, k == 2 ? A(3) : V(3)), ae, names[k], "[4]", "[3]");
        }

        yield return Row("nu zero", () => With(1, BadTensors.OneBad(0.5, 0.0)), ae, "nu", "positive");
        yield return Row("nu negative", () => With(1, BadTensors.OneBad(0.5, -1.0)), ae, "nu");
        yield return Row("nu NaN", () => With(1, BadTensors.OneBad(0.5, double.NaN)), ae, "nu", "NaN");
        yield return Row("alpha one", () => With(2, BadTensors.OneBad(2.0, 1.0)), ae, "alpha", "exceed 1");
        yield return Row("alpha below one", () => With(2, BadTensors.OneBad(2.0, 0.999)), ae, "alpha");
        yield return Row("alpha NaN", () => With(2, BadTensors.OneBad(2.0, double.NaN)), ae, "alpha", "NaN");
        yield return Row("beta zero", () => With(3, BadTensors.OneBad(0.5, 0.0)), ae, "beta", "positive");
        yield return Row("beta negative", () => With(3, BadTensors.OneBad(0.5, -1e-9)), ae, "beta");
        yield return Row("beta NaN", () => With(3, BadTensors.OneBad(0.5, double.NaN)), ae, "beta", "NaN");
    }

    [TestCaseSource(nameof(BadInputs))]
    public void EvidentialRegressionUncertainty_BadInput_ThrowsExactArgumentExceptionNamingIt(RegressionBadInput row) => row.AssertRejected();

    private static Tensor[] WithoutY(Tensor[] inputs)
    {
        inputs[0].Dispose();
        return inputs.Skip(1).ToArray();
    }

    [TestCaseSource(typeof(EvidentialRegressionLossTests), nameof(EvidentialRegressionLossTests.NigMemoryKinds))]
    public void EvidentialRegressionUncertainty_AnyInputs_LeavesOnlyItsThreeResultsAlive(string kind) =>
        RegressionMemory.AssertLeavesOnlyResults(() => WithoutY(EvidentialRegressionLossTests.MemoryInputs(kind)), t =>
        {
            var (p, a, e) = UL.EvidentialRegressionUncertainty(t[0], t[1], t[2], t[3]);
            return new[] { p, a, e };
        }, 3);
}
