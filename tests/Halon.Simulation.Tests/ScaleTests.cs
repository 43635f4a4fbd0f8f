using Halon.Core.Protocol;
using Halon.Simulation.Harness;

namespace Halon.Simulation.Tests;

/// <summary>
/// The simulator at station scale: a network that stores only the links with a peer at one end, and lazy satellite
/// ticks (a satellite sleeps through ticks that would do nothing, as halond does: for good once acknowledged, until its
/// next announcement while it waits) that must keep every invariant and every quiet tick quiet.
/// </summary>
public sealed class ScaleTests
{
    [Fact]
    public void Cuts_hold_every_link_with_a_peer_and_nothing_between_satellites()
    {
        const int peers = 3, nodes = 9;
        var cuts = new NetworkCuts(peers, nodes);
        static bool Rule(int from, int to) => (from + (2 * to)) % 3 == 0;
        cuts.CutWhere(Rule);
        for (var from = 0; from < nodes; from++)
        {
            for (var to = 0; to < nodes; to++)
            {
                var isLink = from < peers || to < peers;
                Assert.Equal(isLink, cuts.IsLink(from, to));
                Assert.Equal(isLink && Rule(from, to), cuts.IsCut(from, to));
            }
        }

        cuts.Set(4, 1, false);
        cuts.Set(1, 4, true);
        cuts.Set(5, 6, true); // Between two satellites: nothing to store.
        Assert.False(cuts.IsCut(4, 1));
        Assert.True(cuts.IsCut(1, 4));
        Assert.False(cuts.IsCut(5, 6));
        cuts.Clear();
        for (var from = 0; from < nodes; from++)
        {
            for (var to = 0; to < nodes; to++)
            {
                Assert.False(cuts.IsCut(from, to), $"{from}->{to} still cut after Clear");
            }
        }
    }

    [Fact]
    public void A_script_cannot_cut_a_link_between_two_satellites()
    {
        var simulation = new Harness.Simulation(new SimulationOptions { Peers = 3, Satellites = 2, AutoBootstrap = false });
        var error = Assert.Throws<ArgumentException>(() => simulation.Cut("s1", "s2", cut: true));
        Assert.Contains("both satellites", error.Message, StringComparison.Ordinal);
        simulation.Cut("s1", "p2", cut: true); // A satellite and a peer: a real link.
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void Lazy_satellite_ticks_keep_every_invariant_and_every_quiet_tick_quiet(int peers)
    {
        var failures = new List<string>();
        for (ulong seed = 1; seed <= 25; seed++)
        {
            var options = new SimulationOptions { Seed = seed, Peers = peers, Satellites = 30, FaultSpec = "swarm", Ticks = 1400, LazySatelliteTicks = true };
            var simulation = new Harness.Simulation(options);
            simulation.TickObserver = (node, announced) =>
            {
                if (announced > 1 && node.HasReady)
                {
                    failures.Add($"seed {seed}: {node.Id} at tick {node.Now} produced output although its next timer was {announced} ticks away");
                }
            };
            var result = simulation.Run();
            Assert.True(result.Passed, $"{options.ReplayCommand}: {string.Join("; ", result.Violations)}");
            Assert.Equal(30, result.SatellitesAcknowledged);
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(20)));
    }

    [Fact]
    public void A_sleeping_satellite_catches_up_on_every_tick_before_its_next_input()
    {
        var simulation = new Harness.Simulation(new SimulationOptions { Seed = 5, Peers = 3, Satellites = 1, Ticks = 1000, LazySatelliteTicks = true });
        simulation.RunUntil(600 * Harness.Simulation.TimeUnitsPerTick);
        var satellite = simulation.NodeNamed("s1")!;
        Assert.Equal(HalonNode.NoTimerTicks, satellite.TicksUntilNextTimer); // Acknowledged: no timer runs.
        Assert.True(satellite.Now < 100, $"the acknowledged satellite kept ticking: its clock is at {satellite.Now}");

        // Any input wakes it: first the ticks that fell due while it slept (its clock is true again), then the input.
        Assert.StartsWith("ok", simulation.BootstrapSatellite("s1"), StringComparison.Ordinal);
        Assert.InRange(satellite.Now, 599, 600);
        simulation.RunUntil(900 * Harness.Simulation.TimeUnitsPerTick);
        Assert.True(satellite.Now < 700, $"the satellite did not go back to sleep: its clock is at {satellite.Now}");
        var result = simulation.Run();
        Assert.True(result.Passed, string.Join("; ", result.Violations));
    }

    [Fact]
    public void A_satellite_waiting_for_its_next_announcement_sleeps_until_it_and_announces_at_the_same_ticks()
    {
        static (List<long> Announced, long Clock) Run(bool lazy)
        {
            // Cut off from the station (one way is enough: nothing it sends arrives), so it backs off for good.
            var simulation = new Harness.Simulation(new SimulationOptions { Seed = 7, Peers = 3, Satellites = 1, Ticks = 600, LazySatelliteTicks = lazy });
            foreach (var peer in new[] { "p1", "p2", "p3" })
            {
                simulation.Cut("s1", peer, cut: true);
            }

            var announced = new List<long>();
            simulation.TickObserver = (node, _) =>
            {
                if (Harness.Simulation.NameOf(node.Id) == "s1" && node.HasReady)
                {
                    announced.Add(node.Now);
                }
            };
            simulation.RunUntil(400 * Harness.Simulation.TimeUnitsPerTick);
            return (announced, simulation.NodeNamed("s1")!.Now);
        }

        var eager = Run(lazy: false);
        var lazy = Run(lazy: true);
        Assert.True(eager.Announced.Count >= 10, $"the satellite announced only {eager.Announced.Count} times");
        Assert.Equal(eager.Announced, lazy.Announced);

        // Asleep between announcements: its clock stops at its last one and is made true at the next timer or input.
        Assert.Equal(lazy.Announced[^1], lazy.Clock);
        Assert.True(eager.Clock > lazy.Clock, $"eager clock {eager.Clock}, lazy clock {lazy.Clock}");
    }

    [Theory]
    [InlineData(0.01, 1_000_000)]
    [InlineData(0.0005, 20_000_000)]
    [InlineData(0.3, 100_000)]
    public void Faults_drawn_as_gaps_hit_at_the_rate_of_one_chance_per_trial(double probability, long trials)
    {
        // With lazy ticks the satellites' crashes and pauses come from these gaps, not from a draw per satellite.
        var random = new SimRandom(17);
        long hits = 0, last = -1;
        for (var next = random.NextHitFrom(0, probability); next < trials; next = random.NextHitFrom(next + 1, probability))
        {
            Assert.True(next > last, $"trial {next} after {last}");
            last = next;
            hits++;
        }

        var expected = trials * probability;
        var sigma = Math.Sqrt(trials * probability * (1 - probability));
        Assert.InRange(hits, expected - (5 * sigma), expected + (5 * sigma));
        Assert.Equal(long.MaxValue, random.NextHitFrom(5, 0));
        Assert.Equal(5, random.NextHitFrom(5, 1));
    }

    [Fact]
    public void Lazy_satellite_ticks_skip_the_ticks_of_acknowledged_satellites()
    {
        var eager = new Harness.Simulation(new SimulationOptions { Seed = 3, Peers = 3, Satellites = 2000, Ticks = 400 }).Run();
        var lazy = new Harness.Simulation(new SimulationOptions { Seed = 3, Peers = 3, Satellites = 2000, Ticks = 400, LazySatelliteTicks = true }).Run();
        Assert.True(eager.Passed && lazy.Passed, string.Join("; ", eager.Violations.Concat(lazy.Violations)));
        Assert.Equal(2000, eager.SatellitesAcknowledged);
        Assert.Equal(2000, lazy.SatellitesAcknowledged);
        Assert.True(lazy.Events * 5 < eager.Events, $"lazy ticks dispatched {lazy.Events} events, eager ticks {eager.Events}");
    }

    [Fact]
    public void Above_ten_thousand_satellites_ticks_are_lazy_and_every_satellite_is_acknowledged()
    {
        var options = new SimulationOptions { Seed = 11, Peers = 3, Satellites = 20_000, Ticks = 200 };
        Assert.True(options.SatelliteTicksLazy);
        Assert.DoesNotContain("--lazy-satellite-ticks", options.ReplayCommand, StringComparison.Ordinal);
        Assert.Contains("--lazy-satellite-ticks", (options with { Satellites = 100, LazySatelliteTicks = true }).ReplayCommand, StringComparison.Ordinal);
        Assert.False((options with { Satellites = 100 }).SatelliteTicksLazy);
        var result = new Harness.Simulation(options).Run();
        Assert.True(result.Passed, string.Join("; ", result.Violations));
        Assert.Equal(20_000, result.SatellitesAcknowledged);
    }

    [Fact]
    public void More_satellites_than_the_station_limit_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new SimulationOptions { Satellites = Core.Limits.SatellitesMax + 1 }.Validate());
        Assert.Contains("--satellites must be in 0..100000", error.Message, StringComparison.Ordinal);
    }
}
