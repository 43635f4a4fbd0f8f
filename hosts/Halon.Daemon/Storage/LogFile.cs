using System.Buffers;
using Halon.Core.Persistence;
using Microsoft.Extensions.Logging;

namespace Halon.Daemon.Storage;

/// <summary>
/// The replicated log after the snapshot as an append-only file. Layout: an 8-byte file header (magic, format version), then records
/// of [payload length, CRC-32 of the payload, CRC-32 of these first 8 header bytes] (4 bytes each, big-endian) and a
/// protobuf payload. Appends are fsynced once per batch. A truncation (rare: a new master overwrote uncommitted
/// entries) rewrites the file atomically, and so does dropping the prefix a new snapshot covers. Records hold
/// consecutive indexes from the first record's on. On open, an incomplete final record (what a crash mid-append leaves) is
/// cut off with a warning that says what is known; any other damage is a <see cref="DataDirCorruptException"/>.
/// </summary>
internal sealed class LogFile : IDisposable
{
    public const string FileName = "log";
    public const int FileHeaderBytes = 8;
    public const int RecordHeaderBytes = 12;

    private readonly string _directory;
    private readonly string _path;

    /// <summary>File offset of each record; record i holds log index <see cref="_firstIndex"/> + i.</summary>
    private readonly List<long> _offsets;

    /// <summary>The index of the first record, or of the next one to be written when the file holds none.</summary>
    private long _firstIndex;

    private FileStream _stream;
    private long _end;

    private LogFile(string directory, List<long> offsets, long end, long firstIndex)
    {
        _firstIndex = firstIndex;
        _directory = directory;
        _path = Path.Combine(directory, FileName);
        _offsets = offsets;
        _end = end;
        _stream = OpenForAppend(_path, end);
    }

    /// <summary>Entries in the file.</summary>
    public int Count => _offsets.Count;

    /// <summary>The index of the first entry in the file (of the next one written, when it holds none).</summary>
    public long FirstIndex => _firstIndex;

    /// <summary>The index of the last entry in the file, or <see cref="FirstIndex"/> − 1 when it holds none.</summary>
    public long LastIndex => _firstIndex + _offsets.Count - 1;

    /// <summary>Opens (creating if needed) the log in <paramref name="directory"/> and reads its entries.</summary>
    public static LogFile Open(string directory, ILogger logger, out List<LogEntry> entries)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            WriteAtomically(directory, path, FileHeader());
        }

        var bytes = File.ReadAllBytes(path);
        var offsets = new List<long>();
        entries = new List<LogEntry>();
        var end = Scan(path, bytes, offsets, entries, out var torn);
        if (torn is not null)
        {
            DaemonLog.TornLogTail(logger, path, end, bytes.Length - end, torn, entries.Count);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None);
            stream.SetLength(end);
            stream.Flush(flushToDisk: true);
        }

        return new LogFile(directory, offsets, end, entries.Count > 0 ? entries[0].Index : 1);
    }

    /// <summary>
    /// Drops the entries at or below <paramref name="index"/> (a durable snapshot covers them), durably: the file is
    /// rewritten atomically with the entries after it. With <paramref name="all"/>, every entry goes (the entries
    /// after the snapshot belong to another history), and the next one written is <paramref name="index"/> + 1.
    /// </summary>
    public void DropThrough(long index, bool all = false)
    {
        var drop = all ? _offsets.Count : (int)Math.Clamp(index - _firstIndex + 1, 0, _offsets.Count);
        if (drop == 0)
        {
            _firstIndex = _offsets.Count == 0 ? index + 1 : _firstIndex;
            return;
        }

        var from = drop < _offsets.Count ? _offsets[drop] : _end;
        var tail = new byte[_end - from];
        using (var reader = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            reader.Seek(from, SeekOrigin.Begin);
            reader.ReadExactly(tail);
        }

        var content = new byte[FileHeaderBytes + tail.Length];
        FileHeader().CopyTo(content, 0);
        tail.CopyTo(content, FileHeaderBytes);
        _stream.Dispose();
        WriteAtomically(_directory, _path, content);
        var shift = from - FileHeaderBytes;
        var kept = _offsets.Skip(drop).Select(o => o - shift).ToList();
        _offsets.Clear();
        _offsets.AddRange(kept);
        _firstIndex = _offsets.Count == 0 ? index + 1 : _firstIndex + drop;
        _end = content.Length;
        _stream = OpenForAppend(_path, _end);
    }

    /// <summary>
    /// Makes the file hold its entries below <paramref name="fromIndex"/> followed by <paramref name="entries"/>,
    /// durably. Appends when nothing is cut; otherwise rewrites the file atomically.
    /// </summary>
    public void Write(long fromIndex, IReadOnlyList<LogEntry> entries)
    {
        if (_offsets.Count == 0)
        {
            _firstIndex = fromIndex; // An empty file (a fresh one, or one whose entries a snapshot covers) starts anywhere.
        }

        var keep = fromIndex - _firstIndex;
        if (keep < 0 || keep > _offsets.Count)
        {
            throw new InvalidOperationException($"{_path}: cannot write from index {fromIndex}; the file holds {_offsets.Count} entries");
        }

        var records = new ArrayBufferWriter<byte>();
        var recordOffsets = new List<long>(entries.Count);
        foreach (var entry in entries)
        {
            recordOffsets.Add(records.WrittenCount);
            AppendRecord(records, StorageCodec.Encode(entry));
        }

        if (keep == _offsets.Count)
        {
            _stream.Write(records.WrittenSpan);
            _stream.Flush(flushToDisk: true);
        }
        else
        {
            Rewrite((int)keep, records.WrittenSpan);
        }

        foreach (var offset in recordOffsets)
        {
            _offsets.Add(_end + offset);
        }

        _end += records.WrittenCount;
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>Cuts the file to its first <paramref name="keep"/> records, then appends <paramref name="records"/>, atomically.</summary>
    private void Rewrite(int keep, ReadOnlySpan<byte> records)
    {
        var cut = _offsets[keep];
        var prefix = new byte[cut];
        using (var reader = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            reader.ReadExactly(prefix);
        }

        var content = new byte[cut + records.Length];
        prefix.CopyTo(content, 0);
        records.CopyTo(content.AsSpan((int)cut));
        _stream.Dispose();
        WriteAtomically(_directory, _path, content);
        _offsets.RemoveRange(keep, _offsets.Count - keep);
        _end = cut;
        _stream = OpenForAppend(_path, content.Length);
    }

    private static long Scan(string path, byte[] bytes, List<long> offsets, List<LogEntry> entries, out string? torn)
    {
        torn = null;
        if (bytes.Length < FileHeaderBytes)
        {
            throw new DataDirCorruptException($"{path}: {bytes.Length} bytes, shorter than the {FileHeaderBytes}-byte header (offset 0)");
        }

        var magic = StorageFormat.ReadUInt32(bytes);
        if (magic != StorageFormat.LogMagic)
        {
            throw new DataDirCorruptException($"{path}: wrong magic 0x{magic:x8} at offset 0; expected 0x{StorageFormat.LogMagic:x8}");
        }

        var version = StorageFormat.ReadUInt32(bytes.AsSpan(4));
        if (version != StorageFormat.Version)
        {
            throw new DataDirCorruptException($"{path}: format version {version} at offset 4; this halond reads version {StorageFormat.Version}");
        }

        long offset = FileHeaderBytes;
        while (offset < bytes.Length)
        {
            var rest = bytes.AsSpan((int)offset);
            if (rest.Length < RecordHeaderBytes)
            {
                torn = $"a record header cut after {rest.Length} of {RecordHeaderBytes} bytes";
                return offset;
            }

            if (StorageFormat.ReadUInt32(rest[8..]) != StorageFormat.Checksum(rest[..8]))
            {
                // A crash after the file grew but before its data reached the disk leaves zeros: that is a torn tail.
                if (!rest.ContainsAnyExcept((byte)0))
                {
                    torn = "a zero-filled tail";
                    return offset;
                }

                throw new DataDirCorruptException($"{path}: record header checksum mismatch at offset {offset}");
            }

            var length = StorageFormat.ReadUInt32(rest);
            if (length > StorageFormat.RecordBytesMax)
            {
                throw new DataDirCorruptException($"{path}: record at offset {offset} announces {length} bytes, more than {StorageFormat.RecordBytesMax}");
            }

            var recordEnd = offset + RecordHeaderBytes + length;
            if (recordEnd > bytes.Length)
            {
                torn = $"a record of {length} bytes cut after {rest.Length - RecordHeaderBytes}";
                return offset;
            }

            var payload = rest.Slice(RecordHeaderBytes, (int)length);
            if (StorageFormat.ReadUInt32(rest[4..]) != StorageFormat.Checksum(payload))
            {
                if (recordEnd == bytes.Length)
                {
                    torn = "a final record whose payload checksum does not match";
                    return offset;
                }

                throw new DataDirCorruptException($"{path}: record payload checksum mismatch at offset {offset} (not the final record, so not a torn write)");
            }

            var entry = StorageCodec.DecodeLogEntry(payload, path, offset);
            var expected = entries.Count == 0 ? entry.Index : entries[0].Index + entries.Count;
            if (entry.Index != expected || entry.Index < 1)
            {
                throw new DataDirCorruptException($"{path}: the record at offset {offset} holds index {entry.Index}; expected {expected}");
            }

            entries.Add(entry);
            offsets.Add(offset);
            offset = recordEnd;
        }

        return offset;
    }

    private static void AppendRecord(ArrayBufferWriter<byte> buffer, byte[] payload)
    {
        var span = buffer.GetSpan(RecordHeaderBytes + payload.Length);
        StorageFormat.WriteUInt32(span, (uint)payload.Length);
        StorageFormat.WriteUInt32(span[4..], StorageFormat.Checksum(payload));
        StorageFormat.WriteUInt32(span[8..], StorageFormat.Checksum(span[..8]));
        payload.CopyTo(span[RecordHeaderBytes..]);
        buffer.Advance(RecordHeaderBytes + payload.Length);
    }

    private static byte[] FileHeader()
    {
        var header = new byte[FileHeaderBytes];
        StorageFormat.WriteUInt32(header, StorageFormat.LogMagic);
        StorageFormat.WriteUInt32(header.AsSpan(4), StorageFormat.Version);
        return header;
    }

    private static void WriteAtomically(string directory, string path, ReadOnlySpan<byte> content)
    {
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        NativeFile.SyncDirectory(directory);
    }

    private static FileStream OpenForAppend(string path, long end)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
        stream.Seek(end, SeekOrigin.Begin);
        return stream;
    }
}
