using System.Net;
using Halon.Core.Identity;
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
        Assert.Equal(SecurityMode.ClusterKey, settings.Security.Mode);
        Assert.Equal(ClusterKey.Id("0123456789abcdef0123456789abcdef"u8), settings.Security.Keys!.CurrentId);
    }

    [Fact]
    public void Loopback_needs_no_key_and_advertises_the_listen_address()
    {
        var settings = Parse(["--listen", "127.0.0.1:9171", "--data-dir", _dir, "--log-level", "debug"], _ => null, out var exit, out _);
        Assert.Equal(0, exit);
        Assert.Equal("127.0.0.1:9171", settings!.NodeId.Value);
        Assert.Equal(SecurityMode.Insecure, settings.Security.Mode);
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
    public void A_next_key_is_held_alongside_the_current_one()
    {
        var current = WriteKey("0123456789abcdef0123456789abcdef");
        var next = WriteKey("fedcba9876543210fedcba9876543210");
        var settings = Parse(["--listen", "127.0.0.1:9070", "--cluster-key-file", current, "--cluster-key-file-next", next], _ => null, out var exit, out var error);
        Assert.True(exit == 0, error);
        Assert.Equal(ClusterKey.Id("0123456789abcdef0123456789abcdef"u8), settings!.Security.Keys!.CurrentId);
        Assert.Equal(ClusterKey.Id("fedcba9876543210fedcba9876543210"u8), settings.Security.Keys.NextId);
        Assert.DoesNotContain(settings.SecurityWarnings, w => !w.Contains("chmod", StringComparison.Ordinal));
    }

    [Fact]
    public void A_next_key_equal_to_the_current_one_is_dropped_with_a_warning()
    {
        var current = WriteKey("0123456789abcdef0123456789abcdef");
        var copy = WriteKey("0123456789abcdef0123456789abcdef\n");
        var settings = Parse(["--listen", "127.0.0.1:9070", "--cluster-key-file", current, "--cluster-key-file-next", copy], _ => null, out var exit, out _);
        Assert.Equal(0, exit);
        Assert.Null(settings!.Security.Keys!.NextId);
        Assert.Contains(settings.SecurityWarnings, w => w.Contains("holds the same key as --cluster-key-file", StringComparison.Ordinal));
    }

    [Fact]
    public void Tls_files_of_this_node_give_tls_mode_and_a_certificate_of_another_node_is_a_usage_error()
    {
        var pki = WritePki(NodeId.Parse("127.0.0.1:9070"));
        var settings = Parse(["--listen", "127.0.0.1:9070", "--tls-cert", pki.Certificate, "--tls-key", pki.Key, "--tls-ca", pki.Authority], _ => null, out var exit, out var error);
        Assert.True(exit == 0, error);
        Assert.Equal(SecurityMode.Tls, settings!.Security.Mode);

        Parse(["--listen", "127.0.0.1:9071", "--tls-cert", pki.Certificate, "--tls-key", pki.Key, "--tls-ca", pki.Authority], _ => null, out exit, out error);
        Assert.Equal(2, exit);
        Assert.Contains("does not name this node's id 127.0.0.1:9071", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Tls_on_a_wildcard_address_needs_no_key_and_insecure_is_not_needed()
    {
        var pki = WritePki(NodeId.Parse("node-7.example.com:9070"));
        var settings = Parse(["--listen", "0.0.0.0:9070", "--advertise", "node-7.example.com:9070", "--tls-cert", pki.Certificate, "--tls-key", pki.Key, "--tls-ca", pki.Authority], _ => null, out var exit, out var error);
        Assert.True(exit == 0, error);
        Assert.Equal(SecurityMode.Tls, settings!.Security.Mode);
    }

    [Theory]
    [InlineData("exclude each other: a cluster uses a cluster key or TLS, not both", "key", "tls")]
    [InlineData("--tls-cert needs --tls-key and --tls-ca too", "cert")]
    [InlineData("--tls-key needs --tls-cert and --tls-ca too", "tlskey")]
    [InlineData("--cluster-key-file-next needs --cluster-key-file too", "next")]
    [InlineData("--tls-cert and --insecure exclude each other; give one", "tls", "insecure")]
    [InlineData("--cluster-key-file-next and --insecure exclude each other; give one", "next", "insecure")]
    [InlineData("private key file", "tls", "missingkey")]
    public void Contradicting_or_incomplete_security_options_exit_2(string expected, params string[] parts)
    {
        var pki = WritePki(NodeId.Parse("127.0.0.1:9070"));
        var key = WriteKey("0123456789abcdef0123456789abcdef");
        var args = new List<string> { "--listen", "127.0.0.1:9070" };
        foreach (var part in parts)
        {
            args.AddRange(part switch
            {
                "key" => ["--cluster-key-file", key],
                "next" => ["--cluster-key-file-next", key],
                "tls" => ["--tls-cert", pki.Certificate, "--tls-key", pki.Key, "--tls-ca", pki.Authority],
                "cert" => ["--tls-cert", pki.Certificate],
                "tlskey" => ["--tls-key", pki.Key],
                "insecure" => ["--insecure"],
                "missingkey" => ["--tls-key", Path.Combine(_dir, "nowhere.key")],
                _ => throw new ArgumentException(part),
            });
        }

        if (parts.Contains("missingkey"))
        {
            args.RemoveAt(args.IndexOf("--tls-key", 4) + 1);
            args.RemoveAt(args.IndexOf("--tls-key", 4));
        }

        var settings = Parse([.. args], _ => null, out var exit, out var error);
        Assert.Null(settings);
        Assert.Equal(2, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tls_option_contradicting_a_key_in_the_environment_names_the_variable()
    {
        var pki = WritePki(NodeId.Parse("127.0.0.1:9070"));
        var key = WriteKey("0123456789abcdef0123456789abcdef");
        Parse(["--listen", "127.0.0.1:9070", "--tls-cert", pki.Certificate, "--tls-key", pki.Key, "--tls-ca", pki.Authority], name => name == "HALON_CLUSTER_KEY_FILE" ? key : null, out var exit, out var error);
        Assert.Equal(2, exit);
        Assert.Contains($"HALON_CLUSTER_KEY_FILE={key} and --tls-cert exclude each other", error, StringComparison.Ordinal);
        Assert.Contains("unset one of them", error, StringComparison.Ordinal);
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

    private (string Certificate, string Key, string Authority) WritePki(NodeId node)
    {
        var directory = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        using var authority = CertificateFactory.CreateAuthority("test CA", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10));
        using var certificate = CertificateFactory.CreateNode(authority, node.Host, [node], DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(5));
        var files = (Path.Combine(directory, "node.crt"), Path.Combine(directory, "node.key"), Path.Combine(directory, "ca.crt"));
        CertificateFactory.Write(certificate, files.Item1, files.Item2);
        CertificateFactory.Write(authority, files.Item3, Path.Combine(directory, "ca.key"));
        return files;
    }

    private string WriteKey(string content)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".key");
        File.WriteAllText(path, content);
        return path;
    }
}
