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
            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (status.Announcer is { } announcer)
        {
            json.WriteStartObject("announcer");
            json.WriteString("station", announcer.Station);
            json.WriteNumber("incarnation", announcer.Incarnation);
            json.WriteBoolean("acknowledged", announcer.Acknowledged);
            json.WriteNumber("epoch", announcer.Epoch);
            JsonText.WriteNullableString(json, "acknowledged_by", announcer.AcknowledgedBy);
            json.WriteNumber("announcements_sent", announcer.AnnouncementsSent);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("announcer");
        }

        json.WriteNumber("commit_index", status.CommitIndex);
        json.WriteNumber("last_log_index", status.LastLogIndex);
        json.WriteNumber("ticks", status.Ticks);
        if (transport is not null)
        {
            TransportJson.WriteFields(json, transport);
        }

        json.WriteEndObject();
    }
}
