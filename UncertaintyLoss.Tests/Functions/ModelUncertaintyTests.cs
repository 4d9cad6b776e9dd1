namespace UncertaintyLoss.Tests;

/// <summary>Properties of <see cref="UL.ModelUncertainty"/> of its own (the generic ones are in Ops/).</summary>
public sealed class ModelUncertaintyTests
{
    /// <summary>0 ≤ ModelUncertainty ≤ Uncertainty at every position (evidence up to 1e6, both dtypes).</summary>
    [SeededProperty(MaxTest = 50, Seed = "(770431,193521)", QuietOnSuccess = true)]
    public Property Properties_AnyEvidence_BetweenZeroAndUncertainty() =>
        OpGens.AtEveryPosition("ModelUncertainty", c =>
        {
            var e = c.Tensor();
            double[] mi = Tensors.ToDoubles(UL.ModelUncertainty(e));
            double[] h = Tensors.ToDoubles(UL.Uncertainty(e));
            return i => mi[i] >= 0 && mi[i] <= h[i] ? null : $"{PropertyFormat.R(mi[i])} not in [0, Uncertainty {PropertyFormat.R(h[i])}]";
        });
}
