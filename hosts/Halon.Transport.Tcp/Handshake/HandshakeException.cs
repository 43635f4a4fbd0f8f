namespace Halon.Transport.Tcp.Handshake;

/// <summary>A failed handshake; <see cref="Exception.Message"/> says why, in words for a log line.</summary>
internal sealed class HandshakeException : Exception
{
    public HandshakeException(HandshakeFailure failure, string message, uint remoteVersion = 0)
        : base(message)
    {
        Failure = failure;
        RemoteVersion = remoteVersion;
    }

    public HandshakeFailure Failure { get; }

    /// <summary>For <see cref="HandshakeFailure.WrongVersion"/>: the version the other side speaks.</summary>
    public uint RemoteVersion { get; }
}
