using System.Buffers.Binary;
using System.IO.Hashing;

namespace Halon.Daemon.Storage;

/// <summary>Constants and checksums shared by the data-dir files.</summary>
internal static class StorageFormat
{
    /// <summary>Format version of every data-dir file; a file of another version is refused.</summary>
    public const uint Version = 1;

    /// <summary>Magic of the hard-state file: "HLHS".</summary>
    public const uint HardStateMagic = 0x484C4853;

    /// <summary>Magic of the role file: "HLRL".</summary>
    public const uint RoleMagic = 0x484C524C;

    /// <summary>Magic of the snapshot file: "HLSN".</summary>
    public const uint SnapshotMagic = 0x484C534E;

    /// <summary>Magic of the log file: "HLLG".</summary>
    public const uint LogMagic = 0x484C4C47;

    /// <summary>Largest payload of one record or small file, in bytes; anything larger is corruption.</summary>
    public const int RecordBytesMax = 1024 * 1024;

    /// <summary>CRC-32 (IEEE) of <paramref name="data"/>.</summary>
    public static uint Checksum(ReadOnlySpan<byte> data) => Crc32.HashToUInt32(data);

    public static void WriteUInt32(Span<byte> destination, uint value) => BinaryPrimitives.WriteUInt32BigEndian(destination, value);

    public static uint ReadUInt32(ReadOnlySpan<byte> source) => BinaryPrimitives.ReadUInt32BigEndian(source);
}
