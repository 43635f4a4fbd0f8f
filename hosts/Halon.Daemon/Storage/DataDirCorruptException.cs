namespace Halon.Daemon.Storage;

/// <summary>
/// The data dir holds something halond cannot trust: a bad checksum, an unknown format, a record that does not parse.
/// The message names the file and the offset. halond refuses to start rather than guess.
/// </summary>
internal sealed class DataDirCorruptException : Exception
{
    public DataDirCorruptException(string message)
        : base(message)
    {
    }

    public DataDirCorruptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
