using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Halon.Core;
using Halon.Core.Identity;
using Halon.Ctl.Demo;

namespace Halon.Hosts.Tests;

/// <summary>
/// A real station of three halond processes on loopback with a <see cref="FrameProxy"/> in front of one of them (B):
/// B advertises the proxy's address as its id, so every connection to B, from its peers and from halonctl, crosses
/// the proxy. Bootstrapped once, with a coordinator, and shared by the tests of one class.
/// </summary>
/// <remarks>
/// The station runs the <c>wan</c> timing (E = 1.5 s). These tests check that an attack costs one connection and never
/// the coordinator; with <c>lan</c>'s E of 250 ms a loaded two-core machine alone (a stall of the master's loop, or of
/// the test process that runs the proxy) can rightly end a master's term, which says nothing about the attack.
/// </remarks>
public abstract class ProxiedStationFixture : IAsyncLifetime
{
    private readonly bool _tls;

    protected ProxiedStationFixture(bool tls)
    {
        _tls = tls;
        Cluster = new TestCluster(tls ? null : RandomNumberGenerator.GetBytes(32));
    }

    internal TestCluster Cluster { get; }

    internal FrameProxy Proxy { get; private set; } = null!;

    /// <summary>A, B (behind the proxy) and C.</summary>
    internal IReadOnlyList<LocalDaemon> Nodes { get; private set; } = [];

    /// <summary>The node behind the proxy.</summary>
    internal LocalDaemon Proxied => Nodes[1];

    /// <summary>The peer set: A, the proxy's address (B's id), C.</summary>
    internal string Peers { get; private set; } = string.Empty;

    /// <summary>The security options of halonctl for this station.</summary>
    internal string[] CtlSecurity { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var ports = FreePorts.Take(3);
        var ids = ports.Select(p => NodeId.Parse(string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{p}"))).ToList();
        Proxy = new FrameProxy(new IPEndPoint(IPAddress.Loopback, ports[1]), _tls);
        string[] nodeSecurity = [];
        if (_tls)
        {
            var pki = Path.Combine(Cluster.Root, "pki");
            var certs = await Ctl.RunAsync("certs", "--out", pki, "--nodes", $"{ids[0]},{Proxy.Address},{ids[2]}");
            Assert.True(certs.ExitCode == 0, certs.ToString());
            nodeSecurity = ["--tls-cert", Path.Combine(pki, "127.0.0.1.crt"), "--tls-key", Path.Combine(pki, "127.0.0.1.key"), "--tls-ca", Path.Combine(pki, "ca.crt")];
            CtlSecurity = ["--tls-cert", Path.Combine(pki, "halonctl.crt"), "--tls-key", Path.Combine(pki, "halonctl.key"), "--tls-ca", Path.Combine(pki, "ca.crt")];
            Cluster.ClientSecurity = Halon.Transport.Tcp.TransportSecurity.WithTls(
                Halon.Transport.Tcp.TlsCredentials.Load(CtlSecurity[1], CtlSecurity[3], CtlSecurity[5], [Halon.Transport.Tcp.TlsUsage.Client]));
        }
        else
        {
            CtlSecurity = ["--cluster-key-file", Cluster.KeyFile!];
        }

        var a = await Cluster.StartAtAsync(ids[0], nodeSecurity);
        var b = await Cluster.StartAtAsync(ids[1], [.. nodeSecurity, "--advertise", Proxy.Address.Value]);
        var c = await Cluster.StartAtAsync(ids[2], nodeSecurity);
        Nodes = [a, b, c];
        Peers = $"{ids[0]},{Proxy.Address},{ids[2]}";
        Proxy.ClusterId = StationTiming.Wan.ClusterIdFor(PeerSet.Parse(Peers));
        var bootstrap = await Ctl.RunAsync(["bootstrap", "station", "--peers", Peers, "--timing", "wan", .. CtlSecurity, "--wait", "--timeout", "60s"]);
        Assert.True(bootstrap.ExitCode == 0, bootstrap.ToString());
    }

    public async Task DisposeAsync()
    {
        Cluster.Dispose();
        await Proxy.DisposeAsync();
    }
}

/// <summary>The proxied station in cluster-key mode.</summary>
public sealed class KeyedProxiedStationFixture : ProxiedStationFixture
{
    public KeyedProxiedStationFixture()
        : base(tls: false)
    {
    }
}

/// <summary>The proxied station in TLS mode.</summary>
public sealed class TlsProxiedStationFixture : ProxiedStationFixture
{
    public TlsProxiedStationFixture()
        : base(tls: true)
    {
    }
}
