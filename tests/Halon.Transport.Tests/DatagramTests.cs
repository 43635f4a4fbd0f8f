using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Transport.Tcp;
using Halon.Transport.Tcp.Datagrams;

namespace Halon.Transport.Tests;

/// <summary>
/// The datagram channel: heartbeats, their answers and votes also travel as UDP datagrams, sealed under a key that an
/// authenticated peer connection handed over. A copy gets through while TCP is held up; nothing forged, altered,
/// replayed, reflected or malformed is ever handed to the node, and every such datagram is counted.
/// </summary>
public sealed class DatagramTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact(Timeout = 120_000)]
    public async Task A_heartbeat_arrives_as_a_datagram_while_the_peer_connection_is_held_up()
    {
        var port = TestSupport.FreePort();
        await using var proxy = new BlackholeProxy(new IPEndPoint(IPAddress.Loopback, port), relayDatagrams: true);
        var bId = NodeId.Parse($"127.0.0.1:{proxy.Port}");

        // Long peer timeouts: the held-up connection must not be given up (nor the key with it) during the test.
        static TransportOptions Patient(TransportOptions options) => options.WithPeerTimeout(TimeSpan.FromSeconds(20));
        await using var b = Start(bId, port, Patient);
        var aPort = TestSupport.FreePort();
        var aId = NodeId.Parse($"127.0.0.1:{aPort}");
        await using var a = Start(aId, aPort, Patient);

        // Heartbeats until one has come as a datagram: the key is in place.
        var tick = 0L;
        Assert.True(
            await SendUntilAsync(a, () => Heartbeat(aId, bId, tick++), () => b.Counters.DatagramsReceived > 0, b),
            $"no datagram arrived (sent {a.Counters.DatagramsSent}, stale {b.Counters.DatagramsStale}, rejected {b.Counters.DatagramsRejected})");

        // TCP stops moving; datagrams still pass. A heartbeat sent now reaches B all the same.
        proxy.Blackhole();
        await Task.Delay(100);
        Drain(b);
        var after = tick;
        var arrived = false;
        var deadline = DateTime.UtcNow + s_wait;
        while (!arrived && DateTime.UtcNow < deadline)
        {
            a.Send(Heartbeat(aId, bId, tick++));
            await Task.Delay(20);
            while (b.Events.TryRead(out var e))
            {
                arrived |= e is MessageReceived { Message: AppendEntries heartbeat } && heartbeat.LeaderTick >= after;
            }
        }

        Assert.True(arrived, $"no heartbeat sent after TCP stalled reached B (datagrams sent {a.Counters.DatagramsSent}, received {b.Counters.DatagramsReceived})");
        Assert.Equal(0, b.Counters.DatagramsRejected);

        // Replayed as it was, every datagram B already took is refused, and counted, and none reaches the node again.
        Assert.True(
            await TestSupport.EventuallyAsync(() => Task.FromResult(b.Counters.DatagramsReceived + b.Counters.DatagramsStale == proxy.Datagrams.Count), s_wait),
            $"B handled {b.Counters.DatagramsReceived + b.Counters.DatagramsStale} of the {proxy.Datagrams.Count} datagrams relayed to it");
        Drain(b);
        var rejectedBefore = b.Counters.DatagramsRejected;
        var captured = proxy.Datagrams;
        using var attacker = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        foreach (var datagram in captured.TakeLast(10))
        {
            await attacker.SendToAsync(datagram, SocketFlags.None, b.DatagramEndPoint!);
        }

        Assert.True(
            await TestSupport.EventuallyAsync(() => Task.FromResult(b.Counters.DatagramsRejected >= rejectedBefore + Math.Min(10, captured.Count)), s_wait),
            $"{b.Counters.DatagramsRejected - rejectedBefore} of the replayed datagrams were counted");
        Assert.False(b.Events.TryRead(out var replayed), $"a replayed datagram reached the node: {replayed}");
    }

    [Fact(Timeout = 60_000)]
    public async Task Forged_altered_replayed_reflected_and_misused_datagrams_are_refused_and_counted()
    {
        await using var b = Start(null);
        var bId = Id(b);
        var aId = NodeId.Parse("127.0.0.1:1");
        var endPoint = b.DatagramEndPoint!;

        // A key as A's connection would hand it over, and the sealing half A keeps.
        using var key = SendKey.Create(aId, bId, endPoint);
        using var registration = b.Datagrams!.Register(aId, key.Id, key.Key);
        Assert.NotNull(registration);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        // A good one is delivered once.
        var good = key.Seal(MessageCodec.Encode(Heartbeat(aId, bId, 1)))!;
        await socket.SendToAsync(good, SocketFlags.None, endPoint);
        var delivered = Assert.IsType<MessageReceived>(await NextAsync(b));
        Assert.Equal(1, ((AppendEntries)delivered.Message).LeaderTick);

        var expectedRejected = 0L;
        async Task RefusedAsync(byte[] datagram, string what)
        {
            expectedRejected++;
            await socket.SendToAsync(datagram, SocketFlags.None, endPoint);
            Assert.True(
                await TestSupport.EventuallyAsync(() => Task.FromResult(b.Counters.DatagramsRejected >= expectedRejected), s_wait),
                $"{what}: not counted as rejected ({b.Counters.DatagramsRejected} of {expectedRejected})");
        }

        await RefusedAsync(good, "replayed");
        var altered = (byte[])key.Seal(MessageCodec.Encode(Heartbeat(aId, bId, 2)))!.Clone();
        altered[^20] ^= 0x01;
        await RefusedAsync(altered, "a flipped bit in the ciphertext");
        var forgedBody = key.Seal(MessageCodec.Encode(Heartbeat(aId, bId, 3)))!;
        Random.Shared.NextBytes(forgedBody.AsSpan(DatagramFormat.HeaderBytes));
        await RefusedAsync(forgedBody, "a forged body under a real key id");

        // A datagram that B itself sealed for A, under the same key and id, reflected back to B: the direction is bound.
        using var mirror = SendKeyWith(key, bId, aId, endPoint);
        await RefusedAsync(mirror.Seal(MessageCodec.Encode(Heartbeat(aId, bId, 4)))!, "reflected");

        // Under A's key, a message from someone else, and a message that never travels as a datagram.
        var c = NodeId.Parse("127.0.0.1:3");
        await RefusedAsync(key.Seal(MessageCodec.Encode(Heartbeat(c, bId, 5)))!, "impersonating");
        await RefusedAsync(key.Seal(MessageCodec.Encode(new PeerProbe(aId, bId, Samples.Station.ClusterId, 1)))!, "a probe");
        await RefusedAsync(key.Seal([0xFF, 0xFF, 0xFF])!, "garbage under a real key");

        // Garbage of every size, and a wrong magic, never crash anything; an unknown key id is stale.
        await RefusedAsync([], "empty");
        await RefusedAsync([1, 2, 3], "short");
        var wrongMagic = key.Seal(MessageCodec.Encode(Heartbeat(aId, bId, 6)))!;
        wrongMagic[0] ^= 0xFF;
        await RefusedAsync(wrongMagic, "wrong magic");
        await RefusedAsync(new byte[DatagramFormat.DatagramBytesMax + 1], "too large");
        var staleBefore = b.Counters.DatagramsStale;
        var unknown = key.Seal(MessageCodec.Encode(Heartbeat(aId, bId, 7)))!;
        BinaryPrimitives.WriteUInt64BigEndian(unknown.AsSpan(4), 0x0123456789ABCDEF);
        await socket.SendToAsync(unknown, SocketFlags.None, endPoint);
        Assert.True(await TestSupport.EventuallyAsync(() => Task.FromResult(b.Counters.DatagramsStale == staleBefore + 1), s_wait));
        for (var i = 0; i < 200; i++)
        {
            var noise = new byte[Random.Shared.Next(0, 1500)];
            Random.Shared.NextBytes(noise);
            await socket.SendToAsync(noise, SocketFlags.None, endPoint);
        }

        // The noise may overflow B's socket buffer (the kernel drops the rest): wait until B has worked through it.
        for (var seen = -1L; seen != b.Counters.DatagramsRejected;)
        {
            seen = b.Counters.DatagramsRejected;
            await Task.Delay(500);
        }

        // Nothing of it reached the node, which still takes the next good datagram, and a late one within the window.
        Assert.False(b.Events.TryRead(out var leaked), $"a refused datagram reached the node: {leaked}");
        var late = key.Seal(MessageCodec.Encode(Heartbeat(aId, bId, 8)))!;
        var next = key.Seal(MessageCodec.Encode(Heartbeat(aId, bId, 9)))!;
        await socket.SendToAsync(next, SocketFlags.None, endPoint);
        await socket.SendToAsync(late, SocketFlags.None, endPoint);
        var ticks = new HashSet<long>
        {
            ((AppendEntries)Assert.IsType<MessageReceived>(await NextAsync(b)).Message).LeaderTick,
            ((AppendEntries)Assert.IsType<MessageReceived>(await NextAsync(b)).Message).LeaderTick,
        };
        Assert.Equal([8L, 9L], ticks.Order());

        // Retired with its connection, the key opens nothing more.
        registration!.Dispose();
        staleBefore = b.Counters.DatagramsStale;
        await socket.SendToAsync(key.Seal(MessageCodec.Encode(Heartbeat(aId, bId, 10)))!, SocketFlags.None, endPoint);
        Assert.True(await TestSupport.EventuallyAsync(() => Task.FromResult(b.Counters.DatagramsStale == staleBefore + 1), s_wait));
        Assert.False(b.Events.TryRead(out _));
    }

    [Fact(Timeout = 60_000)]
    public async Task Two_nodes_exchange_datagrams_in_each_mode_and_none_when_turned_off()
    {
        foreach (var security in new[] { TransportSecurity.WithKey(TestSupport.Key()), TransportSecurity.Insecure })
        {
            await using var a = Start(security);
            await using var b = Start(security);
            var tick = 0L;
            Assert.True(
                await SendUntilAsync(a, () => Heartbeat(Id(a), Id(b), tick++), () => b.Counters.DatagramsReceived > 0, b),
                $"{security.Mode}: no datagram arrived");
            Assert.Equal(0, b.Counters.DatagramsRejected);
        }

        await using var off = Start(TransportSecurity.WithKey(TestSupport.Key()), options => options with { Datagrams = false });
        await using var on = Start(TransportSecurity.WithKey(TestSupport.Key()));
        Assert.Null(off.DatagramEndPoint);
        var ticks = 0L;

        // Each way: TCP carries everything, and no datagram goes to, or comes from, a node that takes none.
        Assert.True(await SendUntilAsync(on, () => Heartbeat(Id(on), Id(off), ticks++), () => off.Counters.MessagesReceived >= 20, off));
        Assert.True(await SendUntilAsync(off, () => Heartbeat(Id(off), Id(on), ticks++), () => on.Counters.MessagesReceived >= 20, on));
        Assert.Equal(0, on.Counters.DatagramsSent);
        Assert.Equal(0, off.Counters.DatagramsSent);
        Assert.Equal(0, on.Counters.DatagramsReceived);
    }

    [Fact]
    public void The_replay_window_takes_each_counter_once_and_refuses_what_fell_behind()
    {
        var window = new ReplayWindow();
        foreach (var counter in new ulong[] { 5, 3, 4, 10, 6 })
        {
            Assert.True(window.IsNew(counter), $"{counter} is new");
            window.Accept(counter);
        }

        Assert.False(window.IsNew(5));
        Assert.False(window.IsNew(10));
        Assert.True(window.IsNew(7));
        window.Accept(10 + ReplayWindow.Size - 1);
        Assert.True(window.IsNew(11));
        Assert.False(window.IsNew(10), "10 is still in the window and was seen");
        Assert.False(window.IsNew(9), "9 fell out of the window");
        window.Accept(100_000);
        Assert.False(window.IsNew(100_000));
        Assert.True(window.IsNew(100_000 - ReplayWindow.Size + 1));
        Assert.False(window.IsNew(100_000 - ReplayWindow.Size));
    }

    /// <summary>The same id and key bytes, sealing for the other direction: what a reflection would need to pass.</summary>
    private static SendKey SendKeyWith(SendKey key, NodeId self, NodeId peer, EndPoint remote) =>
        SendKey.From(key.Id, (byte[])key.Key.Clone(), self, peer, remote);

    private static AppendEntries Heartbeat(NodeId from, NodeId to, long tick) =>
        new(from, to, Samples.Station.ClusterId, 3, 0, 0, [], 0, tick, 0);

    private static async Task<bool> SendUntilAsync(TcpTransport sender, Func<Message> next, Func<bool> condition, TcpTransport receiver)
    {
        var deadline = DateTime.UtcNow + s_wait;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            sender.Send(next());
            await Task.Delay(20);
            Drain(receiver);
        }

        return condition();
    }

    private static void Drain(TcpTransport transport)
    {
        while (transport.Events.TryRead(out _))
        {
        }
    }

    private static TcpTransport Start(byte[]? key) => Start(TransportSecurity.WithKey(key));

    private static TcpTransport Start(TransportSecurity security, Func<TransportOptions, TransportOptions>? tune = null)
    {
        var port = TestSupport.FreePort();
        return Start(NodeId.Parse($"127.0.0.1:{port}"), port, tune, security);
    }

    private static TcpTransport Start(NodeId id, int port, Func<TransportOptions, TransportOptions>? tune, TransportSecurity? security = null)
    {
        var options = new TransportOptions
        {
            NodeId = id,
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, port),
            Security = security ?? TransportSecurity.WithKey(TestSupport.Key()),
        };
        var transport = new TcpTransport(tune?.Invoke(options) ?? options, new CapturingLoggerFactory().CreateLogger("test"));
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
