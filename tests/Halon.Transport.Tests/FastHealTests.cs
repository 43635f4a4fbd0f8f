using System.Net;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Transport.Tcp;

namespace Halon.Transport.Tests;

/// <summary>
/// Fast heal: a peer connection that stops making progress is dropped within about the peer timeout and dialled
/// again with a short, capped back-off, so that messages flow again soon after a cut network heals. Outcomes are
/// asserted with generous deadlines, never latencies.
/// </summary>
public sealed class FastHealTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact(Timeout = 120_000)]
    public async Task A_blackholed_peer_connection_is_given_up_and_dialled_again_and_delivers_after_the_heal()
    {
        var port = TestSupport.FreePort();
        var logs = new CapturingLoggerFactory(Microsoft.Extensions.Logging.LogLevel.Debug);

        // B listens on its own port and is known by the relay's address, as a node behind a NAT would be.
        await using var proxy = new BlackholeProxy(new IPEndPoint(IPAddress.Loopback, port));
        var bId = NodeId.Parse($"127.0.0.1:{proxy.Port}");
        await using var b = Start(bId, port, null);
        var aPort = TestSupport.FreePort();
        var aId = NodeId.Parse($"127.0.0.1:{aPort}");
        await using var a = Start(aId, aPort, logs, options => options.WithPeerTimeout(TimeSpan.FromSeconds(1)));

        a.Send(new PeerProbe(aId, bId, Samples.Station.ClusterId, 0));
        Assert.IsType<MessageReceived>(await NextAsync(b));
        Assert.True(proxy.Accepted >= 1);

        // The network goes dark. A keeps writing (a master's heartbeats): its data stays unacknowledged behind a zero
        // window, and the connection must be given up instead of waiting on it for ever.
        proxy.Blackhole();
        var term = 1L;
        var lost = await EventuallyWhileSendingAsync(a, aId, bId, () => logs.Contains($"connection to {bId} lost"), () => term++);
        Assert.True(lost, $"A never gave up the black-holed connection (accepted {proxy.Accepted}):\n{logs.Tail(20)}");

        // Then it dials again. Counted from the loss: on a loaded machine a first dial that A gave up on before the
        // blackout may reach the relay's accept late, which says nothing about the redial.
        var acceptedAtLoss = proxy.Accepted;
        var redialled = await EventuallyWhileSendingAsync(a, aId, bId, () => proxy.Accepted > acceptedAtLoss, () => term++);
        Assert.True(redialled, $"A gave up the black-holed connection but never dialled again (accepted {proxy.Accepted}):\n{logs.Tail(20)}");

        // The network heals: A's next attempt gets through and a message sent now arrives.
        proxy.Heal();
        var healedAt = term;
        var delivered = false;
        var deadline = DateTime.UtcNow + s_wait;
        while (!delivered && DateTime.UtcNow < deadline)
        {
            a.Send(new PeerProbe(aId, bId, Samples.Station.ClusterId, term++));
            while (b.Events.TryRead(out var received))
            {
                delivered |= received is MessageReceived { Message: PeerProbe probe } && probe.Term >= healedAt;
            }

            await Task.Delay(20);
        }

        Assert.True(delivered, $"no message reached B after the heal (accepted {proxy.Accepted}):\n{logs.Tail(20)}");
    }

    [Fact]
    public void The_peer_timeout_sets_the_bounds_that_follow_from_it()
    {
        var options = new TransportOptions { NodeId = Samples.A, ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 9070) };
        Assert.Equal(TransportOptions.DefaultPeerTimeout, options.PeerTimeout);
        Assert.Equal(options.PeerTimeout, options.PeerIdleTimeout);
        Assert.True(options.KeepaliveInterval * 2 < options.PeerIdleTimeout);
        Assert.True(options.ConnectTimeout + options.ReconnectDelayMax < TimeSpan.FromSeconds(1), "a SYN must go out more often than once a second while a peer is unreachable");
        options.Validate();

        var wan = options.WithPeerTimeout(TimeSpan.FromSeconds(8));
        Assert.Equal(
            new[] { TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(1600), TimeSpan.FromSeconds(1) },
            new[] { wan.PeerTimeout, wan.PeerIdleTimeout, wan.KeepaliveInterval, wan.ConnectTimeout, wan.ReconnectDelayMax });
        wan.Validate();

        var tooShort = options with { PeerIdleTimeout = options.KeepaliveInterval };
        Assert.Contains(nameof(TransportOptions.PeerIdleTimeout), Assert.Throws<ArgumentException>(tooShort.Validate).Message, StringComparison.Ordinal);
    }

    private static async Task<bool> EventuallyWhileSendingAsync(TcpTransport a, NodeId from, NodeId to, Func<bool> condition, Func<long> nextTerm)
    {
        var deadline = DateTime.UtcNow + s_wait;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            // About 6 KB per round: enough to fill the relay's small window within a second or two.
            for (var i = 0; i < 100; i++)
            {
                a.Send(new PeerProbe(from, to, Samples.Station.ClusterId, nextTerm()));
            }

            await Task.Delay(20);
        }

        return condition();
    }

    private static TcpTransport Start(NodeId id, int port, CapturingLoggerFactory? logs, Func<TransportOptions, TransportOptions>? tune = null)
    {
        var options = new TransportOptions
        {
            NodeId = id,
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, port),
            Security = TransportSecurity.WithKey(TestSupport.Key()),
        };
        var transport = new TcpTransport(tune?.Invoke(options) ?? options, (logs ?? new CapturingLoggerFactory()).CreateLogger("test"));
        transport.Start();
        return transport;
    }

    private static async Task<TransportEvent> NextAsync(TcpTransport transport)
    {
        using var timeout = new CancellationTokenSource(s_wait);
        return await transport.Events.ReadAsync(timeout.Token);
    }
}
