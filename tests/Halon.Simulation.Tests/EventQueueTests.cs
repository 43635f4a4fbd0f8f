using Halon.Simulation.Harness;

namespace Halon.Simulation.Tests;

/// <summary>
/// The calendar event queue hands out events in exactly the (time, sequence) order of a single heap, whatever the mix
/// of near, same-slot and far-future events, so that a seed replays the same run however the queue is built.
/// </summary>
public sealed class EventQueueTests
{
    private const long Width = 1000;

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void Events_come_out_in_time_then_push_order(ulong seed)
    {
        var random = new SimRandom(seed);
        var queue = new EventQueue(Width);
        var reference = new List<(long Time, long Pushed)>();
        long pushed = 0, now = 0;
        var popped = new List<(long Time, long Pushed)>();
        for (var step = 0; step < 40_000; step++)
        {
            if (queue.Count == 0 || random.Chance(0.55))
            {
                // Mostly within a few slots; some in the slot being read, some beyond the whole calendar, many ties.
                var delay = random.Next(10) switch
                {
                    0 => 0,
                    1 => random.NextInclusive(0, Width - 1),
                    2 => random.NextInclusive(2_000, 3_000) * Width,
                    3 => Width * random.NextInclusive(1, 3),
                    _ => random.NextInclusive(1, 60 * Width),
                };
                var item = new SimEvent { Time = now + delay, Node = (int)pushed };
                queue.Push(item);
                reference.Add((item.Time, pushed++));
            }
            else
            {
                var item = queue.Pop();
                Assert.True(item.Time >= now, $"time went back from {now} to {item.Time}");
                now = item.Time;
                popped.Add((item.Time, item.Node));
            }

            Assert.Equal(reference.Count - popped.Count, queue.Count);
        }

        while (queue.Count > 0)
        {
            var item = queue.Pop();
            popped.Add((item.Time, item.Node));
        }

        // Pushed events never lie in the past, so handing them out as they come is the same as sorting them all.
        Assert.Equal(reference.OrderBy(e => e.Time).ThenBy(e => e.Pushed), popped);
    }

    [Fact]
    public void Peeking_ahead_of_a_pause_still_lets_earlier_events_in()
    {
        var queue = new EventQueue(Width);
        queue.Push(new SimEvent { Time = 50 * Width, Node = 1 });
        Assert.Equal(50 * Width, queue.PeekTime()); // The queue has moved on to slot 50 to find it.

        // A run stopped at tick 10 (before that event) and scripted something for tick 12: it still comes first.
        queue.Push(new SimEvent { Time = 12 * Width, Node = 2 });
        queue.Push(new SimEvent { Time = 50 * Width, Node = 3 });
        Assert.Equal([2, 1, 3], [queue.Pop().Node, queue.Pop().Node, queue.Pop().Node]);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Clear_drops_every_event_wherever_it_waits()
    {
        var queue = new EventQueue(Width);
        queue.Push(new SimEvent { Time = 1 });
        queue.Push(new SimEvent { Time = 5 * Width });
        queue.Push(new SimEvent { Time = 5_000 * Width });
        Assert.Equal(1, queue.Pop().Time);
        queue.Clear();
        Assert.Equal(0, queue.Count);
        queue.Push(new SimEvent { Time = 7 * Width, Node = 9 });
        Assert.Equal(9, queue.Pop().Node);
    }
}
