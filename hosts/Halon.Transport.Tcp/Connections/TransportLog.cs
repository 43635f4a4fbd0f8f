using Halon.Core.Identity;
using Microsoft.Extensions.Logging;

namespace Halon.Transport.Tcp.Connections;

/// <summary>The transport's log lines, source-generated so that disabled levels cost nothing.</summary>
internal static partial class TransportLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "rejected connection from {Remote}: {Reason}{Suppressed}")]
    public static partial void ConnectionRejected(ILogger logger, string remote, string reason, string suppressed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dropped {Type} from {Remote}: it claims to come from {Claimed}, but the connection proved {Dialler}{Suppressed}")]
    public static partial void ImpersonationDropped(ILogger logger, string type, string remote, NodeId claimed, NodeId dialler, string suppressed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dropped a message to {Peer}: {Limit} destinations are open already{Suppressed}")]
    public static partial void OutboundLimit(ILogger logger, NodeId peer, int limit, string suppressed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cannot reach {Peer}: {Detail} (attempt {Attempt}){Suppressed}")]
    public static partial void DialFailed(ILogger logger, NodeId peer, string detail, int attempt, string suppressed);

    [LoggerMessage(Level = LogLevel.Information, Message = "connected to {Peer} after {Failures} failed attempts ({Mode}, key {KeyId})")]
    public static partial void Reconnected(ILogger logger, NodeId peer, int failures, string mode, string keyId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "closing the idle connection to {Peer}")]
    public static partial void OutboundIdle(ILogger logger, NodeId peer);

    [LoggerMessage(Level = LogLevel.Debug, Message = "connection to {Peer} lost: {Reason}")]
    public static partial void OutboundLost(ILogger logger, NodeId peer, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "the connection worker for {Peer} failed")]
    public static partial void WorkerFailed(ILogger logger, Exception exception, NodeId peer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "accept failed: {Reason}")]
    public static partial void AcceptFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "some connections did not close within 5s of shutdown")]
    public static partial void ShutdownSlow(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "connection from {Remote} closed: {Reason}")]
    public static partial void InboundClosed(ILogger logger, string remote, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "peer {Peer} at {Remote} closed its connection")]
    public static partial void PeerClosed(ILogger logger, NodeId peer, string remote);

    [LoggerMessage(Level = LogLevel.Error, Message = "connection from {Remote} failed unexpectedly; closed it")]
    public static partial void InboundFailed(ILogger logger, Exception exception, string remote);

    [LoggerMessage(Level = LogLevel.Debug, Message = "accepted {Who} from {Remote} ({Mode}, key {KeyId})")]
    public static partial void Accepted(ILogger logger, string who, string remote, string mode, string keyId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "connected to {Peer} ({Mode}, key {KeyId})")]
    public static partial void ConnectedWith(ILogger logger, NodeId peer, string mode, string keyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "closed the connection to {Peer}: {Reason}; redialling{Suppressed}")]
    public static partial void OutboundFrameRejected(ILogger logger, NodeId peer, string reason, string suppressed);

    [LoggerMessage(Level = LogLevel.Debug, Message = "closing the connection to {Peer}: {Reason}")]
    public static partial void OutboundClosing(ILogger logger, NodeId peer, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "rejected datagram from {Remote}: {Reason}{Suppressed}")]
    public static partial void DatagramRejected(ILogger logger, string remote, string reason, string suppressed);

    [LoggerMessage(Level = LogLevel.Debug, Message = "dropped datagram from {Remote}: key {KeyId:x16} is not held here (a connection was made again, or closed){Suppressed}")]
    public static partial void DatagramStale(ILogger logger, string remote, ulong keyId, string suppressed);

    [LoggerMessage(Level = LogLevel.Error, Message = "a datagram from {Remote} failed unexpectedly; dropped it")]
    public static partial void DatagramFailed(ILogger logger, Exception exception, string remote);

    [LoggerMessage(Level = LogLevel.Debug, Message = "peer {Peer} sent a datagram key, but this node takes no datagrams; ignored it")]
    public static partial void DatagramKeyIgnored(ILogger logger, NodeId peer);

    /// <summary>The tail of a throttled line: empty, or how many similar lines were held back.</summary>
    public static string Suppressed(int count) => count == 0 ? string.Empty : $" ({count} similar lines suppressed)";
}
