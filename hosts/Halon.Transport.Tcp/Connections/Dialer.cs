using System.Globalization;
using System.Net.Sockets;
using Halon.Core.Identity;

namespace Halon.Transport.Tcp.Connections;

/// <summary>Opens TCP connections to node ids (<c>host:port</c>, with <c>[v6]</c> hosts).</summary>
internal static class Dialer
{
    /// <summary><c>IPPROTO_TCP</c> and <c>TCP_USER_TIMEOUT</c> on Linux (<c>netinet/tcp.h</c>).</summary>
    private const int IpProtoTcp = 6;
    private const int TcpUserTimeout = 18;

    /// <summary>
    /// Opens a TCP connection to <paramref name="target"/>, tuned as a peer connection (<see cref="TunePeer"/>). The
    /// caller bounds the attempt with <paramref name="cancellationToken"/>.
    /// </summary>
    public static Task<Socket> ConnectAsync(NodeId target, TransportOptions options, CancellationToken cancellationToken) =>
        ConnectTunedAsync(target, options, cancellationToken);

    /// <summary>Opens a TCP connection to <paramref name="target"/> with the system's defaults (halonctl's control connections).</summary>
    public static Task<Socket> ConnectAsync(NodeId target, CancellationToken cancellationToken) =>
        ConnectTunedAsync(target, null, cancellationToken);

    private static async Task<Socket> ConnectTunedAsync(NodeId target, TransportOptions? options, CancellationToken cancellationToken)
    {
        var host = target.Host;
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (options is not null)
            {
                TunePeer(socket, options);
            }

            await socket.ConnectAsync(host, target.Port, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Makes a dead peer connection fail within about <see cref="TransportOptions.PeerTimeout"/>, instead of after
    /// TCP's own retransmissions (which back off to minutes): on Linux, data left unacknowledged for that long aborts
    /// the connection (<c>TCP_USER_TIMEOUT</c>); everywhere, TCP keepalive probes a connection that has nothing in
    /// flight (its first probe after the timeout, rounded up to whole seconds, then every second, two tries). Where an
    /// option is not supported the connection works as before, with the application's keepalives and idle bounds.
    /// </summary>
    public static void TunePeer(Socket socket, TransportOptions options)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(options.PeerTimeout.TotalSeconds));
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, seconds);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 1);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 2);
        }
        catch (Exception e) when (e is SocketException or PlatformNotSupportedException)
        {
            // Keepalive is a second line of defence only: the application sends keepalives of its own.
        }

        if (OperatingSystem.IsLinux())
        {
            try
            {
                var milliseconds = (uint)Math.Clamp(options.PeerTimeout.TotalMilliseconds, 1, int.MaxValue);
                socket.SetRawSocketOption(IpProtoTcp, TcpUserTimeout, BitConverter.GetBytes(milliseconds));
            }
            catch (SocketException)
            {
                // A kernel without TCP_USER_TIMEOUT (before 2.6.37): TCP's own retransmission limit applies.
            }
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
