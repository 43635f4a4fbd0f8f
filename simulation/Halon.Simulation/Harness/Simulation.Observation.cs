using Halon.Core;
using Halon.Core.Messages;
using Halon.Core.Protocol;
using Halon.Simulation.Checking;

namespace Halon.Simulation.Harness;

/// <summary>
/// What the checkers learn from each step, judged by what really happened (what was delivered and sent), never by the
/// node's own bookkeeping alone.
/// </summary>
public sealed partial class Simulation
{
    /// <summary>What a node looked like before it stepped a message, for the checks that compare before and after.</summary>
    private readonly record struct StepWitness(
        bool Stale,
        long Term,
        SupervisorState State,
        string? Leader,
        long CommitIndex,
        long LastLogIndex,
        long LastLogTerm,
        bool Acknowledged,
        long Incarnation)
    {
        public static StepWitness Before(HalonNode node, Message message) => new(
            message is StationMessage { Term: var term } and not PeerProbe && node.Role == NodeRole.Station && term < node.Term,
            node.Term,
            node.State,
            node.Leader?.Value,
            node.CommitIndex,
            node.LastLogIndex,
            node.LastLogTerm,
            node.AnnouncementAcknowledged,
            node.Incarnation);

        public string? ChangeAfter(HalonNode node)
        {
            var lastLogTerm = node.LastLogTerm;
            if (node.Term != Term)
            {
                return $"its term went from {Term} to {node.Term}";
            }

            if (node.State != State || node.Leader?.Value != Leader)
            {
                return $"it went from {State} (master {Leader ?? "none"}) to {node.State} (master {node.Leader?.Value ?? "none"})";
            }

            if (node.CommitIndex != CommitIndex)
            {
                return $"its commit index went from {CommitIndex} to {node.CommitIndex}";
            }

            return node.LastLogIndex != LastLogIndex || lastLogTerm != LastLogTerm
                ? $"its log went from {LastLogIndex}@{LastLogTerm} to {node.LastLogIndex}@{lastLogTerm}"
                : null;
        }
    }

    private void ObserveStep(SimNode node, HalonNode protocolNode, Message message, StepResult result, StepWitness before)
    {
        if (before.Stale && before.ChangeAfter(protocolNode) is { } change)
        {
            _monitor.Report(Invariant.StaleMessage, $"{node.Id} in term {before.Term} acted on {message.GetType().Name} of older term {((StationMessage)message).Term} from {message.From}: {change}");
        }

        if (message is NodeUpAck or NodeUpOutdated && protocolNode.Role == NodeRole.Satellite && _indexOf[message.From] < _stationNodes)
        {
            // Fencing is judged against every coordinator word delivered, handled or dropped.
            ObserveFence(node, protocolNode, message, before);
        }

        if (message is InstallSnapshot install && result.DropCategory is DropCategory.None or DropCategory.Outdated
            && protocolNode.State == SupervisorState.Follower && protocolNode.Term == install.Term && install.From.Equals(protocolNode.Leader))
        {
            // Every chunk of the master's term resets the follower's timer, in order or not (it answers either way).
            _monitor.ObserveMasterContact(node.Id, node.Generation, protocolNode.Now, install.From, install.Term);
        }

        // Answers count by the state the master stepped them in: the answer that commits a master's own removal also
        // ends its mastership.
        if (message is InstallSnapshotResponse installAnswer && result.Accepted && before.State == SupervisorState.Master && installAnswer.Term == before.Term)
        {
            ObserveAnswer(node, protocolNode, installAnswer.From, installAnswer.Term, installAnswer.LeaderTick, installAnswer.Installed ? installAnswer.LastIncludedIndex : -1);
        }

        if (!result.Accepted)
        {
            return;
        }

        switch (message)
        {
            case AppendEntries append when protocolNode.State == SupervisorState.Follower && protocolNode.Term == append.Term && append.From.Equals(protocolNode.Leader):
                _monitor.ObserveMasterContact(node.Id, node.Generation, protocolNode.Now, append.From, append.Term);
                break;
            case AppendEntriesResponse answer when before.State == SupervisorState.Master && answer.Term == before.Term:
                ObserveAnswer(node, protocolNode, answer.From, answer.Term, answer.LeaderTick, answer.Success ? answer.MatchIndex : -1);
                break;
            default:
                break;
        }
    }

    /// <summary>A master heard an answer that echoes one of its ticks (an AppendEntries or InstallSnapshot answer).</summary>
    private void ObserveAnswer(SimNode node, HalonNode protocolNode, Halon.Core.Identity.NodeId answerFrom, long term, long leaderTick, long matchIndex)
    {
        _monitor.ObserveMasterAnswer(node.Id, term, answerFrom, protocolNode.Now, matchIndex);
        if (node.EchoedTerm == term && _indexOf.TryGetValue(answerFrom, out var from) && from < node.EchoedLeaderTicks.Length)
        {
            node.EchoedLeaderTicks[from] = Math.Max(node.EchoedLeaderTicks[from], leaderTick);
        }
    }

    /// <summary>Fencing: a satellite must not act on a coordinator's word older than the newest epoch it was sent.</summary>
    private void ObserveFence(SimNode node, HalonNode protocolNode, Message message, StepWitness before)
    {
        var epoch = message switch
        {
            NodeUpAck ack => ack.Epoch,
            NodeUpOutdated outdated => outdated.Epoch,
            _ => 0,
        };
        var acted = (!before.Acknowledged && protocolNode.AnnouncementAcknowledged) || protocolNode.Incarnation != before.Incarnation;
        if (acted && epoch < node.HighestEpochDelivered)
        {
            _monitor.Report(Invariant.Fencing, $"{node.Id} acted on a {message.GetType().Name} of epoch {epoch} from {message.From} after a coordinator of epoch {node.HighestEpochDelivered} had written to it");
        }

        node.HighestEpochDelivered = Math.Max(node.HighestEpochDelivered, epoch);
    }

    /// <summary>
    /// Persist before send, judged against the simulated disk: whatever a message vouches for (its sender's term, a
    /// vote, a candidate's own vote, an append's match) must already be durable when it leaves.
    /// </summary>
    private void CheckDurable(SimNode node, Message message)
    {
        var disk = node.Disk;
        string? missing = message switch
        {
            VoteResponse { Granted: true, PreVote: false } vote when disk.HardState.Term != vote.Term || !vote.To.Equals(disk.HardState.VotedFor) =>
                $"a vote for {vote.To} in term {vote.Term}, while its disk holds term {disk.HardState.Term} and vote {disk.HardState.VotedFor?.ToString() ?? "none"}",
            VoteRequest { PreVote: false } request when disk.HardState.Term != request.Term || !request.From.Equals(disk.HardState.VotedFor) =>
                $"a campaign in term {request.Term}, while its disk holds term {disk.HardState.Term} and vote {disk.HardState.VotedFor?.ToString() ?? "none"}",
            AppendEntriesResponse { Success: true } answer when disk.LastIndex < answer.MatchIndex =>
                $"a match of index {answer.MatchIndex}, while its disk holds entries up to {disk.LastIndex}",
            InstallSnapshotResponse { Installed: true } answer when disk.LastIndex < answer.LastIncludedIndex =>
                $"an installed snapshot at index {answer.LastIncludedIndex}, while its disk holds entries up to {disk.LastIndex}",
            StationMessage station and not (VoteRequest { PreVote: true } or VoteResponse { PreVote: true } or PeerProbe) when station.Term > disk.HardState.Term =>
                $"a {message.GetType().Name} of term {station.Term}, while its disk holds term {disk.HardState.Term}",
            _ => null,
        };
        if (missing is not null)
        {
            _monitor.Report(Invariant.Durability, $"{node.Id} sent {missing}: what a message vouches for must be durable before it leaves");
        }
    }

    private void ObserveSent(SimNode node, HalonNode protocolNode, Message message)
    {
        CheckDurable(node, message);
        if (message is VoteResponse { Granted: true } grant)
        {
            _monitor.ObserveVoteGranted(node.Id, node.Generation, protocolNode.Now, grant.Term, grant.To, grant.PreVote);
        }
    }
}
