namespace Halon.Core;

/// <summary>What <c>halonctl</c> has made of a node.</summary>
public enum NodeRole
{
    /// <summary>Started, and told nothing yet ("listen mode").</summary>
    None,

    /// <summary>A tracking-station peer, running a Recovery Supervisor.</summary>
    Station,

    /// <summary>A satellite, running an announcer.</summary>
    Satellite,
}
