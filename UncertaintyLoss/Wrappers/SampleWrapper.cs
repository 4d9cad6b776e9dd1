using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using UncertaintyLoss.Internal;
using static TorchSharp.torch;

namespace UncertaintyLoss;

/// <summary>
/// The output of <see cref="SampleWrapper.Classify"/> for a classifier: the samples' mean logits, their standard deviation
/// (the risk), the mean of the samples' softmax probabilities and the mutual information between the prediction and the
/// dropout mask (the epistemic part of the predictive entropy). The fields are those of <see cref="VoteClassification"/>.
/// </summary>
/// <param name="MeanLogits">Mean over the samples of their logits, (N, C, d1, …, dk).</param>
/// <param name="Risk">Standard deviation over the samples of their logits (population, divisor S), (N, C, d1, …, dk).</param>
/// <param name="Probabilities">Mean over the samples of softmax(logits) along dimension 1, (N, C, d1, …, dk).</param>
/// <param name="MutualInformation">H(mean p) − mean H(p_s) in nats, ≥ 0, (N, d1, …, dk).</param>
public sealed record SampleClassification(Tensor MeanLogits, Tensor Risk, Tensor Probabilities, Tensor MutualInformation);

/// <summary>
/// Capsa's Sample wrapper as Monte Carlo dropout (Gal and Ghahramani, "Dropout as a Bayesian Approximation", ICML 2016):
/// at inference (<see cref="forward(Tensor)"/>, <see cref="Samples"/>, <see cref="ForwardWithRisk"/>,
/// <see cref="Classify"/>) the model runs <see cref="NSamples"/> times with its dropout layers active and everything else
/// in evaluation mode, and the wrapper returns the mean prediction with the samples' standard deviation as risk (and,
/// for classifiers, the mutual information), as <see cref="VoteWrapper"/> does over its voters. Training
/// (<c>forward(x, tileAndReduce: false)</c>) is one ordinary pass of the model. See
/// <see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/wrappers.md">wrappers.md</see>.
/// </summary>
/// <remarks>
/// <para><b>Which layers sample.</b> Every <see cref="Dropout"/>, <see cref="Dropout1d"/>, <see cref="Dropout2d"/>,
/// <see cref="Dropout3d"/>, <see cref="AlphaDropout"/> and <see cref="FeatureAlphaDropout"/> module of the model (found
/// through its children, so not the functional <c>dropout</c> inside a custom <c>forward</c>); <see cref="DropoutModules"/>
/// counts them. During an inference call they are in training mode and every other module (BatchNorm's running
/// statistics included) in evaluation mode, whatever <c>train()</c>/<c>eval()</c> set; every module's mode is restored
/// before the call returns. A model without dropout module gives S equal samples: risk and mutual information 0.</para>
/// <para><b>Reproducibility.</b> Dropout draws from the global generator. With a <c>seed</c>, every inference call
/// seeds it (<c>torch.manual_seed</c>, and every CUDA device's when CUDA is available) before the first sample and
/// restores the CPU generator's state afterwards, so equal inputs give equal results and the caller's random stream is
/// not disturbed (the CUDA generators' state cannot be saved in TorchSharp: they stay seeded). Without a seed, calls
/// continue the global stream. Not thread-safe with other users of the global generator.</para>
/// <para>The model is registered as the child <c>model</c> (state-dict keys <c>model.*</c>); the wrapper adds no
/// parameter. <b>Loading is all or nothing</b>, as for the other wrappers
/// (<see href="https://github.com/uncertaintyloss/UncertaintyLoss/blob/main/docs/wrappers.md#loading-and-validation">wrappers.md, "Loading and validation"</see>).</para>
/// </remarks>
public sealed class SampleWrapper : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> model;
    private readonly nn.Module[] allModules;
    private readonly nn.Module[] dropouts;
    private readonly nn.Module? firstLayer;

    /// <summary>Wraps <paramref name="model"/> for Monte Carlo dropout with <paramref name="nSamples"/> passes.</summary>
    /// <param name="model">The model, with dropout modules among its children (at any depth).</param>
    /// <param name="nSamples">Forward passes per inference call, ≥ 1 (Gal and Ghahramani use 10 to 100).</param>
    /// <param name="seed">Seed every inference call with this value (default null: continue the global stream).</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nSamples"/> is below 1.</exception>
    public SampleWrapper(nn.Module<Tensor, Tensor> model, int nSamples, long? seed = null)
        : base(CheckArguments(model, nSamples))
    {
        this.model = model;
        NSamples = nSamples;
        Seed = seed;
        var all = new List<nn.Module>();
        Collect(model, all);
        allModules = all.ToArray();
        dropouts = allModules.Where(m => m is Dropout or Dropout1d or Dropout2d or Dropout3d or AlphaDropout or FeatureAlphaDropout).ToArray();
        firstLayer = WrapperInput.FirstLayer(model);
        register_module("model", model);
    }

    /// <summary>Forward passes per inference call.</summary>
    public int NSamples { get; }

    /// <summary>The seed of every inference call, or null.</summary>
    public long? Seed { get; }

    /// <summary>The number of dropout modules found in the model (0: every sample is the same).</summary>
    public int DropoutModules => dropouts.Length;

    /// <summary>The wrapped model (its parameters are shared, not copied).</summary>
    public nn.Module<Tensor, Tensor> Model => model;

    /// <summary>Inference: the mean of <see cref="NSamples"/> passes with dropout active.</summary>
    /// <param name="input">The model's input, (N, …).</param>
    /// <returns>Mean over the samples of the model's outputs, the model's output shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="input"/> is disposed, or the model's first layer can be found
    /// (a <see cref="Linear"/> or convolution, alone or first in a <see cref="Sequential"/>) and the input's shape, dtype or
    /// device is not one it accepts.</exception>
    public override Tensor forward(Tensor input) => forward(input, tileAndReduce: true);

    /// <summary>
    /// <paramref name="tileAndReduce"/> true: as <see cref="forward(Tensor)"/>. False (training): one pass of the model as
    /// it is, in the modes <c>train()</c>/<c>eval()</c> set; train with the original loss on it.
    /// </summary>
    /// <param name="input">The model's input.</param>
    /// <param name="tileAndReduce">Whether to sample and average (inference), or to run the model once.</param>
    /// <returns>The mean output, or the model's output.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="input"/> is disposed, or the model's first layer can be found
    /// (a <see cref="Linear"/> or convolution, alone or first in a <see cref="Sequential"/>) and the input's shape, dtype or
    /// device is not one it accepts.</exception>
    public Tensor forward(Tensor input, bool tileAndReduce)
    {
        WrapperInput.Validate(input, firstLayer);
        using var scope = NewDisposeScope();
        var result = tileAndReduce ? SampleStack(input).mean(new long[] { 0 }) : model.call(input);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Every sample's output on the input, stacked: (S, N, …).</summary>
    /// <param name="input">The model's input.</param>
    /// <returns>The S outputs with dropout active.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="input"/> is disposed, or the model's first layer can be found
    /// (a <see cref="Linear"/> or convolution, alone or first in a <see cref="Sequential"/>) and the input's shape, dtype or
    /// device is not one it accepts.</exception>
    public Tensor Samples(Tensor input)
    {
        WrapperInput.Validate(input, firstLayer);
        using var scope = NewDisposeScope();
        return SampleStack(input).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The mean prediction and its risk (Capsa's <c>model(x, return_risk=True)</c>): mean and standard deviation over the
    /// samples, elementwise. The standard deviation divides by S (0 for one sample, never NaN).
    /// </summary>
    /// <remarks>Shape: Prediction and Risk as the model's output (N, …).</remarks>
    /// <param name="input">The model's input.</param>
    /// <returns>(mean, population standard deviation) over the samples.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="input"/> is disposed, or the model's first layer can be found
    /// (a <see cref="Linear"/> or convolution, alone or first in a <see cref="Sequential"/>) and the input's shape, dtype or
    /// device is not one it accepts.</exception>
    public (Tensor Prediction, Tensor Risk) ForwardWithRisk(Tensor input)
    {
        WrapperInput.Validate(input, firstLayer);
        using var scope = NewDisposeScope();
        var (std, mean) = std_mean(SampleStack(input), new long[] { 0 }, unbiased: false);
        return (mean.MoveToOuterDisposeScope(), std.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// For a classifier whose output is logits (N, C, d1, …, dk): the mean logits and their standard deviation (the risk
    /// of <see cref="ForwardWithRisk"/>), the mean of the samples' probabilities p̄ = (1/S) Σ_s softmax(z_s), and the
    /// mutual information I = H(p̄) − (1/S) Σ_s H(softmax(z_s)), H(p) = −Σ_c p_c ln p_c (Gal, Islam and Ghahramani 2017,
    /// "BALD"): 0 when every sample agrees, up to ln C.
    /// </summary>
    /// <param name="input">The model's input.</param>
    /// <returns>The four tensors of <see cref="SampleClassification"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="input"/> is disposed, or the model's first layer can be found
    /// (a <see cref="Linear"/> or convolution, alone or first in a <see cref="Sequential"/>) and the input's shape, dtype or
    /// device is not one it accepts.</exception>
    /// <exception cref="ArgumentException">The model's output has rank below 2 or is not floating point.</exception>
    public SampleClassification Classify(Tensor input)
    {
        WrapperInput.Validate(input, firstLayer);
        using var scope = NewDisposeScope();
        var samples = SampleStack(input);
        if (samples.dim() < 3 || !samples.is_floating_point())
            throw Check.Invalid(nameof(input), "the model to output floating-point logits of shape (N, C, ...)",
                Check.Inv($"shape {Check.Shape(samples.shape.Skip(1).ToArray())} of {samples.dtype}"));
        var (std, mean) = std_mean(samples, new long[] { 0 }, unbiased: false);
        var logP = samples.log_softmax(2);
        var p = logP.exp();
        var meanP = p.mean(new long[] { 0 });
        var entropyOfMean = -meanP.xlogy(meanP).sum(1);
        var meanEntropy = -(p * logP).sum(2).mean(new long[] { 0 });
        var mutualInformation = (entropyOfMean - meanEntropy).clamp_min(0);
        return new SampleClassification(mean.MoveToOuterDisposeScope(), std.MoveToOuterDisposeScope(),
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

    /// <summary>S passes with the dropout modules in training mode and the rest in evaluation mode; modes (and, with a
    /// seed, the CPU generator's state) restored afterwards.</summary>
    private Tensor SampleStack(Tensor input)
    {
        var saved = allModules.Select(m => m.training).ToArray();
        Tensor? rngState = null;
        try
        {
            model.eval();
            foreach (var d in dropouts)
                d.train();
            if (Seed is { } seed)
            {
                rngState = torch.random.get_rng_state();
                rngState.DetachFromDisposeScope();
                torch.random.manual_seed(seed);
                if (torch.cuda.is_available())
                    torch.cuda.manual_seed_all(seed);
            }

            var outputs = new Tensor[NSamples];
            for (int s = 0; s < NSamples; s++)
                outputs[s] = model.call(input);
            return stack(outputs, 0);
        }
        finally
        {
            if (rngState is not null)
            {
                torch.random.set_rng_state(rngState);
                rngState.Dispose();
            }

            for (int i = 0; i < allModules.Length; i++)                 // parents first: each child then gets its own flag
                allModules[i].train(saved[i]);
        }
    }

    /// <summary>The module and its descendants, parents before children.</summary>
    private static void Collect(nn.Module module, List<nn.Module> all)
    {
        all.Add(module);
        foreach (var (_, child) in module.named_children())
            Collect(child, all);
    }

    /// <summary>Validates the arguments before the base constructor runs (so before any native call); returns the module name.</summary>
    private static string CheckArguments(nn.Module<Tensor, Tensor>? model, int nSamples)
    {
        Check.NotNull(model, nameof(model));
        Check.InRange(nSamples >= 1, nSamples, nameof(nSamples), "at least one sample (nSamples >= 1)");
        return "SampleWrapper";
    }
}
