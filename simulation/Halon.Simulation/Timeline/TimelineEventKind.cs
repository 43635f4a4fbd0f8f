namespace Halon.Simulation.Timeline;

/// <summary>What a <see cref="TimelineEvent"/> records.</summary>
public enum TimelineEventKind
{
    /// <summary>A station peer's supervisor entered <see cref="TimelineEvent.State"/> in <see cref="TimelineEvent.Term"/>.</summary>
    State,

    /// <summary>The node's term changed (persisted), whatever its state; <see cref="TimelineEvent.Term"/> is the new one.</summary>
    Term,

    /// <summary>The node took a role (<see cref="TimelineEvent.State"/> is <c>station</c> or <c>satellite</c>).</summary>
    Role,

    /// <summary>The coordinator started on the node with <see cref="TimelineEvent.Epoch"/>.</summary>
    CoordinatorStarted,

    /// <summary>The node's coordinator stopped.</summary>
    CoordinatorStopped,

    /// <summary>This satellite's announcement was acknowledged, in <see cref="TimelineEvent.Epoch"/>, by <see cref="TimelineEvent.Detail"/>.</summary>
    Acknowledged,

    /// <summary>The process died (kill, crash, torn write).</summary>
    Crash,

    /// <summary>The process stopped cleanly (SIGTERM).</summary>
    Stop,

    /// <summary>The process started again from its data dir.</summary>
    Restart,

    /// <summary>The process was paused (SIGSTOP, a stall).</summary>
    Pause,

    /// <summary>The paused process runs again.</summary>
    Resume,

    /// <summary>The network was cut; <see cref="TimelineEvent.Detail"/> says how. Not tied to one node.</summary>
    Partition,

    /// <summary>The network is whole again. Not tied to one node.</summary>
    PartitionHealed,

    /// <summary>Faults stop. Not tied to one node.</summary>
    Heal,

    /// <summary>A checker found a broken invariant; <see cref="TimelineEvent.Detail"/> says which.</summary>
    Violation,
}
