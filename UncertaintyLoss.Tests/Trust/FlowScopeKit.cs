using System.Threading;
using System.Threading.Tasks;

namespace UncertaintyLoss.Tests.Trust;

/// <summary>
/// The thread and async-flow behaviour shared by the library's scopes (<see cref="UL.KernelScope"/>,
/// <see cref="UL.ValidationScope"/>): each helper opens a scope with <c>open</c> and reads the setting in force with
/// <c>read</c>, where the test needs it.
/// </summary>
public static class FlowScopeKit
{
    /// <summary>Opens a scope in one thread and, while it is open there, reads the setting in that thread and in another
    /// thread running at the same time.</summary>
    public static (T InScope, T Other) ReadWhileOpenInAnotherThread<T>(Func<IDisposable> open, Func<T> read)
    {
        using var opened = new ManualResetEventSlim();
        using var checkedOther = new ManualResetEventSlim();
        T inScope = default!, other = default!;
        var a = new Thread(() =>
        {
            using (open())
            {
                inScope = read();
                opened.Set();
                checkedOther.Wait();
            }
        });
        var b = new Thread(() =>
        {
            opened.Wait();
            other = read();
            checkedOther.Set();
        });
        a.Start();
        b.Start();
        a.Join();
        b.Join();
        return (inScope, other);
    }

    /// <summary>Reads the setting in a new thread (which sees only process-wide settings).</summary>
    public static T ReadInNewThread<T>(Func<T> read)
    {
        T seen = default!;
        var t = new Thread(() => seen = read());
        t.Start();
        t.Join();
        return seen;
    }

    /// <summary>Reads the setting inside an async method that opens a scope and does not dispose it (after an await), and
    /// in its caller after it returned.</summary>
    public static async Task<(T Inside, T Caller)> ReadAroundAnUndisposedScopeInAnAsyncMethod<T>(Func<IDisposable> open, Func<T> read)
    {
        async Task<T> Inner()
        {
            open();   // deliberately not disposed
            await Task.Yield();
            return read();
        }

        var inside = await Inner();
        return (inside, read());
    }
}
