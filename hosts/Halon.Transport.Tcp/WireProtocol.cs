namespace Halon.Transport.Tcp;

/// <summary>
/// The constants of the wire protocol. A connection starts with an 8-byte preamble from each side (magic, version,
/// both big-endian); then come length-prefixed frames of protobuf messages (<c>Protos/halon.proto</c>).
/// </summary>
public static class WireProtocol
{
    /// <summary>The magic number that opens every connection: <c>"HALN"</c> in ASCII.</summary>
    public const uint Magic = 0x48414C4E;

    /// <summary>The protocol version this build speaks. Both sides must speak the same one.</summary>
    public const uint Version = 1;

    /// <summary>Bytes of the preamble: magic and version, 4 bytes each.</summary>
    public const int PreambleBytes = 8;

    /// <summary>Bytes of a frame's length prefix (big-endian).</summary>
    public const int FrameHeaderBytes = 4;

    /// <summary>Largest frame payload accepted once a connection is authenticated, in bytes. A larger prefix closes the connection.</summary>
    public const int FrameBytesMax = 4 * 1024 * 1024;

    /// <summary>Largest handshake frame payload, in bytes: an unauthenticated dialler cannot make the node allocate more.</summary>
    public const int HandshakeFrameBytesMax = 1024;

    /// <summary>Bytes of each side's handshake nonce.</summary>
    public const int NonceBytes = 32;

    /// <summary>Bytes of a handshake proof (HMAC-SHA256).</summary>
    public const int ProofBytes = 32;

    /// <summary>Longest cluster id accepted in a message, in characters (real ones are 22).</summary>
    public const int ClusterIdLengthMax = 64;

    /// <summary>Longest free text (a peer's state, a command's message) accepted in a control answer, in characters.</summary>
    public const int TextLengthMax = 4096;

    /// <summary>Satellites per status chunk: 1,000 satellites of maximal size stay far below <see cref="FrameBytesMax"/>.</summary>
    public const int StatusChunkSatellitesMax = 1000;
}
