using Halon.Core.Identity;
using Halon.Daemon;
using Halon.Transport.Tcp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Halon.Transport.Tests;

public sealed class DaemonTests : IDisposable
{
    private readonly string _dir = TestSupport.TempDir();

    public void Dispose() => TestSupport.DeleteDir(_dir);

    [Fact(Timeout = 30_000)]
    public async Task The_generic_host_runs_the_service_and_answers_status()
    {
        var settings = DaemonHarness.Settings_(TestSupport.FreePort(), _dir);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DaemonExit>();
        builder.Services.AddHostedService<HalonService>();
        using var host = builder.Build();
        await host.StartAsync(); // Returns once the node listens: the moment systemd hears READY=1.
        await using (var client = await ControlClient.ConnectAsync(settings.NodeId, TransportSecurity.Insecure, TimeSpan.FromSeconds(5)))
        {
            var status = await client.GetStatusAsync();
            Assert.Equal("none", status.Role);
            Assert.Equal("none", status.State);
        }

        await host.StopAsync();
        Assert.Equal(0, host.Services.GetRequiredService<DaemonExit>().Code);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_failed_write_stops_the_node_before_it_sends_anything()
    {
        var node = DaemonHarness.Start(DaemonHarness.Settings_(TestSupport.FreePort(), _dir));
        await using var _ = node;
        await using var client = await node.ConnectAsync();
        Directory.Delete(_dir, recursive: true); // Every write of the data dir fails from now on.
        var peers = PeerSet.Create([node.Id, NodeId.Parse("127.0.0.1:1"), NodeId.Parse("127.0.0.1:2")]);

        await Assert.ThrowsAsync<ControlException>(() => client.BootstrapStationAsync(peers));
        await Assert.ThrowsAsync<DaemonFatalException>(() => node.Loop);
        Assert.Equal(0, node.Daemon.Transport.Counters.MessagesSent);
        Assert.Equal(0, node.Daemon.Transport.Counters.DialFailures); // Not even a dial: the probes were never handed over.
        Assert.True(node.Logs.Contains("stopping rather than send unpersisted state"));
    }

    [Fact(Timeout = 30_000)]
    public async Task A_restarted_satellite_announces_a_new_incarnation()
    {
        var port = TestSupport.FreePort();
        var station = PeerSet.Create([NodeId.Parse("127.0.0.1:1")]);
        await using (var first = DaemonHarness.Start(DaemonHarness.Settings_(port, _dir)))
        {
            await using var client = await first.ConnectAsync();
            Assert.True((await client.BootstrapSatelliteAsync(station)).Succeeded);
            Assert.Equal(1, (await client.GetStatusAsync()).Announcer!.Incarnation);
        }

        await using var second = DaemonHarness.Start(DaemonHarness.Settings_(port, _dir));
        var status = await second.StatusAsync();
        Assert.Equal("satellite", status.Role);
        Assert.Equal(2, status.Announcer!.Incarnation);
    }
}
