using Google.Protobuf;
using Halon.Core;
using Halon.Core.Identity;
using Halon.Core.Protocol;
using Halon.Core.Status;
using W = Halon.Transport.Tcp.Wire;

namespace Halon.Transport.Tcp.Codec;

/// <summary>
/// The control RPC: <c>ControlRequest</c> frames from halonctl and <c>ControlResponse</c> frames back. A status answer
/// is split into chunks of at most <see cref="WireProtocol.StatusChunkSatellitesMax"/> satellites so that no frame
/// approaches <see cref="WireProtocol.FrameBytesMax"/>, whatever the station's size.
/// </summary>
internal static class ControlCodec
{
    public static W.ControlRequest ToRequest(ulong requestId, ControlCommand command)
    {
        var request = new W.ControlRequest { RequestId = requestId };
        switch (command)
        {
            case BootstrapStationCommand station:
                request.BootstrapStation = new W.BootstrapStation { Timing = ToWire(station.Timing) };
                request.BootstrapStation.Peers.AddRange(station.Peers.Members.Select(m => m.Value));
                break;
            case BootstrapSatelliteCommand satellite:
                request.BootstrapSatellite = new W.BootstrapSatellite();
                request.BootstrapSatellite.Station.AddRange(satellite.Station.Members.Select(m => m.Value));
                break;
            case GetStatusCommand:
                request.GetStatus = new W.GetStatus();
                break;
            case RemoveSatelliteCommand remove:
                request.RemoveSatellite = new W.RemoveSatellite { Satellite = remove.Satellite.Value };
                break;
            case JoinStationCommand join:
                request.JoinStation = new W.JoinStation { ClusterId = join.ClusterId, Timing = ToWire(join.Timing) };
                request.JoinStation.Contacts.AddRange(join.Contacts.Members.Select(m => m.Value));
                break;
            case ChangeStationCommand change:
                request.ChangeStation = ToWire(change.Change);
                break;
            default:
                throw new ArgumentException($"command {command.GetType().Name} has no wire form", nameof(command));
        }

        return request;
    }

    /// <summary>Decodes a request frame; throws <see cref="WireFormatException"/> only.</summary>
    public static (ulong RequestId, ControlCommand Command) DecodeRequest(ReadOnlySpan<byte> payload)
    {
        var request = Parse(W.ControlRequest.Parser, payload, "control request");
        ControlCommand command = request.BodyCase switch
        {
            W.ControlRequest.BodyOneofCase.BootstrapStation => new BootstrapStationCommand(
                WireCheck.PeerSet(request.BootstrapStation.Peers, "bootstrap_station.peers"),
                FromWire(request.BootstrapStation.Timing, "bootstrap_station.timing")),
            W.ControlRequest.BodyOneofCase.BootstrapSatellite => new BootstrapSatelliteCommand(WireCheck.PeerSet(request.BootstrapSatellite.Station, "bootstrap_satellite.station")),
            W.ControlRequest.BodyOneofCase.GetStatus => GetStatusCommand.Instance,
            W.ControlRequest.BodyOneofCase.RemoveSatellite => new RemoveSatelliteCommand(WireCheck.NodeId(request.RemoveSatellite.Satellite, "remove_satellite.satellite")),
            W.ControlRequest.BodyOneofCase.JoinStation => new JoinStationCommand(
                WireCheck.ClusterId(request.JoinStation.ClusterId, "join_station.cluster_id", allowEmpty: false),
                FromWire(request.JoinStation.Timing, "join_station.timing") ?? throw new WireFormatException("join_station.timing is missing"),
                WireCheck.PeerSet(request.JoinStation.Contacts, "join_station.contacts")),
            W.ControlRequest.BodyOneofCase.ChangeStation => new ChangeStationCommand(FromWire(request.ChangeStation)),
            W.ControlRequest.BodyOneofCase.None => throw new WireFormatException("the control request carries no command"),
            _ => throw new WireFormatException($"control command kind {(int)request.BodyCase} is unknown"),
        };
        return (request.RequestId, command);
    }

    public static W.ControlResponse ToResponse(ulong requestId, CommandResult result) => new()
    {
        RequestId = requestId,
        CommandResult = new W.CommandResult { Succeeded = result.Succeeded, Changed = result.Changed, Message = result.Message },
    };

    public static W.ControlResponse ToResponse(ulong requestId, RemovalResult result)
    {
        var wire = new W.RemovalResult { Outcome = ToWire(result.Outcome), Message = result.Message, LogIndex = result.LogIndex };
        if (result.Coordinator is not null)
        {
            wire.Coordinator = result.Coordinator.Value;
        }

        return new W.ControlResponse { RequestId = requestId, RemovalResult = wire };
    }

    private static W.RemovalOutcome ToWire(RemovalOutcome outcome) => outcome switch
    {
        RemovalOutcome.Appended => W.RemovalOutcome.Appended,
        RemovalOutcome.Pending => W.RemovalOutcome.Pending,
        RemovalOutcome.AlreadyRemoved => W.RemovalOutcome.AlreadyRemoved,
        RemovalOutcome.Unknown => W.RemovalOutcome.Unknown,
        RemovalOutcome.NotCoordinator => W.RemovalOutcome.NotCoordinator,
        RemovalOutcome.NotStation => W.RemovalOutcome.NotStation,
        RemovalOutcome.LimitReached => W.RemovalOutcome.LimitReached,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "no wire form"),
    };

    public static RemovalResult FromWire(W.RemovalResult result)
    {
        var outcome = result.Outcome switch
        {
            W.RemovalOutcome.Appended => RemovalOutcome.Appended,
            W.RemovalOutcome.Pending => RemovalOutcome.Pending,
            W.RemovalOutcome.AlreadyRemoved => RemovalOutcome.AlreadyRemoved,
            W.RemovalOutcome.Unknown => RemovalOutcome.Unknown,
            W.RemovalOutcome.NotCoordinator => RemovalOutcome.NotCoordinator,
            W.RemovalOutcome.NotStation => RemovalOutcome.NotStation,
            W.RemovalOutcome.LimitReached => RemovalOutcome.LimitReached,
            _ => throw new WireFormatException($"removal outcome {(int)result.Outcome} is unknown"),
        };
        return new RemovalResult(
            outcome,
            WireCheck.Text(result.Message, WireProtocol.TextLengthMax, "removal_result.message"),
            result.HasCoordinator ? WireCheck.NodeId(result.Coordinator, "removal_result.coordinator") : null,
            WireCheck.NonNegative(result.LogIndex, "removal_result.log_index"));
    }

    private static W.ChangeStation ToWire(MembershipChange change) => change switch
    {
        AddPeer add => new W.ChangeStation { Add = new W.AddPeerChange { Node = add.Node.Value } },
        RemovePeer remove => new W.ChangeStation { Remove = new W.RemovePeerChange { Node = remove.Node.Value } },
        ReplacePeer replace => new W.ChangeStation { Replace = new W.ReplacePeerChange { OldNode = replace.Old.Value, NewNode = replace.New.Value } },
        _ => throw new ArgumentException($"change {change.GetType().Name} has no wire form", nameof(change)),
    };

    private static MembershipChange FromWire(W.ChangeStation change) => change.ChangeCase switch
    {
        W.ChangeStation.ChangeOneofCase.Add => new AddPeer(WireCheck.NodeId(change.Add.Node, "change_station.add.node")),
        W.ChangeStation.ChangeOneofCase.Remove => new RemovePeer(WireCheck.NodeId(change.Remove.Node, "change_station.remove.node")),
        W.ChangeStation.ChangeOneofCase.Replace => new ReplacePeer(
            WireCheck.NodeId(change.Replace.OldNode, "change_station.replace.old_node"),
            WireCheck.NodeId(change.Replace.NewNode, "change_station.replace.new_node")),
        W.ChangeStation.ChangeOneofCase.None => throw new WireFormatException("change_station carries no change"),
        _ => throw new WireFormatException($"change_station change kind {(int)change.ChangeCase} is unknown"),
    };

    public static W.ControlResponse ToResponse(ulong requestId, MembershipResult result)
    {
        var wire = new W.MembershipResult { Outcome = ToWire(result.Outcome), Message = result.Message, LogIndex = result.LogIndex };
        if (result.Master is not null)
        {
            wire.Master = result.Master.Value;
        }

        if (result.Config is not null)
        {
            wire.Config = MessageCodec.ToWire(result.Config);
        }

        return new W.ControlResponse { RequestId = requestId, MembershipResult = wire };
    }

    private static W.MembershipOutcome ToWire(MembershipOutcome outcome) => outcome switch
    {
        MembershipOutcome.Appended => W.MembershipOutcome.Appended,
        MembershipOutcome.Pending => W.MembershipOutcome.Pending,
        MembershipOutcome.AlreadyDone => W.MembershipOutcome.AlreadyDone,
        MembershipOutcome.Refused => W.MembershipOutcome.Refused,
        MembershipOutcome.NotCoordinator => W.MembershipOutcome.NotCoordinator,
        MembershipOutcome.NotStation => W.MembershipOutcome.NotStation,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "no wire form"),
    };

    /// <summary>A membership answer from the wire; throws <see cref="WireFormatException"/> only.</summary>
    public static MembershipResult FromWire(W.MembershipResult result)
    {
        var outcome = result.Outcome switch
        {
            W.MembershipOutcome.Appended => MembershipOutcome.Appended,
            W.MembershipOutcome.Pending => MembershipOutcome.Pending,
            W.MembershipOutcome.AlreadyDone => MembershipOutcome.AlreadyDone,
            W.MembershipOutcome.Refused => MembershipOutcome.Refused,
            W.MembershipOutcome.NotCoordinator => MembershipOutcome.NotCoordinator,
            W.MembershipOutcome.NotStation => MembershipOutcome.NotStation,
            _ => throw new WireFormatException($"membership outcome {(int)result.Outcome} is unknown"),
        };
        return new MembershipResult(
            outcome,
            WireCheck.Text(result.Message, WireProtocol.TextLengthMax, "membership_result.message"),
            result.HasMaster ? WireCheck.NodeId(result.Master, "membership_result.master") : null,
            WireCheck.NonNegative(result.LogIndex, "membership_result.log_index"),
            result.Config is null ? null : WireCheck.StationConfig(result.Config, "membership_result.config"));
    }

    public static W.ControlResponse ToError(ulong requestId, string message) => new()
    {
        RequestId = requestId,
        Error = new W.ControlError { Message = message },
    };

    /// <summary>
    /// The frames of one status answer: satellite chunks, the last one carrying the header, with the transport's own
    /// part (<paramref name="transport"/>) added to it.
    /// </summary>
    public static List<W.ControlResponse> ToStatusResponses(ulong requestId, NodeStatus status, TransportStatus? transport = null)
    {
        var responses = new List<W.ControlResponse>();
        var satellites = status.Satellites;
        var offset = 0;
        do
        {
            var chunk = new W.StatusChunk();
            var end = Math.Min(offset + WireProtocol.StatusChunkSatellitesMax, satellites.Count);
            for (var i = offset; i < end; i++)
            {
                var s = satellites[i];
                chunk.Satellites.Add(new W.SatelliteStatus
                {
                    Node = s.Node,
                    Acknowledged = s.Acknowledged,
                    Incarnation = s.Incarnation,
                    Hostname = s.Hostname,
                    InstallId = s.InstallId,
                    Reinstalls = s.Reinstalls,
                    Removed = s.Removed,
                });
            }

            offset = end;
            if (offset >= satellites.Count)
            {
                chunk.Header = ToHeader(status);
                if (transport is not null)
                {
                    AddTransport(chunk.Header, transport);
                }
            }

            responses.Add(new W.ControlResponse { RequestId = requestId, StatusChunk = chunk });
        }
        while (offset < satellites.Count);

        return responses;
    }

    /// <summary>Decodes a response frame; throws <see cref="WireFormatException"/> only.</summary>
    public static W.ControlResponse DecodeResponse(ReadOnlySpan<byte> payload)
    {
        var response = Parse(W.ControlResponse.Parser, payload, "control response");
        switch (response.BodyCase)
        {
            case W.ControlResponse.BodyOneofCase.CommandResult:
                WireCheck.Text(response.CommandResult.Message, WireProtocol.TextLengthMax, "command_result.message");
                break;
            case W.ControlResponse.BodyOneofCase.StatusChunk:
                WireCheck.Count(response.StatusChunk.Satellites.Count, WireProtocol.StatusChunkSatellitesMax, "status_chunk.satellites");
                break;
            case W.ControlResponse.BodyOneofCase.Error:
                WireCheck.Text(response.Error.Message, WireProtocol.TextLengthMax, "error.message");
                break;
            case W.ControlResponse.BodyOneofCase.RemovalResult:
                FromWire(response.RemovalResult);
                break;
            case W.ControlResponse.BodyOneofCase.MembershipResult:
                FromWire(response.MembershipResult);
                break;
            case W.ControlResponse.BodyOneofCase.None:
                throw new WireFormatException("the control response carries no answer");
            default:
                throw new WireFormatException($"control answer kind {(int)response.BodyCase} is unknown");
        }

        return response;
    }

    public static CommandResult FromWire(W.CommandResult result) => new(result.Succeeded, result.Changed, result.Message);

    public static SatelliteStatus FromWire(W.SatelliteStatus s) => new(
        WireCheck.Text(s.Node, NodeId.LengthMax, "satellite.node"),
        s.Acknowledged,
        WireCheck.NonNegative(s.Incarnation, "satellite.incarnation"),
        WireCheck.Text(s.Hostname, Limits.HostnameLengthMax, "satellite.hostname"))
    {
        InstallId = WireCheck.NonNegative(s.InstallId, "satellite.install_id"),
        Reinstalls = (int)WireCheck.NonNegative(s.Reinstalls, "satellite.reinstalls"),
        Removed = s.Removed,
    };

    /// <summary>A station timing on the wire; null stays absent.</summary>
    public static W.StationTiming? ToWire(StationTiming? timing) => timing is null
        ? null
        : new W.StationTiming
        {
            Name = timing.Name,
            HeartbeatIntervalTicks = timing.HeartbeatIntervalTicks,
            ElectionTimeoutTicks = timing.ElectionTimeoutTicks,
            ClockDriftFactor = timing.ClockDriftFactor,
        };

    /// <summary>
    /// A station timing from the wire; absent is null. Values out of range are kept as they came: the core refuses
    /// timing that breaks the lease argument, with the reason, and that answer reaches halonctl.
    /// </summary>
    public static StationTiming? FromWire(W.StationTiming? timing, string field)
    {
        if (timing is null)
        {
            return null;
        }

        if (!double.IsFinite(timing.ClockDriftFactor))
        {
            throw new WireFormatException($"{field}.clock_drift_factor is not a number");
        }

        return new StationTiming(
            WireCheck.Text(timing.Name, WireProtocol.TextLengthMax, field + ".name"),
            timing.HeartbeatIntervalTicks,
            timing.ElectionTimeoutTicks,
            timing.ClockDriftFactor);
    }

    /// <summary>Assembles a status from its header and the satellites of all chunks.</summary>
    public static NodeStatus FromWire(W.StatusHeader header, List<SatelliteStatus> satellites)
    {
        if (header.SatellitesTotal != satellites.Count)
        {
            throw new WireFormatException($"the status announced {header.SatellitesTotal} satellites but carried {satellites.Count}");
        }

        WireCheck.Count(header.Peers.Count, Limits.PeersMax, "status.peers");
        var peers = header.Peers
            .Select(p => new PeerStatus(
                WireCheck.Text(p.Node, NodeId.LengthMax, "peer.node"),
                p.Reachable,
                WireCheck.Text(p.State, WireProtocol.TextLengthMax, "peer.state"),
                p.LastHeardTicksAgo))
            .ToArray();
        var coordinator = header.Coordinator is null
            ? null
            : new CoordinatorInfo(WireCheck.Text(header.Coordinator.Node, NodeId.LengthMax, "coordinator.node"), WireCheck.NonNegative(header.Coordinator.Epoch, "coordinator.epoch"));
        var announcer = header.Announcer is null
            ? null
            : new AnnouncerStatus(
                WireCheck.Text(header.Announcer.Station, WireProtocol.TextLengthMax, "announcer.station"),
                WireCheck.NonNegative(header.Announcer.Incarnation, "announcer.incarnation"),
                header.Announcer.Acknowledged,
                WireCheck.NonNegative(header.Announcer.Epoch, "announcer.epoch"),
                header.Announcer.HasAcknowledgedBy ? WireCheck.Text(header.Announcer.AcknowledgedBy, NodeId.LengthMax, "announcer.acknowledged_by") : null,
                WireCheck.NonNegative(header.Announcer.AnnouncementsSent, "announcer.announcements_sent"),
                header.Announcer.HasReportedStation ? WireCheck.Text(header.Announcer.ReportedStation, WireProtocol.TextLengthMax, "announcer.reported_station") : null,
                header.Announcer.HasReportedBy ? WireCheck.Text(header.Announcer.ReportedBy, NodeId.LengthMax, "announcer.reported_by") : null)
            {
                Removed = header.Announcer.Removed,
                RemovedBy = header.Announcer.HasRemovedBy ? WireCheck.Text(header.Announcer.RemovedBy, NodeId.LengthMax, "announcer.removed_by") : null,
                RemovedEpoch = WireCheck.NonNegative(header.Announcer.RemovedEpoch, "announcer.removed_epoch"),
                InstallId = WireCheck.NonNegative(header.Announcer.InstallId, "announcer.install_id"),
            };
        return new NodeStatus(
            WireCheck.Text(header.Node, NodeId.LengthMax, "status.node"),
            WireCheck.Text(header.Role, WireProtocol.TextLengthMax, "status.role"),
            header.HasClusterId ? WireCheck.ClusterId(header.ClusterId, "status.cluster_id", allowEmpty: true) : null,
            WireCheck.NonNegative(header.Term, "status.term"),
            WireCheck.Text(header.State, WireProtocol.TextLengthMax, "status.state"),
            header.HasLeader ? WireCheck.Text(header.Leader, NodeId.LengthMax, "status.leader") : null,
            coordinator,
            peers,
            satellites,
            announcer,
            WireCheck.NonNegative(header.CommitIndex, "status.commit_index"),
            WireCheck.NonNegative(header.LastLogIndex, "status.last_log_index"),
            WireCheck.NonNegative(header.Ticks, "status.ticks"))
        {
            Timing = FromWire(header.Timing, "status.timing"),
            SnapshotIndex = WireCheck.NonNegative(header.SnapshotIndex, "status.snapshot_index"),
            LogEntries = WireCheck.NonNegative(header.LogEntries, "status.log_entries"),
            RemovedSatellites = (int)WireCheck.NonNegative(header.RemovedSatellites, "status.removed_satellites"),
            Configuration = header.Configuration is null ? null : FromWire(header.Configuration),
            LeftStation = header.LeftStation,
        };
    }

    /// <summary>A status's configuration: node ids as text (status shows what the node holds), bounded in number and length.</summary>
    private static ConfigurationStatus FromWire(W.ConfigurationInfo info)
    {
        WireCheck.Count(info.Voters.Count, Limits.PeersMax, "configuration.voters");
        WireCheck.Count(info.Learners.Count, Limits.LearnersMax, "configuration.learners");
        WireCheck.Count(info.Retiring.Count, Limits.PeersMax, "configuration.retiring");
        return new ConfigurationStatus(
            info.Voters.Select(v => WireCheck.Text(v, NodeId.LengthMax, "configuration.voters")).ToArray(),
            info.Learners.Select(l => new LearnerStatus(
                WireCheck.Text(l.Node, NodeId.LengthMax, "configuration.learners.node"),
                l.MatchIndex >= -1 ? l.MatchIndex : throw new WireFormatException($"configuration.learners.match_index is below -1 ({l.MatchIndex})"),
                WireCheck.NonNegative(l.CommitIndex, "configuration.learners.commit_index"))).ToArray(),
            info.Retiring.Select(r => WireCheck.Text(r, NodeId.LengthMax, "configuration.retiring")).ToArray(),
            WireCheck.NonNegative(info.Index, "configuration.index"),
            info.Committed,
            WireCheck.Text(info.Change, WireProtocol.TextLengthMax, "configuration.change"));
    }

    private static W.ConfigurationInfo ToWire(ConfigurationStatus configuration)
    {
        var info = new W.ConfigurationInfo { Index = configuration.Index, Committed = configuration.Committed, Change = configuration.Change };
        info.Voters.AddRange(configuration.Voters);
        info.Learners.AddRange(configuration.Learners.Select(l => new W.LearnerInfo { Node = l.Node, MatchIndex = l.MatchIndex, CommitIndex = l.CommitIndex }));
        info.Retiring.AddRange(configuration.Retiring);
        return info;
    }

    /// <summary>The transport's part of a status header; null when the header has none.</summary>
    public static TransportStatus? TransportFromWire(W.StatusHeader header)
    {
        if (header.Security is not { } security)
        {
            return null;
        }

        WireCheck.Count(security.Keys.Count, WireProtocol.KeyUsesMax, "security.keys");
        WireCheck.Count(header.Connections.Count, WireProtocol.ConnectionsListedMax, "status.connections");
        WireCheck.Count(header.ConnectionsByKey.Count, WireProtocol.KeyUsesMax, "status.connections_by_key");
        var keys = security.Keys
            .Select(k => new KeyStatus(WireCheck.Text(k.Id, WireProtocol.ClusterIdLengthMax, "key.id"), WireCheck.Text(k.Use, WireProtocol.ClusterIdLengthMax, "key.use")))
            .ToArray();
        var securityStatus = new SecurityStatus(
            WireCheck.Text(security.Mode, WireProtocol.ClusterIdLengthMax, "security.mode"),
            keys,
            security.Certificate.Length == 0 ? null : WireCheck.Text(security.Certificate, WireProtocol.TextLengthMax, "security.certificate"),
            security.CertificateNotAfter == 0 ? null : ToTime(security.CertificateNotAfter, "security.certificate_not_after"));
        var connections = header.Connections
            .Select(c => new ConnectionStatus(
                WireCheck.Text(c.Peer, NodeId.LengthMax, "connection.peer"),
                WireCheck.Text(c.Remote, NodeId.LengthMax, "connection.remote"),
                WireCheck.Text(c.Direction, WireProtocol.ClusterIdLengthMax, "connection.direction"),
                WireCheck.Text(c.Mode, WireProtocol.ClusterIdLengthMax, "connection.mode"),
                c.KeyId.Length == 0 ? null : WireCheck.Text(c.KeyId, WireProtocol.ClusterIdLengthMax, "connection.key_id"),
                WireCheck.NonNegative(c.AgeSeconds, "connection.age_seconds")))
            .ToArray();
        var byKey = header.ConnectionsByKey
            .Select(k => new KeyUse(
                WireCheck.Text(k.Mode, WireProtocol.ClusterIdLengthMax, "key_use.mode"),
                k.KeyId.Length == 0 ? null : WireCheck.Text(k.KeyId, WireProtocol.ClusterIdLengthMax, "key_use.key_id"),
                (int)WireCheck.NonNegative(k.Connections, "key_use.connections")))
            .ToArray();
        var totals = header.TransportTotals ?? new W.TransportTotals();
        var counters = new TransportCounters(
            WireCheck.NonNegative(totals.MessagesSent, "totals.messages_sent"),
            WireCheck.NonNegative(totals.MessagesReceived, "totals.messages_received"),
            WireCheck.NonNegative(totals.MessagesDropped, "totals.messages_dropped"),
            WireCheck.NonNegative(totals.MessagesRejected, "totals.messages_rejected"),
            WireCheck.NonNegative(totals.ConnectionsRejected, "totals.connections_rejected"),
            WireCheck.NonNegative(totals.DialFailures, "totals.dial_failures"),
            WireCheck.NonNegative(totals.FramesRejected, "totals.frames_rejected"),
            WireCheck.NonNegative(totals.DatagramsSent, "totals.datagrams_sent"),
            WireCheck.NonNegative(totals.DatagramsReceived, "totals.datagrams_received"),
            WireCheck.NonNegative(totals.DatagramsRejected, "totals.datagrams_rejected"),
            WireCheck.NonNegative(totals.DatagramsStale, "totals.datagrams_stale"));
        return new TransportStatus(securityStatus, connections, (int)WireCheck.NonNegative(header.ConnectionsTotal, "status.connections_total"), byKey, counters);
    }

    private static DateTimeOffset ToTime(long unixSeconds, string field)
    {
        try
        {
            return DateTimeOffset.FromUnixTimeSeconds(unixSeconds);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new WireFormatException($"{field} ({unixSeconds}) is not a time");
        }
    }

    private static void AddTransport(W.StatusHeader header, TransportStatus transport)
    {
        header.Security = new W.SecurityInfo
        {
            Mode = transport.Security.Mode,
            Certificate = transport.Security.Certificate ?? string.Empty,
            CertificateNotAfter = transport.Security.CertificateNotAfter?.ToUnixTimeSeconds() ?? 0,
        };
        header.Security.Keys.AddRange(transport.Security.Keys.Select(k => new W.KeyInfo { Id = k.Id, Use = k.Use }));
        header.Connections.AddRange(transport.Connections.Select(c => new W.ConnectionInfo
        {
            Peer = c.Peer,
            Remote = c.Remote,
            Direction = c.Direction,
            Mode = c.Mode,
            KeyId = c.KeyId ?? string.Empty,
            AgeSeconds = c.AgeSeconds,
        }));
        header.ConnectionsTotal = transport.ConnectionsTotal;
        header.ConnectionsByKey.AddRange(transport.ConnectionsByKey.Select(k => new W.KeyUse { Mode = k.Mode, KeyId = k.KeyId ?? string.Empty, Connections = k.Connections }));
        var c = transport.Counters;
        header.TransportTotals = new W.TransportTotals
        {
            MessagesSent = c.MessagesSent,
            MessagesReceived = c.MessagesReceived,
            MessagesDropped = c.MessagesDropped,
            MessagesRejected = c.MessagesRejected,
            ConnectionsRejected = c.ConnectionsRejected,
            DialFailures = c.DialFailures,
            FramesRejected = c.FramesRejected,
            DatagramsSent = c.DatagramsSent,
            DatagramsReceived = c.DatagramsReceived,
            DatagramsRejected = c.DatagramsRejected,
            DatagramsStale = c.DatagramsStale,
        };
    }

    private static W.StatusHeader ToHeader(NodeStatus status)
    {
        var header = new W.StatusHeader
        {
            Node = status.Node,
            Role = status.Role,
            Term = status.Term,
            State = status.State,
            CommitIndex = status.CommitIndex,
            LastLogIndex = status.LastLogIndex,
            SnapshotIndex = status.SnapshotIndex,
            LogEntries = status.LogEntries,
            Ticks = status.Ticks,
            SatellitesTotal = status.Satellites.Count,
            Timing = ToWire(status.Timing),
            RemovedSatellites = status.RemovedSatellites,
            LeftStation = status.LeftStation,
        };
        if (status.Configuration is not null)
        {
            header.Configuration = ToWire(status.Configuration);
        }

        if (status.ClusterId is not null)
        {
            header.ClusterId = status.ClusterId;
        }

        if (status.Leader is not null)
        {
            header.Leader = status.Leader;
        }

        if (status.Coordinator is not null)
        {
            header.Coordinator = new W.CoordinatorInfo { Node = status.Coordinator.Node, Epoch = status.Coordinator.Epoch };
        }

        foreach (var p in status.Peers)
        {
            header.Peers.Add(new W.PeerStatus { Node = p.Node, Reachable = p.Reachable, State = p.State, LastHeardTicksAgo = p.LastHeardTicksAgo });
        }

        if (status.Announcer is { } a)
        {
            header.Announcer = new W.AnnouncerStatus
            {
                Station = a.Station,
                Incarnation = a.Incarnation,
                Acknowledged = a.Acknowledged,
                Epoch = a.Epoch,
                AnnouncementsSent = a.AnnouncementsSent,
                Removed = a.Removed,
                RemovedEpoch = a.RemovedEpoch,
                InstallId = a.InstallId,
            };
            if (a.RemovedBy is not null)
            {
                header.Announcer.RemovedBy = a.RemovedBy;
            }

            if (a.AcknowledgedBy is not null)
            {
                header.Announcer.AcknowledgedBy = a.AcknowledgedBy;
            }

            if (a.ReportedStation is not null)
            {
                header.Announcer.ReportedStation = a.ReportedStation;
            }

            if (a.ReportedBy is not null)
            {
                header.Announcer.ReportedBy = a.ReportedBy;
            }
        }

        return header;
    }

    internal static T Parse<T>(MessageParser<T> parser, ReadOnlySpan<byte> payload, string what)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(payload);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or ArgumentException or InvalidOperationException)
        {
            throw new WireFormatException($"not a valid {what}: {e.Message}", e);
        }
    }
}
