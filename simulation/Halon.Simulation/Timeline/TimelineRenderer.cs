using System.Globalization;
using System.Net;
using System.Text;

namespace Halon.Simulation.Timeline;

/// <summary>
/// Draws a <see cref="RunTimeline"/> as one self-contained HTML page with an inline SVG and a small script (no
/// network at view time): one lane per node with its state over time (terms written on the bars), its coordinator
/// intervals with their epochs under them, crashes, restarts and pauses, the moment a satellite was acknowledged; a
/// network lane with the partitions; red lines and a red banner for violations, so a failed seed shows at a glance.
/// Hovering a bar shows what happened and highlights everything of the same term or epoch.
/// </summary>
public static class TimelineRenderer
{
    private const double Width = 1400;
    private const double LabelWidth = 150;
    private const double RightMargin = 20;
    private const double LaneHeight = 34;
    private const double NetworkLaneTop = 10;
    private const double LanesTop = 44;
    private const double AxisHeight = 34;

    /// <summary>The page for <paramref name="timeline"/>.</summary>
    public static string Render(RunTimeline timeline)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        var end = Math.Max(timeline.End, timeline.Start + 1);
        var scale = new Scale(timeline.Start, end);
        var violations = timeline.Events.Where(e => e.Kind == TimelineEventKind.Violation).ToList();
        var height = LanesTop + (timeline.Nodes.Count * LaneHeight) + AxisHeight;
        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\">"));
        NetworkLane(svg, timeline, scale);
        for (var i = 0; i < timeline.Nodes.Count; i++)
        {
            Lane(svg, timeline, i, LanesTop + (i * LaneHeight), scale);
        }

        Axis(svg, timeline, scale, LanesTop + (timeline.Nodes.Count * LaneHeight));
        for (var i = 0; i < violations.Count; i++)
        {
            var x = scale.X(violations[i].At);
            svg.Append(Invariant($"<g class=\"violation\" data-index=\"{i + 1}\"><line x1=\"{x:0.#}\" y1=\"{NetworkLaneTop}\" x2=\"{x:0.#}\" y2=\"{height - AxisHeight}\" stroke=\"#d50000\" stroke-width=\"2\"/>"));
            svg.Append(Invariant($"<text x=\"{x + 3:0.#}\" y=\"{NetworkLaneTop + 10}\" fill=\"#d50000\" font-size=\"11\" font-weight=\"bold\">✗{i + 1}</text>"));
            svg.Append("<title>").Append(Escape(violations[i].Detail ?? "violation")).Append("</title></g>");
        }

        svg.Append("</svg>");
        return Page(timeline, violations, svg.ToString());
    }

    private static void NetworkLane(StringBuilder svg, RunTimeline timeline, Scale scale)
    {
        svg.Append("<g class=\"network\">");
        svg.Append(Invariant($"<text x=\"8\" y=\"{NetworkLaneTop + 14}\" font-size=\"12\" fill=\"#555\">network</text>"));
        double? cutAt = null;
        string? cut = null;
        foreach (var e in timeline.Events.Where(e => e.Node is null))
        {
            switch (e.Kind)
            {
                case TimelineEventKind.Partition:
                    CloseCut(svg, scale, ref cutAt, cut, e.At);
                    cutAt = e.At;
                    cut = e.Detail;
                    break;
                case TimelineEventKind.PartitionHealed:
                case TimelineEventKind.Heal:
                    CloseCut(svg, scale, ref cutAt, cut, e.At);
                    if (e.Kind == TimelineEventKind.Heal)
                    {
                        var x = scale.X(e.At);
                        svg.Append(Invariant($"<g class=\"heal\"><line x1=\"{x:0.#}\" y1=\"{NetworkLaneTop}\" x2=\"{x:0.#}\" y2=\"{LanesTop + (timeline.Nodes.Count * LaneHeight)}\" stroke=\"#2e7d32\" stroke-dasharray=\"4 3\"/>"));
                        svg.Append(Invariant($"<text x=\"{x + 3:0.#}\" y=\"{NetworkLaneTop + 24}\" font-size=\"10\" fill=\"#2e7d32\">heal</text><title>faults stop at {Number(e.At)} {timeline.Unit}</title></g>"));
                    }

                    break;
                default:
                    break;
            }
        }

        CloseCut(svg, scale, ref cutAt, cut, scale.End);
        svg.Append("</g>");
    }

    private static void CloseCut(StringBuilder svg, Scale scale, ref double? cutAt, string? cut, double at)
    {
        if (cutAt is not { } from)
        {
            return;
        }

        var x = scale.X(from);
        var w = Math.Max(1, scale.X(at) - x);
        svg.Append(Invariant($"<rect class=\"partition\" x=\"{x:0.#}\" y=\"{NetworkLaneTop + 2}\" width=\"{w:0.#}\" height=\"16\" fill=\"#ef9a9a\"><title>partition from {Number(from)} to {Number(at)}: {Escape(cut ?? string.Empty)}</title></rect>"));
        cutAt = null;
    }

    private static void Lane(StringBuilder svg, RunTimeline timeline, int index, double top, Scale scale)
    {
        var node = timeline.Nodes[index];
        svg.Append("<g class=\"lane\" data-node=\"").Append(Escape(node)).Append("\">");
        svg.Append(Invariant($"<rect x=\"0\" y=\"{top}\" width=\"{Width}\" height=\"{LaneHeight}\" fill=\"{(index % 2 == 0 ? "#fafafa" : "#ffffff")}\"/>"));
        svg.Append(Invariant($"<text x=\"8\" y=\"{top + 17}\" font-size=\"12\" font-family=\"monospace\">")).Append(Escape(node)).Append("</text>");

        var state = "none";
        long term = 0;
        var stateAt = scale.Start;
        string? stateDetail = null;
        double? coordinatorAt = null;
        long epoch = 0;
        double? pausedAt = null;
        var markers = new StringBuilder(); // Drawn over the bars.
        foreach (var e in timeline.Events.Where(e => e.Node == node))
        {
            switch (e.Kind)
            {
                case TimelineEventKind.Term when e.Term != term:
                    StateBar(svg, scale, top, state, term, stateAt, e.At, stateDetail);
                    (term, stateAt) = (e.Term, e.At);
                    break;
                case TimelineEventKind.State:
                    StateBar(svg, scale, top, state, term, stateAt, e.At, stateDetail);
                    (state, term, stateAt, stateDetail) = (e.State ?? "none", e.Term, e.At, e.Detail);
                    break;
                case TimelineEventKind.Role:
                    StateBar(svg, scale, top, state, term, stateAt, e.At, stateDetail);
                    (state, stateAt, stateDetail) = (e.State == "satellite" ? "announcing" : state, e.At, e.Detail);
                    break;
                case TimelineEventKind.Acknowledged:
                    StateBar(svg, scale, top, state, term, stateAt, e.At, stateDetail);
                    (state, stateAt, stateDetail) = ("acknowledged", e.At, e.Detail);
                    var x = scale.X(e.At);
                    markers.Append(Invariant($"<path class=\"ack\" data-epoch=\"{e.Epoch}\" d=\"M{x:0.#},{top + 4} l6,8 l-6,8 l-6,-8 z\" fill=\"#fff\" stroke=\"#4a148c\" stroke-width=\"2\"><title>{Escape(node)}: {Escape(e.Detail ?? "acknowledged")} (epoch {e.Epoch}) at {Number(e.At)} {timeline.Unit}</title></path>"));
                    break;
                case TimelineEventKind.CoordinatorStarted:
                    CoordinatorBar(svg, scale, top, ref coordinatorAt, epoch, e.At, null);
                    (coordinatorAt, epoch) = (e.At, e.Epoch);
                    break;
                case TimelineEventKind.CoordinatorStopped:
                    CoordinatorBar(svg, scale, top, ref coordinatorAt, epoch, e.At, e.Detail);
                    break;
                case TimelineEventKind.Crash:
                case TimelineEventKind.Stop:
                    var crash = e.Kind == TimelineEventKind.Crash;
                    StateBar(svg, scale, top, state, term, stateAt, e.At, stateDetail);
                    CoordinatorBar(svg, scale, top, ref coordinatorAt, epoch, e.At, crash ? "the process died" : "the process stopped");
                    PauseBar(svg, scale, top, ref pausedAt, e.At);
                    (state, stateAt, stateDetail) = ("down", e.At, e.Detail);
                    Marker(markers, scale.X(e.At), top, crash ? "crash" : "stop", crash ? "#d50000" : "#616161", crash ? "✕" : "■", $"{node}: {e.Detail ?? (crash ? "crashed" : "stopped")} at {Number(e.At)} {timeline.Unit}");
                    break;
                case TimelineEventKind.Restart:
                    StateBar(svg, scale, top, state, term, stateAt, e.At, stateDetail);
                    (state, stateAt, stateDetail) = ("none", e.At, e.Detail);
                    Marker(markers, scale.X(e.At), top, "restart", "#1b5e20", "▲", $"{node}: {e.Detail ?? "restarted"} at {Number(e.At)} {timeline.Unit}");
                    break;
                case TimelineEventKind.Pause:
                    pausedAt = e.At;
                    break;
                case TimelineEventKind.Resume:
                    PauseBar(svg, scale, top, ref pausedAt, e.At);
                    break;
                default:
                    break;
            }
        }

        StateBar(svg, scale, top, state, term, stateAt, scale.End, stateDetail);
        CoordinatorBar(svg, scale, top, ref coordinatorAt, epoch, scale.End, "still running at the end");
        PauseBar(svg, scale, top, ref pausedAt, scale.End);
        svg.Append(markers).Append("</g>");
    }

    private static void StateBar(StringBuilder svg, Scale scale, double top, string state, long term, double from, double to, string? detail)
    {
        if (to <= from || state == "none")
        {
            return;
        }

        var x = scale.X(from);
        var w = Math.Max(0.5, scale.X(to) - x);
        var station = state is "waiting-for-quorum" or "follower" or "pre-candidate" or "candidate" or "master";
        svg.Append(Invariant($"<rect class=\"state state-{state}\" data-state=\"{state}\" {(station ? $"data-term=\"{term}\" " : string.Empty)}x=\"{x:0.##}\" y=\"{top + 4}\" width=\"{w:0.##}\" height=\"16\" fill=\"{Color(state)}\">"));
        svg.Append("<title>").Append(Escape($"{state}{(station ? $" in term {term}" : string.Empty)} from {Number(from)} to {Number(to)}{(detail is null ? string.Empty : ": " + detail)}")).Append("</title></rect>");
        var label = state switch
        {
            "master" => $"master t{term}",
            "down" => "down",
            "acknowledged" => "acknowledged",
            _ when station => $"t{term}",
            _ => string.Empty,
        };
        if (label.Length > 0 && w > (label.Length * 6.5) + 4)
        {
            svg.Append(Invariant($"<text x=\"{x + 3:0.#}\" y=\"{top + 16}\" font-size=\"10\" fill=\"{(state is "master" or "down" or "acknowledged" ? "#fff" : "#222")}\" pointer-events=\"none\">{Escape(label)}</text>"));
        }
    }

    private static void CoordinatorBar(StringBuilder svg, Scale scale, double top, ref double? startedAt, long epoch, double to, string? why)
    {
        if (startedAt is not { } from)
        {
            return;
        }

        var x = scale.X(from);
        var w = Math.Max(1.5, scale.X(to) - x);
        svg.Append(Invariant($"<rect class=\"coordinator\" data-epoch=\"{epoch}\" x=\"{x:0.##}\" y=\"{top + 22}\" width=\"{w:0.##}\" height=\"8\" fill=\"#1b5e20\">"));
        svg.Append("<title>").Append(Escape($"coordinator epoch {epoch} from {Number(from)} to {Number(to)}{(why is null ? string.Empty : ": " + why)}")).Append("</title></rect>");
        var label = $"RC e{epoch}";
        if (w > (label.Length * 5.5) + 4)
        {
            svg.Append(Invariant($"<text x=\"{x + 3:0.#}\" y=\"{top + 29}\" font-size=\"8\" fill=\"#fff\" pointer-events=\"none\">{label}</text>"));
        }

        startedAt = null;
    }

    private static void PauseBar(StringBuilder svg, Scale scale, double top, ref double? pausedAt, double to)
    {
        if (pausedAt is not { } from)
        {
            return;
        }

        var x = scale.X(from);
        var w = Math.Max(1, scale.X(to) - x);
        svg.Append(Invariant($"<rect class=\"pause\" x=\"{x:0.##}\" y=\"{top + 2}\" width=\"{w:0.##}\" height=\"20\" fill=\"url(#hatch)\" stroke=\"#555\" stroke-width=\"0.5\"><title>paused from {Number(from)} to {Number(to)}</title></rect>"));
        pausedAt = null;
    }

    private static void Marker(StringBuilder svg, double x, double top, string kind, string color, string glyph, string title) =>
        svg.Append(Invariant($"<text class=\"fault fault-{kind}\" x=\"{x - 4:0.#}\" y=\"{top + 17}\" font-size=\"13\" font-weight=\"bold\" fill=\"{color}\">{glyph}<title>{Escape(title)}</title></text>"));

    private static void Axis(StringBuilder svg, RunTimeline timeline, Scale scale, double top)
    {
        svg.Append("<g class=\"axis\">");
        svg.Append("<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"3\" height=\"6\" fill=\"#9e9e9e\" fill-opacity=\"0.7\"/></pattern></defs>");
        svg.Append(Invariant($"<line x1=\"{LabelWidth}\" y1=\"{top + 4}\" x2=\"{Width - RightMargin}\" y2=\"{top + 4}\" stroke=\"#333\"/>"));
        var step = NiceStep((scale.End - scale.Start) / 10);
        for (var t = Math.Ceiling(scale.Start / step) * step; t <= scale.End; t += step)
        {
            var x = scale.X(t);
            svg.Append(Invariant($"<line x1=\"{x:0.#}\" y1=\"{top + 4}\" x2=\"{x:0.#}\" y2=\"{top + 9}\" stroke=\"#333\"/><text x=\"{x:0.#}\" y=\"{top + 21}\" font-size=\"10\" text-anchor=\"middle\">{Number(t)}</text>"));
        }

        svg.Append(Invariant($"<text x=\"{Width - RightMargin}\" y=\"{top + 32}\" font-size=\"10\" text-anchor=\"end\">{Escape(timeline.Unit)}</text></g>"));
    }

    private static double NiceStep(double raw)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(raw, 1e-9))));
        var fraction = raw / power;
        return power * (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10);
    }

    private static string Color(string state) => state switch
    {
        "waiting-for-quorum" => "#c7c7c7",
        "follower" => "#90caf9",
        "pre-candidate" => "#ffe082",
        "candidate" => "#ffa726",
        "master" => "#43a047",
        "announcing" => "#d1c4e9",
        "acknowledged" => "#7e57c2",
        "down" => "#424242",
        _ => "#eeeeee",
    };

    private static string Page(RunTimeline timeline, List<TimelineEvent> violations, string svg)
    {
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(Escape(timeline.Title)).Append("</title>\n<style>");
        page.Append("body{font-family:sans-serif;margin:16px;color:#222}h1{font-size:18px;margin:0 0 4px}.sub{color:#555;font-size:13px;margin-bottom:8px}");
        page.Append(".banner{padding:6px 10px;margin:8px 0;font-weight:bold;border-radius:3px}.ok{background:#e8f5e9;color:#1b5e20}.bad{background:#d50000;color:#fff}");
        page.Append("#summary{font-size:13px;margin:6px 0}.legend span{display:inline-block;margin-right:12px;font-size:12px}.legend i{display:inline-block;width:14px;height:10px;margin-right:4px;vertical-align:middle}");
        page.Append("svg .dim{opacity:.25}ol{font-size:13px}</style></head>\n<body>\n");
        page.Append("<h1>").Append(Escape(timeline.Title)).Append("</h1>\n");
        if (timeline.Subtitle is not null)
        {
            page.Append("<div class=\"sub\">").Append(Escape(timeline.Subtitle)).Append("</div>\n");
        }

        page.Append(violations.Count == 0
            ? "<div class=\"banner ok\" id=\"verdict\">no violation</div>\n"
            : Invariant($"<div class=\"banner bad\" id=\"verdict\">{violations.Count} violation{(violations.Count == 1 ? string.Empty : "s")}: see the red lines</div>\n"));
        page.Append("<div id=\"summary\"></div>\n<div class=\"legend\">");
        foreach (var state in new[] { "waiting-for-quorum", "follower", "pre-candidate", "candidate", "master", "announcing", "acknowledged", "down" })
        {
            page.Append("<span><i style=\"background:").Append(Color(state)).Append("\"></i>").Append(state).Append("</span>");
        }

        page.Append("<span><i style=\"background:#1b5e20;height:5px\"></i>coordinator (epoch)</span><span><i style=\"background:#ef9a9a\"></i>partition</span>");
        page.Append("<span><i style=\"background:#bdbdbd\"></i>paused</span><span>✕ crash</span><span>▲ restart</span><span>◇ acknowledged</span></div>\n");
        page.Append(svg).Append('\n');
        if (violations.Count > 0)
        {
            page.Append("<ol id=\"violations\">");
            foreach (var violation in violations)
            {
                page.Append("<li>").Append(Escape(violation.Detail ?? "violation")).Append("</li>");
            }

            page.Append("</ol>\n");
        }

        page.Append("<script>\n").Append(Script).Append("</script>\n</body></html>\n");
        return page.ToString();
    }

    // Counts what was drawn into the summary line, and on hover dims everything not of the hovered term or epoch.
    private const string Script = """
        (function () {
          var svg = document.getElementById('timeline');
          var count = function (selector) { return svg.querySelectorAll(selector).length; };
          var epochs = {};
          svg.querySelectorAll('rect.coordinator').forEach(function (r) { epochs[r.getAttribute('data-epoch')] = true; });
          var summary = document.getElementById('summary');
          summary.textContent = count('g.lane') + ' lanes, ' + count('rect.state-master') + ' master intervals, ' +
            count('rect.coordinator') + ' coordinator intervals (' + Object.keys(epochs).length + ' epochs), ' +
            count('.ack') + ' acknowledgements, ' + count('.fault-crash') + ' crashes, ' + count('rect.partition') +
            ' partitions, ' + count('g.violation') + ' violations';
          summary.setAttribute('data-lanes', count('g.lane'));
          summary.setAttribute('data-coordinators', count('rect.coordinator'));
          summary.setAttribute('data-violations', count('g.violation'));
          var marked = svg.querySelectorAll('[data-term],[data-epoch]');
          svg.addEventListener('mouseover', function (e) {
            var term = e.target.getAttribute('data-term') || e.target.getAttribute('data-epoch');
            if (!term) { return; }
            marked.forEach(function (m) {
              var own = m.getAttribute('data-term') || m.getAttribute('data-epoch');
              m.classList.toggle('dim', own !== term);
            });
          });
          svg.addEventListener('mouseout', function () { marked.forEach(function (m) { m.classList.remove('dim'); }); });
          document.body.setAttribute('data-rendered', 'true');
        })();

        """;

    private static string Escape(string text) => WebUtility.HtmlEncode(text);

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private readonly record struct Scale(double Start, double End)
    {
        public double X(double at) => LabelWidth + ((Math.Clamp(at, Start, End) - Start) / (End - Start) * (Width - LabelWidth - RightMargin));
    }
}
