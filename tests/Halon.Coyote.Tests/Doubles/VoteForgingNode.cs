using Halon.Core.Messages;
using Halon.Core.Protocol;
using Halon.Simulation.Coyote.Actors;

namespace Halon.Coyote.Tests.Doubles;

/// <summary>
/// Broken on purpose: the host of p1 answers every pre-vote request its core refused, and every vote request it refused
/// in a term in which it voted for no one, with a grant its core never cast (and so never made durable). A candidate
/// with a stale log can then win with a vote that was never cast: QuorumIntersection must catch the election that
/// rests on no majority of votes.
/// </summary>
public sealed class VoteForgingNode : NodeActor
{
    protected override void OnSending(HalonNode core, in Ready ready, Message? input, List<Message> batch)
    {
        if (NodeIndex != 0 || input is not VoteRequest request || (!request.PreVote && core.VotedFor is not null))
        {
            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i] is VoteResponse { Granted: false } refusal && refusal.PreVote == request.PreVote)
            {
                batch[i] = refusal with { Granted = true };
            }
        }
    }
}
