using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Transport.Tcp.Codec;
using Halon.Transport.Tcp.Connections;
using Microsoft.Extensions.Logging;

namespace Halon.Transport.Tcp.Datagrams;

/// <summary>
/// The datagram channel: UDP on the transport's own address and port, beside its TCP listener, for the small messages
/// whose lateness costs elections (heartbeats, their answers, votes). Each of them also goes on the peer connection;
/// a datagram only lets a copy arrive when TCP holds it back behind a lost segment. Nothing unauthenticated is acted
/// on: a datagram is opened only under a key that an authenticated peer connection delivered (see
/// <see cref="DatagramFormat"/>), only once per counter (a replay window per key), and only if the message inside
/// comes from the node that connection proved. Keys are bounded per peer and in all, and retire with their
/// connection. Rejections are counted, and logged at most once per remote host per throttle window.
/// </summary>
internal sealed class DatagramChannel : IDisposable
{
    /// <summary>Keys held per peer: one per live connection, and a few of connections being replaced.</summary>
    public const int KeysPerPeerMax = 4;

    private readonly Socket _socket;
    private readonly TcpTransport _transport;
    private readonly NodeId _self;
    private readonly ILogger _logger;
    private readonly int _keysMax;
    private readonly ConcurrentDictionary<ulong, ReceiveKey> _keys = new();
    private readonly Dictionary<NodeId, List<ReceiveKey>> _byPeer = [];
    private readonly object _gate = new();
    private long _sent;
    private long _received;
    private long _rejected;
    private long _stale;

    private DatagramChannel(Socket socket, TcpTransport transport, NodeId self, int keysMax, ILogger logger)
    {
        _socket = socket;
        _transport = transport;
        _self = self;
        _keysMax = keysMax;
        _logger = logger;
    }

    public long Sent => Interlocked.Read(ref _sent);

    public long Received => Interlocked.Read(ref _received);

    public long Rejected => Interlocked.Read(ref _rejected);

    public long Stale => Interlocked.Read(ref _stale);

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Binds UDP at <paramref name="endPoint"/> (the TCP listener's address and port). Throws <see cref="SocketException"/> when it cannot.</summary>
    public static DatagramChannel Open(IPEndPoint endPoint, TcpTransport transport, NodeId self, int keysMax, ILogger logger)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(endPoint);
            return new DatagramChannel(socket, transport, self, keysMax, logger);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Where datagrams to a peer reached at <paramref name="remote"/> (its peer connection's address) go, or null when
    /// this socket cannot send there (an IPv6 peer and an IPv4 socket).
    /// </summary>
    public EndPoint? Destination(EndPoint? remote)
    {
        if (remote is not IPEndPoint ip)
        {
            return null;
        }

        if (_socket.AddressFamily == AddressFamily.InterNetwork)
        {
            return ip.AddressFamily == AddressFamily.InterNetwork ? ip
                : ip.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(ip.Address.MapToIPv4(), ip.Port)
                : null;
        }

        return _socket.DualMode || ip.AddressFamily == AddressFamily.InterNetworkV6 ? ip : null;
    }

    /// <summary>
    /// Takes a key that <paramref name="peer"/> handed over on its authenticated connection; disposing the result
    /// retires it (when that connection closes). Beyond <see cref="KeysPerPeerMax"/> keys for one peer its oldest
    /// retires; a node holding its limit of keys in all takes no more (null), and the peer's datagrams stay stale.
    /// </summary>
    public IDisposable? Register(NodeId peer, ReadOnlySpan<byte> keyId, ReadOnlySpan<byte> key)
    {
        if (keyId.Length != DatagramFormat.KeyIdBytes || key.Length != DatagramFormat.KeyBytes)
        {
            throw new WireFormatException($"a datagram key must have an id of {DatagramFormat.KeyIdBytes} bytes and {DatagramFormat.KeyBytes} bytes of key");
        }

        var receiveKey = new ReceiveKey(BinaryPrimitives.ReadUInt64BigEndian(keyId), peer, _self, key);
        ReceiveKey? evicted = null;
        lock (_gate)
        {
            if (_keys.Count >= _keysMax || !_keys.TryAdd(receiveKey.Id, receiveKey))
            {
                receiveKey.Dispose();
                return null; // The limit, or an id already held (64 random bits: never by chance); the key is not used.
            }

            if (!_byPeer.TryGetValue(peer, out var keys))
            {
                _byPeer[peer] = keys = [];
            }

            keys.Add(receiveKey);
            if (keys.Count > KeysPerPeerMax)
            {
                evicted = keys[0];
                RemoveLocked(evicted);
            }
        }

        evicted?.Dispose();
        return new Registration(this, receiveKey);
    }

    /// <summary>Seals <paramref name="payload"/> (an encoded envelope) under <paramref name="key"/> and sends it; false when it did not go.</summary>
    public bool Send(SendKey key, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > DatagramFormat.PayloadBytesMax)
        {
            return false;
        }

        var datagram = key.Seal(payload);
        if (datagram is null)
        {
            return false;
        }

        try
        {
            _socket.SendTo(datagram, SocketFlags.None, key.Remote);
            Interlocked.Increment(ref _sent);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // A full socket buffer or an unreachable network: the copy on the peer connection still goes.
            return false;
        }
    }

    /// <summary>Receives datagrams until <paramref name="shutdown"/>; a bad datagram is counted and dropped, never thrown.</summary>
    public async Task RunAsync(CancellationToken shutdown)
    {
        await Task.Yield();
        var buffer = new byte[DatagramFormat.DatagramBytesMax + 1];
        var plaintext = new byte[DatagramFormat.PayloadBytesMax];
        EndPoint any = _socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        while (!shutdown.IsCancellationRequested)
        {
            SocketReceiveFromResult result;
            try
            {
                result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, shutdown).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.MessageSize)
            {
                Reject("an unknown address", $"a datagram larger than {DatagramFormat.DatagramBytesMax} bytes");
                continue;
            }
            catch (SocketException)
            {
                // An ICMP error reported on the socket (some systems do), or a transient failure: keep receiving.
                continue;
            }

            try
            {
                Handle(buffer.AsSpan(0, result.ReceivedBytes), result.RemoteEndPoint, plaintext);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A bug, not an attack (every check above returns): log it as such and keep the channel running.
                Interlocked.Increment(ref _rejected);
                TransportLog.DatagramFailed(_logger, e, result.RemoteEndPoint.ToString() ?? "an unknown address");
            }
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        lock (_gate)
        {
            foreach (var key in _keys.Values)
            {
                key.Dispose();
            }

            _keys.Clear();
            _byPeer.Clear();
        }
    }

    private void Handle(ReadOnlySpan<byte> datagram, EndPoint from, byte[] plaintext)
    {
        var remote = from.ToString() ?? "an unknown address";
        if (datagram.Length < DatagramFormat.HeaderBytes + WireProtocol.TagBytes || datagram.Length > DatagramFormat.DatagramBytesMax)
        {
            Reject(remote, $"a datagram of {datagram.Length} bytes (a datagram has {DatagramFormat.HeaderBytes + WireProtocol.TagBytes} to {DatagramFormat.DatagramBytesMax})");
            return;
        }

        var magic = BinaryPrimitives.ReadUInt32BigEndian(datagram);
        if (magic != DatagramFormat.Magic)
        {
            Reject(remote, $"wrong magic 0x{magic:x8}");
            return;
        }

        var keyId = BinaryPrimitives.ReadUInt64BigEndian(datagram[4..]);
        if (!_keys.TryGetValue(keyId, out var key))
        {
            CountStale(remote, keyId);
            return;
        }

        switch (key.Open(datagram, plaintext, out var length))
        {
            case DatagramOutcome.Stale:
                CountStale(remote, keyId);
                return;
            case DatagramOutcome.Replayed:
                Reject(remote, $"peer {key.Peer}: a datagram replayed, or older than the last {ReplayWindow.Size}");
                return;
            case DatagramOutcome.FailedAuthentication:
                Reject(remote, $"peer {key.Peer}: a datagram failed authentication (altered, forged, or reflected in transit, or sealed with another key)");
                return;
        }

        Message? message;
        try
        {
            message = MessageCodec.Decode(plaintext.AsSpan(0, length));
        }
        catch (WireFormatException e)
        {
            Reject(remote, $"peer {key.Peer}: a datagram's message is malformed: {e.Message}");
            return;
        }

        if (message is null || !MessageCodec.TravelsAsDatagram(message))
        {
            Reject(remote, $"peer {key.Peer}: a datagram carries {message?.GetType().Name ?? "a keepalive"}, which never travels as a datagram");
            return;
        }

        if (!message.From.Equals(key.Peer))
        {
            Reject(remote, $"a datagram under the key of peer {key.Peer} claims to come from {message.From}");
            return;
        }

        if (_transport.TryDeliver(message))
        {
            Interlocked.Increment(ref _received);
        }
    }

    private void CountStale(string remote, ulong keyId)
    {
        Interlocked.Increment(ref _stale);
        if (!_logger.IsEnabled(LogLevel.Debug) || !_transport.Throttle.ShouldLog("datagram-stale " + Host(remote), out var suppressed))
        {
            return;
        }

        var tail = TransportLog.Suppressed(suppressed);
        TransportLog.DatagramStale(_logger, remote, keyId, tail);
    }

    private void Reject(string remote, string reason)
    {
        Interlocked.Increment(ref _rejected);
        if (_transport.Throttle.ShouldLog("datagram " + Host(remote), out var suppressed))
        {
            TransportLog.DatagramRejected(_logger, remote, reason, TransportLog.Suppressed(suppressed));
        }
    }

    private static string Host(string remote)
    {
        var colon = remote.LastIndexOf(':');
        return colon > 0 ? remote[..colon] : remote;
    }

    private void Retire(ReceiveKey key)
    {
        lock (_gate)
        {
            RemoveLocked(key);
        }

        key.Dispose();
    }

    private void RemoveLocked(ReceiveKey key)
    {
        _keys.TryRemove(new KeyValuePair<ulong, ReceiveKey>(key.Id, key));
        if (_byPeer.TryGetValue(key.Peer, out var keys))
        {
            keys.Remove(key);
            if (keys.Count == 0)
            {
                _byPeer.Remove(key.Peer);
            }
        }
    }

    private sealed class Registration(DatagramChannel channel, ReceiveKey key) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                channel.Retire(key);
            }
        }
    }
}
