namespace Halon.Transport.Tcp;

/// <summary>
/// A control request that could not be carried out. <see cref="Exception.Message"/> is one line that starts with the
/// node's address, e.g. <c>127.0.0.1:9070: connection refused</c>.
/// </summary>
public sealed class ControlException : Exception
{
    public ControlException(string message)
        : base(message)
    {
    }

    public ControlException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
