using System.Net;
using Halon.Core.Identity;

namespace Halon.Transport.Tcp;

/// <summary>
/// Settings of a <see cref="TcpTransport"/>. Every queue, timeout and retry is bounded here; names end with the unit.
/// <see cref="Validate"/> throws <see cref="ArgumentException"/> naming the first bad setting.
/// </summary>
public sealed record TransportOptions
{
    /// <summary>This node's id (its advertised <c>host:port</c>), proved in every handshake.</summary>
    public required NodeId NodeId { get; init; }

    /// <summary>Where to listen.</summary>
    public required IPEndPoint ListenEndPoint { get; init; }

    /// <summary>How connections are protected: the cluster key(s), mutual TLS, or nothing (<c>--insecure</c> or loopback only).</summary>
    public TransportSecurity Security { get; init; } = TransportSecurity.Insecure;

    /// <summary>
    /// Bytes one session key seals in one direction before the connection must be made again with new keys (the
    /// sender reconnects; a receiver refuses more). 64 GiB keeps AES-GCM's margins far beyond reach, as TLS 1.3 does by
    /// rekeying; at a station's normal rate a connection reaches it only after months.
    /// </summary>
    public long SealedBytesPerKeyMax { get; init; } = 64L * 1024 * 1024 * 1024;

    /// <summary>A connection that has not completed the handshake within this time is closed.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The default <see cref="PeerTimeout"/>: above Linux's 200 ms minimum retransmission timeout four times over
    /// (a segment gets four tries before its connection is given up), and short enough that a partitioned peer's
    /// connection is dropped, and redialled, well within a partition of a few seconds.
    /// </summary>
    public static readonly TimeSpan DefaultPeerTimeout = TimeSpan.FromMilliseconds(1500);

    /// <summary>
    /// How long a peer connection may go without progress before it is treated as dead: written data unacknowledged
    /// for this long kills the dialler's connection (<c>TCP_USER_TIMEOUT</c> on Linux), and an inbound peer connection
    /// on which no frame arrived for this long is closed (<see cref="PeerIdleTimeout"/>). The other peer-connection
    /// bounds follow from it (<see cref="WithPeerTimeout"/>). Raise it for peers far apart (a WAN station).
    /// </summary>
    public TimeSpan PeerTimeout { get; init; } = DefaultPeerTimeout;

    /// <summary>An inbound peer connection on which no frame arrived for this long is closed (the dialler sends keepalives).</summary>
    public TimeSpan PeerIdleTimeout { get; init; } = DefaultPeerTimeout;

    /// <summary>An inbound control connection (halonctl) that delivers no request for this long is closed.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>An outbound connection with nothing to send sends a keepalive this often: a quarter of <see cref="PeerTimeout"/>.</summary>
    public TimeSpan KeepaliveInterval { get; init; } = DefaultPeerTimeout / 4;

    /// <summary>An outbound connection that had no message to carry for this long is closed, and its worker ends.</summary>
    public TimeSpan OutboundIdleCloseTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Time allowed to open a TCP connection to a peer (the handshake then has <see cref="HandshakeTimeout"/>): a fifth of
    /// <see cref="PeerTimeout"/>. Linux retransmits an unanswered SYN only after 1 s, then 3 s, 7 s; a short attempt
    /// followed by a new one puts a SYN on the wire every few hundred milliseconds while a peer is unreachable, so a
    /// healed partition is noticed at once.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = DefaultPeerTimeout / 5;

    /// <summary>First delay before redialling a peer that failed; it doubles up to <see cref="ReconnectDelayMax"/>, with jitter.</summary>
    public TimeSpan ReconnectDelayMin { get; init; } = TimeSpan.FromMilliseconds(25);

    /// <summary>Longest delay between dial attempts to one peer: an eighth of <see cref="PeerTimeout"/>. It never grows to seconds.</summary>
    public TimeSpan ReconnectDelayMax { get; init; } = DefaultPeerTimeout / 8;

    /// <summary>
    /// Whether the small, time-critical messages (heartbeats and their answers, votes) also travel as authenticated UDP
    /// datagrams on the listen port, beside their copy on the peer connection (see <c>DatagramChannel</c>).
    /// </summary>
    public bool Datagrams { get; init; } = true;

    /// <summary>Time the node's loop has to answer a control request before halonctl is told it is busy.</summary>
    public TimeSpan ControlReplyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Messages queued per destination; when full the oldest is dropped (and counted).</summary>
    public int OutboundQueueMessagesMax { get; init; } = 1024;

    /// <summary>
    /// A queued message not sent within this time is dropped (and counted): the protocol has retried or moved on by
    /// then, and an unreachable destination's worker can go idle and retire.
    /// </summary>
    public TimeSpan OutboundMessageAgeMax { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Destinations with an outbound connection or queue at once; a message to one more is dropped.</summary>
    public int OutboundPeersMax { get; init; } = 16_384;

    /// <summary>Inbound connections at once; more are closed at accept.</summary>
    public int InboundConnectionsMax { get; init; } = 20_000;

    /// <summary>Events (received messages, control requests, dial failures) waiting for the node's loop; readers wait when full.</summary>
    public int EventQueueCapacity { get; init; } = 4096;

    /// <summary>Largest control request frame accepted, in bytes.</summary>
    public int ControlRequestBytesMax { get; init; } = 64 * 1024;

    /// <summary>
    /// These options with <see cref="PeerTimeout"/> set to <paramref name="timeout"/> and the bounds that follow from it:
    /// <see cref="PeerIdleTimeout"/> the same, <see cref="KeepaliveInterval"/> a quarter, <see cref="ConnectTimeout"/> a
    /// fifth, <see cref="ReconnectDelayMax"/> an eighth (and <see cref="ReconnectDelayMin"/> no more than that).
    /// </summary>
    public TransportOptions WithPeerTimeout(TimeSpan timeout) => this with
    {
        PeerTimeout = timeout,
        PeerIdleTimeout = timeout,
        KeepaliveInterval = timeout / 4,
        ConnectTimeout = timeout / 5,
        ReconnectDelayMax = timeout / 8,
        ReconnectDelayMin = ReconnectDelayMin < timeout / 8 ? ReconnectDelayMin : timeout / 8,
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(NodeId);
        ArgumentNullException.ThrowIfNull(ListenEndPoint);
        ArgumentNullException.ThrowIfNull(Security);
        Require(SealedBytesPerKeyMax >= 1024, $"{nameof(SealedBytesPerKeyMax)} must be at least 1024");
        Require(HandshakeTimeout > TimeSpan.Zero, $"{nameof(HandshakeTimeout)} must be positive");
        Require(KeepaliveInterval > TimeSpan.Zero, $"{nameof(KeepaliveInterval)} must be positive");
        Require(PeerTimeout >= TimeSpan.FromMilliseconds(100), $"{nameof(PeerTimeout)} must be at least 100ms");
        Require(PeerIdleTimeout > KeepaliveInterval * 2, $"{nameof(PeerIdleTimeout)} must exceed twice {nameof(KeepaliveInterval)}");
        Require(IdleTimeout > TimeSpan.Zero, $"{nameof(IdleTimeout)} must be positive");
        Require(OutboundIdleCloseTimeout > TimeSpan.Zero, $"{nameof(OutboundIdleCloseTimeout)} must be positive");
        Require(OutboundMessageAgeMax > TimeSpan.Zero, $"{nameof(OutboundMessageAgeMax)} must be positive");
        Require(ConnectTimeout > TimeSpan.Zero, $"{nameof(ConnectTimeout)} must be positive");
        Require(ReconnectDelayMin > TimeSpan.Zero, $"{nameof(ReconnectDelayMin)} must be positive");
        Require(ReconnectDelayMax >= ReconnectDelayMin, $"{nameof(ReconnectDelayMax)} must be at least {nameof(ReconnectDelayMin)}");
        Require(ControlReplyTimeout > TimeSpan.Zero, $"{nameof(ControlReplyTimeout)} must be positive");
        Require(OutboundQueueMessagesMax >= 1, $"{nameof(OutboundQueueMessagesMax)} must be at least 1");
        Require(OutboundPeersMax >= 1, $"{nameof(OutboundPeersMax)} must be at least 1");
        Require(InboundConnectionsMax >= 1, $"{nameof(InboundConnectionsMax)} must be at least 1");
        Require(EventQueueCapacity >= 1, $"{nameof(EventQueueCapacity)} must be at least 1");
        Require(ControlRequestBytesMax >= 1024, $"{nameof(ControlRequestBytesMax)} must be at least 1024");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
