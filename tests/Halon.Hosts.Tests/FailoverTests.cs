using System.Text.RegularExpressions;

namespace Halon.Hosts.Tests;

/// <summary>kill -9, restarts and satellites, against real halond processes.</summary>
public sealed class FailoverTests : IDisposable
{
    private readonly TestCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task Killing_the_master_with_sigkill_gives_a_new_coordinator_with_a_higher_epoch()
    {
        var peers = await _cluster.StartAsync(3);
        await BootstrapStationAsync(peers);
        var before = await _cluster.WaitForCoordinatorAsync(peers);
        var master = _cluster.NodeOf(before);

        master.Kill();

        var survivors = peers.Where(p => p != master).ToList();
        var after = await _cluster.WaitForSteadyStationAsync(survivors, epochAbove: before.Epoch);
        Assert.NotEqual(before.Node, after.Coordinator.Node);
        Assert.Equal("master", after.Master.State);
        var dead = Assert.Single(after.Master.Peers, p => p.Node == before.Node);
        Assert.False(dead.Reachable);
    }

    [Fact]
    public async Task A_killed_master_restarted_with_its_data_dir_rejoins_as_a_follower_without_any_command()
    {
        var peers = await _cluster.StartAsync(3);
        await BootstrapStationAsync(peers);
        var before = await _cluster.WaitForCoordinatorAsync(peers);
        var master = _cluster.NodeOf(before);
        master.Kill();
        var after = await _cluster.WaitForCoordinatorAsync(peers.Where(p => p != master).ToList(), epochAbove: before.Epoch);

        master.Start();

        // Normally it follows the new master. On a loaded machine a later election may move the master again (even to
        // this node); what matters is that it is back in the station under a coordinator no older than the new one.
        var rejoined = await _cluster.WaitForAsync(
            master,
            s => s.Role == "station" && s.State is "follower" or "master" && s.Coordinator is { } c && c.Epoch >= after.Epoch,
            $"rejoining the station under a coordinator of epoch {after.Epoch} or later");
        Assert.Equal(rejoined.Coordinator!.Node, rejoined.Leader);
        await _cluster.WaitForLogLineAsync(master, "resuming as Station");
    }

    [Fact]
    public async Task A_whole_station_killed_and_restarted_elects_a_coordinator_again_without_any_command()
    {
        var peers = await _cluster.StartAsync(3);
        await BootstrapStationAsync(peers);
        var before = await _cluster.WaitForCoordinatorAsync(peers);

        foreach (var peer in peers)
        {
            peer.Kill();
        }

        foreach (var peer in peers)
        {
            peer.Start();
        }

        var after = await _cluster.WaitForCoordinatorAsync(peers, epochAbove: before.Epoch);
        Assert.True(after.Epoch > before.Epoch);
    }

    [Fact]
    public async Task Satellites_acknowledged_before_a_failover_are_still_acknowledged_after_it()
    {
        var peers = await _cluster.StartAsync(3);
        var satellites = await _cluster.StartAsync(2);
        await BootstrapStationAsync(peers);
        var satelliteResult = await Ctl.RunAsync("bootstrap", "satellite", "--station", TestCluster.List(peers), "--on", TestCluster.List(satellites), "--wait", "--timeout", "60s");
        Assert.True(satelliteResult.ExitCode == 0, satelliteResult.ToString());
        Assert.Contains("2/2 satellites acknowledged", satelliteResult.Output, StringComparison.Ordinal);
        var before = await _cluster.WaitForCoordinatorAsync(peers);
        var master = _cluster.NodeOf(before);
        var known = await _cluster.StatusAsync(master);
        Assert.Equal(satellites.Select(s => s.Listen.Value).Order(), known.Satellites.Where(s => s.Acknowledged).Select(s => s.Node).Order());

        master.Kill();
        var survivors = peers.Where(p => p != master).ToList();
        var after = await _cluster.WaitForCoordinatorAsync(survivors, epochAbove: before.Epoch);

        var newMaster = await _cluster.StatusAsync(_cluster.NodeOf(after));
        Assert.Equal(satellites.Count, newMaster.Satellites.Count);
        Assert.All(newMaster.Satellites, s => Assert.True(s.Acknowledged && s.Incarnation == 1, $"{s.Node} incarnation {s.Incarnation} acknowledged {s.Acknowledged}"));
        foreach (var satellite in satellites)
        {
            var own = await _cluster.StatusAsync(satellite);
            Assert.True(own.Announcer is { Acknowledged: true, Incarnation: 1 }, TestCluster.Describe(own));
        }
    }

    [Fact]
    public async Task A_restarted_satellite_is_acknowledged_again_with_a_higher_incarnation()
    {
        var peers = await _cluster.StartAsync(3);
        var satellite = (await _cluster.StartAsync(1))[0];
        await BootstrapStationAsync(peers);
        var result = await Ctl.RunAsync("bootstrap", "satellite", "--station", TestCluster.List(peers), "--on", satellite.Listen.Value, "--wait", "--timeout", "60s");
        Assert.True(result.ExitCode == 0, result.ToString());
        var coordinator = await _cluster.WaitForCoordinatorAsync(peers);

        satellite.Kill();
        satellite.Start();

        var own = await _cluster.WaitForAsync(satellite, s => s.Announcer is { Acknowledged: true, Incarnation: > 1 }, "the restarted satellite's new incarnation acknowledged");
        Assert.Equal(2, own.Announcer!.Incarnation);
        var master = await _cluster.WaitForAsync(
            _cluster.NodeOf(coordinator),
            s => s.Satellites.Any(x => x.Node == satellite.Listen.Value && x.Acknowledged && x.Incarnation == 2),
            "the master recording incarnation 2");
        Assert.Single(master.Satellites);
    }

    private static async Task BootstrapStationAsync(IReadOnlyList<Halon.Ctl.Demo.LocalDaemon> peers)
    {
        var result = await Ctl.RunAsync("bootstrap", "station", "--peers", TestCluster.List(peers), "--wait", "--timeout", "60s");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(new Regex(@"master \S+, coordinator epoch \d+"), result.Output);
    }
}
