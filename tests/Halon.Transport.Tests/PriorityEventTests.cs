using System.Net;
using System.Threading.Channels;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Transport.Tcp;

namespace Halon.Transport.Tests;

/// <summary>Traffic among station peers is read ahead of satellite traffic that waits for the node's loop.</summary>
public sealed class PriorityEventTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);
    private static readonly NodeId s_a = NodeId.Parse("127.0.0.1:7001");
    private static readonly NodeId s_b = NodeId.Parse("127.0.0.1:7002");

    [Fact(Timeout = 30_000)]
    public async Task The_reader_takes_the_first_queue_before_the_second_and_each_in_its_order()
    {
        var station = Channel.CreateUnbounded<TransportEvent>();
        var satellites = Channel.CreateUnbounded<TransportEvent>();
        var reader = new PriorityEventReader(station.Reader, satellites.Reader);
        var announcements = Enumerable.Range(1, 3).Select(i => Event(new NodeUp(s_a, s_b, i, new HostFacts("h", 1, 1)))).ToList();
        var heartbeats = Enumerable.Range(1, 2).Select(i => Event(new PeerProbe(s_a, s_b, "c", i))).ToList();
        foreach (var e in announcements)
        {
            satellites.Writer.TryWrite(e);
        }

        foreach (var e in heartbeats)
        {
            station.Writer.TryWrite(e);
        }

        var read = new List<TransportEvent>();
        while (reader.TryRead(out var next))
        {
            read.Add(next);
        }

        Assert.Equal([.. heartbeats, .. announcements], read);

        // Waiting: woken by either queue; done once both are complete and empty.
        var waiting = reader.WaitToReadAsync().AsTask();
        Assert.False(waiting.IsCompleted);
        satellites.Writer.TryWrite(announcements[0]);
        Assert.True(await waiting.WaitAsync(s_wait));
        Assert.True(reader.TryRead(out _));
        station.Writer.Complete();
        satellites.Writer.Complete();
        Assert.False(await reader.WaitToReadAsync().AsTask().WaitAsync(s_wait));
        await reader.Completion.WaitAsync(s_wait);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_peers_message_overtakes_the_announcements_queued_before_it()
    {
        await using var peer = Start();
        await using var satellite = Start();
        await using var otherPeer = Start();
        const int announcements = 50;
        for (var i = 1; i <= announcements; i++)
        {
            satellite.Send(new NodeUp(Id(satellite), Id(peer), i, new HostFacts("vsat", 1, 1024)));
        }

        Assert.True(await TestSupport.EventuallyAsync(() => Task.FromResult(peer.Counters.MessagesReceived == announcements), s_wait));
        var probe = new PeerProbe(Id(otherPeer), Id(peer), Samples.Station.ClusterId, 9);
        otherPeer.Send(probe);
        Assert.True(await TestSupport.EventuallyAsync(() => Task.FromResult(peer.Counters.MessagesReceived == announcements + 1), s_wait));
        await Task.Delay(200); // Counted just before it is queued.

        Assert.True(peer.Events.TryRead(out var first));
        Assert.Equal(probe, Assert.IsType<MessageReceived>(first).Message);
        var rest = 0;
        while (peer.Events.TryRead(out var next))
        {
            Assert.IsType<NodeUp>(Assert.IsType<MessageReceived>(next).Message);
            rest++;
        }

        Assert.Equal(announcements, rest);
    }

    private static MessageReceived Event(Message message) => new(message);

    private static TcpTransport Start()
    {
        var port = TestSupport.FreePort();
        var transport = new TcpTransport(
            new TransportOptions
            {
                NodeId = NodeId.Parse($"127.0.0.1:{port}"),
                ListenEndPoint = new IPEndPoint(IPAddress.Loopback, port),
                Security = TransportSecurity.WithKey(TestSupport.Key()),
            },
            new CapturingLoggerFactory().CreateLogger("test"));
        transport.Start();
        return transport;
    }

    private static NodeId Id(TcpTransport transport) => transport.Options.NodeId;
}
