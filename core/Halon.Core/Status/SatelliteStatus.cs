namespace Halon.Core.Status;

/// <summary>One satellite as the station knows it.</summary>
public sealed record SatelliteStatus(string Node, bool Acknowledged, long Incarnation, string Hostname)
{
    /// <summary>The installation id of that incarnation; 0 when unknown.</summary>
    public long InstallId { get; init; }

    /// <summary>How many times a new installation of this node replaced the recorded one.</summary>
    public int Reinstalls { get; init; }

    /// <summary>
    /// Whether the station removed this node (a tombstone; not acknowledged, with the removed installation in
    /// <see cref="InstallId"/>). A removed node that was bootstrapped again and acknowledged shows as acknowledged.
    /// </summary>
    public bool Removed { get; init; }
}
