using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Protocol;

namespace Halon.Core.Tests;

/// <summary>
/// A satellite compares its station list with the peer set that the station's answers carry, so that a list written
/// with a wrong port or name is reported instead of half-working in silence.
/// </summary>
public sealed class StationListTests
{
    private static readonly NodeId s_absent = NodeId.Parse("p9:9070");

    [Fact]
    public void A_satellite_with_the_stations_own_list_reports_no_mismatch()
    {
        var cluster = StationWithCoordinator();
        var satellite = cluster["s1"];
        satellite.BecomeSatellite(cluster.Peers);
        cluster.Drain(satellite);

        Assert.True(cluster.TickUntil(() => satellite.AnnouncementAcknowledged, 200));

        var announcer = satellite.GetStatus().Announcer!;
        Assert.Null(announcer.ReportedStation);
        Assert.Null(announcer.ReportedBy);
        Assert.Empty(cluster.EffectsOf(satellite.Id).OfType<StationListMismatch>());
    }

    [Fact]
    public void An_acknowledged_satellite_whose_list_names_a_wrong_peer_reports_the_stations_set_once()
    {
        var cluster = StationWithCoordinator();
        var master = cluster.Master!;
        var follower = cluster.Nodes.Values.First(n => n.Role == NodeRole.Station && n != master);
        var wrongList = PeerSet.Create([master.Id, follower.Id, s_absent]);
        var satellite = cluster["s1"];
        satellite.BecomeSatellite(wrongList);
        cluster.Drain(satellite);

        Assert.True(cluster.TickUntil(() => satellite.AnnouncementAcknowledged, 300));

        // The station acknowledged it (the master is in its list), and the satellite says the lists differ.
        var announcer = satellite.GetStatus().Announcer!;
        Assert.Equal(wrongList.ToString(), announcer.Station);
        Assert.Equal(cluster.Peers.ToString(), announcer.ReportedStation);
        Assert.Contains(announcer.ReportedBy, new[] { master.Id.Value, follower.Id.Value });
        var mismatch = Assert.Single(cluster.EffectsOf(satellite.Id).OfType<StationListMismatch>());
        Assert.Equal(cluster.Peers, mismatch.Reported);
        Assert.Equal(wrongList, mismatch.Configured);
    }

    [Fact]
    public void A_redirect_carrying_another_set_is_a_mismatch_and_a_later_agreeing_answer_clears_it()
    {
        var station = PeerSet.Parse("p1:9070,p2:9070,p3:9070");
        var other = PeerSet.Parse("p1:9070,p2:9070,p3:9171");
        var satellite = NewSatellite(station);
        var p1 = NodeId.Parse("p1:9070");

        Assert.True(satellite.Step(new NodeUpRedirect(p1, satellite.Id, null, 3, other)).Accepted);
        Assert.True(satellite.Step(new NodeUpRedirect(p1, satellite.Id, null, 3, other)).Accepted);

        Assert.Equal(other.ToString(), satellite.GetStatus().Announcer!.ReportedStation);
        Assert.Equal("p1:9070", satellite.GetStatus().Announcer!.ReportedBy);
        Assert.Single(satellite.GetReady().Effects.OfType<StationListMismatch>());
        satellite.Advance();

        Assert.True(satellite.Step(new NodeUpRedirect(p1, satellite.Id, null, 3, station)).Accepted);

        Assert.Null(satellite.GetStatus().Announcer!.ReportedStation);
        Assert.Null(satellite.GetStatus().Announcer!.ReportedBy);
    }

    [Fact]
    public void Answers_without_a_station_from_older_peers_or_non_peers_leave_the_status_alone()
    {
        var station = PeerSet.Parse("p1:9070,p2:9070,p3:9070");
        var satellite = NewSatellite(station);
        var p2 = NodeId.Parse("p2:9070");

        Assert.True(satellite.Step(new NodeUpRedirect(p2, satellite.Id, null, 0)).Accepted);
        Assert.True(satellite.Step(new NodeUpAck(p2, satellite.Id, 1, 4)).Accepted);

        Assert.True(satellite.AnnouncementAcknowledged);
        Assert.Null(satellite.GetStatus().Announcer!.ReportedStation);
        Assert.DoesNotContain(satellite.GetReady().Effects, e => e is StationListMismatch);
    }

    [Fact]
    public void The_station_puts_its_own_peer_set_in_every_acknowledgement_and_redirect()
    {
        var cluster = StationWithCoordinator();
        var satellite = cluster["s1"];
        satellite.BecomeSatellite(cluster.Peers);
        cluster.Drain(satellite);

        Assert.True(cluster.TickUntil(() => satellite.AnnouncementAcknowledged, 200));

        var answers = cluster.Batches.Where(b => cluster.Peers.Contains(b.Key)).SelectMany(b => b.Value).SelectMany(b => b.Messages)
            .Where(m => m is NodeUpAck or NodeUpRedirect).ToList();
        Assert.NotEmpty(answers);
        Assert.All(answers, m => Assert.Equal(cluster.Peers, m is NodeUpAck ack ? ack.Station : ((NodeUpRedirect)m).Station));
    }

    private static TestCluster StationWithCoordinator()
    {
        var cluster = new TestCluster(3, 1);
        cluster.BootstrapStation();
        Assert.True(cluster.TickUntil(() => cluster.Master?.CoordinatorRunning == true, 300));
        return cluster;
    }

    private static HalonNode NewSatellite(PeerSet station)
    {
        var satellite = new HalonNode(NodeId.Parse("s1:9070"), ProtocolOptions.Default, new TestRandom(1), new HostFacts("s1", 2, 1024));
        Assert.True(satellite.BecomeSatellite(station).Succeeded);
        satellite.Advance();
        return satellite;
    }
}
