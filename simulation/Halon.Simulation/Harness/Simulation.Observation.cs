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
            node.Log.Count == 0 ? 0 : node.Log[^1].Term,
            node.AnnouncementAcknowledged,
            node.Incarnation);

        public string? ChangeAfter(HalonNode node)
        {
            var lastLogTerm = node.Log.Count == 0 ? 0 : node.Log[^1].Term;
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

        if (!result.Accepted)
        {
            return;
        }

        switch (message)
        {
            case AppendEntries append when protocolNode.State == SupervisorState.Follower && protocolNode.Term == append.Term && append.From.Equals(protocolNode.Leader):
                _monitor.ObserveMasterContact(node.Id, node.Generation, protocolNode.Now, append.From, append.Term);
                break;
            case AppendEntriesResponse answer when protocolNode.State == SupervisorState.Master && answer.Term == protocolNode.Term:
                _monitor.ObserveMasterAnswer(node.Id, answer.Term, answer.From, protocolNode.Now);
                if (node.EchoedTerm == answer.Term && _indexOf.TryGetValue(answer.From, out var from) && from < node.EchoedLeaderTicks.Length)
                {
                    node.EchoedLeaderTicks[from] = Math.Max(node.EchoedLeaderTicks[from], answer.LeaderTick);
                }

                break;
            case NodeUpAck or NodeUpOutdated when protocolNode.Role == NodeRole.Satellite:
                ObserveFence(node, protocolNode, message, before);
                break;
            default:
                break;
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

    private void ObserveSent(SimNode node, HalonNode protocolNode, Message message)
    {
        if (message is VoteResponse { Granted: true } grant)
        {
            _monitor.ObserveVoteGranted(node.Id, node.Generation, protocolNode.Now, grant.Term, grant.To, grant.PreVote);
        }
    }
}
