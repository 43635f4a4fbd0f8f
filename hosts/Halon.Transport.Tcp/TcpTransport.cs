using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Protocol;
using Halon.Core.Status;
using Halon.Transport.Tcp.Codec;
using Halon.Transport.Tcp.Connections;
using Halon.Transport.Tcp.Datagrams;
using Halon.Transport.Tcp.Framing;
using Halon.Transport.Tcp.Handshake;
using Microsoft.Extensions.Logging;

namespace Halon.Transport.Tcp;

/// <summary>
/// A node's TCP transport. It listens for peers and halonctl on one port; every inbound connection must complete
/// the handshake, and its messages must come from the node id it proved. Outbound, each message goes on the
/// sender's own connection to the message's <c>To</c>. In cluster-key mode every frame after the handshake is sealed
/// and opened (see <see cref="Framing.FrameSealer"/>); in TLS mode frames travel inside TLS; nothing that fails to
/// authenticate is acted on, and the connection that carried it is closed with a (throttled) log line. Received
/// messages, control requests and dial failures come out of <see cref="Events"/> for the node's single loop. Any
/// exception on a connection closes that connection only.
/// </summary>
public sealed class TcpTransport : IAsyncDisposable
{
    /// <summary>Connections the kernel may complete before the accept loop takes them (capped by net.core.somaxconn).</summary>
    internal const int ListenBacklog = 4096;

    private readonly TransportOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<TransportEvent> _events;
    private readonly Channel<TransportEvent> _stationEvents;
    private readonly PriorityEventReader _reader;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentDictionary<NodeId, OutboundPeer> _outbound = new();
    private readonly ConcurrentDictionary<NodeId, ReplyPath> _replyPaths = new();
    private readonly ConcurrentDictionary<Task, bool> _tasks = new();
    private readonly ConcurrentDictionary<Socket, bool> _inbound = new();
    private readonly ConnectionRegistry _connections = new();
    private readonly AutoResetEvent _eventWritten = new(false);
    private Socket? _listener;
    private DatagramChannel? _datagrams;
    private long _messagesSent;
    private long _messagesReceived;
    private long _messagesDropped;
    private long _messagesRejected;
    private long _connectionsRejected;
    private long _dialFailures;
    private long _framesRejected;
    private long _repliesOnInbound;
    private int _disposed;

    /// <summary>Creates a transport; nothing listens until <see cref="Start"/>.</summary>
    public TcpTransport(TransportOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _options = options;
        _logger = logger;
        _events = Channel.CreateBounded<TransportEvent>(new BoundedChannelOptions(options.EventQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _stationEvents = Channel.CreateBounded<TransportEvent>(new BoundedChannelOptions(options.EventQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _reader = new PriorityEventReader(_stationEvents.Reader, _events.Reader);
    }

    /// <summary>
    /// What the node's loop must handle. One reader. Traffic among station peers (<see cref="MessageCodec.IsStationTraffic"/>)
    /// waits in a queue of its own and is read first: thousands of announcements waiting for the loop must not hold
    /// back a follower's answer to a heartbeat until the master's check-quorum gives up on it. Each queue keeps its
    /// own order; a peer's messages are all station traffic, a satellite's all the other kind.
    /// </summary>
    public ChannelReader<TransportEvent> Events => _reader;

    /// <summary>
    /// Set after every event written to <see cref="Events"/> (and at dispose), so that a loop on a thread of its own
    /// can wait for events without a thread-pool continuation: wait on it, then drain <see cref="Events"/>.
    /// </summary>
    public WaitHandle EventWritten => _eventWritten;

    /// <summary>Where the transport listens (after <see cref="Start"/>); useful with port 0.</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)(_listener?.LocalEndPoint ?? throw new InvalidOperationException("the transport is not started"));

    /// <summary>Inbound connections open now, handshaking or established.</summary>
    public int InboundConnectionCount => _inbound.Count;

    /// <summary>Totals since start.</summary>
    public TransportCounters Counters => new(
        Interlocked.Read(ref _messagesSent),
        Interlocked.Read(ref _messagesReceived),
        Interlocked.Read(ref _messagesDropped),
        Interlocked.Read(ref _messagesRejected),
        Interlocked.Read(ref _connectionsRejected),
        Interlocked.Read(ref _dialFailures),
        Interlocked.Read(ref _framesRejected),
        _datagrams?.Sent ?? 0,
        _datagrams?.Received ?? 0,
        _datagrams?.Rejected ?? 0,
        _datagrams?.Stale ?? 0);

    /// <summary>
    /// Answers to announcements sent back on the connection their node dialled (<see cref="MessageCodec.TravelsAsReply"/>),
    /// rather than on one this transport dials; they are counted in <see cref="Counters"/> as sent once written.
    /// </summary>
    public long RepliesOnInbound => Interlocked.Read(ref _repliesOnInbound);

    /// <summary>Where datagrams are received (the listen address and port, UDP), or null when they are off (<see cref="TransportOptions.Datagrams"/>).</summary>
    public IPEndPoint? DatagramEndPoint => _datagrams?.LocalEndPoint;

    internal LogThrottle Throttle { get; } = new(TimeSpan.FromSeconds(10));

    internal ConnectionRegistry Connections => _connections;

    /// <summary>The datagram channel, or null when datagrams are off.</summary>
    internal DatagramChannel? Datagrams => _datagrams;

    internal TransportOptions Options => _options;

    /// <summary>The transport's part of the node's status: its security, and its connections after their handshake.</summary>
    public TransportStatus GetStatus()
    {
        var (listed, total, byKey) = _connections.Snapshot(WireProtocol.ConnectionsListedMax);
        return new TransportStatus(SecurityStatus.Of(_options.Security), listed, total, byKey, Counters);
    }

    /// <summary>Binds and starts accepting. Throws <see cref="SocketException"/> when the address cannot be bound.</summary>
    public void Start()
    {
        if (_listener is not null)
        {
            throw new InvalidOperationException("the transport is started already");
        }

        var endPoint = _options.ListenEndPoint;
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                listener.DualMode = true;
            }

            listener.Bind(endPoint);
            // Room for a burst of connections the accept loop has not taken yet (thousands of satellites powered on
            // at once): a full backlog drops their SYNs, and each such dial then waits a second for TCP to retry,
            // or times out and is made again from scratch. The kernel caps it at net.core.somaxconn.
            listener.Listen(ListenBacklog);
            if (_options.Datagrams)
            {
                // The same address and port as TCP (with port 0, the one TCP got): firewalls open one number for both.
                var bound = (IPEndPoint)listener.LocalEndPoint!;
                _datagrams = DatagramChannel.Open(new IPEndPoint(endPoint.Address, bound.Port), this, _options.NodeId, _options.InboundConnectionsMax, _logger);
            }
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        Track(AcceptLoopAsync(listener, _shutdown.Token));
        if (_datagrams is { } datagrams)
        {
            Track(datagrams.RunAsync(_shutdown.Token));
        }
    }

    /// <summary>
    /// Queues <paramref name="message"/> for its destination. Never blocks: a full queue drops its oldest message.
    /// </summary>
    public void Send(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_shutdown.IsCancellationRequested)
        {
            return;
        }

        var payload = MessageCodec.Encode(message);
        if (MessageCodec.TravelsAsReply(message) && _replyPaths.TryGetValue(message.To, out var path) && path.TryEnqueue(payload))
        {
            Interlocked.Increment(ref _repliesOnInbound);
            return;
        }

        SendPayload(message.To, payload, MessageCodec.TravelsAsDatagram(message));
    }

    /// <summary>Queues an encoded message on the destination's outbound side, which dials it if need be.</summary>
    private void SendPayload(NodeId to, byte[] payload, bool alsoAsDatagram)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (!_outbound.TryGetValue(to, out var peer))
            {
                if (_outbound.Count >= _options.OutboundPeersMax)
                {
                    CountDropped();
                    if (Throttle.ShouldLog("outbound-limit", out var suppressed))
                    {
                        TransportLog.OutboundLimit(_logger, to, _options.OutboundPeersMax, TransportLog.Suppressed(suppressed));
                    }

                    return;
                }

                var created = new OutboundPeer(this, to, _options, _logger);
                peer = _outbound.GetOrAdd(to, created);
                if (ReferenceEquals(peer, created))
                {
                    Track(RunOutboundAsync(created));
                }
            }

            if (peer.TryEnqueue(payload))
            {
                if (alsoAsDatagram && _datagrams is { } datagrams)
                {
                    peer.SendDatagram(datagrams, payload);
                }

                return;
            }

            _outbound.TryRemove(new KeyValuePair<NodeId, OutboundPeer>(to, peer));
        }

        CountDropped();
    }

    /// <summary>What a closed reply path still held: sent the ordinary way, in order.</summary>
    private void Reroute(NodeId to, List<byte[]> payloads)
    {
        if (_shutdown.IsCancellationRequested)
        {
            return;
        }

        foreach (var payload in payloads)
        {
            SendPayload(to, payload, alsoAsDatagram: false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _shutdown.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        _datagrams?.Dispose();
        foreach (var socket in _inbound.Keys)
        {
            socket.Dispose();
        }

        _events.Writer.TryComplete();
        _stationEvents.Writer.TryComplete();
        _eventWritten.Set();
        try
        {
            await Task.WhenAll(_tasks.Keys).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            TransportLog.ShutdownSlow(_logger);
        }

        _shutdown.Dispose();
    }

    internal void CountDropped() => Interlocked.Increment(ref _messagesDropped);

    internal void CountSent(int messages) => Interlocked.Add(ref _messagesSent, messages);

    internal void CountDialFailure() => Interlocked.Increment(ref _dialFailures);

    internal void CountFrameRejected() => Interlocked.Increment(ref _framesRejected);

    /// <summary>Hands a message from a datagram to the node's loop; false (the datagram is dropped) when the event queue is full.</summary>
    internal bool TryDeliver(Message message)
    {
        if (!QueueOf(message).Writer.TryWrite(new MessageReceived(message)))
        {
            return false;
        }

        _eventWritten.Set();
        return true;
    }

    /// <summary>
    /// Hands an authenticated message (from an inbound peer connection, or an answer that came back on an outbound one)
    /// to the node's loop, in its queue, waiting while that queue is full. Counted before it is handed over, so whoever
    /// reads the message also sees it counted.
    /// </summary>
    internal async ValueTask DeliverAsync(Message message, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _messagesReceived);
        await QueueOf(message).Writer.WriteAsync(new MessageReceived(message), cancellationToken).ConfigureAwait(false);
        _eventWritten.Set();
    }

    private Channel<TransportEvent> QueueOf(Message message) => MessageCodec.IsStationTraffic(message) ? _stationEvents : _events;

    internal void CountRejectedMessage() => Interlocked.Increment(ref _messagesRejected);

    internal void Report(TransportEvent transportEvent)
    {
        _events.Writer.TryWrite(transportEvent);
        _eventWritten.Set();
    }

    internal void Retire(OutboundPeer peer) => _outbound.TryRemove(new KeyValuePair<NodeId, OutboundPeer>(peer.Destination, peer));

    private async Task RunOutboundAsync(OutboundPeer peer)
    {
        await Task.Yield();
        try
        {
            await peer.RunAsync(_shutdown.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            TransportLog.WorkerFailed(_logger, e, peer.Destination);
        }
        finally
        {
            Retire(peer);
        }
    }

    private void Track(Task task)
    {
        _tasks.TryAdd(task, true);
        _ = task.ContinueWith(t => _tasks.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken shutdown)
    {
        while (!shutdown.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(shutdown).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                TransportLog.AcceptFailed(_logger, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            var remote = socket.RemoteEndPoint?.ToString() ?? "an unknown address";
            if (_inbound.Count >= _options.InboundConnectionsMax)
            {
                Reject(remote, $"{_options.InboundConnectionsMax} connections are open already");
                socket.Dispose();
                continue;
            }

            socket.NoDelay = true;
            _inbound.TryAdd(socket, true);
            Track(ServeAsync(socket, remote, shutdown));
        }
    }

    private async Task ServeAsync(Socket socket, string remote, CancellationToken shutdown)
    {
        await Task.Yield();
        try
        {
            var stream = new NetworkStream(socket, ownsSocket: true);
            await using (stream.ConfigureAwait(false))
            {
                var handshake = await HandshakeAsync(stream, remote, shutdown).ConfigureAwait(false);
                if (handshake is null)
                {
                    return;
                }

                await using (handshake.ConfigureAwait(false))
                {
                    using var registration = _connections.Add(handshake, remote, "inbound");
                    await ServeEstablishedAsync(handshake, remote, shutdown).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
        }
        catch (WireFormatException e)
        {
            Reject(remote, $"bad frame: {e.Message}");
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            TransportLog.InboundClosed(_logger, remote, e.Message);
        }
        catch (Exception e)
        {
            // Contain anything else to this connection: log it as the bug it is, and keep the node running.
            TransportLog.InboundFailed(_logger, e, remote);
        }
        finally
        {
            _inbound.TryRemove(socket, out _);
            socket.Dispose();
        }
    }

    /// <summary>Serves an authenticated connection; a frame that fails authentication ends it with a log line naming the peer.</summary>
    private async Task ServeEstablishedAsync(HandshakeResult handshake, string remote, CancellationToken shutdown)
    {
        var who = handshake.Remote is { } peer ? "peer " + peer.Value : "halonctl";
        using var reader = new FrameReader(handshake.Stream, handshake.Opener);
        try
        {
            if (handshake.Remote is { } dialler)
            {
                await ServePeerAsync(handshake, reader, dialler, remote, shutdown).ConfigureAwait(false);
            }
            else
            {
                await ServeControlAsync(handshake, reader, remote, shutdown).ConfigureAwait(false);
            }
        }
        catch (FrameAuthenticationException e)
        {
            CountFrameRejected();
            Reject(remote, $"{who}: {e.Message}; closed the connection");
        }
        catch (IOException e) when (handshake.Mode == SecurityMode.Tls && TlsRecordFailed(e) && !shutdown.IsCancellationRequested)
        {
            CountFrameRejected();
            Reject(remote, $"{who}: a TLS record failed authentication ({e.GetBaseException().Message}); closed the connection");
        }
    }

    /// <summary>Whether a TLS stream failed because a record did not authenticate, rather than because the peer went away.</summary>
    internal static bool TlsRecordFailed(IOException e) =>
        e.GetBaseException() is System.Security.Authentication.AuthenticationException
        || e.GetBaseException().Message.Contains("decrypt", StringComparison.OrdinalIgnoreCase)
        || e.GetBaseException().Message.Contains("bad record mac", StringComparison.OrdinalIgnoreCase);

    private async Task<HandshakeResult?> HandshakeAsync(NetworkStream stream, string remote, CancellationToken shutdown)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        deadline.CancelAfter(_options.HandshakeTimeout);
        try
        {
            var handshake = await HandshakeProtocol.AcceptAsync(stream, _options.NodeId, _options.Security, _options.SealedBytesPerKeyMax, deadline.Token, takesDatagrams: _datagrams is not null).ConfigureAwait(false);
            var who = handshake.Remote?.Value ?? "halonctl";
            var mode = handshake.Mode.Name();
            TransportLog.Accepted(_logger, who, remote, mode, handshake.KeyId ?? "-");
            return handshake;
        }
        catch (HandshakeException e) when (e.Failure == HandshakeFailure.ClosedSilently)
        {
            // Load balancers and monitoring open the port and close it again; that is no attack and no misconfiguration.
            Interlocked.Increment(ref _connectionsRejected);
            TransportLog.InboundClosed(_logger, remote, e.Message);
        }
        catch (HandshakeException e)
        {
            Reject(remote, e.Message);
        }
        catch (WireFormatException e)
        {
            Reject(remote, $"bad handshake frame: {e.Message}");
        }
        catch (OperationCanceledException) when (!shutdown.IsCancellationRequested)
        {
            Reject(remote, $"no complete handshake within {Dialer.Format(_options.HandshakeTimeout)}");
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or SocketException)
        {
            Reject(remote, "closed before completing the handshake");
        }

        return null;
    }

    private async Task ServePeerAsync(HandshakeResult handshake, FrameReader reader, NodeId dialler, string remote, CancellationToken shutdown)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        IDisposable? datagramKey = null; // The key of this connection's datagrams; it retires with the connection.
        using var connectionOver = new CancellationTokenSource();
        ReplyPath? path = null;
        Task? writer = null;
        if (handshake.PeerReadsReplies)
        {
            // The newest connection from a node carries the answers to it; an older one keeps its path until it ends.
            path = new ReplyPath(dialler, handshake, _options.OutboundQueueMessagesMax, CountDropped, Reroute);
            _replyPaths[dialler] = path;
            writer = path.RunAsync(CountSent, connectionOver.Token);
        }

        try
        {
            await ServePeerFramesAsync(reader, dialler, remote, idle, key => { datagramKey?.Dispose(); datagramKey = key; }, shutdown).ConfigureAwait(false);
        }
        finally
        {
            datagramKey?.Dispose();
            if (path is not null)
            {
                _replyPaths.TryRemove(new KeyValuePair<NodeId, ReplyPath>(dialler, path));
                await connectionOver.CancelAsync().ConfigureAwait(false);
                await writer!.ConfigureAwait(false); // It catches its own failures, and hands back what it still holds.
            }
        }
    }

    private async Task ServePeerFramesAsync(FrameReader reader, NodeId dialler, string remote, CancellationTokenSource idle, Action<IDisposable?> keyReceived, CancellationToken shutdown)
    {
        while (true)
        {
            if (!idle.TryReset())
            {
                return;
            }

            idle.CancelAfter(_options.PeerIdleTimeout);
            bool read;
            try
            {
                read = await reader.TryReadAsync(WireProtocol.FrameBytesMax, idle.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!shutdown.IsCancellationRequested)
            {
                // Its dialler sends a keepalive every KeepaliveInterval: a silence this long is a dead peer or a cut
                // network, and the dialler makes a new connection once it can.
                Reject(remote, $"peer {dialler} sent nothing for {Dialer.Format(_options.PeerIdleTimeout)}");
                return;
            }

            if (!read)
            {
                TransportLog.PeerClosed(_logger, dialler, remote);
                return;
            }

            var envelope = MessageCodec.ParseEnvelope(reader.Payload);
            if (envelope.BodyCase == Wire.Envelope.BodyOneofCase.DatagramKey)
            {
                // Authenticated like every frame of this connection: its datagrams come from the dialler.
                if (_datagrams is { } datagrams)
                {
                    keyReceived(datagrams.Register(dialler, envelope.DatagramKey.KeyId.Span, envelope.DatagramKey.Key.Span));
                }
                else
                {
                    TransportLog.DatagramKeyIgnored(_logger, dialler);
                }

                continue;
            }

            var message = MessageCodec.FromEnvelope(envelope);
            if (message is null)
            {
                continue; // Keepalive.
            }

            if (!message.From.Equals(dialler))
            {
                Interlocked.Increment(ref _messagesRejected);
                if (Throttle.ShouldLog("from " + dialler.Value, out var suppressed))
                {
                    TransportLog.ImpersonationDropped(_logger, message.GetType().Name, remote, message.From, dialler, TransportLog.Suppressed(suppressed));
                }

                continue;
            }

            await DeliverAsync(message, shutdown).ConfigureAwait(false);
        }
    }

    private async Task ServeControlAsync(HandshakeResult handshake, FrameReader reader, string remote, CancellationToken shutdown)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        while (true)
        {
            if (!idle.TryReset())
            {
                return;
            }

            idle.CancelAfter(_options.IdleTimeout);
            bool read;
            try
            {
                read = await reader.TryReadAsync(_options.ControlRequestBytesMax, idle.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!shutdown.IsCancellationRequested)
            {
                TransportLog.InboundClosed(_logger, remote, "idle control connection");
                return;
            }

            if (!read)
            {
                return;
            }

            var (requestId, command) = ControlCodec.DecodeRequest(reader.Payload);
            var call = new ControlRequested(command);
            await _events.Writer.WriteAsync(call, shutdown).ConfigureAwait(false);
            _eventWritten.Set();
            object answer;
            try
            {
                answer = await call.Answer.WaitAsync(_options.ControlReplyTimeout, shutdown).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                answer = new ControlRequested.ControlFailure($"the node did not answer within {Dialer.Format(_options.ControlReplyTimeout)}");
            }

            var responses = answer switch
            {
                CommandResult result => [ControlCodec.ToResponse(requestId, result)],
                RemovalResult removal => [ControlCodec.ToResponse(requestId, removal)],
                MembershipResult membership => [ControlCodec.ToResponse(requestId, membership)],
                NodeStatus status => ControlCodec.ToStatusResponses(requestId, status, GetStatus()),
                ControlRequested.ControlFailure failure => [ControlCodec.ToError(requestId, failure.Message)],
                _ => new List<Wire.ControlResponse> { ControlCodec.ToError(requestId, "the node gave no answer") },
            };
            foreach (var response in responses)
            {
                await handshake.Stream.WriteAsync(handshake.Sealer.Frame(response), shutdown).ConfigureAwait(false);
            }

            if (handshake.Sealer.Exhausted)
            {
                // The session key has carried its budget: halonctl reconnects, with new keys, for its next request.
                TransportLog.InboundClosed(_logger, remote, "the control connection's session key carried its data budget");
                return;
            }
        }
    }

    private void Reject(string remote, string reason)
    {
        Interlocked.Increment(ref _connectionsRejected);
        if (Throttle.ShouldLog("reject " + RemoteHost(remote), out var suppressed))
        {
            TransportLog.ConnectionRejected(_logger, remote, reason, TransportLog.Suppressed(suppressed));
        }
    }

    private static string RemoteHost(string remote)
    {
        var colon = remote.LastIndexOf(':');
        return colon > 0 ? remote[..colon] : remote;
    }
}
