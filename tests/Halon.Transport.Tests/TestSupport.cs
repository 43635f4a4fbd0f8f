using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Halon.Core.Identity;
using Halon.Daemon;
using Halon.Transport.Tcp;
using Microsoft.Extensions.Logging;

namespace Halon.Transport.Tests;

/// <summary>Free loopback ports, temporary directories, a log that tests can read, and in-process daemons.</summary>
internal static class TestSupport
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string TempDir()
    {
        var path = Path.Combine(Path.GetTempPath(), "halon-tests-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        return path;
    }

    public static void DeleteDir(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static byte[] Key(char fill = 'k') => System.Text.Encoding.ASCII.GetBytes(new string(fill, 32));

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return true;
                }
            }
            catch (ControlException)
            {
            }

            await Task.Delay(50);
        }

        return false;
    }
}

/// <summary>A logger factory that keeps every line (from Information up, or from <paramref name="minimum"/>), for tests that check what was logged.</summary>
internal sealed class CapturingLoggerFactory(LogLevel minimum = LogLevel.Information) : ILoggerFactory
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public LogLevel Minimum => minimum;

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    public bool Contains(string text) => Lines.Any(line => line.Contains(text, StringComparison.Ordinal));

    /// <summary>The last <paramref name="count"/> lines, for failure messages.</summary>
    public string Tail(int count) => string.Join('\n', Lines.TakeLast(count));

    private sealed class Logger(CapturingLoggerFactory owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner.Minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
            }
        }
    }
}

/// <summary>One halond running in this process: the daemon's own classes over real loopback TCP.</summary>
internal sealed class DaemonHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    private DaemonHarness(DaemonSettings settings, CapturingLoggerFactory logs)
    {
        Settings = settings;
        Logs = logs;
        Daemon = new HalonDaemon(settings, logs, TimeProvider.System);
    }

    public DaemonSettings Settings { get; }

    public CapturingLoggerFactory Logs { get; }

    public HalonDaemon Daemon { get; }

    public NodeId Id => Settings.NodeId;

    /// <summary>The daemon's loop; it faults with <see cref="DaemonFatalException"/> when the node must stop.</summary>
    public Task Loop => _loop!;

    public static DaemonSettings Settings_(int port, string dataDir, byte[]? key = null, Func<TransportOptions, TransportOptions>? tune = null, TransportSecurity? security = null) => new()
    {
        Listen = new IPEndPoint(IPAddress.Loopback, port),
        NodeId = NodeId.Parse($"127.0.0.1:{port}"),
        DataDir = dataDir,
        Security = security ?? TransportSecurity.WithKey(key),
        TuneTransport = tune ?? (options => options),
    };

    public static DaemonHarness Start(DaemonSettings settings)
    {
        var harness = new DaemonHarness(settings, new CapturingLoggerFactory());
        harness.Daemon.Start();
        harness._loop = Task.Run(() => harness.Daemon.RunAsync(harness._stop.Token));
        return harness;
    }

    public Task<ControlClient> ConnectAsync(byte[]? key = null) =>
        ControlClient.ConnectAsync(Id, key is null ? Settings.Security : TransportSecurity.WithKey(key), TimeSpan.FromSeconds(5));

    public Task<ControlClient> ConnectAsync(TransportSecurity security) =>
        ControlClient.ConnectAsync(Id, security, TimeSpan.FromSeconds(5));

    public async Task<Halon.Core.Status.NodeStatus> StatusAsync()
    {
        await using var client = await ConnectAsync();
        return await client.GetStatusAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
            catch (DaemonFatalException)
            {
            }
        }

        await Daemon.DisposeAsync();
        _stop.Dispose();
    }
}
