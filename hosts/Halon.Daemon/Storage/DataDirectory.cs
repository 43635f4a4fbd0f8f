using System.Globalization;
using System.Text;
using Halon.Core.Persistence;
using Halon.Core.Protocol;
using Microsoft.Extensions.Logging;

namespace Halon.Daemon.Storage;

/// <summary>
/// halond's data dir: <c>LOCK</c> (held while the node runs), <c>hardstate</c>, <c>role</c> and <c>snapshot</c>
/// (files replaced atomically, with a checksum), and <c>log</c> (append-only records of the entries after the
/// snapshot). It makes each <see cref="Ready"/> batch
/// durable before the caller sends its messages; a write that fails throws <see cref="IOException"/> and the node must
/// stop rather than send unpersisted state.
/// </summary>
internal sealed class DataDirectory : IDisposable
{
    public const string LockFileName = "LOCK";
    public const string HardStateFileName = "hardstate";
    public const string RoleFileName = "role";
    public const string SnapshotFileName = "snapshot";

    private readonly string _path;
    private readonly FileStream _lock;
    private readonly LogFile _log;
    private HardState _hardState;
    private long _snapshotIndex;

    private DataDirectory(string path, FileStream lockFile, LogFile log, PersistentState state)
    {
        _path = path;
        _snapshotIndex = state.Snapshot?.LastIncludedIndex ?? 0;
        _lock = lockFile;
        _log = log;
        _hardState = state.HardState;
        State = state;
    }

    /// <summary>What the data dir held when it was opened.</summary>
    public PersistentState State { get; }

    /// <summary>Tests only: called after each step of <see cref="Persist(Ready)"/>; throwing simulates a crash there.</summary>
    internal Action<string>? AfterStep { get; set; }

    /// <summary>The directory.</summary>
    public string Path => _path;

    /// <summary>
    /// Creates the directory if needed, takes its lock, and reads everything in it. Throws
    /// <see cref="DataDirCorruptException"/> when something cannot be trusted, and <see cref="IOException"/> when the
    /// directory cannot be used (another halond holds the lock, no permission, …).
    /// </summary>
    public static DataDirectory Open(string path, ILogger logger)
    {
        path = System.IO.Path.GetFullPath(path);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var lockFile = TakeLock(path);
        try
        {
            var hardStateFile = System.IO.Path.Combine(path, HardStateFileName);
            var roleFile = System.IO.Path.Combine(path, RoleFileName);
            var hardState = CheckedFile.Read(path, HardStateFileName, StorageFormat.HardStateMagic) is { } hard
                ? StorageCodec.DecodeHardState(hard, hardStateFile)
                : HardState.Initial;
            var role = CheckedFile.Read(path, RoleFileName, StorageFormat.RoleMagic) is { } roleBytes
                ? StorageCodec.DecodeRole(roleBytes, roleFile)
                : RoleConfig.None;
            var snapshot = ReadSnapshot(path);
            var log = LogFile.Open(path, logger, out var entries);
            if (snapshot is not null)
            {
                // A crash between writing the snapshot and cutting the log leaves entries it covers, or (after an
                // install) entries of the history it replaced: cut them now, as the node will ignore them.
                var index = snapshot.LastIncludedIndex;
                var continues = entries.Count == 0 || entries[0].Index == index + 1 || entries.Exists(e => e.Index == index && e.Term == snapshot.LastIncludedTerm);
                if (!continues || (entries.Count > 0 && entries[0].Index <= index))
                {
                    log.DropThrough(index, all: !continues);
                    entries = continues ? entries.Where(e => e.Index > index).ToList() : [];
                }
            }

            return new DataDirectory(path, lockFile, log, new PersistentState(hardState, role, entries) { Snapshot = snapshot });
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Makes the persisted part of <paramref name="ready"/> durable. Order: hard state first (its term and vote must
    /// be on disk no later than any entry of that term), with the commit index held back to what the log already holds;
    /// then the role; then the log; then the hard state again if its commit index was held back. A crash between any
    /// two steps leaves a state the core accepts.
    /// </summary>
    public void Persist(Ready ready)
    {
        if (ready.MustPersist)
        {
            Persist(ready.HardState, ready.Role, ready.EntriesFromIndex, ready.Entries, ready.Snapshot);
        }
    }

    /// <summary>
    /// The same as <see cref="Persist(Ready)"/>, field by field. A snapshot is written (temp file, fsync, rename,
    /// directory fsync) after the role and before the log, whose prefix it covers is then dropped.
    /// </summary>
    public void Persist(HardState? hardState, RoleConfig? role, long entriesFromIndex, IReadOnlyList<LogEntry> entries, Snapshot? snapshot = null)
    {
        var durableLast = Math.Max(_snapshotIndex, _log.LastIndex);
        var logDurable = entriesFromIndex != 0 ? Math.Min(durableLast, entriesFromIndex - 1) : durableLast;
        if (hardState is { } hard)
        {
            WriteHardState(hard with { CommitIndex = Math.Min(hard.CommitIndex, logDurable) });
            AfterStep?.Invoke("hardstate");
        }

        if (role is not null)
        {
            CheckedFile.Write(_path, RoleFileName, StorageFormat.RoleMagic, StorageCodec.Encode(role));
            AfterStep?.Invoke("role");
        }

        if (snapshot is not null)
        {
            CheckedFile.Write(_path, SnapshotFileName, StorageFormat.SnapshotMagic, SnapshotCodec.Encode(snapshot));
            _snapshotIndex = snapshot.LastIncludedIndex;
            AfterStep?.Invoke("snapshot");
            // An install whose snapshot contradicts the log comes with entriesFromIndex = index + 1: the rest goes too.
            _log.DropThrough(snapshot.LastIncludedIndex);
            AfterStep?.Invoke("log-prefix");
        }

        if (entriesFromIndex != 0)
        {
            _log.Write(entriesFromIndex, entries);
            AfterStep?.Invoke("log");
        }

        if (hardState is { } final)
        {
            WriteHardState(final);
        }
    }

    public void Dispose()
    {
        _log.Dispose();
        _lock.Dispose();
    }

    private void WriteHardState(HardState state)
    {
        if (state == _hardState && File.Exists(System.IO.Path.Combine(_path, HardStateFileName)))
        {
            return;
        }

        CheckedFile.Write(_path, HardStateFileName, StorageFormat.HardStateMagic, StorageCodec.Encode(state));
        _hardState = state;
    }

    private static Snapshot? ReadSnapshot(string path)
    {
        if (CheckedFile.Read(path, SnapshotFileName, StorageFormat.SnapshotMagic) is not { } bytes)
        {
            return null;
        }

        return SnapshotCodec.TryDecode(bytes, out var snapshot, out var error)
            ? snapshot
            : throw new DataDirCorruptException($"{System.IO.Path.Combine(path, SnapshotFileName)}: {error}");
    }

    private static FileStream TakeLock(string path)
    {
        var lockPath = System.IO.Path.Combine(path, LockFileName);
        FileStream stream;
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Unix: a second halond on this dir fails here.
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new DataDirInUseException($"data dir {path} is in use by another halond ({lockPath} is locked; its pid is in that file)", e);
        }

        stream.SetLength(0);
        stream.Write(Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"));
        stream.Flush();
        return stream;
    }
}
