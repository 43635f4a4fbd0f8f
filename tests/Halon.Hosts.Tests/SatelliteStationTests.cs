using System.Globalization;
using System.Text.Json;
using Halon.Core.Identity;

namespace Halon.Hosts.Tests;

/// <summary>
/// A satellite's station list against real halond processes: taken from a genders file with halon_port, refused before
/// acting when a station peer shows it is not the station's peer set, and reported loudly (status, log) by a satellite
/// that was given such a list anyway.
/// </summary>
public sealed class SatelliteStationTests : IDisposable
{
    private readonly TestCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task A_satellite_takes_its_station_from_the_genders_file_with_halon_port_and_is_acknowledged()
    {
        // One peer that advertises the genders name "localhost" on a port of its own (halon_port), as ts03 with
        // halon_port=9171 would; genders names cannot be dotted addresses.
        var port = Halon.Ctl.Demo.FreePorts.Take(1)[0];
        var id = $"localhost:{port}";
        await _cluster.StartAtAsync(NodeId.Parse(string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}")), "--advertise", id);
        var satellite = (await _cluster.StartAsync(1))[0];
        var genders = Path.Combine(_cluster.Root, "genders");
        await File.WriteAllTextAsync(genders, string.Create(CultureInfo.InvariantCulture, $"localhost station,halon_port={port}\n"));

        var station = await Ctl.RunAsync("bootstrap", "station", "--genders", genders, "--wait", "--timeout", "60s");
        var result = await Ctl.RunAsync("bootstrap", "satellite", "--genders", genders, "--station-attr", "station", "--on", satellite.Listen.Value, "--wait", "--timeout", "60s");

        Assert.True(station.ExitCode == 0, station.ToString());
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"is now a satellite of station {PeerSet.Parse(id).ClusterId} ({id})", result.Output, StringComparison.Ordinal);
        Assert.Contains($"1/1 satellites acknowledged by the coordinator on {id}", result.Output, StringComparison.Ordinal);
        var own = await _cluster.StatusAsync(satellite);
        Assert.Null(own.Announcer!.ReportedStation);
    }

    [Fact]
    public async Task A_station_list_that_is_not_the_stations_peer_set_is_refused_before_any_satellite_takes_it()
    {
        var peers = await _cluster.StartAsync(3);
        var satellite = (await _cluster.StartAsync(1))[0];
        await BootstrapStationAsync(peers);
        var wrongList = WrongList(peers);

        var result = await Ctl.RunAsync("bootstrap", "satellite", "--station", wrongList.ToString(), "--on", satellite.Listen.Value, "--wait", "--timeout", "30s");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("halonctl: wrong station list:", result.Errors, StringComparison.Ordinal);
        Assert.Contains($"is a peer of station {TestCluster.StationId(peers)}", result.Errors, StringComparison.Ordinal);
        Assert.Contains("--station-attr", result.Errors, StringComparison.Ordinal);
        Assert.Equal("none", (await _cluster.StatusAsync(satellite)).Role);
    }

    [Fact]
    public async Task A_satellite_given_a_wrong_list_before_the_station_existed_reports_it_in_status_and_in_its_log()
    {
        var peers = await _cluster.StartAsync(3);
        var satellite = (await _cluster.StartAsync(1))[0];
        var wrongList = WrongList(peers);
        var stationSet = PeerSet.Create(peers.Select(p => p.Listen));

        // The station does not exist yet, so nothing can tell halonctl that the list is wrong.
        var early = await Ctl.RunAsync("bootstrap", "satellite", "--station", wrongList.ToString(), "--on", satellite.Listen.Value);
        Assert.True(early.ExitCode == 0, early.ToString());
        await BootstrapStationAsync(peers);

        var status = await _cluster.WaitForAsync(satellite, s => s.Announcer?.ReportedStation is not null, "the satellite noticing its wrong station list");

        Assert.Equal(stationSet.ToString(), status.Announcer!.ReportedStation);
        Assert.Contains(status.Announcer.ReportedBy, peers.Select(p => p.Listen.Value));
        var json = await Ctl.RunAsync("status", "--node", satellite.Listen.Value, "--json");
        using (var document = JsonDocument.Parse(json.Output))
        {
            var announcer = document.RootElement.GetProperty("announcer");
            Assert.True(announcer.GetProperty("station_mismatch").GetBoolean());
            Assert.Equal(stationSet.ToString(), announcer.GetProperty("reported_station").GetString());
            Assert.Contains(announcer.GetProperty("reported_by").GetString(), peers.Select(p => p.Listen.Value));
        }

        var text = await Ctl.RunAsync("status", "--node", satellite.Listen.Value);
        Assert.Contains("WRONG STATION LIST", text.Output, StringComparison.Ordinal);
        Assert.Contains($"answers as a peer of {stationSet}", await _cluster.WaitForLogLineAsync(satellite, "is not the station's peer set"), StringComparison.Ordinal);
        Assert.Single(satellite.LogLines, l => l.Contains("is not the station's peer set", StringComparison.Ordinal));
    }

    /// <summary>The station's peers with the last one's port wrong: the mistake of a list that ignores halon_port.</summary>
    private static PeerSet WrongList(IReadOnlyList<Halon.Ctl.Demo.LocalDaemon> peers)
    {
        var wrongPort = Halon.Ctl.Demo.FreePorts.Take(1)[0];
        return PeerSet.Create([peers[0].Listen, peers[1].Listen, NodeId.Parse(string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{wrongPort}"))]);
    }

    private static async Task BootstrapStationAsync(IReadOnlyList<Halon.Ctl.Demo.LocalDaemon> peers)
    {
        var result = await Ctl.RunAsync("bootstrap", "station", "--peers", TestCluster.List(peers), "--wait", "--timeout", "60s");
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
