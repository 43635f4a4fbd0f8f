using System.Diagnostics;
using Halon.Core;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Protocol;
using Halon.Transport.Tcp;

namespace Halon.LoadGen;

/// <summary>
/// One virtual satellite: the real protocol core in the satellite role, and a real TCP transport listening on its own
/// loopback address, as <c>halond</c> runs them. Only the data dir is missing: its role and incarnation live in
/// memory, since a satellite's durable write happens on its own machine and costs the station nothing.
/// </summary>
internal sealed class VirtualSatellite
{
    private readonly ProtocolOptions _options;

    public VirtualSatellite(NodeId id, TcpTransport transport, ProtocolOptions options, int seed)
    {
        Id = id;
        Transport = transport;
        _options = options;
        Seed = seed;
    }

    public NodeId Id { get; }

    public TcpTransport Transport { get; }

    public int Seed { get; }

    public HalonNode? Node { get; private set; }

    /// <summary>Stopwatch timestamp of this satellite's first announcement handed to the transport, or 0.</summary>
    public long FirstAnnouncedAt { get; private set; }

    /// <summary>Stopwatch timestamp at which the acknowledgement of its incarnation was stepped, or 0.</summary>
    public long AcknowledgedAt { get; private set; }

    /// <summary>Announcements (NodeUp) sent, retries included.</summary>
    public int Announcements { get; private set; }

    /// <summary>Redirects received (a station peer that is not the coordinator pointed elsewhere).</summary>
    public int Redirects { get; private set; }

    public bool Acknowledged => AcknowledgedAt != 0;

    /// <summary>The coordinator whose acknowledgement was stepped, or null.</summary>
    public NodeId? AcknowledgedBy { get; private set; }

    /// <summary>Bootstraps the node as a satellite of <paramref name="station"/>: its first announcement goes out at once.</summary>
    public void Bootstrap(PeerSet station, string hostname)
    {
        Node = new HalonNode(Id, _options, new SeededRandom(Seed), new HostFacts(hostname, 1, 1024));
        var result = Node.BecomeSatellite(station);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(result.Message);
        }

        Drain();
    }

    public void Tick()
    {
        Node!.Tick();
        Drain();
    }

    /// <summary>Steps every event waiting on the transport; returns how many there were.</summary>
    public int StepEvents()
    {
        var stepped = 0;
        while (Transport.Events.TryRead(out var transportEvent))
        {
            stepped++;
            switch (transportEvent)
            {
                case MessageReceived received when Node is not null:
                    Redirects += received.Message is NodeUpRedirect ? 1 : 0;
                    Node.Step(received.Message);
                    if (AcknowledgedAt == 0 && Node.AnnouncementAcknowledged)
                    {
                        AcknowledgedAt = Stopwatch.GetTimestamp();
                        AcknowledgedBy = received.Message.From;
                    }

                    Drain();
                    break;
                case PeerUnreachable unreachable when Node is not null:
                    Node.ReportUnreachable(unreachable.Peer, unreachable.Problem, unreachable.Detail);
                    Drain();
                    break;
                case ControlRequested control:
                    control.Fail("this is a virtual satellite of halon-loadgen; it takes no commands");
                    break;
            }
        }

        return stepped;
    }

    private void Drain()
    {
        var node = Node!;
        if (!node.HasReady)
        {
            return;
        }

        var ready = node.GetReady();
        foreach (var message in ready.Messages)
        {
            if (message is NodeUp)
            {
                Announcements++;
                if (FirstAnnouncedAt == 0)
                {
                    FirstAnnouncedAt = Stopwatch.GetTimestamp();
                }
            }

            Transport.Send(message);
        }

        node.Advance();
    }

    private sealed class SeededRandom(int seed) : IRandomSource
    {
        private readonly Random _random = new(seed);

        public int Next(int maxExclusive) => _random.Next(maxExclusive);
    }
}
