using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace Halon.Simulation.Coyote.Monitors;

/// <summary>
/// At most one configuration change in flight: no node's log ever holds two configuration entries beyond the highest
/// commit index any node has reported (<see cref="MembershipChecks.InFlight"/>). Node actors report every batch that
/// has effects (a configuration entry appended or cut away always has one), with the configuration entries beyond
/// their own commit.
/// </summary>
public sealed class ConfigurationChangeInFlight : Monitor
{
    private long _committed;

    [Start]
    [OnEventDoAction(typeof(NodeReport), nameof(OnReport))]
    [IgnoreEvents(typeof(MonitorSetup))]
    private sealed class Watching : State
    {
    }

    private void OnReport(Event e)
    {
        var report = (NodeReport)e;
        if (!report.Up)
        {
            return;
        }

        _committed = Math.Max(_committed, report.CommitIndex);
        if (MembershipChecks.InFlight(report.Id, report.UncommittedConfigIndexes, _committed) is { } problem)
        {
            Assert(false, "{0}", "[ConfigurationChangeInFlight] " + problem);
        }
    }
}
