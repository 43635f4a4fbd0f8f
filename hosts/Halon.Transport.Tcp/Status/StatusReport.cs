using Halon.Core.Status;

namespace Halon.Transport.Tcp;

/// <summary>A node's whole status answer: the protocol's view and the transport's.</summary>
public sealed record StatusReport(NodeStatus Node, TransportStatus Transport);
