using System.Net;
using Halon.Daemon;
using Halon.Transport.Tcp;
using Microsoft.Extensions.Logging;

namespace Halon.Transport.Tests;

public sealed class CommandLineTests : IDisposable
{
    private readonly string _dir = TestSupport.TempDir();

    public void Dispose() => TestSupport.DeleteDir(_dir);

    [Fact]
    public void Defaults_listen_on_all_addresses_and_advertise_the_hostname_with_the_key_from_the_environment()
    {
        var keyFile = WriteKey("0123456789abcdef0123456789abcdef\n");
        var settings = Parse([], name => name == DaemonCommandLine.ClusterKeyFileVariable ? keyFile : null, out var exit, out _);
        Assert.Equal(0, exit);
        Assert.NotNull(settings);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 9070), settings.Listen);
        Assert.Equal($"{Dns.GetHostName()}:9070", settings.NodeId.Value);
        Assert.Equal("/var/lib/halon", settings.DataDir);
        Assert.Equal(LogLevel.Information, settings.LogLevel);
        Assert.Equal(32, settings.ClusterKey!.Length);
    }

    [Fact]
    public void Loopback_needs_no_key_and_advertises_the_listen_address()
    {
        var settings = Parse(["--listen", "127.0.0.1:9171", "--data-dir", _dir, "--log-level", "debug"], _ => null, out var exit, out _);
        Assert.Equal(0, exit);
        Assert.Equal("127.0.0.1:9171", settings!.NodeId.Value);
        Assert.Null(settings.ClusterKey);
        Assert.Equal(LogLevel.Debug, settings.LogLevel);
    }

    [Fact]
    public void Advertise_overrides_the_node_id()
    {
        var settings = Parse(["--listen", "0.0.0.0:9070", "--advertise", "node-7.example.com:9070", "--insecure"], _ => null, out _, out _);
        Assert.Equal("node-7.example.com:9070", settings!.NodeId.Value);
        Assert.True(settings.Insecure);
    }

    [Theory]
    [InlineData("refusing to listen on 0.0.0.0:9070", "--listen", "0.0.0.0:9070")]
    [InlineData("--listen: node address 'nowhere' is not HOST:PORT", "--listen", "nowhere")]
    [InlineData("--log-level 'loud' is not one of", "--listen", "127.0.0.1:9070", "--log-level", "loud")]
    [InlineData("Unrecognized command or argument '--bogus'", "--bogus")]
    [InlineData("--advertise: node address 'x:99999' has a port outside 1..65535", "--listen", "127.0.0.1:9070", "--advertise", "x:99999")]
    public void Usage_errors_exit_2_with_a_clear_message(string expected, params string[] args)
    {
        var settings = Parse(args, _ => null, out var exit, out var error);
        Assert.Null(settings);
        Assert.Equal(2, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_file_and_insecure_together_are_a_usage_error()
    {
        var keyFile = WriteKey("0123456789abcdef0123456789abcdef");
        Parse(["--cluster-key-file", keyFile, "--insecure"], _ => null, out var exit, out var error);
        Assert.Equal(2, exit);
        Assert.Contains("--cluster-key-file and --insecure exclude each other", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_exits_0()
    {
        Parse(["--help"], _ => null, out var exit, out _, out var output);
        Assert.Equal(0, exit);
        Assert.Contains("--cluster-key-file", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Cluster_key_files_give_clear_errors()
    {
        var missing = Path.Combine(_dir, "missing.key");
        Assert.Contains("does not exist", Assert.Throws<ClusterKeyException>(() => ClusterKey.Load(missing)).Message, StringComparison.Ordinal);
        Assert.Contains("is empty", Assert.Throws<ClusterKeyException>(() => ClusterKey.Load(WriteKey("\n"))).Message, StringComparison.Ordinal);
        Assert.Contains("holds 5 bytes; at least 16", Assert.Throws<ClusterKeyException>(() => ClusterKey.Load(WriteKey("short\r\n"))).Message, StringComparison.Ordinal);
        Assert.Equal("0123456789abcdef"u8.ToArray(), ClusterKey.Load(WriteKey("0123456789abcdef\n\n")));
    }

    private DaemonSettings? Parse(string[] args, Func<string, string?> environment, out int exit, out string error) =>
        Parse(args, environment, out exit, out error, out _);

    private static DaemonSettings? Parse(string[] args, Func<string, string?> environment, out int exit, out string error, out string output)
    {
        using var outWriter = new StringWriter();
        using var errWriter = new StringWriter();
        var settings = DaemonCommandLine.Parse(args, environment, outWriter, errWriter, out exit);
        error = errWriter.ToString();
        output = outWriter.ToString();
        return settings;
    }

    private string WriteKey(string content)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".key");
        File.WriteAllText(path, content);
        return path;
    }
}
