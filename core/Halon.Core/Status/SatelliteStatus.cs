namespace Halon.Core.Status;

/// <summary>One satellite as the station knows it.</summary>
public sealed record SatelliteStatus(string Node, bool Acknowledged, long Incarnation, string Hostname);
