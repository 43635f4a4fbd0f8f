using System.Runtime.InteropServices;

namespace Halon.LoadGen;

/// <summary>The process's open-file limit (RLIMIT_NOFILE): every virtual satellite holds several sockets.</summary>
internal static partial class FileLimit
{
    private const int ResourceOpenFiles = 7; // RLIMIT_NOFILE on Linux

    /// <summary>Raises the soft limit to the hard one; returns both, before and after.</summary>
    public static (ulong Before, ulong After, ulong Hard) RaiseToHard()
    {
        if (!OperatingSystem.IsLinux())
        {
            return (0, 0, 0);
        }

        var limit = default(RLimit);
        if (GetRLimit(ResourceOpenFiles, ref limit) != 0)
        {
            return (0, 0, 0);
        }

        var before = limit.Current;
        if (limit.Current < limit.Maximum)
        {
            limit.Current = limit.Maximum;
            _ = SetRLimit(ResourceOpenFiles, ref limit);
            _ = GetRLimit(ResourceOpenFiles, ref limit);
        }

        return (before, limit.Current, limit.Maximum);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, ref RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, ref RLimit limit);
}
