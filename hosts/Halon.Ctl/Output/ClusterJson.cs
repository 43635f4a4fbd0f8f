using System.Text.Json;
using Halon.Core.Status;
using Halon.Ctl.Cluster;

namespace Halon.Ctl.Output;

/// <summary>
/// <c>halonctl status --cluster --json</c> and <c>halonctl health --json</c>: one object, every fact a field (the
/// master and the epoch as values, problems as codes with a detail line).
/// </summary>
internal static class ClusterJson
{
    public static string Write(ClusterReport report, TimeSpan elapsed) => JsonText.Write(json =>
    {
        ArgumentNullException.ThrowIfNull(report);
        json.WriteStartObject();
        json.WriteString("cluster_id", report.ClusterId);
        JsonText.WriteStrings(json, "peers", report.Peers.Members.Select(m => m.Value));
        json.WriteBoolean("healthy", report.Healthy);
        JsonText.WriteNullableString(json, "master", report.Master?.Node);
        WriteNullableNumber(json, "term", report.Term);
        WriteCoordinator(json, "coordinator", report.Coordinator);
        json.WriteStartObject("quorum");
        json.WriteNumber("peers", report.Peers.Count);
        json.WriteNumber("needed", report.Peers.Majority);
        json.WriteNumber("answering", report.Answering);
        json.WriteEndObject();
        json.WriteStartArray("members");
        foreach (var member in report.Members)
        {
            WriteMember(json, member);
        }

        json.WriteEndArray();
        if (report.Satellites is { } satellites)
        {
            json.WriteStartArray("satellites");
            foreach (var satellite in satellites)
            {
                WriteSatellite(json, satellite);
            }

            json.WriteEndArray();
        }
        else
        {
            json.WriteNull("satellites");
        }

        WriteProblems(json, "problems", report.Problems);
        WriteProblems(json, "warnings", report.Warnings);
        json.WriteNumber("elapsed_ms", (long)elapsed.TotalMilliseconds);
        json.WriteEndObject();
    });

    private static void WriteMember(Utf8JsonWriter json, MemberView member)
    {
        var s = member.Status;
        json.WriteStartObject();
        json.WriteString("node", member.Node);
        json.WriteBoolean("reachable", s is not null);
        JsonText.WriteNullableString(json, "error", member.Error);
        JsonText.WriteNullableString(json, "role", s?.Role);
        JsonText.WriteNullableString(json, "state", s?.State);
        JsonText.WriteNullableString(json, "cluster_id", s?.ClusterId);
        WriteNullableNumber(json, "term", s?.Term);
        JsonText.WriteNullableString(json, "master", s?.Leader);
        WriteCoordinator(json, "coordinator", s?.Coordinator);
        WriteNullableNumber(json, "coordinator_epoch", s?.Coordinator?.Epoch);
        WriteNullableNumber(json, "commit_index", s?.CommitIndex);
        WriteNullableNumber(json, "last_log_index", s?.LastLogIndex);
        WriteNullableNumber(json, "lag_entries", member.LagEntries);
        WriteNullableNumber(json, "last_contact_ms", member.LastContactMs);
        WriteNullableNumber(json, "satellites_acknowledged", member.SatellitesAcknowledged);
        WriteNullableNumber(json, "satellites_removed", member.Status?.RemovedSatellites);
        WriteProblems(json, "problems", member.Problems);
        json.WriteEndObject();
    }

    private static void WriteSatellite(Utf8JsonWriter json, SatelliteView satellite)
    {
        var a = satellite.Announcer;
        json.WriteStartObject();
        json.WriteString("node", satellite.Node);
        json.WriteBoolean("reachable", satellite.Status is not null);
        JsonText.WriteNullableString(json, "error", satellite.Error);
        json.WriteBoolean("acknowledged_by_station", satellite.Known.Acknowledged);
        JsonText.WriteNullableString(json, "role", satellite.Status?.Role);
        if (a is null)
        {
            json.WriteNull("acknowledged");
        }
        else
        {
            json.WriteBoolean("acknowledged", a.Acknowledged);
        }

        json.WriteNumber("incarnation", a?.Incarnation ?? satellite.Known.Incarnation);
        WriteNullableNumber(json, "epoch", a is { Acknowledged: true } ? a.Epoch : null);
        JsonText.WriteNullableString(json, "acknowledged_by", a?.AcknowledgedBy);
        JsonText.WriteNullableString(json, "reported_station", a?.ReportedStation);
        WriteProblems(json, "problems", satellite.Problems);
        json.WriteEndObject();
    }

    private static void WriteProblems(Utf8JsonWriter json, string name, IReadOnlyList<ClusterProblem> problems)
    {
        json.WriteStartArray(name);
        foreach (var problem in problems)
        {
            json.WriteStartObject();
            json.WriteString("code", problem.Code);
            JsonText.WriteNullableString(json, "node", problem.Node);
            json.WriteString("detail", problem.Detail);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteCoordinator(Utf8JsonWriter json, string name, CoordinatorInfo? coordinator)
    {
        if (coordinator is null)
        {
            json.WriteNull(name);
            return;
        }

        json.WriteStartObject(name);
        json.WriteString("node", coordinator.Node);
        json.WriteNumber("epoch", coordinator.Epoch);
        json.WriteEndObject();
    }

    private static void WriteNullableNumber(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
