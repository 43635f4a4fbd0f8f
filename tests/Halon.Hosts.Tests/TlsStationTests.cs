using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Halon.Core.Identity;
using Halon.Ctl.Demo;
using Halon.Transport.Tcp;

namespace Halon.Hosts.Tests;

/// <summary>
/// Mutual TLS end to end with the shipped programs: <c>halonctl certs</c> makes the CA and the certificates, halond
/// runs with them, halonctl bootstraps and reads status with its own certificate, and a mismatch of modes or flags is
/// a clear error.
/// </summary>
public sealed class TlsStationTests : IDisposable
{
    private readonly TestCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task A_station_with_certificates_from_halonctl_certs_bootstraps_and_shows_its_ca()
    {
        var ids = FreePorts.Take(3).Select(p => NodeId.Parse(string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{p}"))).ToList();
        var pki = Path.Combine(_cluster.Root, "pki");
        var certs = await Ctl.RunAsync("certs", "--out", pki, "--nodes", string.Join(',', ids), "--json");
        Assert.True(certs.ExitCode == 0, certs.ToString());
        string authorityId;
        using (var json = JsonDocument.Parse(certs.Output))
        {
            authorityId = json.RootElement.GetProperty("ca").GetProperty("id").GetString()!;
            Assert.Equal("created", json.RootElement.GetProperty("ca").GetProperty("status").GetString());
        }

        string[] node = ["--tls-cert", Path.Combine(pki, "127.0.0.1.crt"), "--tls-key", Path.Combine(pki, "127.0.0.1.key"), "--tls-ca", Path.Combine(pki, "ca.crt")];
        string[] ctl = ["--tls-cert", Path.Combine(pki, "halonctl.crt"), "--tls-key", Path.Combine(pki, "halonctl.key"), "--tls-ca", Path.Combine(pki, "ca.crt")];
        _cluster.ClientSecurity = TransportSecurity.WithTls(TlsCredentials.Load(ctl[1], ctl[3], ctl[5], [TlsUsage.Client]));
        var nodes = new List<LocalDaemon>();
        foreach (var id in ids)
        {
            nodes.Add(await _cluster.StartAtAsync(id, node));
        }

        var bootstrap = await Ctl.RunAsync(["bootstrap", "station", "--peers", TestCluster.List(nodes), .. ctl, "--wait", "--timeout", "60s"]);
        Assert.True(bootstrap.ExitCode == 0, bootstrap.ToString());
        await _cluster.WaitForSteadyStationAsync(nodes);

        var status = await Ctl.RunAsync(["status", "--node", ids[0].Value, "--json", .. ctl]);
        Assert.True(status.ExitCode == 0, status.ToString());
        using (var json = JsonDocument.Parse(status.Output))
        {
            var security = json.RootElement.GetProperty("security");
            Assert.Equal("tls", security.GetProperty("mode").GetString());
            Assert.Equal(authorityId, security.GetProperty("keys")[0].GetProperty("id").GetString());
            Assert.Equal("ca", security.GetProperty("keys")[0].GetProperty("use").GetString());
            Assert.Contains("URI:halon://" + ids[0].Value, security.GetProperty("certificate").GetString(), StringComparison.Ordinal);
            var connections = json.RootElement.GetProperty("connections").EnumerateArray().ToList();
            Assert.True(connections.Count >= 3, status.Output);
            Assert.All(connections, c => Assert.Equal(("tls", authorityId), (c.GetProperty("mode").GetString(), c.GetProperty("key_id").GetString())));
        }

        // The text form says the same to a person.
        var text = await Ctl.RunAsync(["status", "--node", ids[1].Value, .. ctl]);
        Assert.Contains($"mutual TLS 1.3, trusting CA {authorityId}", text.Output, StringComparison.Ordinal);

        // A cluster key where TLS is expected is refused with what to give instead.
        var keyFile = Path.Combine(_cluster.Root, "some.key");
        await File.WriteAllTextAsync(keyFile, "0123456789abcdef0123456789abcdef");
        var keyed = await Ctl.RunAsync("status", "--node", ids[0].Value, "--cluster-key-file", keyFile);
        Assert.True(keyed.ExitCode == 1, keyed.ToString());
        Assert.Contains("authentication failed (the node uses TLS: give --tls-cert, --tls-key and --tls-ca)", keyed.Errors, StringComparison.Ordinal);

        // Both at once is a usage error, on halonctl and on halond.
        var both = await Ctl.RunAsync(["status", "--node", ids[0].Value, "--cluster-key-file", keyFile, .. ctl]);
        Assert.True(both.ExitCode == 2, both.ToString());
        Assert.Contains("--cluster-key-file and --tls-cert exclude each other", both.Errors, StringComparison.Ordinal);
        var daemon = await RunHalondAsync(["--listen", "127.0.0.1:1", "--data-dir", Path.Combine(_cluster.Root, "x"), "--cluster-key-file", keyFile, .. node]);
        Assert.Equal(2, daemon.ExitCode);
        Assert.Contains("--cluster-key-file and --tls-cert exclude each other", daemon.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Halonctl_certs_is_idempotent_reads_genders_and_adds_only_what_is_missing()
    {
        var genders = Path.Combine(_cluster.Root, "genders");
        await File.WriteAllTextAsync(genders, "ts[01-02]  station\nn01        satellite,halon_port=9171\n");
        var pki = Path.Combine(_cluster.Root, "pki");

        var first = await Ctl.RunAsync("certs", "--out", pki, "--genders", genders, "--json");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(["created", "created", "created", "created"], Statuses(first.Output));
        using (var n01 = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(pki, "n01.crt"))))
        {
            Assert.True(CertificateFactory.NamesNode(n01, NodeId.Parse("n01:9171")));
            Assert.False(CertificateFactory.NamesNode(n01, NodeId.Parse("n01:9070")));
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, ModeOf(Path.Combine(pki, "ca.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, ModeOf(Path.Combine(pki, "ts01.key")));
        var certificate = await File.ReadAllTextAsync(Path.Combine(pki, "ts01.crt"));

        // Again: everything is kept, nothing rewritten.
        var again = await Ctl.RunAsync("certs", "--out", pki, "--genders", genders, "--json");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(["kept", "kept", "kept", "kept"], Statuses(again.Output));
        Assert.Equal(certificate, await File.ReadAllTextAsync(Path.Combine(pki, "ts01.crt")));

        // A node more: only its certificate is made, by the same CA.
        await File.AppendAllTextAsync(genders, "ts03 station\n");
        var more = await Ctl.RunAsync("certs", "--out", pki, "--genders", genders, "--attr", "station");
        Assert.True(more.ExitCode == 0, more.ToString());
        Assert.Contains("ts03  created", string.Join('\n', more.Output.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Replace(l, " {2,}", "  "))), StringComparison.Ordinal);
        using var authority = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(pki, "ca.crt")));
        using var ts03 = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(pki, "ts03.crt")));
        Assert.True(CertificateFactory.IsIssuedBy(ts03, authority));
        Assert.Contains("pdcp -p -w", more.Output, StringComparison.Ordinal);

        // A certificate that no longer names its node (its port changed) is reported, not overwritten.
        await File.WriteAllTextAsync(genders, "ts01 station,halon_port=9999\n");
        var changed = await Ctl.RunAsync("certs", "--out", pki, "--genders", genders, "--attr", "station");
        Assert.True(changed.ExitCode == 1, changed.ToString());
        Assert.Contains("does not name ts01:9999", changed.Errors, StringComparison.Ordinal);
        Assert.Equal(certificate, await File.ReadAllTextAsync(Path.Combine(pki, "ts01.crt")));
    }

    [Fact]
    public async Task Halonctl_key_generate_writes_a_private_key_once_and_key_id_names_it()
    {
        var file = Path.Combine(_cluster.Root, "new.key");
        var generated = await Ctl.RunAsync("key", "generate", file);
        Assert.True(generated.ExitCode == 0, generated.ToString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, ModeOf(file));
        var id = ClusterKey.Id(ClusterKey.Load(file));
        Assert.Equal($"{file}: key {id}\n", generated.Output);
        Assert.DoesNotContain((await File.ReadAllTextAsync(file)).Trim(), generated.Output, StringComparison.Ordinal);

        var again = await Ctl.RunAsync("key", "generate", file);
        Assert.True(again.ExitCode == 1, again.ToString());
        Assert.Contains("exists; it is left alone", again.Errors, StringComparison.Ordinal);

        var shown = await Ctl.RunAsync("key", "id", file);
        Assert.Equal($"{file}: key {id}\n", shown.Output);
    }

    private static UnixFileMode ModeOf(string path) =>
        OperatingSystem.IsWindows() ? throw new PlatformNotSupportedException("file modes are POSIX") : File.GetUnixFileMode(path);

    private static List<string> Statuses(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("certificates").EnumerateArray().Select(c => c.GetProperty("status").GetString()!).ToList();
    }

    private static async Task<(int ExitCode, string Errors)> RunHalondAsync(string[] arguments)
    {
        var info = HalondLauncher.ForPath(Paths.HalondDll).StartInfo(arguments);
        using var process = System.Diagnostics.Process.Start(info)!;
        var errors = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await errors);
    }
}
