using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Transport.Tcp;
using Microsoft.Extensions.Logging.Abstractions;

namespace Halon.Bench;

/// <summary>
/// The real TCP transport on loopback, two nodes in one process, in each security mode: heartbeats (AppendEntries with
/// no entries, what a master sends every tick) streamed one way, and a probe and its reply as one round trip. The
/// difference between the modes is what sealing (or TLS) costs per message, including encoding and the socket.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class TransportBenchmarks
{
    /// <summary>Heartbeats sent per streaming operation.</summary>
    public const int Batch = 2000;

    private TcpTransport _a = null!;
    private TcpTransport _b = null!;
    private NodeId _idA = null!;
    private NodeId _idB = null!;
    private string _clusterId = string.Empty;
    private long _term;

    [Params("insecure", "cluster-key", "tls")]
    public string Mode { get; set; } = "insecure";

    [GlobalSetup]
    public void Setup()
    {
        var security = Security(Mode);
        _a = Start(security.A, out _idA);
        _b = Start(security.B, out _idB);
        _clusterId = PeerSet.Create([_idA, _idB]).ClusterId;
        RoundTrip(); // Both connections made before anything is timed.
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _b.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Heartbeats from A to B; one operation is one heartbeat, sent, carried and delivered to B's loop.</summary>
    [Benchmark(OperationsPerInvoke = Batch, Description = "heartbeat A->B (streamed)")]
    public void Heartbeats()
    {
        for (var i = 0; i < Batch; i++)
        {
            _a.Send(new AppendEntries(_idA, _idB, _clusterId, ++_term, 10, 1, [], 10, _term, 1));
        }

        for (var i = 0; i < Batch; i++)
        {
            Next(_b);
        }
    }

    /// <summary>A probe from A to B and B's reply: one round trip between two nodes' loops.</summary>
    [Benchmark(Description = "probe and reply (round trip)")]
    public void RoundTrip()
    {
        _a.Send(new PeerProbe(_idA, _idB, _clusterId, ++_term));
        Next(_b);
        _b.Send(new PeerProbe(_idB, _idA, _clusterId, _term));
        Next(_a);
    }

    /// <summary>The security of two nodes in <paramref name="mode"/>: one key, or one CA with a certificate per node.</summary>
    internal static (TransportSecurity A, TransportSecurity B) Security(string mode)
    {
        switch (mode)
        {
            case "cluster-key":
                var key = TransportSecurity.WithKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
                return (key, key);
            case "tls":
                var now = DateTimeOffset.UtcNow;
                var authority = CertificateFactory.CreateAuthority("bench CA", now.AddDays(-1), now.AddDays(1));
                var certificate = CertificateFactory.CreateNode(authority, "127.0.0.1", [], now.AddDays(-1), now.AddDays(1));
                var tls = TransportSecurity.WithTls(TlsCredentials.Create(certificate, [authority], usages: [TlsUsage.Server, TlsUsage.Client]));
                return (tls, tls);
            default:
                return (TransportSecurity.Insecure, TransportSecurity.Insecure);
        }
    }

    private static TcpTransport Start(TransportSecurity security, out NodeId id)
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        id = NodeId.Parse($"127.0.0.1:{port}");
        var transport = new TcpTransport(
            new TransportOptions { NodeId = id, ListenEndPoint = new IPEndPoint(IPAddress.Loopback, port), Security = security, OutboundQueueMessagesMax = Batch * 2 },
            NullLogger.Instance);
        transport.Start();
        return transport;
    }

    private static void Next(TcpTransport transport)
    {
        while (true)
        {
            if (transport.Events.TryRead(out var next))
            {
                if (next is MessageReceived)
                {
                    return;
                }

                throw new InvalidOperationException($"the transport reported {next.GetType().Name} instead of a message");
            }

            transport.Events.WaitToReadAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.ShortRun.WithWarmupCount(3).WithIterationCount(10));
        }
    }
}
