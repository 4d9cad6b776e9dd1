namespace UncertaintyLoss.Tests.Schedules;

/// <summary>
/// <see cref="RegFactor.Presets"/>: each preset is the factor its paper's training loop computes from a 0-based epoch
/// counter, written out here from the papers' code (quoted in the presets' documentation).
/// </summary>
[TestFixture]
public sealed class RegFactorPresetsTests
{
    /// <summary>EDL, R-EDL and I-EDL: <c>np.minimum(1.0, epoch / 10.)</c> at epochs 0, 1, …, 30.</summary>
    [TestCase("Edl")]
    [TestCase("Redl")]
    [TestCase("Iedl")]
    public void AnnealedPresets_AreMinOfOneAndEpochOverTen(string preset)
    {
        var schedule = preset switch
        {
            "Edl" => RegFactor.Presets.Edl(),
            "Redl" => RegFactor.Presets.Redl(),
            _ => RegFactor.Presets.Iedl(),
        };
        Assert.Multiple(() =>
        {
            for (int epoch = 0; epoch <= 30; epoch++)
            {
                Assert.That(schedule.Value, Is.EqualTo(Math.Min(1.0, epoch / 10.0)).Within(1e-15), $"epoch {epoch}");
                schedule.Step();
            }
        });
    }

    /// <summary>Belief matching's coefficient 0.01 and Posterior Network's entropy weight 1e-5, at every epoch.</summary>
    [TestCase("BeliefMatching", 0.01)]
    [TestCase("PosteriorNetwork", 1e-5)]
    public void ConstantPresets_AreThePapersCoefficient(string preset, double expected)
    {
        var schedule = preset == "BeliefMatching" ? RegFactor.Presets.BeliefMatching() : RegFactor.Presets.PosteriorNetwork();
        Assert.Multiple(() =>
        {
            foreach (long epoch in new long[] { 0, 1, 10, 1000 })
                Assert.That(schedule.ValueAt(epoch), Is.EqualTo(expected), $"epoch {epoch}");
        });
    }

    /// <summary>A preset is an ordinary schedule: its state round-trips through JSON into the same kind of schedule.</summary>
    [Test]
    public void Preset_StateRoundTrips()
    {
        var schedule = RegFactor.Presets.Redl();
        for (int i = 0; i < 4; i++)
            schedule.Step();
        var restored = RegFactor.Presets.Redl();
        restored.Restore(RegFactorState.FromJson(schedule.GetState().ToJson()));
        Assert.That(restored.Value, Is.EqualTo(0.4).Within(1e-15));
    }
}
