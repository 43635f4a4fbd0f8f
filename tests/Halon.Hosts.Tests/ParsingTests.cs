using Halon.Ctl.Addressing;
using Halon.Ctl.Cli;

namespace Halon.Hosts.Tests;

/// <summary>Table tests of halonctl's pure parsing: node lists with host ranges, and durations.</summary>
public sealed class ParsingTests
{
    [Theory]
    [InlineData("a,b,c", 9070, "a:9070 b:9070 c:9070")]
    [InlineData("ts[01-03]", 9070, "ts01:9070 ts02:9070 ts03:9070")]
    [InlineData("n[1-2,5]:7000,m", 9071, "n1:7000 n2:7000 n5:7000 m:9071")]
    [InlineData("localhost:9070", 1, "localhost:9070")]
    [InlineData("127.0.0.1:1, 127.0.0.1:2", 9070, "127.0.0.1:1 127.0.0.1:2")]
    [InlineData("[::1]:9070,[::1]", 9071, "[::1]:9070 [::1]:9071")]
    [InlineData("a,a:9070,a", 9070, "a:9070")]
    public void Node_lists_expand_host_ranges_and_add_the_default_port(string text, int port, string expected)
    {
        Assert.Equal(expected, string.Join(' ', NodeList.Parse(text, port, "--peers")));
    }

    [Theory]
    [InlineData("")]
    [InlineData(",")]
    [InlineData("n[3-1]")]
    [InlineData("n[1-2")]
    [InlineData("a:0")]
    [InlineData("a:70000")]
    [InlineData("a b")]
    public void Bad_node_lists_are_usage_errors_that_name_the_option(string text)
    {
        var error = Assert.Throws<UsageException>(() => NodeList.Parse(text, 9070, "--on"));
        Assert.Contains("--on", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2m", 120_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("45", 45_000)]
    public void Durations_parse_with_units(string text, int milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Durations.Parse(text, "--timeout"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0s")]
    [InlineData("-1s")]
    [InlineData("soon")]
    [InlineData("10x")]
    [InlineData("s")]
    [InlineData("2d")]
    [InlineData("1000h")]
    public void Bad_durations_are_usage_errors(string text)
    {
        Assert.Throws<UsageException>(() => Durations.Parse(text, "--timeout"));
    }
}
