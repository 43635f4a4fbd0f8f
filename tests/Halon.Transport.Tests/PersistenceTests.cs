using Halon.Core;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;
using Halon.Daemon;
using Halon.Daemon.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Halon.Transport.Tests;

public sealed class PersistenceTests : IDisposable
{
    private static readonly NodeId s_self = NodeId.Parse("127.0.0.1:9070");
    private static readonly PeerSet s_peers = PeerSet.Create([s_self, NodeId.Parse("127.0.0.1:9071"), NodeId.Parse("127.0.0.1:9072")]);
    private readonly string _dir = TestSupport.TempDir();

    public void Dispose() => TestSupport.DeleteDir(_dir);

    [Fact]
    public void A_fresh_data_dir_holds_nothing()
    {
        using var dataDir = DataDirectory.Open(_dir, NullLogger.Instance);
        Assert.Equal(HardState.Initial, dataDir.State.HardState);
        Assert.Equal(RoleConfig.None, dataDir.State.Role);
        Assert.Empty(dataDir.State.Log);
    }

    [Fact]
    public void Hard_state_role_and_log_round_trip()
    {
        var role = new RoleConfig(NodeRole.Station, s_peers, null, 0);
        using (var dataDir = DataDirectory.Open(_dir, NullLogger.Instance))
        {
            dataDir.Persist(new HardState(1, s_self, 0), role, 1, [Entry(1, 1)]);
            dataDir.Persist(new HardState(2, null, 2), null, 2, [Entry(2, 2), Entry(3, 2, satellite: true)]);
        }

        using var reopened = DataDirectory.Open(_dir, NullLogger.Instance);
        Assert.Equal(new HardState(2, null, 2), reopened.State.HardState);
        Assert.Equal(role.Role, reopened.State.Role.Role);
        Assert.Equal(s_peers, reopened.State.Role.Peers);
        Assert.Equal([Entry(1, 1), Entry(2, 2), Entry(3, 2, satellite: true)], reopened.State.Log);
    }

    [Fact]
    public void A_satellite_keeps_its_installation_id_and_the_log_keeps_each_acknowledged_one()
    {
        var role = new RoleConfig(NodeRole.Satellite, null, s_peers, 3) { InstallId = 0x1234_5678_9abc };
        var entry = new LogEntry(1, 1, new SatelliteAcknowledgedCommand(NodeId.Parse("sat:9070"), 2, new HostFacts("sat", 2, 1024)) { InstallId = 77 });
        using (var dataDir = DataDirectory.Open(_dir, NullLogger.Instance))
        {
            dataDir.Persist(new HardState(1, null, 1), role, 1, [entry]);
        }

        using var reopened = DataDirectory.Open(_dir, NullLogger.Instance);
        Assert.Equal(role, reopened.State.Role);
        Assert.Equal(0x1234_5678_9abc, reopened.State.Role.InstallId);
        Assert.Equal([entry], reopened.State.Log);
    }

    [Fact]
    public void A_station_peer_keeps_its_cluster_id_and_whether_it_is_joining_or_removed()
    {
        var contacts = PeerSet.Create([NodeId.Parse("127.0.0.1:9071"), NodeId.Parse("127.0.0.1:9072")]);
        var joining = new RoleConfig(NodeRole.Station, contacts, null, 0) { Timing = StationTiming.Lan, ClusterId = "halon-00112233aabbccdd", Joining = true };
        using (var dataDir = DataDirectory.Open(_dir, NullLogger.Instance))
        {
            dataDir.Persist(new HardState(1, null, 0), joining, 0, []);
        }

        using (var reopened = DataDirectory.Open(_dir, NullLogger.Instance))
        {
            Assert.Equal(joining, reopened.State.Role);
        }

        var removed = joining with { Joining = false, Removed = true };
        using (var dataDir = DataDirectory.Open(_dir, NullLogger.Instance))
        {
            dataDir.Persist(null, removed, 0, []);
        }

        using var again = DataDirectory.Open(_dir, NullLogger.Instance);
        Assert.Equal(removed, again.State.Role);
        Assert.True(again.State.Role.Removed);
        Assert.False(again.State.Role.Joining);
        Assert.Equal("halon-00112233aabbccdd", again.State.Role.ClusterId);
    }

    [Fact]
    public void A_role_record_written_before_cluster_ids_were_kept_reads_as_before()
    {
        // Exactly what a halond of the previous release wrote for a station peer: no cluster id, no joining flag.
        var record = new Halon.Daemon.Storage.Records.RoleRecord
        {
            Role = Halon.Daemon.Storage.Records.RoleKind.Station,
            Timing = new Halon.Daemon.Storage.Records.TimingRecord { Name = "lan", HeartbeatIntervalTicks = 5, ElectionTimeoutTicks = 25, ClockDriftFactor = 1.1 },
        };
        record.Peers.AddRange(s_peers.Members.Select(m => m.Value));
        CheckedFile.Write(_dir, DataDirectory.RoleFileName, StorageFormat.RoleMagic, Google.Protobuf.MessageExtensions.ToByteArray(record));

        using var dataDir = DataDirectory.Open(_dir, NullLogger.Instance);
        var role = dataDir.State.Role;
        Assert.Equal(NodeRole.Station, role.Role);
        Assert.Null(role.ClusterId);
        Assert.False(role.Joining);
        Assert.False(role.Removed);
        Assert.Equal(s_peers, role.Peers);

        // The node derives the same cluster id as before from the peer set and the timing, and runs as a peer.
        var node = new HalonNode(s_self, ProtocolOptions.Default, new TestRandom(), new HostFacts("t", 1, 1), dataDir.State);
        Assert.Equal(StationTiming.Lan.ClusterIdFor(s_peers), node.GetStatus().ClusterId);
        Assert.Equal(s_peers, node.Configuration!.Voters);
        Assert.False(node.LeftTheStation);
    }

    [Fact]
    public void A_configuration_entry_round_trips_in_the_log()
    {
        var joining = NodeId.Parse("127.0.0.1:9073");
        var config = StationConfig.Of(s_peers).WithReplacement(NodeId.Parse("127.0.0.1:9072"), joining);
        LogEntry[] entries =
        [
            new(1, 1, NoOpCommand.Instance),
            new(2, 1, new StationConfigCommand(config)),
            new(3, 1, new StationConfigCommand(config.Promote(joining))),
            new(4, 1, new StationConfigCommand(config.Promote(joining).Without(NodeId.Parse("127.0.0.1:9072")))),
        ];
        using (var dataDir = DataDirectory.Open(_dir, NullLogger.Instance))
        {
            dataDir.Persist(new HardState(1, s_self, 4), new RoleConfig(NodeRole.Station, s_peers, null, 0), 1, entries);
        }

        using var reopened = DataDirectory.Open(_dir, NullLogger.Instance);
        Assert.Equal(entries, reopened.State.Log);
        var back = Assert.IsType<StationConfigCommand>(reopened.State.Log[1].Command).Config;
        Assert.Equal([joining], back.Learners);
        Assert.Equal([NodeId.Parse("127.0.0.1:9072")], back.Retiring);
    }

    [Fact]
    public void A_configuration_record_that_breaks_the_rules_is_corruption()
    {
        var record = new Halon.Daemon.Storage.Records.LogEntryRecord { Index = 7, Term = 2, StationConfig = new Halon.Daemon.Storage.Records.StationConfigRecord() };
        record.StationConfig.Voters.AddRange(s_peers.Members.Select(m => m.Value));
        record.StationConfig.Learners.Add(s_peers.Members[0].Value); // A learner that votes.
        var e = Assert.Throws<DataDirCorruptException>(() => StorageCodec.DecodeLogEntry(Google.Protobuf.MessageExtensions.ToByteArray(record), "log", 96));
        Assert.Contains("offset 96", e.Message, StringComparison.Ordinal);
        Assert.Contains("both a voter and a learner", e.Message, StringComparison.Ordinal);

        record.StationConfig.Voters.Clear();
        record.StationConfig.Learners.Clear();
        e = Assert.Throws<DataDirCorruptException>(() => StorageCodec.DecodeLogEntry(Google.Protobuf.MessageExtensions.ToByteArray(record), "log", 96));
        Assert.Contains("no voters", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_snapshot_keeps_the_learners_and_retiring_voters_of_its_configuration()
    {
        var learner = NodeId.Parse("127.0.0.1:9073");
        var retiring = NodeId.Parse("127.0.0.1:9072");
        var snapshot = Snapshot(3, 2) with { Learners = [learner], Retiring = [retiring] };
        using (var dataDir = DataDirectory.Open(_dir, NullLogger.Instance))
        {
            dataDir.Persist(new HardState(2, null, 3), new RoleConfig(NodeRole.Station, s_peers, null, 0), 1, [Entry(1, 1), Entry(2, 2), Entry(3, 2)]);
            dataDir.Persist(null, null, 0, [], snapshot);
        }

        using var reopened = DataDirectory.Open(_dir, NullLogger.Instance);
        Assert.True(snapshot.SameState(reopened.State.Snapshot!));
        Assert.Equal(StationConfig.Create(s_peers, [learner], [retiring]), reopened.State.Snapshot!.Config);
    }

    [Fact]
    public void A_truncation_rewrites_the_log()
    {
        using (var dataDir = DataDirectory.Open(_dir, NullLogger.Instance))
        {
            dataDir.Persist(new HardState(2, null, 1), null, 1, [Entry(1, 1), Entry(2, 1), Entry(3, 1)]);
            dataDir.Persist(new HardState(3, null, 1), null, 2, [Entry(2, 3)]);
            dataDir.Persist(null, null, 3, [Entry(3, 3), Entry(4, 3)]);
        }

        using var reopened = DataDirectory.Open(_dir, NullLogger.Instance);
        Assert.Equal([Entry(1, 1), Entry(2, 3), Entry(3, 3), Entry(4, 3)], reopened.State.Log);
    }

    [Theory]
    [InlineData("hardstate")]
    [InlineData("role")]
    [InlineData("log")]
    public void A_crash_between_any_two_writes_leaves_a_state_the_core_accepts(string crashAfter)
    {
        using (var dataDir = DataDirectory.Open(_dir, NullLogger.Instance))
        {
            dataDir.Persist(new HardState(1, s_self, 1), new RoleConfig(NodeRole.Station, s_peers, null, 0), 1, [Entry(1, 1)]);
            dataDir.AfterStep = step =>
            {
                if (step == crashAfter)
                {
                    throw new IOException($"crash after {step}");
                }
            };

            // A follower learns term 2, appends two entries of term 2, and commits them: all in one batch.
            Assert.Throws<IOException>(() => dataDir.Persist(new HardState(2, null, 3), new RoleConfig(NodeRole.Station, s_peers, null, 0), 2, [Entry(2, 2), Entry(3, 2)]));
        }

        using var reopened = DataDirectory.Open(_dir, NullLogger.Instance);
        var state = reopened.State;
        Assert.Equal(2, state.HardState.Term); // The term is on disk before any entry of that term.
        Assert.True(state.HardState.CommitIndex <= state.Log.Count, $"commit {state.HardState.CommitIndex} beyond {state.Log.Count} entries");
        _ = new HalonNode(s_self, ProtocolOptions.Default, new SystemRandomSource(), new HostFacts("h", 1, 1), state);
    }

    [Fact]
    public void A_torn_final_record_is_cut_with_a_warning()
    {
        WriteLog(5);
        var log = Path.Combine(_dir, LogFile.FileName);
        var bytes = File.ReadAllBytes(log);
        File.WriteAllBytes(log, bytes[..^3]); // The final append was cut short by a crash.
        var logs = new CapturingLoggerFactory();
        using var reopened = DataDirectory.Open(_dir, logs.CreateLogger("test"));
        Assert.Equal(4, reopened.State.Log.Count);
        // What the node knows (the tail is not a complete record; what it keeps), and what to do, as for corruption.
        Assert.True(logs.Contains("are not a complete record"), logs.Tail(3));
        Assert.True(logs.Contains("starting with the 4 entries before them"), logs.Tail(3));
        Assert.True(logs.Contains("move the data dir aside"), logs.Tail(3));
        Assert.False(logs.Contains("never fsynced"));
        Assert.True(new FileInfo(log).Length < bytes.Length - 3);
    }

    [Fact]
    public void A_torn_record_header_and_a_zero_filled_tail_are_cut()
    {
        WriteLog(3);
        var log = Path.Combine(_dir, LogFile.FileName);
        var bytes = File.ReadAllBytes(log);
        File.WriteAllBytes(log, bytes.Concat(new byte[5]).ToArray());
        using (var first = DataDirectory.Open(_dir, NullLogger.Instance))
        {
            Assert.Equal(3, first.State.Log.Count);
        }

        File.WriteAllBytes(log, bytes.Concat(new byte[40]).ToArray());
        using var second = DataDirectory.Open(_dir, NullLogger.Instance);
        Assert.Equal(3, second.State.Log.Count);
        second.Persist(null, null, 4, [Entry(4, 1)]); // Appends go on after the cut.
        second.Dispose();
        using var third = DataDirectory.Open(_dir, NullLogger.Instance);
        Assert.Equal(4, third.State.Log.Count);
    }

    [Fact]
    public void Corruption_in_the_middle_of_the_log_refuses_to_start()
    {
        WriteLog(5);
        var log = Path.Combine(_dir, LogFile.FileName);
        var bytes = File.ReadAllBytes(log);
        var middle = bytes.Length / 2;
        bytes[middle] ^= 0x40;
        File.WriteAllBytes(log, bytes);
        var e = Assert.Throws<DataDirCorruptException>(() => DataDirectory.Open(_dir, NullLogger.Instance));
        Assert.Contains(log, e.Message, StringComparison.Ordinal);
        Assert.Contains("offset", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_hard_state_checksum_refuses_to_start()
    {
        WriteLog(1);
        var hardState = Path.Combine(_dir, DataDirectory.HardStateFileName);
        var bytes = File.ReadAllBytes(hardState);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(hardState, bytes);
        var e = Assert.Throws<DataDirCorruptException>(() => DataDirectory.Open(_dir, NullLogger.Instance));
        Assert.Equal($"{hardState}: checksum mismatch over the payload at offset 16", e.Message);
    }

    [Fact]
    public void A_role_file_of_another_format_refuses_to_start()
    {
        using (var dataDir = DataDirectory.Open(_dir, NullLogger.Instance))
        {
            dataDir.Persist(null, new RoleConfig(NodeRole.Station, s_peers, null, 0), 0, []);
        }

        var role = Path.Combine(_dir, DataDirectory.RoleFileName);
        var bytes = File.ReadAllBytes(role);
        bytes[7] = 9; // Format version 9.
        File.WriteAllBytes(role, bytes);
        var e = Assert.Throws<DataDirCorruptException>(() => DataDirectory.Open(_dir, NullLogger.Instance));
        Assert.Contains("format version 9", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_daemon_cannot_share_the_data_dir()
    {
        using var first = DataDirectory.Open(_dir, NullLogger.Instance);
        var e = Assert.Throws<DataDirInUseException>(() => DataDirectory.Open(_dir, NullLogger.Instance));
        Assert.Contains("in use by another halond", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_daemon_refuses_to_start_on_corruption_and_names_the_file()
    {
        WriteLog(4);
        var log = Path.Combine(_dir, LogFile.FileName);
        var bytes = File.ReadAllBytes(log);
        bytes[20] ^= 0xFF;
        File.WriteAllBytes(log, bytes);
        var daemon = new HalonDaemon(DaemonHarness.Settings_(TestSupport.FreePort(), _dir), new CapturingLoggerFactory(), TimeProvider.System);
        var e = Assert.Throws<DaemonStartException>(daemon.Start);
        Assert.Contains(log, e.Message, StringComparison.Ordinal);
        Assert.Contains("refusing to start", e.Message, StringComparison.Ordinal);
        Assert.Equal(DaemonExit.DataDirUnusable, e.ExitCode); // A restart cannot fix it: systemd must not loop.
        await daemon.DisposeAsync();
    }

    [Fact]
    public async Task The_daemon_refuses_a_state_the_core_rejects()
    {
        using (var dataDir = DataDirectory.Open(_dir, NullLogger.Instance))
        {
            // A commit index beyond the log can only come from lost entries: the core refuses it.
            dataDir.Persist(new HardState(1, null, 0), null, 1, [Entry(1, 1)]);
        }

        var hardState = Path.Combine(_dir, DataDirectory.HardStateFileName);
        var payload = Google.Protobuf.MessageExtensions.ToByteArray(new Halon.Daemon.Storage.Records.HardStateRecord { Term = 1, CommitIndex = 5 });
        var header = new byte[CheckedFile.HeaderBytes];
        StorageFormat.WriteUInt32(header, StorageFormat.HardStateMagic);
        StorageFormat.WriteUInt32(header.AsSpan(4), StorageFormat.Version);
        StorageFormat.WriteUInt32(header.AsSpan(8), (uint)payload.Length);
        StorageFormat.WriteUInt32(header.AsSpan(12), StorageFormat.Checksum(payload));
        File.WriteAllBytes(hardState, header.Concat(payload).ToArray());
        var daemon = new HalonDaemon(DaemonHarness.Settings_(TestSupport.FreePort(), _dir), new CapturingLoggerFactory(), TimeProvider.System);
        var e = Assert.Throws<DaemonStartException>(daemon.Start);
        Assert.Contains("holds a state the protocol rejects", e.Message, StringComparison.Ordinal);
        Assert.Equal(DaemonExit.DataDirUnusable, e.ExitCode);
        await daemon.DisposeAsync();
    }

    [Fact(Timeout = 60_000)]
    public async Task Random_damage_to_the_log_is_cut_as_torn_or_refused_never_misread()
    {
        await Task.Run(() =>
        {
            WriteLog(6);
            var log = Path.Combine(_dir, LogFile.FileName);
            var pristine = File.ReadAllBytes(log);
            var random = new Random(7);
            for (var i = 0; i < 400; i++)
            {
                var bytes = (byte[])pristine.Clone();
                bytes[random.Next(LogFile.FileHeaderBytes, bytes.Length)] ^= (byte)(1 << random.Next(8));
                File.WriteAllBytes(log, bytes);
                try
                {
                    using var dataDir = DataDirectory.Open(_dir, NullLogger.Instance);
                    // Only the final record may go (as torn); whatever is kept is exactly what was written.
                    Assert.True(dataDir.State.Log.Count >= 5, $"case {i}: {dataDir.State.Log.Count} entries kept");
                    Assert.Equal(Enumerable.Range(1, dataDir.State.Log.Count).Select(n => Entry(n, 1)), dataDir.State.Log);
                }
                catch (DataDirCorruptException)
                {
                }
            }
        });
    }

    private void WriteLog(int entries)
    {
        using var dataDir = DataDirectory.Open(_dir, NullLogger.Instance);
        dataDir.Persist(new HardState(1, s_self, 0), null, 1, Enumerable.Range(1, entries).Select(i => Entry(i, 1)).ToArray());
    }

    [Fact]
    public void A_snapshot_is_kept_and_the_log_prefix_it_covers_is_dropped()
    {
        var role = new RoleConfig(NodeRole.Station, s_peers, null, 0);
        var snapshot = Snapshot(3, 2);
        using (var dataDir = DataDirectory.Open(_dir, NullLogger.Instance))
        {
            dataDir.Persist(new HardState(2, null, 3), role, 1, [Entry(1, 1), Entry(2, 2), Entry(3, 2), Entry(4, 2)]);
            dataDir.Persist(null, null, 0, [], snapshot);
            dataDir.Persist(new HardState(2, null, 5), null, 5, [Entry(5, 2)]);
        }

        Assert.True(File.Exists(Path.Combine(_dir, DataDirectory.SnapshotFileName)));
        using var reopened = DataDirectory.Open(_dir, NullLogger.Instance);
        Assert.True(snapshot.SameState(reopened.State.Snapshot!));
        Assert.Equal([Entry(4, 2), Entry(5, 2)], reopened.State.Log);
        var node = new HalonNode(s_self, ProtocolOptions.Default, new TestRandom(), new HostFacts("t", 1, 1), reopened.State);
        Assert.Equal(5, node.LastLogIndex);
        Assert.Equal(3, node.SnapshotIndex);
        Assert.Single(node.Satellites);
    }

    [Fact]
    public void An_install_that_replaces_the_log_leaves_only_what_follows_the_snapshot()
    {
        var role = new RoleConfig(NodeRole.Station, s_peers, null, 0);
        using (var dataDir = DataDirectory.Open(_dir, NullLogger.Instance))
        {
            dataDir.Persist(new HardState(1, null, 1), role, 1, [Entry(1, 1), Entry(2, 1), Entry(3, 1), Entry(4, 1), Entry(5, 1)]);
            dataDir.Persist(new HardState(3, null, 4), null, 5, [], Snapshot(4, 3));
            dataDir.Persist(null, null, 5, [Entry(5, 3), Entry(6, 3)]);
        }

        using var reopened = DataDirectory.Open(_dir, NullLogger.Instance);
        Assert.Equal(4, reopened.State.Snapshot!.LastIncludedIndex);
        Assert.Equal([Entry(5, 3), Entry(6, 3)], reopened.State.Log);
    }

    [Fact]
    public void A_crash_between_the_snapshot_and_the_log_cut_is_repaired_on_open()
    {
        var role = new RoleConfig(NodeRole.Station, s_peers, null, 0);
        using (var dataDir = DataDirectory.Open(_dir, NullLogger.Instance))
        {
            dataDir.Persist(new HardState(2, null, 3), role, 1, [Entry(1, 1), Entry(2, 2), Entry(3, 2), Entry(4, 2)]);
            dataDir.AfterStep = step => throw new IOException($"crash after {step}");
            Assert.Throws<IOException>(() => dataDir.Persist(null, null, 0, [], Snapshot(3, 2)));
        }

        using (var reopened = DataDirectory.Open(_dir, NullLogger.Instance))
        {
            Assert.Equal([Entry(4, 2)], reopened.State.Log);
            Assert.Equal(3, reopened.State.Snapshot!.LastIncludedIndex);
        }

        using var again = DataDirectory.Open(_dir, NullLogger.Instance);
        Assert.Equal([Entry(4, 2)], again.State.Log);
    }

    [Fact]
    public void A_corrupt_snapshot_stops_the_node_with_a_clear_error()
    {
        var role = new RoleConfig(NodeRole.Station, s_peers, null, 0);
        using (var dataDir = DataDirectory.Open(_dir, NullLogger.Instance))
        {
            dataDir.Persist(new HardState(2, null, 3), role, 1, [Entry(1, 1), Entry(2, 2), Entry(3, 2)]);
            dataDir.Persist(null, null, 0, [], Snapshot(3, 2));
        }

        var path = Path.Combine(_dir, DataDirectory.SnapshotFileName);
        var bytes = File.ReadAllBytes(path);
        bytes[^3] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<DataDirCorruptException>(() => DataDirectory.Open(_dir, NullLogger.Instance));
        Assert.Contains("snapshot", error.Message, StringComparison.Ordinal);
        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
    }

    private static Snapshot Snapshot(long index, long term) =>
        new(index, term, StationTiming.Legacy.ClusterIdFor(s_peers), s_peers, [new SnapshotSatellite(NodeId.Parse("sat:9070"), new SatelliteRecord(1, new HostFacts("sat", 2, 1024), 2))]);

    private sealed class TestRandom : IRandomSource
    {
        public int Next(int maxExclusive) => 0;
    }

    private static LogEntry Entry(long index, long term, bool satellite = false) =>
        new(index, term, satellite ? new SatelliteAcknowledgedCommand(NodeId.Parse("sat:9070"), 1, new HostFacts("sat", 2, 1024)) : NoOpCommand.Instance);
}
