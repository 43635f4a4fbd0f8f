using Halon.Core.Identity;

namespace Halon.Simulation.Checking;

/// <summary>
/// The lease, judged by real (simulated) time rather than by what the master believes, and check-quorum judged by what
/// was really delivered to the master.
/// </summary>
public sealed partial class InvariantMonitor
{
    private readonly HashSet<(NodeId Node, long Epoch)> _leaseReported = new();
    private readonly Dictionary<NodeId, MasterAnswers> _answers = new();

    /// <summary>
    /// The shortest real time a tick may take on any node (the fastest clock the drift bound allows), in the same
    /// units as the times passed to <see cref="ObserveAuthority"/>.
    /// </summary>
    public long TickPeriodMin { get; set; } = 1000;

    /// <summary>
    /// The coordinator of <paramref name="epoch"/> on <paramref name="node"/> keeps its authority until at least
    /// <paramref name="authorityUntil"/> (real time: the moment its clock reaches its lease end, or its next tick),
    /// and its lease rests on the heartbeat sent no earlier than <paramref name="leaseStart"/> (the moment its clock
    /// reached the lease's start tick). A follower that acknowledged that heartbeat may vote again only E ticks of its
    /// own later, which with the fastest legal clock is leaseStart + (E − 1) · <see cref="TickPeriodMin"/>; authority
    /// past that point is a lease that outlives the drift bound.
    /// </summary>
    public void ObserveAuthority(NodeId node, long epoch, long authorityUntil, long leaseStart, long timeUnitsPerTick)
    {
        var horizon = leaseStart + ((ElectionTimeoutTicks - 1) * TickPeriodMin);
        if (authorityUntil > horizon && _leaseReported.Add((node, epoch)))
        {
            Report(Invariant.LeaseRule, $"the coordinator of epoch {epoch} on {node} keeps its authority until tick {(double)authorityUntil / timeUnitsPerTick:0.000}, past tick {(double)horizon / timeUnitsPerTick:0.000}, the earliest that a follower which acknowledged its heartbeat of tick {(double)leaseStart / timeUnitsPerTick:0.000} may vote again with every clock within the drift bound");
        }
    }

    /// <summary>
    /// An AppendEntries (or InstallSnapshot) answer of <paramref name="term"/> from <paramref name="from"/> reached
    /// master <paramref name="master"/> at its tick; a successful one says that <paramref name="from"/> holds the
    /// master's entries up to <paramref name="matchIndex"/> (-1: it says nothing of them).
    /// </summary>
    public void ObserveMasterAnswer(NodeId master, long term, NodeId from, long masterTick, long matchIndex = -1)
    {
        if (_answers.TryGetValue(master, out var answers) && answers.Term == term)
        {
            answers.LastTick[from] = masterTick;
            if (matchIndex > answers.Match.GetValueOrDefault(from))
            {
                answers.Match[from] = matchIndex;
            }
        }
    }

    /// <summary><paramref name="node"/> became master of <paramref name="term"/> at its tick; answers are counted from now.</summary>
    public void ObserveMasterStart(NodeId node, long term, long tick) =>
        _answers[node] = new MasterAnswers(term, tick, new Dictionary<NodeId, long>());

    /// <summary>
    /// Check-quorum: master <paramref name="node"/> of <paramref name="term"/> is still master after its tick
    /// <paramref name="tick"/>. A majority of <paramref name="voters"/>, the voters of the configuration it has in
    /// force (itself counting when it is one of them), must have answered within E ticks, counted from when it became
    /// master.
    /// </summary>
    public void ObserveMasterTick(NodeId node, long term, long tick, IReadOnlyList<NodeId> voters)
    {
        ArgumentNullException.ThrowIfNull(voters);
        if (!_answers.TryGetValue(node, out var answers) || answers.Term != term || answers.Reported || voters.Count == 0)
        {
            return;
        }

        Span<long> heard = stackalloc long[voters.Count];
        for (var i = 0; i < voters.Count; i++)
        {
            heard[i] = voters[i].Equals(node)
                ? tick
                : Math.Max(answers.LastTick.GetValueOrDefault(voters[i], answers.BecameMasterTick), answers.BecameMasterTick);
        }

        var majorityHeard = Halon.Core.Quorum.MajorityValue(heard);
        if (tick - majorityHeard > ElectionTimeoutTicks)
        {
            answers.Reported = true;
            Report(Invariant.LeaseRule, $"{node} still leads term {term} at its tick {tick}, but no majority has answered it since its tick {majorityHeard}: check-quorum must step down after E = {ElectionTimeoutTicks} ticks");
        }
    }

    private sealed class MasterAnswers(long term, long becameMasterTick, Dictionary<NodeId, long> lastTick)
    {
        public long Term { get; } = term;

        public long BecameMasterTick { get; } = becameMasterTick;

        public Dictionary<NodeId, long> LastTick { get; } = lastTick;

        /// <summary>The highest index each node said it holds, by the successful answers delivered in this term.</summary>
        public Dictionary<NodeId, long> Match { get; } = new();

        public bool Reported { get; set; }
    }
}
