using Halon.Core.Identity;
using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace Halon.Simulation.Coyote.Monitors;

/// <summary>
/// The withholding rule the lease argument rests on, and election safety at the level of votes: no vote, pre-vote or
/// campaign within E ticks of the node's last real contact with a master (or of its restart as a station peer), and
/// one vote per node per term across crashes (a vote that was not durable shows up as a second one).
/// </summary>
public sealed class LeaseRule : Monitor
{
    private readonly Dictionary<(NodeId Voter, long Term), NodeId> _votes = new();
    private int _electionTimeoutTicks = int.MaxValue;

    [Start]
    [OnEventDoAction(typeof(MonitorSetup), nameof(OnSetup))]
    [OnEventDoAction(typeof(VoteReport), nameof(OnVotes))]
    private sealed class Watching : State
    {
    }

    private void OnSetup(Event e) => _electionTimeoutTicks = ((MonitorSetup)e).ElectionTimeoutTicks;

    private void OnVotes(Event e)
    {
        var report = (VoteReport)e;
        foreach (var (term, candidate, preVote) in report.Votes)
        {
            if (!preVote)
            {
                if (_votes.TryGetValue((report.Id, term), out var earlier))
                {
                    Assert(earlier.Equals(candidate), "{0}", $"[ElectionSafety] {report.Id} voted twice in term {term}: for {earlier}, then for {candidate}");
                    continue; // The same vote repeated is not a new one.
                }

                _votes[(report.Id, term)] = candidate;
            }

            if (report.ContactAt is { } contact && report.Now - contact < _electionTimeoutTicks)
            {
                var what = candidate.Equals(report.Id) ? $"campaigned for term {term}" : $"granted a {(preVote ? "pre-vote" : "vote")} to {candidate} for term {term}";
                var from = report.ContactMaster is null ? "its restart" : $"accepting a heartbeat of {report.ContactMaster}";
                Assert(false, "{0}", $"[LeaseRule] {report.Id} {what} {report.Now - contact} ticks after {from}; no vote within E = {_electionTimeoutTicks} ticks");
            }
        }
    }
}
