using System.Text.Json;
using Halon.Transport.Tcp;

namespace Halon.Ctl.Output;

/// <summary>
/// The transport's fields of <c>halonctl status --json</c>: <c>security</c>, <c>connections</c>,
/// <c>connections_total</c>, <c>connections_by_key</c> and <c>transport_totals</c>. Keys appear by id only.
/// </summary>
internal static class TransportJson
{
    public static void WriteFields(Utf8JsonWriter json, TransportStatus transport)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(transport);
        var security = transport.Security;
        json.WriteStartObject("security");
        json.WriteString("mode", security.Mode);
        json.WriteStartArray("keys");
        foreach (var key in security.Keys)
        {
            json.WriteStartObject();
            json.WriteString("id", key.Id);
            json.WriteString("use", key.Use);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        JsonText.WriteNullableString(json, "certificate", security.Certificate);
        JsonText.WriteNullableString(json, "certificate_not_after", security.CertificateNotAfter?.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteEndObject();

        json.WriteStartArray("connections");
        foreach (var connection in transport.Connections)
        {
            json.WriteStartObject();
            json.WriteString("peer", connection.Peer);
            json.WriteString("remote", connection.Remote);
            json.WriteString("direction", connection.Direction);
            json.WriteString("mode", connection.Mode);
            JsonText.WriteNullableString(json, "key_id", connection.KeyId);
            json.WriteNumber("age_seconds", connection.AgeSeconds);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNumber("connections_total", transport.ConnectionsTotal);
        json.WriteStartArray("connections_by_key");
        foreach (var use in transport.ConnectionsByKey)
        {
            json.WriteStartObject();
            json.WriteString("mode", use.Mode);
            JsonText.WriteNullableString(json, "key_id", use.KeyId);
            json.WriteNumber("connections", use.Connections);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        var counters = transport.Counters;
        json.WriteStartObject("transport_totals");
        json.WriteNumber("messages_sent", counters.MessagesSent);
        json.WriteNumber("messages_received", counters.MessagesReceived);
        json.WriteNumber("messages_dropped", counters.MessagesDropped);
        json.WriteNumber("messages_rejected", counters.MessagesRejected);
        json.WriteNumber("connections_rejected", counters.ConnectionsRejected);
        json.WriteNumber("dial_failures", counters.DialFailures);
        json.WriteNumber("frames_rejected", counters.FramesRejected);
        json.WriteNumber("datagrams_sent", counters.DatagramsSent);
        json.WriteNumber("datagrams_received", counters.DatagramsReceived);
        json.WriteNumber("datagrams_rejected", counters.DatagramsRejected);
        json.WriteNumber("datagrams_stale", counters.DatagramsStale);
        json.WriteEndObject();
    }
}
