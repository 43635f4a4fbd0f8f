namespace Halon.Daemon;

/// <summary>
/// halond cannot start; the message says why in one line, naming the file or address at fault.
/// <see cref="ExitCode"/> is <see cref="DaemonExit.Failure"/>, or <see cref="DaemonExit.DataDirUnusable"/> when a
/// restart cannot fix it.
/// </summary>
internal sealed class DaemonStartException : Exception
{
    public DaemonStartException(string message)
        : base(message)
    {
    }

    public DaemonStartException(string message, Exception innerException, int exitCode = DaemonExit.Failure)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    /// <summary>The exit code halond returns.</summary>
    public int ExitCode { get; } = DaemonExit.Failure;
}
