using Halon.Core.Identity;
using Halon.Core.Status;
using Halon.Ctl.Bootstrap;
using Halon.Ctl.Cluster;

namespace Halon.Hosts.Tests;

/// <summary>Table tests of how a cluster-wide status is judged: what is healthy, what is a warning, what fails.</summary>
public sealed class ClusterReportTests
{
    private static readonly PeerSet s_peers = PeerSet.Parse("10.0.0.1:9070,10.0.0.2:9070,10.0.0.3:9070");
    private static readonly CoordinatorInfo s_coordinator = new("10.0.0.1:9070", 7);

    [Fact]
    public void A_steady_station_is_healthy_with_lag_and_last_contact_measured_against_the_master()
    {
        var report = ClusterReport.Build(s_peers, Steady(), null);

        Assert.True(report.Healthy);
        Assert.Empty(report.Warnings);
        Assert.Equal("10.0.0.1:9070", report.Master!.Node);
        Assert.Equal(s_coordinator, report.Coordinator);
        Assert.Equal(3, report.Answering);
        var follower = report.Members.Single(m => m.Node == "10.0.0.3:9070");
        Assert.Equal(2, follower.LagEntries);
        Assert.Equal(50, follower.LastContactMs);
        Assert.Null(report.Members.Single(m => m.Node == "10.0.0.1:9070").LastContactMs);
    }

    [Fact]
    public void A_dead_follower_is_a_warning_while_the_rest_keep_quorum()
    {
        var answers = Steady();
        answers[2] = new NodeView(NodeId.Parse("10.0.0.3:9070"), null, "10.0.0.3:9070: connection refused");

        var report = ClusterReport.Build(s_peers, answers, null);

        Assert.True(report.Healthy);
        var warning = Assert.Single(report.Warnings);
        Assert.Equal(("unreachable", "10.0.0.3:9070"), (warning.Code, warning.Node));
    }

    [Theory]
    [InlineData("no-quorum")]
    [InlineData("no-coordinator")]
    [InlineData("several-masters")]
    [InlineData("different-term")]
    [InlineData("different-master")]
    [InlineData("different-coordinator")]
    [InlineData("different-cluster")]
    public void Each_reason_makes_the_station_unhealthy(string code)
    {
        var answers = Steady();
        var follower = answers[1].Status!;
        answers[1] = code switch
        {
            "no-quorum" => new NodeView(answers[1].Target, null, "10.0.0.2:9070: connection refused"),
            "no-coordinator" => answers[1],
            "several-masters" => answers[1] with { Status = follower with { State = "master", Term = 8, Leader = follower.Node, Coordinator = new CoordinatorInfo(follower.Node, 8) } },
            "different-term" => answers[1] with { Status = follower with { Term = 8 } },
            "different-master" => answers[1] with { Status = follower with { Leader = "10.0.0.3:9070" } },
            "different-coordinator" => answers[1] with { Status = follower with { Coordinator = null } },
            _ => answers[1] with { Status = follower with { ClusterId = "halon-0000000000000000" } },
        };
        if (code == "no-quorum")
        {
            answers[2] = new NodeView(answers[2].Target, null, "10.0.0.3:9070: connection refused");
        }

        if (code == "no-coordinator")
        {
            answers[0] = answers[0] with { Status = answers[0].Status! with { Coordinator = null } };
        }

        var report = ClusterReport.Build(s_peers, answers, null);

        Assert.False(report.Healthy);
        Assert.Contains(report.Problems, p => p.Code == code);
    }

    [Fact]
    public void A_station_is_judged_by_the_cluster_id_its_peers_report_which_also_folds_in_its_timing()
    {
        const string timed = "halon-00000000000000aa";
        var answers = Steady().Select(a => a with { Status = a.Status! with { ClusterId = timed } }).ToArray();
        var healthy = ClusterReport.Build(s_peers, answers, null);
        answers[2] = answers[2] with { Status = answers[2].Status! with { ClusterId = "halon-00000000000000bb" } };
        var otherTiming = ClusterReport.Build(s_peers, answers, null);

        Assert.True(healthy.Healthy, string.Join("; ", healthy.Problems));
        Assert.Equal(timed, healthy.ClusterId);
        Assert.False(otherTiming.Healthy);
        Assert.Equal(timed, otherTiming.ClusterId);
        Assert.Contains(otherTiming.Problems, p => p.Code == "different-cluster" && p.Node == "10.0.0.3:9070");
    }

    [Fact]
    public void Satellites_not_acknowledged_unreachable_or_with_a_wrong_list_fail_health()
    {
        var station = s_peers.ToString();
        var satellites = new (SatelliteStatus, NodeView)[]
        {
            Satellite("10.0.1.1:9070", new AnnouncerStatus(station, 1, true, 7, "10.0.0.1:9070", 2)),
            Satellite("10.0.1.2:9070", new AnnouncerStatus(station, 2, false, 0, null, 9)),
            Satellite("10.0.1.3:9070", new AnnouncerStatus(station, 1, true, 7, "10.0.0.1:9070", 2, "10.0.0.1:9070,10.0.0.2:9070", "10.0.0.1:9070")),
            (new SatelliteStatus("10.0.1.4:9070", true, 1, "n4"), new NodeView(NodeId.Parse("10.0.1.4:9070"), null, "10.0.1.4:9070: connection refused")),
        };

        var report = ClusterReport.Build(s_peers, Steady(), satellites);

        Assert.False(report.Healthy);
        Assert.Equal(
            ["10.0.1.2:9070 not-acknowledged", "10.0.1.3:9070 station-list-mismatch", "10.0.1.4:9070 unreachable"],
            report.Problems.Select(p => $"{p.Node} {p.Code}"));
    }

    [Fact]
    public void A_satellite_bootstrapped_before_a_change_of_the_peers_is_a_warning_not_a_wrong_list()
    {
        // The station replaced 10.0.0.9 by 10.0.0.3 after these satellites were bootstrapped with the old list.
        var answers = Steady();
        var master = answers[0].Status! with { Configuration = new ConfigurationStatus([.. s_peers.Members.Select(m => m.Value)], [], [], 12, true, "no change under way") };
        answers[0] = answers[0] with { Status = master };
        const string old = "10.0.0.1:9070,10.0.0.2:9070,10.0.0.9:9070";
        var satellites = new (SatelliteStatus, NodeView)[]
        {
            Satellite("10.0.1.1:9070", new AnnouncerStatus(old, 1, true, 7, "10.0.0.1:9070", 2, s_peers.ToString(), "10.0.0.1:9070")),
            Satellite("10.0.1.2:9070", new AnnouncerStatus(old, 1, true, 7, "10.0.0.1:9070", 2, "10.0.0.1:9070,10.0.0.2:9070", "10.0.0.2:9070")),
        };

        var report = ClusterReport.Build(s_peers, answers, satellites);

        // The first follows the station's voters: a warning that says so. The second hears of a peer set that is
        // not the voters the master runs with: a wrong list, as before.
        var warning = Assert.Single(report.Warnings);
        Assert.Equal(("station-list-changed", "10.0.1.1:9070"), (warning.Code, warning.Node));
        Assert.Contains("it follows them", warning.Detail, StringComparison.Ordinal);
        Assert.Equal(["10.0.1.2:9070 station-list-mismatch"], report.Problems.Select(p => $"{p.Node} {p.Code}"));
        Assert.Empty(report.Satellites!.Single(v => v.Node == "10.0.1.1:9070").Problems);
    }

    /// <summary>A master on 10.0.0.1 in term 7 with two followers; 10.0.0.3 lags two entries and was heard 5 ticks ago.</summary>
    private static NodeView[] Steady()
    {
        var peers = new[] { new PeerStatus("10.0.0.1:9070", true, "master", 0), new PeerStatus("10.0.0.2:9070", true, "follower", 1), new PeerStatus("10.0.0.3:9070", true, "follower", 5) };
        var master = Status("10.0.0.1:9070", "master", 10, peers);
        return
        [
            new NodeView(NodeId.Parse(master.Node), master, null),
            new NodeView(NodeId.Parse("10.0.0.2:9070"), Status("10.0.0.2:9070", "follower", 10, peers), null),
            new NodeView(NodeId.Parse("10.0.0.3:9070"), Status("10.0.0.3:9070", "follower", 8, peers), null),
        ];
    }

    private static NodeStatus Status(string node, string state, long commit, PeerStatus[] peers) =>
        new(node, "station", s_peers.ClusterId, 7, state, s_coordinator.Node, s_coordinator, peers, [], null, commit, 10, 1000);

    private static (SatelliteStatus, NodeView) Satellite(string node, AnnouncerStatus announcer) =>
        (new SatelliteStatus(node, true, announcer.Incarnation, node),
         new NodeView(NodeId.Parse(node), new NodeStatus(node, "satellite", s_peers.ClusterId, 0, "none", null, null, [], [], announcer, 0, 0, 10), null));
}
