using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Linq;
using NUnit.Framework;
using UncertaintyLoss.Demo;
using UncertaintyLoss.Tests.TestSupport;

namespace UncertaintyLoss.BenchmarkRunner.Tests;

/// <summary><see cref="IdxReader"/> (samples/Shared, linked into the runner) on small IDX files written to a temporary directory.</summary>
[TestFixture]
public sealed class IdxReaderTests
{
    private const string FashionLabels = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz";
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "ul-idx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static byte[] Header(int magic, params int[] dims)
    {
        var bytes = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int d = 0; d < dims.Length; d++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        }

        return bytes;
    }

    private static byte[] ImagesFile(int count, int rows, int cols) =>
        Header(IdxReader.ImagesMagic, count, rows, cols)
            .Concat(Enumerable.Range(0, count * rows * cols).Select(i => (byte)(i * 37 % 256))).ToArray();

    private static byte[] LabelsFile(int count) =>
        Header(IdxReader.LabelsMagic, count).Concat(Enumerable.Range(0, count).Select(i => (byte)(i % 10))).ToArray();

    private string Write(string name, byte[] content, bool gzip)
    {
        var path = Path.Combine(_dir, gzip ? name + ".gz" : name);
        if (gzip)
        {
            using var file = File.Create(path);
            using var stream = new GZipStream(file, CompressionLevel.Fastest);
            stream.Write(content);
        }
        else
        {
            File.WriteAllBytes(path, content);
        }

        return path;
    }

    [TestCase(false)]
    [TestCase(true)]
    public void ReadsImages(bool gzip)
    {
        var path = Write("images-idx3-ubyte", ImagesFile(3, 28, 28), gzip);
        var images = IdxReader.ReadImages(path);
        Assert.That((images.Count, images.Rows, images.Columns), Is.EqualTo((3, 28, 28)));
        Assert.That(images.Pixels, Has.Length.EqualTo(3 * 28 * 28));
        for (int i = 0; i < images.Pixels.Length; i++)
        {
            Assert.That(images.Pixels[i], Is.EqualTo(i * 37 % 256 / 255f));
        }

        Assert.That(images.Pixels.Min(), Is.GreaterThanOrEqualTo(0f));
        Assert.That(images.Pixels.Max(), Is.EqualTo(1f));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void ReadsLabels(bool gzip)
    {
        var path = Write("labels-idx1-ubyte", LabelsFile(25), gzip);
        Assert.That(IdxReader.ReadLabels(path), Is.EqualTo(Enumerable.Range(0, 25).Select(i => (long)(i % 10)).ToArray()));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void ReadsDatasetAsTensors(bool gzip)
    {
        var (images, labels) = IdxReader.ReadDataset(
            Write("images-idx3-ubyte", ImagesFile(4, 28, 28), gzip), Write("labels-idx1-ubyte", LabelsFile(4), gzip));
        using (images)
        using (labels)
        {
            Assert.That(images.shape, Is.EqualTo(new long[] { 4, 1, 28, 28 }));
            Assert.That(images.dtype, Is.EqualTo(TorchSharp.torch.ScalarType.Float32));
            Assert.That(labels.shape, Is.EqualTo(new long[] { 4 }));
            Assert.That(labels.dtype, Is.EqualTo(TorchSharp.torch.ScalarType.Int64));
            Assert.That(images[1, 0, 0, 0].item<float>(), Is.EqualTo(28 * 28 * 37 % 256 / 255f));
            Assert.That(labels.data<long>().ToArray(), Is.EqualTo(new long[] { 0, 1, 2, 3 }));
        }
    }

    [Test]
    public void WrongMagicNamesTheFile()
    {
        var labels = Write("labels-idx1-ubyte", LabelsFile(5), gzip: false);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(labels));
        Assert.That(e!.Message, Does.Contain(labels).And.Contain("magic"));
        var images = Write("images-idx3-ubyte", ImagesFile(1, 2, 2), gzip: true);
        e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(images));
        Assert.That(e!.Message, Does.Contain(images).And.Contain("magic"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void TruncatedHeaderNamesTheFile(bool gzip)
    {
        var path = Write("images-idx3-ubyte", ImagesFile(2, 28, 28).Take(10).ToArray(), gzip);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.That(e!.Message, Does.Contain(path).And.Contain("truncated"));
        var empty = Write("empty", Array.Empty<byte>(), gzip: false);
        e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(empty));
        Assert.That(e!.Message, Does.Contain(empty).And.Contain("truncated"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void TruncatedDataNamesTheFile(bool gzip)
    {
        var full = ImagesFile(2, 28, 28);
        var path = Write("images-idx3-ubyte", full.Take(full.Length - 1).ToArray(), gzip);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.That(e!.Message, Does.Contain(path).And.Contain("truncated"));
        var labels = LabelsFile(10);
        var labelsPath = Write("labels-idx1-ubyte", labels.Take(labels.Length - 3).ToArray(), gzip);
        e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(labelsPath));
        Assert.That(e!.Message, Does.Contain(labelsPath).And.Contain("truncated"));
    }

    [Test]
    public void TruncatedGzipStreamNamesTheFile()
    {
        var good = Write("labels-idx1-ubyte", LabelsFile(1000), gzip: true);
        var bytes = File.ReadAllBytes(good);
        var path = Write("cut-labels-idx1-ubyte.gz", bytes.Take(bytes.Length / 2).ToArray(), gzip: false);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));
        Assert.That(e!.Message, Does.Contain(path));
    }

    [Test]
    public void MismatchedCountsNameBothFiles()
    {
        var images = Write("images-idx3-ubyte", ImagesFile(3, 28, 28), gzip: false);
        var labels = Write("labels-idx1-ubyte", LabelsFile(4), gzip: true);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadDataset(images, labels));
        Assert.That(e!.Message, Does.Contain(images).And.Contain(labels).And.Contain("3").And.Contain("4"));
    }

    [Test]
    public void ReadsFashionMnistTrainingLabelsWhenInstalled()
    {
        Requires.Path(FashionLabels, "apt-get install dataset-fashion-mnist");
        var labels = IdxReader.ReadLabels(FashionLabels);
        Assert.That(labels, Has.Length.EqualTo(60000));
        Assert.That(labels, Is.All.InRange(0L, 9L));
        Assert.That(labels.Distinct().Count(), Is.EqualTo(10));
    }
}
