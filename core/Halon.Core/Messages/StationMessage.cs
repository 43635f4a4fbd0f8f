using Halon.Core.Identity;

namespace Halon.Core.Messages;

/// <summary>A message between station peers; it names the sender's cluster so that two stations never mix.</summary>
public abstract record StationMessage(NodeId From, NodeId To, string ClusterId, long Term) : Message(From, To);
