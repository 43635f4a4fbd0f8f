using Halon.Core.Identity;
using Halon.Core.Persistence;

namespace Halon.Simulation.Checking;

/// <summary>Snapshots: what a compacted prefix stands for must agree with the entries known committed there.</summary>
public sealed partial class InvariantMonitor
{
    /// <summary>
    /// Invariant 4 across compaction: <paramref name="node"/> took, installed or restarted from
    /// <paramref name="snapshot"/>. Its last entry is committed, so where that index is known committed the terms must
    /// agree; and every satellite row must name a committed acknowledgement of that satellite and incarnation.
    /// </summary>
    public void ObserveSnapshot(NodeId node, Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var index = snapshot.LastIncludedIndex;
        if (index <= _committed.Count && _committed[(int)(index - 1)].Term != snapshot.LastIncludedTerm)
        {
            Report(Invariant.LogMatching, $"{node} holds a snapshot at index {index} of term {snapshot.LastIncludedTerm}, where an entry of term {_committed[(int)(index - 1)].Term} was committed");
            return;
        }

        CheckSnapshotConfiguration(node, index, snapshot.Config);
        foreach (var row in snapshot.Satellites)
        {
            var at = row.Record.LogIndex;
            if (at > index)
            {
                Report(Invariant.LogMatching, $"{node}'s snapshot at index {index} holds {row.Node} from entry {at}, beyond it");
                return;
            }

            if (at <= _committed.Count && (_committed[(int)(at - 1)].Command is not SatelliteAcknowledgedCommand command || !command.Satellite.Equals(row.Node) || command.Incarnation != row.Record.Incarnation))
            {
                Report(Invariant.LogMatching, $"{node}'s snapshot at index {index} holds {row.Node} incarnation {row.Record.Incarnation} from entry {at}, where {_committed[(int)(at - 1)].Command} was committed");
                return;
            }
        }
    }
}
