namespace Halon.Daemon;

/// <summary>halond cannot start; the message says why in one line, naming the file or address at fault. Exit code 1.</summary>
internal sealed class DaemonStartException : Exception
{
    public DaemonStartException(string message)
        : base(message)
    {
    }

    public DaemonStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
