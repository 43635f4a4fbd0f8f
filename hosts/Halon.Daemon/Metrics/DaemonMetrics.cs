using System.Diagnostics;
using System.Diagnostics.Metrics;
using Halon.Core;
using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Protocol;
using Halon.Transport.Tcp;

namespace Halon.Daemon.Metrics;

/// <summary>
/// halond's metrics, on the <see cref="MeterName"/> meter of <c>System.Diagnostics.Metrics</c>. The loop feeds it
/// (messages, effects, persist times) and, after every input, a snapshot of the node that the observable gauges
/// read from the scraping thread. Every label has a small closed set of values. docs/operations.md lists them all.
/// </summary>
internal sealed class DaemonMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Halon.Daemon";

    /// <summary>Upper bounds of the persist histogram's buckets, in seconds: an fsync takes from tens of µs to a stalled disk's seconds.</summary>
    public static readonly double[] PersistBucketsSeconds = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    private static readonly string[] s_messageTypes = [.. Enum.GetNames<MessageType>().Select(MetricText.Snake)];
    private static readonly string[] s_dropReasons = [.. Enum.GetNames<DropCategory>().Select(MetricText.Snake)];
    private static readonly NodeRole[] s_roles = Enum.GetValues<NodeRole>();
    private static readonly SupervisorState[] s_states = Enum.GetValues<SupervisorState>();

    private readonly Meter _meter = new(MeterName);
    private readonly Func<TransportCounters?> _transport;
    private readonly Counter<long> _received;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _masterChanges;
    private readonly Counter<long> _preElections;
    private readonly Counter<long> _elections;
    private readonly Counter<long> _electionsWon;
    private readonly Counter<long> _preVotesRefused;
    private readonly Counter<long> _leaseRenewals;
    private readonly Counter<long> _leaseLapses;
    private readonly Counter<long> _coordinatorStarts;
    private readonly Counter<long> _satellitesAcknowledgedByThisNode;
    private readonly Counter<long> _dialFailures;
    private readonly Counter<long> _stalls;
    private readonly Histogram<double> _persist;

    // The snapshot, written by the loop and read by the scraper. Each field is one atomic value; a scrape may see two
    // of them from different inputs, never a torn one.
    private long _term;
    private int _role;
    private int _state;
    private long _coordinatorEpoch;
    private long _satellitesAcknowledged;
    private long _satellitesRemoved;
    private long _satellitesPending;
    private int _announcementAcknowledged;

    // Loop-only: what the last snapshot saw, to count changes.
    private NodeId? _lastLeader;
    private long _lastLeaseEnd;
    private bool _leaseHeld;

    public DaemonMetrics(Func<TransportCounters?> transport)
    {
        _transport = transport;
        _received = _meter.CreateCounter<long>("halon_messages_received", description: "Protocol messages stepped into the node, by type.");
        _sent = _meter.CreateCounter<long>("halon_messages_sent", description: "Protocol messages the node handed to the transport, by type.");
        _dropped = _meter.CreateCounter<long>("halon_messages_dropped", description: "Received protocol messages the node dropped, by type and reason.");
        _masterChanges = _meter.CreateCounter<long>("halon_master_changes", description: "Times the master this node follows changed to another node (the first one included).");
        _preElections = _meter.CreateCounter<long>("halon_pre_elections_started", description: "Pre-vote rounds this node started.");
        _elections = _meter.CreateCounter<long>("halon_elections_started", description: "Elections this node started (a new term after a won pre-vote).");
        _electionsWon = _meter.CreateCounter<long>("halon_elections_won", description: "Elections this node won.");
        _preVotesRefused = _meter.CreateCounter<long>("halon_pre_votes_refused", description: "Pre-vote requests this node refused: answered no, or withheld while a master's lease may hold.");
        _leaseRenewals = _meter.CreateCounter<long>("halon_lease_renewals", description: "Times this master's lease end moved forward (a majority acknowledged a newer heartbeat).");
        _leaseLapses = _meter.CreateCounter<long>("halon_lease_lapses", description: "Times this master's lease ran out while it was master.");
        _coordinatorStarts = _meter.CreateCounter<long>("halon_coordinator_starts", description: "Times the coordinator started on this node.");
        _satellitesAcknowledgedByThisNode = _meter.CreateCounter<long>("halon_acknowledgements_sent", description: "Acknowledgements this node's coordinator sent (repeats of one included).");
        _dialFailures = _meter.CreateCounter<long>("halon_dial_failures", description: "Outbound connection attempts that failed, by problem.");
        _stalls = _meter.CreateCounter<long>("halon_loop_stalls", description: "Times the loop found itself 50 or more ticks late.");
        _persist = _meter.CreateHistogram("halon_persist_duration", "s", "Time to make one batch durable (writes and fsyncs).", tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = PersistBucketsSeconds });

        _meter.CreateObservableGauge("halon_term", () => Volatile.Read(ref _term), description: "The node's current term.");
        _meter.CreateObservableGauge("halon_role", RoleMeasurements, description: "1 for the node's role, 0 for the others.");
        _meter.CreateObservableGauge("halon_state", StateMeasurements, description: "1 for the supervisor's state, 0 for the others.");
        _meter.CreateObservableGauge("halon_coordinator_up", () => Volatile.Read(ref _coordinatorEpoch) > 0 ? 1L : 0L, description: "1 while the coordinator runs on this node.");
        _meter.CreateObservableGauge("halon_coordinator_epoch", () => Volatile.Read(ref _coordinatorEpoch), description: "The epoch of the coordinator running on this node, 0 when none.");
        _meter.CreateObservableGauge("halon_satellites_acknowledged", () => Volatile.Read(ref _satellitesAcknowledged), description: "Satellites in the station's committed state, as this peer has applied it.");
        _meter.CreateObservableGauge("halon_satellites_removed", () => Volatile.Read(ref _satellitesRemoved), description: "Tombstones of removed satellites in the station's committed state, as this peer has applied it (a node bootstrapped again keeps its tombstone).");
        _meter.CreateObservableGauge("halon_satellites_pending", () => Volatile.Read(ref _satellitesPending), description: "Master only: acknowledgements appended but not yet committed.");
        _meter.CreateObservableGauge("halon_announcement_acknowledged", () => (long)Volatile.Read(ref _announcementAcknowledged), description: "Satellite only: 1 once the coordinator acknowledged this incarnation.");

        _meter.CreateObservableCounter("halon_transport_messages_sent", () => _transport()?.MessagesSent ?? 0, description: "Messages written to peer connections.");
        _meter.CreateObservableCounter("halon_transport_messages_dropped", () => _transport()?.MessagesDropped ?? 0, description: "Messages the transport dropped unsent: a full queue, too old, too many destinations.");
        _meter.CreateObservableCounter("halon_transport_messages_rejected", () => _transport()?.MessagesRejected ?? 0, description: "Received messages whose sender differs from the connection's proven node id.");
        _meter.CreateObservableCounter("halon_transport_frames_rejected", () => _transport()?.FramesRejected ?? 0, description: "Frames after a handshake that failed authentication (sealed frames, TLS records); each closed its connection.");
        _meter.CreateObservableCounter("halon_transport_datagrams_sent", () => _transport()?.DatagramsSent ?? 0, description: "Datagrams sent: copies of heartbeats, their answers and votes, beside the peer connection.");
        _meter.CreateObservableCounter("halon_transport_datagrams_received", () => _transport()?.DatagramsReceived ?? 0, description: "Datagrams that authenticated, passed every check and were handed to the node.");
        _meter.CreateObservableCounter("halon_transport_datagrams_rejected", () => _transport()?.DatagramsRejected ?? 0, description: "Datagrams dropped: failed authentication, replayed or too old, malformed, or from another node than their key's.");
        _meter.CreateObservableCounter("halon_transport_datagrams_stale", () => _transport()?.DatagramsStale ?? 0, description: "Datagrams under a key this node no longer holds (normal for a moment around a reconnection).");
        _meter.CreateObservableCounter("halon_connections_rejected", () => _transport()?.ConnectionsRejected ?? 0, description: "Inbound connections closed without being served: failed handshakes (wrong key included), bad frames, the connection limit, bare port checks.");
    }

    /// <summary>The message types, as in the <c>type</c> label.</summary>
    private enum MessageType
    {
        AppendEntries,
        AppendEntriesResponse,
        VoteRequest,
        VoteResponse,
        PeerProbe,
        PeerProbeReply,
        NodeUp,
        NodeUpAck,
        NodeUpRedirect,
        NodeUpOutdated,
        NodeUpRemoved,
        Other,
    }

    public void Received(Message message) => _received.Add(1, TypeTag(message));

    public void Sent(Message message)
    {
        _sent.Add(1, TypeTag(message));
        if (message is VoteResponse { PreVote: true, Granted: false })
        {
            _preVotesRefused.Add(1, new KeyValuePair<string, object?>("how", "answered"));
        }
    }

    public void Dropped(Message message, DropCategory category)
    {
        _dropped.Add(1, TypeTag(message), new KeyValuePair<string, object?>("reason", s_dropReasons[(int)category]));
        if (message is VoteRequest { PreVote: true } && category == DropCategory.VoteWithheld)
        {
            _preVotesRefused.Add(1, new KeyValuePair<string, object?>("how", "withheld"));
        }
    }

    public void Persisted(long startTimestamp) => _persist.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds);

    public void DialFailed(PeerProblem problem) =>
        _dialFailures.Add(1, new KeyValuePair<string, object?>("problem", problem == PeerProblem.AuthenticationFailed ? "authentication_failed" : "connection_failed"));

    public void Stalled() => _stalls.Add(1);

    public void Effect(Effect effect)
    {
        switch (effect)
        {
            case SupervisorStateChanged { To: SupervisorState.PreCandidate }:
                _preElections.Add(1);
                break;
            case SupervisorStateChanged { To: SupervisorState.Candidate }:
                _elections.Add(1);
                break;
            case BecameMaster:
                _electionsWon.Add(1);
                break;
            case CoordinatorStarted:
                _coordinatorStarts.Add(1);
                break;
            case SatelliteAcknowledged:
                _satellitesAcknowledgedByThisNode.Add(1);
                break;
        }
    }

    /// <summary>After every input: the snapshot for the gauges, and the changes it shows (master, lease).</summary>
    public void Observe(HalonNode node)
    {
        Volatile.Write(ref _term, node.Term);
        Volatile.Write(ref _role, (int)node.Role);
        Volatile.Write(ref _state, (int)node.State);
        Volatile.Write(ref _coordinatorEpoch, node.CoordinatorEpoch);
        Volatile.Write(ref _satellitesAcknowledged, node.Role == NodeRole.Station ? node.Satellites.Count : 0);
        Volatile.Write(ref _satellitesRemoved, node.Role == NodeRole.Station ? node.RemovedSatellites.Count : 0);
        Volatile.Write(ref _satellitesPending, node.SatellitesPending);
        Volatile.Write(ref _announcementAcknowledged, node.AnnouncementAcknowledged ? 1 : 0);
        if (node.Leader is { } leader && !leader.Equals(_lastLeader))
        {
            _masterChanges.Add(1);
            _lastLeader = leader;
        }

        if (node.State != SupervisorState.Master)
        {
            _leaseHeld = false;
            _lastLeaseEnd = 0;
            return;
        }

        var leaseEnd = node.LeaseEndTick;
        if (leaseEnd > _lastLeaseEnd && _lastLeaseEnd != 0)
        {
            _leaseRenewals.Add(1);
        }

        var held = node.Now < leaseEnd;
        if (_leaseHeld && !held)
        {
            _leaseLapses.Add(1);
        }

        _leaseHeld = held;
        _lastLeaseEnd = leaseEnd;
    }

    public void Dispose() => _meter.Dispose();

    private static KeyValuePair<string, object?> TypeTag(Message message)
    {
        var type = message switch
        {
            AppendEntries => MessageType.AppendEntries,
            AppendEntriesResponse => MessageType.AppendEntriesResponse,
            VoteRequest => MessageType.VoteRequest,
            VoteResponse => MessageType.VoteResponse,
            PeerProbe => MessageType.PeerProbe,
            PeerProbeReply => MessageType.PeerProbeReply,
            NodeUp => MessageType.NodeUp,
            NodeUpAck => MessageType.NodeUpAck,
            NodeUpRedirect => MessageType.NodeUpRedirect,
            NodeUpOutdated => MessageType.NodeUpOutdated,
            NodeUpRemoved => MessageType.NodeUpRemoved,
            _ => MessageType.Other,
        };
        return new KeyValuePair<string, object?>("type", s_messageTypes[(int)type]);
    }

    private IEnumerable<Measurement<long>> RoleMeasurements()
    {
        var role = Volatile.Read(ref _role);
        return s_roles.Select(r => new Measurement<long>((int)r == role ? 1 : 0, new KeyValuePair<string, object?>("role", MetricText.Snake(r.ToString()))));
    }

    private IEnumerable<Measurement<long>> StateMeasurements()
    {
        var state = Volatile.Read(ref _state);
        return s_states.Select(s => new Measurement<long>((int)s == state ? 1 : 0, new KeyValuePair<string, object?>("state", MetricText.Snake(s.ToString()))));
    }
}
