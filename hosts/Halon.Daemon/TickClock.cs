namespace Halon.Daemon;

/// <summary>
/// Turns a monotonic clock into a count of protocol ticks. The loop issues every tick that is due before it handles
/// the next message, so after a stall (GC, SIGSTOP) the node's ticks catch up with real time: the lease argument
/// needs a node's tick count to follow real time within the drift bound.
/// </summary>
internal sealed class TickClock
{
    private readonly TimeProvider _time;
    private readonly long _started;
    private long _issued;

    public TickClock(TimeProvider time, TimeSpan tick)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(tick, TimeSpan.Zero);
        _time = time;
        Tick = tick;
        _started = time.GetTimestamp();
    }

    /// <summary>The length of one tick.</summary>
    public TimeSpan Tick { get; }

    /// <summary>Ticks issued so far.</summary>
    public long Issued => _issued;

    /// <summary>Ticks due by now and not issued yet.</summary>
    public long Due => (_time.GetElapsedTime(_started).Ticks / Tick.Ticks) - _issued;

    /// <summary>Records that one tick was issued.</summary>
    public void Issue() => _issued++;

    /// <summary>The number of ticks due by now, issued or not: the index of the tick the clock is at.</summary>
    public long DueIndex => _time.GetElapsedTime(_started).Ticks / Tick.Ticks;

    /// <summary>Time until the next tick is due (zero when one is due already).</summary>
    public TimeSpan UntilNextTick() => UntilTick(_issued + 1);

    /// <summary>Time until tick number <paramref name="index"/> (counted from the start) is due; zero when it is already.</summary>
    public TimeSpan UntilTick(long index)
    {
        var wait = TimeSpan.FromTicks((index * Tick.Ticks) - _time.GetElapsedTime(_started).Ticks);
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }
}
