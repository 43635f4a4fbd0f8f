using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Halon.Core.Identity;
using Halon.Daemon.Systemd;

namespace Halon.Transport.Tests;

/// <summary>
/// systemd's watchdog through a fake NOTIFY_SOCKET (a unix datagram socket this test reads): READY=1 once the node
/// listens, WATCHDOG=1 again and again from the loop, and none while the loop is wedged (here: inside a write of the
/// data dir that never returns, as a hung disk would hold it), so that systemd would restart the service.
/// </summary>
public sealed class WatchdogTests : IDisposable
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(400);
    private readonly string _dir = TestSupport.TempDir();

    public void Dispose() => TestSupport.DeleteDir(_dir);

    [Fact(Timeout = 90_000)]
    public async Task The_loop_notifies_ready_then_watchdog_and_a_wedged_loop_stops_notifying()
    {
        var socketPath = Path.Combine(_dir, "notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        var received = new ConcurrentQueue<string>();
        using var stopReading = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            var buffer = new byte[256];
            while (!stopReading.IsCancellationRequested)
            {
                try
                {
                    var length = await socket.ReceiveAsync(buffer, SocketFlags.None, stopReading.Token);
                    received.Enqueue(Encoding.ASCII.GetString(buffer, 0, length));
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });

        using var notifier = SystemdNotifier.ForSocket(socketPath, s_interval);
        var settings = DaemonHarness.Settings_(TestSupport.FreePort(), Path.Combine(_dir, "data")) with { Notifier = notifier };
        await using var node = DaemonHarness.Start(settings);

        Assert.True(await EventuallyAsync(() => received.Count >= 4, TimeSpan.FromSeconds(30)), string.Join(",", received));
        Assert.Equal("READY=1", received.First());
        Assert.All(received.Skip(1), r => Assert.Equal("WATCHDOG=1", r));

        // Wedge the loop: the next write of the data dir blocks until released.
        using var release = new ManualResetEventSlim(false);
        using var wedged = new ManualResetEventSlim(false);
        node.Daemon.DataDir.AfterStep = _ =>
        {
            wedged.Set();
            release.Wait();
        };
        await using var client = await node.ConnectAsync();
        var bootstrap = client.BootstrapStationAsync(PeerSet.Create([node.Id]));
        Assert.True(wedged.Wait(TimeSpan.FromSeconds(30)), "the bootstrap never reached the data dir");
        await Task.Delay(s_interval); // A datagram sent just before the wedge may still be on its way.
        var atWedge = Watchdogs(received);
        await Task.Delay(s_interval * 5); // systemd would have restarted the service by now.
        Assert.Equal(atWedge, Watchdogs(received));

        node.Daemon.DataDir.AfterStep = null;
        release.Set();
        Assert.True((await bootstrap).Succeeded);
        Assert.True(await EventuallyAsync(() => Watchdogs(received) >= atWedge + 3, TimeSpan.FromSeconds(30)), $"{Watchdogs(received)} after {atWedge}");

        await stopReading.CancelAsync();
        await reader;
    }

    [Fact]
    public void Without_notify_socket_nothing_is_sent_and_no_watchdog_is_expected()
    {
        var notifier = SystemdNotifier.FromEnvironment(_ => null);
        Assert.False(notifier.Enabled);
        Assert.Null(notifier.WatchdogInterval);
        notifier.Ready();
        notifier.Watchdog();

        var forOther = SystemdNotifier.FromEnvironment(name => name switch
        {
            "NOTIFY_SOCKET" => "@halon-test",
            "WATCHDOG_USEC" => "3000000",
            "WATCHDOG_PID" => "1",
            _ => null,
        });
        Assert.True(forOther.Enabled);
        Assert.Null(forOther.WatchdogInterval); // The watchdog is meant for another process.

        var forUs = SystemdNotifier.FromEnvironment(name => name switch
        {
            "NOTIFY_SOCKET" => "/run/systemd/notify",
            "WATCHDOG_USEC" => "3000000",
            _ => null,
        });
        Assert.Equal(TimeSpan.FromSeconds(3), forUs.WatchdogInterval);
    }

    private static int Watchdogs(ConcurrentQueue<string> received) => received.Count(r => r == "WATCHDOG=1");

    private static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(20);
        }

        return condition();
    }
}
