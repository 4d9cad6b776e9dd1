namespace UncertaintyLoss.Tests;

/// <summary>Properties of <see cref="UL.DataUncertainty"/> of its own (the generic ones are in Ops/).</summary>
public sealed class DataUncertaintyTests
{
    /// <summary>DataUncertainty ≥ 0 and DataUncertainty + ModelUncertainty = Uncertainty (1e-12 relative in Float64, 1e-6 in Float32; evidence up to 1e6).</summary>
    [SeededProperty(MaxTest = 50, Seed = "(15886,64877)", QuietOnSuccess = true)]
    public Property Properties_PlusModelUncertainty_EqualsUncertainty() =>
        OpGens.AtEveryPosition("DataUncertainty", c =>
        {
            var e = c.Tensor();
            double[] data = Tensors.ToDoubles(UL.DataUncertainty(e));
            double[] model = Tensors.ToDoubles(UL.ModelUncertainty(e));
            double[] total = Tensors.ToDoubles(UL.Uncertainty(e));
            double rtol = c.Dtype == ScalarType.Float64 ? 1e-12 : 1e-6;
            return i => data[i] >= 0 && Math.Abs(data[i] + model[i] - total[i]) <= rtol * total[i] ? null
                : $"{PropertyFormat.R(data[i])} + ModelUncertainty {PropertyFormat.R(model[i])} vs Uncertainty {PropertyFormat.R(total[i])}";
        });
}
