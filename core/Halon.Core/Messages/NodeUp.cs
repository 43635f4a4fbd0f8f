using Halon.Core.Identity;

namespace Halon.Core.Messages;

/// <summary>A satellite's announcement to the station: "I am up, in this incarnation, on this host."</summary>
public sealed record NodeUp(NodeId From, NodeId To, long Incarnation, HostFacts Facts) : Message(From, To);
