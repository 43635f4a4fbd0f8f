using System.Buffers;
using System.Threading.Channels;
using Halon.Core.Identity;
using Halon.Transport.Tcp.Handshake;

namespace Halon.Transport.Tcp.Connections;

/// <summary>
/// The way back to a node on the connection it dialled, for the answers to its announcements: while the connection
/// lives, those answers are sealed with the listener-to-dialler session key and written on it, so that a station peer
/// answers thousands of satellites without dialling each one (a connection and a handshake saved per answer, and no
/// dial that a busy satellite could leave unanswered). A bounded queue (oldest dropped when full) and one writer. When
/// the connection ends or a write fails, the path closes and whatever it still holds goes to the ordinary outbound
/// side, which dials: an answer is never worse off than without the path.
/// </summary>
internal sealed class ReplyPath
{
    /// <summary>Bytes written in one batch at most; a batch always holds at least one message.</summary>
    private const int BatchBytesMax = 64 * 1024;

    private readonly HandshakeResult _handshake;
    private readonly Channel<byte[]> _queue;
    private readonly Action<NodeId, List<byte[]>> _reroute;
    private readonly object _gate = new();
    private bool _closed;

    /// <summary>
    /// A path to <paramref name="destination"/> on the connection <paramref name="handshake"/> opened, holding up to
    /// <paramref name="capacity"/> messages (<paramref name="dropped"/> counts each one dropped); <paramref name="reroute"/>
    /// takes what the path still holds when it closes, oldest first, to send the ordinary way.
    /// </summary>
    public ReplyPath(NodeId destination, HandshakeResult handshake, int capacity, Action dropped, Action<NodeId, List<byte[]>> reroute)
    {
        Destination = destination;
        _handshake = handshake;
        _reroute = reroute;
        _queue = Channel.CreateBounded<byte[]>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => dropped());
    }

    public NodeId Destination { get; }

    /// <summary>Queues an encoded message; false once the path has closed (the caller sends it the ordinary way).</summary>
    public bool TryEnqueue(byte[] payload)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            _queue.Writer.TryWrite(payload); // DropOldest: always succeeds.
            return true;
        }
    }

    /// <summary>
    /// Writes queued messages until <paramref name="cancellationToken"/> fires (the connection ended), a write fails,
    /// or the session key has sealed its budget; then closes and hands what it still holds to the reroute.
    /// <paramref name="sent"/> counts each batch written.
    /// </summary>
    public async Task RunAsync(Action<int> sent, CancellationToken cancellationToken)
    {
        var batch = new ArrayBufferWriter<byte>(1024);
        var sealer = _handshake.Sealer;
        try
        {
            while (await _queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                batch.ResetWrittenCount();
                var messages = 0;
                while (batch.WrittenCount < BatchBytesMax && !sealer.Exhausted && _queue.Reader.TryRead(out var payload))
                {
                    sealer.Append(batch, payload);
                    messages++;
                }

                if (messages == 0)
                {
                    return; // The key's budget is spent: what is queued goes the ordinary way.
                }

                await _handshake.Stream.WriteAsync(batch.WrittenMemory, cancellationToken).ConfigureAwait(false);
                sent(messages);
            }
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection is gone; its reader ends too. What was in the failed write is lost, as on any lost connection.
        }
        finally
        {
            var left = Close();
            if (left.Count > 0)
            {
                _reroute(Destination, left);
            }
        }
    }

    private List<byte[]> Close()
    {
        lock (_gate)
        {
            _closed = true;
        }

        var left = new List<byte[]>();
        while (_queue.Reader.TryRead(out var payload))
        {
            left.Add(payload);
        }

        return left;
    }
}
