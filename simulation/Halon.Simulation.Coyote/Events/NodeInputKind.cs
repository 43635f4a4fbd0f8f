namespace Halon.Simulation.Coyote.Events;

/// <summary>What a <see cref="NodeInput"/> asks of a node actor.</summary>
public enum NodeInputKind
{
    /// <summary>Time passed: catch the core up with the node's clock.</summary>
    Tick,

    /// <summary>A message arrived.</summary>
    Deliver,

    /// <summary>halonctl's bootstrap command (idempotent): become a station peer or a satellite.</summary>
    Bootstrap,

    /// <summary>The coordinator process dies, if one runs here; the supervisor restarts it.</summary>
    CrashCoordinator,

    /// <summary>The node crashes: volatile state and queued inputs are lost, the disk is kept.</summary>
    Crash,

    /// <summary>A crashed node restarts from its disk (autoboot).</summary>
    Restart,

    /// <summary>The process stops (GC, SIGSTOP): inputs queue up unprocessed while its clock runs on.</summary>
    Pause,

    /// <summary>A paused process continues: it catches up on its clock, then handles what queued up.</summary>
    Resume,

    /// <summary>The node's next persisting batch is written, and then the node crashes before sending it.</summary>
    ArmPersistCrash,

    /// <summary>
    /// The node crashes right after its next batch that acknowledges something (a vote, an append, a satellite) has
    /// left, and restarts soon after: the targeted fault that the lease's withholding rule must survive.
    /// </summary>
    ArmAcknowledgementCrash,

    /// <summary>The heal: a crashed node restarts, a paused one resumes, an armed crash is disarmed.</summary>
    Heal,

    /// <summary>The operator tells this node (no role, or a peer that left) to join the station.</summary>
    Join,

    /// <summary>The operator asks this node to change the station's peers (<see cref="NodeInput.Change"/>).</summary>
    ChangeStation,
}
