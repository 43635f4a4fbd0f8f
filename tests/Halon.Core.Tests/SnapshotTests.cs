using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;

namespace Halon.Core.Tests;

public sealed class SnapshotTests
{
    private const int Threshold = 4;

    private static readonly ProtocolOptions s_options = ProtocolOptions.Default with { SnapshotThresholdEntries = Threshold, SnapshotChunkBytes = 64 };

    private static TestCluster Station(int satellites, ProtocolOptions? options = null)
    {
        var cluster = new TestCluster(3, satellites, options ?? s_options);
        cluster.BootstrapStation();
        Assert.True(cluster.TickUntil(() => cluster.Master?.CoordinatorRunning == true, 300));
        return cluster;
    }

    /// <summary>Satellites s{from}..s{to} announce one at a time, each acknowledged before the next starts.</summary>
    private static void Announce(TestCluster cluster, int from, int to)
    {
        for (var i = from; i <= to; i++)
        {
            var satellite = cluster[$"s{i}"];
            satellite.BecomeSatellite(cluster.Peers);
            cluster.Drain(satellite);
            Assert.True(cluster.TickUntil(() => satellite.AnnouncementAcknowledged, 300), $"s{i} was never acknowledged");
        }
    }

    private static string ClusterIdOf(HalonNode node) => node.GetStatus().ClusterId!;

    [Fact]
    public void The_log_is_compacted_exactly_when_the_applied_entries_reach_the_threshold()
    {
        var cluster = Station(satellites: 6);
        var master = cluster.Master!;
        Assert.Equal(1, master.CommitIndex); // The no-op of the first term.
        Announce(cluster, 1, 2);
        Assert.Equal(3, master.CommitIndex);
        Assert.Equal(0, master.SnapshotIndex);
        Assert.Equal(1, master.FirstLogIndex);
        Assert.Equal(3, master.Log.Count);

        Announce(cluster, 3, 3);
        Assert.Equal(4, master.CommitIndex);
        Assert.Equal(4, master.SnapshotIndex);
        Assert.Equal(master.Term, master.SnapshotTerm);
        Assert.Equal(5, master.FirstLogIndex);
        Assert.Empty(master.Log);
        Assert.Equal(4, master.LastLogIndex);
        var taken = Assert.Single(cluster.EffectsOf(master.Id).OfType<SnapshotTaken>());
        Assert.Equal(new SnapshotTaken(4, master.Term, 3), taken);

        var persisted = cluster.Batches[master.Id].Single(b => b.Snapshot is not null).Snapshot!;
        Assert.Same(master.LatestSnapshot, persisted);
        Assert.Equal(ClusterIdOf(master), persisted.ClusterId);
        Assert.Equal(cluster.Peers, persisted.Peers);
        Assert.Equal(new[] { "s1:9070", "s2:9070", "s3:9070" }, persisted.Satellites.Select(s => s.Node.Value));
        Assert.All(persisted.Satellites, row => Assert.Equal(master.Satellites[row.Node], row.Record));

        // The next snapshot comes Threshold applied entries later, not before.
        Announce(cluster, 4, 6);
        Assert.Equal(7, master.CommitIndex);
        Assert.Equal(4, master.SnapshotIndex);
        Assert.Equal(new[] { 5L, 6, 7 }, master.Log.Select(e => e.Index));
        Assert.Equal(3, master.GetStatus().LogEntries);
        Assert.Equal(4, master.GetStatus().SnapshotIndex);
    }

    [Fact]
    public void Followers_compact_too_and_never_beyond_what_they_applied()
    {
        var cluster = Station(satellites: 5);
        Announce(cluster, 1, 5);
        cluster.Tick(3);
        foreach (var node in cluster.Nodes.Values.Where(n => n.Role == NodeRole.Station))
        {
            Assert.Equal(6, node.CommitIndex);
            Assert.Equal(4, node.SnapshotIndex);
            Assert.True(node.SnapshotIndex <= node.CommitIndex);
            Assert.Equal(new[] { 5L, 6 }, node.Log.Select(e => e.Index));
        }
    }

    [Fact]
    public void A_follower_behind_the_compacted_prefix_receives_the_snapshot_in_bounded_chunks()
    {
        var cluster = Station(satellites: 9);
        var master = cluster.Master!;
        var lagging = cluster.Nodes.Values.First(n => n.Role == NodeRole.Station && n.State == SupervisorState.Follower);
        cluster.Down.Add(lagging.Id);
        Announce(cluster, 1, 9);
        Assert.Equal(8, master.SnapshotIndex);
        Assert.True(lagging.CommitIndex < master.SnapshotIndex);

        cluster.Down.Remove(lagging.Id);
        Assert.True(cluster.TickUntil(() => lagging.CommitIndex == master.CommitIndex && lagging.LastLogIndex == master.LastLogIndex, 300));
        var installed = Assert.Single(cluster.EffectsOf(lagging.Id).OfType<SnapshotInstalled>());
        Assert.Equal(master.Id, installed.From);
        Assert.Equal(8, installed.LastIncludedIndex);
        Assert.Equal(7, installed.Satellites); // The satellites of entries 2..8; the ninth came after the snapshot.
        Assert.Equal(master.Satellites.OrderBy(s => s.Key).ToArray(), lagging.Satellites.OrderBy(s => s.Key).ToArray());
        Assert.Equal(8, lagging.SnapshotIndex);

        var chunks = cluster.Batches[master.Id].SelectMany(b => b.Messages).OfType<InstallSnapshot>().Where(m => m.To.Equals(lagging.Id)).ToArray();
        Assert.True(chunks.Length > 2, $"{chunks.Length} chunks");
        Assert.All(chunks, c => Assert.InRange(c.Data.Length, 1, 64));
        Assert.Single(chunks, c => c.Done);
        Assert.Equal(chunks.Sum(c => c.Data.Length), SnapshotCodec.Encode(master.LatestSnapshot!).Length);
        Assert.Equal(Enumerable.Range(0, chunks.Length).Select(i => (long)i * 64), chunks.Select(c => c.Offset));

        // The master counts the installed follower: with the other follower down, a new entry still commits.
        var other = cluster.Nodes.Values.Single(n => n.Role == NodeRole.Station && !n.Equals(master) && !n.Equals(lagging));
        cluster.Down.Add(other.Id);
        var commit = master.CommitIndex;
        var satellite = cluster["s1"];
        var restarted = cluster.Restart(satellite.Id);
        Assert.True(cluster.TickUntil(() => restarted.AnnouncementAcknowledged, 300));
        Assert.True(master.CommitIndex > commit);
    }

    [Fact]
    public void A_peer_whose_data_dir_was_wiped_rejoins_by_snapshot()
    {
        var cluster = Station(satellites: 6);
        Announce(cluster, 1, 6);
        var master = cluster.Master!;
        var wiped = cluster.Nodes.Values.First(n => n.Role == NodeRole.Station && n.State == SupervisorState.Follower);
        var fresh = cluster.Reinstall(wiped.Id);
        Assert.True(fresh.BecomeStationPeer(cluster.Peers).Succeeded);
        cluster.Drain(fresh);
        Assert.True(cluster.TickUntil(() => fresh.CommitIndex == master.CommitIndex, 300));
        Assert.Single(cluster.EffectsOf(fresh.Id).OfType<SnapshotInstalled>());
        Assert.Equal(6, fresh.Satellites.Count);
        Assert.Equal(master.SnapshotIndex, fresh.SnapshotIndex);
        var persisted = cluster.PersistedStateOf(fresh.Id);
        Assert.Equal(master.SnapshotIndex, persisted.Snapshot!.LastIncludedIndex);
        Assert.All(persisted.Log, e => Assert.True(e.Index > persisted.Snapshot.LastIncludedIndex));
    }

    [Fact]
    public void A_restart_loads_the_snapshot_and_replays_only_the_tail()
    {
        var cluster = Station(satellites: 6);
        Announce(cluster, 1, 6);
        cluster.Tick(3);
        var follower = cluster.Nodes.Values.First(n => n.Role == NodeRole.Station && n.State == SupervisorState.Follower);
        var before = (follower.CommitIndex, follower.LastLogIndex, follower.SnapshotIndex, Satellites: follower.Satellites.OrderBy(s => s.Key).ToArray());
        var persisted = cluster.PersistedStateOf(follower.Id);
        Assert.Equal(4, persisted.Snapshot!.LastIncludedIndex);
        Assert.Equal(new[] { 5L, 6, 7 }, persisted.Log.Select(e => e.Index));

        var restarted = cluster.Restart(follower.Id);
        Assert.Equal(before.CommitIndex, restarted.CommitIndex);
        Assert.Equal(before.LastLogIndex, restarted.LastLogIndex);
        Assert.Equal(before.SnapshotIndex, restarted.SnapshotIndex);
        Assert.Equal(before.Satellites, restarted.Satellites.OrderBy(s => s.Key).ToArray());
        Assert.Equal(SupervisorState.WaitingForQuorum, restarted.State);
    }

    [Fact]
    public void A_restart_drops_entries_the_snapshot_covers_and_a_tail_of_another_history()
    {
        var id = NodeId.Parse("p1:9070");
        var peers = PeerSet.Parse("p1:9070,p2:9070,p3:9070");
        var role = new RoleConfig(NodeRole.Station, peers, null, 0);
        var snapshot = new Snapshot(3, 2, StationTiming.Legacy.ClusterIdFor(peers), peers, []);
        LogEntry Entry(long index, long term) => new(index, term, NoOpCommand.Instance);

        // A crash between writing the snapshot and cutting the log: the covered entries are still there.
        var overlapping = new PersistentState(new HardState(3, null, 3), role, [Entry(1, 1), Entry(2, 2), Entry(3, 2), Entry(4, 3)]) { Snapshot = snapshot };
        var node = new HalonNode(id, ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(id), overlapping);
        Assert.Equal(3, node.SnapshotIndex);
        Assert.Equal(new[] { 4L }, node.Log.Select(e => e.Index));
        Assert.Equal(4, node.LastLogIndex);
        Assert.Same(snapshot, node.GetReady().Snapshot); // Handed back so that the host drops the covered entries.

        // The same crash after an install that replaced a log of another history: its tail is not kept.
        var conflicting = new PersistentState(new HardState(3, null, 1), role, [Entry(1, 1), Entry(2, 1), Entry(3, 1), Entry(4, 1)]) { Snapshot = snapshot };
        node = new HalonNode(id, ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(id), conflicting);
        Assert.Empty(node.Log);
        Assert.Equal(3, node.LastLogIndex);
        Assert.Equal(3, node.CommitIndex);
        Assert.Equal(4, node.GetReady().EntriesFromIndex);
        Assert.Same(snapshot, node.GetReady().Snapshot);

        // A log that starts right after the snapshot continues it.
        var compacted = new PersistentState(new HardState(3, null, 3), role, [Entry(4, 3), Entry(5, 3)]) { Snapshot = snapshot };
        node = new HalonNode(id, ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(id), compacted);
        Assert.Equal(new[] { 4L, 5 }, node.Log.Select(e => e.Index));
        Assert.Equal(0, node.GetReady().EntriesFromIndex);
        Assert.Null(node.GetReady().Snapshot);

        var gap = new PersistentState(new HardState(3, null, 3), role, [Entry(5, 3)]) { Snapshot = snapshot };
        Assert.Contains("gap", Assert.Throws<ArgumentException>(() => new HalonNode(id, ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(id), gap)).Message, StringComparison.Ordinal);
        var otherStation = new PersistentState(new HardState(3, null, 3), role, []) { Snapshot = snapshot with { ClusterId = "halon-other" } };
        Assert.Throws<ArgumentException>(() => new HalonNode(id, ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(id), otherStation));
        var satellite = new PersistentState(HardState.Initial, new RoleConfig(NodeRole.Satellite, null, peers, 1), []) { Snapshot = snapshot };
        Assert.Throws<ArgumentException>(() => new HalonNode(id, ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(id), satellite));
        var lostCommitted = new PersistentState(new HardState(3, null, 6), role, [Entry(4, 3)]) { Snapshot = snapshot };
        Assert.Contains("lost committed entries", Assert.Throws<ArgumentException>(() => new HalonNode(id, ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(id), lostCommitted)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_follower_rejects_stale_term_out_of_order_and_malformed_chunks()
    {
        var cluster = Station(satellites: 5);
        Announce(cluster, 1, 5);
        var master = cluster.Master!;
        var follower = cluster.Nodes.Values.First(n => n.Role == NodeRole.Station && n.State == SupervisorState.Follower);
        var clusterId = ClusterIdOf(master);
        var bytes = SnapshotCodec.Encode(master.LatestSnapshot!);
        var term = master.Term;
        InstallSnapshot Chunk(long chunkTerm, long offset, int length, bool done, long index = 100) =>
            new(master.Id, follower.Id, clusterId, chunkTerm, index, master.SnapshotTerm, offset, bytes.AsMemory((int)offset, length), done, master.Now, 0);
        InstallSnapshotResponse Answer()
        {
            var ready = follower.GetReady();
            var answer = Assert.Single(ready.Messages.OfType<InstallSnapshotResponse>());
            follower.Advance();
            return answer;
        }

        var stale = follower.Step(Chunk(term - 1, 0, 8, false));
        Assert.Equal(DropCategory.StaleTerm, stale.DropCategory);
        Assert.Equal(new InstallSnapshotResponse(follower.Id, master.Id, clusterId, term, 100, 0, false, master.Now), Answer());

        var withoutStart = follower.Step(Chunk(term, 8, 8, false));
        Assert.Equal(DropCategory.Outdated, withoutStart.DropCategory);
        Assert.Equal(0, Answer().NextOffset);

        Assert.True(follower.Step(Chunk(term, 0, 8, false)).Accepted);
        Assert.Equal(8, Answer().NextOffset);
        var skipped = follower.Step(Chunk(term, 16, 8, false));
        Assert.Equal(DropCategory.Outdated, skipped.DropCategory);
        Assert.Equal(8, Answer().NextOffset);
        var repeated = follower.Step(Chunk(term, 0, 8, false));
        Assert.Equal(DropCategory.Outdated, repeated.DropCategory);
        Assert.Equal(8, Answer().NextOffset);

        // The header says index 100, the bytes say another: refused, and the follower asks for the start again.
        var commit = follower.CommitIndex;
        var mismatch = follower.Step(Chunk(term, 8, bytes.Length - 8, true));
        Assert.Equal(DropCategory.Malformed, mismatch.DropCategory);
        var answer = Answer();
        Assert.False(answer.Installed);
        Assert.Equal(0, answer.NextOffset);
        Assert.Equal(commit, follower.CommitIndex);

        var oversized = new InstallSnapshot(master.Id, follower.Id, clusterId, term, 100, master.SnapshotTerm, 0, new byte[Limits.SnapshotChunkBytesMax + 1], false, master.Now, 0);
        Assert.Equal(DropCategory.Malformed, follower.Step(oversized).DropCategory);
        var futureTerm = Chunk(term, 0, 8, false) with { LastIncludedTerm = term + 1 };
        Assert.Equal(DropCategory.Malformed, follower.Step(futureTerm).DropCategory);
        var negative = Chunk(term, 0, 8, false) with { Offset = -1 };
        Assert.Equal(DropCategory.Malformed, follower.Step(negative).DropCategory);
        Assert.Equal(DropCategory.Malformed, master.Step(Chunk(term, 0, 8, false) with { From = follower.Id, To = master.Id }).DropCategory);
    }

    [Fact]
    public void A_snapshot_at_or_below_the_commit_index_is_acknowledged_and_ignored()
    {
        var cluster = Station(satellites: 5);
        Announce(cluster, 1, 5);
        cluster.Tick(3);
        var master = cluster.Master!;
        var follower = cluster.Nodes.Values.First(n => n.Role == NodeRole.Station && n.State == SupervisorState.Follower);
        var bytes = SnapshotCodec.Encode(master.LatestSnapshot!);
        var (commit, last, satellites) = (follower.CommitIndex, follower.LastLogIndex, follower.Satellites.Count);
        Assert.True(master.SnapshotIndex <= commit);
        var result = follower.Step(new InstallSnapshot(master.Id, follower.Id, ClusterIdOf(master), master.Term, master.SnapshotIndex, master.SnapshotTerm, 0, bytes, true, master.Now, 0));
        Assert.Equal(DropCategory.Outdated, result.DropCategory);
        var answer = Assert.Single(follower.GetReady().Messages.OfType<InstallSnapshotResponse>());
        Assert.True(answer.Installed);
        Assert.Equal(master.SnapshotIndex, answer.LastIncludedIndex);
        Assert.Equal((commit, last, satellites), (follower.CommitIndex, follower.LastLogIndex, follower.Satellites.Count));
        Assert.Empty(follower.GetReady().Effects.OfType<SnapshotInstalled>());
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, false)]
    public void An_install_keeps_the_entries_after_the_snapshot_only_when_the_log_holds_its_last_entry(long snapshotTerm, bool keeps)
    {
        var id = NodeId.Parse("p2:9070");
        var master = NodeId.Parse("p1:9070");
        var peers = PeerSet.Parse("p1:9070,p2:9070,p3:9070");
        var clusterId = StationTiming.Legacy.ClusterIdFor(peers);
        var log = Enumerable.Range(1, 6).Select(i => new LogEntry(i, 1, NoOpCommand.Instance)).ToArray();
        var persisted = new PersistentState(new HardState(1, null, 2), new RoleConfig(NodeRole.Station, peers, null, 0), log);
        var node = new HalonNode(id, ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(id), persisted);
        node.Advance();
        var row = new SnapshotSatellite(NodeId.Parse("s1:9070"), new SatelliteRecord(2, new HostFacts("s1", 2, 64), 3));
        var bytes = SnapshotCodec.Encode(new Snapshot(4, snapshotTerm, clusterId, peers, [row]));
        var result = node.Step(new InstallSnapshot(master, id, clusterId, 2, 4, snapshotTerm, 0, bytes, true, 7, 0));
        Assert.True(result.Accepted, result.DropReason);

        Assert.Equal(4, node.CommitIndex);
        Assert.Equal(4, node.SnapshotIndex);
        Assert.Equal(snapshotTerm, node.SnapshotTerm);
        Assert.Equal(master, node.Leader);
        Assert.Equal(row.Record, node.Satellites[row.Node]);
        var ready = node.GetReady();
        Assert.Equal(4, ready.Snapshot!.LastIncludedIndex);
        Assert.Equal(4, ready.HardState!.Value.CommitIndex);
        Assert.Equal(new InstallSnapshotResponse(id, master, clusterId, 2, 4, bytes.Length, true, 7), Assert.Single(ready.Messages.OfType<InstallSnapshotResponse>()));
        Assert.Equal(new SnapshotInstalled(master, 4, snapshotTerm, 2, 1), Assert.Single(ready.Effects.OfType<SnapshotInstalled>()));
        if (keeps)
        {
            Assert.Equal(new[] { 5L, 6 }, node.Log.Select(e => e.Index));
            Assert.Equal(6, node.LastLogIndex);
            Assert.Equal(0, ready.EntriesFromIndex);
        }
        else
        {
            Assert.Empty(node.Log);
            Assert.Equal(4, node.LastLogIndex);
            Assert.Equal(5, ready.EntriesFromIndex);
            Assert.Empty(ready.Entries);
        }
    }

    [Fact]
    public void The_codec_round_trips_and_refuses_bad_bytes()
    {
        var peers = PeerSet.Parse("p1:9070,p2:9070,p3:9070");
        var rows = new[]
        {
            new SnapshotSatellite(NodeId.Parse("a:9070"), new SatelliteRecord(3, new HostFacts("a", 8, 1024), 7) { InstallId = -5, Reinstalls = 2 }),
            new SnapshotSatellite(NodeId.Parse("b:9070"), new SatelliteRecord(1, new HostFacts("b.example", 1, 0), 9)),
        };
        var snapshot = new Snapshot(12, 4, "halon-x", peers, rows) { Removed = [new SnapshotTombstone(NodeId.Parse("gone:9070"), 99), new SnapshotTombstone(NodeId.Parse("x:9070"), 0)] };
        var bytes = SnapshotCodec.Encode(snapshot);
        Assert.True(SnapshotCodec.TryDecode(bytes, out var decoded, out var error), error);
        Assert.True(snapshot.SameState(decoded));
        Assert.Equal(string.Empty, error);

        Assert.False(SnapshotCodec.TryDecode(bytes.AsSpan(0, bytes.Length - 1), out _, out error));
        Assert.Contains("truncated", error, StringComparison.Ordinal);
        var badMagic = (byte[])bytes.Clone();
        badMagic[0] ^= 1;
        Assert.False(SnapshotCodec.TryDecode(badMagic, out _, out error));
        Assert.Contains("magic", error, StringComparison.Ordinal);
        var badVersion = (byte[])bytes.Clone();
        badVersion[4] = 9;
        Assert.False(SnapshotCodec.TryDecode(badVersion, out _, out error));
        Assert.Contains("version", error, StringComparison.Ordinal);
        Assert.False(SnapshotCodec.TryDecode([.. bytes, 0], out _, out error));
        Assert.Contains("after", error, StringComparison.Ordinal);
        var unordered = snapshot with { Satellites = [rows[1], rows[0]] };
        Assert.False(SnapshotCodec.TryDecode(SnapshotCodec.Encode(unordered), out _, out error));
        Assert.Contains("out of order", error, StringComparison.Ordinal);
        var badRecord = snapshot with { Satellites = [new SnapshotSatellite(rows[0].Node, rows[0].Record with { Incarnation = 0 })] };
        Assert.False(SnapshotCodec.TryDecode(SnapshotCodec.Encode(badRecord), out _, out error));
        Assert.Contains("out of range", error, StringComparison.Ordinal);
        var zeroIndex = snapshot with { LastIncludedIndex = 0 };
        Assert.False(SnapshotCodec.TryDecode(SnapshotCodec.Encode(zeroIndex), out _, out _));

        Assert.Equal(snapshot.Removed, decoded.Removed);
        var unorderedTombstones = snapshot with { Removed = [snapshot.Removed[1], snapshot.Removed[0]] };
        Assert.False(SnapshotCodec.TryDecode(SnapshotCodec.Encode(unorderedTombstones), out _, out error));
        Assert.Contains("tombstone", error, StringComparison.Ordinal);

        // An unknown field tag (a newer writer) is refused rather than skipped.
        var single = SnapshotCodec.Encode(snapshot with { Satellites = [rows[1]], Removed = [] });
        var tagged = (byte[])single.Clone();
        var tagAt = Array.LastIndexOf(tagged, (byte)7, tagged.Length - 13);
        Assert.Equal(7, tagged[tagAt]);
        tagged[tagAt] = 42;
        Assert.False(SnapshotCodec.TryDecode(tagged, out _, out error));
        Assert.Contains("unknown field 42", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 1024)]
    [InlineData(Limits.SnapshotThresholdEntriesMax + 1, 1024)]
    [InlineData(16, 0)]
    [InlineData(16, Limits.SnapshotChunkBytesMax + 1)]
    public void Snapshot_options_out_of_range_are_refused(int threshold, int chunk)
    {
        var options = ProtocolOptions.Default with { SnapshotThresholdEntries = threshold, SnapshotChunkBytes = chunk };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("Snapshot", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Snapshot_options_at_their_bounds_are_accepted()
    {
        (ProtocolOptions.Default with { SnapshotThresholdEntries = 1, SnapshotChunkBytes = 1 }).Validate();
        (ProtocolOptions.Default with { SnapshotThresholdEntries = Limits.SnapshotThresholdEntriesMax, SnapshotChunkBytes = Limits.SnapshotChunkBytesMax }).Validate();
        Assert.Equal(4_096, ProtocolOptions.Default.SnapshotThresholdEntries);
        Assert.Equal(Limits.SnapshotChunkBytesMax, ProtocolOptions.Default.SnapshotChunkBytes);
    }
}
