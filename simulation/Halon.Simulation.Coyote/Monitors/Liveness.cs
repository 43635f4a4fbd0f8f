using Halon.Simulation.Coyote.Testing;
using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace Halon.Simulation.Coyote.Monitors;

/// <summary>
/// Invariant 5 of DESIGN.md: once the nemesis heals every fault, a coordinator runs (live by its clock) and every
/// satellite is up with its current incarnation acknowledged. The monitor is hot from the heal until both hold; the
/// iteration ends a fixed number of rounds after the heal (<see cref="CoyoteClusterOptions.LivenessRounds"/>), and
/// ending hot is a liveness bug.
/// </summary>
public sealed class Liveness : Monitor
{
    private readonly CoordinatorView _view = new();
    private int _peers;
    private bool[] _acknowledged = Array.Empty<bool>();
    private int _round;
    private int _healRound;

    [Start]
    [Cold]
    [OnEventDoAction(typeof(MonitorSetup), nameof(OnSetup))]
    [OnEventDoAction(typeof(ClockAdvanced), nameof(OnClock))]
    [OnEventDoAction(typeof(NodeReport), nameof(OnReport))]
    [OnEventGotoState(typeof(Healed), typeof(Converging), nameof(OnHealed))]
    private sealed class Faulty : State
    {
    }

    [Hot]
    [OnEventDoAction(typeof(ClockAdvanced), nameof(OnClockConverging))]
    [OnEventDoAction(typeof(NodeReport), nameof(OnReportConverging))]
    private sealed class Converging : State
    {
    }

    [Cold]
    [IgnoreEvents(typeof(ClockAdvanced), typeof(NodeReport), typeof(Healed))]
    private sealed class Converged : State
    {
    }

    private void OnSetup(Event e)
    {
        var setup = (MonitorSetup)e;
        _view.Setup(setup);
        _peers = setup.Peers;
        _acknowledged = new bool[setup.Ids.Count];
    }

    private void OnClock(Event e)
    {
        var clock = (ClockAdvanced)e;
        _round = clock.Round;
        _view.Advance(clock);
    }

    private void OnHealed(Event e) => _healRound = ((Healed)e).Round;

    private void OnReport(Event e)
    {
        var report = (NodeReport)e;
        _view.Apply(report);
        if (report.Node >= _peers)
        {
            _acknowledged[report.Node] = report.Up && report.SatelliteAcknowledged;
        }
    }

    private void OnClockConverging(Event e)
    {
        OnClock(e);
        CheckConverged();
    }

    private void OnReportConverging(Event e)
    {
        OnReport(e);
        CheckConverged();
    }

    private void CheckConverged()
    {
        if (_view.AnyLive() < 0)
        {
            return;
        }

        for (var i = _peers; i < _acknowledged.Length; i++)
        {
            if (!_acknowledged[i])
            {
                return;
            }
        }

        CoverageCounter.Converged(_round - _healRound + 1);
        RaiseGotoStateEvent<Converged>();
    }
}
