using Halon.Core.Status;

namespace Halon.Core.Protocol;

/// <summary>Status: what <c>halonctl status</c> shows.</summary>
public sealed partial class HalonNode
{
    /// <summary>The node's status now.</summary>
    public NodeStatus GetStatus()
    {
        var role = _roleConfig.Role;
        return new NodeStatus(
            Id.Value,
            NodeStatus.RoleText(role),
            role == NodeRole.Station ? ClusterId : _roleConfig.Station?.ClusterId,
            _term,
            LeftTheStation ? "removed" : NodeStatus.StateText(_state),
            _leader?.Value,
            CoordinatorView(),
            role == NodeRole.Station && !_roleConfig.Removed ? PeerViews() : Array.Empty<PeerStatus>(),
            role == NodeRole.Station ? SatelliteViews() : Array.Empty<SatelliteStatus>(),
            role == NodeRole.Satellite
                ? new AnnouncerStatus(Station.ToString(), _roleConfig.Incarnation, _announceAcknowledged, _acknowledgedEpoch, _acknowledgedBy?.Value, _announcementsSent, _reportedStation?.ToString(), _reportedStationBy?.Value)
                {
                    Removed = _roleConfig.Removed,
                    RemovedBy = _roleConfig.Removed ? _removedBy?.Value : null,
                    RemovedEpoch = _roleConfig.Removed ? _removedEpoch : 0,
                    InstallId = _roleConfig.InstallId,
                }
                : null,
            _commitIndex,
            LastLogIndex,
            _now)
        {
            Timing = role == NodeRole.Station ? Timing : null,
            SnapshotIndex = _snapshotIndex,
            LogEntries = LastLogIndex - _snapshotIndex,
            RemovedSatellites = role == NodeRole.Station ? RemovedNotInTable() : 0,
            Configuration = role == NodeRole.Station ? ConfigurationView() : null,
            LeftStation = LeftTheStation,
        };
    }

    private CoordinatorInfo? CoordinatorView()
    {
        if (_coordinatorRunning)
        {
            return new CoordinatorInfo(Id.Value, _term);
        }

        return _state == SupervisorState.Follower && _leader is not null && _leaderCoordinatorEpoch > 0
            ? new CoordinatorInfo(_leader.Value, _leaderCoordinatorEpoch)
            : null;
    }

    private ConfigurationStatus ConfigurationView()
    {
        var config = Config;
        var master = _state == SupervisorState.Master && _matchIndex.Length == config.Members.Count;
        var learners = config.Learners.Select(l => new LearnerStatus(l.Value, master ? _matchIndex[config.IndexOf(l)] : -1, _commitIndex)).ToArray();
        var change = ConfigurationChangeInFlight || config.HasWorkLeft ? Progress(config) : string.Empty;
        return new ConfigurationStatus(
            config.Voters.Members.Select(v => v.Value).ToArray(),
            learners,
            config.Retiring.Select(r => r.Value).ToArray(),
            _configIndex,
            !ConfigurationChangeInFlight,
            change);
    }

    private List<PeerStatus> PeerViews()
    {
        var members = Members;
        var views = new List<PeerStatus>(members.Count);
        for (var i = 0; i < members.Count; i++)
        {
            if (members[i].Equals(Id))
            {
                views.Add(new PeerStatus(Id.Value, true, NodeStatus.StateText(_state), 0));
                continue;
            }

            var heard = _peerHeardAt[i];
            var ago = heard == long.MinValue ? -1 : _now - heard;
            var reachable = heard != long.MinValue && ago <= _options.PeerReachableTicks && _peerProblem[i] == PeerProblem.None;
            var state = reachable ? ReportedStateText(i) : ProblemText(i, heard);
            views.Add(new PeerStatus(members[i].Value, reachable, state, ago));
        }

        return views;
    }

    private string ReportedStateText(int peer)
    {
        if (_state == SupervisorState.Master)
        {
            return "follower";
        }

        if (Members[peer].Equals(_leader))
        {
            return "master";
        }

        return _peerReportedState[peer] == SupervisorState.None ? "supervisor" : NodeStatus.StateText(_peerReportedState[peer]);
    }

    private string ProblemText(int peer, long heard) => _peerProblem[peer] switch
    {
        PeerProblem.ConnectionRefused => string.IsNullOrEmpty(_peerProblemDetail[peer]) ? "connection refused" : _peerProblemDetail[peer],
        PeerProblem.NoSupervisor => string.IsNullOrEmpty(_peerProblemDetail[peer]) ? "no supervisor yet" : _peerProblemDetail[peer],
        PeerProblem.DifferentCluster => $"different cluster {_peerProblemDetail[peer]}",
        PeerProblem.AuthenticationFailed => "authentication failed",
        _ => heard == long.MinValue ? "no reply" : $"no reply for {_now - heard} ticks",
    };

    private int RemovedNotInTable()
    {
        var count = 0;
        foreach (var node in _removedSatellites.Keys)
        {
            count += _satellites.ContainsKey(node) || _pendingAcknowledgements.ContainsKey(node) ? 0 : 1;
        }

        return count;
    }

    private List<SatelliteStatus> SatelliteViews()
    {
        var views = new List<SatelliteStatus>(_satellites.Count + _pendingAcknowledgements.Count + _removedSatellites.Count);
        foreach (var (node, record) in _satellites)
        {
            views.Add(new SatelliteStatus(node.Value, true, record.Incarnation, record.Facts.Hostname) { InstallId = record.InstallId, Reinstalls = record.Reinstalls });
        }

        foreach (var (node, pending) in _pendingAcknowledgements)
        {
            if (!_satellites.ContainsKey(node))
            {
                views.Add(new SatelliteStatus(node.Value, false, pending.Incarnation, string.Empty) { InstallId = pending.InstallId });
            }
        }

        foreach (var (node, installId) in _removedSatellites)
        {
            if (!_satellites.ContainsKey(node) && !_pendingAcknowledgements.ContainsKey(node))
            {
                views.Add(new SatelliteStatus(node.Value, false, 0, string.Empty) { InstallId = installId, Removed = true });
            }
        }

        views.Sort((a, b) => string.CompareOrdinal(a.Node, b.Node));
        return views;
    }
}
