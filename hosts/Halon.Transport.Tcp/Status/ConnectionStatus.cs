namespace Halon.Transport.Tcp;

/// <summary>One open connection of a node, as <c>halonctl status</c> shows it.</summary>
/// <param name="Peer">The node id the other side proved, or <c>halonctl</c>.</param>
/// <param name="Remote">The other side's address (<c>ip:port</c>).</param>
/// <param name="Direction"><c>inbound</c> (it dialled this node) or <c>outbound</c>.</param>
/// <param name="Mode"><c>insecure</c>, <c>cluster-key</c> or <c>tls</c>.</param>
/// <param name="KeyId">The id of the cluster key in use, or in TLS mode of the CA the other side's certificate chains to; null when insecure.</param>
/// <param name="AgeSeconds">Seconds since the handshake completed.</param>
public sealed record ConnectionStatus(string Peer, string Remote, string Direction, string Mode, string? KeyId, long AgeSeconds);
