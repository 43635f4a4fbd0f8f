using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Google.Protobuf;

namespace Halon.Transport.Tcp.Framing;

/// <summary>
/// Writes the frames of one direction of one connection. In cluster-key mode each frame is sealed with AES-256-GCM
/// under that direction's session key: the nonce is the frame's number in this direction (never sent, never reused:
/// the keys are new for every connection), the associated data is the 4-byte length, and the 16-byte tag follows the
/// ciphertext. Otherwise (no authentication, or inside TLS) frames are written as they are. Not thread-safe: one
/// writer per direction.
/// </summary>
internal sealed class FrameSealer : IDisposable
{
    private readonly AesGcm? _aead;
    private readonly long _sealedBytesMax;
    private ulong _frames;
    private long _sealedBytes;

    private FrameSealer(AesGcm? aead, long sealedBytesMax)
    {
        _aead = aead;
        _sealedBytesMax = sealedBytesMax;
    }

    /// <summary>Frames written as they are: no key, or TLS protects them.</summary>
    public static FrameSealer Plain { get; } = new(null, long.MaxValue);

    /// <summary>Whether frames are sealed.</summary>
    public bool Seals => _aead is not null;

    /// <summary>
    /// Whether the session key has carried its data budget (<see cref="TransportOptions.SealedBytesPerKeyMax"/>): the
    /// connection must be closed and made again, with new keys, before another frame goes out. The frame that reaches
    /// the budget still goes; the receiver refuses any frame that starts after it.
    /// </summary>
    public bool Exhausted => _sealedBytes >= _sealedBytesMax;

    /// <summary>A sealer with a 32-byte session key.</summary>
    public static FrameSealer Create(byte[] key, long sealedBytesMax) => new(new AesGcm(key, WireProtocol.TagBytes), sealedBytesMax);

    /// <summary>Appends one frame holding <paramref name="payload"/>.</summary>
    public void Append(ArrayBufferWriter<byte> buffer, ReadOnlySpan<byte> payload)
    {
        if (_aead is null)
        {
            Frames.Append(buffer, payload);
            return;
        }

        var length = payload.Length + WireProtocol.TagBytes;
        var frame = buffer.GetSpan(WireProtocol.FrameHeaderBytes + length)[..(WireProtocol.FrameHeaderBytes + length)];
        Seal(frame, payload);
        buffer.Advance(frame.Length);
    }

    /// <summary>One frame holding <paramref name="message"/>.</summary>
    public byte[] Frame(IMessage message)
    {
        if (_aead is null)
        {
            return Frames.Frame(message);
        }

        var payload = message.ToByteArray();
        var frame = new byte[WireProtocol.FrameHeaderBytes + payload.Length + WireProtocol.TagBytes];
        Seal(frame, payload);
        return frame;
    }

    public void Dispose() => _aead?.Dispose();

    /// <summary>The 12-byte nonce of frame <paramref name="number"/>: four zero bytes, then the number, big-endian.</summary>
    internal static void WriteNonce(Span<byte> nonce, ulong number)
    {
        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], number);
    }

    private void Seal(Span<byte> frame, ReadOnlySpan<byte> payload)
    {
        if (Exhausted)
        {
            throw new InvalidOperationException("the session key has carried its data budget; the connection must be made again");
        }

        var length = payload.Length + WireProtocol.TagBytes;
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)length);
        Span<byte> nonce = stackalloc byte[12];
        WriteNonce(nonce, _frames);
        var body = frame[WireProtocol.FrameHeaderBytes..];
        _aead!.Encrypt(nonce, payload, body[..payload.Length], body[payload.Length..], frame[..WireProtocol.FrameHeaderBytes]);
        _frames++;
        _sealedBytes += length;
    }
}
