using Halon.Core.Effects;
using Halon.Core.Identity;
using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace Halon.Simulation.Coyote.Monitors;

/// <summary>
/// Invariant 2 of DESIGN.md: never two coordinators at once, and coordinator epochs increase. "At once" is judged by
/// each node's clock (see <see cref="CoordinatorView"/>): a master whose clock has passed its lease end has no
/// coordinator any more, even if it has not processed those ticks yet. In turn, a coordinator must not act without
/// that authority: acknowledging a satellite, or still running when its node has finished an input, after its clock
/// passed its lease end, is a violation too (the original Halon's "lease renewed after it expired").
/// A restart of the coordinator in the same epoch on the same node is allowed.
/// </summary>
public sealed class CoordinatorExclusivity : Monitor
{
    private readonly CoordinatorView _view = new();
    private long _highestEpoch;
    private NodeId? _highestEpochNode;

    [Start]
    [OnEventDoAction(typeof(MonitorSetup), nameof(OnSetup))]
    [OnEventDoAction(typeof(ClockAdvanced), nameof(OnClock))]
    [OnEventDoAction(typeof(NodeReport), nameof(OnReport))]
    private sealed class Watching : State
    {
    }

    private void OnSetup(Event e) => _view.Setup((MonitorSetup)e);

    private void OnClock(Event e) => _view.Advance((ClockAdvanced)e);

    private void OnReport(Event e)
    {
        var report = (NodeReport)e;
        var node = report.Node;
        // An acknowledgement is judged by the lease when the batch began as well as after it: a master that applies
        // a satellite's entry and then the configuration that removes it, in one batch, acknowledged while it led.
        var liveBefore = _view.IsLive(node);
        _view.Apply(report);
        var live = _view.IsLive(node);
        foreach (var effect in report.Effects)
        {
            switch (effect)
            {
                case CoordinatorStarted started when live:
                    CheckEpoch(report.Id, started.Epoch);
                    break;
                case SatelliteAcknowledged acknowledged when !live && !liveBefore:
                    Fail($"the coordinator of epoch {acknowledged.Epoch} on {report.Id} acknowledged {acknowledged.Satellite} at clock {_view.Clock(node)}, without a live lease (lease end {_view.LeaseEnd(node)})");
                    break;
                default:
                    break;
            }
        }

        if (live)
        {
            var other = _view.OtherLive(node);
            if (other >= 0)
            {
                Fail($"two coordinators at once: epoch {_view.Epoch(other)} on {_view.Id(other)} (clock {_view.Clock(other)}, lease end {_view.LeaseEnd(other)}) and epoch {_view.Epoch(node)} on {report.Id} (clock {_view.Clock(node)}, lease end {_view.LeaseEnd(node)})");
            }
        }
        else if (report.EndOfInput && _view.Running(node))
        {
            Fail($"the coordinator of epoch {_view.Epoch(node)} on {report.Id} outlives its lease: the node finished an input at clock {_view.Clock(node)}, and its lease ended at {_view.LeaseEnd(node)}; a host must catch up on its clock before acting");
        }
    }

    private void CheckEpoch(NodeId node, long epoch)
    {
        if (epoch < _highestEpoch)
        {
            Fail($"coordinator epoch went back from {_highestEpoch} ({_highestEpochNode}) to {epoch} ({node})");
        }
        else if (epoch == _highestEpoch && _highestEpochNode is not null && !_highestEpochNode.Equals(node))
        {
            Fail($"epoch {epoch} used by two coordinators: {_highestEpochNode} and {node}");
        }

        _highestEpoch = epoch;
        _highestEpochNode = node;
    }

    private void Fail(string message) => Assert(false, "{0}", "[CoordinatorExclusivity] " + message);
}
