namespace Halon.Ctl.Cli;

/// <summary>A value on the command line that cannot be used; halonctl prints the message and exits 2.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
