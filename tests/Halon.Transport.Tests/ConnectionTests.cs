using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Transport.Tcp;
using Halon.Transport.Tcp.Framing;
using Halon.Transport.Tcp.Handshake;

namespace Halon.Transport.Tests;

/// <summary>
/// Hostile and broken connections against a real node on 127.0.0.1. Each one must be closed and logged with the
/// remote address, and the node must still answer a status request afterwards.
/// </summary>
public sealed class ConnectionTests : IAsyncLifetime
{
    private static readonly TimeSpan s_closedWithin = TimeSpan.FromSeconds(10);
    private readonly string _dataDir = TestSupport.TempDir();
    private DaemonHarness _node = null!;

    public Task InitializeAsync()
    {
        var settings = DaemonHarness.Settings_(TestSupport.FreePort(), _dataDir, TestSupport.Key(), options => options with
        {
            // The default 2 s handshake timeout stays: a shorter one would also cut off this test's own clients on a
            // loaded machine.
            KeepaliveInterval = TimeSpan.FromMilliseconds(300),
            PeerIdleTimeout = TimeSpan.FromMilliseconds(1500),
        });
        _node = DaemonHarness.Start(settings);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        TestSupport.DeleteDir(_dataDir);
    }

    [Fact]
    public async Task Garbage_bytes_close_the_connection()
    {
        using var socket = await RawAsync();
        await socket.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        await AssertClosedAsync(socket);
        await AssertRejectedAndStillServingAsync("wrong magic 0x47455420");
    }

    [Fact]
    public async Task A_bare_port_check_is_counted_but_not_logged_as_a_warning()
    {
        var before = _node.Daemon.Transport.Counters.ConnectionsRejected;
        using (var socket = await RawAsync())
        {
            socket.Shutdown(SocketShutdown.Send);
            await AssertClosedAsync(socket);
        }

        Assert.True(await TestSupport.EventuallyAsync(() => Task.FromResult(_node.Daemon.Transport.Counters.ConnectionsRejected == before + 1), s_closedWithin));
        Assert.DoesNotContain(_node.Logs.Lines, line => line.StartsWith("Warning", StringComparison.Ordinal));
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Wrong_magic_closes_the_connection()
    {
        using var socket = await RawAsync();
        await socket.SendAsync(Frames.Preamble(magic: 0xDEADBEEF));
        await AssertClosedAsync(socket);
        await AssertRejectedAndStillServingAsync("wrong magic 0xdeadbeef");
    }

    [Fact]
    public async Task An_old_version_closes_the_connection_after_saying_which_version_the_node_speaks()
    {
        using var socket = await RawAsync();
        // Version 2, the one before station configurations were in the log: it could not read such an entry.
        await socket.SendAsync(Frames.Preamble(version: 2));
        var answer = new byte[WireProtocol.PreambleBytes];
        await socket.ReceiveAsync(answer);
        Assert.Equal(WireProtocol.Version, BinaryPrimitives.ReadUInt32BigEndian(answer.AsSpan(4)));
        await AssertClosedAsync(socket);
        await AssertRejectedAndStillServingAsync("protocol version 2 is not supported (this node speaks 3); upgrade that node or halonctl");
    }

    [Fact]
    public async Task An_unknown_security_mode_closes_the_connection()
    {
        using var socket = await RawAsync();
        await socket.SendAsync(Frames.Preamble().Append((byte)9).ToArray());
        await AssertClosedAsync(socket);
        await AssertRejectedAndStillServingAsync("unknown security mode 9");
    }

    [Fact]
    public async Task An_oversized_length_prefix_closes_the_connection()
    {
        using var socket = await RawAsync();
        var bytes = Frames.Opening(SecurityMode.ClusterKey).Concat(new byte[] { 0x7F, 0xFF, 0xFF, 0xFF }).ToArray();
        await socket.SendAsync(bytes);
        await AssertClosedAsync(socket);
        await AssertRejectedAndStillServingAsync("exceeds the limit of 1024 bytes");
    }

    [Fact]
    public async Task A_garbage_handshake_frame_closes_the_connection()
    {
        using var socket = await RawAsync();
        var garbage = new byte[] { 0, 0, 0, 5, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
        await socket.SendAsync(Frames.Opening(SecurityMode.ClusterKey).Concat(garbage).ToArray());
        await AssertClosedAsync(socket);
        await AssertRejectedAndStillServingAsync("rejected connection from 127.0.0.1:");
    }

    [Fact]
    public async Task A_wrong_cluster_key_is_refused_on_both_sides()
    {
        var wrong = TestSupport.Key('x');
        var e = await Assert.ThrowsAsync<ControlException>(() => ControlClient.ConnectAsync(_node.Id, wrong, TimeSpan.FromSeconds(2)));
        var held = ClusterKey.Id(TestSupport.Key());
        Assert.Equal($"{_node.Id}: authentication failed (wrong cluster key: this side offers key {ClusterKey.Id(wrong)}, the node holds key {held})", e.Message);
        await AssertRejectedAndStillServingAsync($"halonctl offers cluster key {ClusterKey.Id(wrong)}, and this node holds key {held}: the keys differ");
    }

    [Fact]
    public async Task A_missing_cluster_key_is_refused()
    {
        var e = await Assert.ThrowsAsync<ControlException>(() => ControlClient.ConnectAsync(_node.Id, TransportSecurity.Insecure, TimeSpan.FromSeconds(2)));
        Assert.Equal($"{_node.Id}: authentication failed (the node requires a cluster key: give --cluster-key-file or set HALON_CLUSTER_KEY_FILE)", e.Message);
        await AssertRejectedAndStillServingAsync("halonctl has no cluster key, and this node requires one");
    }

    [Fact]
    public async Task Idle_half_open_connections_are_dropped_after_the_handshake_timeout()
    {
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 100; i++)
            {
                sockets.Add(await RawAsync());
            }

            Assert.True(_node.Daemon.Transport.InboundConnectionCount >= 50);
            await Task.WhenAll(sockets.Select(AssertClosedAsync));
            Assert.True(
                await TestSupport.EventuallyAsync(() => Task.FromResult(_node.Daemon.Transport.InboundConnectionCount == 0), s_closedWithin),
                $"{_node.Daemon.Transport.InboundConnectionCount} connections still open");
            await AssertRejectedAndStillServingAsync("no complete handshake within 2s");
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task A_silent_authenticated_peer_is_dropped_after_the_idle_timeout()
    {
        using var socket = await RawAsync();
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await using var handshake = await DialAsync(stream, NodeId.Parse("127.0.0.1:1"));
        await AssertClosedAsync(socket);
        await AssertRejectedAndStillServingAsync("sent nothing for 1.5s");
    }

    [Fact]
    public async Task A_message_whose_from_differs_from_the_proven_id_is_dropped()
    {
        using var socket = await RawAsync();
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var proven = NodeId.Parse("127.0.0.1:1");
        await using var handshake = await DialAsync(stream, proven);
        var forged = new PeerProbe(NodeId.Parse("127.0.0.1:2"), _node.Id, "halon-0000000000000000", 1);
        var frame = new System.Buffers.ArrayBufferWriter<byte>();
        handshake.Sealer.Append(frame, MessageCodec.Encode(forged));
        await stream.WriteAsync(frame.WrittenMemory);
        Assert.True(await TestSupport.EventuallyAsync(() => Task.FromResult(_node.Daemon.Transport.Counters.MessagesRejected == 1), s_closedWithin));
        Assert.True(await TestSupport.EventuallyAsync(() => Task.FromResult(_node.Logs.Contains("it claims to come from 127.0.0.1:2, but the connection proved 127.0.0.1:1")), s_closedWithin));
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task A_garbage_frame_on_an_authenticated_connection_closes_it()
    {
        using var socket = await RawAsync();
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await using var handshake = await DialAsync(stream, NodeId.Parse("127.0.0.1:1"));
        await stream.WriteAsync(new byte[] { 0, 0, 0, 3, 0xFF, 0xFF, 0xFF });
        await AssertClosedAsync(socket);
        await AssertRejectedAndStillServingAsync("peer 127.0.0.1:1: frame 0 has 3 bytes, fewer than a sealed frame's tag; closed the connection");
    }

    [Fact]
    public async Task A_well_formed_plaintext_message_after_the_handshake_is_not_acted_on()
    {
        // What an attacker on the path could write without the key: a valid frame of the wire protocol, unsealed.
        using var socket = await RawAsync();
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var proven = NodeId.Parse("127.0.0.1:1");
        await using var handshake = await DialAsync(stream, proven);
        var forged = new PeerProbe(proven, _node.Id, "halon-0000000000000000", 1_000_000);
        await stream.WriteAsync(Frame(MessageCodec.Encode(forged)));
        await AssertClosedAsync(socket);
        await AssertRejectedAndStillServingAsync("peer 127.0.0.1:1: frame 0 failed authentication");
        Assert.Equal(0, _node.Daemon.Transport.Counters.MessagesReceived);
        Assert.Equal(1, _node.Daemon.Transport.Counters.FramesRejected);
    }

    [Fact]
    public async Task A_sealed_frame_with_one_flipped_bit_is_not_acted_on()
    {
        using var socket = await RawAsync();
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var proven = NodeId.Parse("127.0.0.1:1");
        await using var handshake = await DialAsync(stream, proven);
        var probe = new PeerProbe(proven, _node.Id, "halon-0000000000000000", 1);
        var frame = new System.Buffers.ArrayBufferWriter<byte>();
        handshake.Sealer.Append(frame, MessageCodec.Encode(probe));
        var bytes = frame.WrittenSpan.ToArray();
        bytes[^20] ^= 0x10;
        await stream.WriteAsync(bytes);
        await AssertClosedAsync(socket);
        await AssertRejectedAndStillServingAsync("peer 127.0.0.1:1: frame 0 failed authentication");
        Assert.Equal(0, _node.Daemon.Transport.Counters.MessagesReceived);
    }

    [Fact]
    public async Task A_replayed_sealed_frame_is_not_acted_on_twice()
    {
        using var socket = await RawAsync();
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var proven = NodeId.Parse("127.0.0.1:1");
        await using var handshake = await DialAsync(stream, proven);
        var probe = new PeerProbe(proven, _node.Id, "halon-0000000000000000", 1);
        var frame = new System.Buffers.ArrayBufferWriter<byte>();
        handshake.Sealer.Append(frame, MessageCodec.Encode(probe));
        await stream.WriteAsync(frame.WrittenMemory);
        await stream.WriteAsync(frame.WrittenMemory);
        await AssertClosedAsync(socket);
        await AssertRejectedAndStillServingAsync("peer 127.0.0.1:1: frame 1 failed authentication");
        Assert.Equal(1, _node.Daemon.Transport.Counters.MessagesReceived);
    }

    [Fact]
    public async Task A_halonctl_request_reflected_back_to_halonctl_fails_there()
    {
        // A control connection carries frames both ways: halonctl must not take its own request, sent back, as an answer.
        using var socket = await RawAsync();
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await using var handshake = await HandshakeProtocol.DialAsync(stream, _node.Id, null, TransportSecurity.WithKey(TestSupport.Key()), long.MaxValue, CancellationToken.None);
        var request = handshake.Sealer.Frame(Halon.Transport.Tcp.Codec.ControlCodec.ToRequest(1, GetStatusCommand.Instance));
        using var reader = new FrameReader(new MemoryStream(request), handshake.Opener);
        var e = await Assert.ThrowsAsync<FrameAuthenticationException>(async () => await reader.TryReadAsync(WireProtocol.FrameBytesMax, CancellationToken.None));
        Assert.Equal(0ul, e.FrameNumber);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Connection_refused_is_one_clear_line()
    {
        var target = NodeId.Parse($"127.0.0.1:{TestSupport.FreePort()}");
        var e = await Assert.ThrowsAsync<ControlException>(() => ControlClient.ConnectAsync(target, TransportSecurity.Insecure, TimeSpan.FromSeconds(2)));
        Assert.Equal($"{target}: connection refused", e.Message);
    }

    [Fact]
    public async Task A_silent_listener_is_no_answer_within_the_timeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var target = NodeId.Parse($"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
        var e = await Assert.ThrowsAsync<ControlException>(() => ControlClient.ConnectAsync(target, TransportSecurity.Insecure, TimeSpan.FromMilliseconds(500)));
        Assert.Equal($"{target}: no answer within 500ms", e.Message);
    }

    [Fact]
    public async Task A_node_of_another_version_is_named_by_its_version()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var target = NodeId.Parse($"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
        var server = Task.Run(async () =>
        {
            using var peer = await listener.AcceptSocketAsync();
            await peer.SendAsync(Frames.Preamble(version: 2));
            await Task.Delay(200);
        });
        var e = await Assert.ThrowsAsync<ControlException>(() => ControlClient.ConnectAsync(target, TransportSecurity.Insecure, TimeSpan.FromSeconds(2)));
        Assert.Equal($"{target}: protocol version 2 is not supported (this halonctl speaks 3); use the same release of halonctl and halond", e.Message);
        await server;
    }

    [Fact]
    public async Task A_key_given_to_an_unkeyed_node_is_refused()
    {
        var dir = TestSupport.TempDir();
        try
        {
            await using var open = DaemonHarness.Start(DaemonHarness.Settings_(TestSupport.FreePort(), dir));
            var e = await Assert.ThrowsAsync<ControlException>(() => ControlClient.ConnectAsync(open.Id, TestSupport.Key(), TimeSpan.FromSeconds(2)));
            Assert.Equal($"{open.Id}: authentication failed (the node runs without a cluster key, but one was given)", e.Message);
            Assert.True(await TestSupport.EventuallyAsync(() => Task.FromResult(open.Logs.Contains("has a cluster key and this node has none")), s_closedWithin));
            await open.StatusAsync();
        }
        finally
        {
            TestSupport.DeleteDir(dir);
        }
    }

    private Task<HandshakeResult> DialAsync(NetworkStream stream, NodeId self) =>
        HandshakeProtocol.DialAsync(stream, _node.Id, self, TransportSecurity.WithKey(TestSupport.Key()), long.MaxValue, CancellationToken.None);

    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)payload.Length);
        payload.CopyTo(frame, 4);
        return frame;
    }

    private async Task<Socket> RawAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, _node.Settings.Listen.Port);
        return socket;
    }

    private static async Task AssertClosedAsync(Socket socket)
    {
        var buffer = new byte[256];
        using var timeout = new CancellationTokenSource(s_closedWithin);
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
                // Handshake answers may come first; wait for the close.
            }
        }
        catch (SocketException)
        {
            // Reset by the node: closed as well.
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the node did not close the connection within {s_closedWithin}");
        }
    }

    private async Task AssertRejectedAndStillServingAsync(string logged)
    {
        Assert.True(
            await TestSupport.EventuallyAsync(() => Task.FromResult(_node.Logs.Contains(logged)), s_closedWithin),
            $"no log line contains '{logged}':\n{string.Join("\n", _node.Logs.Lines)}");
        Assert.Contains(_node.Logs.Lines, line => line.Contains("rejected connection from 127.0.0.1:", StringComparison.Ordinal));
        await AssertStillServingAsync();
    }

    /// <summary>The node answers a status request (retried within the bound: one slow handshake on a loaded machine is no failure).</summary>
    private async Task AssertStillServingAsync()
    {
        Assert.True(
            await TestSupport.EventuallyAsync(async () => (await _node.StatusAsync()).Node == _node.Id.Value, s_closedWithin),
            $"the node did not answer a status request within {s_closedWithin}");
    }
}
