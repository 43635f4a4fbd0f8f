using System.Text.RegularExpressions;

namespace Halon.Hosts.Tests;

/// <summary>Snapshots and log compaction against real halond processes.</summary>
public sealed class SnapshotRejoinTests : IDisposable
{
    private readonly TestCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task A_peer_whose_data_dir_was_wiped_rejoins_by_snapshot_with_the_whole_satellite_table()
    {
        // A low threshold so that three satellites are enough to compact: entries are the first term's no-op and one
        // acknowledgement per satellite.
        var peers = await _cluster.StartAsync(3, "--snapshot-threshold", "2");
        var station = await Ctl.RunAsync("bootstrap", "station", "--peers", TestCluster.List(peers), "--wait", "--timeout", "60s");
        Assert.True(station.ExitCode == 0, station.ToString());
        var satellites = await _cluster.StartAsync(3);
        var announced = await Ctl.RunAsync("bootstrap", "satellite", "--station", TestCluster.List(peers), "--on", TestCluster.List(satellites), "--wait", "--timeout", "60s");
        Assert.True(announced.ExitCode == 0, announced.ToString());

        var steady = await _cluster.WaitForSteadyStationAsync(peers);
        var master = await _cluster.WaitForAsync(_cluster.NodeOf(steady.Coordinator), s => s.SnapshotIndex >= 2 && s.Satellites.Count(x => x.Acknowledged) == 3, "the master compacting its log");
        Assert.True(File.Exists(Path.Combine(_cluster.NodeOf(steady.Coordinator).DataDir, "snapshot")));

        var victim = peers.First(p => p.Listen.Value != steady.Coordinator.Node);
        victim.Kill();
        Directory.Delete(victim.DataDir, recursive: true);
        var wiped = await _cluster.RestartWithAsync(victim, "--snapshot-threshold", "2");
        Assert.Equal("none", (await _cluster.StatusAsync(wiped)).Role);
        var again = await Ctl.RunAsync("bootstrap", "station", "--peers", TestCluster.List(peers), "--on", wiped.Listen.Value, "--timeout", "60s");
        Assert.True(again.ExitCode == 0, again.ToString());

        var rejoined = await _cluster.WaitForAsync(
            wiped,
            s => s.State == "follower" && s.SnapshotIndex >= master.SnapshotIndex && s.Satellites.Count(x => x.Acknowledged) == 3,
            "the wiped peer installing the master's snapshot");
        Assert.True(rejoined.CommitIndex >= master.SnapshotIndex);
        Assert.Equal(satellites.Select(s => s.Listen.Value).Order(), rejoined.Satellites.Select(s => s.Node).Order());
        Assert.True(File.Exists(Path.Combine(wiped.DataDir, "snapshot")));

        var json = await Ctl.RunAsync("status", "--node", wiped.Listen.Value, "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.Matches(new Regex(@"""snapshot_index"":\s*[1-9]"), json.Output);
        Assert.Contains("\"log_entries\"", json.Output, StringComparison.Ordinal);
        var text = await Ctl.RunAsync("status", "--node", wiped.Listen.Value);
        Assert.Matches(new Regex(@"snapshot at \d+, \d+ entries after it"), text.Output);
    }
}
