using System.Diagnostics;

namespace Halon.Transport.Tcp.Connections;

/// <summary>
/// Lets one log line per key through per window, and counts the ones it held back, so a flood of bad connections or
/// dropped messages cannot flood the log. Thread-safe; at most <see cref="KeysMax"/> keys are remembered.
/// </summary>
public sealed class LogThrottle
{
    /// <summary>Keys remembered at once; when full, all are forgotten (the next line of each key passes).</summary>
    public const int KeysMax = 4096;

    private readonly Dictionary<string, (long LastTimestamp, int Suppressed)> _keys = new(StringComparer.Ordinal);
    private readonly long _windowTimestampTicks;

    /// <summary>Creates a throttle letting one line per key through every <paramref name="window"/>.</summary>
    public LogThrottle(TimeSpan window)
    {
        _windowTimestampTicks = (long)(window.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>Whether to log a line for <paramref name="key"/> now; <paramref name="suppressed"/> counts the lines held back since the last one.</summary>
    public bool ShouldLog(string key, out int suppressed)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_keys)
        {
            if (_keys.TryGetValue(key, out var entry) && now - entry.LastTimestamp < _windowTimestampTicks)
            {
                _keys[key] = (entry.LastTimestamp, entry.Suppressed + 1);
                suppressed = 0;
                return false;
            }

            if (_keys.Count >= KeysMax)
            {
                _keys.Clear();
            }

            suppressed = entry.Suppressed;
            _keys[key] = (now, 0);
            return true;
        }
    }
}
