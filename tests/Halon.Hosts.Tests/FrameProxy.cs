using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Transport.Tcp;
using W = Halon.Transport.Tcp.Wire;

namespace Halon.Hosts.Tests;

/// <summary>What the hostile network does to one frame of a peer connection.</summary>
public enum Attack
{
    /// <summary>Flips one bit of a frame's body on its way to the listener.</summary>
    FlipBit,

    /// <summary>Sends a frame already delivered once more, right after the next one.</summary>
    Replay,

    /// <summary>Holds a frame back and delivers it after the one that followed it.</summary>
    Reorder,

    /// <summary>Inserts a frame of its own: a well-formed AppendEntries of a huge term, from the dialler's id, unsealed.</summary>
    Inject,

    /// <summary>Sends a frame of the dialler back to the dialler instead of on to the listener.</summary>
    Reflect,
}

/// <summary>Where and when an armed attack struck.</summary>
/// <param name="Connection">The number of the proxied connection it struck (1 for the first accepted).</param>
/// <param name="Source">The address the proxy dialled the listener from on that connection.</param>
/// <param name="Dialler">The node id the dialler claimed in its Hello.</param>
internal sealed record AttackResult(int Connection, IPAddress Source, string Dialler);

/// <summary>
/// A man in the middle for the hostile-network tests: it listens on a loopback port, relays every connection to the
/// real node, and understands enough of the wire protocol to find frame boundaries (or, in TLS mode, TLS record
/// boundaries) after the openings. Once armed with an <see cref="Attack"/>, it applies it once, to a frame of the
/// first peer connection that carries enough frames after arming, and relays faithfully otherwise. Each connection
/// to the node leaves from its own loopback source address (127.0.x.y), so that the node's per-host log throttle
/// keeps every attack's line apart unless a test chooses one source for many connections.
/// </summary>
internal sealed class FrameProxy : IAsyncDisposable
{
    /// <summary>Frames of a connection relayed after arming before the attack may strike, so that a frame to replay exists.</summary>
    private const int FramesBeforeAttack = 3;

    private const int OpeningBytes = 9;
    private readonly IPEndPoint _upstream;
    private readonly bool _tls;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, Link> _links = new();
    private readonly Task _accepting;
    private readonly object _gate = new();
    private (Attack Attack, TaskCompletionSource<AttackResult> Done)? _armed;
    private int _accepted;

    public FrameProxy(IPEndPoint upstream, bool tls = false)
    {
        _upstream = upstream;
        _tls = tls;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Address = NodeId.Parse($"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    /// <summary>The address the proxy listens on: the proxied node advertises it as its id.</summary>
    public NodeId Address { get; }

    /// <summary>The source address of the proxy's <paramref name="connection"/>-th connection to the node.</summary>
    public Func<int, IPAddress> SourceFor { get; set; } = connection => IPAddress.Parse($"127.0.{2 + (connection / 250)}.{1 + (connection % 250)}");

    /// <summary>The cluster id the forged frames of <see cref="Attack.Inject"/> carry (the station's, to make them tempting).</summary>
    public string ClusterId { get; set; } = "halon-0000000000000000";

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Arms <paramref name="attack"/>; the task completes once it has struck.</summary>
    public Task<AttackResult> Arm(Attack attack)
    {
        var done = new TaskCompletionSource<AttackResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_armed is not null)
            {
                throw new InvalidOperationException("an attack is armed already");
            }

            _armed = (attack, done);
            foreach (var link in _links.Values)
            {
                link.FramesSinceArmed = 0;
            }
        }

        return done.Task;
    }

    /// <summary>
    /// Whether a peer connection accepted after connection number <paramref name="after"/> has carried at least
    /// <paramref name="frames"/> frames to the node: the dialler came back and talks again.
    /// </summary>
    public bool Reestablished(int after, int frames) =>
        _links.Values.Any(l => l.Number > after && l.Dialler is not null && l.FramesForwarded >= frames);

    /// <summary>The connections, for failure messages: number, dialler, frames relayed, open or closed.</summary>
    public string Describe() => string.Join(
        "; ",
        _links.Values.OrderBy(l => l.Number).TakeLast(12).Select(l => $"#{l.Number} from {l.Source} dialler {l.Dialler ?? "?"} frames {l.FramesForwarded} since-armed {l.FramesSinceArmed}{(l.Closed ? " closed" : string.Empty)}"));

    /// <summary>Cuts every connection open now (as a network failure would); the diallers redial through the proxy.</summary>
    public void DropAll()
    {
        foreach (var link in _links.Values)
        {
            link.Dispose();
        }
    }

    /// <summary>Peer connections that the node or the dialler closed, by connection number.</summary>
    public bool Closed(int connection) => _links.TryGetValue(connection, out var link) ? link.Closed : true;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (var link in _links.Values)
        {
            link.Dispose();
        }

        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var number = Interlocked.Increment(ref _accepted);
            var source = SourceFor(number);
            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                upstream.Bind(new IPEndPoint(source, 0));
                await upstream.ConnectAsync(_upstream, _stop.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                client.Dispose();
                upstream.Dispose();
                continue;
            }

            client.NoDelay = true;
            var link = new Link(number, source, client, upstream);
            _links[number] = link;
            _ = RunAsync(link);
        }
    }

    private async Task RunAsync(Link link)
    {
        try
        {
            await Task.WhenAny(ForwardAsync(link), BackwardAsync(link));
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            link.Dispose();
        }
    }

    /// <summary>Dialler to listener: the opening, the handshake, then frames (or TLS records), any of which an attack may strike.</summary>
    private async Task ForwardAsync(Link link)
    {
        var token = _stop.Token;
        var opening = await ReadAsync(link.Client, OpeningBytes, token);
        await link.Upstream.SendAsync(opening, SocketFlags.None, token);
        if (opening[8] == 2 || _tls)
        {
            await ForwardRecordsAsync(link, token);
            return;
        }

        // Outside TLS the dialler's handshake is two frames: Hello (which says who it is) and Proof.
        var hello = await ReadFrameAsync(link.Client, token);
        var parsed = W.Hello.Parser.ParseFrom(hello.AsSpan(4));
        link.Dialler = parsed.Client ? null : parsed.NodeId;
        link.DiallerNonce = parsed.Nonce.ToByteArray();
        await link.Upstream.SendAsync(hello, SocketFlags.None, token);
        await link.Upstream.SendAsync(await ReadFrameAsync(link.Client, token), SocketFlags.None, token);

        byte[]? previous = null;
        while (true)
        {
            var frame = await ReadFrameAsync(link.Client, token);
            var strike = link.Dialler is not null ? TakeStrike(link) : null;
            if (strike is null)
            {
                await link.Upstream.SendAsync(frame, SocketFlags.None, token);
                previous = frame;
                link.Counted();
                continue;
            }

            var (attack, done) = strike.Value;
            try
            {
                await StrikeAsync(link, attack, frame, previous!, token);
            }
            finally
            {
                // Struck, even if the node cut the connection before the proxy finished writing: that was the point.
                done.TrySetResult(new AttackResult(link.Number, link.Source, link.Dialler!));
            }

            if (attack == Attack.Reflect)
            {
                // The frame went back instead of on: nothing more reaches the node on this connection, so only the
                // dialler can notice (which it must), not the node by a gap in the frame numbers.
                await DiscardAsync(link.Client, token);
                return;
            }

            await PassAsync(link.Client, link.Upstream, link, token);
            return;
        }
    }

    private async Task StrikeAsync(Link link, Attack attack, byte[] frame, byte[] previous, CancellationToken token)
    {
        switch (attack)
        {
            case Attack.FlipBit:
                frame[4 + Random.Shared.Next(frame.Length - 4)] ^= (byte)(1 << Random.Shared.Next(8));
                await link.Upstream.SendAsync(frame, SocketFlags.None, token);
                break;
            case Attack.Replay:
                await link.Upstream.SendAsync(frame, SocketFlags.None, token);
                await link.Upstream.SendAsync(previous, SocketFlags.None, token);
                break;
            case Attack.Reorder:
                var next = await ReadFrameAsync(link.Client, token);
                await link.Upstream.SendAsync(next, SocketFlags.None, token);
                await link.Upstream.SendAsync(frame, SocketFlags.None, token);
                break;
            case Attack.Inject:
                await link.Upstream.SendAsync(Forged(link.Dialler!, Address, ClusterId), SocketFlags.None, token);
                await link.Upstream.SendAsync(frame, SocketFlags.None, token);
                break;
            case Attack.Reflect:
                await link.SendToClientAsync(frame, token);
                break;
        }
    }

    /// <summary>TLS mode: relays TLS records; an armed <see cref="Attack.FlipBit"/> flips a bit of an application-data record's body.</summary>
    private async Task ForwardRecordsAsync(Link link, CancellationToken token)
    {
        var records = 0;
        while (true)
        {
            var header = await ReadAsync(link.Client, 5, token);
            var body = await ReadAsync(link.Client, BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(3)), token);
            records++;
            // Past the TLS handshake and halon's own (a dozen records), the dialler is a node sending envelopes.
            if (records > 12)
            {
                link.Dialler ??= "(inside TLS)";
            }

            var strike = records > 12 && header[0] == 23 ? TakeStrike(link) : null;
            if (strike is { Attack: Attack.FlipBit } s)
            {
                body[Random.Shared.Next(body.Length)] ^= (byte)(1 << Random.Shared.Next(8));
                try
                {
                    await link.Upstream.SendAsync(header.Concat(body).ToArray(), SocketFlags.None, token);
                }
                finally
                {
                    s.Done.TrySetResult(new AttackResult(link.Number, link.Source, link.Dialler!));
                }

                await PassAsync(link.Client, link.Upstream, link, token);
                return;
            }

            if (strike is { } other)
            {
                other.Done.TrySetException(new NotSupportedException($"{other.Attack} is not modelled inside TLS"));
            }

            await link.Upstream.SendAsync(header.Concat(body).ToArray(), SocketFlags.None, token);
            link.Counted();
        }
    }

    /// <summary>Listener to dialler: relayed as it comes (through the link's lock, as a reflected frame may be written too).</summary>
    private static async Task BackwardAsync(Link link)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await link.Upstream.ReceiveAsync(buffer, SocketFlags.None);
            if (read == 0)
            {
                return;
            }

            await link.SendToClientAsync(buffer.AsSpan(0, read).ToArray(), CancellationToken.None);
        }
    }

    private static async Task DiscardAsync(Socket from, CancellationToken token)
    {
        var buffer = new byte[16 * 1024];
        while (await from.ReceiveAsync(buffer, SocketFlags.None, token) > 0)
        {
        }
    }

    private static async Task PassAsync(Socket from, Socket to, Link link, CancellationToken token)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await from.ReceiveAsync(buffer, SocketFlags.None, token);
            if (read == 0)
            {
                return;
            }

            await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, token);
            link.Counted();
        }
    }

    /// <summary>The armed attack, if it may strike this frame of <paramref name="link"/>; disarms it.</summary>
    private (Attack Attack, TaskCompletionSource<AttackResult> Done)? TakeStrike(Link link)
    {
        lock (_gate)
        {
            if (_armed is null || ++link.FramesSinceArmed <= FramesBeforeAttack)
            {
                return null;
            }

            var strike = _armed;
            _armed = null;
            return strike;
        }
    }

    /// <summary>What an attacker who knows the protocol but not the key would write: a valid, unsealed AppendEntries of term 10^9.</summary>
    private static byte[] Forged(string dialler, NodeId to, string clusterId)
    {
        var from = NodeId.Parse(dialler);
        var forged = new AppendEntries(from, to, clusterId, 1_000_000_000, 0, 0, [], 0, 0, 1_000_000_000);
        var payload = MessageCodec.Encode(forged);
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)payload.Length);
        payload.CopyTo(frame, 4);
        return frame;
    }

    private static async Task<byte[]> ReadFrameAsync(Socket socket, CancellationToken token)
    {
        var header = await ReadAsync(socket, 4, token);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length > 8 * 1024 * 1024)
        {
            throw new IOException($"a frame of {length} bytes: not a halon stream");
        }

        var body = await ReadAsync(socket, (int)length, token);
        return [.. header, .. body];
    }

    private static async Task<byte[]> ReadAsync(Socket socket, int count, CancellationToken token)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, token);
            if (n == 0)
            {
                throw new EndOfStreamException();
            }

            read += n;
        }

        return buffer;
    }

    /// <summary>One relayed connection.</summary>
    private sealed class Link(int number, IPAddress source, Socket client, Socket upstream) : IDisposable
    {
        private readonly SemaphoreSlim _clientWrites = new(1, 1);
        private int _framesForwarded;
        private int _disposed;

        public int Number => number;

        public IPAddress Source => source;

        public Socket Client => client;

        public Socket Upstream => upstream;

        /// <summary>The node id the dialler claimed; null for halonctl (and until its Hello).</summary>
        public string? Dialler { get; set; }

        public byte[]? DiallerNonce { get; set; }

        public int FramesSinceArmed { get; set; }

        public int FramesForwarded => Volatile.Read(ref _framesForwarded);

        public bool Closed => Volatile.Read(ref _disposed) != 0;

        public void Counted() => Interlocked.Increment(ref _framesForwarded);

        public async Task SendToClientAsync(byte[] bytes, CancellationToken token)
        {
            await _clientWrites.WaitAsync(token);
            try
            {
                await client.SendAsync(bytes, SocketFlags.None, token);
            }
            finally
            {
                _clientWrites.Release();
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            client.Dispose();
            upstream.Dispose();
        }
    }
}
