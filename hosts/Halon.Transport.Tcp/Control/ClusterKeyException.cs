namespace Halon.Transport.Tcp;

/// <summary>A cluster key file that cannot be used; the message is one line naming the file and what is wrong.</summary>
public sealed class ClusterKeyException : IOException
{
    public ClusterKeyException(string message)
        : base(message)
    {
    }

    public ClusterKeyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
