using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;

namespace Halon.Core.Protocol;

/// <summary>
/// Snapshots and log compaction: a station peer snapshots its applied state once
/// <see cref="ProtocolOptions.SnapshotThresholdEntries"/> applied entries follow the last snapshot and drops the entries
/// it covers; a master sends its snapshot, in chunks, to a follower whose next entry it no longer holds.
/// </summary>
public sealed partial class HalonNode
{
    /// <summary>The encoded form of <see cref="_snapshot"/>, built when a follower first needs it.</summary>
    private byte[]? _snapshotBytes;

    // Master only, indexed like PeerSet.Members: the snapshot being sent to each peer (its index, 0: none; its term and
    // bytes, kept until the peer has it even if a newer snapshot is taken meanwhile, so that every install finishes),
    // the offset of the chunk to send next, and the tick at which the last chunk went out (NeverTick: none in flight).
    private long[] _installIndex = Array.Empty<long>();
    private long[] _installTerm = Array.Empty<long>();
    private byte[]?[] _installData = Array.Empty<byte[]?>();
    private long[] _installOffset = Array.Empty<long>();
    private long[] _installSentAt = Array.Empty<long>();

    /// <summary>Follower only: the chunks received so far of the snapshot a master is sending, or null.</summary>
    private IncomingSnapshot? _incoming;

    /// <summary>Ticks a master waits for the answer to a snapshot chunk before sending it again.</summary>
    private int InstallRetryTicks => Math.Max(2, _options.ElectionTimeoutTicks / 3);

    private void ResetInstallProgress(int count)
    {
        _installIndex = new long[count];
        _installTerm = new long[count];
        _installData = new byte[]?[count];
        _installOffset = new long[count];
        _installSentAt = new long[count];
        Array.Fill(_installSentAt, NeverTick);
    }

    private void MaybeTakeSnapshot()
    {
        if (_roleConfig.Role != NodeRole.Station || _appliedIndex - _snapshotIndex < _options.SnapshotThresholdEntries)
        {
            return;
        }

        // Only applied entries are snapshotted, and applied entries are committed: no entry a later master could
        // overwrite is ever compacted.
        var index = _appliedIndex;
        var term = TermAt(index);
        var rows = new SnapshotSatellite[_satellites.Count];
        var i = 0;
        foreach (var (node, record) in _satellites)
        {
            rows[i++] = new SnapshotSatellite(node, record);
        }

        Array.Sort(rows, static (a, b) => a.Node.CompareTo(b.Node));
        var removed = _removedSatellites.Select(r => new SnapshotTombstone(r.Key, r.Value)).ToArray();
        Array.Sort(removed, static (a, b) => a.Node.CompareTo(b.Node));
        var config = _appliedConfig ?? throw new HalonInvariantException($"{Id}: snapshot without an applied configuration");
        SetSnapshot(new Snapshot(index, term, ClusterId, config.Voters, rows) { Removed = removed, Learners = config.Learners, Retiring = config.Retiring }, null);
        Emit(new SnapshotTaken(index, term, rows.Length));
    }

    /// <summary>Makes <paramref name="snapshot"/> the latest one, to be persisted; the log must already start after it.</summary>
    private void SetSnapshot(Snapshot snapshot, byte[]? encoded)
    {
        _snapshot = snapshot;
        _snapshotIndex = snapshot.LastIncludedIndex;
        _snapshotTerm = snapshot.LastIncludedTerm;
        _snapshotBytes = encoded;
        _snapshotDirty = true;
        if (_unstableFromIndex != long.MaxValue && _unstableFromIndex <= _snapshotIndex)
        {
            // Unpersisted entries the snapshot now covers need not be written; those after it still do.
            _unstableFromIndex = _snapshotIndex + 1;
        }
    }

    private byte[] SnapshotBytes() => _snapshotBytes ??= SnapshotCodec.Encode(_snapshot ?? throw new HalonInvariantException($"{Id}: no snapshot to send"));

    private void RestoreSnapshotAndLog(PersistentState persisted)
    {
        if (persisted.Snapshot is not { } snapshot)
        {
            _log.AddRange(persisted.Log);
            return;
        }

        var index = snapshot.LastIncludedIndex;
        var log = persisted.Log;
        // Entries after the snapshot belong to its history only if the log holds the snapshot's last entry with its
        // term, or starts right after it. Otherwise they are what an install replaced (a crash before the log was
        // cut): never committed, since they contradict a committed entry, and dropped here.
        var continues = log.Count == 0
            || log[0].Index == index + 1
            || log.Any(e => e.Index == index && e.Term == snapshot.LastIncludedTerm);
        _snapshot = snapshot;
        _snapshotIndex = index;
        _snapshotTerm = snapshot.LastIncludedTerm;
        _logStart = index;
        if (continues)
        {
            _log.AddRange(log.Where(e => e.Index > index));
        }
        else
        {
            _unstableFromIndex = index + 1;
        }

        if (log.Count > 0 && (!continues || log[0].Index <= index))
        {
            // The host still holds entries the snapshot covers: handing it the snapshot again makes it drop them
            // before any new entry is written after it, so that its log never has a gap.
            _snapshotDirty = true;
        }

        LoadTables(snapshot);
        _appliedIndex = index;
    }

    /// <summary>The satellite table and the tombstones become the snapshot's.</summary>
    private void LoadTables(Snapshot snapshot)
    {
        _satellites.Clear();
        foreach (var row in snapshot.Satellites)
        {
            _satellites[row.Node] = row.Record;
        }

        _removedSatellites.Clear();
        foreach (var tombstone in snapshot.Removed)
        {
            _removedSatellites[tombstone.Node] = tombstone.InstallId;
        }
    }

    private void ValidatePersistedSnapshot(Snapshot snapshot, RoleConfig role)
    {
        if (role.Role != NodeRole.Station || role.Peers is null)
        {
            throw new ArgumentException($"persisted snapshot at index {snapshot.LastIncludedIndex}, but {Id} is not a station peer");
        }

        var clusterId = role.ClusterId ?? (role.Timing ?? StationTiming.Legacy).ClusterIdFor(role.Peers);
        if (snapshot.LastIncludedIndex < 1 || snapshot.LastIncludedTerm < 1 || snapshot.ClusterId != clusterId)
        {
            throw new ArgumentException($"persisted snapshot (index {snapshot.LastIncludedIndex}, term {snapshot.LastIncludedTerm}, station {snapshot.ClusterId}) does not belong to station {clusterId}");
        }
    }

    /// <summary>Master: sends <paramref name="peer"/> the next chunk of the snapshot, unless one is in flight and not yet due again.</summary>
    private void SendSnapshotChunk(int peer)
    {
        if (_installIndex[peer] == 0)
        {
            _installIndex[peer] = _snapshotIndex;
            _installTerm[peer] = _snapshotTerm;
            _installData[peer] = SnapshotBytes();
            _installOffset[peer] = 0;
            _installSentAt[peer] = NeverTick;
        }
        else if (_installSentAt[peer] != NeverTick && _now - _installSentAt[peer] < InstallRetryTicks)
        {
            return;
        }

        var bytes = _installData[peer]!;
        var offset = (int)Math.Min(_installOffset[peer], bytes.Length);
        var length = Math.Min(_options.SnapshotChunkBytes, bytes.Length - offset);
        var done = offset + length == bytes.Length;
        Send(new InstallSnapshot(Id, Members[peer], ClusterId, _term, _installIndex[peer], _installTerm[peer], offset, bytes.AsMemory(offset, length), done, _now, CoordinatorEpoch));
        _installSentAt[peer] = _now;
    }

    private void EndInstall(int peer)
    {
        _installIndex[peer] = 0;
        _installData[peer] = null;
        _installSentAt[peer] = NeverTick;
    }

    private StepResult StepInstallSnapshot(InstallSnapshot install)
    {
        if (_state == SupervisorState.Master)
        {
            return StepResult.Dropped($"InstallSnapshot of term {_term} from {install.From}, but this node is the master of term {_term}", DropCategory.Malformed);
        }

        if (install.LastIncludedIndex < 1 || install.LastIncludedTerm < 1 || install.LastIncludedTerm > install.Term || install.Offset < 0
            || install.Data.Length > Limits.SnapshotChunkBytesMax || install.Offset + install.Data.Length > Limits.SnapshotBytesMax)
        {
            return StepResult.Dropped($"malformed InstallSnapshot from {install.From}", DropCategory.Malformed);
        }

        FollowMaster(install.From, install.CoordinatorEpoch);
        var index = install.LastIncludedIndex;
        if (index <= _commitIndex)
        {
            // Everything the snapshot holds is committed here already, and committed entries match the master's.
            _incoming = null;
            ReplyInstall(install, install.Offset + install.Data.Length, installed: true);
            return StepResult.Dropped($"InstallSnapshot at index {index} from {install.From}: index {_commitIndex} is committed here already", DropCategory.Outdated);
        }

        var incoming = _incoming;
        if (incoming is null || !incoming.Matches(install))
        {
            if (install.Offset != 0)
            {
                _incoming = null;
                ReplyInstall(install, 0, installed: false);
                return StepResult.Dropped($"InstallSnapshot chunk at offset {install.Offset} from {install.From} without its start; asked for offset 0", DropCategory.Outdated);
            }

            incoming = _incoming = new IncomingSnapshot(install.From, install.Term, index, install.LastIncludedTerm);
        }

        if (install.Offset != incoming.Length)
        {
            ReplyInstall(install, incoming.Length, installed: false);
            return StepResult.Dropped($"InstallSnapshot chunk at offset {install.Offset} from {install.From} out of order; asked for offset {incoming.Length}", DropCategory.Outdated);
        }

        incoming.Append(install.Data.Span);
        if (!install.Done)
        {
            ReplyInstall(install, incoming.Length, installed: false);
            return StepResult.Handled;
        }

        _incoming = null;
        var bytes = incoming.ToArray();
        if (!SnapshotCodec.TryDecode(bytes, out var snapshot, out var error)
            || snapshot.LastIncludedIndex != index || snapshot.LastIncludedTerm != install.LastIncludedTerm
            || snapshot.ClusterId != ClusterId)
        {
            ReplyInstall(install, 0, installed: false);
            return StepResult.Dropped($"InstallSnapshot from {install.From} at index {index} does not decode to this station's snapshot at that index: {(error.Length > 0 ? error : "header mismatch")}", DropCategory.Malformed);
        }

        InstallSnapshotState(install.From, snapshot, bytes);
        ReplyInstall(install, bytes.Length, installed: true);
        return StepResult.Handled;
    }

    private void InstallSnapshotState(NodeId from, Snapshot snapshot, byte[] bytes)
    {
        var index = snapshot.LastIncludedIndex;
        if (TermAt(index) == snapshot.LastIncludedTerm)
        {
            // The log holds the snapshot's last entry: the entries after it are of the same history and stay.
            _log.RemoveRange(0, (int)(index - _logStart));
        }
        else
        {
            _log.Clear();
            _unstableFromIndex = Math.Min(_unstableFromIndex, index + 1);
        }

        _logStart = index;
        SetSnapshot(snapshot, bytes);
        LoadTables(snapshot);

        var fromCommit = _commitIndex;
        _commitIndex = index;
        _appliedIndex = index;
        _appliedConfig = snapshot.Config;
        _appliedConfigIndex = index;
        MarkHardStateDirty();
        Emit(new SnapshotInstalled(from, index, snapshot.LastIncludedTerm, fromCommit, snapshot.Satellites.Count));
        RefreshConfig($"snapshot at index {index} installed");
        _caughtUpWithMaster = false; // Entries after the snapshot may follow.
    }

    private void ReplyInstall(InstallSnapshot install, long nextOffset, bool installed) =>
        Send(new InstallSnapshotResponse(Id, install.From, ClusterId, _term, install.LastIncludedIndex, nextOffset, installed, install.LeaderTick));

    private StepResult StepInstallSnapshotResponse(InstallSnapshotResponse response)
    {
        if (_state != SupervisorState.Master)
        {
            return StepResult.Dropped($"InstallSnapshot response from {response.From}, but this node is not the master", DropCategory.Outdated);
        }

        if (response.LeaderTick > _now || response.LastIncludedIndex < 1 || response.LastIncludedIndex > LastLogIndex || response.NextOffset < 0)
        {
            return StepResult.Dropped($"InstallSnapshot response from {response.From} with impossible fields", DropCategory.Malformed);
        }

        var peer = Config.IndexOf(response.From);
        if (peer < 0)
        {
            return StepResult.Dropped($"InstallSnapshot response from {response.From}, which is not a member of the configuration in force", DropCategory.NotAMember);
        }

        _ackTick[peer] = Math.Max(_ackTick[peer], response.LeaderTick);
        if (response.Installed)
        {
            _matchIndex[peer] = Math.Max(_matchIndex[peer], response.LastIncludedIndex);
            _nextIndex[peer] = Math.Max(_nextIndex[peer], _matchIndex[peer] + 1);
            if (_installIndex[peer] == response.LastIncludedIndex)
            {
                EndInstall(peer);
            }

            MaybeCommit();
            SendAppend(peer);
        }
        else if (response.LastIncludedIndex == _installIndex[peer])
        {
            var next = Math.Min(response.NextOffset, _installData[peer]!.Length);
            var progress = next > _installOffset[peer];
            _installOffset[peer] = next;
            if (progress)
            {
                // The chunk in flight arrived: send the next one now. An answer that makes no progress (a repeated or
                // late one) only rewinds the offset; the retry timer resends, so answers never multiply chunks.
                _installSentAt[peer] = NeverTick;
                SendSnapshotChunk(peer);
            }
        }

        MaybeStartCoordinator();
        return StepResult.Handled;
    }

    /// <summary>The chunks of one snapshot as they arrive, bounded by <see cref="Limits.SnapshotBytesMax"/>.</summary>
    private sealed class IncomingSnapshot(NodeId from, long term, long index, long snapshotTerm)
    {
        private readonly MemoryStream _data = new();

        public long Length => _data.Length;

        public bool Matches(InstallSnapshot install) =>
            install.From.Equals(from) && install.Term == term && install.LastIncludedIndex == index && install.LastIncludedTerm == snapshotTerm;

        public void Append(ReadOnlySpan<byte> chunk) => _data.Write(chunk);

        public byte[] ToArray() => _data.ToArray();
    }
}
