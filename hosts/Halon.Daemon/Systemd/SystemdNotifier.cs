using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Halon.Daemon.Systemd;

/// <summary>
/// The sd_notify protocol: one datagram per notification (<c>READY=1</c>, <c>WATCHDOG=1</c>, <c>STOPPING=1</c>) to
/// the unix socket systemd names in <c>NOTIFY_SOCKET</c>. Without that variable every call does nothing. With
/// <c>WATCHDOG_USEC</c> (for this process, per <c>WATCHDOG_PID</c>) <see cref="WatchdogInterval"/> says how often
/// systemd expects <c>WATCHDOG=1</c>; halond sends it from its loop, so a wedged loop stops it and systemd restarts
/// the service. A failed send is counted, never thrown: notification must not stop the node.
/// </summary>
internal sealed class SystemdNotifier : IDisposable
{
    /// <summary>The environment variable naming the notification socket.</summary>
    public const string SocketVariable = "NOTIFY_SOCKET";

    private static readonly byte[] s_ready = Encoding.ASCII.GetBytes("READY=1");
    private static readonly byte[] s_watchdog = Encoding.ASCII.GetBytes("WATCHDOG=1");
    private static readonly byte[] s_stopping = Encoding.ASCII.GetBytes("STOPPING=1");

    private readonly UnixDomainSocketEndPoint? _endPoint;
    private readonly object _gate = new();
    private Socket? _socket;
    private long _sendFailures;

    private SystemdNotifier(UnixDomainSocketEndPoint? endPoint, TimeSpan? watchdogInterval)
    {
        _endPoint = endPoint;
        WatchdogInterval = watchdogInterval;
    }

    /// <summary>A notifier that sends nothing (no service manager).</summary>
    public static SystemdNotifier None { get; } = new(null, null);

    /// <summary>Whether a notification socket was given.</summary>
    public bool Enabled => _endPoint is not null;

    /// <summary>How often systemd wants <c>WATCHDOG=1</c>, or null when it watches nothing.</summary>
    public TimeSpan? WatchdogInterval { get; }

    /// <summary>Notifications that could not be sent.</summary>
    public long SendFailures => Interlocked.Read(ref _sendFailures);

    /// <summary>Reads <c>NOTIFY_SOCKET</c>, <c>WATCHDOG_USEC</c> and <c>WATCHDOG_PID</c> from <paramref name="environment"/>.</summary>
    public static SystemdNotifier FromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var path = environment(SocketVariable);
        if (string.IsNullOrEmpty(path) || OperatingSystem.IsWindows())
        {
            return None;
        }

        // "@name" is a socket in the abstract namespace.
        var endPoint = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
        TimeSpan? interval = null;
        var forPid = environment("WATCHDOG_PID");
        var forUs = string.IsNullOrEmpty(forPid) || forPid == Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        if (forUs && long.TryParse(environment("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds) && microseconds > 0)
        {
            interval = TimeSpan.FromMicroseconds(microseconds);
        }

        return new SystemdNotifier(endPoint, interval);
    }

    /// <summary>For tests: a notifier for <paramref name="socketPath"/>.</summary>
    public static SystemdNotifier ForSocket(string socketPath, TimeSpan? watchdogInterval) =>
        new(new UnixDomainSocketEndPoint(socketPath), watchdogInterval);

    /// <summary>The node listens: systemd may start the units ordered after it.</summary>
    public void Ready() => Send(s_ready);

    /// <summary>The loop is alive.</summary>
    public void Watchdog() => Send(s_watchdog);

    /// <summary>The service is shutting down.</summary>
    public void Stopping() => Send(s_stopping);

    public void Dispose()
    {
        lock (_gate)
        {
            _socket?.Dispose();
            _socket = null;
        }
    }

    private void Send(byte[] datagram)
    {
        if (_endPoint is null)
        {
            return;
        }

        lock (_gate)
        {
            try
            {
                // Non-blocking: a service manager that reads nothing must not stall the loop; that send fails and is counted.
                _socket ??= new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { Blocking = false };
                _socket.SendTo(datagram, SocketFlags.None, _endPoint);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                Interlocked.Increment(ref _sendFailures);
                _socket?.Dispose();
                _socket = null;
            }
        }
    }
}
