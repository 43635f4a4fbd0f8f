namespace Halon.Transport.Tcp;

/// <summary>Totals since the transport started.</summary>
/// <param name="MessagesSent">Messages written to a peer connection.</param>
/// <param name="MessagesReceived">Messages delivered to <see cref="TcpTransport.Events"/>.</param>
/// <param name="MessagesDropped">Messages dropped unsent: a full queue (oldest first), a message queued longer than <see cref="TransportOptions.OutboundMessageAgeMax"/>, or too many destinations.</param>
/// <param name="MessagesRejected">Received messages whose <c>From</c> differed from the connection's proven node id.</param>
/// <param name="ConnectionsRejected">Inbound connections closed for a failed handshake (a bare port check included), a bad frame or the connection limit.</param>
/// <param name="DialFailures">Outbound connection attempts that failed.</param>
/// <param name="FramesRejected">Frames after a handshake that failed authentication (sealed frames, or TLS records), each of which closed its connection.</param>
/// <param name="DatagramsSent">Datagrams sent (copies of heartbeats, their answers and votes).</param>
/// <param name="DatagramsReceived">Datagrams that opened, passed every check and were handed to the node.</param>
/// <param name="DatagramsRejected">Datagrams dropped for failing authentication, a replayed or too old counter, a malformed message, or a sender other than the key's peer.</param>
/// <param name="DatagramsStale">Datagrams under a key this node does not hold: normal for a moment around a reconnection.</param>
public readonly record struct TransportCounters(
    long MessagesSent,
    long MessagesReceived,
    long MessagesDropped,
    long MessagesRejected,
    long ConnectionsRejected,
    long DialFailures,
    long FramesRejected,
    long DatagramsSent = 0,
    long DatagramsReceived = 0,
    long DatagramsRejected = 0,
    long DatagramsStale = 0);
