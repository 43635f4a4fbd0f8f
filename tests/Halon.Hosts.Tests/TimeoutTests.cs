using System.Text.Json;
using System.Text.RegularExpressions;

namespace Halon.Hosts.Tests;

/// <summary>
/// <c>--timeout</c> bounds a whole halonctl command, against nodes that refuse, accept and stay silent, or never
/// complete a connect; and no shorter limit of its own cuts off a node that answers slowly within it. The bounds are
/// generous (the timeout, plus halonctl's own start-up measured in the same test, plus a second), so a loaded machine
/// does not fail them; a command that overshoots by seconds does.
/// </summary>
public sealed class TimeoutTests : IDisposable
{
    private static readonly TimeSpan s_slack = TimeSpan.FromSeconds(1);
    private readonly TestCluster _cluster = new();
    private readonly BlackHoles _holes = new();

    public void Dispose()
    {
        _holes.Dispose();
        _cluster.Dispose();
    }

    [Fact]
    public async Task Status_of_a_silent_or_unreachable_node_ends_at_the_timeout()
    {
        var startup = await StartupAsync();
        foreach (var target in new[] { _holes.Silent, _holes.Unreachable })
        {
            var result = await Ctl.RunAsync("status", "--node", target.Value, "--timeout", "2s", "--json");

            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.Contains($"{target}: no answer within", result.Errors, StringComparison.Ordinal);
            Assert.True(result.Elapsed >= TimeSpan.FromSeconds(2), $"ended before its timeout\n{result}");
            Assert.True(result.Elapsed <= TimeSpan.FromSeconds(2) + startup + s_slack, $"startup {startup.TotalMilliseconds:0} ms\n{result}");
            using var json = JsonDocument.Parse(result.Output);
            Assert.Equal("unreachable", json.RootElement.GetProperty("error_code").GetString());
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_bootstrap_ends_at_the_timeout_whatever_the_nodes_do(bool wait)
    {
        var startup = await StartupAsync();
        var peers = $"127.0.0.1:1,{_holes.Silent},{_holes.Unreachable}";
        var arguments = new List<string> { "bootstrap", "station", "--peers", peers, "--timeout", "3s", "--json" };
        if (wait)
        {
            arguments.Add("--wait");
        }

        var result = await Ctl.RunAsync([.. arguments]);

        Assert.True(result.ExitCode == 1, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        var elapsed = TimeSpan.FromMilliseconds(json.RootElement.GetProperty("elapsed_ms").GetInt64());
        Assert.True(elapsed <= TimeSpan.FromSeconds(3) + s_slack, $"halonctl took {elapsed.TotalMilliseconds:0} ms of a 3 s timeout\n{result}");
        Assert.True(result.Elapsed <= TimeSpan.FromSeconds(3) + startup + s_slack, $"startup {startup.TotalMilliseconds:0} ms\n{result}");
        var errors = json.RootElement.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("node").GetString()!, r => r.GetProperty("error").GetString() ?? string.Empty);
        Assert.Contains("connection refused", errors["127.0.0.1:1"], StringComparison.Ordinal);
        Assert.Contains("no answer within", errors[_holes.Silent.Value], StringComparison.Ordinal);
        Assert.Contains("no answer within", errors[_holes.Unreachable.Value], StringComparison.Ordinal);
        if (wait)
        {
            Assert.Contains("timed out after 3s", result.Errors, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_cluster_wide_status_ends_at_the_timeout_with_a_black_holed_peer()
    {
        var startup = await StartupAsync();
        var peers = await _cluster.StartAsync(2);
        // A station of three whose third peer is black-holed: the two live peers reach quorum and elect a master.
        var peerList = $"{TestCluster.List(peers)},{_holes.Unreachable}";
        var bootstrap = await Ctl.RunAsync("bootstrap", "station", "--peers", peerList, "--on", TestCluster.List(peers), "--wait", "--timeout", "60s");
        Assert.True(bootstrap.ExitCode == 0, bootstrap.ToString());

        var result = await Ctl.RunAsync("status", "--cluster", "--node", peers[0].Listen.Value, "--timeout", "2s", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(result.Elapsed <= TimeSpan.FromSeconds(2) + startup + s_slack, $"startup {startup.TotalMilliseconds:0} ms\n{result}");
        using var json = JsonDocument.Parse(result.Output);
        var hole = json.RootElement.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("node").GetString() == _holes.Unreachable.Value);
        Assert.False(hole.GetProperty("reachable").GetBoolean());
        Assert.Contains("no answer within", hole.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silent_node_to_start_from_does_not_hold_up_a_cluster_look()
    {
        var peers = await _cluster.StartAsync(3);
        var bootstrap = await Ctl.RunAsync("bootstrap", "station", "--peers", TestCluster.List(peers), "--wait", "--timeout", "60s");
        Assert.True(bootstrap.ExitCode == 0, bootstrap.ToString());

        var result = await Ctl.RunAsync("status", "--cluster", "--node", $"{_holes.Silent},{peers[1].Listen}", "--timeout", "20s", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal(3, json.RootElement.GetProperty("members").GetArrayLength());
        Assert.True(json.RootElement.GetProperty("elapsed_ms").GetInt64() < 10_000, result.ToString());
    }

    [Fact]
    public async Task A_node_that_answers_after_more_than_two_seconds_is_heard_when_the_timeout_allows_it()
    {
        var peers = await _cluster.StartAsync(3);
        using var slow = new SlowProxy(peers[0].Listen, TimeSpan.FromMilliseconds(2500));

        var bootstrap = await Ctl.RunAsync("bootstrap", "station", "--peers", TestCluster.List(peers), "--on", slow.Address.Value, "--timeout", "20s");
        var status = await Ctl.RunAsync("status", "--node", slow.Address.Value, "--timeout", "20s", "--json");

        Assert.True(bootstrap.ExitCode == 0, bootstrap.ToString());
        Assert.Contains($"{peers[0].Listen} is now a peer of station", bootstrap.Output, StringComparison.Ordinal);
        Assert.True(bootstrap.Elapsed >= slow.Delay, bootstrap.ToString());
        Assert.True(status.ExitCode == 0, status.ToString());
        using var json = JsonDocument.Parse(status.Output);
        Assert.Equal(peers[0].Listen.Value, json.RootElement.GetProperty("node").GetString());
    }

    /// <summary>How long halonctl takes to start and exit on this machine now, doing nothing over the network.</summary>
    private static async Task<TimeSpan> StartupAsync()
    {
        var result = await Ctl.RunAsync("version");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(new Regex("^halonctl "), result.Output);
        return result.Elapsed;
    }
}
