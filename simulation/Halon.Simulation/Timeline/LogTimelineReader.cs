using System.Globalization;
using System.Text.Json;

namespace Halon.Simulation.Timeline;

/// <summary>
/// Builds a <see cref="RunTimeline"/> from halond's JSON logs (<c>--log-format json</c>) of several nodes: every
/// file in a directory, every line that is a JSON object (others are skipped). Times are milliseconds since the
/// first line. A node whose log starts again without a <c>Stopped</c> line died after its last line: that is drawn as
/// a crash at its last line, the best a log can tell.
/// </summary>
public static class LogTimelineReader
{
    /// <summary>Reads every file in <paramref name="directory"/>.</summary>
    public static RunTimeline Read(string directory)
    {
        var lines = new List<(DateTimeOffset Time, JsonElement Line)>();
        var documents = new List<JsonDocument>();
        try
        {
            foreach (var file in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
            {
                foreach (var text in File.ReadLines(file))
                {
                    if (!text.StartsWith('{') || Parse(text) is not { } document)
                    {
                        continue;
                    }

                    documents.Add(document);
                    var root = document.RootElement;
                    if (root.TryGetProperty("time", out var time) && DateTimeOffset.TryParse(time.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                    {
                        lines.Add((at, root));
                    }
                }
            }

            return Build(directory, lines.OrderBy(l => l.Time).ToList());
        }
        finally
        {
            foreach (var document in documents)
            {
                document.Dispose();
            }
        }
    }

    private static RunTimeline Build(string directory, List<(DateTimeOffset Time, JsonElement Line)> lines)
    {
        var timeline = new RunTimeline($"halond logs: {directory}", "ms");
        if (lines.Count == 0)
        {
            return timeline;
        }

        var origin = lines[0].Time;
        timeline.Subtitle = $"{lines.Count} JSON log lines from {origin:yyyy-MM-ddTHH:mm:ss.fffZ}; time in ms since the first line";
        var lastSeen = new Dictionary<string, double>();
        var stopped = new HashSet<string>();
        var roles = new Dictionary<string, string>();
        var events = new List<TimelineEvent>();
        foreach (var (time, line) in lines)
        {
            var at = (time - origin).TotalMilliseconds;
            var node = Text(line, "node");
            var name = Text(line, "event");
            if (node is null || name is null)
            {
                continue;
            }

            if (name is "ListenMode" or "Resuming" && lastSeen.TryGetValue(node, out var last))
            {
                if (!stopped.Contains(node))
                {
                    events.Add(new TimelineEvent(last, node, TimelineEventKind.Crash) { Detail = "no clean stop logged: the process died after this line" });
                }

                events.Add(new TimelineEvent(at, node, TimelineEventKind.Restart) { Detail = Text(line, "message") });
                stopped.Remove(node);
            }

            lastSeen[node] = at;
            switch (name)
            {
                case "StateChanged":
                    events.Add(new TimelineEvent(at, node, TimelineEventKind.State) { State = Text(line, "to"), Term = Number(line, "term"), Detail = Text(line, "reason") });
                    break;
                case "RoleAssigned":
                    roles[node] = Text(line, "role") ?? "none";
                    events.Add(new TimelineEvent(at, node, TimelineEventKind.Role) { State = roles[node], Detail = Text(line, "detail") });
                    break;
                case "CoordinatorStarted":
                    events.Add(new TimelineEvent(at, node, TimelineEventKind.CoordinatorStarted) { Epoch = Number(line, "epoch") });
                    break;
                case "CoordinatorStopped":
                    events.Add(new TimelineEvent(at, node, TimelineEventKind.CoordinatorStopped) { Epoch = Number(line, "epoch"), Detail = Text(line, "reason") });
                    break;
                case "AnnouncementAcknowledged":
                    events.Add(new TimelineEvent(at, node, TimelineEventKind.Acknowledged) { Epoch = Number(line, "epoch"), Detail = $"incarnation {Number(line, "incarnation")} acknowledged by {Text(line, "by")}" });
                    break;
                case "Stall":
                    var ticks = Number(line, "ticks");
                    events.Add(new TimelineEvent(at - (ticks * 10), node, TimelineEventKind.Pause));
                    events.Add(new TimelineEvent(at, node, TimelineEventKind.Resume));
                    break;
                case "Stopped":
                    stopped.Add(node);
                    events.Add(new TimelineEvent(at, node, TimelineEventKind.Stop) { Detail = "stopped cleanly" });
                    break;
                default:
                    break;
            }
        }

        // Lanes: station peers, then satellites, then nodes that never took a role; each group sorted.
        foreach (var node in lastSeen.Keys.OrderBy(n => roles.GetValueOrDefault(n) switch { "station" => 0, "satellite" => 1, _ => 2 }).ThenBy(n => n, StringComparer.Ordinal))
        {
            timeline.AddNode(node);
        }

        foreach (var e in events.OrderBy(e => e.At))
        {
            timeline.Add(e);
        }

        timeline.End = Math.Max(timeline.End, (lines[^1].Time - origin).TotalMilliseconds);
        return timeline;
    }

    private static JsonDocument? Parse(string text)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement line, string name) =>
        line.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long Number(JsonElement line, string name) =>
        line.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;
}
