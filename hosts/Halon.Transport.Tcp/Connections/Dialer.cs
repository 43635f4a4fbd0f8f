using System.Globalization;
using System.Net.Sockets;
using Halon.Core.Identity;

namespace Halon.Transport.Tcp.Connections;

/// <summary>Opens TCP connections to node ids (<c>host:port</c>, with <c>[v6]</c> hosts).</summary>
internal static class Dialer
{
    public static async Task<Socket> ConnectAsync(NodeId target, CancellationToken cancellationToken)
    {
        var host = target.Host;
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, target.Port, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A duration as an operator writes it: <c>2s</c>, <c>1.5s</c>, <c>250ms</c>.</summary>
    public static string Format(TimeSpan duration) =>
        duration.TotalSeconds >= 1
            ? duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s"
            : duration.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + "ms";

    /// <summary>What went wrong with a socket, in an operator's words.</summary>
    public static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "unknown host",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable => "host unreachable",
        SocketError.ConnectionReset => "connection reset",
        SocketError.TimedOut => "connection timed out",
        _ => e.Message,
    };
}
