using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;
using static Halon.Core.Tests.NodeDriver;

namespace Halon.Core.Tests;

/// <summary>
/// <see cref="HalonNode.TicksUntilNextTimer"/> is exact in every role and state: no tick before the announced one gives
/// output or changes state, and the announced tick acts. The daemon sleeps on it, so a timer announced late would
/// lose a heartbeat and one announced early would wake the host for nothing.
/// </summary>
public sealed class TimerTests
{
    /// <summary>
    /// Ticks <paramref name="node"/> for <paramref name="ticks"/> ticks, timer by timer, checking each is exact.
    /// <paramref name="answer"/> may step answers to what the node sent. Returns the ticks at which it acted.
    /// </summary>
    private static List<long> TickThroughTimers(HalonNode node, int ticks, Action<Message[]>? answer = null)
    {
        var acted = new List<long>();
        var end = node.Now + ticks;
        while (node.Now < end)
        {
            var next = node.TicksUntilNextTimer;
            Assert.InRange(next, 1, 1000);
            var state = node.State;
            var running = node.CoordinatorRunning;
            for (var i = 1; i < next; i++)
            {
                node.Tick();
                Assert.False(node.HasReady, $"tick {node.Now}: output {next - i} ticks before the announced timer");
                Assert.Equal(state, node.State);
            }

            node.Tick();
            var didSomething = node.HasReady || node.State != state || node.CoordinatorRunning != running;
            // A master whose coordinator is down may restart it on any tick, so it asks for every tick.
            if (state != SupervisorState.Master || running)
            {
                Assert.True(didSomething, $"tick {node.Now}: the announced timer ({state}) did nothing");
            }
            else
            {
                Assert.Equal(1, next);
            }

            if (didSomething)
            {
                acted.Add(node.Now);
            }

            var (messages, _, _) = Take(node);
            answer?.Invoke(messages);
            if (node.HasReady)
            {
                node.Advance();
            }
        }

        return acted;
    }

    [Fact]
    public void A_node_without_a_role_has_no_timer()
    {
        var node = Fresh();
        Assert.Equal(HalonNode.NoTimerTicks, node.TicksUntilNextTimer);
        Assert.Equal(long.MaxValue, HalonNode.NoTimerTicks);
    }

    [Fact]
    public void A_peer_waiting_for_quorum_probes_every_quorum_interval()
    {
        var node = Peer();
        Assert.Equal(2, node.TicksUntilNextTimer);
        var acted = TickThroughTimers(node, 40);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)(2 * i)), acted);
        Assert.Equal(SupervisorState.WaitingForQuorum, node.State);
    }

    [Fact]
    public void A_peer_probes_every_peer_interval_once_it_left_the_quorum_wait()
    {
        var options = ProtocolOptions.Default with { QuorumProbeIntervalTicks = 3, PeerProbeIntervalTicks = 7 };
        var node = Peer(options);
        Assert.Equal(3, node.TicksUntilNextTimer);
        node.Tick();
        node.Tick();
        node.Tick();
        var (probes, _, _) = Take(node);
        Assert.Equal([P2, P3], probes.OfType<PeerProbe>().Select(p => p.To));
        Assert.All(probes.OfType<PeerProbe>(), p => Assert.Equal(ClusterIdOf(node), p.ClusterId));
        GiveQuorum(node);
        node.Advance();
        // The probe sent at tick 3 was still a quorum-wait probe: the next goes at 3 + 3, the one after 7 later.
        var probeTicks = new List<long>();
        TickThroughTimers(node, 30, messages =>
        {
            if (messages.OfType<PeerProbe>().Any())
            {
                probeTicks.Add(node.Now);
            }
        });
        Assert.Equal(6, probeTicks[0]);
        Assert.Equal(13, probeTicks[1]);
        Assert.Equal(20, probeTicks[2]);
    }

    [Fact]
    public void Stale_evidence_of_quorum_is_acted_on_at_the_next_tick()
    {
        // A restarted peer of term 5 hears from p2 only through a message of a stale term: the message is dropped,
        // but it shows p2 runs a supervisor, and the next tick ends the wait.
        var node = Restored(new HardState(5, null, 0));
        Assert.Equal(SupervisorState.WaitingForQuorum, node.State);
        Assert.Equal(2, node.TicksUntilNextTimer);
        var stale = node.Step(new VoteRequest(P2, P1, ClusterIdOf(node), 1, 0, 0, PreVote: false));
        Assert.False(stale.Accepted);
        Assert.Equal(DropCategory.StaleTerm, stale.DropCategory);
        Assert.Equal(SupervisorState.WaitingForQuorum, node.State);
        Assert.Equal(1, node.TicksUntilNextTimer);
        node.Advance();
        node.Tick();
        Assert.Equal(SupervisorState.Follower, node.State);
    }

    [Fact]
    public void A_follower_campaigns_exactly_when_announced_and_keeps_doing_so_alone()
    {
        var node = Peer();
        GiveQuorum(node);
        node.Advance();
        // The first campaign goes by rank: p1 ranks first, so it waits 1 tick plus a tick of jitter at most.
        Assert.InRange(node.TicksUntilNextTimer, 1, 2);
        var states = new List<SupervisorState>();
        TickThroughTimers(node, 120, _ => states.Add(node.State));
        Assert.Contains(SupervisorState.PreCandidate, states);
        Assert.Equal(SupervisorState.PreCandidate, node.State);
    }

    [Fact]
    public void A_follower_that_heard_a_master_waits_out_the_election_timeout()
    {
        var node = Peer();
        GiveQuorum(node);
        node.Advance();
        Assert.True(node.Step(Append(node, 1, 0, 0, [NoOp(1, 1)], 0)).Accepted);
        Assert.Equal(SupervisorState.Follower, node.State);
        Assert.Equal(P2, node.Leader);
        node.Advance();
        var states = new List<(long Tick, SupervisorState State)>();
        // Heard at tick 0: it campaigns no sooner than E ticks later, and exactly when its timer says.
        var acted = TickThroughTimers(node, 60, _ => states.Add((node.Now, node.State)));
        var firstCampaign = states.First(s => s.State == SupervisorState.PreCandidate).Tick;
        Assert.InRange(firstCampaign, ProtocolOptions.Default.ElectionTimeoutTicks, (2 * ProtocolOptions.Default.ElectionTimeoutTicks) - 1);
        Assert.Contains(firstCampaign, acted);
    }

    [Fact]
    public void A_restarted_peer_withholds_its_campaign_for_the_election_timeout()
    {
        var node = Restored(new HardState(3, null, 0));
        GiveQuorum(node);
        node.Advance();
        Assert.Equal(SupervisorState.Follower, node.State);
        // It restarted at tick 0: its short first-campaign timer waits for tick E, and the timers say so.
        var states = new List<(long Tick, SupervisorState State)>();
        TickThroughTimers(node, 60, _ => states.Add((node.Now, node.State)));
        Assert.Equal(ProtocolOptions.Default.ElectionTimeoutTicks, states.First(s => s.State == SupervisorState.PreCandidate).Tick);
    }

    [Fact]
    public void A_master_heartbeats_and_times_its_lease_and_check_quorum_exactly()
    {
        var options = ProtocolOptions.Default with { HeartbeatIntervalTicks = 3, ElectionTimeoutTicks = 20 };
        var node = Master(options);
        var becameMasterAt = node.Now;
        var heartbeats = new List<long>();
        var answered = new List<long>();
        var acted = TickThroughTimers(node, 150, messages =>
        {
            if (messages.OfType<AppendEntries>().Any())
            {
                heartbeats.Add(node.Now);
                Assert.All(messages.OfType<AppendEntries>(), a => Assert.Equal(node.Now, a.LeaderTick));
            }

            if (node.Now < becameMasterAt + 30 && messages.OfType<AppendEntries>().FirstOrDefault(a => a.To.Equals(P2)) is { } append)
            {
                node.Advance();
                Assert.True(AcknowledgeFrom(node, P2, append.LeaderTick).Accepted);
                answered.Add(append.LeaderTick);
            }
        });
        Assert.Equal(Enumerable.Range(1, 10).Select(k => becameMasterAt + (3 * k)), heartbeats.Take(10));
        // The lease (L = 16) ends 16 ticks after the last heartbeat p2 acknowledged, and check-quorum (E = 20) steps
        // the master down 20 ticks after it.
        Assert.Equal(16, options.LeaseTicks);
        var lastAcknowledged = answered[^1];
        Assert.Contains(lastAcknowledged + 16, acted);
        Assert.Contains(lastAcknowledged + 20, acted);
        Assert.NotEqual(SupervisorState.Master, node.State);
    }

    [Fact]
    public void A_master_reports_its_lease_end()
    {
        var node = Master();
        Assert.Equal(node.Now + node.Options.LeaseTicks, node.LeaseEndTick);
        node.Tick();
        node.Tick();
        Assert.Equal(node.Now - 2 + node.Options.LeaseTicks, node.LeaseEndTick);
        Assert.Equal(0, Peer().LeaseEndTick);
    }

    [Fact]
    public void A_master_whose_coordinator_crashed_restarts_it_after_the_delay()
    {
        var options = ProtocolOptions.Default with { CoordinatorRestartDelayTicks = 3 };
        var node = Master(options);
        node.CrashCoordinator();
        var (_, effects, _) = Take(node);
        var stopped = Assert.IsType<CoordinatorStopped>(Assert.Single(effects));
        Assert.Equal("the coordinator crashed; the supervisor will restart it", stopped.Reason);
        Assert.Equal(1, stopped.Epoch);
        Assert.False(node.CoordinatorRunning);
        Assert.Equal(1, node.TicksUntilNextTimer);
        var crashedAt = node.Now;
        while (!node.CoordinatorRunning)
        {
            node.Tick();
            if (node.HasReady)
            {
                var (messages, _, _) = Take(node);
                if (messages.OfType<AppendEntries>().FirstOrDefault(a => a.To.Equals(P2)) is { } append)
                {
                    AcknowledgeFrom(node, P2, append.LeaderTick);
                    node.Advance();
                }
            }

            Assert.True(node.Now < crashedAt + 10);
        }

        Assert.Equal(crashedAt + 3, node.Now);
        // Crashing a coordinator that does not run changes nothing.
        node.CrashCoordinator();
        node.Advance();
        node.CrashCoordinator();
        Assert.False(node.CoordinatorRunning);
        Assert.False(node.HasReady);
    }

    [Fact]
    public void A_satellite_announces_with_a_doubling_back_off_until_acknowledged()
    {
        var node = Fresh(S1);
        node.BecomeSatellite(Station);
        var (first, _, _) = Take(node);
        var firstUp = Assert.IsType<NodeUp>(Assert.Single(first));
        var sent = new List<long> { 0 };
        var targets = new List<NodeId> { firstUp.To };
        TickThroughTimers(node, 400, messages =>
        {
            var up = Assert.IsType<NodeUp>(Assert.Single(messages));
            Assert.Equal(1, up.Incarnation);
            Assert.Equal(node.InstallId, up.InstallId);
            Assert.Equal(TestCluster.Facts(S1), up.Facts);
            sent.Add(node.Now);
            targets.Add(up.To);
        });
        long backoff = 2;
        for (var k = 1; k < sent.Count; k++)
        {
            Assert.InRange(sent[k] - sent[k - 1], backoff, backoff + (backoff / 2));
            backoff = Math.Min(backoff * 2, 32);
        }

        Assert.True(sent.Count > 12);
        Assert.Equal(sent.Count, node.GetStatus().Announcer!.AnnouncementsSent);
        // The announcer walks the station in order.
        var start = Station.IndexOf(targets[0]);
        for (var k = 0; k < targets.Count; k++)
        {
            Assert.Equal(Station.Members[(start + k) % 3], targets[k]);
        }

        Assert.True(node.Step(new NodeUpAck(P1, S1, 1, 1, Station)).Accepted);
        Assert.Equal(HalonNode.NoTimerTicks, node.TicksUntilNextTimer);
    }

    [Fact]
    public void A_satellite_listed_in_its_own_station_starts_with_the_first_member()
    {
        var node = Fresh(P1);
        node.BecomeSatellite(Station);
        var up = Assert.IsType<NodeUp>(Assert.Single(Take(node).Messages));
        Assert.Equal(P1, up.To);
        var p3 = Fresh(P3);
        p3.BecomeSatellite(Station);
        Assert.Equal(P1, Assert.IsType<NodeUp>(Assert.Single(Take(p3).Messages)).To);
    }

    [Fact]
    public void Ready_says_what_must_be_persisted_and_whether_it_is_empty()
    {
        var noMessages = new List<Message>();
        var noEffects = new List<Effect>();
        var entries = Array.Empty<LogEntry>();
        var empty = new Ready(null, null, null, 0, entries, noMessages, noEffects);
        Assert.False(empty.MustPersist);
        Assert.True(empty.IsEmpty);
        Assert.True(new Ready(HardState.Initial, null, null, 0, entries, noMessages, noEffects).MustPersist);
        Assert.True(new Ready(null, RoleConfig.None, null, 0, entries, noMessages, noEffects).MustPersist);
        Assert.True(new Ready(null, null, null, 1, entries, noMessages, noEffects).MustPersist);
        Assert.False(new Ready(null, RoleConfig.None, null, 0, entries, noMessages, noEffects).IsEmpty);
        var oneMessage = new List<Message> { new PeerProbe(P1, P2, "c", 0) };
        Assert.False(new Ready(null, null, null, 0, entries, oneMessage, noEffects).IsEmpty);
        Assert.False(new Ready(null, null, null, 0, entries, oneMessage, noEffects).MustPersist);
        var snapshot = new Snapshot(3, 1, "halon-x", PeerSet.Create([P1]), []);
        Assert.True(new Ready(null, null, snapshot, 0, entries, noMessages, noEffects).MustPersist);
        var oneEffect = new List<Effect> { new BecameMaster(1) };
        Assert.False(new Ready(null, null, null, 0, entries, noMessages, oneEffect).IsEmpty);
    }

    [Fact]
    public void A_fresh_node_has_nothing_ready_and_a_bootstrapped_one_persists_its_role_first()
    {
        var node = Fresh();
        Assert.False(node.HasReady);
        Assert.True(node.GetReady().IsEmpty);
        node.BecomeStationPeer(Station);
        Assert.True(node.HasReady);
        var ready = node.GetReady();
        Assert.True(ready.MustPersist);
        Assert.Null(ready.HardState);
        Assert.Equal(NodeRole.Station, ready.Role!.Role);
        Assert.Equal(0, ready.EntriesFromIndex);
        Assert.Empty(ready.Entries);
        node.Advance();
        Assert.False(node.HasReady);
        Assert.True(node.GetReady().IsEmpty);
    }

    [Fact]
    public void Step_results_carry_their_category()
    {
        Assert.True(StepResult.Handled.Accepted);
        Assert.Null(StepResult.Handled.DropReason);
        Assert.Equal(DropCategory.None, StepResult.Handled.DropCategory);
        var dropped = StepResult.Dropped("why");
        Assert.False(dropped.Accepted);
        Assert.Equal("why", dropped.DropReason);
        Assert.Equal(DropCategory.Other, dropped.DropCategory);
    }
}
