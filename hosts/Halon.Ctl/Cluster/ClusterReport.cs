using Halon.Core.Identity;
using Halon.Core.Status;
using Halon.Ctl.Bootstrap;
using Halon.Ctl.Output;

namespace Halon.Ctl.Cluster;

/// <summary>
/// A station as every peer (and, when asked, every satellite) answered at one moment, measured against its master:
/// one row per node, and the problems that make it unhealthy. Healthy means a majority of the peers answer as peers
/// of this station, one master runs the coordinator, and every peer that answers agrees with it on the term, the
/// master and the coordinator. A peer that does not answer while the rest keep quorum is a warning, not a failure:
/// the station still works, with less to spare.
/// </summary>
internal sealed class ClusterReport
{
    private ClusterReport(PeerSet peers)
    {
        Peers = peers;
    }

    public PeerSet Peers { get; }

    /// <summary>
    /// The station's cluster id, as its peers report it (it folds in the station's timing as well as the peer set):
    /// the id most peers of this peer set answer with, or the peer set's own id when none answers.
    /// </summary>
    public string ClusterId { get; private set; } = string.Empty;

    public IReadOnlyList<MemberView> Members { get; private set; } = [];

    /// <summary>The satellites, when they were asked; null otherwise.</summary>
    public IReadOnlyList<SatelliteView>? Satellites { get; private set; }

    /// <summary>The master's own status: the peer in state master of the newest term.</summary>
    public NodeStatus? Master { get; private set; }

    /// <summary>The master's term, or the newest term any peer reports.</summary>
    public long? Term { get; private set; }

    /// <summary>The coordinator the master runs, or null.</summary>
    public CoordinatorInfo? Coordinator { get; private set; }

    /// <summary>Peers that answer as peers of this station.</summary>
    public int Answering { get; private set; }

    /// <summary>What makes the station unhealthy; empty when healthy.</summary>
    public IReadOnlyList<ClusterProblem> Problems { get; private set; } = [];

    /// <summary>What is wrong but leaves the station working: a peer down while the rest keep quorum.</summary>
    public IReadOnlyList<ClusterProblem> Warnings { get; private set; } = [];

    public bool Healthy => Problems.Count == 0;

    /// <summary>Judges the answers of the peers (one per member of <paramref name="peers"/>) and of the satellites.</summary>
    public static ClusterReport Build(PeerSet peers, IReadOnlyList<NodeView> answers, IReadOnlyList<(SatelliteStatus Known, NodeView View)>? satellites)
    {
        ArgumentNullException.ThrowIfNull(peers);
        ArgumentNullException.ThrowIfNull(answers);
        var report = new ClusterReport(peers);
        var problems = new List<ClusterProblem>();
        var warnings = new List<ClusterProblem>();
        var statuses = answers.Select(a => a.Status).OfType<NodeStatus>().ToList();
        report.ClusterId = statuses.Where(s => StationCheck.IsPeerOf(s, peers) && s.ClusterId is not null)
            .GroupBy(s => s.ClusterId!)
            .OrderByDescending(g => g.Count())
            .Select(g => g.Key)
            .FirstOrDefault() ?? peers.ClusterId;
        var members = statuses.Where(s => s.Role == "station" && s.ClusterId == report.ClusterId).ToList();
        var masters = members.Where(s => s.State == "master").ToList();
        report.Answering = members.Count;
        report.Master = masters.MaxBy(s => s.Term);
        report.Term = report.Master?.Term ?? (members.Count > 0 ? members.Max(s => s.Term) : null);
        report.Coordinator = report.Master?.Coordinator is { } running && running.Node == report.Master.Node ? running : null;

        if (members.Count < peers.Majority)
        {
            problems.Add(new ClusterProblem("no-quorum", null, $"{members.Count} of {peers.Count} peers answer as peers of this station; a majority is {peers.Majority}"));
        }

        if (masters.Count > 1)
        {
            problems.Add(new ClusterProblem("several-masters", null, "more than one peer says it is master: " + string.Join(", ", masters.Select(m => $"{m.Node} (term {m.Term})"))));
        }

        if (report.Coordinator is null)
        {
            problems.Add(new ClusterProblem("no-coordinator", null, report.Master is { } master
                ? $"master {master.Node} (term {master.Term}) runs no coordinator yet"
                : members.Count == 0 ? "no peer answers" : $"no peer is master (term {report.Term}: {string.Join(", ", members.Select(m => $"{m.Node} {m.State}"))})"));
        }

        report.Members = answers.Select(a => Judge(report, a, problems, warnings)).ToList();
        if (satellites is not null)
        {
            // The voters the master runs with: after a change of the peers, a satellite that still holds its first
            // list hears them from every answer, which is expected, not a wrong list.
            var voters = report.Master?.Configuration is { Voters.Count: > 0 } configuration ? PeerSet.Create(configuration.Voters.Select(NodeId.Parse)) : null;
            report.Satellites = satellites.Select(s => JudgeSatellite(s.Known, s.View, voters, problems, warnings)).ToList();
        }

        report.Problems = problems;
        report.Warnings = warnings;
        return report;
    }

    private static MemberView Judge(ClusterReport report, NodeView answer, List<ClusterProblem> problems, List<ClusterProblem> warnings)
    {
        var node = answer.Target.Value;
        var own = new List<ClusterProblem>();
        void Fail(string code, string detail)
        {
            own.Add(new ClusterProblem(code, node, detail));
            problems.Add(own[^1]);
        }

        void Warn(string code, string detail)
        {
            own.Add(new ClusterProblem(code, node, detail));
            warnings.Add(own[^1]);
        }

        var status = answer.Status;
        var master = report.Master;
        if (status is null)
        {
            Warn("unreachable", answer.Error ?? $"{node}: no answer");
            return new MemberView(node, null, answer.Error, null, null, own);
        }

        switch (status)
        {
            case { Role: "none" }:
                Warn("not-a-peer", "not bootstrapped (role none): run halonctl bootstrap station on it");
                break;
            case { Role: "satellite" }:
                Fail("not-a-peer", "is a satellite, though the station's peer set names it");
                break;
            case { Role: "station" } when status.ClusterId != report.ClusterId:
                Fail("different-cluster", $"is a peer of station {status.ClusterId}{(StationCheck.ReportedPeers(status) is { } theirs ? $" ({theirs})" : string.Empty)}, not of {report.ClusterId}");
                break;
            case { State: "waiting-for-quorum" }:
                Warn("waiting-for-quorum", StationProgress.QuorumLine(status, sayWhere: false));
                break;
            default:
                if (master is not null && !ReferenceEquals(status, master))
                {
                    if (status.Term != master.Term)
                    {
                        Fail("different-term", $"is in term {status.Term}, the master {master.Node} in term {master.Term}");
                    }
                    else if (status.Leader != master.Node)
                    {
                        Fail("different-master", $"follows {status.Leader ?? "no master"}, not {master.Node}");
                    }
                    else if (report.Coordinator is not null && status.Coordinator != report.Coordinator)
                    {
                        Fail("different-coordinator", status.Coordinator is { } c
                            ? $"knows the coordinator of epoch {c.Epoch} on {c.Node}, not epoch {report.Coordinator.Epoch}"
                            : $"does not know the coordinator of epoch {report.Coordinator.Epoch} yet");
                    }
                }

                break;
        }

        var inStation = status.Role == "station" && status.ClusterId == report.ClusterId;
        long? lag = master is not null && inStation ? Math.Max(0, master.CommitIndex - status.CommitIndex) : null;
        long? contact = master is not null && !ReferenceEquals(status, master) && master.Peers.FirstOrDefault(p => p.Node == node) is { LastHeardTicksAgo: >= 0 } seen
            ? Ticks.ToMilliseconds(seen.LastHeardTicksAgo)
            : null;
        return new MemberView(node, status, null, lag, contact, own);
    }

    private static SatelliteView JudgeSatellite(SatelliteStatus known, NodeView view, PeerSet? voters, List<ClusterProblem> problems, List<ClusterProblem> warnings)
    {
        var node = known.Node;
        var own = new List<ClusterProblem>();
        switch (view.Status)
        {
            case null:
                own.Add(new ClusterProblem("unreachable", node, view.Error ?? $"{node}: no answer"));
                break;
            case { Announcer: null } status:
                own.Add(new ClusterProblem("not-acknowledged", node, status.Role == "none"
                    ? "has no role (restarted without its data dir?): bootstrap it again"
                    : $"is a {status.Role}, not a satellite"));
                break;
            case { Announcer: { } announcer }:
                if (!announcer.Acknowledged)
                {
                    own.Add(new ClusterProblem("not-acknowledged", node, $"announcing incarnation {announcer.Incarnation}, not acknowledged yet"));
                }

                if (voters is not null && announcer.ReportedStation is { } reported && PeerSet.Parse(reported).Equals(voters))
                {
                    // The station answers with the voters its master runs with: the peers changed since this satellite
                    // was bootstrapped, and it follows them (it learnt them from the coordinator's acknowledgement).
                    warnings.Add(new ClusterProblem("station-list-changed", node, $"bootstrapped with {announcer.Station}; the station's peers are now {reported}, and it follows them: nothing to do"));
                }
                else if (StationCheck.Mismatch(node, announcer) is { } mismatch)
                {
                    own.Add(new ClusterProblem("station-list-mismatch", node, mismatch));
                }

                break;
        }

        problems.AddRange(own);
        return new SatelliteView(node, known, view.Status, view.Status is null ? view.Error : null, own);
    }
}
