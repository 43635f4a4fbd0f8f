namespace Halon.Daemon;

/// <summary>
/// Keeps stall warnings from filling the log: the first stall is logged at once, later ones at most once per window,
/// with the number held back since and the longest of them. Loop thread only.
/// </summary>
internal sealed class StallReport
{
    private readonly TimeSpan _window;
    private readonly TimeProvider _time;
    private long _loggedAt = long.MinValue;
    private int _heldBack;
    private long _longestHeldBackTicks;

    public StallReport(TimeSpan window, TimeProvider? time = null)
    {
        _window = window;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Records a stall of <paramref name="ticks"/>; true when it should be logged now, with the stalls held back
    /// since the last line (<paramref name="heldBack"/>) and the longest of those (<paramref name="longestHeldBackTicks"/>).
    /// </summary>
    public bool Record(long ticks, out int heldBack, out long longestHeldBackTicks)
    {
        var now = _time.GetTimestamp();
        if (_loggedAt != long.MinValue && _time.GetElapsedTime(_loggedAt, now) < _window)
        {
            _heldBack++;
            _longestHeldBackTicks = Math.Max(_longestHeldBackTicks, ticks);
            heldBack = 0;
            longestHeldBackTicks = 0;
            return false;
        }

        heldBack = _heldBack;
        longestHeldBackTicks = _longestHeldBackTicks;
        _heldBack = 0;
        _longestHeldBackTicks = 0;
        _loggedAt = now;
        return true;
    }
}
