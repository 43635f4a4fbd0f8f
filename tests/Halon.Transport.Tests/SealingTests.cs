using System.Buffers;
using System.Security.Cryptography;
using Halon.Transport.Tcp;
using Halon.Transport.Tcp.Framing;

namespace Halon.Transport.Tests;

/// <summary>
/// Sealed frames on their own: every way a frame can be tampered with in transit is a
/// <see cref="FrameAuthenticationException"/>, and nothing of the frame comes out.
/// </summary>
public sealed class SealingTests
{
    private static readonly byte[] s_key = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] s_otherKey = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public async Task Frames_open_in_order_with_their_payloads()
    {
        var payloads = new[] { "first"u8.ToArray(), Array.Empty<byte>(), RandomNumberGenerator.GetBytes(5000) };
        var stream = Seal(s_key, payloads);
        using var opener = new FrameOpener(s_key, long.MaxValue);
        using var reader = new FrameReader(new MemoryStream(stream), opener);
        foreach (var payload in payloads)
        {
            Assert.True(await reader.TryReadAsync(WireProtocol.FrameBytesMax, CancellationToken.None));
            Assert.Equal(payload, reader.Payload.ToArray());
        }

        Assert.False(await reader.TryReadAsync(WireProtocol.FrameBytesMax, CancellationToken.None));
        Assert.Equal(3ul, opener.FramesOpened);
    }

    [Fact]
    public void The_ciphertext_hides_the_payload_and_differs_per_frame()
    {
        var payload = "AppendEntries of term 7 from ts01:9070"u8.ToArray();
        var sealedFrames = Seal(s_key, [payload, payload]);
        var first = sealedFrames.AsSpan(0, sealedFrames.Length / 2);
        var second = sealedFrames.AsSpan(sealedFrames.Length / 2);
        Assert.Equal(-1, first.IndexOf("ts01"u8));
        Assert.False(first[4..].SequenceEqual(second[4..]), "two frames with the same payload look the same on the wire");
    }

    [Fact]
    public void Every_single_bit_flip_of_a_frame_fails_authentication()
    {
        var frame = Seal(s_key, ["a vote request"u8.ToArray()]);
        for (var bit = 0; bit < frame.Length * 8; bit++)
        {
            var copy = (byte[])frame.Clone();
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
            using var opener = new FrameOpener(s_key, long.MaxValue);
            var length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(copy);
            if (length != copy.Length - 4)
            {
                continue; // A flipped length bit changes where the frame ends: the reader refuses or waits; see the reader's tests.
            }

            var plaintext = new byte[Math.Max(0, length - WireProtocol.TagBytes)];
            Assert.Throws<FrameAuthenticationException>(() => opener.Open(copy.AsSpan(0, 4), copy.AsSpan(4), plaintext));
            Assert.All(plaintext, b => Assert.Equal(0, b));
        }
    }

    [Fact]
    public void A_replayed_frame_fails_authentication()
    {
        var frame = Seal(s_key, ["heartbeat"u8.ToArray()]);
        using var opener = new FrameOpener(s_key, long.MaxValue);
        Open(opener, frame);
        var e = Assert.Throws<FrameAuthenticationException>(() => Open(opener, frame));
        Assert.Equal(1ul, e.FrameNumber);
    }

    [Fact]
    public void Two_frames_swapped_fail_authentication()
    {
        var frames = Split(Seal(s_key, ["one"u8.ToArray(), "two"u8.ToArray()]));
        using var opener = new FrameOpener(s_key, long.MaxValue);
        Assert.Throws<FrameAuthenticationException>(() => Open(opener, frames[1]));
    }

    [Fact]
    public void A_frame_sealed_with_another_key_or_for_the_other_direction_fails_authentication()
    {
        var frame = Seal(s_otherKey, ["reflected or forged"u8.ToArray()]);
        using var opener = new FrameOpener(s_key, long.MaxValue);
        Assert.Throws<FrameAuthenticationException>(() => Open(opener, frame));
    }

    [Fact]
    public void A_frame_shorter_than_a_tag_fails_and_the_opener_is_spent_after_a_failure()
    {
        using var opener = new FrameOpener(s_key, long.MaxValue);
        var e = Assert.Throws<FrameAuthenticationException>(() => opener.Open(new byte[] { 0, 0, 0, 3 }, new byte[3], Array.Empty<byte>()));
        Assert.Contains("fewer than a sealed frame's tag", e.Message, StringComparison.Ordinal);
        var good = Seal(s_key, ["x"u8.ToArray()]);
        Assert.Throws<InvalidOperationException>(() => Open(opener, good));
    }

    [Fact]
    public void The_sender_stops_at_the_data_budget_and_the_receiver_refuses_frames_past_it()
    {
        const long budget = 100;
        using var sealer = FrameSealer.Create(s_key, budget);
        var buffer = new ArrayBufferWriter<byte>();
        sealer.Append(buffer, new byte[60]);
        Assert.False(sealer.Exhausted);
        sealer.Append(buffer, new byte[60]);
        Assert.True(sealer.Exhausted);
        Assert.Throws<InvalidOperationException>(() => sealer.Append(buffer, new byte[1]));

        using var overBudget = FrameSealer.Create(s_key, long.MaxValue);
        var three = new ArrayBufferWriter<byte>();
        for (var i = 0; i < 3; i++)
        {
            overBudget.Append(three, new byte[60]);
        }

        using var opener = new FrameOpener(s_key, budget);
        var frames = Split(three.WrittenSpan.ToArray());
        Open(opener, frames[0]);
        Open(opener, frames[1]);
        var e = Assert.Throws<FrameAuthenticationException>(() => Open(opener, frames[2]));
        Assert.Contains("data budget", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reader_bounds_a_sealed_frame_by_the_limit_plus_the_tag()
    {
        var header = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header, (uint)(1024 + WireProtocol.TagBytes + 1));
        using var opener = new FrameOpener(s_key, long.MaxValue);
        using var reader = new FrameReader(new MemoryStream(header), opener);
        var e = await Assert.ThrowsAsync<WireFormatException>(async () => await reader.TryReadAsync(1024, CancellationToken.None));
        Assert.Contains("exceeds the limit of 1040 bytes", e.Message, StringComparison.Ordinal);
    }

    internal static byte[] Seal(byte[] key, IEnumerable<byte[]> payloads)
    {
        using var sealer = FrameSealer.Create(key, long.MaxValue);
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var payload in payloads)
        {
            sealer.Append(buffer, payload);
        }

        return buffer.WrittenSpan.ToArray();
    }

    internal static byte[] Open(FrameOpener opener, byte[] frame)
    {
        var plaintext = new byte[Math.Max(0, frame.Length - 4 - WireProtocol.TagBytes)];
        var length = opener.Open(frame.AsSpan(0, 4), frame.AsSpan(4), plaintext);
        return plaintext[..length];
    }

    internal static List<byte[]> Split(byte[] frames)
    {
        var list = new List<byte[]>();
        var offset = 0;
        while (offset < frames.Length)
        {
            var length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(frames.AsSpan(offset));
            list.Add(frames.AsSpan(offset, 4 + length).ToArray());
            offset += 4 + length;
        }

        return list;
    }
}
