using Halon.Core.Identity;
using Halon.Transport.Tcp;

namespace Halon.Transport.Tests;

/// <summary>
/// Three daemons in TLS mode, each with a certificate of one CA naming its node id: they form a station, halonctl
/// reaches them with a client certificate, and status names the CA of every connection. A client without the CA's
/// certificate gets nowhere.
/// </summary>
public sealed class TlsClusterTests : IAsyncLifetime
{
    private static readonly TimeSpan s_converge = TimeSpan.FromSeconds(30);
    private readonly TestPki _pki = new();
    private readonly List<string> _dirs = [];
    private readonly List<DaemonHarness> _nodes = [];

    public Task InitializeAsync()
    {
        for (var i = 0; i < 3; i++)
        {
            var port = TestSupport.FreePort();
            var dir = TestSupport.TempDir();
            _dirs.Add(dir);
            _nodes.Add(DaemonHarness.Start(DaemonHarness.Settings_(port, dir, security: _pki.Security(NodeId.Parse($"127.0.0.1:{port}")))));
        }

        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        _dirs.ForEach(TestSupport.DeleteDir);
        _pki.Dispose();
    }

    [Fact(Timeout = 90_000)]
    public async Task A_tls_station_elects_a_coordinator_and_shows_the_ca_of_each_connection()
    {
        var peers = PeerSet.Create(_nodes.Select(n => n.Id));
        var client = _pki.Client();
        foreach (var node in _nodes)
        {
            await using var control = await node.ConnectAsync(client);
            Assert.Equal(SecurityMode.Tls, control.Mode);
            Assert.True((await control.BootstrapStationAsync(peers)).Succeeded);
        }

        var authority = TlsCredentials.AuthorityId(_pki.Authority);
        StatusReport? report = null;
        Assert.True(
            await TestSupport.EventuallyAsync(
                async () =>
                {
                    await using var control = await _nodes[0].ConnectAsync(client);
                    report = await control.GetStatusReportAsync();
                    return report.Node.Coordinator is not null && report.Transport.Connections.Count(c => c.Peer != "halonctl") == 4;
                },
                s_converge),
            $"no coordinator with four peer connections; last: {report}");
        Assert.Equal("tls", report!.Transport.Security.Mode);
        Assert.Equal(new KeyStatus(authority, "ca"), Assert.Single(report.Transport.Security.Keys));
        Assert.Contains("URI:halon://" + _nodes[0].Id.Value, report.Transport.Security.Certificate, StringComparison.Ordinal);
        Assert.All(report.Transport.Connections, c => Assert.Equal(("tls", authority), (c.Mode, c.KeyId)));
    }

    [Fact(Timeout = 30_000)]
    public async Task Halonctl_with_a_certificate_of_another_ca_or_with_a_key_is_refused_and_the_node_goes_on()
    {
        using var other = new TestPki();
        var e = await Assert.ThrowsAsync<ControlException>(() => _nodes[0].ConnectAsync(other.Client()));
        Assert.StartsWith($"{_nodes[0].Id}: authentication failed (", e.Message, StringComparison.Ordinal);
        var keyed = await Assert.ThrowsAsync<ControlException>(() => _nodes[0].ConnectAsync(TestSupport.Key()));
        Assert.Equal($"{_nodes[0].Id}: authentication failed (the node uses TLS: give --tls-cert, --tls-key and --tls-ca)", keyed.Message);
        Assert.True(await TestSupport.EventuallyAsync(() => Task.FromResult(_nodes[0].Logs.Contains("rejected connection from 127.0.0.1:")), s_converge));
        await using var control = await _nodes[0].ConnectAsync(_pki.Client());
        Assert.Equal("none", (await control.GetStatusAsync()).Role);
    }
}
