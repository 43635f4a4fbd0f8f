namespace Halon.Daemon;

/// <summary>The running node must stop (a failed write, a broken invariant); already logged. Exit code 1.</summary>
internal sealed class DaemonFatalException : Exception
{
    public DaemonFatalException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
