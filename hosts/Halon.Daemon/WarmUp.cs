using Halon.Core;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Protocol;
using Halon.Transport.Tcp;

namespace Halon.Daemon;

/// <summary>
/// Runs the protocol and the codec once, in memory, before the node listens. Under the JIT the first AppendEntries a
/// follower handles can take longer than an election timeout to compile, and a fresh station would then re-elect at
/// once; after this the paths are compiled. A native (AOT) build finishes it in about a millisecond.
/// </summary>
internal static class WarmUp
{
    private const int TicksMax = 200;

    public static void Run()
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
        for (var tick = 0; tick < TicksMax && !satellite.AnnouncementAcknowledged; tick++)
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

        foreach (var node in nodes.Values)
        {
            _ = node.GetStatus();
        }
    }

    private static void Drain(HalonNode node, Queue<Message> inFlight)
    {
        var ready = node.GetReady();
        foreach (var message in ready.Messages)
        {
            inFlight.Enqueue(message);
        }

        node.Advance();
    }
}
