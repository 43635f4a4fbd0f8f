using Google.Protobuf;
using Halon.Core;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Transport.Tcp.Codec;
using W = Halon.Transport.Tcp.Wire;

namespace Halon.Transport.Tcp;

/// <summary>
/// Maps every core <see cref="Message"/> to and from the payload of one peer-connection frame (a protobuf
/// <c>Envelope</c>). Decoding validates every field and reports any problem as a <see cref="WireFormatException"/>.
/// </summary>
public static class MessageCodec
{
    /// <summary>The payload of a keepalive frame.</summary>
    internal static byte[] KeepalivePayload { get; } = new W.Envelope { Keepalive = new W.Keepalive() }.ToByteArray();

    /// <summary>Encodes <paramref name="message"/> as a frame payload.</summary>
    public static byte[] Encode(Message message) => ToEnvelope(message).ToByteArray();

    /// <summary>
    /// Decodes a frame payload. Returns null for a keepalive frame, which carries no message. Throws
    /// <see cref="WireFormatException"/>, and nothing else, when the payload is not a valid message.
    /// </summary>
    public static Message? Decode(ReadOnlySpan<byte> payload) => FromEnvelope(ParseEnvelope(payload));

    /// <summary>Parses a frame payload as an envelope without judging its body; <see cref="WireFormatException"/> if it is none.</summary>
    internal static W.Envelope ParseEnvelope(ReadOnlySpan<byte> payload)
    {
        try
        {
            return W.Envelope.Parser.ParseFrom(payload);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or ArgumentException or InvalidOperationException)
        {
            throw new WireFormatException($"not a valid envelope: {e.Message}", e);
        }
    }

    /// <summary>The payload of a frame that hands the listener a datagram key.</summary>
    internal static byte[] DatagramKeyPayload(ReadOnlySpan<byte> keyId, ReadOnlySpan<byte> key) =>
        new W.Envelope { DatagramKey = new W.DatagramKey { KeyId = ByteString.CopyFrom(keyId), Key = ByteString.CopyFrom(key) } }.ToByteArray();

    /// <summary>
    /// Whether <paramref name="message"/> also travels as a datagram: the small, time-critical ones (a heartbeat, that
    /// is an AppendEntries without entries, its answer, and votes). Everything travels on the peer connection too.
    /// </summary>
    public static bool TravelsAsDatagram(Message message) =>
        message is AppendEntries { Entries.Count: 0 } or AppendEntriesResponse or VoteRequest or VoteResponse;

    /// <summary>
    /// Whether <paramref name="message"/> is traffic among station peers (votes, appends, snapshots, probes and their
    /// answers), which the node's loop takes ahead of satellite traffic (see <see cref="TcpTransport.Events"/>).
    /// </summary>
    public static bool IsStationTraffic(Message message) => message is StationMessage or PeerProbeReply;

    /// <summary>
    /// Whether <paramref name="message"/> is an answer to an announcement (redirect, acknowledgement, outdated,
    /// removed), which goes back on the connection the announcing node dialled while it is open and reads replies.
    /// Everything else, and these when no such connection is open, goes on the sender's own connection.
    /// </summary>
    public static bool TravelsAsReply(Message message) =>
        message is NodeUpRedirect or NodeUpAck or NodeUpOutdated or NodeUpRemoved;

    internal static W.Envelope ToEnvelope(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var envelope = new W.Envelope { From = message.From.Value, To = message.To.Value };
        switch (message)
        {
            case PeerProbe probe:
                envelope.PeerProbe = new W.PeerProbe { ClusterId = probe.ClusterId, Term = probe.Term };
                break;
            case PeerProbeReply reply:
                envelope.PeerProbeReply = new W.PeerProbeReply
                {
                    Role = (W.Role)reply.Role,
                    ResponderClusterId = reply.ResponderClusterId,
                    State = (W.SupervisorState)reply.State,
                    Term = reply.Term,
                };
                if (reply.Leader is not null)
                {
                    envelope.PeerProbeReply.Leader = reply.Leader.Value;
                }

                break;
            case VoteRequest request:
                envelope.VoteRequest = new W.VoteRequest
                {
                    ClusterId = request.ClusterId,
                    Term = request.Term,
                    LastLogIndex = request.LastLogIndex,
                    LastLogTerm = request.LastLogTerm,
                    PreVote = request.PreVote,
                };
                break;
            case VoteResponse response:
                envelope.VoteResponse = new W.VoteResponse { ClusterId = response.ClusterId, Term = response.Term, Granted = response.Granted, PreVote = response.PreVote };
                break;
            case AppendEntries append:
                envelope.AppendEntries = ToWire(append);
                break;
            case InstallSnapshot install:
                envelope.InstallSnapshot = new W.InstallSnapshot
                {
                    ClusterId = install.ClusterId,
                    Term = install.Term,
                    LastIncludedIndex = install.LastIncludedIndex,
                    LastIncludedTerm = install.LastIncludedTerm,
                    Offset = install.Offset,
                    // The core never changes a snapshot's bytes once encoded, so the chunk is wrapped, not copied.
                    Data = Google.Protobuf.UnsafeByteOperations.UnsafeWrap(install.Data),
                    Done = install.Done,
                    LeaderTick = install.LeaderTick,
                    CoordinatorEpoch = install.CoordinatorEpoch,
                };
                break;
            case InstallSnapshotResponse response:
                envelope.InstallSnapshotResponse = new W.InstallSnapshotResponse
                {
                    ClusterId = response.ClusterId,
                    Term = response.Term,
                    LastIncludedIndex = response.LastIncludedIndex,
                    NextOffset = response.NextOffset,
                    Installed = response.Installed,
                    LeaderTick = response.LeaderTick,
                };
                break;
            case AppendEntriesResponse response:
                envelope.AppendEntriesResponse = new W.AppendEntriesResponse
                {
                    ClusterId = response.ClusterId,
                    Term = response.Term,
                    Success = response.Success,
                    MatchIndex = response.MatchIndex,
                    RejectHint = response.RejectHint,
                    LeaderTick = response.LeaderTick,
                };
                break;
            case NodeUp nodeUp:
                envelope.NodeUp = new W.NodeUp { Incarnation = nodeUp.Incarnation, Facts = ToWire(nodeUp.Facts), InstallId = nodeUp.InstallId };
                break;
            case NodeUpAck ack:
                envelope.NodeUpAck = new W.NodeUpAck { Incarnation = ack.Incarnation, Epoch = ack.Epoch, InstallId = ack.InstallId };
                AddStation(envelope.NodeUpAck.Station, ack.Station);
                break;
            case NodeUpOutdated outdated:
                envelope.NodeUpOutdated = new W.NodeUpOutdated
                {
                    InstallId = outdated.InstallId,
                    RecordedIncarnation = outdated.RecordedIncarnation,
                    RecordedInstallId = outdated.RecordedInstallId,
                    Epoch = outdated.Epoch,
                };
                break;
            case NodeUpRemoved removed:
                envelope.NodeUpRemoved = new W.NodeUpRemoved { InstallId = removed.InstallId, Epoch = removed.Epoch };
                AddStation(envelope.NodeUpRemoved.Station, removed.Station);
                break;
            case NodeUpRedirect redirect:
                envelope.NodeUpRedirect = new W.NodeUpRedirect { Term = redirect.Term };
                if (redirect.Leader is not null)
                {
                    envelope.NodeUpRedirect.Leader = redirect.Leader.Value;
                }

                AddStation(envelope.NodeUpRedirect.Station, redirect.Station);
                break;
            default:
                throw new ArgumentException($"message type {message.GetType().Name} has no wire form", nameof(message));
        }

        return envelope;
    }

    internal static Message? FromEnvelope(W.Envelope envelope)
    {
        if (envelope.BodyCase == W.Envelope.BodyOneofCase.Keepalive)
        {
            return null;
        }

        var from = WireCheck.NodeId(envelope.From, "from");
        var to = WireCheck.NodeId(envelope.To, "to");
        return envelope.BodyCase switch
        {
            W.Envelope.BodyOneofCase.PeerProbe => new PeerProbe(
                from,
                to,
                WireCheck.ClusterId(envelope.PeerProbe.ClusterId, "peer_probe.cluster_id", allowEmpty: false),
                WireCheck.NonNegative(envelope.PeerProbe.Term, "peer_probe.term")),
            W.Envelope.BodyOneofCase.PeerProbeReply => FromWire(from, to, envelope.PeerProbeReply),
            W.Envelope.BodyOneofCase.VoteRequest => new VoteRequest(
                from,
                to,
                WireCheck.ClusterId(envelope.VoteRequest.ClusterId, "vote_request.cluster_id", allowEmpty: false),
                WireCheck.NonNegative(envelope.VoteRequest.Term, "vote_request.term"),
                WireCheck.NonNegative(envelope.VoteRequest.LastLogIndex, "vote_request.last_log_index"),
                WireCheck.NonNegative(envelope.VoteRequest.LastLogTerm, "vote_request.last_log_term"),
                envelope.VoteRequest.PreVote),
            W.Envelope.BodyOneofCase.VoteResponse => new VoteResponse(
                from,
                to,
                WireCheck.ClusterId(envelope.VoteResponse.ClusterId, "vote_response.cluster_id", allowEmpty: false),
                WireCheck.NonNegative(envelope.VoteResponse.Term, "vote_response.term"),
                envelope.VoteResponse.Granted,
                envelope.VoteResponse.PreVote),
            W.Envelope.BodyOneofCase.AppendEntries => FromWire(from, to, envelope.AppendEntries),
            W.Envelope.BodyOneofCase.AppendEntriesResponse => FromWire(from, to, envelope.AppendEntriesResponse),
            W.Envelope.BodyOneofCase.InstallSnapshot => FromWire(from, to, envelope.InstallSnapshot),
            W.Envelope.BodyOneofCase.InstallSnapshotResponse => FromWire(from, to, envelope.InstallSnapshotResponse),
            W.Envelope.BodyOneofCase.NodeUp => new NodeUp(
                from,
                to,
                WireCheck.NonNegative(envelope.NodeUp.Incarnation, "node_up.incarnation"),
                FromWire(envelope.NodeUp.Facts, "node_up.facts"))
            {
                InstallId = WireCheck.NonNegative(envelope.NodeUp.InstallId, "node_up.install_id"),
            },
            W.Envelope.BodyOneofCase.NodeUpAck => new NodeUpAck(
                from,
                to,
                WireCheck.NonNegative(envelope.NodeUpAck.Incarnation, "node_up_ack.incarnation"),
                WireCheck.NonNegative(envelope.NodeUpAck.Epoch, "node_up_ack.epoch"),
                OptionalStation(envelope.NodeUpAck.Station, "node_up_ack.station"))
            {
                InstallId = WireCheck.NonNegative(envelope.NodeUpAck.InstallId, "node_up_ack.install_id"),
            },
            W.Envelope.BodyOneofCase.NodeUpOutdated => new NodeUpOutdated(
                from,
                to,
                WireCheck.NonNegative(envelope.NodeUpOutdated.InstallId, "node_up_outdated.install_id"),
                WireCheck.NonNegative(envelope.NodeUpOutdated.RecordedIncarnation, "node_up_outdated.recorded_incarnation"),
                WireCheck.NonNegative(envelope.NodeUpOutdated.RecordedInstallId, "node_up_outdated.recorded_install_id"),
                WireCheck.NonNegative(envelope.NodeUpOutdated.Epoch, "node_up_outdated.epoch")),
            W.Envelope.BodyOneofCase.NodeUpRemoved => new NodeUpRemoved(
                from,
                to,
                WireCheck.NonNegative(envelope.NodeUpRemoved.InstallId, "node_up_removed.install_id"),
                WireCheck.NonNegative(envelope.NodeUpRemoved.Epoch, "node_up_removed.epoch"),
                OptionalStation(envelope.NodeUpRemoved.Station, "node_up_removed.station")),
            W.Envelope.BodyOneofCase.NodeUpRedirect => new NodeUpRedirect(
                from,
                to,
                WireCheck.OptionalNodeId(envelope.NodeUpRedirect.HasLeader, envelope.NodeUpRedirect.Leader, "node_up_redirect.leader"),
                WireCheck.NonNegative(envelope.NodeUpRedirect.Term, "node_up_redirect.term"),
                OptionalStation(envelope.NodeUpRedirect.Station, "node_up_redirect.station")),
            W.Envelope.BodyOneofCase.None => throw new WireFormatException("the envelope carries no message"),
            W.Envelope.BodyOneofCase.DatagramKey => throw new WireFormatException("a datagram key is no protocol message"),
            _ => throw new WireFormatException($"message kind {(int)envelope.BodyCase} is unknown"),
        };
    }

    private static void AddStation(Google.Protobuf.Collections.RepeatedField<string> wire, PeerSet? station)
    {
        if (station is not null)
        {
            wire.AddRange(station.Members.Select(m => m.Value));
        }
    }

    /// <summary>An absent (empty) station list is null: the sender predates the field or is no station peer.</summary>
    private static PeerSet? OptionalStation(IReadOnlyList<string> members, string field) =>
        members.Count == 0 ? null : WireCheck.PeerSet(members, field);

    internal static W.HostFacts ToWire(HostFacts facts) =>
        new() { Hostname = facts.Hostname, Cpus = facts.Cpus, MemoryMib = facts.MemoryMiB };

    internal static HostFacts FromWire(W.HostFacts? facts, string field)
    {
        var present = WireCheck.Present(facts, field);
        var result = new HostFacts(WireCheck.Text(present.Hostname, Limits.HostnameLengthMax, field + ".hostname"), present.Cpus, present.MemoryMib);
        if (!result.IsValid)
        {
            throw new WireFormatException($"{field} are out of bounds: hostname of {result.Hostname.Length} characters, {result.Cpus} cpus, {result.MemoryMiB} MiB");
        }

        return result;
    }

    internal static W.LogEntry ToWire(LogEntry entry)
    {
        var wire = new W.LogEntry { Index = entry.Index, Term = entry.Term };
        switch (entry.Command)
        {
            case NoOpCommand:
                wire.NoOp = new W.NoOpCommand();
                break;
            case SatelliteAcknowledgedCommand acknowledged:
                wire.SatelliteAcknowledged = new W.SatelliteAcknowledgedCommand
                {
                    Satellite = acknowledged.Satellite.Value,
                    Incarnation = acknowledged.Incarnation,
                    Facts = ToWire(acknowledged.Facts),
                    InstallId = acknowledged.InstallId,
                };
                break;
            case SatelliteRemovedCommand removed:
                wire.SatelliteRemoved = new W.SatelliteRemovedCommand { Satellite = removed.Satellite.Value, InstallId = removed.InstallId };
                break;
            case StationConfigCommand configured:
                wire.StationConfig = new W.StationConfigCommand { Config = ToWire(configured.Config) };
                break;
            default:
                throw new ArgumentException($"log command {entry.Command?.GetType().Name ?? "null"} has no wire form", nameof(entry));
        }

        return wire;
    }

    internal static LogEntry FromWire(W.LogEntry? entry, string field)
    {
        var present = WireCheck.Present(entry, field);
        var index = WireCheck.NonNegative(present.Index, field + ".index");
        if (index < 1)
        {
            throw new WireFormatException($"{field}.index is 0; log indexes start at 1");
        }

        var term = WireCheck.NonNegative(present.Term, field + ".term");
        EntryCommand command = present.CommandCase switch
        {
            W.LogEntry.CommandOneofCase.NoOp => NoOpCommand.Instance,
            W.LogEntry.CommandOneofCase.SatelliteAcknowledged => new SatelliteAcknowledgedCommand(
                WireCheck.NodeId(present.SatelliteAcknowledged.Satellite, field + ".satellite"),
                WireCheck.NonNegative(present.SatelliteAcknowledged.Incarnation, field + ".incarnation"),
                FromWire(present.SatelliteAcknowledged.Facts, field + ".facts"))
            {
                InstallId = WireCheck.NonNegative(present.SatelliteAcknowledged.InstallId, field + ".install_id"),
            },
            W.LogEntry.CommandOneofCase.SatelliteRemoved => new SatelliteRemovedCommand(
                WireCheck.NodeId(present.SatelliteRemoved.Satellite, field + ".satellite"),
                WireCheck.NonNegative(present.SatelliteRemoved.InstallId, field + ".install_id")),
            W.LogEntry.CommandOneofCase.StationConfig => new StationConfigCommand(WireCheck.StationConfig(present.StationConfig.Config, field + ".station_config")),
            W.LogEntry.CommandOneofCase.None => throw new WireFormatException($"{field} carries no command"),
            _ => throw new WireFormatException($"{field} command kind {(int)present.CommandCase} is unknown"),
        };
        return new LogEntry(index, term, command);
    }

    /// <summary>A station configuration on the wire: its voters, learners and retiring voters, each list sorted.</summary>
    internal static W.StationConfiguration ToWire(StationConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var wire = new W.StationConfiguration();
        wire.Voters.AddRange(config.Voters.Members.Select(m => m.Value));
        wire.Learners.AddRange(config.Learners.Select(m => m.Value));
        wire.Retiring.AddRange(config.Retiring.Select(m => m.Value));
        return wire;
    }

    private static W.AppendEntries ToWire(AppendEntries append)
    {
        var wire = new W.AppendEntries
        {
            ClusterId = append.ClusterId,
            Term = append.Term,
            PrevLogIndex = append.PrevLogIndex,
            PrevLogTerm = append.PrevLogTerm,
            LeaderCommit = append.LeaderCommit,
            LeaderTick = append.LeaderTick,
            CoordinatorEpoch = append.CoordinatorEpoch,
        };
        foreach (var entry in append.Entries)
        {
            wire.Entries.Add(ToWire(entry));
        }

        return wire;
    }

    private static AppendEntries FromWire(NodeId from, NodeId to, W.AppendEntries wire)
    {
        WireCheck.Count(wire.Entries.Count, Limits.AppendEntriesEntriesMax, "append_entries.entries");
        var entries = new LogEntry[wire.Entries.Count];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = FromWire(wire.Entries[i], "append_entries.entries");
        }

        return new AppendEntries(
            from,
            to,
            WireCheck.ClusterId(wire.ClusterId, "append_entries.cluster_id", allowEmpty: false),
            WireCheck.NonNegative(wire.Term, "append_entries.term"),
            WireCheck.NonNegative(wire.PrevLogIndex, "append_entries.prev_log_index"),
            WireCheck.NonNegative(wire.PrevLogTerm, "append_entries.prev_log_term"),
            entries,
            WireCheck.NonNegative(wire.LeaderCommit, "append_entries.leader_commit"),
            WireCheck.NonNegative(wire.LeaderTick, "append_entries.leader_tick"),
            WireCheck.NonNegative(wire.CoordinatorEpoch, "append_entries.coordinator_epoch"));
    }

    private static AppendEntriesResponse FromWire(NodeId from, NodeId to, W.AppendEntriesResponse wire) =>
        new(
            from,
            to,
            WireCheck.ClusterId(wire.ClusterId, "append_entries_response.cluster_id", allowEmpty: false),
            WireCheck.NonNegative(wire.Term, "append_entries_response.term"),
            wire.Success,
            WireCheck.NonNegative(wire.MatchIndex, "append_entries_response.match_index"),
            WireCheck.NonNegative(wire.RejectHint, "append_entries_response.reject_hint"),
            WireCheck.NonNegative(wire.LeaderTick, "append_entries_response.leader_tick"));

    private static InstallSnapshot FromWire(NodeId from, NodeId to, W.InstallSnapshot wire)
    {
        WireCheck.Count(wire.Data.Length, Limits.SnapshotChunkBytesMax, "install_snapshot.data");
        return new InstallSnapshot(
            from,
            to,
            WireCheck.ClusterId(wire.ClusterId, "install_snapshot.cluster_id", allowEmpty: false),
            WireCheck.NonNegative(wire.Term, "install_snapshot.term"),
            WireCheck.NonNegative(wire.LastIncludedIndex, "install_snapshot.last_included_index"),
            WireCheck.NonNegative(wire.LastIncludedTerm, "install_snapshot.last_included_term"),
            WireCheck.NonNegative(wire.Offset, "install_snapshot.offset"),
            wire.Data.Memory,
            wire.Done,
            WireCheck.NonNegative(wire.LeaderTick, "install_snapshot.leader_tick"),
            WireCheck.NonNegative(wire.CoordinatorEpoch, "install_snapshot.coordinator_epoch"));
    }

    private static InstallSnapshotResponse FromWire(NodeId from, NodeId to, W.InstallSnapshotResponse wire) =>
        new(
            from,
            to,
            WireCheck.ClusterId(wire.ClusterId, "install_snapshot_response.cluster_id", allowEmpty: false),
            WireCheck.NonNegative(wire.Term, "install_snapshot_response.term"),
            WireCheck.NonNegative(wire.LastIncludedIndex, "install_snapshot_response.last_included_index"),
            WireCheck.NonNegative(wire.NextOffset, "install_snapshot_response.next_offset"),
            wire.Installed,
            WireCheck.NonNegative(wire.LeaderTick, "install_snapshot_response.leader_tick"));

    private static PeerProbeReply FromWire(NodeId from, NodeId to, W.PeerProbeReply wire) =>
        new(
            from,
            to,
            WireCheck.Role(wire.Role),
            WireCheck.ClusterId(wire.ResponderClusterId, "peer_probe_reply.responder_cluster_id", allowEmpty: true),
            WireCheck.State(wire.State),
            WireCheck.NonNegative(wire.Term, "peer_probe_reply.term"),
            WireCheck.OptionalNodeId(wire.HasLeader, wire.Leader, "peer_probe_reply.leader"));
}
