using Halon.Core.Effects;
using Halon.Core.Identity;

namespace Halon.Daemon;

/// <summary>
/// Which satellite acknowledgements this node has logged, so that an acknowledgement repeated to a satellite that
/// announced again is logged once at info. Holds one entry per satellite, as the station's state does. Loop thread only.
/// </summary>
internal sealed class AcknowledgementLog
{
    private readonly Dictionary<NodeId, (long Incarnation, long Epoch)> _logged = new();

    /// <summary>Whether <paramref name="acknowledged"/> is the first of its satellite, incarnation and epoch seen here.</summary>
    public bool IsFirst(SatelliteAcknowledged acknowledged)
    {
        ArgumentNullException.ThrowIfNull(acknowledged);
        var key = (acknowledged.Incarnation, acknowledged.Epoch);
        if (_logged.TryGetValue(acknowledged.Satellite, out var logged) && logged == key)
        {
            return false;
        }

        _logged[acknowledged.Satellite] = key;
        return true;
    }
}
