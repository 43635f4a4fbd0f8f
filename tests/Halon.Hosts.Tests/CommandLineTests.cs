using System.Text.Json;
using Halon.Core.Identity;

namespace Halon.Hosts.Tests;

/// <summary>halonctl's exit codes, messages and dry-run plans; no station is needed for these.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly TestCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task Status_of_a_dead_address_exits_1_with_one_clear_line()
    {
        var result = await Ctl.RunAsync("status", "--node", "127.0.0.1:1");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal(string.Empty, result.Output);
        Assert.Equal("halonctl: 127.0.0.1:1: connection refused\n", result.Errors);
    }

    [Fact]
    public async Task Status_json_of_a_dead_address_prints_a_json_error_object_and_exits_1()
    {
        var result = await Ctl.RunAsync("status", "--node", "127.0.0.1:1", "--json");

        Assert.True(result.ExitCode == 1, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal("127.0.0.1:1", json.RootElement.GetProperty("node").GetString());
        Assert.False(json.RootElement.GetProperty("reachable").GetBoolean());
        Assert.Equal("unreachable", json.RootElement.GetProperty("error_code").GetString());
        Assert.Equal("127.0.0.1:1: connection refused", json.RootElement.GetProperty("error").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("exit_code").GetInt32());
        Assert.Equal("halonctl: 127.0.0.1:1: connection refused\n", result.Errors);
    }

    [Theory]
    [InlineData("status --cluster --node 127.0.0.1:1 --json")]
    [InlineData("health --node 127.0.0.1:1 --json")]
    public async Task A_cluster_look_with_no_station_to_start_from_prints_a_json_error_and_exits_1(string arguments)
    {
        var result = await Ctl.RunAsync(arguments.Split(' '));

        Assert.True(result.ExitCode == 1, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal("no-station", json.RootElement.GetProperty("error_code").GetString());
        Assert.Contains("127.0.0.1:1: connection refused", json.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bootstrap")]
    [InlineData("help")]
    [InlineData("help bootstrap satellite")]
    [InlineData("--help")]
    public async Task No_command_prints_help_not_an_error(string arguments)
    {
        var result = await Ctl.RunAsync(arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Usage:", result.Output, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Errors);
    }

    [Fact]
    public async Task Help_for_a_command_ends_with_its_examples_and_lists_commands_by_their_first_line()
    {
        var satellite = await Ctl.RunAsync("help", "bootstrap", "satellite");
        var root = await Ctl.RunAsync("help");

        Assert.True(satellite.ExitCode == 0, satellite.ToString());
        Assert.Contains("--station-attr", satellite.Output, StringComparison.Ordinal);
        Assert.Contains("Examples:", satellite.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Examples:", root.Output, StringComparison.Ordinal);
        foreach (var command in new[] { "bootstrap", "station", "satellite", "status", "health", "demo", "completion", "help", "version" })
        {
            Assert.Matches($@"(?m)^  {command}\b", root.Output);
        }
    }

    [Fact]
    public async Task Version_and_dash_dash_version_name_the_same_build()
    {
        var command = await Ctl.RunAsync("version");
        var option = await Ctl.RunAsync("--version");
        var json = await Ctl.RunAsync("version", "--json");

        Assert.True(command.ExitCode == 0 && option.ExitCode == 0 && json.ExitCode == 0, command.ToString() + option + json);
        var version = option.Output.Trim();
        Assert.False(string.IsNullOrEmpty(version));
        Assert.Equal($"halonctl {version}\nwire protocol {Halon.Transport.Tcp.WireProtocol.Version}\n", command.Output);
        using var document = JsonDocument.Parse(json.Output);
        Assert.Equal(version, document.RootElement.GetProperty("version").GetString());
        Assert.Equal(Halon.Transport.Tcp.WireProtocol.Version, document.RootElement.GetProperty("wire_protocol").GetUInt32());
    }

    [Fact]
    public async Task Bootstrap_of_dead_nodes_without_wait_exits_1_naming_each()
    {
        var result = await Ctl.RunAsync("bootstrap", "station", "--peers", "127.0.0.1:1,127.0.0.1:2,127.0.0.1:3");

        Assert.True(result.ExitCode == 1, result.ToString());
        foreach (var port in new[] { 1, 2, 3 })
        {
            Assert.Contains($"127.0.0.1:{port}: connection refused", result.Errors, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("bootstrap station --bogus")]
    [InlineData("bootstrap station")]
    [InlineData("bootstrap station --peers a,b,c --genders /etc/genders")]
    [InlineData("bootstrap station --peers a,b,c --attr station")]
    [InlineData("bootstrap station --peers a,b,c --timeout soon")]
    [InlineData("bootstrap station --peers a,b,c --timeout 0s")]
    [InlineData("bootstrap station --peers a:99999")]
    [InlineData("bootstrap station --peers n[1-8]")]
    [InlineData("bootstrap station --peers n[3-1]")]
    [InlineData("bootstrap station --peers a --port 0")]
    [InlineData("bootstrap station --genders /nonexistent/genders")]
    [InlineData("bootstrap station --peers a --cluster-key-file /nonexistent/key")]
    [InlineData("bootstrap satellite --on a")]
    [InlineData("bootstrap satellite --station a,b,c")]
    [InlineData("bootstrap satellite --station a,b,c --station-attr station --genders /etc/genders")]
    [InlineData("bootstrap satellite --station-attr station --on a")]
    [InlineData("bootstrap station --peers a,b,c --expect 0")]
    [InlineData("bootstrap station --peers a,b,c --expect 5")]
    [InlineData("status --satellites")]
    [InlineData("health --node a --genders /etc/genders")]
    [InlineData("completion fish")]
    [InlineData("help nosuch")]
    [InlineData("status --node bad:port")]
    [InlineData("status --node 127.0.0.1:9070 --timeout -1s")]
    [InlineData("status extra")]
    [InlineData("demo --peers 9")]
    [InlineData("status --cluster-key-file /k --tls-cert /c --tls-key /k2 --tls-ca /ca")]
    [InlineData("status --tls-cert /c")]
    [InlineData("status --cluster-key-file-next /k")]
    [InlineData("bootstrap station --peers a --tls-key /k --tls-ca /ca")]
    [InlineData("certs --out /tmp/halon-pki-never")]
    [InlineData("certs --out /tmp/halon-pki-never --nodes a --genders /etc/genders")]
    [InlineData("certs --out /tmp/halon-pki-never --nodes a --days 0")]
    [InlineData("key id /nonexistent/key")]
    [InlineData("key generate")]
    [InlineData("nonsense")]
    [InlineData("station add")]
    [InlineData("station nosuch a")]
    [InlineData("station replace a")]
    [InlineData("station replace a:9070 a")]
    [InlineData("station remove a --peers b --node c")]
    [InlineData("station add a --attr station")]
    [InlineData("station add a --peers b --timeout never")]
    [InlineData("station add a:0 --peers b")]
    public async Task A_usage_error_exits_2_and_points_to_help(string arguments)
    {
        var result = await Ctl.RunAsync(arguments.Split(' '));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal(string.Empty, result.Output);
        Assert.Contains("--help", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dry_run_json_prints_the_plan_and_contacts_no_node()
    {
        var result = await Ctl.RunAsync("bootstrap", "station", "--peers", "ts[01-03],127.0.0.1:1", "--port", "7000", "--on", "ts02", "--dry-run", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.Equal(["127.0.0.1:1", "ts01:7000", "ts02:7000", "ts03:7000"], root.GetProperty("peers").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(["ts02:7000"], root.GetProperty("on").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(
            ["halonctl bootstrap station --peers 127.0.0.1:1,ts01:7000,ts02:7000,ts03:7000 --on ts02:7000"],
            root.GetProperty("commands").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(TestCluster.StationId(PeerSet.Parse("127.0.0.1:1,ts01:7000,ts02:7000,ts03:7000")), root.GetProperty("cluster_id").GetString());
    }

    [Fact]
    public async Task A_station_replace_dry_run_prints_its_steps_and_contacts_no_node()
    {
        var genders = Path.Combine(_cluster.Root, "genders");
        await File.WriteAllTextAsync(genders, "ts[01-03] station\nts03 halon_port=1\n");

        var text = await Ctl.RunAsync("station", "replace", "ts02", "ts04", "--genders", genders, "--wait", "--dry-run");
        var json = await Ctl.RunAsync("station", "replace", "ts02", "ts04:7000", "--genders", genders, "--dry-run", "--json");

        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.StartsWith("# halonctl station replace ts02:9070 ts04:9070 --dry-run: the plan; no node was contacted.", text.Output, StringComparison.Ordinal);
        Assert.Contains("ask ts01:9070 ts02:9070 ts03:1", text.Output, StringComparison.Ordinal);
        Assert.Contains("removes ts02:9070 once a majority of the remaining voters answers", text.Output, StringComparison.Ordinal);
        Assert.Contains("one change at a time", text.Output, StringComparison.Ordinal);
        Assert.True(json.ExitCode == 0, json.ToString());
        using var document = JsonDocument.Parse(json.Output);
        var root = document.RootElement;
        Assert.True(root.GetProperty("dry_run").GetBoolean());
        Assert.Equal("replace", root.GetProperty("kind").GetString());
        Assert.Equal("ts02:9070", root.GetProperty("old").GetString());
        Assert.Equal("ts04:7000", root.GetProperty("new").GetString());
        Assert.Equal("ts04:7000", root.GetProperty("joins").GetString());
        Assert.Equal("ts02:9070", root.GetProperty("leaves").GetString());
        Assert.Equal(["ts01:9070", "ts02:9070", "ts03:1"], root.GetProperty("station").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(6, root.GetProperty("steps").GetArrayLength());
        Assert.False(root.GetProperty("wait").GetBoolean());
    }

    [Fact]
    public async Task A_station_change_with_no_peer_to_ask_exits_1_naming_what_each_answered()
    {
        var lone = (await _cluster.StartAsync(1))[0];

        var dead = await Ctl.RunAsync("station", "remove", "ts09", "--peers", "127.0.0.1:1", "--timeout", "1s");
        var noRole = await Ctl.RunAsync("station", "add", "127.0.0.1:2", "--node", lone.Listen.Value, "--json");

        Assert.True(dead.ExitCode == 1, dead.ToString());
        Assert.Contains("no peer of the station answered within 1s: 127.0.0.1:1: connection refused", dead.Errors, StringComparison.Ordinal);
        Assert.True(noRole.ExitCode == 1, noRole.ToString());
        using var json = JsonDocument.Parse(noRole.Output);
        Assert.Equal("failed", json.RootElement.GetProperty("outcome").GetString());
        Assert.Contains($"{lone.Listen} has no role (not bootstrapped)", json.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dry_run_reads_the_peers_and_satellites_from_a_genders_file()
    {
        var genders = Path.Combine(_cluster.Root, "genders");
        await File.WriteAllTextAsync(genders, """
            # A small cluster: three station peers, one on another port, and four satellites.
            ts[01-03]   station,rack=a
            ts03        halon_port=9171
            sat[1-4]    satellite,rack=%n-b
            """);

        var station = await Ctl.RunAsync("bootstrap", "station", "--genders", genders, "--dry-run", "--json");
        var satellites = await Ctl.RunAsync("bootstrap", "satellite", "--station", "ts[01-03]", "--genders", genders, "--dry-run");

        Assert.True(station.ExitCode == 0, station.ToString());
        using var json = JsonDocument.Parse(station.Output);
        Assert.Equal(["ts01:9070", "ts02:9070", "ts03:9171"], json.RootElement.GetProperty("peers").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(3, json.RootElement.GetProperty("on").GetArrayLength());
        Assert.True(satellites.ExitCode == 0, satellites.ToString());
        var commands = satellites.Output.Split('\n').Where(l => l.StartsWith("halonctl ", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, commands.Count);
        Assert.Equal("halonctl bootstrap satellite --station ts01:9070,ts02:9070,ts03:9070 --on sat1:9070", commands[0]);
    }

    [Fact]
    public async Task Satellites_take_their_station_from_the_genders_file_with_halon_port_as_the_station_bootstrap_does()
    {
        var genders = Path.Combine(_cluster.Root, "genders");
        await File.WriteAllTextAsync(genders, """
            ts[01-03]   station
            ts03        halon_port=9171
            sat[1-2]    satellite
            """);

        var station = await Ctl.RunAsync("bootstrap", "station", "--genders", genders, "--dry-run", "--json");
        var satellites = await Ctl.RunAsync("bootstrap", "satellite", "--genders", genders, "--attr", "satellite", "--station-attr", "station", "--dry-run", "--json");
        var byDefault = await Ctl.RunAsync("bootstrap", "satellite", "--genders", genders, "--dry-run", "--json");
        var otherPort = await Ctl.RunAsync("bootstrap", "satellite", "--genders", genders, "--port", "7000", "--dry-run", "--json");

        Assert.True(satellites.ExitCode == 0, satellites.ToString());
        using var stationJson = JsonDocument.Parse(station.Output);
        using var satelliteJson = JsonDocument.Parse(satellites.Output);
        using var defaultJson = JsonDocument.Parse(byDefault.Output);
        using var otherPortJson = JsonDocument.Parse(otherPort.Output);
        string[] Peers(JsonDocument d) => d.RootElement.GetProperty("peers").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(["ts01:9070", "ts02:9070", "ts03:9171"], Peers(satelliteJson));
        Assert.Equal(Peers(stationJson), Peers(satelliteJson));
        // A satellite knows its station by the peer list alone (not its timing), so it names the list's own id.
        Assert.Equal(PeerSet.Parse(string.Join(',', Peers(stationJson))).ClusterId, satelliteJson.RootElement.GetProperty("cluster_id").GetString());
        Assert.Equal(TestCluster.StationId(PeerSet.Parse(string.Join(',', Peers(stationJson)))), stationJson.RootElement.GetProperty("cluster_id").GetString());
        Assert.Equal(Peers(satelliteJson), Peers(defaultJson));
        Assert.Equal(["ts01:7000", "ts02:7000", "ts03:9171"], Peers(otherPortJson));
        Assert.Equal(
            "halonctl bootstrap satellite --station ts01:9070,ts02:9070,ts03:9171 --on sat1:9070",
            satelliteJson.RootElement.GetProperty("commands")[0].GetString());
    }

    [Fact]
    public async Task Dry_run_notes_a_risky_peer_set()
    {
        var genders = Path.Combine(_cluster.Root, "genders");
        await File.WriteAllTextAsync(genders, "ts[01-02] station\n");

        var even = await Ctl.RunAsync("bootstrap", "station", "--peers", "ts01,ts02,ts03,ts04", "--dry-run", "--json");
        var sameHost = await Ctl.RunAsync("bootstrap", "station", "--peers", "ts01:9070,ts01:9071,ts02:9070", "--dry-run", "--json");
        var loopback = await Ctl.RunAsync("bootstrap", "station", "--peers", "localhost,ts02,ts03", "--dry-run", "--json");
        var fewer = await Ctl.RunAsync("bootstrap", "station", "--genders", genders, "--expect", "3", "--dry-run", "--json");
        var fewerText = await Ctl.RunAsync("bootstrap", "station", "--genders", genders, "--expect", "3", "--dry-run");
        var fine = await Ctl.RunAsync("bootstrap", "station", "--peers", "ts01,ts02,ts03", "--expect", "3", "--dry-run", "--json");

        Assert.Contains(Notes(even), n => n.Contains("4 peers: an even number", StringComparison.Ordinal));
        Assert.Contains(Notes(sameHost), n => n.Contains("host ts01 runs 2 peers", StringComparison.Ordinal));
        Assert.Contains(Notes(loopback), n => n.Contains("localhost:9070: a loopback address", StringComparison.Ordinal));
        Assert.Contains(Notes(fewer), n => n.Contains("--expect 3, but", StringComparison.Ordinal) && n.Contains("gives 2 peers", StringComparison.Ordinal));
        Assert.Contains("#   note: --expect 3, but", fewerText.Output, StringComparison.Ordinal);
        Assert.Empty(Notes(fine));
    }

    [Fact]
    public async Task Expecting_more_nodes_than_the_genders_file_gives_refuses_to_act()
    {
        var genders = Path.Combine(_cluster.Root, "genders");
        await File.WriteAllTextAsync(genders, "ts[01-02] station\n");

        var result = await Ctl.RunAsync("bootstrap", "station", "--genders", genders, "--expect", "3");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--expect 3, but nodes with attribute 'station'", result.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("connection refused", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bootstrap_with_the_cluster_key_works_and_one_without_it_fails_with_authentication_failed()
    {
        var keyFile = Path.Combine(_cluster.Root, "key");
        await File.WriteAllBytesAsync(keyFile, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var peers = await _cluster.StartAsync(3, "--cluster-key-file", keyFile);

        var without = await Ctl.RunAsync("bootstrap", "station", "--peers", TestCluster.List(peers));
        var with = await Ctl.RunAsync("bootstrap", "station", "--peers", TestCluster.List(peers), "--cluster-key-file", keyFile, "--wait", "--timeout", "60s");

        Assert.True(without.ExitCode == 1, without.ToString());
        Assert.Contains("authentication failed", without.Errors, StringComparison.Ordinal);
        Assert.True(with.ExitCode == 0, with.ToString());
        Assert.Matches(@"master \S+, coordinator epoch \d+", with.Output);
    }

    [Fact]
    public async Task A_peer_with_another_cluster_key_is_reported_as_authentication_failed()
    {
        var keyA = Path.Combine(_cluster.Root, "a.key");
        var keyB = Path.Combine(_cluster.Root, "b.key");
        await File.WriteAllBytesAsync(keyA, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await File.WriteAllBytesAsync(keyB, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var good = await _cluster.StartAsync(2, "--cluster-key-file", keyA);
        var odd = (await _cluster.StartAsync(1, "--cluster-key-file", keyB))[0];
        var peers = TestCluster.List([.. good, odd]);

        var goodResult = await Ctl.RunAsync("bootstrap", "station", "--peers", peers, "--on", TestCluster.List(good), "--cluster-key-file", keyA, "--wait", "--timeout", "60s");
        var oddResult = await Ctl.RunAsync("bootstrap", "station", "--peers", peers, "--on", odd.Listen.Value, "--cluster-key-file", keyB);

        Assert.True(goodResult.ExitCode == 0, goodResult.ToString());
        Assert.True(oddResult.ExitCode == 0, oddResult.ToString());
        var key = Halon.Transport.Tcp.ClusterKey.Load(keyA); // As halond reads it: random bytes ending in a newline lose it.
        var deadline = DateTime.UtcNow + TestCluster.WaitTimeout;
        Halon.Core.Status.NodeStatus? status = null;
        while (DateTime.UtcNow < deadline)
        {
            status = (await _cluster.TryStatusAsync(good[0].Listen, key)).Status;
            if (status?.Peers.FirstOrDefault(p => p.Node == odd.Listen.Value) is { Reachable: false, State: "authentication failed" })
            {
                return;
            }

            await Task.Delay(20);
        }

        Assert.Fail($"{good[0].Listen} never showed {odd.Listen} as 'authentication failed'; last: {(status is null ? "no status" : TestCluster.Describe(status))}\n{_cluster.Logs()}");
    }

    [Fact]
    public async Task Demo_runs_a_failover_and_leaves_no_process_or_directory_behind()
    {
        var result = await Ctl.RunAsync("demo", "--peers", "3", "--satellites", "1");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("New coordinator", result.Output, StringComparison.Ordinal);
        Assert.Contains("is back", result.Output, StringComparison.Ordinal);
        var directory = System.Text.RegularExpressions.Regex.Match(result.Output, @"removed (\S+)\.").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(directory) || Directory.Exists(directory), $"temp dir '{directory}' is left behind");
        var pids = System.Text.RegularExpressions.Regex.Matches(result.Output, @"^\s+127\.0\.0\.1:\d+\s+(?:station peer|satellite)\s+(\d+)", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        Assert.Equal(4, pids.Count);
        Assert.All(pids, pid => Assert.False(Directory.Exists($"/proc/{pid}") && !IsZombie(pid), $"halond pid {pid} is still running"));
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static List<string> Notes(CtlResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        return json.RootElement.GetProperty("notes").EnumerateArray().Select(e => e.GetString()!).ToList();
    }
}
