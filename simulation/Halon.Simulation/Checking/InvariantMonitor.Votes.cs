using Halon.Core.Identity;
using Halon.Core.Persistence;

namespace Halon.Simulation.Checking;

/// <summary>
/// Votes and campaigns, judged from what nodes sent: one vote per node per term across restarts (a vote that was not
/// durable shows up as a second one), and the withholding rule of the lease argument: no (pre-)vote and no campaign
/// within E ticks of the node's last acceptance of a master's AppendEntries, or of its restart as a station peer.
/// Ticks are the node's own clock, counted per generation (a restart starts again at 0).
/// </summary>
public sealed partial class InvariantMonitor
{
    private readonly Dictionary<(NodeId Voter, long Term), NodeId> _votesCast = new();
    private readonly Dictionary<NodeId, MasterContact> _contacts = new();

    /// <summary>The protocol's election timeout E, in ticks; the withholding window.</summary>
    public int ElectionTimeoutTicks { get; set; } = 15;

    /// <summary>A node accepted an AppendEntries from <paramref name="master"/> of <paramref name="term"/> at its tick <paramref name="tick"/>.</summary>
    public void ObserveMasterContact(NodeId node, int generation, long tick, NodeId master, long term) =>
        _contacts[node] = new MasterContact(generation, tick, master, term);

    /// <summary>
    /// A station peer (re)started in <paramref name="generation"/>: it may have acknowledged a heartbeat just before it
    /// crashed, so its start counts as a contact at tick 0.
    /// </summary>
    public void ObserveStationStart(NodeId node, int generation) =>
        _contacts[node] = new MasterContact(generation, 0, null, 0);

    /// <summary><paramref name="voter"/> granted a (pre-)vote for <paramref name="candidate"/> in <paramref name="term"/> at its tick.</summary>
    public void ObserveVoteGranted(NodeId voter, int generation, long tick, long term, NodeId candidate, bool preVote)
    {
        if (!preVote && !RecordVote(voter, term, candidate))
        {
            return; // The same vote again (a duplicated request): not a new vote.
        }

        CheckWithholding(voter, generation, tick, preVote ? $"granted a pre-vote to {candidate} for term {term}" : $"voted for {candidate} in term {term}");
    }

    /// <summary><paramref name="node"/> started a (pre-)campaign for <paramref name="term"/> at its tick: a vote for itself.</summary>
    public void ObserveCampaign(NodeId node, int generation, long tick, long term, bool preVote)
    {
        if (!preVote)
        {
            RecordVote(node, term, node);
        }

        CheckWithholding(node, generation, tick, preVote ? $"asked for pre-votes for term {term}" : $"campaigned in term {term}");
    }

    /// <summary>Records a vote; returns false when it repeats the vote already cast in that term.</summary>
    private bool RecordVote(NodeId voter, long term, NodeId candidate)
    {
        if (_votesCast.TryGetValue((voter, term), out var earlier))
        {
            if (!earlier.Equals(candidate))
            {
                Report(Invariant.ElectionSafety, $"{voter} voted twice in term {term}: for {earlier}, then for {candidate} (a vote that was not durable, or a vote granted twice)");
            }

            return false;
        }

        _votesCast[(voter, term)] = candidate;
        NoteVoteFor(voter, term, candidate);
        return true;
    }

    private void CheckWithholding(NodeId node, int generation, long tick, string what)
    {
        if (!_contacts.TryGetValue(node, out var contact) || contact.Generation != generation)
        {
            return;
        }

        var since = tick - contact.Tick;
        if (since < ElectionTimeoutTicks)
        {
            var from = contact.Master is null
                ? $"its restart at tick {contact.Tick}"
                : $"accepting a heartbeat of master {contact.Master} (term {contact.Term}) at tick {contact.Tick}";
            Report(Invariant.LeaseRule, $"{node} {what} {since} ticks after {from}; no vote within E = {ElectionTimeoutTicks} ticks of a live master");
        }
    }

    /// <summary>
    /// Leader completeness: <paramref name="node"/> became master of <paramref name="term"/> holding
    /// <paramref name="log"/>; every entry committed in an earlier term must be in it. (A master of an older term,
    /// elected late by delayed votes, need not hold entries committed in later terms; it cannot commit anything.)
    /// </summary>
    public void ObserveMaster(NodeId node, long term, IReadOnlyList<LogEntry> log, long firstIndex = 1, Snapshot? snapshot = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        ObserveMaster(node, term);
        if (snapshot is not null)
        {
            // The compacted prefix is the snapshot's: its last entry must be the committed one at that index.
            ObserveSnapshot(node, snapshot);
        }

        for (var index = (int)firstIndex; index <= _committed.Count; index++)
        {
            var committed = _committed[index - 1];
            if (_commitTerms[index - 1] >= term)
            {
                continue;
            }

            var held = index - firstIndex < log.Count ? log[(int)(index - firstIndex)] : null;
            if (held is null || held.Term != committed.Term || !held.Command.Equals(committed.Command))
            {
                Report(Invariant.LogMatching, $"{node} became master of term {term} without the committed entry {index} ({committed.Command}, term {committed.Term}); it holds {(held is null ? "nothing there" : $"{held.Command} of term {held.Term}")}");
                return;
            }
        }
    }

    private readonly record struct MasterContact(int Generation, long Tick, NodeId? Master, long Term);
}
