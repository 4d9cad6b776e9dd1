namespace UncertaintyLoss.Tests;

/// <summary>Properties of <see cref="UL.Vacuity"/> of its own (the generic ones are in Ops/).</summary>
public sealed class VacuityTests
{
    /// <summary>Vacuity lies in (0, 1], and is exactly 1 where all evidence is zero (evidence up to 1e6, both dtypes).</summary>
    [SeededProperty(MaxTest = 50, Seed = "(798963,57307)", QuietOnSuccess = true)]
    public Property Properties_AnyEvidence_InUnitIntervalAndOneWithoutEvidence() =>
        OpGens.AtEveryPosition("Vacuity", c =>
        {
            double[] u = Tensors.ToDoubles(UL.Vacuity(c.Tensor()));
            return i => u[i] > 0 && u[i] <= 1 && (u[i] == 1 || PropertyLayout.Gather(c.Values, c.Shape, i).Any(x => x != 0)) ? null
                : $"{PropertyFormat.R(u[i])} (must lie in (0, 1], and be 1 without evidence)";
        });
}
