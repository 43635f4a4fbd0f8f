using Halon.Core;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Protocol;

namespace Halon.Simulation.Harness;

/// <summary>One simulated machine: the protocol node while it is up, and its disk, which outlives crashes.</summary>
internal sealed class SimNode
{
    public SimNode(int index, NodeId id, bool isPeer, SimRandom random, HostFacts facts)
    {
        Index = index;
        Id = id;
        IsPeer = isPeer;
        Random = random;
        Facts = facts;
    }

    public int Index { get; }

    public NodeId Id { get; }

    public bool IsPeer { get; }

    /// <summary>The node's own random stream (election and back-off jitter); it carries on across restarts.</summary>
    public SimRandom Random { get; }

    public HostFacts Facts { get; }

    public SimDisk Disk { get; } = new();

    /// <summary>The running protocol node, or null while crashed.</summary>
    public HalonNode? Node { get; set; }

    /// <summary>Time units between this node's ticks: 1000 nominal, up to 1099 with drift (ρ = 1.1).</summary>
    public long TickPeriod { get; set; } = Simulation.TimeUnitsPerTick;

    /// <summary>Bumped at every crash, so that events scheduled for the old process are ignored.</summary>
    public int Generation { get; set; }

    public bool Alive => Node is not null;

    /// <summary>
    /// With lazy satellite ticks: the satellite sleeps through ticks that would do nothing. Its regular tick events
    /// stopped; the one for its next timer, if it runs one, is queued. The ticks that fall due meanwhile are issued in
    /// one burst (<see cref="Simulation"/>'s Wake) before its next input, or when that timer falls due.
    /// </summary>
    public bool Dormant { get; set; }

    /// <summary>While <see cref="Dormant"/>: the time of the last tick it processed.</summary>
    public long DormantFrom { get; set; }

    /// <summary>Bumped when the node goes to sleep or wakes, so that a tick event already scheduled is ignored.</summary>
    public int TickToken { get; set; }

    /// <summary>While paused, until this time; 0 when running.</summary>
    public long PausedUntil { get; set; }

    /// <summary>Ticks that fell due during a pause, delivered in one burst on resume (monotonic-clock catch-up).</summary>
    public int MissedTicks { get; set; }

    /// <summary>
    /// The node's clock as real time sees it: the ticks it processed plus those due but not yet processed. A
    /// coordinator's authority ends when this passes its lease end, whether or not the paused process noticed.
    /// </summary>
    public long ClockTicks => (Node?.Now ?? 0) + MissedTicks;

    /// <summary>Whether a coordinator runs here with a lease that has not lapsed by this node's clock.</summary>
    public bool HasLiveCoordinator => Node is { CoordinatorRunning: true } node && ClockTicks < node.LeaseEndTick;

    /// <summary>For a satellite: whether its current incarnation is acknowledged.</summary>
    public bool AcknowledgedCurrent { get; set; }

    /// <summary>
    /// Real time at which each of this generation's ticks fell due: index 0 is the start of the process, index j the
    /// moment its clock reached j (whether or not a pause delayed processing it).
    /// </summary>
    public List<long> TickDueTimes { get; } = new() { 0 };

    /// <summary>
    /// While master: per peer (indexed like the peer set), the newest LeaderTick echoed in an answer of its term that
    /// reached it; the ground truth of its lease, independent of its own bookkeeping.
    /// </summary>
    public long[] EchoedLeaderTicks { get; set; } = Array.Empty<long>();

    /// <summary>The term whose answers <see cref="EchoedLeaderTicks"/> counts (0: none).</summary>
    public long EchoedTerm { get; set; }

    /// <summary>For a satellite: the highest epoch of any coordinator message delivered to this generation.</summary>
    public long HighestEpochDelivered { get; set; }

    /// <summary>A targeted fault armed on this node: crash right after its next batch that acknowledges something.</summary>
    public bool CrashAfterNextAcknowledgement { get; set; }

    /// <summary>A targeted fault armed on a master: crash right after persisting its next entries, before sending them.</summary>
    public bool CrashAfterNextAppend { get; set; }

    /// <summary>A targeted fault armed on a master: crash right after persisting its next commit advance, before sending.</summary>
    public bool CrashAfterNextCommit { get; set; }

    /// <summary>Armed with <see cref="CrashAfterNextAppend"/> as one of a group: the first of the group to crash disarms the rest.</summary>
    public bool ArmedAsNextMaster { get; set; }

    /// <summary>With an armed crash after an append or a commit: what to do when the node restarts, or null.</summary>
    public Action? OnArmedRestart { get; set; }

    /// <summary>With an armed crash: the restart delay, in ticks.</summary>
    public double ArmedRestartDelayTicks { get; set; }

    /// <summary>An action to run when the armed crash happens (a targeted nemesis step), or null.</summary>
    public Action? OnArmedCrash { get; set; }

    /// <summary>The supervisor state after the node's last drained batch (None while down): the state before a step.</summary>
    public SupervisorState LastState { get; set; }

    /// <summary>The term after the node's last drained batch.</summary>
    public long LastTerm { get; set; }

    /// <summary>The configuration in force after the node's last drained batch (null while down or not a peer).</summary>
    public StationConfig? LastConfig { get; set; }

    /// <summary>The index of <see cref="LastConfig"/>.</summary>
    public long LastConfigIndex { get; set; }

    /// <summary>While its batch's effects are observed: the term the node leads as master at that point, or 0.</summary>
    public long LeadingTerm { get; set; }
}
