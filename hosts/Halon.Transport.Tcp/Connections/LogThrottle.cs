namespace Halon.Transport.Tcp.Connections;

/// <summary>
/// Lets one log line per key through per window, and counts the ones it held back, so a flood of bad connections or
/// dropped messages cannot flood the log. Thread-safe; at most <see cref="KeysMax"/> keys are remembered.
/// </summary>
/// <remarks>
/// No held-back line goes uncounted. When the table is full, keys whose window has passed are forgotten and their
/// held-back counts are carried over; while every remembered key is still inside its window (a flood from more than
/// <see cref="KeysMax"/> sources), lines of new keys are held back too. Carried-over counts are reported with the next
/// line that passes, whatever its key.
/// </remarks>
public sealed class LogThrottle
{
    /// <summary>Keys remembered at once.</summary>
    public const int KeysMax = 4096;

    private readonly Dictionary<string, (long LastTimestamp, int Suppressed)> _keys = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly long _windowTimestampTicks;
    private int _carried;

    // No remembered key's window ends before this timestamp, so a full table is not scanned again until then: under a
    // flood from many hosts each new line costs O(1), not a pass over every key.
    private long _noExpiryBefore = long.MinValue;

    /// <summary>Creates a throttle letting one line per key through every <paramref name="window"/>.</summary>
    public LogThrottle(TimeSpan window, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _windowTimestampTicks = (long)(window.TotalSeconds * _time.TimestampFrequency);
    }

    /// <summary>
    /// Whether to log a line for <paramref name="key"/> now; <paramref name="suppressed"/> counts the lines held back
    /// since the last one that passed (see the remarks for lines of forgotten keys).
    /// </summary>
    public bool ShouldLog(string key, out int suppressed)
    {
        var now = _time.GetTimestamp();
        lock (_keys)
        {
            var known = _keys.TryGetValue(key, out var entry);
            if (known && now - entry.LastTimestamp < _windowTimestampTicks)
            {
                _keys[key] = (entry.LastTimestamp, Saturating(entry.Suppressed, 1));
                suppressed = 0;
                return false;
            }

            if (!known && _keys.Count >= KeysMax && !ForgetExpired(now))
            {
                _carried = Saturating(_carried, 1);
                suppressed = 0;
                return false;
            }

            suppressed = Saturating(entry.Suppressed, _carried);
            _carried = 0;
            _keys[key] = (now, 0);
            return true;
        }
    }

    /// <summary>Forgets every key whose window has passed, carrying its count over; false if none could go.</summary>
    private bool ForgetExpired(long now)
    {
        if (now < _noExpiryBefore)
        {
            return false;
        }

        var expired = new List<string>();
        var oldestKept = long.MaxValue;
        foreach (var (key, entry) in _keys)
        {
            if (now - entry.LastTimestamp >= _windowTimestampTicks)
            {
                expired.Add(key);
                _carried = Saturating(_carried, entry.Suppressed);
            }
            else
            {
                oldestKept = Math.Min(oldestKept, entry.LastTimestamp);
            }
        }

        // Timestamps of remembered keys only grow, so the oldest kept one bounds when the next expiry can come.
        _noExpiryBefore = oldestKept == long.MaxValue ? long.MinValue : oldestKept + _windowTimestampTicks;

        foreach (var key in expired)
        {
            _keys.Remove(key);
        }

        return expired.Count > 0;
    }

    private static int Saturating(int a, int b) => (int)Math.Min(int.MaxValue, (long)a + b);
}
