using Halon.Core.Identity;
using Halon.Core.Messages;

namespace Halon.Core.Persistence;

/// <summary>
/// What the node was told to be, kept so that it resumes by itself after a restart (autoboot).
/// </summary>
/// <param name="Role">The node's role.</param>
/// <param name="Peers">
/// For a station peer, the peer set it was bootstrapped with (or, joining, the peers it was told to contact). For a
/// satellite, the station's voters as its coordinator last reported them, when they differ from
/// <paramref name="Station"/> (the station's peers were changed); otherwise null.
/// </param>
/// <param name="Station">For a satellite, the station it announces to; otherwise null.</param>
/// <param name="Incarnation">For a satellite, bumped at every start so the coordinator acknowledges it again.</param>
public sealed record RoleConfig(NodeRole Role, PeerSet? Peers, PeerSet? Station, long Incarnation)
{
    /// <summary>
    /// For a satellite, a random non-zero number drawn when it is bootstrapped and kept across restarts: it tells a
    /// reinstalled node (its data dir lost, its incarnation back at 1) from a restarted one. 0 for other roles and for
    /// data dirs written before it existed.
    /// </summary>
    public long InstallId { get; init; }

    /// <summary>
    /// For a station peer, the station's timing, chosen at bootstrap; null in data dirs written before it existed,
    /// which ran (and go on running) with <see cref="StationTiming.Legacy"/>.
    /// </summary>
    public StationTiming? Timing { get; init; }

    /// <summary>
    /// For a satellite, set when the station told it that this installation was removed: it announces no more, across
    /// restarts, until it is bootstrapped again (which draws a new <see cref="InstallId"/> and clears it). For a
    /// station peer, set when it applied a committed configuration that leaves it out: its supervisor stays stopped,
    /// across restarts, until it is added to the station again.
    /// </summary>
    public bool Removed { get; init; }

    /// <summary>
    /// For a station peer, the station's cluster id, fixed when the station was bootstrapped (derived from the first
    /// peer set and the timing) and kept through every configuration change; null in data dirs written before it was
    /// kept, whose id is derived again from <see cref="Peers"/> and the timing (the same value).
    /// </summary>
    public string? ClusterId { get; init; }

    /// <summary>
    /// For a station peer, set when it joined a running station (<c>halonctl station add</c>) instead of being
    /// bootstrapped with it: <see cref="Peers"/> is then the peers it was told to contact, not a configuration it
    /// belongs to; it learns its configuration from the master's log.
    /// </summary>
    public bool Joining { get; init; }

    /// <summary>A node told nothing yet.</summary>
    public static RoleConfig None { get; } = new(NodeRole.None, null, null, 0);
}
