using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Halon.Core.Identity;

namespace Halon.Hosts.Tests;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of one node. It can hold every connection for <see cref="Delay"/> before it
/// connects it through (a node that answers, but slowly), and it can lose one answer: on the first connection, after
/// the client's <c>loseAnswerToFrame</c>-th frame has reached the node, the node's answer is read and thrown away and the
/// connection is closed (a command that took effect while its answer was lost). Dispose closes everything.
/// </summary>
internal sealed class SlowProxy : IDisposable
{
    /// <summary>Both sides start with a 9-byte opening (magic, version and security mode) before their frames.</summary>
    private const int PreambleBytes = Halon.Transport.Tcp.WireProtocol.OpeningBytes;

    private readonly Socket _listener;
    private readonly NodeId _target;
    private readonly int? _loseAnswerToFrame;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _accepting;
    private int _connections;

    public SlowProxy(NodeId target, TimeSpan delay, int? loseAnswerToFrame = null)
    {
        _target = target;
        _loseAnswerToFrame = loseAnswerToFrame;
        Delay = delay;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        Address = NodeId.Parse($"127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port}");
        _accepting = AcceptAsync();
    }

    public NodeId Address { get; }

    public TimeSpan Delay { get; }

    /// <summary>Set once an answer was thrown away.</summary>
    public bool AnswerLost { get; private set; }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }

        try
        {
            _accepting.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The accept loop ends with the closed listener.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Track(client);
            var first = Interlocked.Increment(ref _connections) == 1;
            _ = RelayAsync(client, first ? _loseAnswerToFrame : null);
        }
    }

    private async Task RelayAsync(Socket client, int? loseAnswerToFrame)
    {
        try
        {
            await Task.Delay(Delay, _stop.Token);
            var server = Track(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
            await server.ConnectAsync(IPAddress.Loopback, _target.Port, _stop.Token);
            if (loseAnswerToFrame is { } frame)
            {
                await LoseAnswerAsync(client, server, frame);
                return;
            }

            await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The test is over, or one side closed.
        }
        finally
        {
            client.Dispose();
        }
    }

    /// <summary>
    /// Relays the handshake and the client's frames up to <paramref name="frame"/>; then waits for the node's answer to
    /// that frame, drops it, and closes both sides.
    /// </summary>
    private async Task LoseAnswerAsync(Socket client, Socket server, int frame)
    {
        var answers = new CancellationTokenSource();
        var serverToClient = PumpAsync(server, client, answers.Token);
        await CopyExactlyAsync(client, server, PreambleBytes);
        for (var i = 1; i <= frame; i++)
        {
            var header = await CopyExactlyAsync(client, server, 4);
            var length = BinaryPrimitives.ReadInt32BigEndian(header);
            if (i == frame)
            {
                // From here on, nothing the node sends reaches the client.
                await answers.CancelAsync();
                await serverToClient;
            }

            await CopyExactlyAsync(client, server, length);
        }

        var buffer = new byte[4096];
        await server.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
        AnswerLost = true;
        server.Dispose();
        client.Dispose();
        answers.Dispose();
    }

    private async Task<byte[]> CopyExactlyAsync(Socket from, Socket to, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await from.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, _stop.Token);
            if (n == 0)
            {
                throw new SocketException((int)SocketError.ConnectionReset);
            }

            read += n;
        }

        await to.SendAsync(buffer, SocketFlags.None, _stop.Token);
        return buffer;
    }

    private async Task PumpAsync(Socket from, Socket to, CancellationToken stopRelaying = default)
    {
        var buffer = new byte[16 * 1024];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, stopRelaying);
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, stop.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // One side closed, or relaying was stopped.
        }
    }

    private Socket Track(Socket socket)
    {
        lock (_sockets)
        {
            _sockets.Add(socket);
        }

        return socket;
    }
}
