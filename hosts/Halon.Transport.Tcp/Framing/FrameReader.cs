using System.Buffers;
using System.Buffers.Binary;

namespace Halon.Transport.Tcp.Framing;

/// <summary>
/// Reads length-prefixed frames from a stream into one reused buffer. A prefix above the limit of the call is a
/// <see cref="WireFormatException"/>; the caller closes the connection. Not thread-safe: one reader per connection.
/// </summary>
internal sealed class FrameReader : IDisposable
{
    private readonly Stream _stream;
    private readonly byte[] _header = new byte[WireProtocol.FrameHeaderBytes];
    private byte[] _buffer;
    private int _length;

    public FrameReader(Stream stream)
    {
        _stream = stream;
        _buffer = ArrayPool<byte>.Shared.Rent(WireProtocol.HandshakeFrameBytesMax);
    }

    /// <summary>The payload of the last frame read; valid until the next read.</summary>
    public ReadOnlySpan<byte> Payload => _buffer.AsSpan(0, _length);

    /// <summary>
    /// Reads one frame of at most <paramref name="frameBytesMax"/> payload bytes. Returns false on a clean end of
    /// stream before the frame began; throws <see cref="EndOfStreamException"/> if it ends inside the frame.
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

        var length = BinaryPrimitives.ReadUInt32BigEndian(_header);
        if (length > (uint)frameBytesMax)
        {
            throw new WireFormatException($"frame of {length} bytes exceeds the limit of {frameBytesMax} bytes");
        }

        if (_buffer.Length < length)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent((int)length);
        }

        _length = (int)length;
        await _stream.ReadExactlyAsync(_buffer.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
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
        var buffer = _buffer;
        _buffer = Array.Empty<byte>();
        _length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
