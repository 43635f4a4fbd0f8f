using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Halon.Core.Identity;
using Halon.Transport.Tcp.Codec;
using Halon.Transport.Tcp.Framing;
using Halon.Transport.Tcp.Security;
using W = Halon.Transport.Tcp.Wire;

namespace Halon.Transport.Tcp.Handshake;

/// <summary>
/// The handshake that opens every connection (protocol version 2). Each side sends its opening: magic, version and
/// security mode; a side whose mode differs from its own gives up with a message naming both, so there is no
/// negotiation to talk anyone down. In TLS mode a mutual TLS 1.3 session follows and the rest runs inside it. Then:
/// dialler Hello, listener Challenge, dialler Proof, listener Welcome.
/// </summary>
/// <remarks>
/// <para>
/// In cluster-key mode the Hello offers the ids of the dialler's keys (the next key first during a roll) and the
/// listener picks the first one it holds. Both sides hash the transcript: both openings, the Hello exactly as sent
/// (dialler id, its nonce, the offered key ids), the listener's id, its nonce and the chosen key id. From the key's
/// HKDF-SHA256 PRK, HKDF-Expand with a label and that hash gives four values: the listener's proof (in the
/// Challenge), the dialler's proof (in the Proof), and one session key per direction. The proofs show each side knows
/// the key without revealing it, and bind the whole handshake: a Hello, a Challenge or a key choice altered in transit
/// makes a proof fail. The session keys are new for every connection (both nonces are fresh) and differ per direction.
/// </para>
/// <para>
/// In TLS mode each side checks that the other's certificate names the node id it claims (halonctl claims none). In
/// every mode the listener's Welcome ends the handshake; a Welcome forged in transit can only make the connection
/// fail, as cutting it would. Timeouts come from the caller's token.
/// </para>
/// </remarks>
internal static class HandshakeProtocol
{
    private static readonly byte[] s_transcriptLabel = Encoding.ASCII.GetBytes("halon-v2 transcript");
    private static readonly byte[] s_listenerProofLabel = Encoding.ASCII.GetBytes("halon-v2 listener proof");
    private static readonly byte[] s_diallerProofLabel = Encoding.ASCII.GetBytes("halon-v2 dialler proof");
    private static readonly byte[] s_diallerToListenerLabel = Encoding.ASCII.GetBytes("halon-v2 dialler-to-listener key");
    private static readonly byte[] s_listenerToDiallerLabel = Encoding.ASCII.GetBytes("halon-v2 listener-to-dialler key");

    /// <summary>
    /// Runs the dialler's side towards <paramref name="target"/> (the address dialled). <paramref name="self"/> is
    /// null for a control client. The result's <see cref="HandshakeResult.Remote"/> is the listener's node id.
    /// </summary>
    public static async Task<HandshakeResult> DialAsync(Stream stream, NodeId target, NodeId? self, TransportSecurity security, long sealedBytesMax, CancellationToken cancellationToken)
    {
        var opening = Frames.Opening(security.Mode);
        var nonce = RandomNumberGenerator.GetBytes(WireProtocol.NonceBytes);
        var hello = new W.Hello { NodeId = self?.Value ?? string.Empty, Client = self is null, Nonce = ByteString.CopyFrom(nonce), ReadsReplies = self is not null };
        foreach (var key in security.Keys?.Offered ?? [])
        {
            hello.KeyIds.Add(ByteString.CopyFrom(key.IdBytes));
        }

        var helloPayload = hello.ToByteArray();
        var helloFrame = new byte[WireProtocol.FrameHeaderBytes + helloPayload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(helloFrame, (uint)helloPayload.Length);
        helloPayload.CopyTo(helloFrame, WireProtocol.FrameHeaderBytes);

        // Outside TLS the Hello goes with the opening: one round trip fewer.
        await stream.WriteAsync(security.Mode == SecurityMode.Tls ? opening : [.. opening, .. helloFrame], cancellationToken).ConfigureAwait(false);
        var listenerOpening = await ReadListenerOpeningAsync(stream, target, security.Mode, cancellationToken).ConfigureAwait(false);

        var channel = stream;
        TlsHandshake.Session? tls = null;
        if (security.Mode == SecurityMode.Tls)
        {
            tls = await TlsHandshake.ClientAsync(stream, target, security.Tls!, cancellationToken).ConfigureAwait(false);
            channel = tls.Stream;
            await channel.WriteAsync(helloFrame, cancellationToken).ConfigureAwait(false);
        }

        FrameSealer? sealer = null;
        FrameOpener? opener = null;
        try
        {
            using var reader = new FrameReader(channel);
            await reader.ReadAsync(WireProtocol.HandshakeFrameBytesMax, cancellationToken).ConfigureAwait(false);
            var challenge = Parse(W.Challenge.Parser, reader.Payload, "challenge");
            if (challenge.Refused != W.RejectReason.None)
            {
                throw new HandshakeException(HandshakeFailure.AuthenticationFailed, Clip(challenge.Detail));
            }

            var listener = ParseNodeId(challenge.NodeId, "challenge.node_id");
            var listenerNonce = CheckNonce(challenge.Nonce, "challenge.nonce");
            var proof = new W.Proof();
            string? keyId = null;
            if (security.Keys is { } keys)
            {
                var key = keys.Find(challenge.KeyId.Span)
                    ?? throw new HandshakeException(HandshakeFailure.Malformed, $"{listener} chose key {Convert.ToHexStringLower(challenge.KeyId.Span)}, which this side did not offer");
                var transcript = Transcript(opening, listenerOpening, helloPayload, listener, listenerNonce, key.IdBytes);
                if (!CryptographicOperations.FixedTimeEquals(key.Expand(s_listenerProofLabel, transcript), challenge.Proof.Span))
                {
                    await TryWriteAsync(channel, new W.Proof { ListenerRejected = true, Detail = "wrong listener proof" }, cancellationToken).ConfigureAwait(false);
                    throw new HandshakeException(HandshakeFailure.AuthenticationFailed, $"{listener} sent a wrong proof for cluster key {key.Id}: the handshake was altered in transit");
                }

                proof.ProofBytes = ByteString.CopyFrom(key.Expand(s_diallerProofLabel, transcript));
                sealer = FrameSealer.Create(key.Expand(s_diallerToListenerLabel, transcript), sealedBytesMax);
                opener = new FrameOpener(key.Expand(s_listenerToDiallerLabel, transcript), sealedBytesMax);
                keyId = key.Id;
            }
            else if (tls is not null)
            {
                var names = CertificateNames.Of(tls.Certificate);
                if (!names.Name(listener))
                {
                    var detail = $"the certificate of {listener} does not name it (it names {names})";
                    await TryWriteAsync(channel, new W.Proof { ListenerRejected = true, Detail = detail }, cancellationToken).ConfigureAwait(false);
                    throw new HandshakeException(HandshakeFailure.AuthenticationFailed, detail);
                }

                keyId = tls.AuthorityId;
            }

            await Frames.WriteAsync(channel, proof, cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(WireProtocol.HandshakeFrameBytesMax, cancellationToken).ConfigureAwait(false);
            var welcome = Parse(W.Welcome.Parser, reader.Payload, "welcome");
            if (!welcome.Accepted)
            {
                throw welcome.Reason == W.RejectReason.AuthenticationFailed
                    ? new HandshakeException(HandshakeFailure.AuthenticationFailed, $"{listener} refused the handshake: {Clip(welcome.Detail)}")
                    : new HandshakeException(HandshakeFailure.Rejected, $"{listener} refused the connection: {Clip(welcome.Detail)}");
            }

            return new HandshakeResult(channel, ownsStream: tls is not null, listener, security.Mode, keyId, sealer ?? FrameSealer.Plain, opener)
            {
                PeerTakesDatagrams = welcome.Datagrams,
            };
        }
        catch
        {
            sealer?.Dispose();
            opener?.Dispose();
            if (tls is not null)
            {
                await tls.Stream.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// Runs the listener's side. The result's <see cref="HandshakeResult.Remote"/> is the dialler's node id, or null
    /// for a control client (halonctl).
    /// </summary>
    public static async Task<HandshakeResult> AcceptAsync(Stream stream, NodeId self, TransportSecurity security, long sealedBytesMax, CancellationToken cancellationToken, bool takesDatagrams = false)
    {
        var (magic, version) = await Frames.TryReadPreambleAsync(stream, cancellationToken).ConfigureAwait(false)
            ?? throw new HandshakeException(HandshakeFailure.ClosedSilently, "closed without sending anything (a port check?)");
        if (magic != WireProtocol.Magic)
        {
            throw new HandshakeException(HandshakeFailure.WrongMagic, $"wrong magic 0x{magic:x8}; not a Halon node or halonctl");
        }

        // Answer with our own opening before judging the version, so that the dialler can say which version we speak.
        var opening = Frames.Opening(security.Mode);
        await stream.WriteAsync(opening, cancellationToken).ConfigureAwait(false);
        if (version != WireProtocol.Version)
        {
            throw new HandshakeException(
                HandshakeFailure.WrongVersion,
                $"protocol version {version} is not supported (this node speaks {WireProtocol.Version}); upgrade that node or halonctl",
                version);
        }

        var diallerMode = await Frames.ReadModeAsync(stream, cancellationToken).ConfigureAwait(false);
        var diallerOpening = Frames.Preamble().Append(diallerMode).ToArray();
        if (diallerMode != (byte)security.Mode)
        {
            throw await ModeMismatchAtListenerAsync(stream, diallerMode, security.Mode, cancellationToken).ConfigureAwait(false);
        }

        var channel = stream;
        TlsHandshake.Session? tls = null;
        if (security.Mode == SecurityMode.Tls)
        {
            tls = await TlsHandshake.ServerAsync(stream, security.Tls!, cancellationToken).ConfigureAwait(false);
            channel = tls.Stream;
        }

        FrameSealer? sealer = null;
        FrameOpener? opener = null;
        try
        {
            using var reader = new FrameReader(channel);
            await reader.ReadAsync(WireProtocol.HandshakeFrameBytesMax, cancellationToken).ConfigureAwait(false);
            var helloPayload = reader.Payload.ToArray();
            var hello = Parse(W.Hello.Parser, helloPayload, "hello");
            var dialler = ParseHelloIdentity(hello);
            CheckNonce(hello.Nonce, "hello.nonce");
            var who = dialler?.Value ?? "halonctl";
            var nonce = RandomNumberGenerator.GetBytes(WireProtocol.NonceBytes);
            var challenge = new W.Challenge { NodeId = self.Value, Nonce = ByteString.CopyFrom(nonce) };
            ClusterKeys.Entry? key = null;
            byte[]? transcript = null;
            string? keyId = null;
            if (security.Keys is { } keys)
            {
                key = ChooseKey(hello, keys);
                if (key is null)
                {
                    var offered = string.Join(", ", hello.KeyIds.Select(id => Convert.ToHexStringLower(id.Span)));
                    challenge.Refused = W.RejectReason.AuthenticationFailed;
                    challenge.Detail = $"wrong cluster key: this side offers key {offered}, the node holds {keys.Describe()}";
                    await TryWriteAsync(channel, challenge, cancellationToken).ConfigureAwait(false);
                    throw new HandshakeException(HandshakeFailure.AuthenticationFailed, $"{who} offers cluster key {offered}, and this node holds {keys.Describe()}: the keys differ");
                }

                transcript = Transcript(diallerOpening, opening, helloPayload, self, nonce, key.IdBytes);
                challenge.KeyId = ByteString.CopyFrom(key.IdBytes);
                challenge.Proof = ByteString.CopyFrom(key.Expand(s_listenerProofLabel, transcript));
                keyId = key.Id;
            }
            else if (tls is not null)
            {
                var names = CertificateNames.Of(tls.Certificate);
                if (dialler is not null && !names.Name(dialler))
                {
                    challenge.Refused = W.RejectReason.AuthenticationFailed;
                    challenge.Detail = $"this side's certificate does not name its node id {dialler} (it names {names})";
                    await TryWriteAsync(channel, challenge, cancellationToken).ConfigureAwait(false);
                    throw new HandshakeException(HandshakeFailure.AuthenticationFailed, $"the dialler claims to be {dialler}, but its certificate ({tls.Certificate.Subject}) names {names}");
                }

                keyId = tls.AuthorityId;
            }

            await Frames.WriteAsync(channel, challenge, cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(WireProtocol.HandshakeFrameBytesMax, cancellationToken).ConfigureAwait(false);
            var proof = Parse(W.Proof.Parser, reader.Payload, "proof");
            if (proof.ListenerRejected)
            {
                throw new HandshakeException(HandshakeFailure.AuthenticationFailed, $"{who} refused this node's {(key is not null ? "cluster key proof (the handshake was altered in transit)" : "certificate")}: {Clip(proof.Detail)}");
            }

            if (key is not null)
            {
                if (!CryptographicOperations.FixedTimeEquals(key.Expand(s_diallerProofLabel, transcript!), proof.ProofBytes.Span))
                {
                    await TryWriteAsync(channel, new W.Welcome { Accepted = false, Reason = W.RejectReason.AuthenticationFailed, Detail = "wrong cluster key proof" }, cancellationToken).ConfigureAwait(false);
                    throw new HandshakeException(HandshakeFailure.AuthenticationFailed, $"{who} sent a wrong proof for cluster key {key.Id}: the handshake was altered in transit");
                }

                sealer = FrameSealer.Create(key.Expand(s_listenerToDiallerLabel, transcript!), sealedBytesMax);
                opener = new FrameOpener(key.Expand(s_diallerToListenerLabel, transcript!), sealedBytesMax);
            }

            await Frames.WriteAsync(channel, new W.Welcome { Accepted = true, Datagrams = takesDatagrams }, cancellationToken).ConfigureAwait(false);
            return new HandshakeResult(channel, ownsStream: tls is not null, dialler, security.Mode, keyId, sealer ?? FrameSealer.Plain, opener)
            {
                PeerReadsReplies = dialler is not null && hello.ReadsReplies,
            };
        }
        catch
        {
            sealer?.Dispose();
            opener?.Dispose();
            if (tls is not null)
            {
                await tls.Stream.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// The transcript hash: SHA-256 over a label, both openings (magic, version, mode), the Hello as sent (dialler id,
    /// dialler nonce, offered key ids), the listener's id and nonce, and the chosen key id; each part length-prefixed.
    /// </summary>
    internal static byte[] Transcript(ReadOnlySpan<byte> diallerOpening, ReadOnlySpan<byte> listenerOpening, ReadOnlySpan<byte> hello, NodeId listener, ReadOnlySpan<byte> listenerNonce, ReadOnlySpan<byte> keyId)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, s_transcriptLabel);
        Append(hash, diallerOpening);
        Append(hash, listenerOpening);
        Append(hash, hello);
        Append(hash, Encoding.UTF8.GetBytes(listener.Value));
        Append(hash, listenerNonce);
        Append(hash, keyId);
        return hash.GetHashAndReset();
    }

    private static void Append(IncrementalHash hash, ReadOnlySpan<byte> part)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, part.Length);
        hash.AppendData(length);
        hash.AppendData(part);
    }

    /// <summary>The first offered key this node holds, or null; an offer out of bounds is malformed.</summary>
    private static ClusterKeys.Entry? ChooseKey(W.Hello hello, ClusterKeys keys)
    {
        if (hello.KeyIds.Count is 0 or > WireProtocol.KeyIdsMax || hello.KeyIds.Any(id => id.Length != WireProtocol.KeyIdBytes))
        {
            throw new HandshakeException(HandshakeFailure.Malformed, $"hello offers {hello.KeyIds.Count} key ids; 1 to {WireProtocol.KeyIdsMax} of {WireProtocol.KeyIdBytes} bytes are expected");
        }

        return hello.KeyIds.Select(id => keys.Find(id.Span)).FirstOrDefault(key => key is not null);
    }

    /// <summary>
    /// Reads the listener's opening and checks it: magic, version, and the same mode as this side's. Returns it.
    /// </summary>
    private static async Task<byte[]> ReadListenerOpeningAsync(Stream stream, NodeId target, SecurityMode mode, CancellationToken cancellationToken)
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

        var listenerMode = await Frames.ReadModeAsync(stream, cancellationToken).ConfigureAwait(false);
        if (listenerMode != (byte)mode)
        {
            if (!Enum.IsDefined((SecurityMode)listenerMode))
            {
                throw new HandshakeException(HandshakeFailure.Malformed, $"{target} names an unknown security mode {listenerMode}");
            }

            var theirs = (SecurityMode)listenerMode;
            throw new HandshakeException(HandshakeFailure.ModeMismatch, $"{target} {theirs.Practice()}, but this side {mode.Practice()}", remoteMode: theirs, localMode: mode);
        }

        return Frames.Preamble().Append(listenerMode).ToArray();
    }

    /// <summary>
    /// The listener's failure for a dialler of another mode. A dialler outside TLS sent its Hello with its opening, so
    /// the log can name it; the Hello is only read for that, and nothing else of it is used.
    /// </summary>
    private static async Task<HandshakeException> ModeMismatchAtListenerAsync(Stream stream, byte diallerMode, SecurityMode mode, CancellationToken cancellationToken)
    {
        if (!Enum.IsDefined((SecurityMode)diallerMode))
        {
            return new HandshakeException(HandshakeFailure.Malformed, $"the dialler names an unknown security mode {diallerMode}");
        }

        var theirs = (SecurityMode)diallerMode;
        var who = "the dialler";
        if (theirs != SecurityMode.Tls)
        {
            try
            {
                using var reader = new FrameReader(stream);
                await reader.ReadAsync(WireProtocol.HandshakeFrameBytesMax, cancellationToken).ConfigureAwait(false);
                who = ParseHelloIdentity(Parse(W.Hello.Parser, reader.Payload, "hello"))?.Value ?? "halonctl";
            }
            catch (Exception e) when (e is HandshakeException or WireFormatException or IOException or OperationCanceledException)
            {
            }
        }

        var message = (theirs, mode) switch
        {
            (SecurityMode.Insecure, SecurityMode.ClusterKey) => $"{who} has no cluster key, and this node requires one",
            (SecurityMode.ClusterKey, SecurityMode.Insecure) => $"{who} has a cluster key and this node has none",
            _ => $"{who} {theirs.Practice()}, but this node {mode.Practice()}",
        };
        return new HandshakeException(HandshakeFailure.ModeMismatch, message, remoteMode: theirs, localMode: mode);
    }

    private static NodeId? ParseHelloIdentity(W.Hello hello)
    {
        if (!hello.Client)
        {
            return ParseNodeId(hello.NodeId, "hello.node_id");
        }

        if (hello.NodeId.Length != 0)
        {
            throw new HandshakeException(HandshakeFailure.Malformed, "hello names a node id and the client marker at once");
        }

        return null;
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

    private static string Clip(string text) => text.Length > WireProtocol.TextLengthMax ? text[..WireProtocol.TextLengthMax] : text;

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
