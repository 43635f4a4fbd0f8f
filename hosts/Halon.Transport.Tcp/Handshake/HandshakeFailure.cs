namespace Halon.Transport.Tcp.Handshake;

/// <summary>Why a handshake failed.</summary>
internal enum HandshakeFailure
{
    /// <summary>The other side did not open with the magic number: not a Halon node.</summary>
    WrongMagic,

    /// <summary>The other side speaks another protocol version.</summary>
    WrongVersion,

    /// <summary>A handshake frame was not valid.</summary>
    Malformed,

    /// <summary>The two sides use different security modes (cluster key, TLS, none).</summary>
    ModeMismatch,

    /// <summary>The cluster-key proof or the certificate was missing or wrong, in either direction.</summary>
    AuthenticationFailed,

    /// <summary>The listener refused the connection for another reason.</summary>
    Rejected,

    /// <summary>The other side closed the connection without sending a byte: a port check, not a Halon client.</summary>
    ClosedSilently,
}
