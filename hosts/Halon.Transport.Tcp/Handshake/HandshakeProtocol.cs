using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Halon.Core.Identity;
using Halon.Transport.Tcp.Codec;
using Halon.Transport.Tcp.Framing;
using W = Halon.Transport.Tcp.Wire;

namespace Halon.Transport.Tcp.Handshake;

/// <summary>
/// The handshake that opens every connection. Dialler: preamble + Hello. Listener: preamble + Challenge (with its
/// proof). Dialler: Proof. Listener: Welcome. With a cluster key each side proves it knows the key by an HMAC-SHA256
/// over both nonces and both identities, with a different label per direction, so the key never crosses the wire
/// and a proof cannot be reflected. Both sides must have a key or neither: a keyed side refuses an unkeyed one.
/// Timeouts come from the caller's token.
/// </summary>
internal static class HandshakeProtocol
{
    private static readonly byte[] s_listenerLabel = Encoding.ASCII.GetBytes("halon-v1 listener");
    private static readonly byte[] s_diallerLabel = Encoding.ASCII.GetBytes("halon-v1 dialler");

    /// <summary>
    /// Runs the dialler's side. <paramref name="self"/> is null for a control client. Returns the listener's node id.
    /// </summary>
    public static async Task<NodeId> DialAsync(Stream stream, NodeId? self, byte[]? key, CancellationToken cancellationToken)
    {
        var nonce = RandomNumberGenerator.GetBytes(WireProtocol.NonceBytes);
        var hello = new W.Hello { NodeId = self?.Value ?? string.Empty, Client = self is null, Nonce = ByteString.CopyFrom(nonce), Keyed = key is not null };
        var opening = Frames.Preamble().Concat(Frames.Frame(hello)).ToArray();
        await stream.WriteAsync(opening, cancellationToken).ConfigureAwait(false);

        await CheckPreambleAsync(stream, cancellationToken).ConfigureAwait(false);
        using var reader = new FrameReader(stream);
        await reader.ReadAsync(WireProtocol.HandshakeFrameBytesMax, cancellationToken).ConfigureAwait(false);
        var challenge = Parse(W.Challenge.Parser, reader.Payload, "challenge");
        var listener = ParseNodeId(challenge.NodeId, "challenge.node_id");
        var listenerNonce = CheckNonce(challenge.Nonce, "challenge.nonce");
        var diallerId = self?.Value ?? string.Empty;

        byte[] proof = Array.Empty<byte>();
        if (key is not null)
        {
            if (!challenge.Keyed)
            {
                await TryWriteAsync(stream, new W.Proof { ListenerRejected = true }, cancellationToken).ConfigureAwait(false);
                throw new HandshakeException(HandshakeFailure.AuthenticationFailed, $"{listener} runs without a cluster key (--insecure) but this side has one");
            }

            var expected = Prove(key, s_listenerLabel, nonce, listenerNonce, diallerId, listener.Value);
            if (!CryptographicOperations.FixedTimeEquals(expected, challenge.Hmac.Span))
            {
                // Tell the listener why we give up, so that its log says so too; send no proof to a node that failed its own.
                await TryWriteAsync(stream, new W.Proof { ListenerRejected = true }, cancellationToken).ConfigureAwait(false);
                throw new HandshakeException(HandshakeFailure.AuthenticationFailed, $"{listener} does not know this cluster key");
            }

            proof = Prove(key, s_diallerLabel, nonce, listenerNonce, diallerId, listener.Value);
        }

        await Frames.WriteAsync(stream, new W.Proof { Hmac = ByteString.CopyFrom(proof) }, cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(WireProtocol.HandshakeFrameBytesMax, cancellationToken).ConfigureAwait(false);
        var welcome = Parse(W.Welcome.Parser, reader.Payload, "welcome");
        if (!welcome.Accepted)
        {
            var detail = welcome.Detail.Length > WireProtocol.TextLengthMax ? welcome.Detail[..WireProtocol.TextLengthMax] : welcome.Detail;
            throw welcome.Reason == W.RejectReason.AuthenticationFailed
                ? new HandshakeException(HandshakeFailure.AuthenticationFailed, $"{listener} refused the cluster key proof: {detail}")
                : new HandshakeException(HandshakeFailure.Rejected, $"{listener} refused the connection: {detail}");
        }

        return listener;
    }

    /// <summary>
    /// Runs the listener's side. Returns the dialler's node id, or null for a control client (halonctl).
    /// </summary>
    public static async Task<NodeId?> AcceptAsync(Stream stream, NodeId self, byte[]? key, CancellationToken cancellationToken)
    {
        var (magic, version) = await Frames.TryReadPreambleAsync(stream, cancellationToken).ConfigureAwait(false)
            ?? throw new HandshakeException(HandshakeFailure.ClosedSilently, "closed without sending anything (a port check?)");
        if (magic != WireProtocol.Magic)
        {
            throw new HandshakeException(HandshakeFailure.WrongMagic, $"wrong magic 0x{magic:x8}; not a Halon node or halonctl");
        }

        // Answer with our own preamble before judging the version, so that the dialler can say which version we speak.
        await stream.WriteAsync(Frames.Preamble(), cancellationToken).ConfigureAwait(false);
        if (version != WireProtocol.Version)
        {
            throw new HandshakeException(HandshakeFailure.WrongVersion, $"protocol version {version} is not supported (this node speaks {WireProtocol.Version})", version);
        }

        using var reader = new FrameReader(stream);
        await reader.ReadAsync(WireProtocol.HandshakeFrameBytesMax, cancellationToken).ConfigureAwait(false);
        var hello = Parse(W.Hello.Parser, reader.Payload, "hello");
        var diallerNonce = CheckNonce(hello.Nonce, "hello.nonce");
        NodeId? dialler = null;
        if (hello.Client)
        {
            if (hello.NodeId.Length != 0)
            {
                throw new HandshakeException(HandshakeFailure.Malformed, "hello names a node id and the client marker at once");
            }
        }
        else
        {
            dialler = ParseNodeId(hello.NodeId, "hello.node_id");
        }

        var diallerId = dialler?.Value ?? string.Empty;
        var nonce = RandomNumberGenerator.GetBytes(WireProtocol.NonceBytes);
        var challenge = new W.Challenge { NodeId = self.Value, Nonce = ByteString.CopyFrom(nonce), Keyed = key is not null };
        if (key is not null)
        {
            challenge.Hmac = ByteString.CopyFrom(Prove(key, s_listenerLabel, diallerNonce, nonce, diallerId, self.Value));
        }

        await Frames.WriteAsync(stream, challenge, cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(WireProtocol.HandshakeFrameBytesMax, cancellationToken).ConfigureAwait(false);
        var proof = Parse(W.Proof.Parser, reader.Payload, "proof");
        var who = dialler is null ? "halonctl" : dialler.Value;
        if (proof.ListenerRejected)
        {
            throw new HandshakeException(
                HandshakeFailure.AuthenticationFailed,
                key is null ? $"{who} has a cluster key and this node has none" : $"{who} found this node's cluster key proof wrong (the keys differ)");
        }

        if (key is not null)
        {
            var expected = Prove(key, s_diallerLabel, diallerNonce, nonce, diallerId, self.Value);
            if (!CryptographicOperations.FixedTimeEquals(expected, proof.Hmac.Span))
            {
                await TryWriteAsync(stream, new W.Welcome { Accepted = false, Reason = W.RejectReason.AuthenticationFailed, Detail = "wrong or missing cluster key" }, cancellationToken).ConfigureAwait(false);

                throw new HandshakeException(HandshakeFailure.AuthenticationFailed, $"{who} sent {(proof.Hmac.IsEmpty ? "no cluster key proof (it has no key)" : "a wrong cluster key proof")}");
            }
        }

        await Frames.WriteAsync(stream, new W.Welcome { Accepted = true }, cancellationToken).ConfigureAwait(false);
        return dialler;
    }

    /// <summary>The proof of one direction: HMAC-SHA256 over the label, both nonces and both ids, each length-prefixed.</summary>
    internal static byte[] Prove(byte[] key, byte[] label, byte[] diallerNonce, byte[] listenerNonce, string diallerId, string listenerId)
    {
        using var transcript = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var part in new[] { label, diallerNonce, listenerNonce, Encoding.UTF8.GetBytes(diallerId), Encoding.UTF8.GetBytes(listenerId) })
        {
            BinaryPrimitives.WriteInt32BigEndian(length, part.Length);
            transcript.Write(length);
            transcript.Write(part);
        }

        return HMACSHA256.HashData(key, transcript.ToArray());
    }

    /// <summary>Writes a farewell frame; the other side may be gone already, and the caller fails with a better reason anyway.</summary>
    private static async Task TryWriteAsync(Stream stream, IMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await Frames.WriteAsync(stream, message, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
        }
    }

    private static async Task CheckPreambleAsync(Stream stream, CancellationToken cancellationToken)
    {
        var (magic, version) = await Frames.ReadPreambleAsync(stream, cancellationToken).ConfigureAwait(false);
        if (magic != WireProtocol.Magic)
        {
            throw new HandshakeException(HandshakeFailure.WrongMagic, $"the other side is not a halond (magic 0x{magic:x8})");
        }

        if (version != WireProtocol.Version)
        {
            throw new HandshakeException(HandshakeFailure.WrongVersion, $"protocol version {version} is not supported (this side speaks {WireProtocol.Version})", version);
        }
    }

    private static byte[] CheckNonce(ByteString nonce, string field)
    {
        if (nonce.Length != WireProtocol.NonceBytes)
        {
            throw new HandshakeException(HandshakeFailure.Malformed, $"{field} has {nonce.Length} bytes, not {WireProtocol.NonceBytes}");
        }

        return nonce.ToByteArray();
    }

    private static NodeId ParseNodeId(string text, string field)
    {
        if (!NodeId.TryParse(text, out var id, out var error))
        {
            throw new HandshakeException(HandshakeFailure.Malformed, $"{field}: {error}");
        }

        return id;
    }

    private static T Parse<T>(MessageParser<T> parser, ReadOnlySpan<byte> payload, string what)
        where T : IMessage<T>
    {
        try
        {
            return ControlCodec.Parse(parser, payload, what);
        }
        catch (WireFormatException e)
        {
            throw new HandshakeException(HandshakeFailure.Malformed, e.Message);
        }
    }
}
