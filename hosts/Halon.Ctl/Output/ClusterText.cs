using System.Globalization;
using System.Text;
using Halon.Ctl.Cluster;

namespace Halon.Ctl.Output;

/// <summary>
/// <c>halonctl status --cluster</c> and <c>halonctl health</c> for people: a summary line, one row per peer (and per
/// satellite), then each problem and warning on its own line.
/// </summary>
internal static class ClusterText
{
    public static string Write(ClusterReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        text.Append(Summary(report)).Append("\n\n");
        var peers = new TextTable("NODE", "ROLE", "STATE", "TERM", "MASTER", "EPOCH", "LAG", "LAST CONTACT", "TIMING", "SATELLITES", "PROBLEMS");
        foreach (var member in report.Members)
        {
            var s = member.Status;
            peers.Add(
                member.Node,
                s?.Role ?? "-",
                s?.State ?? "-",
                s is null ? "-" : Number(s.Term),
                s?.Leader ?? "-",
                s?.Coordinator is { } c ? Number(c.Epoch) : "-",
                member.LagEntries is { } lag ? Number(lag) : "-",
                member.LastContactMs is { } ms ? Number(ms) + "ms" : "-",
                s?.Timing?.Name ?? "-",
                member.SatellitesAcknowledged is { } acknowledged ? Number(acknowledged) : "-",
                Codes(member.Problems));
        }

        text.Append(peers.Render());
        if (report.Satellites is { } satellites)
        {
            text.Append("\n\n");
            if (satellites.Count == 0)
            {
                text.Append("no satellites known to the station");
            }
            else
            {
                var table = new TextTable("SATELLITE", "ACKNOWLEDGED", "INCARNATION", "EPOCH", "BY", "PROBLEMS");
                foreach (var satellite in satellites)
                {
                    var a = satellite.Announcer;
                    table.Add(
                        satellite.Node,
                        a is null ? "-" : a.Acknowledged ? "yes" : "no",
                        Number(a?.Incarnation ?? satellite.Known.Incarnation),
                        a is { Acknowledged: true } ? Number(a.Epoch) : "-",
                        a?.AcknowledgedBy ?? "-",
                        Codes(satellite.Problems));
                }

                text.Append(table.Render());
            }
        }

        var lines = report.Problems.Select(p => "unhealthy: " + p).Concat(report.Warnings.Select(w => "warning: " + w)).ToList();
        if (lines.Count > 0)
        {
            text.Append("\n\n").Append(string.Join('\n', lines));
        }

        return text.ToString();
    }

    /// <summary><c>healthy: station halon-…: master A (term 5), coordinator epoch 5, 3/3 peers answer</c>, and the reasons when not.</summary>
    public static string Health(ClusterReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var lines = new List<string> { (report.Healthy ? "healthy: " : "unhealthy: ") + Facts(report) };
        lines.AddRange(report.Problems.Select(p => "unhealthy: " + p));
        lines.AddRange(report.Warnings.Select(w => "warning: " + w));
        return string.Join('\n', lines);
    }

    private static string Summary(ClusterReport report) =>
        $"station {report.ClusterId} ({report.Peers}): {Facts(report)}; {(report.Healthy ? "healthy" : "UNHEALTHY")}";

    private static string Facts(ClusterReport report)
    {
        var master = report.Master is { } m ? $"master {m.Node} (term {m.Term})" : $"no master (term {(report.Term is { } t ? Number(t) : "-")})";
        var coordinator = report.Coordinator is { } c ? $"coordinator epoch {c.Epoch}" : "no coordinator";
        return $"{master}, {coordinator}, {report.Answering}/{report.Peers.Count} peers answer (quorum {report.Peers.Majority})";
    }

    private static string Codes(IReadOnlyList<ClusterProblem> problems) =>
        problems.Count == 0 ? "-" : string.Join(',', problems.Select(p => p.Code).Distinct());

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
