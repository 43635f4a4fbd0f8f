namespace Halon.Ctl.Certs;

/// <summary>The directory cannot be used as it is (a CA file without its key, or unreadable); exit code 1.</summary>
internal sealed class CertsException : Exception
{
    public CertsException(string message)
        : base(message)
    {
    }
}
