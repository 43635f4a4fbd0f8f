namespace Halon.Core.Status;

/// <summary>A satellite's own view: its station, incarnation, and whether and by whom it was acknowledged.</summary>
/// <param name="Station">The station list the satellite was bootstrapped with (a sorted comma list).</param>
/// <param name="Incarnation">The incarnation it announces.</param>
/// <param name="Acknowledged">Whether the coordinator acknowledged this incarnation.</param>
/// <param name="Epoch">The epoch of that acknowledgement, or 0.</param>
/// <param name="AcknowledgedBy">The peer that sent the acknowledgement, or null.</param>
/// <param name="AnnouncementsSent">NodeUp messages sent by this incarnation.</param>
/// <param name="ReportedStation">
/// The peer set a station peer reported in its last answer, when it differs from <paramref name="Station"/>; null while
/// every answer agreed (or none came).
/// </param>
/// <param name="ReportedBy">The station peer that reported <paramref name="ReportedStation"/>, or null.</param>
public sealed record AnnouncerStatus(
    string Station,
    long Incarnation,
    bool Acknowledged,
    long Epoch,
    string? AcknowledgedBy,
    long AnnouncementsSent,
    string? ReportedStation = null,
    string? ReportedBy = null)
{
    /// <summary>Whether the station removed this installation: the satellite announces no more until bootstrapped again.</summary>
    public bool Removed { get; init; }

    /// <summary>The station peer whose notice told this satellite it was removed (null when unknown, as after a restart).</summary>
    public string? RemovedBy { get; init; }

    /// <summary>The coordinator epoch of that notice, or 0.</summary>
    public long RemovedEpoch { get; init; }

    /// <summary>The satellite's installation id (0 when unknown).</summary>
    public long InstallId { get; init; }
}
