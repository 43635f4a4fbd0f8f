using Halon.Core.Identity;
using Halon.Core.Status;
using Halon.Ctl.Bootstrap;
using Halon.Ctl.Cli;

namespace Halon.Ctl.Cluster;

/// <summary>
/// Gathers a cluster-wide status: asks the entry nodes for the station's peer set (a peer knows it, a satellite knows
/// its station list), then every peer at once, and, when asked, every satellite the station knows, at most
/// <see cref="SatelliteCallsMax"/> at a time. Every call is bounded by the command's deadline only.
/// </summary>
internal sealed class ClusterSurvey : IAsyncDisposable
{
    /// <summary>Satellites asked at once: a station may track 10,000.</summary>
    public const int SatelliteCallsMax = 64;

    private readonly Halon.Transport.Tcp.TransportSecurity _security;
    private readonly Deadline _deadline;
    private readonly Dictionary<NodeId, NodeSession> _sessions = [];

    public ClusterSurvey(Halon.Transport.Tcp.TransportSecurity security, Deadline deadline)
    {
        _security = security;
        _deadline = deadline;
    }

    /// <summary>
    /// Surveys the station that the first entry node with a role belongs to.
    /// </summary>
    /// <exception cref="ClusterSurveyException">No entry node answered with a role: the message says what each answered.</exception>
    public async Task<ClusterReport> RunAsync(IReadOnlyList<NodeId> entries, bool withSatellites)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var peers = await FindStationAsync(entries).ConfigureAwait(false);
        var answers = await AskAsync(peers.Members).ConfigureAwait(false);
        List<(SatelliteStatus Known, NodeView View)>? satellites = null;
        if (withSatellites)
        {
            var known = KnownSatellites(peers, answers);
            var views = await AskAsync(known.Select(s => NodeId.Parse(s.Node)).ToList(), SatelliteCallsMax).ConfigureAwait(false);
            satellites = known.Zip(views, (k, v) => (k, v)).ToList();
        }

        return ClusterReport.Build(peers, answers, satellites);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var session in _sessions.Values)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The peer set of the first entry to answer with a role (a station peer's set, or a satellite's station list): all
    /// are asked at once, so one silent entry does not hold up the others.
    /// </summary>
    private async Task<PeerSet> FindStationAsync(IReadOnlyList<NodeId> entries)
    {
        var asks = entries.Select(e => Session(e).TryStatusAsync(Timeout.InfiniteTimeSpan)).ToList();
        var answered = new (bool Ok, NodeStatus? Status)?[asks.Count];
        while (true)
        {
            for (var i = 0; i < asks.Count; i++)
            {
                if (answered[i] is null && asks[i].IsCompleted)
                {
                    answered[i] = await asks[i].ConfigureAwait(false);
                    if (answered[i]!.Value.Status is { } status && PeersOf(status) is { } peers)
                    {
                        return peers;
                    }
                }
            }

            var waiting = asks.Where(t => !t.IsCompleted).ToList();
            if (waiting.Count == 0 || _deadline.Expired)
            {
                break;
            }

            await _deadline.WaitAsync(Task.WhenAny(waiting), Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        }

        var reasons = entries.Select((e, i) => answered[i] is { Status: not null }
            ? $"{e} has no role (not bootstrapped)"
            : Session(e).LastError ?? $"{e}: no answer within {_deadline.TimeoutText}");
        throw new ClusterSurveyException("no node to start from knows a station: " + string.Join("; ", reasons));
    }

    /// <summary>A station peer's peer set, or a satellite's station list; null for a node with no role.</summary>
    private static PeerSet? PeersOf(NodeStatus status) => status switch
    {
        { Role: "station" } => StationCheck.ReportedPeers(status),
        { Announcer: { } announcer } => PeerSet.Parse(announcer.Station),
        _ => null,
    };

    /// <summary>
    /// The satellites the station knows: the master's list, or the union of what the peers that answered know. Removed
    /// satellites (tombstones) are not among them: a decommissioned node is not expected to answer.
    /// </summary>
    private static List<SatelliteStatus> KnownSatellites(PeerSet peers, IReadOnlyList<NodeView> answers)
    {
        var statuses = answers.Select(a => a.Status).OfType<NodeStatus>().Where(s => StationCheck.IsPeerOf(s, peers)).ToList();
        if (statuses.FirstOrDefault(s => s.State == "master") is { } master)
        {
            return master.Satellites.Where(s => !s.Removed).ToList();
        }

        return statuses.SelectMany(s => s.Satellites)
            .Where(s => !s.Removed)
            .GroupBy(s => s.Node, StringComparer.Ordinal)
            .Select(g => g.MaxBy(s => (s.Acknowledged, s.Incarnation))!)
            .OrderBy(s => s.Node, StringComparer.Ordinal)
            .ToList();
    }

    private async Task<NodeView[]> AskAsync(IReadOnlyList<NodeId> nodes, int atOnce = int.MaxValue)
    {
        using var gate = new SemaphoreSlim(Math.Min(atOnce, Math.Max(1, nodes.Count)));
        var asks = nodes.Select(async node =>
        {
            if (!await gate.WaitAsync(_deadline.Remaining, _deadline.Interrupt).ConfigureAwait(false))
            {
                return new NodeView(node, null, $"{node}: not asked before the timeout ({_deadline.TimeoutText})");
            }

            try
            {
                var session = Session(node);
                var (ok, status) = await session.TryStatusAsync(Timeout.InfiniteTimeSpan).ConfigureAwait(false);
                return new NodeView(node, ok ? status : null, ok ? null : session.LastError);
            }
            finally
            {
                gate.Release();
            }
        });
        return await Task.WhenAll(asks).ConfigureAwait(false);
    }

    private NodeSession Session(NodeId node)
    {
        lock (_sessions)
        {
            if (!_sessions.TryGetValue(node, out var session))
            {
                session = new NodeSession(node, _security, _deadline);
                _sessions[node] = session;
            }

            return session;
        }
    }
}
