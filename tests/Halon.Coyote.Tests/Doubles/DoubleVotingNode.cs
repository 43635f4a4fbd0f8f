using Halon.Core.Messages;
using Halon.Core.Protocol;
using Halon.Simulation.Coyote.Actors;

namespace Halon.Coyote.Tests.Doubles;

/// <summary>
/// Broken on purpose: peer p1 votes twice in one term. When its core refuses a vote because it already voted in that
/// term, the host sends a grant instead. ElectionSafety must catch the two masters this makes.
/// </summary>
public sealed class DoubleVotingNode : NodeActor
{
    protected override void OnSending(HalonNode core, in Ready ready, Message? input, List<Message> batch)
    {
        if (NodeIndex != 0 || input is not VoteRequest { PreVote: false } request)
        {
            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i] is VoteResponse { PreVote: false, Granted: false } refusal && refusal.Term == request.Term && refusal.To.Equals(request.From))
            {
                batch[i] = refusal with { Granted = true };
            }
        }
    }
}
