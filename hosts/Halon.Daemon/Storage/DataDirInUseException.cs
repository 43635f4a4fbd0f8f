namespace Halon.Daemon.Storage;

/// <summary>Another halond holds the data dir's lock.</summary>
internal sealed class DataDirInUseException : IOException
{
    public DataDirInUseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
