using System.Globalization;
using System.Text;
using Halon.Transport.Tcp;

namespace Halon.Ctl.Output;

/// <summary>
/// The transport's part of <c>halonctl status</c>: how the node protects its connections, how many use each key (how
/// far a key roll got), and each connection with its key.
/// </summary>
internal static class TransportText
{
    public static string Write(TransportStatus transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var fields = new TextTable("FIELD", "VALUE");
        fields.Add("security", Security(transport.Security));
        if (transport.Security.Certificate is { } certificate)
        {
            fields.Add("certificate", certificate);
        }

        var byKey = string.Join(", ", transport.ConnectionsByKey.Select(k => $"{k.Connections} {k.Mode}{(k.KeyId is null ? string.Empty : " " + k.KeyId)}"));
        fields.Add("connections", transport.ConnectionsTotal == 0 ? "none open" : $"{transport.ConnectionsTotal} ({byKey})");
        var counters = transport.Counters;
        fields.Add("refused", $"{counters.FramesRejected} frames failed authentication, {counters.ConnectionsRejected} connections rejected, {counters.MessagesRejected} messages impersonating a peer (since start)");
        fields.Add("datagrams", $"{counters.DatagramsSent} sent, {counters.DatagramsReceived} received, {counters.DatagramsRejected} rejected, {counters.DatagramsStale} under a key no longer held (since start)");

        var text = new StringBuilder(string.Join('\n', fields.Render().Split('\n').Skip(1)));
        if (transport.Connections.Count > 0)
        {
            var table = new TextTable("CONNECTION", "DIRECTION", "MODE", "KEY", "AGE", "REMOTE");
            foreach (var connection in transport.Connections)
            {
                table.Add(
                    connection.Peer,
                    connection.Direction,
                    connection.Mode,
                    connection.KeyId ?? "-",
                    connection.AgeSeconds.ToString(CultureInfo.InvariantCulture) + "s",
                    connection.Remote);
            }

            text.Append("\n\n").Append(table.Render());
            if (transport.ConnectionsTotal > transport.Connections.Count)
            {
                text.Append('\n').Append(CultureInfo.InvariantCulture, $"... and {transport.ConnectionsTotal - transport.Connections.Count} more (counted above)");
            }
        }

        return text.ToString();
    }

    private static string Security(SecurityStatus security) => security.Mode switch
    {
        "cluster-key" => "cluster key " + string.Join(", ", security.Keys.Select(k => $"{k.Id} ({k.Use})")) + "; frames sealed with AES-256-GCM",
        "tls" => "mutual TLS 1.3, trusting CA " + string.Join(", ", security.Keys.Select(k => k.Id)),
        _ => "none: no authentication, no encryption",
    };
}
