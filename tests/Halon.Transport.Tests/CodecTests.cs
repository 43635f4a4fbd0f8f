using Halon.Core.Messages;
using Halon.Core.Protocol;
using Halon.Core.Status;
using Halon.Transport.Tcp;
using Halon.Transport.Tcp.Codec;
using W = Halon.Transport.Tcp.Wire;

namespace Halon.Transport.Tests;

public sealed class CodecTests
{
    public static TheoryData<int> MessageIndexes()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Samples.All.Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MessageIndexes))]
    public void Every_message_round_trips(int index)
    {
        var message = Samples.All[index];
        var payload = MessageCodec.Encode(message);
        var decoded = MessageCodec.Decode(payload);

        Assert.NotNull(decoded);
        Assert.Equal(message.GetType(), decoded.GetType());
        if (message is AppendEntries append)
        {
            var back = (AppendEntries)decoded;
            Assert.Equal(append with { Entries = back.Entries }, back);
            Assert.Equal(append.Entries, back.Entries);
        }
        else if (message is InstallSnapshot install)
        {
            var back = (InstallSnapshot)decoded;
            Assert.Equal(install with { Data = back.Data }, back);
            Assert.Equal(install.Data.ToArray(), back.Data.ToArray());
        }
        else
        {
            Assert.Equal(message, decoded);
        }

        Assert.Equal(payload, MessageCodec.Encode(decoded));
    }

    [Fact]
    public void Every_message_type_of_the_core_has_a_sample()
    {
        var types = typeof(Message).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(Message)) && !t.IsAbstract)
            .Select(t => t.Name)
            .Order()
            .ToArray();
        var sampled = Samples.All.Select(m => m.GetType().Name).Distinct().Order().ToArray();
        Assert.Equal(types, sampled);
    }

    [Fact]
    public void A_keepalive_decodes_to_no_message()
    {
        Assert.Null(MessageCodec.Decode(MessageCodec.KeepalivePayload));
    }

    [Fact]
    public void An_empty_envelope_is_a_wire_format_error()
    {
        var e = Assert.Throws<WireFormatException>(() => MessageCodec.Decode(ReadOnlySpan<byte>.Empty));
        Assert.Contains("from", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not an address")]
    [InlineData("")]
    [InlineData("host:0")]
    [InlineData("host:70000")]
    public void A_bad_node_id_is_a_wire_format_error(string from)
    {
        var envelope = MessageCodec.ToEnvelope(Samples.All[0]);
        envelope.From = from;
        Assert.Throws<WireFormatException>(() => MessageCodec.Decode(Google.Protobuf.MessageExtensions.ToByteArray(envelope)));
    }

    [Fact]
    public void An_oversized_or_negative_snapshot_chunk_is_a_wire_format_error()
    {
        var sample = Samples.All.OfType<InstallSnapshot>().First();
        var oversized = MessageCodec.ToEnvelope(sample with { Data = new byte[Halon.Core.Limits.SnapshotChunkBytesMax + 1] });
        var error = Assert.Throws<WireFormatException>(() => MessageCodec.Decode(Google.Protobuf.MessageExtensions.ToByteArray(oversized)));
        Assert.Contains("install_snapshot.data", error.Message, StringComparison.Ordinal);
        var atLimit = MessageCodec.ToEnvelope(sample with { Data = new byte[Halon.Core.Limits.SnapshotChunkBytesMax] });
        Assert.IsType<InstallSnapshot>(MessageCodec.Decode(Google.Protobuf.MessageExtensions.ToByteArray(atLimit)));

        var negative = MessageCodec.ToEnvelope(sample);
        negative.InstallSnapshot.Offset = -1;
        Assert.Throws<WireFormatException>(() => MessageCodec.Decode(Google.Protobuf.MessageExtensions.ToByteArray(negative)));
        var answer = MessageCodec.ToEnvelope(Samples.All.OfType<InstallSnapshotResponse>().First());
        answer.InstallSnapshotResponse.NextOffset = -5;
        Assert.Throws<WireFormatException>(() => MessageCodec.Decode(Google.Protobuf.MessageExtensions.ToByteArray(answer)));
        var noCluster = MessageCodec.ToEnvelope(sample);
        noCluster.InstallSnapshot.ClusterId = string.Empty;
        Assert.Throws<WireFormatException>(() => MessageCodec.Decode(Google.Protobuf.MessageExtensions.ToByteArray(noCluster)));
    }

    [Fact]
    public void Out_of_range_enums_negative_numbers_and_oversized_lists_are_wire_format_errors()
    {
        var reply = MessageCodec.ToEnvelope(Samples.All[1]);
        reply.PeerProbeReply.Role = (W.Role)9;
        Assert.Throws<WireFormatException>(() => MessageCodec.Decode(Google.Protobuf.MessageExtensions.ToByteArray(reply)));

        var state = MessageCodec.ToEnvelope(Samples.All[1]);
        state.PeerProbeReply.State = (W.SupervisorState)(-1);
        Assert.Throws<WireFormatException>(() => MessageCodec.Decode(Google.Protobuf.MessageExtensions.ToByteArray(state)));

        var term = MessageCodec.ToEnvelope(Samples.All[0]);
        term.PeerProbe.Term = -1;
        Assert.Throws<WireFormatException>(() => MessageCodec.Decode(Google.Protobuf.MessageExtensions.ToByteArray(term)));

        var append = MessageCodec.ToEnvelope(Samples.All[9]);
        var entry = append.AppendEntries.Entries[0];
        for (var i = 0; i < Halon.Core.Limits.AppendEntriesEntriesMax; i++)
        {
            append.AppendEntries.Entries.Add(entry);
        }

        var e = Assert.Throws<WireFormatException>(() => MessageCodec.Decode(Google.Protobuf.MessageExtensions.ToByteArray(append)));
        Assert.Contains("at most 256", e.Message, StringComparison.Ordinal);

        var facts = MessageCodec.ToEnvelope(Samples.All[12]);
        facts.NodeUp.Facts.Cpus = 0;
        Assert.Throws<WireFormatException>(() => MessageCodec.Decode(Google.Protobuf.MessageExtensions.ToByteArray(facts)));

        var noFacts = MessageCodec.ToEnvelope(Samples.All[12]);
        noFacts.NodeUp.Facts = null;
        Assert.Throws<WireFormatException>(() => MessageCodec.Decode(Google.Protobuf.MessageExtensions.ToByteArray(noFacts)));

        var noCommand = MessageCodec.ToEnvelope(Samples.All[9]);
        noCommand.AppendEntries.Entries[0].ClearCommand();
        Assert.Throws<WireFormatException>(() => MessageCodec.Decode(Google.Protobuf.MessageExtensions.ToByteArray(noCommand)));
    }

    [Fact]
    public void Control_requests_round_trip()
    {
        ControlCommand[] commands =
        [
            new BootstrapStationCommand(Samples.Station),
            new BootstrapSatelliteCommand(Samples.Station),
            GetStatusCommand.Instance,
        ];
        ulong id = 1;
        foreach (var command in commands)
        {
            var payload = Google.Protobuf.MessageExtensions.ToByteArray(ControlCodec.ToRequest(id, command));
            var (decodedId, decoded) = ControlCodec.DecodeRequest(payload);
            Assert.Equal(id, decodedId);
            Assert.Equal(command, decoded);
            id++;
        }
    }

    [Fact]
    public void Command_results_and_errors_round_trip()
    {
        var result = new CommandResult(true, false, "10.0.0.1:9070 is already a peer of station x");
        var response = ControlCodec.DecodeResponse(Google.Protobuf.MessageExtensions.ToByteArray(ControlCodec.ToResponse(7, result)));
        Assert.Equal(7UL, response.RequestId);
        Assert.Equal(result, ControlCodec.FromWire(response.CommandResult));

        var error = ControlCodec.DecodeResponse(Google.Protobuf.MessageExtensions.ToByteArray(ControlCodec.ToError(8, "busy")));
        Assert.Equal("busy", error.Error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(1000)]
    [InlineData(2501)]
    public void Status_round_trips_in_chunks(int satellites)
    {
        AssertStatusRoundTrips(Samples.Status(satellites), expectedChunks: Math.Max(1, (satellites + 999) / 1000));
    }

    [Fact]
    public void A_satellite_status_round_trips()
    {
        AssertStatusRoundTrips(Samples.SatelliteStatus(), expectedChunks: 1);
        AssertStatusRoundTrips(Samples.MismatchedSatelliteStatus(), expectedChunks: 1);
    }

    [Fact]
    public void A_status_chunk_never_approaches_the_frame_limit()
    {
        var longName = new string('s', 250);
        var status = Samples.Status(0) with
        {
            Satellites = Enumerable.Range(0, 1000).Select(i => new SatelliteStatus($"{longName}{i:D4}:9070", true, long.MaxValue, new string('h', 255))).ToArray(),
        };
        var responses = ControlCodec.ToStatusResponses(1, status);
        Assert.All(responses, r => Assert.True(Google.Protobuf.MessageExtensions.ToByteArray(r).Length < WireProtocol.FrameBytesMax / 4));
    }

    [Fact]
    public void The_transport_part_of_a_status_round_trips()
    {
        var transport = Samples.Transport();
        var response = Assert.Single(ControlCodec.ToStatusResponses(4, Samples.Status(0), transport));
        var header = ControlCodec.DecodeResponse(Google.Protobuf.MessageExtensions.ToByteArray(response)).StatusChunk.Header;
        var back = ControlCodec.TransportFromWire(header)!;
        Assert.Equal(transport.Security with { Keys = back.Security.Keys }, back.Security);
        Assert.Equal(transport.Security.Keys, back.Security.Keys);
        Assert.Equal(transport.Connections, back.Connections);
        Assert.Equal(transport.ConnectionsByKey, back.ConnectionsByKey);
        Assert.Equal(transport.ConnectionsTotal, back.ConnectionsTotal);
        Assert.Equal(transport.Counters, back.Counters);
    }

    [Fact]
    public void A_status_listing_the_most_connections_of_the_longest_names_stays_far_below_the_frame_limit()
    {
        var longName = new string('p', 250);
        var connections = Enumerable.Range(0, WireProtocol.ConnectionsListedMax)
            .Select(i => new ConnectionStatus($"{longName}{i:D4}:9070", $"[ffff:ffff:ffff:ffff:ffff:ffff:ffff:{i:x4}]:65535", "outbound", "cluster-key", "1a2b3c4d5e6f7081", long.MaxValue))
            .ToArray();
        var transport = Samples.Transport() with { Connections = connections, ConnectionsTotal = 20_000 };
        var response = Assert.Single(ControlCodec.ToStatusResponses(1, Samples.Status(0), transport));
        Assert.True(Google.Protobuf.MessageExtensions.ToByteArray(response).Length < WireProtocol.FrameBytesMax / 4);
    }

    private static void AssertStatusRoundTrips(NodeStatus status, int expectedChunks)
    {
        var responses = ControlCodec.ToStatusResponses(3, status);
        Assert.Equal(expectedChunks, responses.Count);
        var satellites = new List<SatelliteStatus>();
        W.StatusHeader? header = null;
        foreach (var response in responses)
        {
            var decoded = ControlCodec.DecodeResponse(Google.Protobuf.MessageExtensions.ToByteArray(response));
            satellites.AddRange(decoded.StatusChunk.Satellites.Select(ControlCodec.FromWire));
            header = decoded.StatusChunk.Header;
        }

        var back = ControlCodec.FromWire(header!, satellites);
        Assert.Equal(status with { Peers = back.Peers, Satellites = back.Satellites }, back);
        Assert.Equal(status.Peers, back.Peers);
        Assert.Equal(status.Satellites, back.Satellites);
    }
}
