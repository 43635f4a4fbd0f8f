using Halon.Core.Identity;
using Halon.Transport.Tcp.Framing;

namespace Halon.Transport.Tcp.Handshake;

/// <summary>
/// A connection after a successful handshake: the stream to carry frames on (the TLS stream in TLS mode), who the
/// other side proved to be, and how this side's frames are sealed and the other side's opened. Disposing it disposes
/// the ciphers and the TLS stream, not the socket's own stream.
/// </summary>
internal sealed class HandshakeResult : IAsyncDisposable
{
    private readonly Stream? _ownedStream;

    public HandshakeResult(Stream stream, bool ownsStream, NodeId? remote, SecurityMode mode, string? keyId, FrameSealer sealer, FrameOpener? opener)
    {
        Stream = stream;
        _ownedStream = ownsStream ? stream : null;
        Remote = remote;
        Mode = mode;
        KeyId = keyId;
        Sealer = sealer;
        Opener = opener;
    }

    /// <summary>Where frames go after the handshake.</summary>
    public Stream Stream { get; }

    /// <summary>The node id the other side proved, or null for halonctl.</summary>
    public NodeId? Remote { get; }

    public SecurityMode Mode { get; }

    /// <summary>The id of the cluster key in use, or in TLS mode of the CA that issued the other side's certificate; null without protection.</summary>
    public string? KeyId { get; }

    /// <summary>
    /// On the dialler: whether the listener said it takes datagrams (its Welcome). Outside TLS the Welcome is not
    /// authenticated: whoever alters it can only stop datagrams or make the connection fail, which cutting it does too.
    /// </summary>
    public bool PeerTakesDatagrams { get; init; }

    /// <summary>
    /// On the listener: whether the dialler (a node, never halonctl) reads frames sent back on this connection (its
    /// Hello, which the transcript authenticates). Answers to its announcements may then go back on it.
    /// </summary>
    public bool PeerReadsReplies { get; init; }

    /// <summary>Seals the frames this side sends.</summary>
    public FrameSealer Sealer { get; }

    /// <summary>Opens the frames the other side sends, or null when they are not sealed.</summary>
    public FrameOpener? Opener { get; }

    public async ValueTask DisposeAsync()
    {
        if (Sealer.Seals)
        {
            Sealer.Dispose();
        }

        Opener?.Dispose();
        if (_ownedStream is not null)
        {
            await _ownedStream.DisposeAsync().ConfigureAwait(false);
        }
    }
}
