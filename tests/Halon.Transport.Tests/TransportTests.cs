using System.Net;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Protocol;
using Halon.Transport.Tcp;

namespace Halon.Transport.Tests;

/// <summary>Two transports on loopback: delivery, dial failures as the core needs them, and bounded queues.</summary>
public sealed class TransportTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    [Fact(Timeout = 30_000)]
    public async Task A_message_reaches_its_destination_with_its_proven_sender()
    {
        await using var a = Start(TestSupport.Key());
        await using var b = Start(TestSupport.Key());
        var probe = new PeerProbe(Id(a), Id(b), Samples.Station.ClusterId, 2);
        a.Send(probe);
        var received = Assert.IsType<MessageReceived>(await NextAsync(b));
        Assert.Equal(probe, received.Message);
        Assert.Equal(1, b.Counters.MessagesReceived);

        // The sender counts a message once its write completes, which may be after the receiver has read it.
        Assert.True(await TestSupport.EventuallyAsync(() => Task.FromResult(a.Counters.MessagesSent == 1), s_wait), $"{a.Counters.MessagesSent} sent");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_refused_dial_is_reported_for_status()
    {
        await using var a = Start(null);
        var nobody = NodeId.Parse($"127.0.0.1:{TestSupport.FreePort()}");
        a.Send(new PeerProbe(Id(a), nobody, Samples.Station.ClusterId, 1));
        var report = Assert.IsType<PeerUnreachable>(await NextAsync(a));
        Assert.Equal(nobody, report.Peer);
        Assert.Equal(PeerProblem.ConnectionRefused, report.Problem);
        Assert.Equal("connection refused", report.Detail);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_peer_with_another_key_is_reported_as_an_authentication_failure()
    {
        await using var a = Start(TestSupport.Key('a'));
        await using var b = Start(TestSupport.Key('b'));
        a.Send(new PeerProbe(Id(a), Id(b), Samples.Station.ClusterId, 1));
        var report = Assert.IsType<PeerUnreachable>(await NextAsync(a));
        Assert.Equal(PeerProblem.AuthenticationFailed, report.Problem);
        Assert.False(b.Events.TryRead(out _));
    }

    [Fact(Timeout = 30_000)]
    public async Task A_node_that_answers_under_another_id_is_reported()
    {
        await using var a = Start(null);
        await using var b = Start(null);
        var alias = NodeId.Parse($"localhost:{b.LocalEndPoint.Port}");
        a.Send(new PeerProbe(Id(a), alias, Samples.Station.ClusterId, 1));
        var report = Assert.IsType<PeerUnreachable>(await NextAsync(a));
        Assert.Contains($"answers as {Id(b)}", report.Detail, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_full_queue_drops_its_oldest_messages_and_counts_them()
    {
        await using var a = Start(null, options => options with { OutboundQueueMessagesMax = 4, ReconnectDelayMin = TimeSpan.FromSeconds(1), ReconnectDelayMax = TimeSpan.FromSeconds(1) });
        var nobody = NodeId.Parse($"127.0.0.1:{TestSupport.FreePort()}");
        for (var term = 0; term < 20; term++)
        {
            a.Send(new PeerProbe(Id(a), nobody, Samples.Station.ClusterId, term));
        }

        Assert.True(a.Counters.MessagesDropped >= 15, $"{a.Counters.MessagesDropped} dropped");
    }

    [Fact(Timeout = 30_000)]
    public async Task Messages_for_an_unreachable_node_expire_instead_of_piling_up()
    {
        await using var a = Start(null, options => options with { OutboundMessageAgeMax = TimeSpan.FromMilliseconds(100) });
        var nobody = NodeId.Parse($"127.0.0.1:{TestSupport.FreePort()}");
        a.Send(new PeerProbe(Id(a), nobody, Samples.Station.ClusterId, 1));
        Assert.True(await TestSupport.EventuallyAsync(() => Task.FromResult(a.Counters.MessagesDropped == 1), s_wait));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_connection_whose_keys_carried_their_budget_is_made_again_with_new_keys_and_loses_nothing()
    {
        var logs = new CapturingLoggerFactory(Microsoft.Extensions.Logging.LogLevel.Debug);
        // Messages are never aged out here (a loaded machine may take seconds over the reconnections): this test is about
        // the key budget, and a message dropped for its age would read as one lost to the new keys.
        await using var a = Start(TestSupport.Key(), options => options with { SealedBytesPerKeyMax = 4096, OutboundMessageAgeMax = TimeSpan.FromMinutes(5) }, logs);
        await using var b = Start(TestSupport.Key(), options => options with { SealedBytesPerKeyMax = 4096 });
        const int count = 400;
        for (var term = 0; term < count; term++)
        {
            a.Send(new PeerProbe(Id(a), Id(b), Samples.Station.ClusterId, term));
            if (term % 50 == 49)
            {
                await Task.Delay(20); // A few batches, so that the budget is crossed between them too.
            }
        }

        var terms = new HashSet<long>();
        while (terms.Count < count)
        {
            var received = Assert.IsType<MessageReceived>(await NextAsync(b));
            terms.Add(((PeerProbe)received.Message).Term);
        }

        Assert.Equal(0, b.Counters.FramesRejected);
        Assert.Equal(0, a.Counters.MessagesDropped);
        Assert.True(logs.Lines.Count(l => l.Contains("carried their data budget; reconnecting with new keys", StringComparison.Ordinal)) >= 3, logs.Tail(20));
    }

    [Fact(Timeout = 30_000)]
    public async Task The_transport_status_lists_each_connection_with_its_key()
    {
        await using var a = Start(TestSupport.Key());
        await using var b = Start(TestSupport.Key());
        a.Send(new PeerProbe(Id(a), Id(b), Samples.Station.ClusterId, 1));
        await NextAsync(b);
        var keyId = ClusterKey.Id(TestSupport.Key());
        Assert.True(await TestSupport.EventuallyAsync(() => Task.FromResult(a.GetStatus().ConnectionsTotal == 1 && b.GetStatus().ConnectionsTotal == 1), s_wait));
        var outbound = Assert.Single(a.GetStatus().Connections);
        Assert.Equal(new[] { Id(b).Value, "outbound", "cluster-key", keyId }, new[] { outbound.Peer, outbound.Direction, outbound.Mode, outbound.KeyId });
        var inbound = Assert.Single(b.GetStatus().Connections);
        Assert.Equal(new[] { Id(a).Value, "inbound", "cluster-key", keyId }, new[] { inbound.Peer, inbound.Direction, inbound.Mode, inbound.KeyId });
        Assert.Equal(new KeyUse("cluster-key", keyId, 1), Assert.Single(b.GetStatus().ConnectionsByKey));
        Assert.Equal(new KeyStatus(keyId, "current"), Assert.Single(b.GetStatus().Security.Keys));
    }

    private static TcpTransport Start(byte[]? key, Func<TransportOptions, TransportOptions>? tune = null, CapturingLoggerFactory? logs = null)
    {
        var port = TestSupport.FreePort();
        var options = new TransportOptions
        {
            NodeId = NodeId.Parse($"127.0.0.1:{port}"),
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, port),
            Security = TransportSecurity.WithKey(key),
        };
        var transport = new TcpTransport(tune?.Invoke(options) ?? options, (logs ?? new CapturingLoggerFactory()).CreateLogger("test"));
        transport.Start();
        return transport;
    }

    private static NodeId Id(TcpTransport transport) => NodeId.Parse($"127.0.0.1:{transport.LocalEndPoint.Port}");

    private static async Task<TransportEvent> NextAsync(TcpTransport transport)
    {
        using var timeout = new CancellationTokenSource(s_wait);
        return await transport.Events.ReadAsync(timeout.Token);
    }
}
