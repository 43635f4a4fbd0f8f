using Halon.Core;
using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Status;

namespace Halon.Simulation.Timeline;

/// <summary>
/// Records a simulation as typed timeline events: the harness calls it where effects are observed and faults are
/// injected (no trace text is parsed). Node names are the simulator's short host names.
/// </summary>
public sealed class TimelineRecorder
{
    public TimelineRecorder(string title)
    {
        Timeline = new RunTimeline(title, "tick");
    }

    /// <summary>What was recorded.</summary>
    public RunTimeline Timeline { get; }

    /// <summary>An effect of <paramref name="node"/>'s batch.</summary>
    public void Effect(double at, NodeId node, Effect effect)
    {
        ArgumentNullException.ThrowIfNull(node);
        var name = node.Host;
        switch (effect)
        {
            case SupervisorStateChanged changed:
                Timeline.Add(new TimelineEvent(at, name, TimelineEventKind.State) { State = StateName(changed.To), Term = changed.Term, Detail = changed.Reason });
                break;
            case RoleAssigned role:
                Timeline.Add(new TimelineEvent(at, name, TimelineEventKind.Role) { State = NodeStatus.RoleText(role.Role), Detail = role.Detail });
                break;
            case CoordinatorStarted started:
                Timeline.Add(new TimelineEvent(at, name, TimelineEventKind.CoordinatorStarted) { Epoch = started.Epoch, Detail = $"{started.SatellitesKnown} satellites known" });
                break;
            case CoordinatorStopped stopped:
                Timeline.Add(new TimelineEvent(at, name, TimelineEventKind.CoordinatorStopped) { Epoch = stopped.Epoch, Detail = stopped.Reason });
                break;
            case AnnouncementAcknowledged acknowledged:
                Timeline.Add(new TimelineEvent(at, name, TimelineEventKind.Acknowledged) { Epoch = acknowledged.Epoch, Detail = $"incarnation {acknowledged.Incarnation} acknowledged by {acknowledged.By.Host}" });
                break;
            default:
                break;
        }
    }

    /// <summary>The term <paramref name="node"/> persisted.</summary>
    public void Term(double at, NodeId node, long term)
    {
        ArgumentNullException.ThrowIfNull(node);
        Timeline.Add(new TimelineEvent(at, node.Host, TimelineEventKind.Term) { Term = term });
    }

    /// <summary>A fault or recovery of one node: a crash, a restart, a pause, a resume.</summary>
    public void Node(double at, NodeId node, TimelineEventKind kind, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        Timeline.Add(new TimelineEvent(at, node.Host, kind) { Detail = detail });
    }

    /// <summary>A change of the whole network (partition, healed) or the heal of every fault.</summary>
    public void Network(double at, TimelineEventKind kind, string? detail = null) =>
        Timeline.Add(new TimelineEvent(at, null, kind) { Detail = detail });

    /// <summary>The supervisor state as the picture names it (pre-candidate kept apart from candidate).</summary>
    public static string StateName(SupervisorState state) =>
        state == SupervisorState.PreCandidate ? "pre-candidate" : NodeStatus.StateText(state);
}
