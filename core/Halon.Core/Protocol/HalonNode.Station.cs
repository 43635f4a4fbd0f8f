using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;

namespace Halon.Core.Protocol;

/// <summary>Station peer: commands, peer probes and the quorum wait.</summary>
public sealed partial class HalonNode
{
    private SupervisorState _state = SupervisorState.None;
    private NodeId? _leader;
    private long _nextProbeAt;

    // Per peer, indexed like PeerSet.Members. _peerHeardAt is the tick of the last evidence that the peer runs a
    // supervisor of this station (long.MinValue: never). _peerProblem says why it does not count, when it does not.
    private long[] _peerHeardAt = Array.Empty<long>();
    private PeerProblem[] _peerProblem = Array.Empty<PeerProblem>();
    private string[] _peerProblemDetail = Array.Empty<string>();
    private SupervisorState[] _peerReportedState = Array.Empty<SupervisorState>();

    /// <summary>This station's cluster id (its peers and its timing), or empty when not a station peer. Set with the role.</summary>
    private string _clusterId = string.Empty;

    private string ClusterId => _clusterId;

    /// <summary>The station's timing; for a node that is not a station peer, the timing it would start a station with.</summary>
    public StationTiming Timing => _roleConfig.Role == NodeRole.Station ? _roleConfig.Timing ?? StationTiming.Legacy : _options.Timing;

    private string StationClusterId() => _roleConfig.ClusterId ?? (_roleConfig.Peers is { } peers ? Timing.ClusterIdFor(peers) : string.Empty);

    /// <summary>
    /// Makes this node a station peer of <paramref name="peers"/>, running with <paramref name="timing"/> (by default
    /// the timing of the options the node was created with). Repeating it with the same set and timing is a no-op; a
    /// node already in another peer set or with other timing, or already a satellite, refuses with a message naming
    /// both. Timing that breaks the lease argument is refused.
    /// </summary>
    public CommandResult BecomeStationPeer(PeerSet peers, StationTiming? timing = null)
    {
        ArgumentNullException.ThrowIfNull(peers);
        timing ??= Timing;
        var clusterId = timing.ClusterIdFor(peers);
        CommandResult result;
        if (!peers.Contains(Id))
        {
            result = CommandResult.Refused($"{Id} is not in the peer set {peers}; a station peer must be one of its own peers");
        }
        else if (TimingProblem(timing) is { } problem)
        {
            result = CommandResult.Refused($"timing {timing} is refused: {problem}");
        }
        else if (_roleConfig.Role == NodeRole.Station)
        {
            result = !peers.Equals(_roleConfig.Peers) && !peers.Equals(Peers)
                ? CommandResult.Refused($"{Id} is already a peer of station {ClusterId} ({Peers}); refusing to join station {clusterId} ({peers})")
                : !Timing.SameValues(timing)
                    ? CommandResult.Refused($"{Id} is already a peer of station {ClusterId} ({Peers}) with timing {Timing}; refusing timing {timing}: every peer of a station must use the same timing, chosen when it was bootstrapped")
                    : CommandResult.AlreadyDone($"{Id} is already a peer of station {ClusterId} ({Peers}), timing {Timing}");
        }
        else if (_roleConfig.Role == NodeRole.Satellite)
        {
            result = CommandResult.Refused($"{Id} is a satellite of station {_roleConfig.Station!.ClusterId} ({_roleConfig.Station}); refusing to become a peer of station {clusterId} ({peers})");
        }
        else
        {
            _roleConfig = new RoleConfig(NodeRole.Station, peers, null, 0) { Timing = timing, ClusterId = clusterId };
            _options = _hostOptions.WithTiming(timing);
            _clusterId = clusterId;
            _roleDirty = true;
            _appliedConfig = BootstrapConfig();
            _appliedConfigIndex = 0;
            RefreshConfig("bootstrapped");
            StartSupervisor($"bootstrapped as a peer of station {clusterId} ({peers}), timing {timing}");
            result = CommandResult.Done($"{Id} is now a peer of station {clusterId} ({peers}), timing {timing}");
        }

        CheckInvariants();
        return result;
    }

    private string? TimingProblem(StationTiming timing)
    {
        try
        {
            _hostOptions.WithTiming(timing).Validate();
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// The transport reports that <paramref name="peer"/> cannot be reached, so status can say why it is missing.
    /// </summary>
    public void ReportUnreachable(NodeId peer, PeerProblem problem, string detail)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (_roleConfig.Role != NodeRole.Station)
        {
            return;
        }

        var index = _config?.IndexOf(peer) ?? -1;
        if (index < 0 || peer.Equals(Id) || index >= _peerProblem.Length)
        {
            return;
        }

        _peerProblem[index] = problem;
        _peerProblemDetail[index] = detail ?? string.Empty;
    }

    private void StartSupervisor(string reason)
    {
        var count = Members.Count;
        _peerHeardAt = new long[count];
        Array.Fill(_peerHeardAt, long.MinValue);
        _peerProblem = new PeerProblem[count];
        Array.Fill(_peerProblem, PeerProblem.NoReply);
        _peerProblemDetail = new string[count];
        Array.Fill(_peerProblemDetail, string.Empty);
        _peerReportedState = new SupervisorState[count];
        var self = Config.IndexOf(Id);
        if (self >= 0)
        {
            _peerHeardAt[self] = long.MaxValue;
            _peerProblem[self] = PeerProblem.None;
        }
        Emit(new RoleAssigned(NodeRole.Station, reason));
        ChangeState(SupervisorState.WaitingForQuorum, reason);
        _nextProbeAt = _now;
        ProbePeers();
        TryLeaveQuorumWait();
    }

    private void ProbePeers()
    {
        var peers = Members;
        for (var i = 0; i < peers.Count; i++)
        {
            if (!peers[i].Equals(Id))
            {
                Send(new PeerProbe(Id, peers[i], ClusterId, _term));
            }
        }

        _nextProbeAt = _now + (_state == SupervisorState.WaitingForQuorum ? _options.QuorumProbeIntervalTicks : _options.PeerProbeIntervalTicks);
    }

    private void TickStation()
    {
        if (_roleConfig.Removed)
        {
            return; // Left the station: its supervisor is stopped.
        }

        if (_now >= _nextProbeAt)
        {
            ProbePeers();
        }

        switch (_state)
        {
            case SupervisorState.WaitingForQuorum:
                TryLeaveQuorumWait();
                break;
            case SupervisorState.Follower:
            case SupervisorState.PreCandidate:
            case SupervisorState.Candidate:
                TickElection();
                break;
            case SupervisorState.Master:
                TickMaster();
                break;
            case SupervisorState.None:
            default:
                throw new HalonInvariantException($"{Id}: station peer in supervisor state {_state}");
        }
    }

    /// <summary>Counts the peers (this node included) that answered as supervisors of this station recently.</summary>
    private int PeersWithSupervisor()
    {
        var count = 0;
        var members = Members;
        for (var i = 0; i < _peerHeardAt.Length; i++)
        {
            if (Config.IsVoter(members[i]) && _peerHeardAt[i] != long.MinValue && _now - _peerHeardAt[i] <= _options.PeerReachableTicks)
            {
                count++;
            }
        }

        return count;
    }

    private void TryLeaveQuorumWait()
    {
        if (_state != SupervisorState.WaitingForQuorum)
        {
            return;
        }

        var present = PeersWithSupervisor();
        if (present >= Peers.Majority)
        {
            BecomeFollower(_term, null, $"quorum reached: {present} of {Peers.Count} supervisors answer");
            // The first campaign after quorum goes by rank in the sorted peer set (two ticks apart, plus a tick of
            // jitter), so that peers bootstrapped together rarely split their votes and a fresh station elects in a
            // few ticks. A restarted peer still waits out E ticks from its restart before campaigning (TickElection
            // obeys the withholding rule), so the shortcut never cuts into a lease. Later elections use the full
            // randomised timeout.
            _electionTimeoutTicksRandomized = 1 + (2 * Math.Max(0, Peers.IndexOf(Id))) + _random.Next(2);
        }
    }

    /// <summary>Records that the peer at <paramref name="index"/> showed it runs a supervisor of this station.</summary>
    private void NotePeerSupervisor(int index, SupervisorState reported)
    {
        _peerHeardAt[index] = _now;
        _peerProblem[index] = PeerProblem.None;
        _peerProblemDetail[index] = string.Empty;
        _peerReportedState[index] = reported;
    }

    private StepResult StepPeerProbe(PeerProbe probe)
    {
        Send(new PeerProbeReply(Id, probe.From, _roleConfig.Role, ClusterId, _state, _term, _leader));
        if (_roleConfig.Role != NodeRole.Station || _roleConfig.Removed)
        {
            return StepResult.Handled;
        }

        var index = Config.IndexOf(probe.From);
        if (index < 0)
        {
            return StepResult.Handled;
        }

        if (probe.ClusterId == ClusterId)
        {
            NotePeerSupervisor(index, _peerReportedState[index] == SupervisorState.None ? SupervisorState.WaitingForQuorum : _peerReportedState[index]);
            TryLeaveQuorumWait();
        }
        else
        {
            _peerProblem[index] = PeerProblem.DifferentCluster;
            _peerProblemDetail[index] = probe.ClusterId;
        }

        return StepResult.Handled;
    }

    private StepResult StepPeerProbeReply(PeerProbeReply reply)
    {
        if (_roleConfig.Role != NodeRole.Station)
        {
            return StepResult.Dropped("probe reply to a node that is not a station peer", DropCategory.RoleMismatch);
        }

        if (_roleConfig.Removed)
        {
            return StepResult.Dropped($"probe reply from {reply.From}, but this peer left the station", DropCategory.NotAMember);
        }

        var index = Config.IndexOf(reply.From);
        if (index < 0)
        {
            return StepResult.Dropped($"probe reply from {reply.From}, which is not in the peer set", DropCategory.NotAMember);
        }

        if (reply.Role == NodeRole.Station && reply.ResponderClusterId == ClusterId)
        {
            NotePeerSupervisor(index, reply.State);
            TryLeaveQuorumWait();
        }
        else if (reply.Role == NodeRole.Station)
        {
            _peerProblem[index] = PeerProblem.DifferentCluster;
            _peerProblemDetail[index] = reply.ResponderClusterId;
        }
        else
        {
            _peerProblem[index] = PeerProblem.NoSupervisor;
            _peerProblemDetail[index] = reply.Role == NodeRole.Satellite ? "it is a satellite" : "no supervisor yet";
        }

        return StepResult.Handled;
    }

    private void ChangeState(SupervisorState to, string reason)
    {
        var from = _state;
        _state = to;
        if (from != to)
        {
            Emit(new SupervisorStateChanged(from, to, _term, reason));
        }
    }
}
