using Halon.Core.Identity;

namespace Halon.Core.Messages;

/// <summary>A station peer that cannot acknowledge tells the satellite which master it knows of, if any.</summary>
public sealed record NodeUpRedirect(NodeId From, NodeId To, NodeId? Leader, long Term) : Message(From, To);
