using Halon.Core.Effects;
using Halon.Core.Identity;
using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace Halon.Simulation.Coyote.Monitors;

/// <summary>
/// Invariant 3 of DESIGN.md: an acknowledged satellite is in the state of every later coordinator. A satellite counts
/// as acknowledged as soon as a coordinator says it sent the acknowledgement (<see cref="SatelliteAcknowledged"/>) or
/// the satellite says it accepted one (<see cref="AnnouncementAcknowledged"/>), whoever sent it. A later coordinator
/// is one that starts live by its clock (<see cref="CoordinatorStarted"/>); its state is the node's applied
/// satellites.
/// </summary>
public sealed class AckDurability : Monitor
{
    private readonly Dictionary<NodeId, long> _acknowledged = new();

    [Start]
    [OnEventDoAction(typeof(NodeReport), nameof(OnReport))]
    [IgnoreEvents(typeof(MonitorSetup))]
    private sealed class Watching : State
    {
    }

    private void OnReport(Event e)
    {
        var report = (NodeReport)e;
        foreach (var effect in report.Effects)
        {
            switch (effect)
            {
                case SatelliteAcknowledged acknowledged:
                    Note(acknowledged.Satellite, acknowledged.Incarnation);
                    break;
                case AnnouncementAcknowledged accepted:
                    Note(report.Id, accepted.Incarnation);
                    break;
                case CoordinatorStarted started when report.Clock < report.LeaseEnd:
                    Check(report, started.Epoch);
                    break;
                default:
                    break;
            }
        }
    }

    private void Note(NodeId satellite, long incarnation)
    {
        if (!_acknowledged.TryGetValue(satellite, out var known) || incarnation > known)
        {
            _acknowledged[satellite] = incarnation;
        }
    }

    private void Check(NodeReport report, long epoch)
    {
        var state = report.CoordinatorState ?? new Dictionary<NodeId, long>();
        foreach (var (satellite, incarnation) in _acknowledged)
        {
            if (!state.TryGetValue(satellite, out var known) || known < incarnation)
            {
                var knows = state.ContainsKey(satellite) ? $"incarnation {known}" : "nothing of it";
                Assert(false, "{0}", $"[AckDurability] the coordinator of epoch {epoch} on {report.Id} started without satellite {satellite} incarnation {incarnation}, which was acknowledged (it knows {knows})");
            }
        }
    }
}
