namespace Halon.Transport.Tcp;

/// <summary>Security options that cannot be used together, or a file they name that cannot be used: a usage error (exit code 2).</summary>
public sealed class SecurityFlagsException : Exception
{
    public SecurityFlagsException(string message)
        : base(message)
    {
    }

    public SecurityFlagsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
