using Halon.Core;
using Halon.Core.Protocol;
using Halon.Simulation.Harness;

namespace Halon.Simulation.Tests;

/// <summary>
/// <c>HalonNode.TicksUntilNextTimer</c> lets halond sleep through ticks: it must never name a tick later than the
/// first one that produces output or changes the supervisor state. Checked at every tick of seeded runs with faults:
/// a tick announced as quiet (the value before it was above 1) produces no Ready, keeps the state, and leaves the
/// next timer exactly one tick closer. By induction over the ticks between two inputs, every tick before the
/// announced one is quiet.
/// </summary>
public sealed class TimerTests
{
    [Theory]
    [InlineData(3, "none")]
    [InlineData(5, "swarm")]
    [InlineData(5, "loss,duplicate,delay,crash,partition,drift,pause")]
    [InlineData(7, "swarm")]
    public void No_tick_before_the_announced_timer_does_anything(int peers, string faults)
    {
        long quietTicks = 0, ticks = 0, skippableTicks = 0;
        var failures = new List<string>();
        for (ulong seed = 1; seed <= 40; seed++)
        {
            var simulation = new Harness.Simulation(new SimulationOptions { Seed = seed, Peers = peers, Satellites = 6, FaultSpec = faults, Ticks = 1200 });
            var states = new Dictionary<HalonNode, SupervisorState>();
            simulation.TickObserver = (node, announced) =>
            {
                ticks++;
                Assert.True(announced >= 1, $"seed {seed}: {node.Id} announced {announced} ticks");
                if (announced > 1)
                {
                    quietTicks++;
                    skippableTicks += announced == HalonNode.NoTimerTicks ? 1 : 0;
                    if (node.HasReady)
                    {
                        failures.Add($"seed {seed}, {faults}: {node.Id} at tick {node.Now} ({node.State}) produced output although its next timer was {announced} ticks away");
                    }

                    var after = node.TicksUntilNextTimer;
                    var expected = announced == HalonNode.NoTimerTicks ? HalonNode.NoTimerTicks : announced - 1;
                    if (after != expected)
                    {
                        failures.Add($"seed {seed}, {faults}: {node.Id} at tick {node.Now} ({node.State}) moved its next timer from {announced} to {after} on a quiet tick");
                    }
                }
            };
            var result = simulation.Run();
            Assert.True(result.Passed, string.Join("; ", result.Violations));
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(20)));
        // Not vacuous: followers, waiting peers and announcing satellites have many quiet ticks; acknowledged
        // satellites have no timer at all.
        Assert.True(quietTicks > ticks / 4, $"{quietTicks} of {ticks} ticks were announced as quiet");
        Assert.True(skippableTicks > 0, "no tick was announced as timer-free");
    }
}
