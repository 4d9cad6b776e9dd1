using System;
using System.Threading;

namespace UncertaintyLoss.Internal;

/// <summary>
/// The state behind <see cref="UL.ValidateValues"/> and <see cref="UL.ValidationScope"/>: whether the value checks that
/// read tensor data on the device (<see cref="Check.Values"/>, <see cref="Check.Minima"/>) run, and how many
/// device-to-host transfers they have made (tests observe that none happens with the checks off).
/// </summary>
internal static class ValueChecks
{
    /// <summary>The <see cref="UL.ValidationScope"/> setting of this async flow.</summary>
    private static readonly FlowSetting<bool> Scoped = new();

    private static long hostTransfers;

    /// <summary>Whether value checks run in the current async flow: the innermost <see cref="UL.ValidationScope"/>, else
    /// <see cref="UL.ValidateValues"/>.</summary>
    internal static bool Enabled => Scoped.Value ?? UL.ValidateValues;

    /// <summary>Device-to-host transfers made by value checks since the process began.</summary>
    internal static long HostTransfers => Interlocked.Read(ref hostTransfers);

    /// <summary>Counts one device-to-host transfer of a value check.</summary>
    internal static void CountHostTransfer() => Interlocked.Increment(ref hostTransfers);

    /// <summary>Opens a <see cref="UL.ValidationScope"/>.</summary>
    internal static IDisposable Scope(bool validateValues) => Scoped.Scope(validateValues);
}
