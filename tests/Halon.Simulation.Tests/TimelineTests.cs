using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text.RegularExpressions;
using Halon.Simulation.Harness;
using Halon.Simulation.Timeline;

namespace Halon.Simulation.Tests;

/// <summary>
/// The timeline picture in a real headless Chromium (Debian's <c>chromium</c>; <c>.ci/run</c> installs it): the DOM
/// after the page's own script ran holds the lanes, the state bars and the coordinator intervals, and a screenshot
/// is a picture (many colours), not a blank page.
/// </summary>
public sealed partial class TimelineTests : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly string _dir = Directory.CreateTempSubdirectory("halon-timeline-tests-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task A_simulated_run_with_faults_renders_its_lanes_states_and_coordinators_in_a_browser()
    {
        var options = new SimulationOptions { Seed = 7, Peers = 5, Satellites = 4, FaultSpec = "swarm", Ticks = 2000 };
        var simulation = new Harness.Simulation(options);
        var recorder = Cli.TimelineCommand.Record(simulation, options);
        var result = simulation.Run();
        Assert.True(result.Passed);
        var page = Path.Combine(_dir, "run.html");
        Cli.TimelineCommand.Write(recorder, result, new FileInfo(page));

        // Recorded as typed events by the harness.
        var events = recorder.Timeline.Events;
        Assert.Contains(events, e => e.Kind == TimelineEventKind.CoordinatorStarted && e.Epoch >= 1);
        Assert.Contains(events, e => e.Kind == TimelineEventKind.Acknowledged);
        Assert.Contains(events, e => e.Kind is TimelineEventKind.Crash or TimelineEventKind.Partition or TimelineEventKind.Pause);
        Assert.Equal(result.CoordinatorStarts, events.Count(e => e.Kind == TimelineEventKind.CoordinatorStarted));

        var dom = await DumpDomAsync(page);
        Assert.Contains("data-rendered=\"true\"", dom, StringComparison.Ordinal); // The page's script ran.
        Assert.Equal(9, Regex.Count(dom, "<g class=\"lane\""));
        Assert.Matches(new Regex("id=\"summary\"[^>]*data-lanes=\"9\""), dom);
        Assert.Equal(result.CoordinatorStarts, Regex.Count(dom, "<rect class=\"coordinator\""));
        Assert.Contains("class=\"state state-master\"", dom, StringComparison.Ordinal);
        Assert.Contains("class=\"ack\"", dom, StringComparison.Ordinal);
        Assert.Contains("no violation", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", dom.Replace("http://www.w3.org/2000/svg", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);

        var (colours, inked) = await ScreenshotAsync(page);
        Assert.True(colours >= 12, $"{colours} distinct colours");
        Assert.True(inked > 0.05, $"{inked:P1} of the pixels are not white");
    }

    [Fact]
    public async Task A_violation_is_a_red_banner_and_a_red_line()
    {
        var recorder = new TimelineRecorder("a failed seed");
        var options = new SimulationOptions { Seed = 3, Peers = 3, Satellites = 1, Ticks = 300 };
        var simulation = new Harness.Simulation(options) { Timeline = recorder };
        var result = simulation.Run();
        recorder.Timeline.Add(new TimelineEvent(150, null, TimelineEventKind.Violation) { Detail = "[coordinator-exclusivity] at tick 150: two coordinators" });
        var page = Path.Combine(_dir, "failed.html");
        await File.WriteAllTextAsync(page, TimelineRenderer.Render(recorder.Timeline));

        var dom = await DumpDomAsync(page);
        Assert.Contains("1 violation: see the red lines", dom, StringComparison.Ordinal);
        Assert.Matches(new Regex("data-violations=\"1\""), dom);
        Assert.Contains("two coordinators", dom, StringComparison.Ordinal);
        Assert.Equal(result.CoordinatorStarts, Regex.Count(dom, "<rect class=\"coordinator\""));
    }

    [Fact]
    public async Task Halond_json_logs_of_several_nodes_render_as_lanes()
    {
        // Real JSON logs of three halond peers (and one satellite logging text, whose lines are skipped) across a
        // re-election: epoch 1 on one node, epoch 2 on another.
        var logs = Path.Combine(AppContext.BaseDirectory, "Logs", "failover");
        var timeline = LogTimelineReader.Read(logs);
        Assert.Equal(3, timeline.Nodes.Count);
        Assert.Equal("ms", timeline.Unit);
        var epochs = timeline.Events.Where(e => e.Kind == TimelineEventKind.CoordinatorStarted).Select(e => e.Epoch).ToHashSet();
        Assert.Contains(1, epochs);
        Assert.Contains(2, epochs);

        var page = Path.Combine(_dir, "logs.html");
        Assert.Equal(0, Cli.Program.Main(["timeline", "--from-logs", logs, "-o", page]));
        var dom = await DumpDomAsync(page);
        Assert.Contains("data-rendered=\"true\"", dom, StringComparison.Ordinal);
        Assert.Equal(3, Regex.Count(dom, "<g class=\"lane\""));
        Assert.True(Regex.Count(dom, "<rect class=\"coordinator\"") >= 2);
        Assert.True(Regex.Count(dom, "class=\"state state-master\"") >= 2);
        var (colours, _) = await ScreenshotAsync(page);
        Assert.True(colours >= 8, $"{colours} distinct colours");
    }

    private async Task<string> DumpDomAsync(string page)
    {
        var (output, _) = await RunChromiumAsync("--dump-dom", new Uri(page).AbsoluteUri);
        return output;
    }

    private async Task<(int Colours, double Inked)> ScreenshotAsync(string page)
    {
        var png = Path.Combine(_dir, Path.GetFileNameWithoutExtension(page) + ".png");
        await RunChromiumAsync($"--screenshot={png}", "--window-size=1440,700", new Uri(page).AbsoluteUri);
        Assert.True(File.Exists(png), "chromium wrote no screenshot");
        return Pixels(await File.ReadAllBytesAsync(png));
    }

    private async Task<(string Output, string Errors)> RunChromiumAsync(params string[] arguments)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install chromium (.ci/run does)");
        var profile = Directory.CreateTempSubdirectory("halon-chromium-").FullName;
        try
        {
            var info = new ProcessStartInfo(Chromium) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var flag in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}" }.Concat(arguments))
            {
                info.ArgumentList.Add(flag);
            }

            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            Assert.True(process.ExitCode == 0, $"chromium exited {process.ExitCode}: {await errors}");
            return (await output, await errors);
        }
        finally
        {
            try
            {
                Directory.Delete(profile, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Decodes an 8-bit RGB or RGBA PNG: distinct colours and the share of pixels that are not near white.</summary>
    private static (int Colours, double Inked) Pixels(byte[] png)
    {
        Assert.True(png.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), "not a PNG");
        int width = 0, height = 0, channels = 0;
        using var compressed = new MemoryStream();
        for (var offset = 8; offset < png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            var type = System.Text.Encoding.ASCII.GetString(png, offset + 4, 4);
            var data = png.AsSpan(offset + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.Equal(8, data[8]);
                channels = data[9] switch { 2 => 3, 6 => 4, _ => throw new InvalidDataException($"PNG colour type {data[9]}") };
            }
            else if (type == "IDAT")
            {
                compressed.Write(data);
            }

            offset += 12 + length;
        }

        compressed.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        var raw = inflated.ToArray();
        var stride = width * channels;
        var previous = new byte[stride];
        var row = new byte[stride];
        var colours = new HashSet<int>();
        long inked = 0;
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (stride + 1)];
            Array.Copy(raw, (y * (stride + 1)) + 1, row, 0, stride);
            for (var i = 0; i < stride; i++)
            {
                var left = i >= channels ? row[i - channels] : 0;
                var up = previous[i];
                var upLeft = i >= channels ? previous[i - channels] : 0;
                row[i] = (byte)(row[i] + filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => Paeth(left, up, upLeft),
                    _ => throw new InvalidDataException($"PNG filter {filter}"),
                });
            }

            for (var x = 0; x < width; x++)
            {
                var (r, g, b) = (row[x * channels], row[(x * channels) + 1], row[(x * channels) + 2]);
                colours.Add((r << 16) | (g << 8) | b);
                inked += r + g + b < 720 ? 1 : 0;
            }

            (previous, row) = (row, previous);
        }

        return (colours.Count, (double)inked / ((long)width * height));
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var (pa, pb, pc) = (Math.Abs(p - a), Math.Abs(p - b), Math.Abs(p - c));
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
