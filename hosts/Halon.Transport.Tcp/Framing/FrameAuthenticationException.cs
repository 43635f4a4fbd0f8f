namespace Halon.Transport.Tcp.Framing;

/// <summary>
/// A sealed frame that did not open: altered, forged, replayed, reordered, reflected or cut short in transit, or sealed
/// with another key. The connection that carried it is closed; nothing of the frame was used.
/// </summary>
internal sealed class FrameAuthenticationException : WireFormatException
{
    public FrameAuthenticationException(ulong frameNumber, string message)
        : base(message)
    {
        FrameNumber = frameNumber;
    }

    /// <summary>The frame's position in its direction of the connection, counting from 0.</summary>
    public ulong FrameNumber { get; }
}
