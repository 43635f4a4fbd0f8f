namespace Halon.Daemon.Storage;

/// <summary>
/// A small file replaced atomically: written to <c>NAME.tmp</c>, fsynced, renamed over <c>NAME</c>, and the directory
/// fsynced. Layout: magic, format version, payload length, CRC-32 of the payload (4 bytes each, big-endian), payload.
/// A reader sees the old file or the new one, never a mix; anything else it finds is corruption.
/// </summary>
internal static class CheckedFile
{
    public const int HeaderBytes = 16;

    public static void Write(string directory, string name, uint magic, ReadOnlySpan<byte> payload)
    {
        var path = Path.Combine(directory, name);
        var temporary = path + ".tmp";
        var bytes = new byte[HeaderBytes + payload.Length];
        StorageFormat.WriteUInt32(bytes, magic);
        StorageFormat.WriteUInt32(bytes.AsSpan(4), StorageFormat.Version);
        StorageFormat.WriteUInt32(bytes.AsSpan(8), (uint)payload.Length);
        StorageFormat.WriteUInt32(bytes.AsSpan(12), StorageFormat.Checksum(payload));
        payload.CopyTo(bytes.AsSpan(HeaderBytes));
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        NativeFile.SyncDirectory(directory);
    }

    /// <summary>The payload of <paramref name="name"/>, or null when the file does not exist.</summary>
    public static byte[]? Read(string directory, string name, uint magic)
    {
        var path = Path.Combine(directory, name);
        if (!File.Exists(path))
        {
            return null;
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < HeaderBytes)
        {
            throw new DataDirCorruptException($"{path}: {bytes.Length} bytes, shorter than the {HeaderBytes}-byte header (offset 0)");
        }

        var foundMagic = StorageFormat.ReadUInt32(bytes);
        if (foundMagic != magic)
        {
            throw new DataDirCorruptException($"{path}: wrong magic 0x{foundMagic:x8} at offset 0; expected 0x{magic:x8}");
        }

        var version = StorageFormat.ReadUInt32(bytes.AsSpan(4));
        if (version != StorageFormat.Version)
        {
            throw new DataDirCorruptException($"{path}: format version {version} at offset 4; this halond reads version {StorageFormat.Version}");
        }

        var length = StorageFormat.ReadUInt32(bytes.AsSpan(8));
        if (length != bytes.Length - HeaderBytes)
        {
            throw new DataDirCorruptException($"{path}: the header at offset 8 announces {length} payload bytes but the file holds {bytes.Length - HeaderBytes}");
        }

        var payload = bytes.AsSpan(HeaderBytes);
        var checksum = StorageFormat.ReadUInt32(bytes.AsSpan(12));
        if (checksum != StorageFormat.Checksum(payload))
        {
            throw new DataDirCorruptException($"{path}: checksum mismatch over the payload at offset {HeaderBytes}");
        }

        return payload.ToArray();
    }
}
