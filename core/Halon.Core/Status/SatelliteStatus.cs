namespace Halon.Core.Status;

/// <summary>One satellite as the station knows it.</summary>
public sealed record SatelliteStatus(string Node, bool Acknowledged, long Incarnation, string Hostname)
{
    /// <summary>The installation id of that incarnation; 0 when unknown.</summary>
    public long InstallId { get; init; }

    /// <summary>How many times a new installation of this node replaced the recorded one.</summary>
    public int Reinstalls { get; init; }
}
