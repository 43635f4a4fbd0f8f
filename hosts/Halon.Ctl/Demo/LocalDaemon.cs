using System.Diagnostics;
using System.Text;
using Halon.Core.Identity;
using Halon.Transport.Tcp;

namespace Halon.Ctl.Demo;

/// <summary>
/// One <c>halond</c> process on this machine, with its data dir and its log (stdout and stderr, line by line, to a
/// file and to memory). <see cref="Kill"/> is <c>kill -9</c>; <see cref="Start"/> again reuses the data dir, which is
/// how a rebooted node comes back.
/// </summary>
internal sealed class LocalDaemon : IDisposable
{
    /// <summary>Lines kept in memory; the file keeps everything.</summary>
    private const int LogLinesMax = 20_000;

    private readonly HalondLauncher _launcher;
    private readonly IReadOnlyList<string> _extraArguments;
    private readonly TransportSecurity _security;
    private readonly object _logLock = new();
    private readonly List<string> _logLines = [];
    private StreamWriter? _logFile;
    private Process? _process;

    public LocalDaemon(HalondLauncher launcher, NodeId listen, string dataDir, string logPath, IReadOnlyList<string>? extraArguments = null, TransportSecurity? security = null)
    {
        _security = security ?? TransportSecurity.Insecure;
        _launcher = launcher;
        Listen = listen;
        DataDir = dataDir;
        LogPath = logPath;
        _extraArguments = extraArguments ?? [];
    }

    public NodeId Listen { get; }

    public string DataDir { get; }

    public string LogPath { get; }

    /// <summary>The process id, or 0 when not started.</summary>
    public int ProcessId => _process?.Id ?? 0;

    /// <summary>Whether the process is running.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Exit code of the last process, once it has exited.</summary>
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>Every log line so far, in order (including those of earlier runs of this node).</summary>
    public IReadOnlyList<string> LogLines
    {
        get
        {
            lock (_logLock)
            {
                return _logLines.ToArray();
            }
        }
    }

    /// <summary>The last <paramref name="count"/> log lines, for error messages.</summary>
    public string LogTail(int count = 20)
    {
        var lines = LogLines;
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Count - count)));
    }

    /// <summary>Starts halond (again): <c>--listen</c>, <c>--data-dir</c> and the extra arguments.</summary>
    public void Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Listen} is running already");
        }

        _process?.Dispose();
        Directory.CreateDirectory(DataDir);
        lock (_logLock)
        {
            _logFile ??= new StreamWriter(new FileStream(LogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), Encoding.UTF8) { AutoFlush = true };
        }

        var info = _launcher.StartInfo(new[] { "--listen", Listen.Value, "--data-dir", DataDir }.Concat(_extraArguments));
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {_launcher.Display}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>
    /// Waits until the node answers a status request over the wire protocol: it listens and its loop runs. (A bare
    /// TCP probe would do too, but halond rightly logs every connection that leaves without a handshake.)
    /// </summary>
    /// <exception cref="TimeoutException">It did not within <paramref name="timeout"/>, or it exited; the message has its log.</exception>
    public async Task WaitListeningAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var lastError = "no attempt yet";
        while (true)
        {
            if (_process is null || _process.HasExited)
            {
                // Let the output readers catch up so the message shows why it stopped.
                _process?.WaitForExit(1000);
                throw new TimeoutException($"halond for {Listen} exited with code {ExitCode} before listening:\n{LogTail()}");
            }

            try
            {
                await using var client = await ControlClient.ConnectAsync(Listen, _security, TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                await client.GetStatusAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (ControlException e)
            {
                lastError = e.Message;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"halond for {Listen} does not answer after {timeout.TotalSeconds:0} s ({lastError}):\n{LogTail()}");
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary><c>kill -9</c>: no shutdown, no flush; only what was already durable survives.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited between the check and the kill.
            }

            process.WaitForExit(5000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        _process = null;
        lock (_logLock)
        {
            _logFile?.Dispose();
            _logFile = null;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            if (_logLines.Count < LogLinesMax)
            {
                _logLines.Add(line);
            }

            _logFile?.WriteLine(line);
        }
    }
}
