namespace Halon.Transport.Tcp.Handshake;

/// <summary>A failed handshake; <see cref="Exception.Message"/> says why, in words for a log line.</summary>
internal sealed class HandshakeException : Exception
{
    public HandshakeException(HandshakeFailure failure, string message, uint remoteVersion = 0, SecurityMode? remoteMode = null, SecurityMode? localMode = null)
        : base(message)
    {
        Failure = failure;
        RemoteVersion = remoteVersion;
        RemoteMode = remoteMode;
        LocalMode = localMode;
    }

    public HandshakeFailure Failure { get; }

    /// <summary>For <see cref="HandshakeFailure.WrongVersion"/>: the version the other side speaks.</summary>
    public uint RemoteVersion { get; }

    /// <summary>For <see cref="HandshakeFailure.ModeMismatch"/>: the other side's security mode.</summary>
    public SecurityMode? RemoteMode { get; }

    /// <summary>For <see cref="HandshakeFailure.ModeMismatch"/>: this side's security mode.</summary>
    public SecurityMode? LocalMode { get; }
}
