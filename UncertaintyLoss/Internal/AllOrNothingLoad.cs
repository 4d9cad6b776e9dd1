using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace UncertaintyLoss.Internal;

/// <summary>
/// All-or-nothing loading for the wrappers: every key, dtype and shape is checked against the module's
/// <c>state_dict()</c> before the first copy, so a rejected load leaves every parameter and buffer as it was. TorchSharp's
/// own <c>Module.load_state_dict</c> and <c>Module.load</c> copy (or read) entry by entry and stop at the first mismatch,
/// leaving the entries before it overwritten.
/// </summary>
internal static class AllOrNothingLoad
{
    /// <summary>
    /// <c>load_state_dict</c> semantics: keys in <paramref name="skip"/> are neither loaded nor counted as missing or
    /// unexpected; with <paramref name="strict"/> every other key must match the module's.
    /// </summary>
    internal static (IList<string> Missing, IList<string> Unexpected) StateDict(nn.Module module, Dictionary<string, Tensor> source, bool strict, IList<string>? skip)
    {
        Check.NotNull(source, nameof(source));
        return Apply(module, source, strict, skip, skipExemptsKeys: true, "the state dict", nameof(source));
    }

    /// <summary>As <see cref="File(nn.Module, BinaryReader, bool, IList{string}?, Dictionary{string, bool}?, string)"/>, from the file at
    /// <paramref name="location"/>; returns <paramref name="module"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="location"/>.</exception>
    internal static nn.Module Path(nn.Module module, string location, bool strict, IList<string>? skip, Dictionary<string, bool>? loadedParameters)
    {
        if (!System.IO.File.Exists(location))
            throw new FileNotFoundException(location);
        using var stream = System.IO.File.OpenRead(location);
        using var reader = new BinaryReader(stream);
        File(module, reader, strict, skip, loadedParameters, nameof(location));
        return module;
    }

    /// <summary>
    /// <c>Module.load(reader)</c> semantics on TorchSharp's format (a LEB128 entry count, then per entry a string key and a
    /// tensor as written by <c>Tensor.Save</c>): the whole stream is read into temporary tensors first (disposed on
    /// return), then checked, then copied. As in TorchSharp, <paramref name="skip"/> only keeps entries from being copied;
    /// with <paramref name="strict"/> the file's keys must be exactly the module's. <paramref name="loadedParameters"/>
    /// gets, after a successful load, every key of the file and whether the module has it.
    /// </summary>
    internal static void File(nn.Module module, BinaryReader reader, bool strict, IList<string>? skip, Dictionary<string, bool>? loadedParameters, string paramName)
    {
        Check.NotNull(reader, paramName);
        using var scope = NewDisposeScope();
        var source = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var order = new List<string>();
        long count = DecodeLength(reader);
        for (long i = 0; i < count; i++)
        {
            var key = reader.ReadString();
            source[key] = Tensor.Load(reader);
            order.Add(key);
        }

        Apply(module, source, strict, skip, skipExemptsKeys: false, "the file", paramName);
        if (loadedParameters is not null)
        {
            var destination = module.state_dict();
            foreach (var key in order)
                loadedParameters[key] = destination.ContainsKey(key);
        }
    }

    private static (IList<string> Missing, IList<string> Unexpected) Apply(
        nn.Module module, Dictionary<string, Tensor> source, bool strict, IList<string>? skip, bool skipExemptsKeys, string what, string paramName)
    {
        skip ??= Array.Empty<string>();
        var destination = module.state_dict();
        var missing = new List<string>();
        var unexpected = new List<string>();
        foreach (var (key, target) in destination)
        {
            if (!source.TryGetValue(key, out var value))
            {
                if (skipExemptsKeys && skip.Contains(key))
                    continue;
                if (strict)
                    throw Rejected($"key '{key}' in {what} (strict load)", $"{what} with the key missing", paramName);
                missing.Add(key);
                continue;
            }

            if (skip.Contains(key))
                continue;
            if (value is null || value.IsInvalid)
                throw Rejected($"a live tensor for '{key}' in {what}", $"a null or disposed one", paramName);
            if (value.dtype != target.dtype)
                throw Rejected($"'{key}' of dtype {target.dtype}", $"{value.dtype} in {what}", paramName);
            if (!value.shape.SequenceEqual(target.shape))
                throw Rejected($"'{key}' of shape {Check.Shape(target)}", $"shape {Check.Shape(value)} in {what}", paramName);
        }

        foreach (var key in source.Keys)
        {
            if (destination.ContainsKey(key) || (skipExemptsKeys && skip.Contains(key)))
                continue;
            if (strict)
                throw Rejected($"only the module's keys in {what} (strict load)", $"'{key}', which the module does not have", paramName);
            unexpected.Add(key);
        }

        using var noGrad = no_grad();
        foreach (var (key, target) in destination)
        {
            if (source.TryGetValue(key, out var value) && !skip.Contains(key))
                target.copy_(value);
        }

        return (missing, unexpected);
    }

    private static ArgumentException Rejected(FormattableString expected, FormattableString received, string paramName) =>
        Check.Invalid(paramName, Check.Inv(expected), Check.Inv(received), "nothing was loaded");

    /// <summary>TorchSharp's LEB128 length (its codec is internal).</summary>
    private static long DecodeLength(BinaryReader reader)
    {
        long result = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (shift > 63)
                throw new InvalidDataException("The state-dict length prefix is longer than 64 bits: not a file written by save.");
            long b = reader.ReadByte();
            result |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0)
                return result;
        }
    }
}
