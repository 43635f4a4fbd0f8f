using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Halon.LoadGen;

/// <summary>A station peer's figures over the run: CPU time used, resident memory at the end and at its peak.</summary>
internal sealed record PeerFigures(string Node, int Pid, double CpuSeconds, long RssKiB, long PeakRssKiB, bool Alive);

/// <summary>What happened around a kill -9 of the master during the run.</summary>
internal sealed record FailoverFigures(string Killed, int AcknowledgedBeforeKill, double KilledAtMs, string? NewCoordinator, double? CoordinatorSeenAfterKillMs, double? TableCompleteAfterCoordinatorMs, int TableMissing, string? Error);

/// <summary>The run's figures, as text or JSON.</summary>
internal sealed record LoadReport(int Satellites, int Acknowledged, double DurationMs, double[] LatenciesMs, long Announcements, long Redirects, long Warnings, int Processes, IReadOnlyList<PeerFigures> Peers, FailoverFigures? Failover, string LoadAverage)
{
    /// <summary>CPU time the generator's processes used, all of them together.</summary>
    public double GeneratorCpuSeconds { get; init; }

    public double AcknowledgementsPerSecond => DurationMs <= 0 ? 0 : Acknowledged * 1000.0 / DurationMs;

    public double Percentile(double p)
    {
        if (LatenciesMs.Length == 0)
        {
            return 0;
        }

        var sorted = LatenciesMs.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    public static LoadReport Of(IReadOnlyList<FleetResult> fleets, int processes, IReadOnlyList<PeerFigures> peers, FailoverFigures? failover, string loadAverage)
    {
        var first = fleets.Where(f => f.FirstAnnouncedAt != 0).Select(f => f.FirstAnnouncedAt).DefaultIfEmpty(0).Min();
        var last = fleets.Select(f => f.LastAcknowledgedAt).DefaultIfEmpty(0).Max();
        var duration = first == 0 || last == 0 ? 0 : (last - first) * 1000.0 / Stopwatch.Frequency;
        return new LoadReport(
            fleets.Sum(f => f.Count),
            fleets.Sum(f => f.AcknowledgedCount),
            duration,
            fleets.SelectMany(f => f.LatenciesMs).ToArray(),
            fleets.Sum(f => f.Announcements),
            fleets.Sum(f => f.Redirects),
            fleets.Sum(f => f.Warnings),
            processes,
            peers,
            failover,
            loadAverage)
        {
            GeneratorCpuSeconds = fleets.Sum(f => f.CpuSeconds),
        };
    }

    public string ToText()
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.Append(c, $"satellites          {Acknowledged} of {Satellites} acknowledged ({Processes} generator process{(Processes == 1 ? string.Empty : "es")})\n");
        if (Acknowledged == 0)
        {
            text.Append("first announcement to all acknowledged  none acknowledged (is the station up and bootstrapped, with this key?)\n");
        }
        else
        {
            text.Append(c, $"first announcement to all acknowledged  {DurationMs:F0} ms{(Acknowledged < Satellites ? " (not all acknowledged: time to the last one)" : string.Empty)}\n");
        }
        text.Append(c, $"acknowledgements/s  {AcknowledgementsPerSecond:F0}\n");
        text.Append(c, $"latency (first announcement to acknowledgement)  p50 {Percentile(50):F0} ms, p99 {Percentile(99):F0} ms, max {Percentile(100):F0} ms\n");
        text.Append(c, $"announcements       {Announcements} sent ({Redirects} redirects received), transport warnings {Warnings}\n");
        text.Append(c, $"generator           CPU {GeneratorCpuSeconds:F2} s in {Processes} process{(Processes == 1 ? string.Empty : "es")} (on the same machine as the peers)\n");
        foreach (var peer in Peers)
        {
            text.Append(c, $"peer {peer.Node} (pid {peer.Pid}){(peer.Alive ? string.Empty : " [gone at the end]")}: CPU {peer.CpuSeconds:F2} s, RSS {peer.RssKiB / 1024.0:F1} MiB, peak RSS {peer.PeakRssKiB / 1024.0:F1} MiB\n");
        }

        if (Failover is { Killed: "none" } notKilled)
        {
            text.Append(c, $"failover            {notKilled.Error}\n");
        }
        else if (Failover is { } f)
        {
            text.Append(c, $"failover            killed master {f.Killed} (kill -9) at {f.KilledAtMs:F0} ms, {f.AcknowledgedBeforeKill} satellites acknowledged before\n");
            text.Append(c, $"                    new coordinator {f.NewCoordinator ?? "none seen"} seen {Ms(f.CoordinatorSeenAfterKillMs)} after the kill; its table held every acknowledged satellite {Ms(f.TableCompleteAfterCoordinatorMs)} after it was first seen; missing at the end: {f.TableMissing}\n");
            if (f.Error is not null)
            {
                text.Append(c, $"                    {f.Error}\n");
            }
        }

        text.Append(c, $"load average        {LoadAverage}\n");
        return text.ToString();
    }

    private static string Ms(double? value) => value is { } v ? v.ToString("F0", CultureInfo.InvariantCulture) + " ms" : "never";

    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("satellites", Satellites);
            json.WriteNumber("acknowledged", Acknowledged);
            json.WriteNumber("processes", Processes);
            json.WriteNumber("duration_ms", Math.Round(DurationMs, 1));
            json.WriteNumber("acknowledgements_per_second", Math.Round(AcknowledgementsPerSecond, 1));
            json.WriteNumber("latency_p50_ms", Math.Round(Percentile(50), 1));
            json.WriteNumber("latency_p99_ms", Math.Round(Percentile(99), 1));
            json.WriteNumber("latency_max_ms", Math.Round(Percentile(100), 1));
            json.WriteNumber("announcements", Announcements);
            json.WriteNumber("redirects", Redirects);
            json.WriteNumber("transport_warnings", Warnings);
            json.WriteNumber("generator_cpu_s", GeneratorCpuSeconds);
            json.WriteString("load_average", LoadAverage);
            json.WriteStartArray("peers");
            foreach (var peer in Peers)
            {
                json.WriteStartObject();
                json.WriteString("node", peer.Node);
                json.WriteNumber("pid", peer.Pid);
                json.WriteBoolean("alive", peer.Alive);
                json.WriteNumber("cpu_seconds", Math.Round(peer.CpuSeconds, 2));
                json.WriteNumber("rss_kib", peer.RssKiB);
                json.WriteNumber("peak_rss_kib", peer.PeakRssKiB);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (Failover is { } f)
            {
                json.WriteStartObject("failover");
                json.WriteString("killed", f.Killed);
                json.WriteNumber("acknowledged_before_kill", f.AcknowledgedBeforeKill);
                json.WriteNumber("killed_at_ms", Math.Round(f.KilledAtMs, 1));
                json.WriteString("new_coordinator", f.NewCoordinator);
                WriteNullable(json, "coordinator_seen_after_kill_ms", f.CoordinatorSeenAfterKillMs);
                WriteNullable(json, "table_complete_after_coordinator_ms", f.TableCompleteAfterCoordinatorMs);
                json.WriteNumber("table_missing", f.TableMissing);
                json.WriteString("error", f.Error);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("failover");
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, Math.Round(v, 1));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    /// <summary>The machine's load averages (1, 5, 15 minutes) from <c>/proc/loadavg</c>.</summary>
    public static string ReadLoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
