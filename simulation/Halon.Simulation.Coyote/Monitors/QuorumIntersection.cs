using Halon.Core.Effects;
using Halon.Core.Identity;
using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace Halon.Simulation.Coyote.Monitors;

/// <summary>
/// Quorum intersection of every decision a node reports: an election win rests on the votes of a majority of its
/// configuration's voters (the durable votes of <see cref="VoteReport"/>); a commit by counting on the answers a
/// majority of them really delivered in the master's term; a live lease on the heartbeats a majority of them really
/// echoed. And that configuration's majorities meet those of every other coordinator live by its clock and, for
/// commits and leases, those of the newest committed configuration (any node's configuration in force whose entry it
/// has committed, the highest index seen; the bootstrap peer set until then).
/// </summary>
public sealed class QuorumIntersection : Monitor
{
    private readonly CoordinatorView _view = new();
    private readonly Dictionary<(NodeId Candidate, long Term), HashSet<NodeId>> _votes = new();
    private readonly Dictionary<(NodeId Voter, long Term), NodeId> _voted = new();
    private IReadOnlyList<NodeId>[] _voters = Array.Empty<IReadOnlyList<NodeId>>();
    private IReadOnlyList<NodeId> _committed = Array.Empty<NodeId>();
    private long _committedIndex = -1;
    private int _leaseTicks;

    [Start]
    [OnEventDoAction(typeof(MonitorSetup), nameof(OnSetup))]
    [OnEventDoAction(typeof(ClockAdvanced), nameof(OnClock))]
    [OnEventDoAction(typeof(VoteReport), nameof(OnVotes))]
    [OnEventDoAction(typeof(NodeReport), nameof(OnReport))]
    private sealed class Watching : State
    {
    }

    private void OnSetup(Event e)
    {
        var setup = (MonitorSetup)e;
        _view.Setup(setup);
        _voters = new IReadOnlyList<NodeId>[setup.Ids.Count];
        Array.Fill(_voters, Array.Empty<NodeId>());
        _committed = setup.Bootstrap?.Members ?? Array.Empty<NodeId>();
        _committedIndex = 0;
        _leaseTicks = setup.LeaseTicks;
    }

    private void OnClock(Event e) => _view.Advance((ClockAdvanced)e);

    private void OnVotes(Event e)
    {
        var report = (VoteReport)e;
        foreach (var (term, candidate, preVote) in report.Votes)
        {
            // The first vote of a node in a term is its vote; a second one is ElectionSafety's to report.
            if (!preVote && _voted.TryAdd((report.Id, term), candidate))
            {
                if (!_votes.TryGetValue((candidate, term), out var voters))
                {
                    _votes[(candidate, term)] = voters = new HashSet<NodeId>();
                }

                voters.Add(report.Id);
            }
        }
    }

    private void OnReport(Event e)
    {
        var report = (NodeReport)e;
        var node = report.Node;
        _view.Apply(report);
        if (!report.Up || report.Voters is not { } voters)
        {
            return;
        }

        _voters[node] = voters;
        if (report.CommittedConfig is { } committedConfig && committedConfig.Index > _committedIndex)
        {
            _committed = committedConfig.Voters;
            _committedIndex = committedConfig.Index;
        }

        foreach (var effect in report.Effects)
        {
            switch (effect)
            {
                case BecameMaster master:
                    var cast = _votes.TryGetValue((report.Id, master.Term), out var votes) ? votes : (IEnumerable<NodeId>)Array.Empty<NodeId>();
                    Check(MembershipChecks.Election(report.Id, master.Term, voters, cast));
                    CheckOthers(report, "election", voters);
                    break;
                case EntriesCommitted committed when report.CommittedAsMaster:
                    var (used, problem) = MembershipChecks.Commit(report.Id, committed.ToIndex, report.VotersBefore ?? voters, voters, report.MatchHeard ?? new Dictionary<NodeId, long>());
                    Check(problem);
                    CheckOthers(report, "commit", used!);
                    Check(MembershipChecks.Intersection(report.Id, "commit", used!, $"the newest committed configuration, index {_committedIndex}", _committed));
                    break;
                default:
                    break;
            }
        }

        if (_view.IsLive(node) && report.EchoedLeaseStart is { } echoed)
        {
            Check(MembershipChecks.Lease(report.Id, report.LeaseEnd, echoed, _leaseTicks));
            CheckOthers(report, "lease", voters);
            Check(MembershipChecks.Intersection(report.Id, "lease", voters, $"the newest committed configuration, index {_committedIndex}", _committed));
        }
    }

    private void CheckOthers(NodeReport report, string decision, IReadOnlyList<NodeId> voters)
    {
        for (var other = 0; other < _voters.Length; other++)
        {
            if (other != report.Node && _view.IsLive(other))
            {
                Check(MembershipChecks.Intersection(report.Id, decision, voters, $"the configuration of the coordinator of epoch {_view.Epoch(other)} live on {_view.Id(other)}, clock {_view.Clock(other)}, lease end {_view.LeaseEnd(other)}; the deciding node is in term {report.Term}, configuration index {report.ConfigIndex}, clock {report.Clock}", _voters[other]));
            }
        }
    }

    private void Check(string? problem)
    {
        if (problem is not null)
        {
            Assert(false, "{0}", "[QuorumIntersection] " + problem);
        }
    }
}
