using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace Halon.Transport.Tcp.Framing;

/// <summary>Writing frames and the opening.</summary>
internal static class Frames
{
    /// <summary>A preamble: magic and version (tests write other values to check refusals).</summary>
    public static byte[] Preamble(uint magic = WireProtocol.Magic, uint version = WireProtocol.Version)
    {
        var preamble = new byte[WireProtocol.PreambleBytes];
        BinaryPrimitives.WriteUInt32BigEndian(preamble, magic);
        BinaryPrimitives.WriteUInt32BigEndian(preamble.AsSpan(4), version);
        return preamble;
    }

    /// <summary>The opening this build sends: the preamble, then the security mode.</summary>
    public static byte[] Opening(SecurityMode mode)
    {
        var opening = new byte[WireProtocol.OpeningBytes];
        Preamble().CopyTo(opening, 0);
        opening[WireProtocol.PreambleBytes] = (byte)mode;
        return opening;
    }

    /// <summary>Reads the one byte that ends an opening: the other side's security mode (any value; the caller judges it).</summary>
    public static async ValueTask<byte> ReadModeAsync(Stream stream, CancellationToken cancellationToken)
    {
        var mode = new byte[1];
        await stream.ReadExactlyAsync(mode, cancellationToken).ConfigureAwait(false);
        return mode[0];
    }

    /// <summary>One frame: the big-endian length, then the message.</summary>
    public static byte[] Frame(IMessage message)
    {
        var size = message.CalculateSize();
        var frame = new byte[WireProtocol.FrameHeaderBytes + size];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)size);
        message.WriteTo(frame.AsSpan(WireProtocol.FrameHeaderBytes));
        return frame;
    }

    /// <summary>One frame around an already encoded payload.</summary>
    public static void Append(ArrayBufferWriter<byte> buffer, ReadOnlySpan<byte> payload)
    {
        var span = buffer.GetSpan(WireProtocol.FrameHeaderBytes + payload.Length);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)payload.Length);
        payload.CopyTo(span[WireProtocol.FrameHeaderBytes..]);
        buffer.Advance(WireProtocol.FrameHeaderBytes + payload.Length);
    }

    /// <summary>Writes one message as a frame.</summary>
    public static ValueTask WriteAsync(Stream stream, IMessage message, CancellationToken cancellationToken) =>
        stream.WriteAsync(Frame(message), cancellationToken);

    /// <summary>Reads the other side's preamble: (magic, version). Throws <see cref="EndOfStreamException"/> when cut short.</summary>
    public static async ValueTask<(uint Magic, uint Version)> ReadPreambleAsync(Stream stream, CancellationToken cancellationToken) =>
        await TryReadPreambleAsync(stream, cancellationToken).ConfigureAwait(false) ?? throw new EndOfStreamException();

    /// <summary>
    /// Reads the preamble, or returns null when the stream ends before its first byte (a bare TCP port check). A stream
    /// that ends part-way through throws <see cref="EndOfStreamException"/>.
    /// </summary>
    public static async ValueTask<(uint Magic, uint Version)?> TryReadPreambleAsync(Stream stream, CancellationToken cancellationToken)
    {
        var preamble = new byte[WireProtocol.PreambleBytes];
        var read = await stream.ReadAtLeastAsync(preamble, 1, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return null;
        }

        await stream.ReadExactlyAsync(preamble.AsMemory(read), cancellationToken).ConfigureAwait(false);
        return (BinaryPrimitives.ReadUInt32BigEndian(preamble), BinaryPrimitives.ReadUInt32BigEndian(preamble.AsSpan(4)));
    }
}
