using System;
using System.IO;
using NUnit.Framework;
using UncertaintyLoss.Demo;

namespace UncertaintyLoss.BenchmarkRunner.Tests;

/// <summary>Where <see cref="FashionMnist"/> (samples/Shared, linked into the runner) looks for the data, and what it says when it is missing.</summary>
[TestFixture]
public sealed class FashionMnistDataTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Path.Combine(Path.GetTempPath(), "ul-fashion-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Test]
    public void LocateNeedsAllFourFilesRawOrGzipped()
    {
        Directory.CreateDirectory(_dir);
        Assert.That(FashionMnist.Locate(_dir), Is.Null);
        File.WriteAllBytes(Path.Combine(_dir, "train-images-idx3-ubyte.gz"), Array.Empty<byte>());
        File.WriteAllBytes(Path.Combine(_dir, "train-labels-idx1-ubyte"), Array.Empty<byte>());
        File.WriteAllBytes(Path.Combine(_dir, "t10k-images-idx3-ubyte.gz"), Array.Empty<byte>());
        Assert.That(FashionMnist.Locate(_dir), Is.Null);
        File.WriteAllBytes(Path.Combine(_dir, "t10k-labels-idx1-ubyte.gz"), Array.Empty<byte>());
        Assert.That(FashionMnist.Locate(_dir), Is.EqualTo(_dir));
    }

    [Test]
    public void MissingDataMessage_NamesTheDirectoryAndHowToGetTheData()
    {
        Assert.That(FashionMnist.MissingDataMessage("/nonexistent"),
            Does.Contain("/nonexistent").And.Contain("apt-get install dataset-fashion-mnist").And.Contain("./data"));
        Assert.That(FashionMnist.MissingDataMessage(null), Does.Contain("./data").And.Contain(FashionMnist.SystemDirectory));
    }
}
