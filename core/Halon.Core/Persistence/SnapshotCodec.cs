using System.Text;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Protocol;

namespace Halon.Core.Persistence;

/// <summary>
/// The binary form of a <see cref="Snapshot"/>, shared by the chunks of InstallSnapshot and by a data dir's snapshot
/// file. Little-endian; strings are UTF-8 with a 7-bit encoded length. Each satellite is a node id followed by tagged,
/// length-prefixed fields, so that a new field is a new tag: a reader refuses a tag it does not know (a snapshot
/// written by a newer version) instead of dropping state it cannot see.
/// </summary>
public static class SnapshotCodec
{
    /// <summary>The first four bytes of an encoded snapshot.</summary>
    public const uint Magic = 0x504E5348; // "HSNP"

    /// <summary>The format version written. Version 2 added the configuration's learners and retiring voters after the voters.</summary>
    public const ushort Version = 2;

    /// <summary>The oldest format version read.</summary>
    public const ushort VersionMin = 1;

    private const byte TagIncarnation = 1;
    private const byte TagHostname = 2;
    private const byte TagCpus = 3;
    private const byte TagMemoryMiB = 4;
    private const byte TagLogIndex = 5;
    private const byte TagInstallId = 6;
    private const byte TagReinstalls = 7;

    /// <summary>Encodes <paramref name="snapshot"/>.</summary>
    public static byte[] Encode(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        using var buffer = new MemoryStream(64 + (snapshot.Satellites.Count * 96));
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(snapshot.LastIncludedIndex);
            writer.Write(snapshot.LastIncludedTerm);
            writer.Write(snapshot.ClusterId);
            writer.Write(snapshot.Peers.ToString());
            writer.Write(string.Join(',', snapshot.Learners.Select(l => l.Value)));
            writer.Write(string.Join(',', snapshot.Retiring.Select(l => l.Value)));
            writer.Write(snapshot.Satellites.Count);
            foreach (var row in snapshot.Satellites)
            {
                writer.Write(row.Node.Value);
                WriteRecord(writer, row.Record);
            }

            writer.Write(snapshot.Removed.Count);
            foreach (var tombstone in snapshot.Removed)
            {
                writer.Write(tombstone.Node.Value);
                writer.Write(tombstone.InstallId);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>Decodes a snapshot, or says what is wrong with <paramref name="bytes"/>; never throws on bad input.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Snapshot? snapshot, out string error)
    {
        snapshot = null;
        if (bytes.Length > Limits.SnapshotBytesMax)
        {
            error = $"snapshot of {bytes.Length} bytes is larger than {Limits.SnapshotBytesMax}";
            return false;
        }

        try
        {
            using var stream = new MemoryStream(bytes.ToArray(), writable: false);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            if (reader.ReadUInt32() != Magic)
            {
                error = "not a snapshot (bad magic)";
                return false;
            }

            var version = reader.ReadUInt16();
            if (version < VersionMin || version > Version)
            {
                error = $"snapshot format version {version} is not between {VersionMin} and {Version}";
                return false;
            }

            var index = reader.ReadInt64();
            var term = reader.ReadInt64();
            var clusterId = reader.ReadString();
            var peers = PeerSet.Parse(reader.ReadString());
            var learners = version >= 2
                ? reader.ReadString().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(NodeId.Parse).ToArray()
                : Array.Empty<NodeId>();
            var retiring = version >= 2
                ? reader.ReadString().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(NodeId.Parse).ToArray()
                : Array.Empty<NodeId>();
            var config = StationConfig.Create(peers, learners, retiring); // Throws ArgumentException (caught below) on a bad one.
            var count = reader.ReadInt32();
            if (index < 1 || term < 1 || count < 0 || count > Limits.SatellitesMax)
            {
                error = $"snapshot header out of range: index {index}, term {term}, {count} satellites";
                return false;
            }

            var satellites = new SnapshotSatellite[count];
            for (var i = 0; i < count; i++)
            {
                var node = NodeId.Parse(reader.ReadString());
                if (i > 0 && satellites[i - 1].Node.CompareTo(node) >= 0)
                {
                    error = $"snapshot satellite {node} is out of order or repeated";
                    return false;
                }

                if (!TryReadRecord(reader, out var record, out error))
                {
                    error = $"snapshot satellite {node}: {error}";
                    return false;
                }

                satellites[i] = new SnapshotSatellite(node, record);
            }

            var removedCount = reader.ReadInt32();
            if (removedCount < 0 || removedCount > Limits.SatellitesMax)
            {
                error = $"snapshot lists {removedCount} removed satellites";
                return false;
            }

            var removed = new SnapshotTombstone[removedCount];
            for (var i = 0; i < removedCount; i++)
            {
                removed[i] = new SnapshotTombstone(NodeId.Parse(reader.ReadString()), reader.ReadInt64());
                if (i > 0 && removed[i - 1].Node.CompareTo(removed[i].Node) >= 0)
                {
                    error = $"snapshot tombstone {removed[i].Node} is out of order or repeated";
                    return false;
                }
            }

            if (stream.Position != stream.Length)
            {
                error = $"{stream.Length - stream.Position} bytes after the snapshot's last satellite";
                return false;
            }

            snapshot = new Snapshot(index, term, clusterId, peers, satellites) { Removed = removed, Learners = config.Learners, Retiring = config.Retiring };
            error = string.Empty;
            return true;
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or ArgumentException or IOException or OverflowException)
        {
            error = $"snapshot is truncated or malformed: {e.Message}";
            return false;
        }
    }

    private static void WriteRecord(BinaryWriter writer, SatelliteRecord record)
    {
        writer.Write((byte)7);
        WriteField(writer, TagIncarnation, record.Incarnation);
        WriteField(writer, TagHostname, record.Facts.Hostname);
        WriteField(writer, TagCpus, record.Facts.Cpus);
        WriteField(writer, TagMemoryMiB, record.Facts.MemoryMiB);
        WriteField(writer, TagLogIndex, record.LogIndex);
        WriteField(writer, TagInstallId, record.InstallId);
        WriteField(writer, TagReinstalls, record.Reinstalls);
    }

    private static void WriteField(BinaryWriter writer, byte tag, long value)
    {
        writer.Write(tag);
        writer.Write(sizeof(long));
        writer.Write(value);
    }

    private static void WriteField(BinaryWriter writer, byte tag, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        writer.Write(tag);
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    private static bool TryReadRecord(BinaryReader reader, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SatelliteRecord? record, out string error)
    {
        record = null;
        long? incarnation = null, cpus = null, memory = null, logIndex = null;
        long installId = 0, reinstalls = 0;
        string? hostname = null;
        int fields = reader.ReadByte();
        for (var f = 0; f < fields; f++)
        {
            var tag = reader.ReadByte();
            var length = reader.ReadInt32();
            if (length < 0 || length > Limits.HostnameLengthMax * 4)
            {
                error = $"field {tag} has length {length}";
                return false;
            }

            var payload = reader.ReadBytes(length);
            if (payload.Length != length)
            {
                throw new EndOfStreamException($"field {tag} is cut short");
            }

            if (tag == TagHostname)
            {
                hostname = Encoding.UTF8.GetString(payload);
                continue;
            }

            if (length != sizeof(long))
            {
                error = tag is >= TagIncarnation and <= TagReinstalls ? $"field {tag} has length {length}, not 8" : $"unknown field {tag} (written by a newer version?)";
                return false;
            }

            var value = BitConverter.ToInt64(payload);
            switch (tag)
            {
                case TagIncarnation: incarnation = value; break;
                case TagCpus: cpus = value; break;
                case TagMemoryMiB: memory = value; break;
                case TagLogIndex: logIndex = value; break;
                case TagInstallId: installId = value; break;
                case TagReinstalls: reinstalls = value; break;
                default:
                    error = $"unknown field {tag} (written by a newer version?)";
                    return false;
            }
        }

        if (incarnation is not { } inc || hostname is null || cpus is not { } c || memory is not { } m || logIndex is not { } at)
        {
            error = "a required field (incarnation, hostname, cpus, memory, log index) is missing";
            return false;
        }

        var facts = new HostFacts(hostname, (int)Math.Clamp(c, int.MinValue, int.MaxValue), m);
        if (inc < 1 || at < 1 || !facts.IsValid || c != facts.Cpus || reinstalls is < 0 or > int.MaxValue)
        {
            error = $"fields out of range: incarnation {inc}, log index {at}, facts {facts}, reinstalls {reinstalls}";
            return false;
        }

        record = new SatelliteRecord(inc, facts, at) { InstallId = installId, Reinstalls = (int)reinstalls };
        error = string.Empty;
        return true;
    }
}
