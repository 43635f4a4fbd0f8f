using System.Net;
using System.Net.Sockets;

namespace Halon.Transport.Tests;

/// <summary>
/// A TCP relay on 127.0.0.1 in front of a real listener that can turn into a black hole, as a cut network does:
/// once <see cref="Blackhole"/> is called, the connections it carries stop moving bytes in either direction and are
/// never closed (nothing tells their ends), and new connections are accepted by the kernel and then left silent. The
/// relay reads with a small receive buffer, so a dialler that keeps writing into a black-holed connection soon sees a
/// zero window, and its data stays unacknowledged as it would behind a cut cable. <see cref="Heal"/> lets new
/// connections through again; black-holed ones stay dead. With <c>relayDatagrams</c> it also relays UDP from its port to
/// the target's, black hole or not (TCP held up behind a lost segment while datagrams still pass), and keeps a copy of
/// each datagram it relayed. Dispose closes everything.
/// </summary>
internal sealed class BlackholeProxy : IAsyncDisposable
{
    private const int ReceiveBufferBytes = 4096;

    private readonly IPEndPoint _target;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly List<Task> _tasks = [];
    private readonly object _gate = new();
    private TaskCompletionSource _holes = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Socket? _udp;
    private readonly System.Collections.Concurrent.ConcurrentQueue<byte[]> _datagrams = new();
    private volatile bool _blackholed;
    private int _accepted;

    public BlackholeProxy(IPEndPoint target, bool relayDatagrams = false)
    {
        _target = target;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveBuffer, ReceiveBufferBytes);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        if (relayDatagrams)
        {
            _udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            _udp.Bind(new IPEndPoint(IPAddress.Loopback, Port));
        }

        lock (_gate)
        {
            _tasks.Add(AcceptAsync());
            if (_udp is not null)
            {
                _tasks.Add(RelayDatagramsAsync(_udp));
            }
        }
    }

    /// <summary>Copies of the datagrams relayed so far, oldest first.</summary>
    public IReadOnlyList<byte[]> Datagrams => [.. _datagrams];

    public int Port { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>From now on nothing moves: not on the open connections (ever again), not on new ones until <see cref="Heal"/>.</summary>
    public void Blackhole()
    {
        lock (_gate)
        {
            _blackholed = true;
            _holes.TrySetResult();
        }
    }

    /// <summary>New connections are relayed again.</summary>
    public void Heal()
    {
        lock (_gate)
        {
            _blackholed = false;
            _holes = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        _udp?.Dispose();
        Task[] tasks;
        lock (_gate)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }

            tasks = [.. _tasks];
        }

        try
        {
            await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or IOException or TimeoutException)
        {
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

            Interlocked.Increment(ref _accepted);
            lock (_gate)
            {
                _sockets.Add(client);
                if (_blackholed)
                {
                    continue; // Accepted by the kernel, then silence.
                }

                _tasks.Add(RelayAsync(client));
            }
        }
    }

    private async Task RelayDatagramsAsync(Socket udp)
    {
        var buffer = new byte[65536];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var result = await udp.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
                var copy = buffer.AsSpan(0, result.ReceivedBytes).ToArray();
                _datagrams.Enqueue(copy);
                await udp.SendToAsync(copy, SocketFlags.None, _target, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
            }
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Task hole;
        lock (_gate)
        {
            _sockets.Add(server);
            hole = _holes.Task;
        }

        try
        {
            await server.ConnectAsync(_target, _stop.Token);
            await Task.WhenAll(PumpAsync(client, server, hole), PumpAsync(server, client, hole));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Copies bytes until the hole opens; then stops reading, and never closes either end.</summary>
    private async Task PumpAsync(Socket from, Socket to, Task hole)
    {
        var buffer = new byte[ReceiveBufferBytes];
        try
        {
            while (!hole.IsCompleted)
            {
                var read = from.ReceiveAsync(buffer, _stop.Token).AsTask();
                if (await Task.WhenAny(read, hole) == hole)
                {
                    // A read already under way may still complete; what it brings is lost in the hole.
                    return;
                }

                var count = await read;
                if (count == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                if (hole.IsCompleted)
                {
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, count), _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }
}
