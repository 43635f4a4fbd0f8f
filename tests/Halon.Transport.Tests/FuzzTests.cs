using System.Buffers.Binary;
using Google.Protobuf;
using Halon.Transport.Tcp;
using Halon.Transport.Tcp.Codec;
using Halon.Transport.Tcp.Framing;

namespace Halon.Transport.Tests;

/// <summary>
/// Seeded decoder fuzzing: random bytes, every truncation and random bit flips of valid payloads. Each case must
/// decode or throw <see cref="WireFormatException"/>; any other exception, or a hang, fails. A failure names the seed
/// and the case, which replay it.
/// </summary>
public sealed class FuzzTests
{
    private const int Seed = 20261126;

    [Fact(Timeout = 60_000)]
    public async Task Message_decoder_survives_random_bytes_truncations_and_bit_flips()
    {
        var cases = await Task.Run(() =>
        {
            var random = new Random(Seed);
            var count = 0;
            for (var i = 0; i < 4000; i++)
            {
                var bytes = new byte[random.Next(0, 300)];
                random.NextBytes(bytes);
                Expect(() => MessageCodec.Decode(bytes), $"seed {Seed}, random case {i}");
                count++;
            }

            foreach (var message in Samples.All)
            {
                var payload = MessageCodec.Encode(message);
                count += Mutate(payload, random, bytes => Expect(() => MessageCodec.Decode(bytes), $"seed {Seed}, {message.GetType().Name}"));
            }

            return count;
        });

        Assert.True(cases > 10_000, $"only {cases} cases ran");
    }

    [Fact(Timeout = 60_000)]
    public async Task Control_decoders_survive_random_bytes_truncations_and_bit_flips()
    {
        var cases = await Task.Run(() =>
        {
            var random = new Random(Seed + 1);
            var count = 0;
            for (var i = 0; i < 2000; i++)
            {
                var bytes = new byte[random.Next(0, 200)];
                random.NextBytes(bytes);
                Expect(() => ControlCodec.DecodeRequest(bytes), $"seed {Seed + 1}, random request {i}");
                Expect(() => DecodeStatus(bytes), $"seed {Seed + 1}, random response {i}");
                count += 2;
            }

            var requests = new ControlCommand[]
                {
                    new BootstrapStationCommand(Samples.Station),
                    new BootstrapSatelliteCommand(Samples.Station),
                    GetStatusCommand.Instance,
                    new JoinStationCommand("halon-0123456789abcdef", Halon.Core.StationTiming.Lan, Samples.Station),
                    new ChangeStationCommand(new Halon.Core.Protocol.ReplacePeer(Samples.C, Samples.D)),
                }
                .Select(c => ControlCodec.ToRequest(5, c).ToByteArray());
            foreach (var request in requests)
            {
                count += Mutate(request, random, bytes => Expect(() => ControlCodec.DecodeRequest(bytes), $"seed {Seed + 1}, request"));
            }

            var responses = ControlCodec.ToStatusResponses(5, Samples.Status(3), Samples.Transport())
                .Concat(ControlCodec.ToStatusResponses(6, Samples.SatelliteStatus()))
                .Concat(ControlCodec.ToStatusResponses(7, Samples.RemovedPeerStatus()))
                .Append(ControlCodec.ToResponse(8, new Halon.Core.Protocol.MembershipResult(Halon.Core.Protocol.MembershipOutcome.NotCoordinator, "the master is 10.0.0.1:9070", Samples.A, 12, Samples.Joining)))
                .Select(r => r.ToByteArray());
            foreach (var response in responses)
            {
                count += Mutate(response, random, bytes => Expect(() => DecodeStatus(bytes), $"seed {Seed + 1}, status"));
            }

            return count;
        });

        Assert.True(cases > 5_000, $"only {cases} cases ran");
    }

    [Fact(Timeout = 60_000)]
    public async Task Frame_reader_survives_random_streams()
    {
        var random = new Random(Seed + 2);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            if (i % 2 == 0 && bytes.Length >= 4)
            {
                BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)random.Next(0, 80)); // Plausible lengths too.
            }

            using var reader = new FrameReader(new MemoryStream(bytes));
            try
            {
                while (await reader.TryReadAsync(WireProtocol.HandshakeFrameBytesMax, CancellationToken.None))
                {
                    Expect(() => MessageCodec.Decode(reader.Payload), $"seed {Seed + 2}, stream {i}");
                }
            }
            catch (Exception e) when (e is WireFormatException or EndOfStreamException)
            {
            }
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Sealed_frames_survive_random_bytes_truncations_and_bit_flips_and_never_open_when_altered()
    {
        var cases = await Task.Run(() =>
        {
            var random = new Random(Seed + 3);
            var key = new byte[32];
            random.NextBytes(key);
            var count = 0;
            for (var i = 0; i < 4000; i++)
            {
                var bytes = new byte[random.Next(0, 200)];
                random.NextBytes(bytes);
                ExpectRefused(key, bytes, $"seed {Seed + 3}, random sealed frame {i}");
                count++;
            }

            foreach (var message in Samples.All)
            {
                var payload = MessageCodec.Encode(message);
                var frame = SealingTests.Seal(key, [payload]);
                var body = frame[4..];

                // Every mutation of a sealed frame (truncated, bits flipped, bytes overwritten) is refused; none opens.
                count += Mutate(body, random, mutated =>
                {
                    if (!mutated.AsSpan().SequenceEqual(body))
                    {
                        ExpectRefused(key, mutated, $"seed {Seed + 3}, sealed {message.GetType().Name}");
                    }
                });
            }

            return count;
        });

        Assert.True(cases > 10_000, $"only {cases} cases ran");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_sealed_frame_reader_survives_random_streams()
    {
        var random = new Random(Seed + 4);
        var key = new byte[32];
        random.NextBytes(key);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(0, 96)];
            random.NextBytes(bytes);
            if (i % 2 == 0 && bytes.Length >= 4)
            {
                BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)random.Next(0, 80));
            }

            using var opener = new FrameOpener(key, long.MaxValue);
            using var reader = new FrameReader(new MemoryStream(bytes), opener);
            try
            {
                while (await reader.TryReadAsync(WireProtocol.HandshakeFrameBytesMax, CancellationToken.None))
                {
                    Assert.Fail($"seed {Seed + 4}, stream {i}: random bytes opened as a sealed frame");
                }
            }
            catch (Exception e) when (e is WireFormatException or EndOfStreamException)
            {
            }
        }
    }

    [Fact]
    public async Task An_oversized_length_prefix_is_refused_before_reading_the_payload()
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, WireProtocol.FrameBytesMax + 1u);
        using var reader = new FrameReader(new MemoryStream(bytes));
        var e = await Assert.ThrowsAsync<WireFormatException>(async () => await reader.TryReadAsync(WireProtocol.FrameBytesMax, CancellationToken.None));
        Assert.Contains("exceeds the limit", e.Message, StringComparison.Ordinal);
    }

    private static object? DecodeStatus(byte[] bytes)
    {
        var response = ControlCodec.DecodeResponse(bytes);
        if (response.StatusChunk?.Header is { } header)
        {
            var satellites = response.StatusChunk.Satellites.Select(ControlCodec.FromWire).ToList();
            return (ControlCodec.FromWire(header, satellites), ControlCodec.TransportFromWire(header));
        }

        return response;
    }

    /// <summary>Every truncation, 300 random flips of 1 to 3 bits, and 100 random byte overwrites of <paramref name="payload"/>.</summary>
    private static int Mutate(byte[] payload, Random random, Action<byte[]> check)
    {
        var count = 0;
        for (var length = 0; length < payload.Length; length++)
        {
            check(payload[..length]);
            count++;
        }

        for (var i = 0; i < 300 && payload.Length > 0; i++)
        {
            var copy = (byte[])payload.Clone();
            var flips = random.Next(1, 4);
            for (var f = 0; f < flips; f++)
            {
                copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
            }

            check(copy);
            count++;
        }

        for (var i = 0; i < 100 && payload.Length > 0; i++)
        {
            var copy = (byte[])payload.Clone();
            copy[random.Next(copy.Length)] = (byte)random.Next(256);
            check(copy);
            count++;
        }

        return count;
    }

    /// <summary><paramref name="body"/> (ciphertext and tag, as read after a length prefix) must be refused as unauthentic.</summary>
    private static void ExpectRefused(byte[] key, byte[] body, string what)
    {
        using var opener = new FrameOpener(key, long.MaxValue);
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)body.Length);
        try
        {
            opener.Open(header, body, new byte[Math.Max(0, body.Length - WireProtocol.TagBytes)]);
            Assert.Fail($"{what}: an altered or random frame opened");
        }
        catch (FrameAuthenticationException)
        {
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name} escaped the opener: {e.Message}");
        }
    }

    private static void Expect(Func<object?> decode, string what)
    {
        try
        {
            decode();
        }
        catch (WireFormatException)
        {
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name} escaped the decoder: {e.Message}");
        }
    }
}
