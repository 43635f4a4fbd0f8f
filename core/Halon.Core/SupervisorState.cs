namespace Halon.Core;

/// <summary>The state of a station peer's Recovery Supervisor.</summary>
public enum SupervisorState
{
    /// <summary>Not a station peer, so no supervisor runs.</summary>
    None,

    /// <summary>Waiting until a majority of the peer set answers as running supervisors of the same station.</summary>
    WaitingForQuorum,

    /// <summary>Following a master, or waiting for one.</summary>
    Follower,

    /// <summary>Asking for pre-votes; its term has not changed yet.</summary>
    PreCandidate,

    /// <summary>Asking for votes in a new term.</summary>
    Candidate,

    /// <summary>Elected; runs the coordinator while it holds the lease.</summary>
    Master,
}
