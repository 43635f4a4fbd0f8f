using Halon.Core.Identity;
using Halon.Core.Persistence;

namespace Halon.Simulation.Checking;

/// <summary>
/// Station membership, judged from what the nodes hold and decide (their logs, their configuration in force, their
/// votes and the answers delivered to them), never from the core's bookkeeping of its own changes:
/// <list type="bullet">
/// <item>config-change: two configurations in a row in any node's log differ by at most one voter, and no log holds
/// two configuration entries beyond the commit (at most one change in flight);</item>
/// <item>config-agreement: a node's configuration in force is the newest its log (or snapshot) holds, a committed one
/// is the one committed at its index, and a committed configuration that leaves a node out leaves it no mastership;</item>
/// <item>quorum-intersection: every election win, every commit by counting and every live lease rests on a majority
/// of the deciding node's configuration, and that configuration's majorities meet those of every other live
/// coordinator's configuration and of the newest committed configuration.</item>
/// </list>
/// </summary>
public sealed partial class InvariantMonitor
{
    private readonly Dictionary<(NodeId Candidate, long Term), List<NodeId>> _votesFor = new();
    private StationConfig? _bootstrapConfig;
    private readonly List<long> _committedConfigIndexes = new();
    private StationConfig? _committedConfig;
    private long _committedConfigIndex;

    /// <summary>The newest configuration known committed (the bootstrap peer set until a change commits), or null.</summary>
    public StationConfig? CommittedConfiguration => _committedConfig ?? _bootstrapConfig;

    /// <summary>The index of <see cref="CommittedConfiguration"/> (0: the bootstrap peer set).</summary>
    public long CommittedConfigurationIndex => _committedConfigIndex;

    /// <summary>The station was bootstrapped with <paramref name="config"/>: its configuration at index 0.</summary>
    public void ObserveStationBootstrap(StationConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _bootstrapConfig = config;
    }

    /// <summary>
    /// Whether every majority of <paramref name="a"/>'s voters meets every majority of <paramref name="b"/>'s. Two
    /// majorities avoid each other only inside the common voters: a majority of A takes at least
    /// max(0, |A| majority − |A \ B|) of them and one of B at least max(0, |B| majority − |B \ A|), and they can be
    /// disjoint exactly when those two fit in A ∩ B together. Equal sets always meet; sets one voter apart always meet;
    /// two voters apart (a 3-set and a 5-set around it, or a replacement in one step) can miss.
    /// </summary>
    public static bool MajoritiesIntersect(PeerSet a, PeerSet b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var common = a.Members.Count(b.Contains);
        var onlyA = a.Count - common;
        var onlyB = b.Count - common;
        var forcedA = Math.Max(0, a.Majority - onlyA);
        var forcedB = Math.Max(0, b.Majority - onlyB);
        return forcedA + forcedB > common;
    }

    /// <summary>How many voters differ between two configurations (added plus removed).</summary>
    public static int VoterDistance(StationConfig a, StationConfig b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return a.Voters.Members.Count(v => !b.Voters.Contains(v)) + b.Voters.Members.Count(v => !a.Voters.Contains(v));
    }

    /// <summary>
    /// config-change: <paramref name="node"/> wrote its log from <paramref name="fromIndex"/> on; <paramref name="log"/>
    /// is its whole log (first index <paramref name="firstIndex"/>; a node may keep entries its snapshot covers). Every
    /// configuration entry written must differ by at most one voter from the configuration before it in that log, or
    /// for the first one from the configuration in force at <paramref name="firstIndex"/> − 1 (the bootstrap peer set
    /// at 0; the one committed there; or the snapshot's, <paramref name="snapshotConfig"/>, when the snapshot ends
    /// there). And the log may hold at most one configuration entry beyond the commit (the node's own commit index or
    /// any commit observed anywhere, whichever is higher): a second one is a second change in flight.
    /// </summary>
    public void ObserveLogWrite(NodeId node, IReadOnlyList<LogEntry> log, long firstIndex, StationConfig? snapshotConfig, long snapshotIndex, long fromIndex, long commitIndex)
    {
        ArgumentNullException.ThrowIfNull(log);
        var baseIndex = firstIndex - 1;
        var baseConfig = baseIndex == 0 ? _bootstrapConfig
            : baseIndex <= _committed.Count ? CommittedConfigurationAt(baseIndex).Config
            : snapshotIndex == baseIndex ? snapshotConfig
            : null;
        for (var i = (int)Math.Max(0, fromIndex - firstIndex); i < log.Count; i++)
        {
            if (log[i].Command is not StationConfigCommand written)
            {
                continue;
            }

            var (previous, previousIndex) = ConfigurationBefore(log, i, baseConfig, baseIndex);
            if (previous is null)
            {
                continue; // What was in force before the log is not known yet.
            }

            var distance = VoterDistance(previous, written.Config);
            if (distance > 1)
            {
                Report(Invariant.ConfigurationChange, $"{node}'s log holds configuration {written.Config} at index {log[i].Index} (term {log[i].Term}) right after {previous} at index {previousIndex}: {distance} voters apart, where a change may move one");
                return;
            }
        }

        var committed = Math.Max(commitIndex, _committed.Count);
        List<LogEntry>? inFlight = null;
        for (var i = log.Count - 1; i >= 0 && log[i].Index > committed; i--)
        {
            if (log[i].Command is StationConfigCommand)
            {
                (inFlight ??= new()).Add(log[i]);
            }
        }

        if (inFlight is { Count: > 1 })
        {
            var entries = string.Join(" and ", inFlight.AsEnumerable().Reverse().Select(e => $"{((StationConfigCommand)e.Command).Config} at index {e.Index} (term {e.Term})"));
            Report(Invariant.ConfigurationChange, $"{node}'s log holds {inFlight.Count} configuration entries beyond the commit (index {committed}): {entries}; at most one change may be in flight");
        }
    }

    /// <summary>
    /// config-agreement: <paramref name="node"/>'s configuration in force is <paramref name="config"/>, set by the entry
    /// at <paramref name="index"/>. It must be the newest configuration its log holds, at that index; with none in the
    /// log, its snapshot's (<paramref name="snapshotConfig"/>, whose entry is at or below <paramref name="snapshotIndex"/>;
    /// <see cref="ObserveSnapshot"/> holds it to the committed one there); with no snapshot either, the peer set it was
    /// started with, at index 0. When the entry is committed (<paramref name="index"/> ≤ <paramref name="commitIndex"/>),
    /// it must be the configuration committed at that index everywhere; and if the configuration leaves the node out,
    /// the node must not lead (<paramref name="leads"/>: master, or running a coordinator).
    /// </summary>
    public void ObserveConfigurationInForce(NodeId node, StationConfig config, long index, IReadOnlyList<LogEntry> log, StationConfig? snapshotConfig, long snapshotIndex, long commitIndex, bool leads)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(log);
        var (newest, newestIndex) = ConfigurationBefore(log, log.Count, null, 0);
        string? mismatch = newest is not null
            ? newestIndex != index || !newest.Equals(config) ? $"the newest its log holds is {newest} (index {newestIndex})" : null
            : snapshotConfig is not null
                ? index > snapshotIndex || !snapshotConfig.Equals(config) ? $"its log holds none, and its snapshot (index {snapshotIndex}) holds {snapshotConfig}" : null
                : index != 0 ? "neither its log nor a snapshot holds one (the peer set it started with is in force, at index 0)" : null;
        if (mismatch is not null)
        {
            Report(Invariant.ConfigurationAgreement, $"{node}'s configuration in force is {config} (index {index}), but {mismatch}: a configuration takes effect when appended and is undone when cut away");
            return;
        }

        if (newest is not null && index <= commitIndex && index <= _committed.Count)
        {
            var committed = _committed[(int)(index - 1)];
            if (committed.Command is not StationConfigCommand agreed || !agreed.Config.Equals(config))
            {
                Report(Invariant.ConfigurationAgreement, $"{node}'s committed configuration {config} (index {index}) is not the entry committed there: {committed.Command} (term {committed.Term})");
                return;
            }
        }

        if (index <= commitIndex && leads && !config.Contains(node))
        {
            Report(Invariant.ConfigurationAgreement, $"{node} still leads (master or coordinator) under the committed configuration {config} (index {index}), which leaves it out; it must step down once the change commits");
        }
    }

    /// <summary>
    /// quorum-intersection of an election: <paramref name="node"/> became master of <paramref name="term"/> with
    /// <paramref name="config"/> in force. It must be one of its voters, and the votes cast for it in that term (durable
    /// votes, its own included) by voters of <paramref name="config"/> must make a majority of them.
    /// </summary>
    public void ObserveElectionWin(NodeId node, long term, StationConfig config, IReadOnlyList<(NodeId Node, StationConfig Config)> liveCoordinators)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!config.IsVoter(node))
        {
            Report(Invariant.QuorumIntersection, $"{node} won term {term} but is no voter of its configuration {config}");
            return;
        }

        var votes = _votesFor.TryGetValue((node, term), out var cast) ? cast.Where(config.IsVoter).ToArray() : [];
        if (votes.Length < config.Majority)
        {
            Report(Invariant.QuorumIntersection, $"{node} won term {term} with the votes of {(votes.Length == 0 ? "none" : string.Join(", ", votes.Select(v => v.Host)))} among the voters of its configuration {config}: {votes.Length} of the {config.Majority} a majority needs");
            return;
        }

        ObserveDecision(node, "election", term, config, liveCoordinators, againstCommitted: false);
    }

    /// <summary>
    /// quorum-intersection of a commit: master <paramref name="node"/> of <paramref name="term"/> committed up to
    /// <paramref name="toIndex"/> by counting. Counting uses the configuration in force when it counts, which is
    /// <paramref name="before"/> (in force before the step) or <paramref name="after"/> (a configuration the master
    /// appended in the same step, before or after counting): for one of them, the voters that said they hold
    /// <paramref name="toIndex"/> in this term (answers delivered to the master; the master itself when it votes) must
    /// make a majority. That configuration is then the commit's, for <see cref="ObserveDecision"/>.
    /// </summary>
    public void ObserveCommitDecision(NodeId node, long term, long toIndex, StationConfig before, StationConfig after, IReadOnlyList<(NodeId Node, StationConfig Config)> liveCoordinators)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var answers = _answers.TryGetValue(node, out var a) && a.Term == term ? a : null;
        int Holding(StationConfig config) => config.Voters.Members.Count(v => v.Equals(node) || (answers is not null && answers.Match.GetValueOrDefault(v, -1) >= toIndex));
        var used = Holding(after) >= after.Majority ? after : Holding(before) >= before.Majority ? before : null;
        if (used is null)
        {
            Report(Invariant.QuorumIntersection, $"{node} committed up to index {toIndex} in term {term}, but only {Holding(after)} of the voters of its configuration {after} said they hold it (a majority is {after.Majority}){(before.Equals(after) ? string.Empty : $", and {Holding(before)} of {before}")}");
            return;
        }

        ObserveDecision(node, "commit", term, used, liveCoordinators, againstCommitted: true);
    }

    /// <summary>
    /// quorum-intersection: <paramref name="node"/> decided (<paramref name="decision"/>: an election, a commit, a live
    /// lease) on a majority of <paramref name="config"/>. Every majority of it must meet every majority of the
    /// configuration of every other coordinator that may still run (<paramref name="liveCoordinators"/>, live by its
    /// node's clock), and, with <paramref name="againstCommitted"/> (commits and leases, which need answers in the
    /// current term, unlike a late election win in an old term), of the newest committed configuration.
    /// </summary>
    public void ObserveDecision(NodeId node, string decision, long term, StationConfig config, IReadOnlyList<(NodeId Node, StationConfig Config)> liveCoordinators, bool againstCommitted)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(liveCoordinators);
        foreach (var (other, otherConfig) in liveCoordinators)
        {
            if (!other.Equals(node) && !MajoritiesIntersect(config.Voters, otherConfig.Voters))
            {
                Report(Invariant.QuorumIntersection, $"the {decision} of {node} in term {term} rests on a majority of {config.Voters}, which need not meet a majority of {otherConfig.Voters}, the configuration of the coordinator that may still run on {other}");
                return;
            }
        }

        if (againstCommitted && CommittedConfiguration is { } committed && !MajoritiesIntersect(config.Voters, committed.Voters))
        {
            Report(Invariant.QuorumIntersection, $"the {decision} of {node} in term {term} rests on a majority of {config.Voters}, which need not meet a majority of {committed.Voters}, the newest committed configuration (index {_committedConfigIndex})");
        }
    }

    /// <summary>Records a vote for the election check (called once per new vote).</summary>
    private void NoteVoteFor(NodeId voter, long term, NodeId candidate)
    {
        if (!_votesFor.TryGetValue((candidate, term), out var voters))
        {
            _votesFor[(candidate, term)] = voters = new List<NodeId>();
        }

        voters.Add(voter);
    }

    /// <summary>A newly committed entry: the newest committed configuration follows it.</summary>
    private void NoteCommitted(LogEntry entry)
    {
        if (entry.Command is StationConfigCommand configured)
        {
            _committedConfig = configured.Config;
            _committedConfigIndex = entry.Index;
            _committedConfigIndexes.Add(entry.Index);
        }
    }

    /// <summary>
    /// config-agreement for a snapshot at <paramref name="index"/> that holds <paramref name="config"/>: it must be the
    /// newest configuration committed at or below that index (the bootstrap peer set when none is).
    /// </summary>
    private void CheckSnapshotConfiguration(NodeId node, long index, StationConfig config)
    {
        if (index > _committed.Count || _bootstrapConfig is null)
        {
            return; // Not known committed that far yet (a commit observed later is checked against the log).
        }

        var (expected, at) = CommittedConfigurationAt(index);
        if (expected is not null && !expected.Equals(config))
        {
            Report(Invariant.ConfigurationAgreement, $"{node} holds a snapshot at index {index} with configuration {config}, where the newest configuration committed at or below it is {expected} (index {at})");
        }
    }

    /// <summary>The newest configuration committed at or below <paramref name="index"/> (known committed), else the bootstrap one.</summary>
    private (StationConfig? Config, long Index) CommittedConfigurationAt(long index)
    {
        var position = _committedConfigIndexes.BinarySearch(index);
        position = position >= 0 ? position : ~position - 1;
        return position >= 0
            ? (((StationConfigCommand)_committed[(int)(_committedConfigIndexes[position] - 1)].Command).Config, _committedConfigIndexes[position])
            : (_bootstrapConfig, 0);
    }

    /// <summary>The newest configuration among <paramref name="log"/>[0..<paramref name="position"/>), else the base.</summary>
    private static (StationConfig? Config, long Index) ConfigurationBefore(IReadOnlyList<LogEntry> log, int position, StationConfig? baseConfig, long baseIndex)
    {
        for (var i = position - 1; i >= 0; i--)
        {
            if (log[i].Command is StationConfigCommand command)
            {
                return (command.Config, log[i].Index);
            }
        }

        return (baseConfig, baseIndex);
    }
}
