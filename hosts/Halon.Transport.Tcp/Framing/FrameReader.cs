using System.Buffers;
using System.Buffers.Binary;

namespace Halon.Transport.Tcp.Framing;

/// <summary>
/// Reads length-prefixed frames from a stream into reused buffers, opening them first when the connection seals its
/// frames. A prefix above the limit of the call is a <see cref="WireFormatException"/>, a frame that does not open a
/// <see cref="FrameAuthenticationException"/>; the caller closes the connection. Not thread-safe: one reader per
/// connection direction.
/// </summary>
internal sealed class FrameReader : IDisposable
{
    private readonly Stream _stream;
    private readonly FrameOpener? _opener;
    private readonly byte[] _header = new byte[WireProtocol.FrameHeaderBytes];
    private byte[] _buffer;
    private byte[] _plaintext = Array.Empty<byte>();
    private int _length;

    /// <summary>A reader of plain frames, or of sealed ones when <paramref name="opener"/> is given.</summary>
    public FrameReader(Stream stream, FrameOpener? opener = null)
    {
        _stream = stream;
        _opener = opener;
        _buffer = ArrayPool<byte>.Shared.Rent(WireProtocol.HandshakeFrameBytesMax);
    }

    /// <summary>The payload of the last frame read (opened, if sealed); valid until the next read.</summary>
    public ReadOnlySpan<byte> Payload => (_opener is null ? _buffer : _plaintext).AsSpan(0, _length);

    /// <summary>
    /// Reads one frame whose payload has at most <paramref name="frameBytesMax"/> bytes (a sealed frame may be
    /// <see cref="WireProtocol.TagBytes"/> longer on the wire). Returns false on a clean end of stream before the frame
    /// began; throws <see cref="EndOfStreamException"/> if it ends inside the frame.
    /// </summary>
    public async ValueTask<bool> TryReadAsync(int frameBytesMax, CancellationToken cancellationToken)
    {
        var headerRead = await _stream.ReadAtLeastAsync(_header, _header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (headerRead == 0)
        {
            return false;
        }

        if (headerRead < _header.Length)
        {
            throw new EndOfStreamException("the connection closed inside a frame header");
        }

        // The length is the only byte acted on before authentication: it is bounded here, and authenticated (as the
        // AEAD's associated data) before anything of the frame is used.
        var length = BinaryPrimitives.ReadUInt32BigEndian(_header);
        var wireBytesMax = (uint)frameBytesMax + (_opener is null ? 0u : WireProtocol.TagBytes);
        if (length > wireBytesMax)
        {
            throw new WireFormatException($"frame of {length} bytes exceeds the limit of {wireBytesMax} bytes");
        }

        _length = 0;
        Ensure(ref _buffer, (int)length);
        await _stream.ReadExactlyAsync(_buffer.AsMemory(0, (int)length), cancellationToken).ConfigureAwait(false);
        if (_opener is null)
        {
            _length = (int)length;
            return true;
        }

        Ensure(ref _plaintext, Math.Max(0, (int)length - WireProtocol.TagBytes));
        _length = _opener.Open(_header, _buffer.AsSpan(0, (int)length), _plaintext);
        return true;
    }

    /// <summary>Reads one frame that must be there.</summary>
    public async ValueTask ReadAsync(int frameBytesMax, CancellationToken cancellationToken)
    {
        if (!await TryReadAsync(frameBytesMax, cancellationToken).ConfigureAwait(false))
        {
            throw new EndOfStreamException("the connection closed");
        }
    }

    public void Dispose()
    {
        Return(ref _buffer);
        Return(ref _plaintext);
        _length = 0;
    }

    private static void Ensure(ref byte[] buffer, int length)
    {
        if (buffer.Length >= length)
        {
            return;
        }

        Return(ref buffer);
        buffer = ArrayPool<byte>.Shared.Rent(length);
    }

    private static void Return(ref byte[] buffer)
    {
        var old = buffer;
        buffer = Array.Empty<byte>();
        if (old.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(old);
        }
    }
}
