using System.Net;
using System.Net.Sockets;
using Halon.Core.Identity;

namespace Halon.Hosts.Tests;

/// <summary>
/// Addresses on 127.0.0.1 that never answer, for timeout tests. <see cref="Silent"/> accepts connections (the kernel
/// completes the TCP handshake) and never sends a byte. <see cref="Unreachable"/> is a listener whose accept queue is
/// full and never drained: the kernel drops every further SYN, so a connect hangs as it does towards a host that a
/// firewall black-holes. Dispose closes everything.
/// </summary>
internal sealed class BlackHoles : IDisposable
{
    private readonly Socket _silent;
    private readonly Socket _unreachable;
    private readonly List<Socket> _fillers = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _accepted = [];
    private readonly Task _accepting;

    public BlackHoles()
    {
        _silent = Listen(backlog: 16);
        _accepting = AcceptSilentlyAsync();
        _unreachable = Listen(backlog: 0);
        FillAcceptQueue();
        Silent = Address(_silent);
        Unreachable = Address(_unreachable);
    }

    /// <summary>Connects, then says nothing.</summary>
    public NodeId Silent { get; }

    /// <summary>Never completes a connect.</summary>
    public NodeId Unreachable { get; }

    public void Dispose()
    {
        _stop.Cancel();
        _silent.Dispose();
        _unreachable.Dispose();
        foreach (var socket in _fillers.Concat(_accepted))
        {
            socket.Dispose();
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

    private static Socket Listen(int backlog)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(backlog);
        return socket;
    }

    private static NodeId Address(Socket socket) => NodeId.Parse($"127.0.0.1:{((IPEndPoint)socket.LocalEndPoint!).Port}");

    private async Task AcceptSilentlyAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _silent.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_accepted)
            {
                _accepted.Add(accepted);
            }
        }
    }

    /// <summary>Connects until a connect no longer completes within a moment: from then on the queue drops SYNs.</summary>
    private void FillAcceptQueue()
    {
        var endPoint = (IPEndPoint)_unreachable.LocalEndPoint!;
        for (var i = 0; i < 64; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _fillers.Add(socket);
            using var attempt = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            try
            {
                socket.ConnectAsync(endPoint, attempt.Token).AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        throw new InvalidOperationException("the accept queue of a backlog-0 listener never filled; this kernel cannot make an unreachable address this way");
    }
}
