using Halon.Core.Identity;

namespace Halon.Transport.Tcp;

/// <summary>An operator command that arrived from <c>halonctl</c> over a control connection.</summary>
public abstract record ControlCommand;

/// <summary>
/// Become a tracking-station peer of <paramref name="Peers"/>, with <paramref name="Timing"/> (null: the node's own
/// default, as from a halonctl that predates station timing).
/// </summary>
public sealed record BootstrapStationCommand(PeerSet Peers, Halon.Core.StationTiming? Timing = null) : ControlCommand;

/// <summary>Become a satellite of <paramref name="Station"/>.</summary>
public sealed record BootstrapSatelliteCommand(PeerSet Station) : ControlCommand;

/// <summary>Take <paramref name="Satellite"/> out of the station's table (only the coordinator decides).</summary>
public sealed record RemoveSatelliteCommand(NodeId Satellite) : ControlCommand;

/// <summary>
/// Join the running station <paramref name="ClusterId"/>, which runs with <paramref name="Timing"/> and whose voters
/// include <paramref name="Contacts"/> (<c>halonctl station add|replace</c>, sent to the new node before the change).
/// </summary>
public sealed record JoinStationCommand(string ClusterId, Halon.Core.StationTiming Timing, PeerSet Contacts) : ControlCommand;

/// <summary>Change the station's peers (only the coordinator decides).</summary>
public sealed record ChangeStationCommand(Halon.Core.Protocol.MembershipChange Change) : ControlCommand;

/// <summary>Report status.</summary>
public sealed record GetStatusCommand : ControlCommand
{
    /// <summary>The one instance.</summary>
    public static GetStatusCommand Instance { get; } = new();
}
