using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Halon.Core.Identity;
using Halon.Ctl.Demo;
using Halon.LoadGen;

namespace Halon.Hosts.Tests;

/// <summary>
/// The load generator against real halond processes: virtual satellites announced all at once are every one
/// acknowledged, and the peers' metrics show group commit at work (fewer durable writes than the inputs they cover).
/// </summary>
public sealed class LoadGeneratorTests : IDisposable
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly TestCluster _cluster = new(RandomNumberGenerator.GetBytes(32));

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task Fifty_virtual_satellites_announced_at_once_are_all_acknowledged_and_the_peers_persist_in_batches()
    {
        const int satellites = 50;
        var ports = FreePorts.Take(7);
        var peers = new List<(LocalDaemon Node, string Metrics)>();
        for (var i = 0; i < 3; i++)
        {
            var node = await _cluster.StartAtAsync(NodeId.Parse($"127.0.0.1:{ports[i]}"), "--metrics-listen", $"127.0.0.1:{ports[i + 3]}");
            peers.Add((node, $"http://127.0.0.1:{ports[i + 3]}/metrics"));
        }

        var list = TestCluster.List(peers.Select(p => p.Node));
        var station = await Ctl.RunAsync("bootstrap", "station", "--peers", list, "--cluster-key-file", _cluster.KeyFile!, "--wait", "--timeout", "60s");
        Assert.True(station.ExitCode == 0, station.ToString());

        // The satellites' addresses: a /16 of loopback picked at random, on a port that was free, so that runs at the
        // same time on this machine do not meet.
        var prefix = string.Create(CultureInfo.InvariantCulture, $"127.{RandomNumberGenerator.GetInt32(101, 250)}");
        var arguments = new List<string>
        {
            "--station", list, "--satellites", satellites.ToString(CultureInfo.InvariantCulture), "--cluster-key-file", _cluster.KeyFile!,
            "--address-prefix", prefix, "--port", ports[6].ToString(CultureInfo.InvariantCulture), "--timeout-s", "120",
        };
        foreach (var (node, _) in peers)
        {
            arguments.AddRange(["--peer", $"{node.Listen.Value}={node.ProcessId}"]);
        }

        var options = LoadOptions.Parse(arguments);
        using var progress = new StringWriter();
        var report = await new LoadRun(options, progress).RunAsync(processes: 1, CancellationToken.None);

        Assert.True(report.Acknowledged == satellites, $"{report.Acknowledged} of {satellites} acknowledged\n{report.ToText()}\n{progress}\n{_cluster.Logs()}");
        Assert.Equal(satellites, report.LatenciesMs.Length);
        Assert.All(report.Peers, p => Assert.True(p.Alive && p.RssKiB > 0, $"{p.Node}: {p}"));
        Assert.Contains("\"acknowledged\": 50", report.ToJson(), StringComparison.Ordinal);

        // Every peer applied all fifty, and each wrote fewer times than it stepped inputs: batches of them shared a
        // write. (How much fewer depends on the machine's speed; that it happens at all is the point.)
        var steady = await _cluster.WaitForSteadyStationAsync(peers.Select(p => p.Node).ToList());
        Assert.Equal(satellites, steady.Master.Satellites.Count(s => s.Acknowledged));
        foreach (var (node, metrics) in peers)
        {
            var scrape = await ScrapeUntilAsync(metrics, m => m.Value("halon_satellites_acknowledged") == satellites);
            var persists = scrape.Value("halon_persists_total");
            var inputs = scrape.Value("halon_persist_inputs_total");
            Assert.True(persists > 0, $"{node.Listen}: no durable write counted");
            Assert.True(persists < inputs, $"{node.Listen}: {persists} durable writes for {inputs} inputs: no batch held more than one");
        }
    }

    private static async Task<PrometheusText> ScrapeUntilAsync(string url, Func<PrometheusText, bool> condition)
    {
        var clock = Stopwatch.StartNew();
        var last = string.Empty;
        while (clock.Elapsed < TestCluster.WaitTimeout)
        {
            last = await s_http.GetStringAsync(new Uri(url));
            var scrape = PrometheusText.Parse(last);
            if (condition(scrape))
            {
                return scrape;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{url} never showed every satellite applied; last scrape:\n{last}");
        return null!;
    }
}
