namespace Halon.Core.Protocol;

/// <summary>What became of a <see cref="MembershipChange"/>.</summary>
public enum MembershipOutcome
{
    /// <summary>The change's first entry was appended; the rest follows by itself (catch-up, promotion, removal).</summary>
    Appended,

    /// <summary>This same change is under way already; nothing new was appended.</summary>
    Pending,

    /// <summary>The station already has the configuration asked for.</summary>
    AlreadyDone,

    /// <summary>Refused, with the reason (another change under way, no quorum left, a limit, a bad request).</summary>
    Refused,

    /// <summary>This node does not run the coordinator; <see cref="MembershipResult.Master"/> names the master it knows.</summary>
    NotCoordinator,

    /// <summary>This node is not a station peer.</summary>
    NotStation,
}
