namespace Halon.Core.Protocol;

/// <summary>What became of an operator's request to remove a satellite (see <see cref="HalonNode.RemoveSatellite"/>).</summary>
public enum RemovalOutcome
{
    /// <summary>The removal was appended to the log now; it takes effect when it commits.</summary>
    Appended,

    /// <summary>A removal of this satellite was appended earlier and waits for commit; nothing was appended.</summary>
    Pending,

    /// <summary>The satellite is removed already (its removal is committed); nothing changed.</summary>
    AlreadyRemoved,

    /// <summary>The station has no record of this satellite; nothing changed.</summary>
    Unknown,

    /// <summary>This node runs no coordinator; <see cref="RemovalResult.Coordinator"/> names the master it knows, if any.</summary>
    NotCoordinator,

    /// <summary>This node is no station peer.</summary>
    NotStation,

    /// <summary>The station holds <see cref="Limits.RemovedSatellitesMax"/> tombstones already.</summary>
    LimitReached,
}
