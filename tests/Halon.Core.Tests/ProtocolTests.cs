using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;

namespace Halon.Core.Tests;

public sealed class ProtocolTests
{
    private static TestCluster StationWithCoordinator(int peers = 3, int satellites = 0)
    {
        var cluster = new TestCluster(peers, satellites);
        cluster.BootstrapStation();
        Assert.True(cluster.TickUntil(() => cluster.Master?.CoordinatorRunning == true, 300));
        return cluster;
    }

    [Fact]
    public void A_satellite_is_acknowledged_only_after_its_entry_commits()
    {
        var cluster = StationWithCoordinator(satellites: 1);
        var satellite = cluster["s1"];
        satellite.BecomeSatellite(cluster.Peers);
        cluster.Drain(satellite);
        Assert.True(cluster.TickUntil(() => satellite.AnnouncementAcknowledged, 200));
        cluster.Tick(2); // Followers learn the new commit index with the next heartbeat.
        var master = cluster.Master!;
        var ackBatch = cluster.Batches[master.Id].First(b => b.Messages.OfType<NodeUpAck>().Any());
        var ackedEntry = master.Log.Single(e => e.Command is SatelliteAcknowledgedCommand c && c.Satellite.Equals(satellite.Id));
        // By the time the acknowledgement is sent, a majority holds the entry.
        var holders = cluster.Nodes.Values.Count(n => n.Log.Count >= ackedEntry.Index && n.Log[(int)ackedEntry.Index - 1].Equals(ackedEntry));
        Assert.True(holders >= 2);
        Assert.Contains(ackBatch.Effects, e => e is SatelliteAcknowledged a && a.Satellite.Equals(satellite.Id) && a.Epoch == master.Term);
        Assert.All(cluster.Nodes.Values.Where(n => n.Role == NodeRole.Station), n => Assert.True(n.Satellites.ContainsKey(satellite.Id)));
    }

    [Fact]
    public void A_repeated_announcement_is_acknowledged_again_without_a_new_entry()
    {
        var cluster = StationWithCoordinator(satellites: 1);
        var satellite = cluster["s1"];
        satellite.BecomeSatellite(cluster.Peers);
        cluster.Drain(satellite);
        Assert.True(cluster.TickUntil(() => satellite.AnnouncementAcknowledged, 200));
        var master = cluster.Master!;
        var logLength = master.LastLogIndex;
        master.Step(new NodeUp(satellite.Id, master.Id, 1, TestCluster.Facts(satellite.Id)));
        var ready = master.GetReady();
        Assert.Contains(ready.Messages, m => m is NodeUpAck { Incarnation: 1 });
        Assert.Equal(logLength, master.LastLogIndex);
    }

    [Fact]
    public void A_restarted_satellite_takes_the_next_incarnation_and_is_acknowledged_again()
    {
        var cluster = StationWithCoordinator(satellites: 1);
        var satellite = cluster["s1"];
        satellite.BecomeSatellite(cluster.Peers);
        cluster.Drain(satellite);
        Assert.True(cluster.TickUntil(() => satellite.AnnouncementAcknowledged, 200));
        var persisted = new PersistentState(HardState.Initial, cluster.Batches[satellite.Id].Last(b => b.Role is not null).Role!, Array.Empty<LogEntry>());
        cluster.Add(satellite.Id, persisted);
        var restarted = cluster["s1"];
        Assert.Equal(2, restarted.Incarnation);
        Assert.Equal(2, cluster.Batches[satellite.Id].Last().Role!.Incarnation);
        Assert.True(cluster.TickUntil(() => restarted.AnnouncementAcknowledged, 200));
        Assert.Equal(2, cluster.Master!.Satellites[satellite.Id].Incarnation);
    }

    [Fact]
    public void Acknowledgements_from_an_older_epoch_are_fenced()
    {
        var station = PeerSet.Parse("p1:9070,p2:9070,p3:9070");
        var satellite = new HalonNode(NodeId.Parse("s1:9070"), ProtocolOptions.Default, new TestRandom(1), new HostFacts("s1", 2, 1024));
        satellite.BecomeSatellite(station);
        satellite.Advance();
        var p1 = NodeId.Parse("p1:9070");
        Assert.False(satellite.Step(new NodeUpAck(p1, satellite.Id, Incarnation: 7, Epoch: 5)).Accepted);
        var stale = satellite.Step(new NodeUpAck(p1, satellite.Id, Incarnation: 1, Epoch: 4));
        Assert.False(stale.Accepted);
        Assert.Contains("fenced", stale.DropReason, StringComparison.Ordinal);
        Assert.False(satellite.AnnouncementAcknowledged);
        Assert.True(satellite.Step(new NodeUpAck(p1, satellite.Id, Incarnation: 1, Epoch: 5)).Accepted);
        Assert.True(satellite.AnnouncementAcknowledged);
    }

    [Fact]
    public void A_follower_that_hears_from_a_live_master_grants_no_vote()
    {
        var cluster = StationWithCoordinator();
        var follower = cluster.Nodes.Values.First(n => n.State == SupervisorState.Follower);
        var other = cluster.Nodes.Values.First(n => n != follower && n.State == SupervisorState.Follower);
        var result = follower.Step(new VoteRequest(other.Id, follower.Id, cluster.Peers.ClusterId, follower.Term + 1, 100, follower.Term, PreVote: false));
        Assert.False(result.Accepted);
        Assert.Contains("lease", result.DropReason, StringComparison.Ordinal);
        Assert.Equal(cluster.Master!.Term, follower.Term);
    }

    [Fact]
    public void A_master_that_loses_its_majority_stops_its_coordinator_before_the_lease_ends_then_steps_down()
    {
        var cluster = StationWithCoordinator();
        var master = cluster.Master!;
        foreach (var node in cluster.Nodes.Keys.Where(id => !id.Equals(master.Id)))
        {
            cluster.Down.Add(node);
        }

        var leaseEnd = master.LeaseEndTick;
        Assert.True(cluster.TickUntil(() => !master.CoordinatorRunning, 50));
        Assert.True(master.Now <= leaseEnd, $"stopped at tick {master.Now}, lease ended at {leaseEnd}");
        Assert.True(cluster.TickUntil(() => master.State == SupervisorState.Follower, 50));
        Assert.Contains(cluster.EffectsOf(master.Id).OfType<CoordinatorStopped>(), s => s.Reason.Contains("lease", StringComparison.Ordinal));
    }

    [Fact]
    public void A_crashed_coordinator_is_restarted_by_its_supervisor_with_the_same_epoch()
    {
        var cluster = StationWithCoordinator();
        var master = cluster.Master!;
        master.CrashCoordinator();
        Assert.False(master.CoordinatorRunning);
        cluster.Drain(master);
        Assert.True(cluster.TickUntil(() => master.CoordinatorRunning, 10));
        var starts = cluster.EffectsOf(master.Id).OfType<CoordinatorStarted>().ToList();
        Assert.Equal(2, starts.Count);
        Assert.Equal(starts[0].Epoch, starts[1].Epoch);
        Assert.Equal(1, starts[1].Restart);
    }

    [Fact]
    public void Messages_from_another_station_or_a_stranger_are_dropped_with_a_reason()
    {
        var cluster = StationWithCoordinator();
        var follower = cluster.Nodes.Values.First(n => n.State == SupervisorState.Follower);
        var master = cluster.Master!;
        var foreign = follower.Step(new AppendEntries(master.Id, follower.Id, "halon-0000000000000000", master.Term + 5, 0, 0, Array.Empty<LogEntry>(), 0, 1, 0));
        Assert.False(foreign.Accepted);
        Assert.Contains("halon-0000000000000000", foreign.DropReason, StringComparison.Ordinal);
        // An answer from outside the configuration is dropped. (AppendEntries and vote requests are taken from any
        // peer of the station, as Raft does, so that a peer whose configuration lags can follow, or help elect, a
        // master added after it.)
        var stranger = follower.Step(new AppendEntriesResponse(NodeId.Parse("x9:9070"), follower.Id, cluster.Peers.ClusterId, master.Term + 5, true, 1, 0, 1));
        Assert.False(stranger.Accepted);
        Assert.Contains("not a peer", stranger.DropReason, StringComparison.Ordinal);
        Assert.Equal(master.Term, follower.Term);
    }

    [Fact]
    public void Malformed_entries_are_dropped_not_thrown_on()
    {
        var cluster = StationWithCoordinator();
        var follower = cluster.Nodes.Values.First(n => n.State == SupervisorState.Follower);
        var master = cluster.Master!;
        var gap = new[] { new LogEntry(follower.LastLogIndex + 5, master.Term, NoOpCommand.Instance) };
        var result = follower.Step(new AppendEntries(master.Id, follower.Id, cluster.Peers.ClusterId, master.Term, follower.LastLogIndex, master.Term, gap, 0, 1, 0));
        Assert.False(result.Accepted);
        Assert.Contains("malformed", result.DropReason, StringComparison.Ordinal);
        var future = master.Step(new AppendEntriesResponse(follower.Id, master.Id, cluster.Peers.ClusterId, master.Term, true, 0, 0, master.Now + 1000));
        Assert.False(future.Accepted);
    }

    [Fact]
    public void A_message_addressed_elsewhere_is_dropped()
    {
        var cluster = new TestCluster(3);
        var result = cluster["p1"].Step(new PeerProbe(NodeId.Parse("p2:9070"), NodeId.Parse("p3:9070"), "halon-x", 0));
        Assert.False(result.Accepted);
    }

    [Fact]
    public void Inconsistent_persisted_state_is_refused()
    {
        var id = NodeId.Parse("p1:9070");
        var role = new RoleConfig(NodeRole.Station, PeerSet.Parse("p1:9070,p2:9070,p3:9070"), null, 0);
        var gap = new PersistentState(new HardState(2, null, 0), role, new[] { new LogEntry(1, 1, NoOpCommand.Instance), new LogEntry(3, 1, NoOpCommand.Instance) });
        var error = Assert.Throws<ArgumentException>(() => new HalonNode(id, ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(id), gap));
        Assert.Contains("gap", error.Message, StringComparison.Ordinal);
        var lostCommitted = new PersistentState(new HardState(2, null, 5), role, new[] { new LogEntry(1, 1, NoOpCommand.Instance) });
        error = Assert.Throws<ArgumentException>(() => new HalonNode(id, ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(id), lostCommitted));
        Assert.Contains("lost committed entries", error.Message, StringComparison.Ordinal);
        var notMember = new PersistentState(HardState.Initial, role with { Peers = PeerSet.Parse("p2:9070,p3:9070") }, Array.Empty<LogEntry>());
        Assert.Throws<ArgumentException>(() => new HalonNode(id, ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(id), notMember));
    }

    [Fact]
    public void A_write_torn_between_entries_and_hard_state_restores_safely()
    {
        var id = NodeId.Parse("p1:9070");
        var role = new RoleConfig(NodeRole.Station, PeerSet.Parse("p1:9070,p2:9070,p3:9070"), null, 0);
        var torn = new PersistentState(new HardState(1, id, 0), role, new[] { new LogEntry(1, 3, NoOpCommand.Instance) });
        var node = new HalonNode(id, ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(id), torn);
        Assert.Equal(3, node.Term);
        Assert.Equal(3, node.GetReady().HardState!.Value.Term);
        Assert.Null(node.GetReady().HardState!.Value.VotedFor);
    }

    [Fact]
    public void A_restarted_peer_resumes_its_supervisor_and_rejoins()
    {
        var cluster = StationWithCoordinator();
        var follower = cluster.Nodes.Values.First(n => n.State == SupervisorState.Follower);
        var batches = cluster.Batches[follower.Id];
        var hard = batches.Last(b => b.HardState is not null).HardState!.Value;
        var role = batches.Last(b => b.Role is not null).Role!;
        var log = new List<LogEntry>();
        foreach (var batch in batches.Where(b => b.Entries.Length > 0))
        {
            log.RemoveAll(e => e.Index >= batch.Entries[0].Index);
            log.AddRange(batch.Entries);
        }

        cluster.Add(follower.Id, new PersistentState(hard, role, log));
        var restarted = cluster.Nodes[follower.Id];
        Assert.Equal(SupervisorState.WaitingForQuorum, restarted.State);
        Assert.True(cluster.TickUntil(() => restarted.State == SupervisorState.Follower && restarted.Leader is not null, 100));
        Assert.Equal(cluster.Master!.CommitIndex, restarted.CommitIndex);
    }

    [Fact]
    public void Status_says_why_each_missing_peer_is_missing()
    {
        var cluster = new TestCluster(3);
        var p1 = cluster["p1"];
        cluster.Down.Add(NodeId.Parse("p3:9070"));
        p1.BecomeStationPeer(cluster.Peers);
        cluster.Drain(p1);
        p1.ReportUnreachable(NodeId.Parse("p3:9070"), PeerProblem.ConnectionRefused, "connection refused");
        cluster.Deliver(); // p2 answers the probe: it runs no supervisor yet.
        var status = p1.GetStatus();
        Assert.Equal("waiting-for-quorum", status.State);
        Assert.Equal("station", status.Role);
        Assert.Equal(cluster.Peers.ClusterId, status.ClusterId);
        Assert.Equal("p2:9070 no supervisor yet; p3:9070 connection refused", status.MissingSummary());
        Assert.Null(status.Coordinator);
    }
}
