using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using static TorchSharp.torch;

namespace UncertaintyLoss.Demo;

/// <summary>Images read from an IDX file: <c>Count</c> images of <c>Rows</c> × <c>Columns</c> pixels scaled to [0, 1].</summary>
/// <param name="Pixels">Count · Rows · Columns values, image by image, row-major.</param>
/// <param name="Count">Number of images.</param>
/// <param name="Rows">Pixel rows per image.</param>
/// <param name="Columns">Pixel columns per image.</param>
public sealed record IdxImages(float[] Pixels, int Count, int Rows, int Columns)
{
    /// <summary>The images as a Float32 tensor of shape (Count, 1, Rows, Columns).</summary>
    public Tensor ToTensor() => tensor(Pixels, new long[] { Count, 1, Rows, Columns });
}

/// <summary>
/// Reads IDX files, the MNIST / Fashion-MNIST format: a big-endian magic (0x00000803 for unsigned-byte images,
/// 0x00000801 for unsigned-byte labels), big-endian 32-bit dimensions, then the bytes. Gzip-compressed files
/// (starting with 1F 8B) are decompressed transparently. Malformed files throw <see cref="InvalidDataException"/>
/// naming the file.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic number of an unsigned-byte, 3-dimensional IDX file (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an unsigned-byte, 1-dimensional IDX file (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Reads an images file (N × rows × columns unsigned bytes) and scales the pixels to [0, 1].</summary>
    public static IdxImages ReadImages(string path)
    {
        var bytes = ReadAllBytes(path);
        var dims = ReadHeader(bytes, path, ImagesMagic, 3);
        CheckLength(bytes, 16 + (double)dims[0] * dims[1] * dims[2], path);
        var pixels = new float[dims[0] * dims[1] * dims[2]];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = bytes[16 + i] / 255f;
        }

        return new IdxImages(pixels, (int)dims[0], (int)dims[1], (int)dims[2]);
    }

    /// <summary>Reads a labels file (N unsigned bytes).</summary>
    public static long[] ReadLabels(string path)
    {
        var bytes = ReadAllBytes(path);
        var dims = ReadHeader(bytes, path, LabelsMagic, 1);
        CheckLength(bytes, 8 + dims[0], path);
        var labels = new long[dims[0]];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = bytes[8 + i];
        }

        return labels;
    }

    /// <summary>
    /// Reads a matching pair of files as tensors: images (N, 1, rows, columns) Float32 in [0, 1] and labels (N) Int64.
    /// Throws <see cref="InvalidDataException"/> when the counts differ.
    /// </summary>
    public static (Tensor Images, Tensor Labels) ReadDataset(string imagesPath, string labelsPath)
    {
        var images = ReadImages(imagesPath);
        var labels = ReadLabels(labelsPath);
        if (images.Count != labels.Length)
        {
            throw new InvalidDataException(
                $"IDX count mismatch: '{imagesPath}' has {images.Count} images but '{labelsPath}' has {labels.Length} labels.");
        }

        return (images.ToTensor(), tensor(labels, new long[] { labels.Length }));
    }

    /// <summary>The file's content, decompressed when it starts with the gzip magic 1F 8B.</summary>
    private static byte[] ReadAllBytes(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var raw = File.ReadAllBytes(path);
        if (raw.Length < 2 || raw[0] != 0x1F || raw[1] != 0x8B)
        {
            return raw;
        }

        try
        {
            using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new InvalidDataException($"'{path}' is not a valid gzip file: {e.Message}", e);
        }
    }

    /// <summary>Checks the magic and returns the dimensions.</summary>
    private static long[] ReadHeader(byte[] bytes, string path, int magic, int rank)
    {
        int headerLength = 4 + 4 * rank;
        if (bytes.Length >= 4)
        {
            int actual = BinaryPrimitives.ReadInt32BigEndian(bytes);
            if (actual != magic)
            {
                throw new InvalidDataException(
                    $"'{path}' has IDX magic 0x{actual:X8}, expected 0x{magic:X8} ({(magic == ImagesMagic ? "unsigned-byte images" : "unsigned-byte labels")}).");
            }
        }

        if (bytes.Length < headerLength)
        {
            throw new InvalidDataException(
                $"'{path}' is truncated: {bytes.Length} bytes, shorter than the {headerLength}-byte IDX header.");
        }

        var dims = new long[rank];
        for (int d = 0; d < rank; d++)
        {
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * d));
            if (dims[d] < 0)
            {
                throw new InvalidDataException($"'{path}' has a negative IDX dimension {dims[d]}.");
            }
        }

        return dims;
    }

    /// <summary>Checks that the content holds the <paramref name="expected"/> bytes the header announces.</summary>
    private static void CheckLength(byte[] bytes, double expected, string path)
    {
        if (expected > Array.MaxLength)
        {
            throw new InvalidDataException($"'{path}' announces {expected} bytes, too large to read.");
        }

        if (bytes.Length < expected)
        {
            throw new InvalidDataException($"'{path}' is truncated: {bytes.Length} bytes, the header announces {expected}.");
        }
    }
}
