namespace Halon.Transport.Tcp;

/// <summary>A certificate, key or CA file that cannot be used; the message is one line naming the file and what is wrong.</summary>
public sealed class TlsCredentialsException : IOException
{
    public TlsCredentialsException(string message)
        : base(message)
    {
    }

    public TlsCredentialsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
