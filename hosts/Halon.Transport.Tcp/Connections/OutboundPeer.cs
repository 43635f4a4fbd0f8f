using System.Buffers;
using System.Net.Sockets;
using System.Threading.Channels;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Protocol;
using Halon.Transport.Tcp.Framing;
using Halon.Transport.Tcp.Handshake;
using Microsoft.Extensions.Logging;

namespace Halon.Transport.Tcp.Connections;

/// <summary>
/// The outbound side towards one destination: a bounded queue (oldest dropped when full, and messages older than
/// <see cref="TransportOptions.OutboundMessageAgeMax"/> dropped unsent) and a worker that dials lazily, keeps the
/// connection open with keepalives, and redials with jittered exponential back-off. After
/// <see cref="TransportOptions.OutboundIdleCloseTimeout"/> without a message it closes and retires itself.
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

    public async Task RunAsync(CancellationToken shutdown)
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

            Socket socket;
            try
            {
                socket = await DialAsync(shutdown).ConfigureAwait(false);
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
            await CarryAsync(socket, shutdown).ConfigureAwait(false);
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

    private async Task<Socket> DialAsync(CancellationToken shutdown)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        deadline.CancelAfter(_options.ConnectTimeout + _options.HandshakeTimeout);
        var socket = await Dialer.ConnectAsync(Destination, deadline.Token).ConfigureAwait(false);
        try
        {
            var stream = new NetworkStream(socket, ownsSocket: false);
            await using (stream.ConfigureAwait(false))
            {
                var answeredAs = await HandshakeProtocol.DialAsync(stream, _options.NodeId, _options.ClusterKey, deadline.Token).ConfigureAwait(false);
                if (!answeredAs.Equals(Destination))
                {
                    throw new HandshakeException(HandshakeFailure.Rejected, $"{Destination} answers as {answeredAs}; check its --advertise");
                }
            }

            if (_failuresInARow > 0)
            {
                TransportLog.Reconnected(_logger, Destination, _failuresInARow);
            }
            else
            {
                TransportLog.Connected(_logger, Destination);
            }

            _failuresInARow = 0;
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Writes queued messages on <paramref name="socket"/> until it fails, the peer closes it, or it idles out.</summary>
    private async Task CarryAsync(Socket socket, CancellationToken shutdown)
    {
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        var stream = new NetworkStream(socket, ownsSocket: true);
        await using var _ = stream.ConfigureAwait(false);
        // The listener never writes after the handshake: any read completing means the connection is gone.
        var watch = WatchForCloseAsync(stream, connection);
        var batch = new ArrayBufferWriter<byte>(4096);
        var lastMessageAt = Environment.TickCount64;
        try
        {
            while (!connection.IsCancellationRequested)
            {
                batch.ResetWrittenCount();
                DropStale();
                while (batch.WrittenCount < BatchBytesMax && _queue.Reader.TryRead(out var item))
                {
                    Frames.Append(batch, item.Payload);
                }

                var messages = batch.WrittenCount > 0;
                if (!messages)
                {
                    if (await WaitForMessageAsync(_options.KeepaliveInterval, connection.Token).ConfigureAwait(false))
                    {
                        continue;
                    }

                    if (Environment.TickCount64 - lastMessageAt >= (long)_options.OutboundIdleCloseTimeout.TotalMilliseconds)
                    {
                        TransportLog.OutboundIdle(_logger, Destination);
                        return;
                    }

                    Frames.Append(batch, MessageCodec.KeepalivePayload);
                }
                else
                {
                    lastMessageAt = Environment.TickCount64;
                }

                await stream.WriteAsync(batch.WrittenMemory, connection.Token).ConfigureAwait(false);
                if (messages)
                {
                    _transport.CountSent(CountFrames(batch.WrittenSpan));
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            if (!shutdown.IsCancellationRequested)
            {
                TransportLog.OutboundLost(_logger, Destination, e.Message);
            }
        }
        finally
        {
            await connection.CancelAsync().ConfigureAwait(false);
            socket.Dispose();
            await watch.ConfigureAwait(false);
        }
    }

    private static async Task WatchForCloseAsync(NetworkStream stream, CancellationTokenSource connection)
    {
        var one = new byte[1];
        try
        {
            await stream.ReadAsync(one, connection.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }

        await connection.CancelAsync().ConfigureAwait(false);
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
            HandshakeException { Failure: HandshakeFailure.AuthenticationFailed } h => (PeerProblem.AuthenticationFailed, h.Message),
            HandshakeException h => (PeerProblem.ConnectionRefused, h.Message),
            SocketException s => (PeerProblem.ConnectionRefused, Dialer.Describe(s)),
            OperationCanceledException => (PeerProblem.ConnectionRefused, $"no answer within {Dialer.Format(_options.ConnectTimeout + _options.HandshakeTimeout)}"),
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

    private static int CountFrames(ReadOnlySpan<byte> frames)
    {
        var count = 0;
        while (frames.Length >= WireProtocol.FrameHeaderBytes)
        {
            var length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(frames);
            frames = frames[(WireProtocol.FrameHeaderBytes + length)..];
            count++;
        }

        return count;
    }
}
