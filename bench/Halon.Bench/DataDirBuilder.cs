using System.Globalization;
using Halon.Core;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;
using Halon.Daemon.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Halon.Bench;

/// <summary>
/// <c>datadir DIR SELF PEERS SATELLITES TERMS [TAIL]</c>: writes the data dir of station peer SELF (of the comma list
/// PEERS, timing lan) as a long-running station leaves it: SATELLITES satellites acknowledged over TERMS terms (one
/// no-op per term and one acknowledgement per satellite), compacted into a snapshot, with TAIL entries after it (by
/// default one less than the snapshot threshold: the longest tail a restart can meet). The state is checked by
/// restoring a core node from it, then written with halond's own storage code.
/// </summary>
internal static class DataDirBuilder
{
    public static int Run(string[] args)
    {
        if (args.Length is < 5 or > 6)
        {
            Console.Error.WriteLine("usage: Halon.Bench datadir DIR SELF PEERS SATELLITES TERMS [TAIL]");
            return 2;
        }

        var directory = args[0];
        var self = NodeId.Parse(args[1]);
        var peers = PeerSet.Parse(args[2]);
        var satellites = int.Parse(args[3], CultureInfo.InvariantCulture);
        var terms = int.Parse(args[4], CultureInfo.InvariantCulture);
        var tail = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : ProtocolOptions.Default.SnapshotThresholdEntries - 1;
        var state = Build(self, peers, satellites, terms, tail);
        var options = ProtocolOptions.Default.WithTiming(StationTiming.Lan);
        var node = new HalonNode(self, options, new CountingRandom(), new HostFacts("bench", 1, 1), state);
        if (node.Satellites.Count != satellites || node.CommitIndex != state.HardState.CommitIndex)
        {
            Console.Error.WriteLine($"the built state restores to {node.Satellites.Count} satellites, commit {node.CommitIndex}");
            return 1;
        }

        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        using (var dataDir = DataDirectory.Open(directory, NullLogger.Instance))
        {
            dataDir.Persist(state.HardState, state.Role, state.Snapshot!.LastIncludedIndex + 1, state.Log, state.Snapshot);
        }

        File.Delete(Path.Combine(directory, DataDirectory.LockFileName));
        var bytes = new DirectoryInfo(directory).EnumerateFiles().Sum(f => f.Length);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"datadir {directory}: {satellites} satellites, {terms} terms, snapshot at {state.Snapshot.LastIncludedIndex} (term {state.Snapshot.LastIncludedTerm}), {state.Log.Count} entries after it, last index {state.HardState.CommitIndex}, {bytes} bytes"));
        return 0;
    }

    private static PersistentState Build(NodeId self, PeerSet peers, int satellites, int terms, int tail)
    {
        // The whole history: term t opens with its no-op; acknowledgements are spread over the terms.
        var history = new List<(long Term, NodeId? Satellite)>(terms + satellites);
        var ids = Enumerable.Range(0, satellites).Select(i => NodeId.Parse(string.Create(CultureInfo.InvariantCulture, $"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}:9070"))).ToArray();
        var perTerm = Math.Max(1, (satellites + terms - 1) / terms);
        var next = 0;
        for (long term = 1; term <= terms; term++)
        {
            history.Add((term, null));
            for (var k = 0; k < perTerm && next < satellites; k++)
            {
                history.Add((term, ids[next++]));
            }
        }

        tail = Math.Clamp(tail, 0, history.Count - 1);
        var snapshotIndex = history.Count - tail;
        var records = new Dictionary<NodeId, SatelliteRecord>();
        var log = new List<LogEntry>(tail);
        for (var i = 0; i < history.Count; i++)
        {
            var (term, satellite) = history[i];
            long index = i + 1;
            EntryCommand command = NoOpCommand.Instance;
            if (satellite is not null)
            {
                var facts = new HostFacts(string.Create(CultureInfo.InvariantCulture, $"node{index:D6}.cluster.example"), 64, 262_144);
                var installId = (long)(((ulong)satellite.StableHash * 0x9E3779B97F4A7C15UL) >> 1) | 1;
                command = new SatelliteAcknowledgedCommand(satellite, 1, facts) { InstallId = installId };
                if (index <= snapshotIndex)
                {
                    records[satellite] = new SatelliteRecord(1, facts, index) { InstallId = installId };
                }
            }

            if (index > snapshotIndex)
            {
                log.Add(new LogEntry(index, term, command));
            }
        }

        var rows = records.OrderBy(r => r.Key).Select(r => new SnapshotSatellite(r.Key, r.Value)).ToArray();
        var clusterId = StationTiming.Lan.ClusterIdFor(peers);
        var snapshot = new Snapshot(snapshotIndex, history[snapshotIndex - 1].Term, clusterId, peers, rows);
        var role = new RoleConfig(NodeRole.Station, peers, null, 0) { Timing = StationTiming.Lan };
        _ = self;
        return new PersistentState(new HardState(terms, null, history.Count), role, log) { Snapshot = snapshot };
    }

    private sealed class CountingRandom : IRandomSource
    {
        private int _next;

        public int Next(int maxExclusive) => _next++ % maxExclusive;
    }
}
