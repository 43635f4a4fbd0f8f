using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Halon.Core.Identity;

namespace Halon.Hosts.Tests;

/// <summary>
/// A raw TCP connection to a node from a chosen loopback source address (127.0.0.0/8 all routes to lo), so that each
/// hostile connection gets its own line in halond's log, which throttles rejections per remote host.
/// </summary>
internal sealed class RawConnection : IDisposable
{
    /// <summary>"HALN", big-endian.</summary>
    public const uint Magic = 0x48414C4E;

    private readonly Socket _socket;

    private RawConnection(Socket socket)
    {
        _socket = socket;
    }

    public static async Task<RawConnection> OpenAsync(string sourceAddress, NodeId target)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(sourceAddress), 0));
        await socket.ConnectAsync(IPAddress.Parse(target.Host), target.Port);
        return new RawConnection(socket);
    }

    /// <summary>The protocol version of this build (3 since station configurations travel in the log), written out so that a change of it is seen here.</summary>
    public const uint Version = 3;

    public static byte[] Preamble(uint magic = Magic, uint version = Version)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), version);
        return bytes;
    }

    /// <summary>The preamble and a security mode byte (1: cluster key), as a dialler of this version opens.</summary>
    public static byte[] Opening(byte mode = 1) => [.. Preamble(), mode];

    public static byte[] LengthPrefix(uint length)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, length);
        return bytes;
    }

    public async Task SendAsync(params byte[][] parts)
    {
        foreach (var part in parts)
        {
            await _socket.SendAsync(part, SocketFlags.None);
        }
    }

    /// <summary>
    /// Reads until the node closes the connection (end of stream or reset) and returns what it sent before; throws if
    /// it is still open after <paramref name="timeout"/>.
    /// </summary>
    public async Task<byte[]> ReadUntilClosedAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var received = new List<byte>();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                if (read == 0)
                {
                    return received.ToArray();
                }

                received.AddRange(buffer.AsSpan(0, read).ToArray());
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return received.ToArray();
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the node kept the connection from {_socket.LocalEndPoint} open for {timeout.TotalSeconds:0} s");
        }
    }

    public void Dispose() => _socket.Dispose();
}
