using System.Security.Cryptography;

namespace Halon.Transport.Tcp.Framing;

/// <summary>
/// Opens the sealed frames of one direction of one connection (see <see cref="FrameSealer"/>). It expects frame
/// numbers 0, 1, 2, ... in order: a frame that was altered, forged, replayed, reordered, reflected from the other
/// direction or sealed with another key fails its tag check, and <see cref="Open"/> throws
/// <see cref="FrameAuthenticationException"/> without yielding a byte of it. After a failure the opener is spent: the
/// caller closes the connection. Not thread-safe: one reader per direction.
/// </summary>
internal sealed class FrameOpener : IDisposable
{
    private readonly AesGcm _aead;
    private readonly long _sealedBytesMax;
    private ulong _frames;
    private long _sealedBytes;
    private bool _failed;

    public FrameOpener(byte[] key, long sealedBytesMax)
    {
        _aead = new AesGcm(key, WireProtocol.TagBytes);
        _sealedBytesMax = sealedBytesMax;
    }

    /// <summary>Frames opened so far: the number the next frame must carry.</summary>
    public ulong FramesOpened => _frames;

    /// <summary>
    /// Opens <paramref name="sealedFrame"/> (ciphertext and tag) whose length prefix was <paramref name="header"/> into
    /// <paramref name="plaintext"/>, which must hold <c>sealedFrame.Length - TagBytes</c> bytes; returns that length.
    /// </summary>
    public int Open(ReadOnlySpan<byte> header, ReadOnlySpan<byte> sealedFrame, Span<byte> plaintext)
    {
        if (_failed)
        {
            throw new InvalidOperationException("a frame failed authentication on this connection already");
        }

        var number = _frames;
        if (sealedFrame.Length < WireProtocol.TagBytes)
        {
            throw Fail(number, $"frame {number} has {sealedFrame.Length} bytes, fewer than a sealed frame's tag");
        }

        if (_sealedBytes >= _sealedBytesMax)
        {
            throw Fail(number, $"frame {number} comes after the session key carried its data budget ({_sealedBytesMax} bytes); the sender should have reconnected");
        }

        var length = sealedFrame.Length - WireProtocol.TagBytes;
        Span<byte> nonce = stackalloc byte[12];
        FrameSealer.WriteNonce(nonce, number);
        try
        {
            _aead.Decrypt(nonce, sealedFrame[..length], sealedFrame[length..], plaintext[..length], header);
        }
        catch (CryptographicException)
        {
            plaintext[..length].Clear();
            throw Fail(number, $"frame {number} failed authentication (altered, forged, replayed, reordered or reflected in transit, or sealed with another key)");
        }

        _frames++;
        _sealedBytes += sealedFrame.Length;
        return length;
    }

    public void Dispose() => _aead.Dispose();

    private FrameAuthenticationException Fail(ulong number, string message)
    {
        _failed = true;
        return new FrameAuthenticationException(number, message);
    }
}
