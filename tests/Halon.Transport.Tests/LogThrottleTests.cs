using Halon.Transport.Tcp.Connections;

namespace Halon.Transport.Tests;

/// <summary>One line per key per window, and every held-back line counted, even when the key table is full.</summary>
public sealed class LogThrottleTests
{
    private static readonly TimeSpan s_window = TimeSpan.FromSeconds(10);

    [Fact]
    public void The_first_line_of_a_key_passes_and_repeats_in_its_window_are_held_back()
    {
        var clock = new ManualClock();
        var throttle = new LogThrottle(s_window, clock);

        Assert.True(throttle.ShouldLog("a", out var first));
        Assert.Equal(0, first);
        Assert.False(throttle.ShouldLog("a", out _));
        Assert.False(throttle.ShouldLog("a", out _));
        Assert.True(throttle.ShouldLog("b", out _));
    }

    [Fact]
    public void The_next_line_after_the_window_reports_how_many_were_held_back()
    {
        var clock = new ManualClock();
        var throttle = new LogThrottle(s_window, clock);
        throttle.ShouldLog("a", out _);
        for (var i = 0; i < 5; i++)
        {
            Assert.False(throttle.ShouldLog("a", out _));
        }

        clock.Advance(s_window);

        Assert.True(throttle.ShouldLog("a", out var suppressed));
        Assert.Equal(5, suppressed);
        clock.Advance(s_window);
        Assert.True(throttle.ShouldLog("a", out var none));
        Assert.Equal(0, none);
    }

    [Fact]
    public void A_flood_of_new_keys_within_one_window_is_held_back_and_counted_not_logged()
    {
        var clock = new ManualClock();
        var throttle = new LogThrottle(s_window, clock);
        for (var i = 0; i < LogThrottle.KeysMax; i++)
        {
            Assert.True(throttle.ShouldLog("k" + i, out _));
        }

        var held = 0;
        for (var i = 0; i < 1000; i++)
        {
            held += throttle.ShouldLog("new" + i, out _) ? 0 : 1;
        }

        Assert.Equal(1000, held);
        clock.Advance(s_window);

        Assert.True(throttle.ShouldLog("later", out var suppressed));
        Assert.Equal(1000, suppressed);
    }

    [Fact]
    public void Counts_of_keys_forgotten_to_make_room_are_carried_to_the_next_line()
    {
        var clock = new ManualClock();
        var throttle = new LogThrottle(s_window, clock);
        throttle.ShouldLog("noisy", out _);
        Assert.False(throttle.ShouldLog("noisy", out _));
        Assert.False(throttle.ShouldLog("noisy", out _));
        for (var i = 1; i < LogThrottle.KeysMax; i++)
        {
            throttle.ShouldLog("k" + i, out _);
        }

        clock.Advance(s_window);

        // The table is full; the expired keys go, and "noisy"'s two held-back lines are reported here.
        Assert.True(throttle.ShouldLog("fresh", out var suppressed));
        Assert.Equal(2, suppressed);
        Assert.True(throttle.ShouldLog("noisy", out var again));
        Assert.Equal(0, again);
    }

    /// <summary>A clock that moves only when told to.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _timestamp = 1;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _timestamp;

        public void Advance(TimeSpan by) => _timestamp += by.Ticks;
    }
}
