using System;
using NUnit.Framework;
using UncertaintyLoss.Internal;

namespace UncertaintyLoss.Tests;

/// <summary>
/// Runs the whole suite on one kernel path: the environment variable UL_KERNEL_PATH = Auto (default: the fused CPU
/// kernel wherever it applies) or Composed (TorchSharp operations everywhere, the path of other devices and dtypes).
/// CI runs the suite both ways (.ci/run), so every Core test checks both paths.
/// </summary>
[SetUpFixture]
public sealed class KernelPathSetUp
{
    /// <summary>Reads UL_KERNEL_PATH.</summary>
    /// <exception cref="InvalidOperationException">The variable holds something other than Auto or Composed.</exception>
    [OneTimeSetUp]
    public void SelectPath()
    {
        var value = Environment.GetEnvironmentVariable("UL_KERNEL_PATH");
        if (string.IsNullOrEmpty(value))
            return;
        if (!Enum.TryParse<KernelPath>(value, ignoreCase: true, out var path) || path == KernelPath.Fused)
            throw new InvalidOperationException($"UL_KERNEL_PATH must be Auto or Composed, but is '{value}'.");
        Kernels.Default = path;
        TestContext.Progress.WriteLine($"UL_KERNEL_PATH: every test runs on the {path} path.");
    }

    /// <summary>Restores the default.</summary>
    [OneTimeTearDown]
    public void Restore() => Kernels.Default = KernelPath.Auto;
}

/// <summary>The suite-wide path follows UL_KERNEL_PATH (so the CI run "on the composed path" really is).</summary>
[TestFixture]
public sealed class KernelPathSetUpTests
{
    /// <summary>Kernels.Path is the path named by UL_KERNEL_PATH, or Auto without it.</summary>
    [Test]
    public void Path_EnvironmentVariable_IsInForce()
    {
        var value = Environment.GetEnvironmentVariable("UL_KERNEL_PATH");
        var expected = string.IsNullOrEmpty(value) ? KernelPath.Auto : Enum.Parse<KernelPath>(value, ignoreCase: true);
        Assert.That(Kernels.Path, Is.EqualTo(expected));
    }
}
