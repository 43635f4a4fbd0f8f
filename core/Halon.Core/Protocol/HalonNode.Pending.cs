namespace Halon.Core.Protocol;

/// <summary>Read-only counts for a host's metrics.</summary>
public sealed partial class HalonNode
{
    /// <summary>Master only: satellites whose acknowledgement is appended to the log but not yet committed.</summary>
    public int SatellitesPending => _pendingAcknowledgements.Count;
}
