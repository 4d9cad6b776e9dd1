using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace UncertaintyLoss.BenchmarkRunner;

/// <summary>
/// A model name with optional settings for sweeps: <c>base@key=value@key=value</c>, e.g.
/// <c>edl-log@act=softplus@reg=0.5@es=1</c>. The base is one of <see cref="ModelZoo.Names"/>; the keys (README.md,
/// "Sweeps") change the loss module's options and the training. A plain name has no settings and is the model the
/// README's table describes.
/// </summary>
public sealed record Variant(string Name, string Base, IReadOnlyDictionary<string, string> Settings)
{
    /// <summary>Every key, with what it means (README.md, "Sweeps").</summary>
    public static readonly IReadOnlyDictionary<string, string> Keys = new Dictionary<string, string>
    {
        ["reg"] = "the maximum λ of the EdlAnnealing ramp (Dirichlet models)",
        ["ramp"] = "the epochs of the EdlAnnealing ramp (Dirichlet models)",
        ["act"] = "the evidence activation: exp, softplus or relu (Dirichlet models)",
        ["clamp"] = "the clamp of the exp activation (Dirichlet models)",
        ["prior"] = "the prior weight (redl)",
        ["fisher"] = "the Fisher coefficient (iedl)",
        ["wd"] = "AdamW weight decay instead of Adam (0: plain Adam)",
        ["lr"] = "the learning rate",
        ["es"] = "1: keep the weights of the epoch with the lowest validation NLL (early stopping with patience = all epochs)",
    };

    /// <summary>Parses <paramref name="name"/>; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public static Variant Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var parts = name.Split('@');
        if (!ModelZoo.Names.Contains(parts[0]))
            throw new ArgumentException($"unknown model '{parts[0]}'");
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in parts.Skip(1))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !Keys.ContainsKey(part[..eq]))
                throw new ArgumentException($"'{name}': '{part}' is not key=value with a key among {string.Join(", ", Keys.Keys)}");
            var (key, value) = (part[..eq], part[(eq + 1)..]);
            if (key != "act" && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                throw new ArgumentException($"'{name}': {key} must be a number, got '{value}'");
            if (key == "act" && value is not ("exp" or "softplus" or "relu"))
                throw new ArgumentException($"'{name}': act must be exp, softplus or relu, got '{value}'");
            if (!settings.TryAdd(key, value))
                throw new ArgumentException($"'{name}': {key} given twice");
        }

        return new Variant(name, parts[0], settings);
    }

    /// <summary>The number under <paramref name="key"/>, or null.</summary>
    public double? Number(string key) =>
        Settings.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : null;

    /// <summary>The activation under "act", or <paramref name="fallback"/>.</summary>
    public EvidenceActivation Activation(EvidenceActivation fallback) => Settings.TryGetValue("act", out var v)
        ? v switch { "exp" => EvidenceActivation.Exp, "softplus" => EvidenceActivation.Softplus, _ => EvidenceActivation.Relu }
        : fallback;

    /// <summary>The EdlAnnealing schedule with "ramp" and "reg" over the given defaults.</summary>
    public RegFactorSchedule Ramp(long epochs = 10, double max = 1.0) =>
        RegFactor.EdlAnnealing((long)(Number("ramp") ?? epochs), Number("reg") ?? max);

    /// <summary>Whether "es" asks for early stopping on the validation NLL.</summary>
    public bool EarlyStopping => (Number("es") ?? 0) > 0;
}
