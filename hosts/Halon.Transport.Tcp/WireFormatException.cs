namespace Halon.Transport.Tcp;

/// <summary>
/// A frame that is not a valid message of the wire protocol: truncated, garbage, out of range or too large. The only
/// exception the decoders throw; the connection that carried the frame is closed.
/// </summary>
public class WireFormatException : Exception
{
    public WireFormatException(string message)
        : base(message)
    {
    }

    public WireFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
