using System.Buffers;
using System.Net.Sockets;
using System.Threading.Channels;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Protocol;
using Halon.Transport.Tcp.Codec;
using Halon.Transport.Tcp.Datagrams;
using Halon.Transport.Tcp.Framing;
using Halon.Transport.Tcp.Handshake;
using Microsoft.Extensions.Logging;

namespace Halon.Transport.Tcp.Connections;

/// <summary>
/// The outbound side towards one destination: a bounded queue (oldest dropped when full, and messages older than
/// <see cref="TransportOptions.OutboundMessageAgeMax"/> dropped unsent) and a worker that dials lazily, keeps the
/// connection open with keepalives, and redials with jittered exponential back-off. After
/// <see cref="TransportOptions.OutboundIdleCloseTimeout"/> without a message it closes and retires itself. It also
/// redials, with new session keys, when the current keys have carried their data budget.
/// </summary>
internal sealed class OutboundPeer
{
    /// <summary>Bytes written in one batch at most; a batch always holds at least one message.</summary>
    private const int BatchBytesMax = 256 * 1024;

    private readonly TcpTransport _transport;
    private readonly TransportOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<(byte[] Payload, long QueuedAt)> _queue;
    private readonly object _gate = new();

    /// <summary>Set under <see cref="_gate"/> when the worker retires; no message is accepted afterwards.</summary>
    private bool _retired;

    private int _failuresInARow;

    /// <summary>
    /// The key this node's datagrams to the destination are sealed with: the one handed over on the current connection,
    /// or, for <see cref="TransportOptions.PeerTimeout"/> after that connection was lost, the last one (the listener
    /// keeps it until it notices the loss), so that heartbeats keep flowing while TCP reconnects.
    /// </summary>
    private volatile SendKey? _datagramKey;

    /// <summary>When (<see cref="Environment.TickCount64"/>) a key whose connection was lost stops being used; long.MaxValue while it lives.</summary>
    private long _datagramKeyUntil = long.MaxValue;

    public OutboundPeer(TcpTransport transport, NodeId destination, TransportOptions options, ILogger logger)
    {
        _transport = transport;
        Destination = destination;
        _options = options;
        _logger = logger;
        _queue = Channel.CreateBounded<(byte[] Payload, long QueuedAt)>(
            new BoundedChannelOptions(options.OutboundQueueMessagesMax) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => transport.CountDropped());
    }

    public NodeId Destination { get; }

    /// <summary>Queues an encoded message; false when this worker has retired (the caller makes a new one).</summary>
    public bool TryEnqueue(byte[] payload)
    {
        lock (_gate)
        {
            if (_retired)
            {
                return false;
            }

            _queue.Writer.TryWrite((payload, Environment.TickCount64)); // DropOldest: always succeeds, dropping (and counting) the oldest when full.
            return true;
        }
    }

    /// <summary>Sends <paramref name="payload"/> as a datagram too, if a key for the destination is in use.</summary>
    public void SendDatagram(DatagramChannel channel, byte[] payload)
    {
        var key = _datagramKey;
        if (key is null || Environment.TickCount64 > Interlocked.Read(ref _datagramKeyUntil))
        {
            return;
        }

        channel.Send(key, payload);
    }

    public async Task RunAsync(CancellationToken shutdown)
    {
        try
        {
            await RunConnectionsAsync(shutdown).ConfigureAwait(false);
        }
        finally
        {
            var key = _datagramKey;
            _datagramKey = null;
            key?.Dispose();
        }
    }

    private async Task RunConnectionsAsync(CancellationToken shutdown)
    {
        var delay = _options.ReconnectDelayMin;
        while (!shutdown.IsCancellationRequested)
        {
            if (!await WaitForMessageAsync(_options.OutboundIdleCloseTimeout, shutdown).ConfigureAwait(false))
            {
                if (TryRetire())
                {
                    return;
                }

                continue;
            }

            Connection connection;
            try
            {
                connection = await DialAsync(shutdown).ConfigureAwait(false);
            }
            catch (Exception e) when (!shutdown.IsCancellationRequested)
            {
                ReportFailure(e);
                DropStale();
                await Task.Delay(Jitter(delay), shutdown).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectDelayMax.Ticks));
                continue;
            }

            var connectedAt = Environment.TickCount64;
            await using (connection.ConfigureAwait(false))
            {
                using var registration = _transport.Connections.Add(connection.Handshake, connection.Remote, "outbound");
                await CarryAsync(connection, shutdown).ConfigureAwait(false);
            }

            if (Environment.TickCount64 - connectedAt >= (long)_options.ReconnectDelayMax.TotalMilliseconds)
            {
                delay = _options.ReconnectDelayMin;
            }
            else if (!shutdown.IsCancellationRequested)
            {
                // A connection that dies at once (the peer closes it after the handshake) must not make a busy loop.
                await Task.Delay(Jitter(delay), shutdown).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectDelayMax.Ticks));
            }
        }
    }

    private async Task<Connection> DialAsync(CancellationToken shutdown)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        deadline.CancelAfter(_options.ConnectTimeout);
        Socket socket;
        try
        {
            socket = await Dialer.ConnectAsync(Destination, _options, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!shutdown.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer to connect within {Dialer.Format(_options.ConnectTimeout)}");
        }

        // The handshake has a bound of its own: a connected peer may be slow to answer, but not for ever.
        deadline.CancelAfter(_options.HandshakeTimeout);
        var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            var handshake = await HandshakeProtocol.DialAsync(stream, Destination, _options.NodeId, _options.Security, _options.SealedBytesPerKeyMax, deadline.Token).ConfigureAwait(false);
            var remote = socket.RemoteEndPoint is System.Net.IPEndPoint { Address.IsIPv4MappedToIPv6: true } mapped
                ? new System.Net.IPEndPoint(mapped.Address.MapToIPv4(), mapped.Port).ToString()
                : socket.RemoteEndPoint?.ToString() ?? Destination.Value;
            var connection = new Connection(stream, handshake, remote);
            if (!handshake.Remote!.Equals(Destination))
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw new HandshakeException(HandshakeFailure.Rejected, $"{Destination} answers as {handshake.Remote}; check its --advertise");
            }

            var keyId = handshake.KeyId ?? "-";
            var mode = handshake.Mode.Name();
            if (_failuresInARow > 0)
            {
                TransportLog.Reconnected(_logger, Destination, _failuresInARow, mode, keyId);
            }
            else
            {
                TransportLog.ConnectedWith(_logger, Destination, mode, keyId);
            }

            _failuresInARow = 0;
            return connection;
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Writes queued messages on <paramref name="connection"/> until it fails, the peer closes it, it idles out, or its
    /// session keys have carried their data budget.
    /// </summary>
    private async Task CarryAsync(Connection connection, CancellationToken shutdown)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        var handshake = connection.Handshake;
        var sealer = handshake.Sealer;
        var watch = WatchAsync(handshake, cancel);
        var batch = new ArrayBufferWriter<byte>(4096);
        var lastMessageAt = Environment.TickCount64;
        var lost = false;
        SendKey? datagramKey = null;
        try
        {
            if (_transport.Datagrams is { } channel && handshake.PeerTakesDatagrams && channel.Destination(connection.Socket.RemoteEndPoint) is { } destination)
            {
                // The key goes first on the connection, sealed (or inside TLS) like every frame; the datagrams under it
                // may go once it is on its way.
                datagramKey = SendKey.Create(_options.NodeId, Destination, destination);
                sealer.Append(batch, MessageCodec.DatagramKeyPayload(datagramKey.Id, datagramKey.Key));
                await handshake.Stream.WriteAsync(batch.WrittenMemory, cancel.Token).ConfigureAwait(false);
                UseDatagramKey(datagramKey);
            }

            while (!cancel.IsCancellationRequested)
            {
                if (datagramKey?.Exhausted == true)
                {
                    TransportLog.OutboundClosing(_logger, Destination, "its datagram key sealed its share; reconnecting with a new one");
                    return;
                }

                if (sealer.Exhausted)
                {
                    TransportLog.OutboundClosing(_logger, Destination, "its session keys carried their data budget; reconnecting with new keys");
                    return;
                }

                batch.ResetWrittenCount();
                DropStale();
                var messages = 0;
                while (batch.WrittenCount < BatchBytesMax && !sealer.Exhausted && _queue.Reader.TryRead(out var item))
                {
                    sealer.Append(batch, item.Payload);
                    messages++;
                }

                if (messages == 0)
                {
                    if (await WaitForMessageAsync(_options.KeepaliveInterval, cancel.Token).ConfigureAwait(false))
                    {
                        continue;
                    }

                    if (Environment.TickCount64 - lastMessageAt >= (long)_options.OutboundIdleCloseTimeout.TotalMilliseconds)
                    {
                        TransportLog.OutboundIdle(_logger, Destination);
                        return;
                    }

                    sealer.Append(batch, MessageCodec.KeepalivePayload);
                }
                else
                {
                    lastMessageAt = Environment.TickCount64;
                }

                await handshake.Stream.WriteAsync(batch.WrittenMemory, cancel.Token).ConfigureAwait(false);
                _transport.CountSent(messages);
            }

            if (!shutdown.IsCancellationRequested)
            {
                // The watcher ended the connection between two writes (the read side saw it die, or the listener
                // closed it): the same loss as a failed write, and logged the same way.
                lost = true;
                var reason = await watch.ConfigureAwait(false);
                TransportLog.OutboundLost(_logger, Destination, reason);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            if (!shutdown.IsCancellationRequested)
            {
                lost = true;
                // A write cancelled because the watcher saw the connection die: the watcher knows why.
                var reason = e is OperationCanceledException && watch.IsCompleted ? await watch.ConfigureAwait(false) : e.Message;
                TransportLog.OutboundLost(_logger, Destination, reason);
            }
        }
        finally
        {
            await cancel.CancelAsync().ConfigureAwait(false);
            connection.Socket.Dispose();
            await watch.ConfigureAwait(false);
            if (datagramKey is not null)
            {
                // A lost connection's key serves a little longer (the listener drops it when it notices the loss); a
                // connection closed on purpose takes its key with it at once.
                RetireDatagramKey(datagramKey, lost && !shutdown.IsCancellationRequested ? _options.PeerTimeout : TimeSpan.Zero);
            }
        }
    }

    /// <summary>
    /// Reads what the listener sends back: the answers to this node's announcements (<see cref="MessageCodec.TravelsAsReply"/>),
    /// each handed to the node's loop as if it had come on a connection of the listener's own, and nothing else; a
    /// keepalive is ignored. The connection ends when the read side sees it end, when a frame fails authentication (a
    /// frame of ours reflected back, or a forgery; logged as such), or when the listener sends a frame no listener
    /// sends (another kind of message, or one that claims another sender).
    /// </summary>
    /// <returns>Why the connection ended, as the read side saw it.</returns>
    private async Task<string> WatchAsync(HandshakeResult handshake, CancellationTokenSource connection)
    {
        using var reader = new FrameReader(handshake.Stream, handshake.Opener);
        var reason = "the listener closed the connection";
        try
        {
            while (await reader.TryReadAsync(WireProtocol.FrameBytesMax, connection.Token).ConfigureAwait(false))
            {
                var envelope = MessageCodec.ParseEnvelope(reader.Payload);
                if (envelope.BodyCase == Wire.Envelope.BodyOneofCase.DatagramKey)
                {
                    reason = "the listener sent a datagram key, which listeners never do";
                    TransportLog.OutboundClosing(_logger, Destination, reason);
                    break;
                }

                var message = MessageCodec.FromEnvelope(envelope);
                if (message is null)
                {
                    continue; // Keepalive.
                }

                if (!MessageCodec.TravelsAsReply(message) || !message.From.Equals(Destination) || !message.To.Equals(_options.NodeId))
                {
                    _transport.CountRejectedMessage();
                    reason = $"the listener sent a {message.GetType().Name} from {message.From} to {message.To}, which is no answer from it to this node";
                    TransportLog.OutboundClosing(_logger, Destination, reason);
                    break;
                }

                await _transport.DeliverAsync(message, connection.Token).ConfigureAwait(false);
            }
        }
        catch (WireFormatException e) when (!connection.IsCancellationRequested)
        {
            reason = "a frame from the listener failed authentication";
            _transport.CountFrameRejected();
            if (_transport.Throttle.ShouldLog("frame " + Destination.Value, out var suppressed))
            {
                TransportLog.OutboundFrameRejected(_logger, Destination, e.Message, TransportLog.Suppressed(suppressed));
            }
        }
        catch (IOException e) when (!connection.IsCancellationRequested && handshake.Mode == SecurityMode.Tls && TcpTransport.TlsRecordFailed(e))
        {
            reason = "a TLS record from the listener failed authentication";
            _transport.CountFrameRejected();
            if (_transport.Throttle.ShouldLog("frame " + Destination.Value, out var suppressed))
            {
                TransportLog.OutboundFrameRejected(_logger, Destination, $"a TLS record failed authentication ({e.GetBaseException().Message})", TransportLog.Suppressed(suppressed));
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or EndOfStreamException or WireFormatException)
        {
            reason = e.Message;
        }

        await connection.CancelAsync().ConfigureAwait(false);
        return reason;
    }

    private void UseDatagramKey(SendKey key)
    {
        var old = _datagramKey;
        Interlocked.Exchange(ref _datagramKeyUntil, long.MaxValue);
        _datagramKey = key;
        if (old is not null && !ReferenceEquals(old, key))
        {
            old.Dispose();
        }
    }

    private void RetireDatagramKey(SendKey key, TimeSpan grace)
    {
        if (!ReferenceEquals(_datagramKey, key))
        {
            key.Dispose();
            return;
        }

        if (grace > TimeSpan.Zero)
        {
            // Unused once the grace has passed (SendDatagram checks); disposed when the next connection's key replaces it,
            // or when this worker ends.
            Interlocked.Exchange(ref _datagramKeyUntil, Environment.TickCount64 + (long)grace.TotalMilliseconds);
            return;
        }

        _datagramKey = null;
        key.Dispose();
    }

    /// <summary>Waits up to <paramref name="timeout"/> for a queued message; false on timeout or shutdown.</summary>
    private async Task<bool> WaitForMessageAsync(TimeSpan timeout, CancellationToken token)
    {
        if (_queue.Reader.TryPeek(out _))
        {
            return true;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
        deadline.CancelAfter(timeout);
        try
        {
            return await _queue.Reader.WaitToReadAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Drops queued messages older than <see cref="TransportOptions.OutboundMessageAgeMax"/>: the protocol has moved on.</summary>
    private void DropStale()
    {
        var oldest = Environment.TickCount64 - (long)_options.OutboundMessageAgeMax.TotalMilliseconds;
        while (_queue.Reader.TryPeek(out var item) && item.QueuedAt < oldest && _queue.Reader.TryRead(out _))
        {
            _transport.CountDropped();
        }
    }

    private bool TryRetire()
    {
        lock (_gate)
        {
            if (_queue.Reader.TryPeek(out _))
            {
                return false;
            }

            _retired = true;
        }

        _transport.Retire(this);
        return true;
    }

    private void ReportFailure(Exception e)
    {
        _failuresInARow++;
        _transport.CountDialFailure();
        var (problem, detail) = e switch
        {
            HandshakeException { Failure: HandshakeFailure.AuthenticationFailed or HandshakeFailure.ModeMismatch } h => (PeerProblem.AuthenticationFailed, h.Message),
            HandshakeException h => (PeerProblem.ConnectionRefused, h.Message),
            SocketException s => (PeerProblem.ConnectionRefused, Dialer.Describe(s)),
            TimeoutException t => (PeerProblem.ConnectionRefused, t.Message),
            OperationCanceledException => (PeerProblem.ConnectionRefused, $"no complete handshake within {Dialer.Format(_options.HandshakeTimeout)}"),
            EndOfStreamException => (PeerProblem.ConnectionRefused, "closed the connection during the handshake"),
            _ => (PeerProblem.ConnectionRefused, e.Message),
        };
        if (_transport.Throttle.ShouldLog("dial " + Destination.Value, out var suppressed))
        {
            TransportLog.DialFailed(_logger, Destination, detail, _failuresInARow, TransportLog.Suppressed(suppressed));
        }

        _transport.Report(new PeerUnreachable(Destination, problem, detail));
    }

    private static TimeSpan Jitter(TimeSpan delay) =>
        TimeSpan.FromTicks((delay.Ticks / 2) + Random.Shared.NextInt64((delay.Ticks / 2) + 1));

    /// <summary>An established outbound connection: its socket's stream, the handshake's result, and the remote address.</summary>
    private sealed class Connection(NetworkStream stream, HandshakeResult handshake, string remote) : IAsyncDisposable
    {
        public Socket Socket => stream.Socket;

        public HandshakeResult Handshake => handshake;

        public string Remote => remote;

        public async ValueTask DisposeAsync()
        {
            await handshake.DisposeAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }
}
