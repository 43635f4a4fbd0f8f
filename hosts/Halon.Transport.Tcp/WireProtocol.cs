namespace Halon.Transport.Tcp;

/// <summary>
/// The constants of the wire protocol. A connection starts with a 9-byte opening from each side (magic and version,
/// both big-endian, then the security mode); then come length-prefixed frames of protobuf messages
/// (<c>Protos/halon.proto</c>), sealed after the handshake in cluster-key mode and carried inside TLS in TLS mode.
/// </summary>
public static class WireProtocol
{
    /// <summary>The magic number that opens every connection: <c>"HALN"</c> in ASCII.</summary>
    public const uint Magic = 0x48414C4E;

    /// <summary>
    /// The protocol version this build speaks. Both sides must speak the same one. Version 2 added the security mode to
    /// the opening, key ids to the handshake, and sealed frames after it. Version 3 added the station's configuration
    /// to the log (a node of version 2 cannot read such an entry) and the control requests that change the peers.
    /// </summary>
    public const uint Version = 3;

    /// <summary>Bytes of the preamble: magic and version, 4 bytes each. Every version starts with it.</summary>
    public const int PreambleBytes = 8;

    /// <summary>Bytes of the opening: the preamble, then one byte of <see cref="SecurityMode"/>.</summary>
    public const int OpeningBytes = PreambleBytes + 1;

    /// <summary>Bytes of a frame's length prefix (big-endian).</summary>
    public const int FrameHeaderBytes = 4;

    /// <summary>Largest frame payload accepted once a connection is authenticated, in bytes. A larger prefix closes the connection.</summary>
    public const int FrameBytesMax = 4 * 1024 * 1024;

    /// <summary>Largest handshake frame payload, in bytes: an unauthenticated dialler cannot make the node allocate more.</summary>
    public const int HandshakeFrameBytesMax = 1024;

    /// <summary>Bytes of each side's handshake nonce.</summary>
    public const int NonceBytes = 32;

    /// <summary>Bytes of a handshake proof (an HKDF-SHA256 output).</summary>
    public const int ProofBytes = 32;

    /// <summary>Bytes of a key id on the wire (shown as twice as many hex digits).</summary>
    public const int KeyIdBytes = 8;

    /// <summary>Most key ids a dialler may offer: the current key and the next one.</summary>
    public const int KeyIdsMax = 2;

    /// <summary>Bytes of the AEAD tag that ends every sealed frame.</summary>
    public const int TagBytes = 16;

    /// <summary>Connections listed one by one in a status answer; <c>connections_total</c> and <c>connections_by_key</c> count all.</summary>
    public const int ConnectionsListedMax = 1024;

    /// <summary>Distinct (mode, key) pairs in <c>connections_by_key</c>: a node holds at most two keys, or a few CAs.</summary>
    public const int KeyUsesMax = 64;

    /// <summary>Longest cluster id accepted in a message, in characters (real ones are 22).</summary>
    public const int ClusterIdLengthMax = 64;

    /// <summary>Longest free text (a peer's state, a command's message) accepted in a control answer, in characters.</summary>
    public const int TextLengthMax = 4096;

    /// <summary>Satellites per status chunk: 1,000 satellites of maximal size stay far below <see cref="FrameBytesMax"/>.</summary>
    public const int StatusChunkSatellitesMax = 1000;
}
