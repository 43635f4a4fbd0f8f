using System.Globalization;

namespace Halon.LoadGen;

/// <summary>A station peer's resident memory and CPU time, read from <c>/proc/PID</c>.</summary>
internal sealed record ProcessSample(int Pid, long RssKiB, long PeakRssKiB, double CpuSeconds)
{
    /// <summary>Clock ticks per second of <c>/proc/PID/stat</c> (USER_HZ, 100 on Linux).</summary>
    private const double ClockTicksPerSecond = 100;

    /// <summary>Reads the sample, or null when the process is gone.</summary>
    public static ProcessSample? Read(int pid)
    {
        try
        {
            long rss = 0;
            long peak = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = KiB(line);
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    peak = KiB(line);
                }
            }

            // Fields after the command name (which may hold spaces) start after its closing parenthesis; utime and
            // stime are fields 14 and 15 of the line, 12 and 13 after it.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return new ProcessSample(pid, rss, peak, ticks / ClockTicksPerSecond);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static long KiB(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
