using System.Security.Cryptography;
using System.Text;
using Microsoft.FSharp.Core;

namespace UncertaintyLoss.Tests.TestSupport;

/// <summary>
/// The seeds of the FsCheck properties. By default every property replays its own fixed seed, so a run is reproducible
/// and CI is stable. The environment variable <c>UL_FSCHECK_SEED</c> changes that for the whole run:
/// <list type="bullet">
/// <item><c>random</c>: a fresh base seed, printed at the start of the run ("FsCheck base seed: …");</item>
/// <item>a number: that base seed, to replay a run that failed with it.</item>
/// </list>
/// Each property then derives its seed from the base seed and its own fixed seed, so properties stay independent of
/// each other and of the order they run in. CI runs the properties once with <c>random</c> (.ci/run).
/// </summary>
public static class Seeds
{
    /// <summary>The environment variable that selects fresh seeds.</summary>
    public const string Variable = "UL_FSCHECK_SEED";

    private static readonly Lazy<ulong?> BaseSeed = new(ReadBaseSeed);

    /// <summary>The base seed of this run, or null when every property replays its fixed seed.</summary>
    public static ulong? Base => BaseSeed.Value;

    /// <summary>The replay string for a property whose fixed seed is <paramref name="fixedReplay"/> ("(seed,gamma)").</summary>
    public static string Replay(string fixedReplay)
    {
        if (Base is not ulong b)
            return fixedReplay;
        var (seed, gamma) = Derive(b, fixedReplay);
        return string.Create(CultureInfo.InvariantCulture, $"({seed},{gamma})");
    }

    /// <summary>
    /// A throw-on-failure FsCheck configuration of <paramref name="maxTest"/> cases for the property named
    /// <paramref name="key"/> (e.g. "ReferenceValues|EvidentialLoss"): its fixed seed is derived from the key, so
    /// table-driven properties need no seed of their own; under <c>UL_FSCHECK_SEED</c> it is derived from the base seed.
    /// </summary>
    public static Config For(string key, int maxTest)
    {
        var (seed, gamma) = Derive(Base ?? 0, key);
        var replay = new FsCheck.Replay(new Rnd(seed, gamma), FSharpOption<int>.None);
        return FsCheck.Config.QuickThrowOnFailure.WithMaxTest(maxTest).WithReplay(FSharpOption<FsCheck.Replay>.Some(replay));
    }

    private static ulong? ReadBaseSeed()
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(value))
            return null;
        if (string.Equals(value, "random", StringComparison.OrdinalIgnoreCase))
            return BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) >> 1;
        if (ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seed))
            return seed;
        throw new InvalidOperationException($"Expected {Variable} to be 'random' or an unsigned integer, but received '{value}'.");
    }

    /// <summary>A seed and an odd gamma (FsCheck's SplitMix generator wants an odd gamma) from the base and the property.</summary>
    private static (ulong Seed, ulong Gamma) Derive(ulong baseSeed, string fixedReplay)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(baseSeed.ToString(CultureInfo.InvariantCulture) + "|" + fixedReplay));
        ulong seed = BitConverter.ToUInt64(hash, 0) >> 1;
        ulong gamma = (BitConverter.ToUInt64(hash, 8) >> 1) | 1;
        return (seed, gamma);
    }
}

/// <summary>
/// <see cref="FsCheck.NUnit.PropertyAttribute"/> with the seed chosen by <see cref="Seeds"/>: set <see cref="Seed"/> to the
/// property's fixed replay seed instead of <c>Replay</c>.
/// </summary>
public sealed class SeededPropertyAttribute : FsCheck.NUnit.PropertyAttribute
{
    private string? seed;

    /// <summary>The property's fixed replay seed, "(seed,gamma)"; replaced by a derived one under <c>UL_FSCHECK_SEED</c>.</summary>
    public string? Seed
    {
        get => seed;
        set
        {
            seed = value;
            Replay = value is null ? null : Seeds.Replay(value);
        }
    }
}
