using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;

namespace Halon.Core.Tests;

/// <summary>
/// Decommissioning: the coordinator's removal entry, the tombstone it leaves, the refusal of the removed installation,
/// the satellite that stops and stays stopped, and a new installation that is acknowledged again.
/// </summary>
public sealed class SatelliteRemovalTests
{
    private static TestCluster StationWithSatellites(int satellites = 2)
    {
        var cluster = new TestCluster(3, satellites);
        cluster.BootstrapStation();
        Assert.True(cluster.TickUntil(() => cluster.Master?.CoordinatorRunning == true, 300));
        for (var i = 1; i <= satellites; i++)
        {
            var satellite = cluster[$"s{i}"];
            Assert.True(satellite.BecomeSatellite(cluster.Peers).Succeeded);
            cluster.Drain(satellite);
        }

        Assert.True(cluster.TickUntil(() => Enumerable.Range(1, satellites).All(i => cluster[$"s{i}"].AnnouncementAcknowledged), 300));
        return cluster;
    }

    private static RemovalResult Remove(TestCluster cluster, HalonNode at, NodeId satellite)
    {
        var result = at.RemoveSatellite(satellite);
        cluster.Drain(at);
        return result;
    }

    /// <summary>Removes <paramref name="satellite"/> at the master and runs until every live peer applied the removal.</summary>
    private static RemovalResult RemoveEverywhere(TestCluster cluster, NodeId satellite)
    {
        var result = Remove(cluster, cluster.Master!, satellite);
        Assert.Equal(RemovalOutcome.Appended, result.Outcome);
        Assert.True(cluster.TickUntil(() => cluster.Peers.Members.Where(p => !cluster.Down.Contains(p)).All(p => cluster.Nodes[p].CommitIndex >= result.LogIndex), 100));
        return result;
    }

    private static List<Message> Sent(TestCluster cluster, NodeId from, int sinceBatch) =>
        cluster.Batches[from].Skip(sinceBatch).SelectMany(b => b.Messages).ToList();

    [Fact]
    public void A_committed_removal_takes_the_satellite_out_of_every_peer_and_stops_it()
    {
        var cluster = StationWithSatellites();
        var master = cluster.Master!;
        var s1 = cluster["s1"].Id;
        var install = cluster["s1"].InstallId;
        var lastIndex = master.LastLogIndex;

        var result = Remove(cluster, master, s1);

        Assert.Equal(RemovalOutcome.Appended, result.Outcome);
        Assert.True(result.Succeeded);
        Assert.Null(result.Coordinator);
        Assert.Equal(lastIndex + 1, result.LogIndex);
        Assert.Equal(lastIndex + 1, master.LastLogIndex);
        Assert.Equal(new SatelliteRemovedCommand(s1, install), master.Log[^1].Command);
        Assert.Equal(master.Term, master.Log[^1].Term);
        Assert.Contains($"index {lastIndex + 1}", result.Message, StringComparison.Ordinal);

        Assert.True(cluster.TickUntil(() => cluster.Peers.Members.All(p => cluster.Nodes[p].CommitIndex >= result.LogIndex), 100));
        foreach (var peer in cluster.Peers.Members)
        {
            var node = cluster.Nodes[peer];
            Assert.False(node.Satellites.ContainsKey(s1));
            Assert.True(node.Satellites.ContainsKey(cluster["s2"].Id));
            Assert.Equal(install, node.RemovedSatellites[s1]);
            Assert.Single(node.RemovedSatellites);
            var effect = Assert.Single(cluster.EffectsOf(peer).OfType<SatelliteRemoved>());
            Assert.Equal(new SatelliteRemoved(s1, install, result.LogIndex, peer.Equals(master.Id)), effect);
        }

        var satellite = cluster["s1"];
        Assert.True(satellite.RemovedFromStation);
        Assert.False(satellite.AnnouncementAcknowledged);
        Assert.Equal(new RemovedFromStation(install, master.Term, master.Id), Assert.Single(cluster.EffectsOf(s1).OfType<RemovedFromStation>()));
        Assert.True(cluster.Batches[s1][^1].Role!.Removed); // Persisted, so that a restart stays quiet.
        Assert.False(cluster["s2"].RemovedFromStation);
        Assert.True(cluster["s2"].AnnouncementAcknowledged);
    }

    [Fact]
    public void Status_shows_the_removed_satellite_at_the_station_and_at_the_satellite()
    {
        var cluster = StationWithSatellites();
        var master = cluster.Master!;
        var s1 = cluster["s1"];
        var install = s1.InstallId;
        RemoveEverywhere(cluster, s1.Id);

        foreach (var peer in cluster.Peers.Members)
        {
            var status = cluster.Nodes[peer].GetStatus();
            Assert.Equal(1, status.RemovedSatellites);
            Assert.Equal(2, status.Satellites.Count);
            var row = status.Satellites[0];
            Assert.Equal(s1.Id.Value, row.Node);
            Assert.True(row.Removed);
            Assert.False(row.Acknowledged);
            Assert.Equal(install, row.InstallId);
            Assert.Equal(0, row.Incarnation);
            Assert.False(status.Satellites[1].Removed);
            Assert.True(status.Satellites[1].Acknowledged);
        }

        var announcer = s1.GetStatus().Announcer!;
        Assert.True(announcer.Removed);
        Assert.False(announcer.Acknowledged);
        Assert.Equal(master.Id.Value, announcer.RemovedBy);
        Assert.Equal(master.Term, announcer.RemovedEpoch);
        Assert.Equal(install, announcer.InstallId);
        Assert.Equal(0, s1.GetStatus().RemovedSatellites);

        var other = cluster["s2"].GetStatus().Announcer!;
        Assert.False(other.Removed);
        Assert.Null(other.RemovedBy);
        Assert.Equal(0, other.RemovedEpoch);
    }

    [Fact]
    public void Removing_again_or_removing_an_unknown_node_changes_nothing()
    {
        var cluster = StationWithSatellites();
        var master = cluster.Master!;
        var s1 = cluster["s1"].Id;
        Remove(cluster, master, s1);
        cluster.Deliver();
        var lastIndex = master.LastLogIndex;

        var again = Remove(cluster, master, s1);
        Assert.Equal(RemovalOutcome.AlreadyRemoved, again.Outcome);
        Assert.True(again.Succeeded);
        Assert.Equal(0, again.LogIndex);
        Assert.Contains("removed already", again.Message, StringComparison.Ordinal);

        var unknown = Remove(cluster, master, NodeId.Parse("nowhere:9070"));
        Assert.Equal(RemovalOutcome.Unknown, unknown.Outcome);
        Assert.True(unknown.Succeeded);
        Assert.Contains("no record of nowhere:9070", unknown.Message, StringComparison.Ordinal);

        Assert.Equal(lastIndex, master.LastLogIndex);
        Assert.Single(master.RemovedSatellites);
        Assert.False(master.RemovedSatellites.ContainsKey(NodeId.Parse("nowhere:9070")));
    }

    [Fact]
    public void Only_the_coordinator_decides_and_others_say_where_it_is()
    {
        var cluster = StationWithSatellites();
        var master = cluster.Master!;
        var s1 = cluster["s1"].Id;
        var follower = cluster.Nodes[cluster.Peers.Members.First(p => !p.Equals(master.Id))];
        var lastIndex = follower.LastLogIndex;

        var atFollower = Remove(cluster, follower, s1);
        Assert.Equal(RemovalOutcome.NotCoordinator, atFollower.Outcome);
        Assert.False(atFollower.Succeeded);
        Assert.Equal(master.Id, atFollower.Coordinator);
        Assert.Contains($"the master is {master.Id}", atFollower.Message, StringComparison.Ordinal);
        Assert.Equal(lastIndex, follower.LastLogIndex);

        var atSatellite = Remove(cluster, cluster["s2"], s1);
        Assert.Equal(RemovalOutcome.NotStation, atSatellite.Outcome);
        Assert.False(atSatellite.Succeeded);
        Assert.Null(atSatellite.Coordinator);

        cluster.Deliver();
        Assert.True(master.Satellites.ContainsKey(s1));
        Assert.True(cluster["s1"].AnnouncementAcknowledged);
    }

    [Fact]
    public void A_master_whose_coordinator_is_not_running_refuses_and_names_itself()
    {
        var cluster = StationWithSatellites();
        var master = cluster.Master!;
        master.CrashCoordinator();
        cluster.Drain(master);
        var result = Remove(cluster, master, cluster["s1"].Id);
        Assert.Equal(RemovalOutcome.NotCoordinator, result.Outcome);
        Assert.Equal(master.Id, result.Coordinator);
        Assert.Contains("not running yet", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_follower_that_knows_no_master_says_so()
    {
        var cluster = new TestCluster(3, 1);
        cluster.BootstrapStation();
        var peer = cluster["p1"];
        var result = Remove(cluster, peer, cluster["s1"].Id);
        Assert.Equal(RemovalOutcome.NotCoordinator, result.Outcome);
        Assert.Null(result.Coordinator);
        Assert.Contains("knows no master", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_removal_waiting_for_commit_is_not_appended_twice_and_holds_the_satellites_announcements()
    {
        var cluster = StationWithSatellites();
        var master = cluster.Master!;
        var s1 = cluster["s1"];
        foreach (var peer in cluster.Peers.Members.Where(p => !p.Equals(master.Id)))
        {
            cluster.Down.Add(peer);
        }

        var first = Remove(cluster, master, s1.Id);
        Assert.Equal(RemovalOutcome.Appended, first.Outcome);
        var lastIndex = master.LastLogIndex;

        var second = Remove(cluster, master, s1.Id);
        Assert.Equal(RemovalOutcome.Pending, second.Outcome);
        Assert.True(second.Succeeded);
        Assert.Equal(first.LogIndex, second.LogIndex);
        Assert.Equal(lastIndex, master.LastLogIndex);
        Assert.True(master.Satellites.ContainsKey(s1.Id)); // Not committed: still in the table.

        // The satellite announces meanwhile: it is neither acknowledged nor told it is removed.
        var batches = cluster.Batches[master.Id].Count;
        var step = master.Step(new NodeUp(s1.Id, master.Id, s1.Incarnation, TestCluster.Facts(s1.Id)) { InstallId = s1.InstallId });
        cluster.Drain(master);
        Assert.False(step.Accepted);
        Assert.Equal(DropCategory.Removed, step.DropCategory);
        Assert.DoesNotContain(Sent(cluster, master.Id, batches), m => m.To.Equals(s1.Id));

        cluster.Down.Clear();
        Assert.True(cluster.TickUntil(() => s1.RemovedFromStation, 100));
        Assert.False(master.Satellites.ContainsKey(s1.Id));
        Assert.Equal(RemovalOutcome.AlreadyRemoved, Remove(cluster, master, s1.Id).Outcome);
    }

    [Fact]
    public void A_removed_satellite_restarted_stays_quiet_and_keeps_its_incarnation()
    {
        var cluster = StationWithSatellites();
        var master = cluster.Master!;
        var s1 = cluster["s1"];
        var incarnation = s1.Incarnation;
        Remove(cluster, master, s1.Id);
        cluster.Deliver();
        Assert.True(s1.RemovedFromStation);

        var restarted = cluster.Restart(s1.Id);
        var batches = cluster.Batches[s1.Id].Count;
        cluster.Tick(200);
        Assert.True(restarted.RemovedFromStation);
        Assert.Equal(incarnation, restarted.Incarnation);
        Assert.Empty(Sent(cluster, s1.Id, batches - 1));
        Assert.Contains(cluster.EffectsOf(s1.Id).OfType<RoleAssigned>(), r => r.Detail.Contains("bootstrap it again", StringComparison.Ordinal));
        var announcer = restarted.GetStatus().Announcer!;
        Assert.True(announcer.Removed);
        Assert.Null(announcer.RemovedBy);
        Assert.Equal(0, announcer.AnnouncementsSent);
        Assert.Equal(HalonNode.NoTimerTicks, restarted.TicksUntilNextTimer); // No timer: a host may sleep through its ticks.

        Assert.True(restarted.BecomeSatellite(cluster.Peers).Succeeded);
        cluster.Drain(restarted);
        Assert.NotEqual(HalonNode.NoTimerTicks, restarted.TicksUntilNextTimer);
    }

    [Fact]
    public void A_satellite_that_missed_the_notice_is_refused_at_its_next_announcement_and_stops()
    {
        var cluster = StationWithSatellites();
        var master = cluster.Master!;
        var s1 = cluster["s1"];
        cluster.Down.Add(s1.Id); // The notice is lost.
        Remove(cluster, master, s1.Id);
        cluster.Deliver();
        Assert.False(cluster.Nodes[s1.Id].RemovedFromStation);
        cluster.Down.Remove(s1.Id);

        var restarted = cluster.Restart(s1.Id);
        var masterBatches = cluster.Batches[master.Id].Count;
        Assert.True(cluster.TickUntil(() => restarted.RemovedFromStation, 300));
        var sent = Sent(cluster, master.Id, masterBatches);
        Assert.DoesNotContain(sent, m => m is NodeUpAck && m.To.Equals(s1.Id));
        var notice = Assert.IsType<NodeUpRemoved>(sent.Last(m => m.To.Equals(s1.Id)));
        Assert.Equal(restarted.InstallId, notice.InstallId);
        Assert.Equal(cluster.Peers, notice.Station);
        Assert.Contains(cluster.Drops, d => d.Node.Equals(master.Id) && d.Result.DropCategory == DropCategory.Removed);

        // Stopped: no announcement leaves it any more.
        var satelliteBatches = cluster.Batches[s1.Id].Count;
        cluster.Tick(300);
        Assert.Empty(Sent(cluster, s1.Id, satelliteBatches));
        Assert.False(master.Satellites.ContainsKey(s1.Id));
    }

    [Fact]
    public void The_refusal_holds_across_a_change_of_coordinator()
    {
        var cluster = StationWithSatellites();
        var master = cluster.Master!;
        var s1 = cluster["s1"];
        RemoveEverywhere(cluster, s1.Id);
        cluster.Down.Add(master.Id);
        Assert.True(cluster.TickUntil(() => cluster.Master is { CoordinatorRunning: true } m && !m.Id.Equals(master.Id), 600));
        var next = cluster.Master!;
        Assert.True(next.RemovedSatellites.ContainsKey(s1.Id));

        var batches = cluster.Batches[next.Id].Count;
        var step = next.Step(new NodeUp(s1.Id, next.Id, s1.Incarnation + 1, TestCluster.Facts(s1.Id)) { InstallId = s1.InstallId });
        cluster.Drain(next);
        Assert.Equal(DropCategory.Removed, step.DropCategory);
        var notice = Assert.IsType<NodeUpRemoved>(Assert.Single(Sent(cluster, next.Id, batches), m => m.To.Equals(s1.Id)));
        Assert.Equal(next.Term, notice.Epoch);
        Assert.False(next.Satellites.ContainsKey(s1.Id));
        Assert.Equal(RemovalOutcome.AlreadyRemoved, Remove(cluster, next, s1.Id).Outcome);
    }

    [Fact]
    public void Bootstrapped_again_the_satellite_is_a_new_installation_and_is_acknowledged()
    {
        var cluster = StationWithSatellites();
        var master = cluster.Master!;
        var s1 = cluster["s1"];
        var oldInstall = s1.InstallId;
        Remove(cluster, master, s1.Id);
        cluster.Deliver();

        var result = s1.BecomeSatellite(cluster.Peers);
        cluster.Drain(s1);
        Assert.True(result.Succeeded);
        Assert.True(result.Changed);
        Assert.Contains("bootstrapped again", Assert.IsType<RoleAssigned>(cluster.EffectsOf(s1.Id).OfType<RoleAssigned>().Last()).Detail, StringComparison.Ordinal);
        Assert.False(s1.GetStatus().Announcer!.Removed);
        Assert.False(s1.RemovedFromStation);
        Assert.NotEqual(oldInstall, s1.InstallId);
        Assert.NotEqual(0, s1.InstallId);
        Assert.Equal(1, s1.Incarnation);
        var persisted = cluster.Batches[s1.Id][^1].Role!;
        Assert.False(persisted.Removed);
        Assert.Equal(s1.InstallId, persisted.InstallId);

        Assert.True(cluster.TickUntil(() => s1.AnnouncementAcknowledged, 300));
        var record = master.Satellites[s1.Id];
        Assert.Equal(s1.InstallId, record.InstallId);
        Assert.Equal(1, record.Incarnation);
        Assert.Equal(oldInstall, master.RemovedSatellites[s1.Id]); // The tombstone stays, naming the old installation.
        var status = master.GetStatus();
        Assert.Equal(0, status.RemovedSatellites);
        var row = Assert.Single(status.Satellites, r => r.Node == s1.Id.Value);
        Assert.True(row.Acknowledged);
        Assert.False(row.Removed);

        // The old installation is still refused, while the new one is acknowledged.
        var batches = cluster.Batches[master.Id].Count;
        var old = master.Step(new NodeUp(s1.Id, master.Id, 5, TestCluster.Facts(s1.Id)) { InstallId = oldInstall });
        cluster.Drain(master);
        Assert.Equal(DropCategory.Removed, old.DropCategory);
        Assert.Equal(oldInstall, Assert.IsType<NodeUpRemoved>(Assert.Single(Sent(cluster, master.Id, batches))).InstallId);
        Assert.Equal(s1.InstallId, master.Satellites[s1.Id].InstallId);

        // The late notice for the old installation does not stop the new one.
        var late = s1.Step(new NodeUpRemoved(master.Id, s1.Id, oldInstall, master.Term, cluster.Peers));
        Assert.Equal(DropCategory.Outdated, late.DropCategory);
        Assert.False(s1.RemovedFromStation);
        Assert.True(s1.AnnouncementAcknowledged);
    }

    [Fact]
    public void Bootstrapping_a_removed_satellite_to_another_station_is_allowed()
    {
        var cluster = StationWithSatellites(1);
        var s1 = cluster["s1"];
        Remove(cluster, cluster.Master!, s1.Id);
        cluster.Deliver();
        var other = PeerSet.Create(new[] { NodeId.Parse("q1:9070"), NodeId.Parse("q2:9070"), NodeId.Parse("q3:9070") });
        var result = s1.BecomeSatellite(other);
        Assert.True(result.Succeeded);
        Assert.Equal(other.ToString(), s1.GetStatus().Announcer!.Station);
        Assert.Contains("was removed from its station", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_announcement_without_an_installation_id_is_refused_once_a_tombstone_exists()
    {
        var cluster = StationWithSatellites();
        var master = cluster.Master!;
        var s1 = cluster["s1"];
        Remove(cluster, master, s1.Id);
        cluster.Deliver();
        var step = master.Step(new NodeUp(s1.Id, master.Id, 9, TestCluster.Facts(s1.Id)) { InstallId = 0 });
        Assert.Equal(DropCategory.Removed, step.DropCategory);

        // Any other installation is a node bootstrapped again: acknowledged once committed.
        var fresh = master.Step(new NodeUp(s1.Id, master.Id, 1, TestCluster.Facts(s1.Id)) { InstallId = 12345 });
        cluster.Drain(master);
        Assert.True(fresh.Accepted);
        Assert.IsType<SatelliteAcknowledgedCommand>(master.Log[^1].Command);
    }

    [Fact]
    public void The_satellite_ignores_notices_it_cannot_trust_and_acknowledgements_after_its_removal()
    {
        var cluster = StationWithSatellites(1);
        var master = cluster.Master!;
        var s1 = cluster["s1"];
        var stranger = NodeId.Parse("x1:9070");

        Assert.Equal(DropCategory.NotAMember, s1.Step(new NodeUpRemoved(stranger, s1.Id, s1.InstallId, 99)).DropCategory);
        Assert.Equal(DropCategory.Fenced, s1.Step(new NodeUpRemoved(master.Id, s1.Id, s1.InstallId, master.Term - 1)).DropCategory);
        Assert.Equal(DropCategory.Outdated, s1.Step(new NodeUpRemoved(master.Id, s1.Id, s1.InstallId + 1, master.Term)).DropCategory);
        Assert.False(s1.RemovedFromStation);
        Assert.Equal(DropCategory.NotAMember, master.Step(new NodeUpRemoved(master.Id, master.Id, 1, master.Term)).DropCategory);

        Assert.True(s1.Step(new NodeUpRemoved(master.Id, s1.Id, s1.InstallId, master.Term)).Accepted);
        Assert.True(s1.RemovedFromStation);
        cluster.Drain(s1);
        Assert.True(s1.Step(new NodeUpRemoved(master.Id, s1.Id, s1.InstallId, master.Term)).Accepted); // Told again.
        cluster.Drain(s1);
        Assert.Single(cluster.EffectsOf(s1.Id).OfType<RemovedFromStation>());

        var ack = s1.Step(new NodeUpAck(master.Id, s1.Id, s1.Incarnation, master.Term, cluster.Peers));
        Assert.Equal(DropCategory.Removed, ack.DropCategory);
        Assert.False(s1.AnnouncementAcknowledged);
        var outdated = s1.Step(new NodeUpOutdated(master.Id, s1.Id, s1.InstallId, s1.Incarnation + 3, s1.InstallId, master.Term));
        Assert.Equal(DropCategory.Removed, outdated.DropCategory);
        Assert.Equal(1, s1.Incarnation);
        var redirect = s1.Step(new NodeUpRedirect(master.Id, s1.Id, master.Id, master.Term, cluster.Peers));
        Assert.Equal(DropCategory.Outdated, redirect.DropCategory);
    }

    [Fact]
    public void A_late_acknowledgement_of_the_removed_installation_is_not_taken_by_the_new_one()
    {
        // Found by a sweep (3 peers, seed 92): acknowledgements of installation A (incarnation 1) were held back by the
        // network; A was removed and the node bootstrapped again as installation B, which starts at incarnation 1 too,
        // in the same coordinator epoch. Incarnation and epoch alone took A's late acknowledgement for B's.
        var cluster = StationWithSatellites(1);
        var master = cluster.Master!;
        var s1 = cluster["s1"];
        var oldInstall = s1.InstallId;
        var late = new NodeUpAck(master.Id, s1.Id, 1, master.Term, cluster.Peers) { InstallId = oldInstall };
        Assert.True(s1.Step(new NodeUpRemoved(master.Id, s1.Id, oldInstall, master.Term)).Accepted);
        cluster.Drain(s1);
        Assert.True(s1.BecomeSatellite(cluster.Peers).Succeeded);
        cluster.Drain(s1);
        Assert.NotEqual(oldInstall, s1.InstallId);
        Assert.Equal(1, s1.Incarnation);

        var dropped = s1.Step(late);
        Assert.Equal(DropCategory.Outdated, dropped.DropCategory);
        Assert.Contains($"installation {oldInstall:x}", dropped.DropReason, StringComparison.Ordinal);
        Assert.False(s1.AnnouncementAcknowledged);

        // The acknowledgement of its own installation is taken; so is one from a peer that names none (0).
        Assert.True(s1.Step(late with { InstallId = s1.InstallId }).Accepted);
        Assert.True(s1.AnnouncementAcknowledged);
        Assert.True(cluster["s1"].Step(late with { InstallId = 0 }).Accepted);
    }

    [Fact]
    public void The_coordinator_names_the_installation_it_acknowledges()
    {
        var cluster = StationWithSatellites(1);
        var master = cluster.Master!;
        var s1 = cluster["s1"];
        Assert.NotEqual(0, s1.InstallId);
        var before = cluster.Batches[master.Id].Count;
        Assert.True(master.Step(new NodeUp(s1.Id, master.Id, s1.Incarnation, TestCluster.Facts(s1.Id)) { InstallId = s1.InstallId }).Accepted);
        cluster.Drain(master);
        var ack = Assert.IsType<NodeUpAck>(Assert.Single(Sent(cluster, master.Id, before), m => m is NodeUpAck));
        Assert.Equal(s1.InstallId, ack.InstallId);
        Assert.Equal(s1.Incarnation, ack.Incarnation);
    }

    [Fact]
    public void A_restarted_peer_reapplies_the_removal_without_logging_it_again()
    {
        var cluster = StationWithSatellites();
        var master = cluster.Master!;
        var s1 = cluster["s1"];
        var install = s1.InstallId;
        RemoveEverywhere(cluster, s1.Id);
        var follower = cluster.Peers.Members.First(p => !p.Equals(master.Id));
        var restarted = cluster.Restart(follower);
        Assert.Equal(install, restarted.RemovedSatellites[s1.Id]);
        Assert.False(restarted.Satellites.ContainsKey(s1.Id));
        Assert.Single(cluster.EffectsOf(follower).OfType<SatelliteRemoved>()); // The one from before the restart.
    }

    [Fact]
    public void Removing_a_satellite_whose_first_acknowledgement_waits_for_commit_removes_that_installation()
    {
        var cluster = new TestCluster(3, 1);
        cluster.BootstrapStation();
        Assert.True(cluster.TickUntil(() => cluster.Master?.CoordinatorRunning == true, 300));
        var master = cluster.Master!;
        var s1 = cluster["s1"].Id;
        foreach (var peer in cluster.Peers.Members.Where(p => !p.Equals(master.Id)))
        {
            cluster.Down.Add(peer);
        }

        var step = master.Step(new NodeUp(s1, master.Id, 3, TestCluster.Facts(s1)) { InstallId = 777 });
        cluster.Drain(master);
        Assert.True(step.Accepted);
        Assert.False(master.Satellites.ContainsKey(s1));
        var result = Remove(cluster, master, s1);
        Assert.Equal(RemovalOutcome.Appended, result.Outcome);
        Assert.Equal(new SatelliteRemovedCommand(s1, 777), master.Log[^1].Command);

        cluster.Down.Clear();
        Assert.True(cluster.TickUntil(() => master.CommitIndex >= result.LogIndex, 100));
        Assert.False(master.Satellites.ContainsKey(s1));
        Assert.Equal(777, master.RemovedSatellites[s1]);
        Assert.Equal(1, master.GetStatus().RemovedSatellites);
    }

    [Fact]
    public void The_removal_names_the_newer_of_the_committed_and_the_pending_installation()
    {
        var cluster = StationWithSatellites(1);
        var master = cluster.Master!;
        var s1 = cluster["s1"];
        foreach (var peer in cluster.Peers.Members.Where(p => !p.Equals(master.Id)))
        {
            cluster.Down.Add(peer);
        }

        // A newer incarnation of another installation waits for commit: the removal names it.
        Assert.True(master.Step(new NodeUp(s1.Id, master.Id, s1.Incarnation + 1, TestCluster.Facts(s1.Id)) { InstallId = 4242 }).Accepted);
        cluster.Drain(master);
        Remove(cluster, master, s1.Id);
        Assert.Equal(new SatelliteRemovedCommand(s1.Id, 4242), master.Log[^1].Command);
    }
}
