using System.Text.Json;
using Halon.Core.Identity;

namespace Halon.Hosts.Tests;

/// <summary>
/// Decommissioning against real halond processes: a station and two satellites, one removed with halonctl satellite
/// remove, refused and stopped (across a restart too), then bootstrapped again and acknowledged.
/// </summary>
public sealed class DecommissionTests : IDisposable
{
    private readonly TestCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task A_removed_satellite_is_refused_and_stops_until_it_is_bootstrapped_again()
    {
        var peers = await _cluster.StartAsync(3);
        var satellites = await _cluster.StartAsync(2);
        var (s1, s2) = (satellites[0], satellites[1]);
        var station = TestCluster.List(peers);
        var bootstrap = await Ctl.RunAsync("bootstrap", "station", "--peers", station, "--wait", "--timeout", "60s");
        Assert.True(bootstrap.ExitCode == 0, bootstrap.ToString());
        var announce = await Ctl.RunAsync("bootstrap", "satellite", "--station", station, "--on", TestCluster.List(satellites), "--wait", "--timeout", "60s");
        Assert.True(announce.ExitCode == 0, announce.ToString());
        var oldInstall = (await _cluster.StatusAsync(s1)).Announcer!.InstallId;

        // A dry run changes nothing and says what would happen.
        var dry = await Ctl.RunAsync("satellite", "remove", s1.Listen.Value, "nowhere:9070", "--station", station, "--dry-run", "--json", "--timeout", "30s");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        using (var json = JsonDocument.Parse(dry.Output))
        {
            Assert.True(json.RootElement.GetProperty("dry_run").GetBoolean());
            var nodes = json.RootElement.GetProperty("nodes");
            Assert.Equal("would-remove", nodes[0].GetProperty("result").GetString());
            Assert.Equal("absent", nodes[1].GetProperty("result").GetString());
        }

        Assert.True((await _cluster.StatusAsync(s1)).Announcer!.Acknowledged);

        var remove = await Ctl.RunAsync("satellite", "remove", s1.Listen.Value, "--station", station, "--json", "--timeout", "60s");
        Assert.True(remove.ExitCode == 0, remove.ToString() + _cluster.Logs());
        var coordinator = await _cluster.WaitForCoordinatorAsync(peers);
        using (var json = JsonDocument.Parse(remove.Output))
        {
            var node = json.RootElement.GetProperty("nodes")[0];
            Assert.Equal(s1.Listen.Value, node.GetProperty("node").GetString());
            Assert.Equal("removed", node.GetProperty("result").GetString());
            Assert.True(node.GetProperty("log_index").GetInt64() > 0);
            Assert.Equal(1, json.RootElement.GetProperty("removed").GetInt32());
            Assert.Equal(coordinator.Node, json.RootElement.GetProperty("coordinator").GetString());
        }

        // The satellite is told, says so, and logs it; the station lists it as removed.
        var told = await _cluster.WaitForAsync(s1, s => s.Announcer?.Removed == true, "the satellite learning it was removed");
        Assert.False(told.Announcer!.Acknowledged);
        Assert.Equal(coordinator.Node, told.Announcer.RemovedBy);
        await _cluster.WaitForLogLineAsync(s1, "the station removed this satellite");
        var master = _cluster.NodeOf(coordinator);
        await _cluster.WaitForLogLineAsync(master, $"satellite {s1.Listen} removed from the station's table");
        var stationStatus = await Ctl.RunAsync("status", "--node", master.Listen.Value, "--json");
        using (var json = JsonDocument.Parse(stationStatus.Output))
        {
            Assert.Equal(1, json.RootElement.GetProperty("removed_satellites").GetInt32());
            var row = json.RootElement.GetProperty("satellites").EnumerateArray().Single(r => r.GetProperty("node").GetString() == s1.Listen.Value);
            Assert.Equal("removed", row.GetProperty("state").GetString());
            Assert.True(row.GetProperty("removed").GetBoolean());
            Assert.False(row.GetProperty("acknowledged").GetBoolean());
        }

        var text = await Ctl.RunAsync("status", "--node", s1.Listen.Value);
        Assert.Contains("REMOVED from the station", text.Output, StringComparison.Ordinal);
        Assert.True((await _cluster.StatusAsync(s2)).Announcer!.Acknowledged);

        // Repeating is harmless; a node the station never knew is absent.
        var again = await Ctl.RunAsync("satellite", "remove", s1.Listen.Value, "nowhere:9070", "--station", station, "--timeout", "30s");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Matches($@"{s1.Listen.Value.Replace(".", "\\.", StringComparison.Ordinal)}\s+already-removed", again.Output);
        Assert.Matches(@"nowhere:9070\s+absent", again.Output);

        // Restarted, it stays removed and silent; bootstrapped again, it is a new installation and is acknowledged.
        s1 = await _cluster.RestartWithAsync(s1);
        var restarted = await _cluster.WaitForAsync(s1, s => s.Role == "satellite", "the restarted satellite");
        Assert.True(restarted.Announcer!.Removed);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(0, (await _cluster.StatusAsync(s1)).Announcer!.AnnouncementsSent);

        var rejoin = await Ctl.RunAsync("bootstrap", "satellite", "--station", station, "--on", s1.Listen.Value, "--wait", "--timeout", "60s");
        Assert.True(rejoin.ExitCode == 0, rejoin.ToString() + _cluster.Logs());
        var back = await _cluster.WaitForAsync(s1, s => s.Announcer?.Acknowledged == true, "the satellite bootstrapped again being acknowledged");
        Assert.False(back.Announcer!.Removed);
        Assert.NotEqual(oldInstall, back.Announcer.InstallId);
        var steady = await _cluster.WaitForSteadyStationAsync(peers);
        var record = steady.Master.Satellites.Single(s => s.Node == s1.Listen.Value);
        Assert.True(record.Acknowledged);
        Assert.False(record.Removed);
        Assert.Equal(0, steady.Master.RemovedSatellites);
    }

    [Fact]
    public async Task A_follower_asked_to_remove_sends_halonctl_on_to_the_coordinator()
    {
        var peers = await _cluster.StartAsync(3);
        var satellite = (await _cluster.StartAsync(1))[0];
        var station = TestCluster.List(peers);
        Assert.Equal(0, (await Ctl.RunAsync("bootstrap", "station", "--peers", station, "--wait", "--timeout", "60s")).ExitCode);
        Assert.Equal(0, (await Ctl.RunAsync("bootstrap", "satellite", "--station", station, "--on", satellite.Listen.Value, "--wait", "--timeout", "60s")).ExitCode);
        var coordinator = await _cluster.WaitForCoordinatorAsync(peers);
        var follower = peers.First(p => p.Listen.Value != coordinator.Node);

        // Only the follower is given as the station: halonctl must follow its answer to the coordinator.
        var remove = await Ctl.RunAsync("satellite", "remove", satellite.Listen.Value, "--station", follower.Listen.Value, "--timeout", "60s");

        Assert.True(remove.ExitCode == 0, remove.ToString() + _cluster.Logs());
        Assert.Contains($"coordinator {coordinator.Node}", remove.Output, StringComparison.Ordinal);
        Assert.Matches(@"\s+removed\s+", remove.Output);
        await _cluster.WaitForAsync(satellite, s => s.Announcer?.Removed == true, "the satellite learning it was removed");
    }
}
