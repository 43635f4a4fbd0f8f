using Halon.Core.Identity;
using Halon.Core.Status;

namespace Halon.Ctl.Bootstrap;

/// <summary>What one poll learned about one node: its status, or why halonctl could not get it.</summary>
/// <param name="Target">The address dialled.</param>
/// <param name="Status">The node's status, or null.</param>
/// <param name="Error">The one-line reason there is no status (it starts with the address).</param>
internal sealed record NodeView(NodeId Target, NodeStatus? Status, string? Error);
