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
    string? ReportedBy = null);
