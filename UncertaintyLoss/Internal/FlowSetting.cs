using System;
using System.Threading;

namespace UncertaintyLoss.Internal;

/// <summary>
/// A setting of the current thread and async flow (an <see cref="AsyncLocal{T}"/>: it flows into <c>await</c>
/// continuations and child tasks, and a value set inside a task does not leak out to its caller), changed by scopes that
/// restore the previous value when disposed — once: a second dispose does nothing. Behind <see cref="UL.KernelScope"/>,
/// <see cref="UL.ValidationScope"/> and the tests' <see cref="Kernels.Force"/>.
/// </summary>
/// <typeparam name="T">The setting's type.</typeparam>
internal sealed class FlowSetting<T> where T : struct
{
    private readonly AsyncLocal<T?> value = new();

    /// <summary>The innermost open scope's value in this flow, or null outside any scope.</summary>
    internal T? Value => value.Value;

    /// <summary>Sets <paramref name="setting"/> for this flow until the returned scope is disposed.</summary>
    internal IDisposable Scope(T setting)
    {
        var previous = value.Value;
        value.Value = setting;
        return new Restore(this, previous);
    }

    private sealed class Restore(FlowSetting<T> owner, T? previous) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
                owner.value.Value = previous;
        }
    }
}
