using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;

namespace Halon.Core.Tests;

/// <summary>
/// A satellite's incarnations must order after what the station recorded, whatever happened to its data dir: restarts,
/// a reinstall (data dir lost), a data dir restored from an old copy. And the satellite limit counts pending ones.
/// </summary>
public sealed class SatelliteIncarnationTests
{
    private static TestCluster StationWithSatellite(ProtocolOptions? options = null, int satellites = 1)
    {
        var cluster = new TestCluster(3, satellites, options);
        cluster.BootstrapStation();
        Assert.True(cluster.TickUntil(() => cluster.Master?.CoordinatorRunning == true, 300));
        return cluster;
    }

    private static HalonNode Bootstrap(TestCluster cluster, HalonNode satellite)
    {
        Assert.True(satellite.BecomeSatellite(cluster.Peers).Succeeded);
        cluster.Drain(satellite);
        Assert.True(cluster.TickUntil(() => satellite.AnnouncementAcknowledged, 300), "the satellite was never acknowledged");
        return satellite;
    }

    [Fact]
    public void A_reinstalled_satellite_is_acknowledged_again_with_an_incarnation_above_the_recorded_one()
    {
        var cluster = StationWithSatellite();
        var id = cluster["s1"].Id;
        Bootstrap(cluster, cluster["s1"]);
        cluster.Restart(id);
        cluster.Restart(id);
        Assert.True(cluster.TickUntil(() => cluster["s1"].AnnouncementAcknowledged, 300));
        Assert.Equal(3, cluster.Master!.Satellites[id].Incarnation);
        var oldInstall = cluster.Master!.Satellites[id].InstallId;

        // Its data dir is lost: it comes back in listen mode, and is bootstrapped again at incarnation 1 with a new
        // installation id.
        var reinstalled = cluster.Reinstall(id);
        Assert.Equal(NodeRole.None, reinstalled.Role);
        Bootstrap(cluster, reinstalled);

        var record = cluster.Master!.Satellites[id];
        Assert.Equal(4, reinstalled.Incarnation);
        Assert.Equal(4, record.Incarnation);
        Assert.NotEqual(oldInstall, record.InstallId);
        Assert.Equal(1, record.Reinstalls);
        Assert.Contains(cluster.EffectsOf(id).OfType<IncarnationAdvanced>(), e => e.From == 1 && e.To == 4 && e.Recorded == 3);
        Assert.Contains(cluster.EffectsOf(cluster.Master!.Id).OfType<SatelliteAcknowledged>(), e => e.Satellite.Equals(id) && e.Incarnation == 4 && e.Reinstalled);
        // The new incarnation is persisted before it is announced.
        var firstAnnouncement = cluster.Batches[id].FindIndex(b => b.Messages.OfType<NodeUp>().Any(n => n.Incarnation == 4));
        Assert.True(firstAnnouncement >= 0);
        Assert.Equal(4, cluster.Batches[id][firstAnnouncement].Role?.Incarnation);
        var status = cluster.Master!.GetStatus().Satellites.Single(s => s.Node == id.Value);
        Assert.Equal(4, status.Incarnation);
        Assert.Equal(1, status.Reinstalls);
    }

    [Fact]
    public void A_reinstall_at_the_same_incarnation_number_is_a_new_incarnation_too()
    {
        var cluster = StationWithSatellite();
        var id = cluster["s1"].Id;
        Bootstrap(cluster, cluster["s1"]);
        Assert.Equal(1, cluster.Master!.Satellites[id].Incarnation);
        var reinstalled = Bootstrap(cluster, cluster.Reinstall(id));
        Assert.Equal(2, reinstalled.Incarnation);
        Assert.Equal(2, cluster.Master!.Satellites[id].Incarnation);
        Assert.Equal(1, cluster.Master!.Satellites[id].Reinstalls);
    }

    [Fact]
    public void A_data_dir_restored_from_an_old_copy_moves_above_the_recorded_incarnation()
    {
        var cluster = StationWithSatellite();
        var id = cluster["s1"].Id;
        Bootstrap(cluster, cluster["s1"]);
        var oldCopy = cluster.PersistedStateOf(id);
        cluster.Restart(id);
        cluster.Restart(id);
        Assert.True(cluster.TickUntil(() => cluster["s1"].AnnouncementAcknowledged, 300));
        Assert.Equal(3, cluster.Master!.Satellites[id].Incarnation);

        cluster.Batches[id].Clear();
        cluster.Add(id, oldCopy); // Incarnation 1 on disk, so it starts at 2: below the recorded 3.
        var restored = cluster["s1"];
        Assert.Equal(2, restored.Incarnation);
        Assert.True(cluster.TickUntil(() => restored.AnnouncementAcknowledged, 300));
        Assert.Equal(4, restored.Incarnation);
        Assert.Equal(4, cluster.Master!.Satellites[id].Incarnation);
        Assert.Equal(0, cluster.Master!.Satellites[id].Reinstalls);
    }

    [Fact]
    public void A_stale_announcement_does_not_move_an_acknowledged_satellite_to_a_new_incarnation()
    {
        var cluster = StationWithSatellite();
        var id = cluster["s1"].Id;
        Bootstrap(cluster, cluster["s1"]);
        var satellite = cluster.Restart(id);
        Assert.True(cluster.TickUntil(() => satellite.AnnouncementAcknowledged, 300));
        Assert.Equal(2, satellite.Incarnation);

        // A late copy of incarnation 1's announcement reaches the master, which answers with what it recorded.
        var master = cluster.Master!;
        master.Step(new NodeUp(id, master.Id, 1, TestCluster.Facts(id)) { InstallId = satellite.InstallId });
        var outdated = master.GetReady().Messages.OfType<NodeUpOutdated>().Single();
        master.Advance();
        Assert.Equal(2, outdated.RecordedIncarnation);
        Assert.False(satellite.Step(outdated).Accepted);
        Assert.Equal(2, satellite.Incarnation);
        Assert.True(satellite.AnnouncementAcknowledged);
    }

    [Fact]
    public void An_outdated_notice_about_another_installation_or_from_an_older_epoch_is_ignored()
    {
        var station = PeerSet.Parse("p1:9070,p2:9070,p3:9070");
        var satellite = new HalonNode(NodeId.Parse("s1:9070"), ProtocolOptions.Default, new TestRandom(3), new HostFacts("s1", 2, 1024));
        satellite.BecomeSatellite(station);
        var install = satellite.GetReady().Role!.InstallId;
        satellite.Advance();
        Assert.NotEqual(0, install);
        var p1 = NodeId.Parse("p1:9070");
        Assert.False(satellite.Step(new NodeUpOutdated(p1, satellite.Id, install + 1, 5, install + 7, Epoch: 3)).Accepted);
        Assert.Equal(1, satellite.Incarnation);
        Assert.False(satellite.Step(new NodeUpAck(p1, satellite.Id, Incarnation: 9, Epoch: 6)).Accepted); // Seen epoch 6.
        Assert.False(satellite.Step(new NodeUpOutdated(p1, satellite.Id, install, 5, install + 7, Epoch: 5)).Accepted);
        Assert.Equal(1, satellite.Incarnation);
        Assert.True(satellite.Step(new NodeUpOutdated(p1, satellite.Id, install, 5, install + 7, Epoch: 6)).Accepted);
        Assert.Equal(6, satellite.Incarnation);
        Assert.Equal(6, satellite.GetReady().Role!.Incarnation);
    }

    [Fact]
    public void The_satellite_limit_counts_acknowledgements_waiting_for_commit()
    {
        var options = ProtocolOptions.Default with { SatellitesMax = 3 };
        var cluster = StationWithSatellite(options, satellites: 5);
        var master = cluster.Master!;
        Bootstrap(cluster, cluster["s1"]);

        // The followers fall silent, so nothing more commits: s2 and s3 wait for commit, s4 is over the limit.
        foreach (var node in cluster.Nodes.Values.Where(n => n.Role == NodeRole.Station && !n.Id.Equals(master.Id)))
        {
            cluster.Down.Add(node.Id);
        }

        var results = new List<StepResult>();
        foreach (var name in new[] { "s2", "s3", "s4" })
        {
            var id = cluster[name].Id;
            results.Add(master.Step(new NodeUp(id, master.Id, 1, TestCluster.Facts(id)) { InstallId = 11 }));
            cluster.Drain(master);
        }

        Assert.True(results[0].Accepted);
        Assert.True(results[1].Accepted);
        Assert.False(results[2].Accepted);
        Assert.Contains("3 satellites", results[2].DropReason, StringComparison.Ordinal);
        Assert.Equal(3, master.GetStatus().Satellites.Count);
    }
}
