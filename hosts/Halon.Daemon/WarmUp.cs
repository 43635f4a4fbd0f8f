using Halon.Core;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Protocol;
using Halon.Daemon.Storage;
using Halon.Transport.Tcp;

namespace Halon.Daemon;

/// <summary>
/// Runs the protocol and the codec once, in memory, before the node listens. Under the JIT the first AppendEntries a
/// follower handles can take longer than an election timeout to compile, and a fresh station would then re-elect at
/// once; after this the paths are compiled. The same holds for a station's first configuration change (a peer added
/// as a learner, promoted, then removed): compiling its paths on the master and on the one follower that carries its
/// lease, while a peer is down, took longer than the lease on a loaded machine. The log records of every kind go
/// through the data dir's codec too. A native (AOT) build finishes it in a few milliseconds.
/// </summary>
internal static class WarmUp
{
    private const int TicksMax = 200;

    /// <summary>Runs it; returns which parts completed (each is bounded by <see cref="TicksMax"/> ticks).</summary>
    public static (bool SatelliteAcknowledged, bool PeerPromoted, bool PeerLeft) Run()
    {
        var peers = PeerSet.Parse("127.0.0.1:1,127.0.0.1:2,127.0.0.1:3");
        var nodes = peers.Members.ToDictionary(id => id, id => new HalonNode(id, ProtocolOptions.Default, new SystemRandomSource(), new HostFacts("warm-up", 1, 1)));
        var satellite = new HalonNode(NodeId.Parse("127.0.0.1:4"), ProtocolOptions.Default, new SystemRandomSource(), new HostFacts("warm-up", 1, 1));
        nodes[satellite.Id] = satellite;
        foreach (var id in peers.Members)
        {
            nodes[id].BecomeStationPeer(peers);
        }

        satellite.BecomeSatellite(peers);
        var inFlight = new Queue<Message>();
        RunUntil(nodes, inFlight, () => satellite.AnnouncementAcknowledged);

        // A fourth peer joins, is added as a learner, promoted, and removed again.
        var fourth = new HalonNode(NodeId.Parse("127.0.0.1:5"), ProtocolOptions.Default, new SystemRandomSource(), new HostFacts("warm-up", 1, 1));
        nodes[fourth.Id] = fourth;
        var promoted = false;
        if (Master(nodes) is { } master)
        {
            fourth.JoinStation(master.GetStatus().ClusterId!, master.Timing, peers);
            Drain(fourth, inFlight);
            master.ChangeStation(new AddPeer(fourth.Id));
            Drain(master, inFlight);
            RunUntil(nodes, inFlight, () => master.Configuration?.IsVoter(fourth.Id) == true && !master.ConfigurationChangeInFlight);
            promoted = master.Configuration?.IsVoter(fourth.Id) == true;
            master.ChangeStation(new RemovePeer(fourth.Id));
            Drain(master, inFlight);
            RunUntil(nodes, inFlight, () => fourth.LeftTheStation);
        }

        foreach (var node in nodes.Values)
        {
            _ = node.GetStatus();
        }

        return (satellite.AnnouncementAcknowledged, promoted, fourth.LeftTheStation);
    }

    private static HalonNode? Master(Dictionary<NodeId, HalonNode> nodes) =>
        nodes.Values.FirstOrDefault(n => n.State == SupervisorState.Master && n.CoordinatorRunning);

    /// <summary>Ticks every node and delivers every message through the wire codec until <paramref name="done"/>, at most <see cref="TicksMax"/> ticks.</summary>
    private static void RunUntil(Dictionary<NodeId, HalonNode> nodes, Queue<Message> inFlight, Func<bool> done)
    {
        for (var tick = 0; tick < TicksMax && !done(); tick++)
        {
            foreach (var node in nodes.Values)
            {
                node.Tick();
                Drain(node, inFlight);
            }

            while (inFlight.TryDequeue(out var message))
            {
                // Through the codec, as on the wire.
                var decoded = MessageCodec.Decode(MessageCodec.Encode(message));
                if (decoded is not null && nodes.TryGetValue(decoded.To, out var target))
                {
                    target.Step(decoded);
                    Drain(target, inFlight);
                }
            }
        }
    }

    private static void Drain(HalonNode node, Queue<Message> inFlight)
    {
        var ready = node.GetReady();

        // What the data dir would write, through its codec.
        if (ready.Role is { } role)
        {
            _ = StorageCodec.DecodeRole(StorageCodec.Encode(role), "warm-up");
        }

        foreach (var entry in ready.Entries)
        {
            _ = StorageCodec.DecodeLogEntry(StorageCodec.Encode(entry), "warm-up", 0);
        }

        foreach (var message in ready.Messages)
        {
            inFlight.Enqueue(message);
        }

        node.Advance();
    }
}
