namespace Halon.Core.Status;

/// <summary>A satellite's own view: its station, incarnation, and whether and by whom it was acknowledged.</summary>
public sealed record AnnouncerStatus(string Station, long Incarnation, bool Acknowledged, long Epoch, string? AcknowledgedBy, long AnnouncementsSent);
