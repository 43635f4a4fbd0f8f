using Google.Protobuf;
using Halon.Core;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Daemon.Storage.Records;

namespace Halon.Daemon.Storage;

/// <summary>Core persistence types to and from their protobuf records. Decoding failures name the file.</summary>
internal static class StorageCodec
{
    public static byte[] Encode(HardState state)
    {
        var record = new HardStateRecord { Term = state.Term, CommitIndex = state.CommitIndex };
        if (state.VotedFor is not null)
        {
            record.VotedFor = state.VotedFor.Value;
        }

        return record.ToByteArray();
    }

    public static HardState DecodeHardState(byte[] payload, string file)
    {
        var record = Parse(HardStateRecord.Parser, payload, file, 0);
        var votedFor = record.HasVotedFor ? ParseNodeId(record.VotedFor, file, 0, "voted_for") : null;
        return new HardState(record.Term, votedFor, record.CommitIndex);
    }

    public static byte[] Encode(RoleConfig role)
    {
        var record = new RoleRecord { Role = (RoleKind)role.Role, Incarnation = role.Incarnation, InstallId = role.InstallId, Removed = role.Removed, Joining = role.Joining };
        if (role.ClusterId is not null)
        {
            record.ClusterId = role.ClusterId;
        }

        if (role.Peers is not null)
        {
            record.Peers.AddRange(role.Peers.Members.Select(m => m.Value));
        }

        if (role.Station is not null)
        {
            record.Station.AddRange(role.Station.Members.Select(m => m.Value));
        }

        if (role.Timing is { } timing)
        {
            record.Timing = new TimingRecord
            {
                Name = timing.Name,
                HeartbeatIntervalTicks = timing.HeartbeatIntervalTicks,
                ElectionTimeoutTicks = timing.ElectionTimeoutTicks,
                ClockDriftFactor = timing.ClockDriftFactor,
            };
        }

        return record.ToByteArray();
    }

    public static RoleConfig DecodeRole(byte[] payload, string file)
    {
        var record = Parse(RoleRecord.Parser, payload, file, 0);
        var role = record.Role switch
        {
            RoleKind.None => NodeRole.None,
            RoleKind.Station => NodeRole.Station,
            RoleKind.Satellite => NodeRole.Satellite,
            _ => throw new DataDirCorruptException($"{file}: unknown role {(int)record.Role} at offset 0"),
        };
        return new RoleConfig(role, ParsePeerSet(record.Peers, file, "peers"), ParsePeerSet(record.Station, file, "station"), record.Incarnation)
        {
            InstallId = record.InstallId,
            Removed = record.Removed,
            ClusterId = record.HasClusterId ? record.ClusterId : null,
            Joining = record.Joining,
            Timing = record.Timing is { } timing
                ? new StationTiming(timing.Name, timing.HeartbeatIntervalTicks, timing.ElectionTimeoutTicks, timing.ClockDriftFactor)
                : null,
        };
    }

    public static byte[] Encode(LogEntry entry)
    {
        var record = new LogEntryRecord { Index = entry.Index, Term = entry.Term };
        switch (entry.Command)
        {
            case NoOpCommand:
                record.NoOp = new NoOpRecord();
                break;
            case SatelliteAcknowledgedCommand acknowledged:
                record.SatelliteAcknowledged = new SatelliteAcknowledgedRecord
                {
                    Satellite = acknowledged.Satellite.Value,
                    Incarnation = acknowledged.Incarnation,
                    Hostname = acknowledged.Facts.Hostname,
                    Cpus = acknowledged.Facts.Cpus,
                    MemoryMib = acknowledged.Facts.MemoryMiB,
                    InstallId = acknowledged.InstallId,
                };
                break;
            case SatelliteRemovedCommand removed:
                record.SatelliteRemoved = new SatelliteRemovedRecord { Satellite = removed.Satellite.Value, InstallId = removed.InstallId };
                break;
            case StationConfigCommand configured:
                record.StationConfig = new StationConfigRecord();
                record.StationConfig.Voters.AddRange(configured.Config.Voters.Members.Select(m => m.Value));
                record.StationConfig.Learners.AddRange(configured.Config.Learners.Select(m => m.Value));
                record.StationConfig.Retiring.AddRange(configured.Config.Retiring.Select(m => m.Value));
                break;
            default:
                throw new ArgumentException($"log command {entry.Command.GetType().Name} cannot be stored", nameof(entry));
        }

        return record.ToByteArray();
    }

    public static LogEntry DecodeLogEntry(ReadOnlySpan<byte> payload, string file, long offset)
    {
        var record = Parse(LogEntryRecord.Parser, payload, file, offset);
        EntryCommand command = record.CommandCase switch
        {
            LogEntryRecord.CommandOneofCase.NoOp => NoOpCommand.Instance,
            LogEntryRecord.CommandOneofCase.SatelliteAcknowledged => new SatelliteAcknowledgedCommand(
                ParseNodeId(record.SatelliteAcknowledged.Satellite, file, offset, "satellite"),
                record.SatelliteAcknowledged.Incarnation,
                new HostFacts(record.SatelliteAcknowledged.Hostname, record.SatelliteAcknowledged.Cpus, record.SatelliteAcknowledged.MemoryMib))
            {
                InstallId = record.SatelliteAcknowledged.InstallId,
            },
            LogEntryRecord.CommandOneofCase.SatelliteRemoved => new SatelliteRemovedCommand(
                ParseNodeId(record.SatelliteRemoved.Satellite, file, offset, "satellite"),
                record.SatelliteRemoved.InstallId),
            LogEntryRecord.CommandOneofCase.StationConfig => new StationConfigCommand(ParseConfig(record.StationConfig, file, offset)),
            _ => throw new DataDirCorruptException($"{file}: log record at offset {offset} carries no known command"),
        };
        return new LogEntry(record.Index, record.Term, command);
    }

    private static StationConfig ParseConfig(StationConfigRecord record, string file, long offset)
    {
        var voters = ParsePeerSet(record.Voters, file, "voters")
            ?? throw new DataDirCorruptException($"{file}: the configuration of the record at offset {offset} has no voters");
        try
        {
            return StationConfig.Create(
                voters,
                record.Learners.Select(l => ParseNodeId(l, file, offset, "learners")),
                record.Retiring.Select(r => ParseNodeId(r, file, offset, "retiring")));
        }
        catch (ArgumentException e)
        {
            throw new DataDirCorruptException($"{file}: the configuration of the record at offset {offset}: {e.Message}", e);
        }
    }

    private static PeerSet? ParsePeerSet(IReadOnlyList<string> members, string file, string field)
    {
        if (members.Count == 0)
        {
            return null;
        }

        if (members.Count > Limits.PeersMax)
        {
            throw new DataDirCorruptException($"{file}: {field} lists {members.Count} nodes, more than {Limits.PeersMax}");
        }

        return PeerSet.Create(members.Select(m => ParseNodeId(m, file, 0, field)));
    }

    private static NodeId ParseNodeId(string text, string file, long offset, string field) =>
        NodeId.TryParse(text, out var id, out var error)
            ? id
            : throw new DataDirCorruptException($"{file}: {field} of the record at offset {offset}: {error}");

    private static T Parse<T>(MessageParser<T> parser, ReadOnlySpan<byte> payload, string file, long offset)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(payload);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or ArgumentException or InvalidOperationException)
        {
            throw new DataDirCorruptException($"{file}: the record at offset {offset} does not parse: {e.Message}", e);
        }
    }
}
