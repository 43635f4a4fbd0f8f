namespace Halon.Transport.Tcp.Security;

/// <summary>The warning a file holding a secret (a cluster key, a private key) earns when others can read or write it.</summary>
internal static class SecretFiles
{
    /// <summary>A warning naming <paramref name="what"/> and <paramref name="path"/>, or null when only its owner can use it (or on Windows).</summary>
    public static string? Warning(string what, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
        return (File.GetUnixFileMode(path) & others) != 0 ? $"{what} {path} is readable or writable by other users; chmod 600 it" : null;
    }
}
