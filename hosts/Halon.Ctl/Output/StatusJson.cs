using System.Text.Json;
using Halon.Core.Status;
using Halon.Transport.Tcp;

namespace Halon.Ctl.Output;

/// <summary><c>halonctl status --json</c>: one object with the fields of DESIGN.md, snake_case.</summary>
internal static class StatusJson
{
    public static string Write(NodeStatus status, TransportStatus? transport = null) => JsonText.Write(json => WriteObject(json, status, transport));

    public static void WriteObject(Utf8JsonWriter json, NodeStatus status, TransportStatus? transport = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(status);
        json.WriteStartObject();
        json.WriteString("node", status.Node);
        json.WriteString("role", status.Role);
        JsonText.WriteNullableString(json, "cluster_id", status.ClusterId);
        json.WriteNumber("term", status.Term);
        json.WriteString("state", status.State);
        JsonText.WriteNullableString(json, "leader", status.Leader);
        if (status.Timing is { } timing)
        {
            TimingJson.Write(json, "timing", timing);
        }
        else
        {
            json.WriteNull("timing");
        }

        if (status.Coordinator is { } coordinator)
        {
            json.WriteStartObject("coordinator");
            json.WriteString("node", coordinator.Node);
            json.WriteNumber("epoch", coordinator.Epoch);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("coordinator");
        }

        json.WriteStartArray("peers");
        foreach (var peer in status.Peers)
        {
            json.WriteStartObject();
            json.WriteString("node", peer.Node);
            json.WriteBoolean("reachable", peer.Reachable);
            json.WriteString("state", peer.State);
            json.WriteNumber("last_heard_ticks_ago", peer.LastHeardTicksAgo);
            if (peer.LastHeardTicksAgo >= 0)
            {
                json.WriteNumber("last_heard_ms", Ticks.ToMilliseconds(peer.LastHeardTicksAgo));
            }
            else
            {
                json.WriteNull("last_heard_ms");
            }
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("satellites");
        foreach (var satellite in status.Satellites)
        {
            json.WriteStartObject();
            json.WriteString("node", satellite.Node);
            json.WriteBoolean("acknowledged", satellite.Acknowledged);
            json.WriteNumber("incarnation", satellite.Incarnation);
            json.WriteString("hostname", satellite.Hostname);
            json.WriteNumber("install_id", satellite.InstallId);
            json.WriteNumber("reinstalls", satellite.Reinstalls);
            json.WriteBoolean("removed", satellite.Removed);
            json.WriteString("state", satellite.Removed ? "removed" : satellite.Acknowledged ? "acknowledged" : "pending");
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNumber("removed_satellites", status.RemovedSatellites);
        ConfigurationText.WriteJson(json, "configuration", status.Configuration);
        json.WriteBoolean("left_station", status.LeftStation);
        if (status.Announcer is { } announcer)
        {
            json.WriteStartObject("announcer");
            json.WriteString("station", announcer.Station);
            json.WriteNumber("incarnation", announcer.Incarnation);
            json.WriteBoolean("acknowledged", announcer.Acknowledged);
            json.WriteNumber("epoch", announcer.Epoch);
            JsonText.WriteNullableString(json, "acknowledged_by", announcer.AcknowledgedBy);
            json.WriteNumber("announcements_sent", announcer.AnnouncementsSent);
            json.WriteBoolean("station_mismatch", announcer.ReportedStation is not null);
            JsonText.WriteNullableString(json, "reported_station", announcer.ReportedStation);
            JsonText.WriteNullableString(json, "reported_by", announcer.ReportedBy);
            json.WriteNumber("install_id", announcer.InstallId);
            json.WriteBoolean("removed", announcer.Removed);
            JsonText.WriteNullableString(json, "removed_by", announcer.RemovedBy);
            json.WriteNumber("removed_epoch", announcer.RemovedEpoch);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("announcer");
        }

        json.WriteNumber("commit_index", status.CommitIndex);
        json.WriteNumber("last_log_index", status.LastLogIndex);
        json.WriteNumber("snapshot_index", status.SnapshotIndex);
        json.WriteNumber("log_entries", status.LogEntries);
        json.WriteNumber("ticks", status.Ticks);
        json.WriteNumber("tick_ms", (long)Ticks.Interval.TotalMilliseconds);
        if (transport is not null)
        {
            TransportJson.WriteFields(json, transport);
        }

        json.WriteEndObject();
    }

    /// <summary>
    /// What <c>--json</c> prints on stdout when there is no status to print: the node, and the reason as data.
    /// </summary>
    /// <param name="node">The node asked, or null when there was none to name.</param>
    /// <param name="message">The same one line halonctl prints on stderr.</param>
    /// <param name="code"><c>unreachable</c> (no answer, refused, authentication failed...) or <c>no-station</c> (no node given knows a station).</param>
    public static string Error(string? node, string code, string message) => JsonText.Write(json =>
    {
        json.WriteStartObject();
        JsonText.WriteNullableString(json, "node", node);
        if (node is null)
        {
            json.WriteNull("reachable");
        }
        else
        {
            json.WriteBoolean("reachable", false);
        }

        json.WriteString("error_code", code);
        json.WriteString("error", message);
        json.WriteNumber("exit_code", 1);
        json.WriteEndObject();
    });
}
