using Halon.Core;
using Halon.Core.Protocol;
using Halon.Simulation.Checking;

namespace Halon.Simulation.Harness;

/// <summary>The snapshot faults: an install racing an election, and a peer that loses its data dir.</summary>
public sealed partial class Simulation
{
    private int _snapshotsTaken;
    private int _snapshotsInstalled;
    private SimNode? _wipedPeer;

    /// <summary>
    /// The master has just sent a snapshot chunk: it crashes (and restarts later) or is cut off briefly, so that an
    /// election starts while the follower holds part of the snapshot.
    /// </summary>
    private void InstallRacesElection(SimNode master)
    {
        if (master.Node is not { State: SupervisorState.Master })
        {
            return;
        }

        if (_random.Chance(0.5))
        {
            Crash(master, "crashed while sending a snapshot (install racing an election)");
            ScheduleRestart(master);
        }
        else
        {
            IsolateMasterBriefly();
        }
    }

    /// <summary>
    /// After the heal, a follower peer loses its data dir and is bootstrapped again; it must rejoin by snapshot. It
    /// keeps the operator's rule (docs/operations.md, "A lost data dir": one peer at a time, with the station up): a
    /// peer that forgets its vote while an election of its term is still open can vote twice in that term, which no
    /// protocol prevents, so the wipe waits, 5 ticks at a time, for a master whose coordinator runs, and takes one of
    /// the followers that follow it in its term.
    /// </summary>
    private void WipePeer()
    {
        var master = CurrentMaster();
        var masterNode = master < 0 ? null : _nodes[master].Node;
        var candidates = masterNode is { CoordinatorRunning: true }
            ? _nodes.Where(n => n.IsPeer && n.Node is { State: SupervisorState.Follower } follower && follower.Term == masterNode.Term && masterNode.Id.Equals(follower.Leader)
                && masterNode.Configuration?.Contains(n.Id) != false).ToArray()
            : [];
        if (candidates.Length == 0)
        {
            if (_now < _healAt + (_livenessAcknowledgedTicksMax * TimeUnitsPerTick))
            {
                ScheduleAction(_now + (5 * TimeUnitsPerTick), WipePeer);
            }

            return;
        }

        var node = candidates[_random.Next(candidates.Length)];
        Crash(node, "its data dir is wiped (after the heal)");
        node.Disk.Wipe();
        Restart(node, "started afresh after the wipe (listen mode)");
        _wipedPeer = node;
        ScheduleAction(_now + (_random.NextInclusive(1, 10) * TimeUnitsPerTick), () => BringBackWiped(node));
        ScheduleAction(_now + (_livenessAcknowledgedTicksMax * TimeUnitsPerTick), CheckWipedPeerRejoined);
    }

    /// <summary>Liveness: the wiped peer holds everything the master's snapshot covers.</summary>
    private void CheckWipedPeerRejoined()
    {
        var master = CurrentMaster();
        if (_wipedPeer?.Node is not { } wiped || master < 0 || _nodes[master].Node is not { } masterNode)
        {
            return;
        }

        if (masterNode.Configuration?.Contains(wiped.Id) == false)
        {
            return; // A change of the peers has taken it out of the station meanwhile: it has nothing to catch up on.
        }

        if (wiped.CommitIndex < masterNode.SnapshotIndex)
        {
            _monitor.Report(Invariant.Liveness, $"{_wipedPeer.Id} lost its data dir and has not caught up: commit index {wiped.CommitIndex}, the master's snapshot covers up to {masterNode.SnapshotIndex}");
        }
    }
}
