using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss;

/// <summary>
/// The output of <see cref="VoteWrapper.Classify"/> for a classifier: the voters' mean logits, their standard deviation
/// (the risk), the mean of the voters' softmax probabilities and the mutual information between the prediction and the
/// voter (the epistemic part of the predictive entropy).
/// </summary>
/// <param name="MeanLogits">Mean over the voters of their logits, (N, C, d1, …, dk).</param>
/// <param name="Risk">Standard deviation over the voters of their logits (population, divisor V), (N, C, d1, …, dk).</param>
/// <param name="Probabilities">Mean over the voters of softmax(logits) along dimension 1, (N, C, d1, …, dk).</param>
/// <param name="MutualInformation">H(mean p) − mean H(p_v) in nats, ≥ 0, (N, d1, …, dk).</param>
public sealed record VoteClassification(Tensor MeanLogits, Tensor Risk, Tensor Probabilities, Tensor MutualInformation);

/// <summary>
/// Capsa's Vote wrapper: an ensemble of <see cref="NVoters"/> independently initialised copies of a model. Training
/// (<c>forward(x, tileAndReduce: false)</c>) splits a batch into <see cref="NVoters"/> equal contiguous parts, one per
/// voter, so each voter sees different data; inference (<see cref="forward(Tensor)"/>, <see cref="ForwardWithRisk"/>)
/// gives every voter the whole input and reduces to the mean prediction, with the voters' standard deviation as risk
/// (and, for classifiers, the mutual information: <see cref="Classify"/>). See
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/wrappers.md">wrappers.md</see>.
/// </summary>
/// <remarks>
/// <para><b>Copies come from a factory.</b> TorchSharp has no generic deep copy of a module (and a copy of a trained
/// model would not be independently initialised anyway), so the wrapper takes a <c>Func</c> that builds a fresh model;
/// it is called <see cref="NVoters"/> times in the constructor, so each voter draws its own initial weights from the
/// global generator (seed it with <c>torch.manual_seed</c> first for reproducible voters).</para>
/// <para><b>Parameters exist at construction</b>: an optimizer can be created from <c>parameters()</c> at once (Capsa
/// creates them at the first call). The voters are registered as a <see cref="ModuleList{T}"/> named <c>voters</c>
/// (state-dict keys <c>voters.0.*</c>, <c>voters.1.*</c>, …): <c>state_dict</c>, <c>save</c>/<c>load</c>,
/// <c>to</c>, <c>train</c>/<c>eval</c> cover them all.</para>
/// <para><b>Loading is all or nothing</b>: <see cref="load_state_dict"/> and every <c>load</c> overload check every key,
/// dtype and shape before copying anything (see
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/wrappers.md#loading-and-validation">wrappers.md, "Loading and validation"</see>).</para>
/// </remarks>
public sealed class VoteWrapper : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<nn.Module<Tensor, Tensor>> voters;
    private readonly nn.Module?[] firstLayers;

    /// <summary>Builds <paramref name="nVoters"/> voters with <paramref name="factory"/>.</summary>
    /// <remarks>The wrapper owns every model the factory returns: when the constructor fails (the factory throws, returns
    /// null, the same instance twice or a model of another structure), it disposes every model returned so far before
    /// rethrowing, so no tensor outlives the failed constructor.</remarks>
    /// <param name="factory">Builds a new, freshly initialised model at every call (never the same instance twice), always
    /// of the same structure: the same state-dict keys with the same shapes, dtypes and devices.</param>
    /// <param name="nVoters">Number of voters, ≥ 1 (Capsa's tutorial uses 8).</param>
    /// <exception cref="ArgumentNullException"><paramref name="factory"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nVoters"/> is below 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="factory"/> returned null, the same module twice, or a module
    /// whose parameters and buffers (names, shapes, dtypes, devices) differ from the first one's.</exception>
    public VoteWrapper(Func<nn.Module<Tensor, Tensor>> factory, int nVoters)
        : base(CheckArguments(factory, nVoters))
    {
        var built = new List<nn.Module<Tensor, Tensor>>(nVoters);
        try
        {
            string[]? structure = null;
            for (int i = 0; i < nVoters; i++)
            {
                var voter = factory()
                    ?? throw Check.Invalid(nameof(factory), "the factory to return a model", Invariant($"null from its call {i + 1}"));
                if (built.Any(b => ReferenceEquals(b, voter)))
                    throw Check.Invalid(nameof(factory), "the factory to build a new model at every call", Invariant($"from its call {i + 1} the same instance as from an earlier call"));
                built.Add(voter);
                structure ??= Structure(voter);
                CheckStructure(structure, Structure(voter), i + 1);
            }

            voters = new ModuleList<nn.Module<Tensor, Tensor>>(built.ToArray());
            register_module("voters", voters);
        }
        catch
        {
            foreach (var voter in built)
                voter.Dispose();
            throw;
        }

        firstLayers = built.Select(WrapperInput.FirstLayer).ToArray();
        NVoters = nVoters;
    }

    /// <summary>Number of voters.</summary>
    public int NVoters { get; }

    /// <summary>The voters, in order (voter v trains on the v-th part of a split batch).</summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor>> Voters => voters.ToArray();

    /// <summary>Inference: every voter gets the whole input; the result is their mean output.</summary>
    /// <param name="input">The model's input, (N, …).</param>
    /// <returns>Mean over the voters of their outputs, the model's output shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="input"/> is disposed, or the voters' first layer can be found
    /// (a <see cref="Linear"/> or convolution, alone or first in a <see cref="Sequential"/>) and the input's shape, dtype or
    /// device is not one it accepts.</exception>
    public override Tensor forward(Tensor input) => forward(input, tileAndReduce: true);

    /// <summary>
    /// <paramref name="tileAndReduce"/> true: as <see cref="forward(Tensor)"/>. False (training, Capsa's
    /// <c>tile_and_reduce=False</c>): the batch of N = k·V rows is split into V contiguous parts of k rows, voter v gets
    /// rows v·k … (v+1)·k − 1, and their outputs are concatenated in the same order, so the result lines up with the
    /// batch's targets: train with the original loss on it.
    /// </summary>
    /// <remarks>Shape: input (N, …); output (N, …) as the model's, N a multiple of <see cref="NVoters"/> when split.</remarks>
    /// <param name="input">The model's input.</param>
    /// <param name="tileAndReduce">Whether to give every voter the whole input and average (inference), or to split it.</param>
    /// <returns>The mean output, or the voters' outputs on their parts.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="input"/> is disposed, or the voters' first layer can be found
    /// (a <see cref="Linear"/> or convolution, alone or first in a <see cref="Sequential"/>) and the input's shape, dtype or
    /// device is not one it accepts.</exception>
    /// <exception cref="ArgumentException">Splitting an input of rank 0, or whose batch size is not a multiple of
    /// <see cref="NVoters"/>.</exception>
    public Tensor forward(Tensor input, bool tileAndReduce)
    {
        WrapperInput.Validate(input, firstLayers);
        if (tileAndReduce)
        {
            using var tiled = NewDisposeScope();
            return VoteStack(input).mean(new long[] { 0 }).MoveToOuterDisposeScope();
        }

        if (input.dim() == 0 || input.shape[0] % NVoters != 0)
            throw Check.Invalid(nameof(input), Invariant($"a batch whose size is a multiple of nVoters = {NVoters} to split across the voters"), "shape " + Check.Shape(input));
        using var scope = NewDisposeScope();
        long k = input.shape[0] / NVoters;
        var outputs = Enumerable.Range(0, NVoters).Select(v => voters[v].call(input.narrow(0, v * k, k))).ToArray();
        return cat(outputs, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Every voter's output on the whole input, stacked: (V, N, …).</summary>
    /// <param name="input">The model's input.</param>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="input"/> is disposed, or the voters' first layer can be found
    /// (a <see cref="Linear"/> or convolution, alone or first in a <see cref="Sequential"/>) and the input's shape, dtype or
    /// device is not one it accepts.</exception>
    public Tensor Votes(Tensor input)
    {
        WrapperInput.Validate(input, firstLayers);
        using var scope = NewDisposeScope();
        return VoteStack(input).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The mean prediction and its risk (Capsa's <c>model(x, return_risk=True)</c>): mean and standard deviation over the
    /// voters, elementwise. The standard deviation divides by V (0 for one voter, never NaN).
    /// </summary>
    /// <remarks>Shape: Prediction and Risk as the model's output (N, …).</remarks>
    /// <param name="input">The model's input.</param>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="input"/> is disposed, or the voters' first layer can be found
    /// (a <see cref="Linear"/> or convolution, alone or first in a <see cref="Sequential"/>) and the input's shape, dtype or
    /// device is not one it accepts.</exception>
    public (Tensor Prediction, Tensor Risk) ForwardWithRisk(Tensor input)
    {
        WrapperInput.Validate(input, firstLayers);
        using var scope = NewDisposeScope();
        var votes = VoteStack(input);
        var (std, mean) = std_mean(votes, new long[] { 0 }, unbiased: false);
        return (mean.MoveToOuterDisposeScope(), std.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// For a classifier whose output is logits (N, C, d1, …, dk): the mean logits and their standard deviation (the risk
    /// of <see cref="ForwardWithRisk"/>), the mean of the voters' probabilities p̄ = (1/V) Σ_v softmax(z_v), and the
    /// mutual information I = H(p̄) − (1/V) Σ_v H(softmax(z_v)), H(p) = −Σ_c p_c ln p_c (Lakshminarayanan et al. 2017;
    /// Depeweg et al. 2018): 0 when the voters agree, up to ln C.
    /// </summary>
    /// <param name="input">The model's input.</param>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="input"/> is disposed, or the voters' first layer can be found
    /// (a <see cref="Linear"/> or convolution, alone or first in a <see cref="Sequential"/>) and the input's shape, dtype or
    /// device is not one it accepts.</exception>
    /// <exception cref="ArgumentException">The model's output has rank below 2 or is not floating point.</exception>
    public VoteClassification Classify(Tensor input)
    {
        WrapperInput.Validate(input, firstLayers);
        using var scope = NewDisposeScope();
        var votes = VoteStack(input);
        if (votes.dim() < 3 || !votes.is_floating_point())
            throw Check.Invalid(nameof(input), "the model to output floating-point logits of shape (N, C, ...)",
                Invariant($"shape {Check.Shape(votes.shape.Skip(1).ToArray())} of {votes.dtype}"));
        var (std, mean) = std_mean(votes, new long[] { 0 }, unbiased: false);
        var logP = votes.log_softmax(2);
        var p = logP.exp();
        var meanP = p.mean(new long[] { 0 });
        var entropyOfMean = -meanP.xlogy(meanP).sum(1);
        var meanEntropy = -(p * logP).sum(2).mean(new long[] { 0 });
        var mutualInformation = (entropyOfMean - meanEntropy).clamp_min(0);
        return new VoteClassification(mean.MoveToOuterDisposeScope(), std.MoveToOuterDisposeScope(),
            meanP.MoveToOuterDisposeScope(), mutualInformation.MoveToOuterDisposeScope());
    }

    /// <inheritdoc cref="SculptWrapper.load_state_dict(Dictionary{string, Tensor}, bool, IList{string}?)"/>
    public override (IList<string> missing_keys, IList<string> unexpected_keyes) load_state_dict(Dictionary<string, Tensor> source, bool strict = true, IList<string>? skip = null) =>
        AllOrNothingLoad.StateDict(this, source, strict, skip);

    /// <inheritdoc cref="SculptWrapper.load(string, bool, IList{string}?, Dictionary{string, bool}?)"/>
#pragma warning disable RS0026 // Overrides of TorchSharp's overloads: the optional parameters are the base declarations'.
    public override nn.Module load(string location, bool strict = true, IList<string>? skip = null, Dictionary<string, bool>? loadedParameters = null) =>
        AllOrNothingLoad.Path(this, location, strict, skip, loadedParameters);

    /// <inheritdoc cref="SculptWrapper.load(BinaryReader, bool, IList{string}?, Dictionary{string, bool}?)"/>
    public override nn.Module load(BinaryReader reader, bool strict = true, IList<string>? skip = null, Dictionary<string, bool>? loadedParameters = null)
    {
        AllOrNothingLoad.File(this, reader, strict, skip, loadedParameters, nameof(reader));
        return this;
    }
#pragma warning restore RS0026

    private Tensor VoteStack(Tensor input) => stack(voters.Select(v => v.call(input)).ToArray(), 0);

    /// <summary>A model's state-dict entries as "key: shape dtype on device", in order.</summary>
    private static string[] Structure(nn.Module model) =>
        model.state_dict().Select(e => Invariant($"'{e.Key}' {Check.Shape(e.Value)} {e.Value.dtype} on {e.Value.device}")).ToArray();

    private static void CheckStructure(string[] first, string[] other, int call)
    {
        for (int j = 0; j < Math.Max(first.Length, other.Length); j++)
        {
            if (j < first.Length && j < other.Length && first[j] == other[j])
                continue;
            string expected = j < first.Length ? first[j] : "no further entry";
            string received = j < other.Length ? other[j] : "no further entry";
            throw Check.Invalid("factory", "every model from the factory to have the first one's parameters and buffers (names, shapes, dtypes, devices)",
                Invariant($"from its call {call} one with {received} where the first has {expected}"));
        }
    }

    private static string Invariant(FormattableString s) => FormattableString.Invariant(s);

    /// <summary>Validates the arguments before the base constructor runs (so before any native call); returns the module name.</summary>
    private static string CheckArguments(Func<nn.Module<Tensor, Tensor>>? factory, int nVoters)
    {
        Check.NotNull(factory, nameof(factory));
        Check.InRange(nVoters >= 1, nVoters, nameof(nVoters), "at least one voter (nVoters >= 1)");
        return "VoteWrapper";
    }
}
