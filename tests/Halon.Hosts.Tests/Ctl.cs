using System.Diagnostics;
using System.Text;

namespace Halon.Hosts.Tests;

/// <summary>Runs <c>halonctl</c> as a process, as an operator or a script would.</summary>
internal static class Ctl
{
    /// <summary>Generous: a halonctl command ends on its own long before this unless something hangs.</summary>
    private static readonly TimeSpan s_processTimeout = TimeSpan.FromSeconds(90);

    public static async Task<CtlResult> RunAsync(params string[] arguments) => await RunWithEnvironmentAsync(null, arguments);

    public static async Task<CtlResult> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        using var run = Start(environment, arguments);
        return await run.Completion;
    }

    /// <summary>Starts halonctl and returns at once, so that a test can act while it runs (see <see cref="CtlRun.WaitForErrorsAsync"/>).</summary>
    public static CtlRun Start(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(Paths.HalonctlDll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var variable in Halon.Transport.Tcp.SecurityFlags.Variables)
        {
            info.Environment.Remove(variable);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return new CtlRun(info, arguments, s_processTimeout);
    }
}

/// <summary>What one halonctl run printed and returned.</summary>
internal sealed record CtlResult(IReadOnlyList<string> Arguments, int ExitCode, string Output, string Errors, TimeSpan Elapsed)
{
    public override string ToString() =>
        $"halonctl {string.Join(' ', Arguments)}\nexit {ExitCode} after {Elapsed.TotalMilliseconds:0} ms\n--- stdout:\n{Output}--- stderr:\n{Errors}";
}

/// <summary>A running halonctl: its output so far, and its result once it exits.</summary>
internal sealed class CtlRun : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _errors = new();
    private readonly IReadOnlyList<string> _arguments;

    public CtlRun(ProcessStartInfo info, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        _arguments = arguments;
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Append(_output, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_errors, e.Data);
        var clock = Stopwatch.StartNew();
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Completion = WaitAsync(clock, timeout);
    }

    public Task<CtlResult> Completion { get; }

    /// <summary>Waits until stderr contains <paramref name="text"/>; fails if halonctl exits first.</summary>
    public async Task WaitForErrorsAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!Snapshot(_errors).Contains(text, StringComparison.Ordinal))
        {
            if (Completion.IsCompleted)
            {
                throw new InvalidOperationException($"halonctl exited before printing '{text}':\n{await Completion}");
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"halonctl did not print '{text}' within {timeout.TotalSeconds:0} s; so far:\n{Snapshot(_output)}{Snapshot(_errors)}");
            }

            await Task.Delay(10);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private async Task<CtlResult> WaitAsync(Stopwatch clock, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"halonctl {string.Join(' ', _arguments)} did not exit within {timeout.TotalSeconds:0} s; output so far:\n{Snapshot(_output)}\n{Snapshot(_errors)}");
        }

        _process.WaitForExit(); // Drains the output readers.
        return new CtlResult(_arguments, _process.ExitCode, Snapshot(_output), Snapshot(_errors), clock.Elapsed);
    }

    private static string Snapshot(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (text)
        {
            text.Append(line).Append('\n');
        }
    }
}
