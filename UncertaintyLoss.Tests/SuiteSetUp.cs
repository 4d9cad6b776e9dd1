using UncertaintyLoss.Internal;

namespace UncertaintyLoss.Tests;

/// <summary>
/// Settings of the whole run, read from the environment:
/// <list type="bullet">
/// <item><c>UL_KERNEL_PATH</c> = Auto (default: the fused CPU kernel wherever it applies) or Composed (TorchSharp
/// operations everywhere, the path of other devices and dtypes). CI runs the suite both ways (.ci/run).</item>
/// <item><c>UL_KERNEL_WIDTH</c> = Auto (default: the fused kernels' 512-bit copy where the CPU runs 512-bit vectors
/// fast, else <see cref="System.Numerics.Vector{T}"/>) or Vector (<see cref="System.Numerics.Vector{T}"/> everywhere). CI
/// runs the suite both ways (.ci/run).</item>
/// <item><c>UL_FSCHECK_SEED</c> = random or a number: fresh FsCheck seeds (<see cref="Seeds"/>); the base seed is printed.</item>
/// </list>
/// </summary>
[SetUpFixture]
public sealed class SuiteSetUp
{
    /// <summary>Reads the settings.</summary>
    /// <exception cref="InvalidOperationException">UL_KERNEL_PATH holds something other than Auto or Composed, or
    /// UL_KERNEL_WIDTH something other than Auto or Vector.</exception>
    [OneTimeSetUp]
    public void Read()
    {
        if (Seeds.Base is ulong b)
            TestContext.Progress.WriteLine($"FsCheck base seed: {b} (replay this run with {Seeds.Variable}={b})");
        var width = Environment.GetEnvironmentVariable("UL_KERNEL_WIDTH");
        if (!string.IsNullOrEmpty(width))
        {
            if (!width.Equals("Auto", StringComparison.OrdinalIgnoreCase) && !width.Equals("Vector", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException($"Expected UL_KERNEL_WIDTH to be Auto or Vector, but received '{width}'.");
            Kernels.DefaultVectorT = width.Equals("Vector", StringComparison.OrdinalIgnoreCase);
            TestContext.Progress.WriteLine($"UL_KERNEL_WIDTH: the fused kernels run on {(Kernels.UseVector512 ? "512-bit vectors" : $"Vector<T> ({System.Numerics.Vector<double>.Count} doubles)")}.");
        }

        var value = Environment.GetEnvironmentVariable("UL_KERNEL_PATH");
        if (string.IsNullOrEmpty(value))
            return;
        if (!Enum.TryParse<KernelPath>(value, ignoreCase: true, out var path) || path == KernelPath.Fused)
            throw new InvalidOperationException($"Expected UL_KERNEL_PATH to be Auto or Composed, but received '{value}'.");
        Kernels.Default = path;
        TestContext.Progress.WriteLine($"UL_KERNEL_PATH: every test runs on the {path} path.");
    }

    /// <summary>Restores the default path; prints the run's garbage collections (docs/testing.md, "TorchSharp's implicit Scalars").</summary>
    [OneTimeTearDown]
    public void Restore()
    {
        Kernels.Default = KernelPath.Auto;
        Kernels.DefaultVectorT = false;
        TestContext.Progress.WriteLine(FormattableString.Invariant(
            $"Garbage collections in this run: gen0 {GC.CollectionCount(0)}, gen1 {GC.CollectionCount(1)}, gen2 {GC.CollectionCount(2)}"));
    }
}
