using System.Text.Json;

namespace Halon.Hosts.Tests;

/// <summary>halonctl satellite remove: its usage errors (exit 2), help, and its answer when no station answers (exit 1).</summary>
public sealed class SatelliteRemoveCommandTests
{
    [Theory]
    [InlineData("satellite remove --station 127.0.0.1:1", "name the satellites to remove: NODE... or --genders FILE --attr ATTR")]
    [InlineData("satellite remove n1:9070", "give the station with --station A,B,C, or with --genders FILE")]
    [InlineData("satellite remove n1:9070 --station 127.0.0.1:1 --attr old", "--attr goes with --genders")]
    [InlineData("satellite remove 127.0.0.1:1 --station 127.0.0.1:1,127.0.0.1:2", "127.0.0.1:1 is a peer of the station (--station), not a satellite")]
    [InlineData("satellite remove n1:9070 n2:9070 --station 127.0.0.1:1 --expect 3", "2 satellites to remove, but --expect 3")]
    [InlineData("satellite remove n1:9070 --station 127.0.0.1:1 --timeout soon", "--timeout")]
    public async Task Bad_usage_exits_2_with_what_to_do(string arguments, string message)
    {
        var result = await Ctl.RunAsync(arguments.Split(' '));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(message, result.Errors, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Output);
    }

    [Fact]
    public async Task Nodes_as_arguments_and_from_a_genders_attribute_at_once_are_refused()
    {
        var dir = Directory.CreateTempSubdirectory("halon-remove-");
        try
        {
            var genders = Path.Combine(dir.FullName, "genders");
            await File.WriteAllTextAsync(genders, "ts1 station\nn1 satellite,old\n");
            var result = await Ctl.RunAsync("satellite", "remove", "n1", "--genders", genders, "--attr", "old");
            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Contains("name the satellites as arguments or with --attr, not both", result.Errors, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task With_no_station_answering_each_node_fails_with_the_reason_and_the_exit_code_is_1()
    {
        var result = await Ctl.RunAsync("satellite", "remove", "n[1-2]", "--station", "127.0.0.1:1", "--json", "--timeout", "1s");

        Assert.True(result.ExitCode == 1, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        Assert.False(json.RootElement.GetProperty("dry_run").GetBoolean());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("coordinator").ValueKind);
        Assert.Equal(2, json.RootElement.GetProperty("failed").GetInt32());
        var nodes = json.RootElement.GetProperty("nodes");
        Assert.Equal("n1:9070", nodes[0].GetProperty("node").GetString());
        Assert.Equal("n2:9070", nodes[1].GetProperty("node").GetString());
        Assert.Equal("failed", nodes[0].GetProperty("result").GetString());
        Assert.Contains("127.0.0.1:1: connection refused", nodes[0].GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dry_run_with_no_station_answering_exits_1()
    {
        var result = await Ctl.RunAsync("satellite", "remove", "n1", "--station", "127.0.0.1:1", "--dry-run", "--timeout", "1s");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("no peer of the station answered", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_satellite_command_lists_remove_and_bootstrap_satellite_is_unchanged()
    {
        var bare = await Ctl.RunAsync("satellite");
        Assert.True(bare.ExitCode == 0, bare.ToString());
        Assert.Contains("remove", bare.Output, StringComparison.Ordinal);

        var help = await Ctl.RunAsync("satellite", "remove", "--help");
        Assert.True(help.ExitCode == 0, help.ToString());
        foreach (var option in new[] { "--station", "--genders", "--attr", "--station-attr", "--dry-run", "--json", "--timeout", "--expect", "--cluster-key-file" })
        {
            Assert.Contains(option, help.Output, StringComparison.Ordinal);
        }

        Assert.Contains("bootstrapped again", help.Output, StringComparison.Ordinal);

        var dryBootstrap = await Ctl.RunAsync("bootstrap", "satellite", "--station", "127.0.0.1:1,127.0.0.1:2,127.0.0.1:3", "--on", "127.0.0.1:4", "--dry-run", "--json");
        Assert.True(dryBootstrap.ExitCode == 0, dryBootstrap.ToString());
        using var json = JsonDocument.Parse(dryBootstrap.Output);
        Assert.Equal(3, json.RootElement.GetProperty("peers").GetArrayLength());
        Assert.Equal("127.0.0.1:4", json.RootElement.GetProperty("on")[0].GetString());
    }
}
