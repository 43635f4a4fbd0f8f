using Halon.Core;
using Halon.Core.Identity;
using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace Halon.Simulation.Coyote.Monitors;

/// <summary>Invariant 1 of DESIGN.md: at most one master per term.</summary>
public sealed class ElectionSafety : Monitor
{
    private readonly Dictionary<long, NodeId> _masterOfTerm = new();

    [Start]
    [OnEventDoAction(typeof(NodeReport), nameof(OnReport))]
    [IgnoreEvents(typeof(MonitorSetup))]
    private sealed class Watching : State
    {
    }

    private void OnReport(Event e)
    {
        var report = (NodeReport)e;
        if (!report.Up || report.State != SupervisorState.Master)
        {
            return;
        }

        if (_masterOfTerm.TryGetValue(report.Term, out var other) && !other.Equals(report.Id))
        {
            Assert(false, "{0}", $"[ElectionSafety] two masters in term {report.Term}: {other} and {report.Id}");
        }

        _masterOfTerm[report.Term] = report.Id;
    }
}
