using System.Net;
using System.Net.Sockets;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Transport.Tcp;

namespace Halon.Transport.Tests;

/// <summary>
/// The answers to an announcement go back on the connection the announcing node dialled while it is open, and the
/// ordinary way (a connection of the answering node's own) otherwise; nothing else ever travels back.
/// </summary>
public sealed class ReplyPathTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);
    private static readonly HostFacts s_facts = new("vsat", 1, 1024);

    [Fact(Timeout = 30_000)]
    public async Task The_answer_to_an_announcement_comes_back_on_the_connection_the_satellite_dialled()
    {
        // The satellite's id names a port where nothing listens: the peer cannot dial it, so the answer can only come
        // back on the satellite's own connection.
        await using var satellite = Start(TestSupport.Key(), advertised: TestSupport.FreePort());
        await using var peer = Start(TestSupport.Key());
        satellite.Send(new NodeUp(Id(satellite), Id(peer), 1, s_facts));
        var announced = Assert.IsType<MessageReceived>(await NextAsync(peer));
        Assert.IsType<NodeUp>(announced.Message);

        var redirect = new NodeUpRedirect(Id(peer), Id(satellite), Id(peer), 3);
        peer.Send(redirect);
        var answered = Assert.IsType<MessageReceived>(await NextAsync(satellite));
        Assert.Equal(redirect, answered.Message);

        var ack = new NodeUpAck(Id(peer), Id(satellite), 1, 2);
        peer.Send(ack);
        Assert.Equal(ack, Assert.IsType<MessageReceived>(await NextAsync(satellite)).Message);

        Assert.Equal(2, peer.RepliesOnInbound);
        Assert.Equal(0, peer.Counters.DialFailures);
        Assert.Equal(2, satellite.Counters.MessagesReceived);
        Assert.True(await TestSupport.EventuallyAsync(() => Task.FromResult(peer.Counters.MessagesSent == 2), s_wait), $"{peer.Counters.MessagesSent} sent");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_message_that_is_no_answer_goes_on_a_connection_of_the_senders_own()
    {
        await using var a = Start(TestSupport.Key());
        await using var b = Start(TestSupport.Key());
        a.Send(new NodeUp(Id(a), Id(b), 1, s_facts));
        Assert.IsType<MessageReceived>(await NextAsync(b));

        var probe = new PeerProbe(Id(b), Id(a), Samples.Station.ClusterId, 4);
        b.Send(probe);
        Assert.Equal(probe, Assert.IsType<MessageReceived>(await NextAsync(a)).Message);
        Assert.Equal(0, b.RepliesOnInbound);
        Assert.True(a.InboundConnectionCount >= 1, "b dialled a");
    }

    [Fact(Timeout = 30_000)]
    public async Task An_answer_after_the_satellite_closed_its_connection_is_dialled_instead()
    {
        await using var satellite = Start(TestSupport.Key(), tune: options => options with { OutboundIdleCloseTimeout = TimeSpan.FromMilliseconds(200) });
        await using var peer = Start(TestSupport.Key());
        satellite.Send(new NodeUp(Id(satellite), Id(peer), 1, s_facts));
        Assert.IsType<MessageReceived>(await NextAsync(peer));

        // The satellite has nothing more to send: its connection idles out, and with it the way back.
        Assert.True(await TestSupport.EventuallyAsync(() => Task.FromResult(peer.InboundConnectionCount == 0), s_wait), "the satellite's connection idled out");
        var ack = new NodeUpAck(Id(peer), Id(satellite), 1, 2);
        peer.Send(ack);
        Assert.Equal(ack, Assert.IsType<MessageReceived>(await NextAsync(satellite)).Message);
        Assert.Equal(0, peer.RepliesOnInbound);
        Assert.True(satellite.InboundConnectionCount >= 1, "the peer dialled the satellite");
    }

    [Fact(Timeout = 30_000)]
    public async Task Answers_travel_back_without_a_cluster_key_too()
    {
        await using var satellite = Start(null, advertised: TestSupport.FreePort());
        await using var peer = Start(null);
        satellite.Send(new NodeUp(Id(satellite), Id(peer), 1, s_facts));
        Assert.IsType<MessageReceived>(await NextAsync(peer));
        var removed = new NodeUpRemoved(Id(peer), Id(satellite), 7, 3);
        peer.Send(removed);
        Assert.Equal(removed, Assert.IsType<MessageReceived>(await NextAsync(satellite)).Message);
        Assert.Equal(1, peer.RepliesOnInbound);
    }

    [Theory(Timeout = 30_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_listener_that_sends_back_anything_but_an_answer_to_the_dialler_is_cut_off(bool impersonates)
    {
        // A listener that completes the handshake with the cluster key, takes the announcement, answers it, and then
        // sends what no listener sends back: a peer's message, or an answer that claims another sender.
        using var server = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var fake = NodeId.Parse($"127.0.0.1:{((IPEndPoint)server.LocalEndpoint).Port}");
        await using var satellite = Start(TestSupport.Key(), advertised: TestSupport.FreePort());
        satellite.Send(new NodeUp(Id(satellite), fake, 1, s_facts));

        using var socket = await server.AcceptSocketAsync();
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var timeout = new CancellationTokenSource(s_wait);
        await using var handshake = await Halon.Transport.Tcp.Handshake.HandshakeProtocol.AcceptAsync(
            stream, fake, TransportSecurity.WithKey(TestSupport.Key()), long.MaxValue, timeout.Token);
        Assert.True(handshake.PeerReadsReplies);
        using var reader = new Halon.Transport.Tcp.Framing.FrameReader(handshake.Stream, handshake.Opener);
        await reader.ReadAsync(WireProtocol.FrameBytesMax, timeout.Token); // The NodeUp.

        var answer = new NodeUpRedirect(fake, Id(satellite), null, 1);
        await handshake.Stream.WriteAsync(handshake.Sealer.Frame(MessageCodec.ToEnvelope(answer)), timeout.Token);
        Assert.Equal(answer, Assert.IsType<MessageReceived>(await NextAsync(satellite)).Message);

        Message intruder = impersonates
            ? new NodeUpAck(NodeId.Parse("127.0.0.1:1"), Id(satellite), 1, 9)
            : new PeerProbe(fake, Id(satellite), Samples.Station.ClusterId, 3);
        await handshake.Stream.WriteAsync(handshake.Sealer.Frame(MessageCodec.ToEnvelope(intruder)), timeout.Token);

        // The satellite closes the connection (the fake reads its end) and hands the core nothing.
        var buffer = new byte[4096];
        while (await handshake.Stream.ReadAsync(buffer, timeout.Token) > 0)
        {
        }

        Assert.Equal(1, satellite.Counters.MessagesRejected);
        while (satellite.Events.TryRead(out var next))
        {
            Assert.IsNotType<MessageReceived>(next);
        }
    }

    private static TcpTransport Start(byte[]? key, int? advertised = null, Func<TransportOptions, TransportOptions>? tune = null)
    {
        var port = TestSupport.FreePort();
        var options = new TransportOptions
        {
            NodeId = NodeId.Parse($"127.0.0.1:{advertised ?? port}"),
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, port),
            Security = TransportSecurity.WithKey(key),
        };
        var transport = new TcpTransport(tune?.Invoke(options) ?? options, new CapturingLoggerFactory().CreateLogger("test"));
        transport.Start();
        return transport;
    }

    private static NodeId Id(TcpTransport transport) => transport.Options.NodeId;

    private static async Task<TransportEvent> NextAsync(TcpTransport transport)
    {
        using var timeout = new CancellationTokenSource(s_wait);
        while (true)
        {
            var next = await transport.Events.ReadAsync(timeout.Token);
            if (next is not PeerUnreachable)
            {
                return next;
            }
        }
    }
}
