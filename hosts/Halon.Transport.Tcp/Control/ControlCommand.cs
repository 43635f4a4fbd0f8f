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

/// <summary>Report status.</summary>
public sealed record GetStatusCommand : ControlCommand
{
    /// <summary>The one instance.</summary>
    public static GetStatusCommand Instance { get; } = new();
}
