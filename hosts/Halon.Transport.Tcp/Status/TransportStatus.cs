namespace Halon.Transport.Tcp;

/// <summary>
/// What a node's transport adds to its status: its security and its open connections. This is the transport's own
/// knowledge; the protocol core knows nothing of it.
/// </summary>
/// <param name="Security">How the node protects its connections.</param>
/// <param name="Connections">Open connections, peers first, at most <see cref="WireProtocol.ConnectionsListedMax"/>.</param>
/// <param name="ConnectionsTotal">All open connections, listed or not.</param>
/// <param name="ConnectionsByKey">All open connections counted by mode and key.</param>
/// <param name="Counters">The transport's totals since the node started (frames that failed authentication among them).</param>
public sealed record TransportStatus(SecurityStatus Security, IReadOnlyList<ConnectionStatus> Connections, int ConnectionsTotal, IReadOnlyList<KeyUse> ConnectionsByKey, TransportCounters Counters);
