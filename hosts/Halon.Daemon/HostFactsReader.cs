using System.Globalization;
using Halon.Core;
using Halon.Core.Messages;

namespace Halon.Daemon;

/// <summary>What a satellite reports about its host: name, logical CPUs, and memory from /proc/meminfo.</summary>
internal static class HostFactsReader
{
    public static HostFacts Read()
    {
        var hostname = Environment.MachineName;
        if (string.IsNullOrWhiteSpace(hostname))
        {
            hostname = "unknown";
        }

        if (hostname.Length > Limits.HostnameLengthMax)
        {
            hostname = hostname[..Limits.HostnameLengthMax];
        }

        return new HostFacts(hostname, Math.Max(1, Environment.ProcessorCount), MemoryMiB());
    }

    /// <summary>MemTotal from /proc/meminfo in MiB, or 0 where it cannot be read.</summary>
    internal static long MemoryMiB(string path = "/proc/meminfo")
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (!line.StartsWith("MemTotal:", StringComparison.Ordinal))
                {
                    continue;
                }

                var parts = line["MemTotal:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 1 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
                {
                    return kib / 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return 0;
    }
}
