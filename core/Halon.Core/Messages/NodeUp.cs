using Halon.Core.Identity;

namespace Halon.Core.Messages;

/// <summary>
/// A satellite's announcement to the station: "I am up, in this incarnation, on this host." <see cref="InstallId"/>
/// names the installation (see <see cref="Persistence.RoleConfig.InstallId"/>); 0 when unknown.
/// </summary>
public sealed record NodeUp(NodeId From, NodeId To, long Incarnation, HostFacts Facts) : Message(From, To)
{
    /// <summary>The satellite's installation id; 0 when unknown.</summary>
    public long InstallId { get; init; }
}
