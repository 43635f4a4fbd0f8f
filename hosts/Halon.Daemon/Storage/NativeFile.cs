using System.Runtime.InteropServices;

namespace Halon.Daemon.Storage;

/// <summary>
/// fsync of a directory, which .NET has no API for: after a rename, the directory entry is durable only once the
/// directory itself is synced.
/// </summary>
internal static partial class NativeFile
{
    private const int ReadOnly = 0;

    /// <summary>Syncs <paramref name="directory"/>; throws <see cref="IOException"/> on failure.</summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            return; // Elsewhere a rename is durable by the file system's own rules; halond targets Linux.
        }

        var fd = Open(directory, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {directory} to sync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (FSync(fd) != 0)
            {
                throw new IOException($"cannot sync directory {directory} (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
