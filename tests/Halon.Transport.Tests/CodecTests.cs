using Halon.Core.Messages;
using Halon.Core.Persistence;
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
    public void A_station_configuration_entry_round_trips_with_its_learners_and_retiring_voters()
    {
        var append = Samples.All.OfType<AppendEntries>().Last();
        var back = (AppendEntries)MessageCodec.Decode(MessageCodec.Encode(append))!;
        var configs = back.Entries.Select(e => Assert.IsType<StationConfigCommand>(e.Command).Config).ToList();
        Assert.Equal(4, configs.Count);
        Assert.Equal(Samples.Joining, configs[0]);
        Assert.Equal([Samples.D], configs[0].Learners);
        Assert.Equal([Samples.C], configs[0].Retiring);
        Assert.True(configs[1].IsVoter(Samples.D));
        Assert.False(configs[2].Contains(Samples.C));
        Assert.Equal(2, configs[3].Learners.Count);
    }

    private static readonly Dictionary<string, Action<W.StationConfiguration>> s_badConfigurations = new()
    {
        ["no voters"] = c => c.Voters.Clear(),
        ["8 voters"] = c => c.Voters.AddRange(Enumerable.Range(1, 5).Select(i => $"10.0.1.{i}:9070")),
        ["a bad voter"] = c => c.Voters[0] = "not an address",
        ["a voter twice"] = c => c.Voters.Add(c.Voters[0]),
        ["a learner that votes"] = c => c.Learners.Add(c.Voters[1]),
        ["3 learners"] = c => c.Learners.AddRange(["10.0.1.1:9070", "10.0.1.2:9070"]),
        ["a bad learner"] = c => c.Learners[0] = "host:0",
        ["a learner twice"] = c => c.Learners.Add(c.Learners[0]),
        ["a retiring node that does not vote"] = c => c.Retiring[0] = "10.0.1.9:9070",
        ["every voter retiring"] = c => c.Retiring.AddRange(c.Voters.Where(v => !c.Retiring.Contains(v))),
        ["a bad retiring node"] = c => c.Retiring[0] = string.Empty,
    };

    public static TheoryData<string> BadConfigurations() => new(s_badConfigurations.Keys);

    [Theory]
    [MemberData(nameof(BadConfigurations))]
    public void A_bad_station_configuration_entry_is_a_wire_format_error(string what)
    {
        var envelope = MessageCodec.ToEnvelope(Samples.All.OfType<AppendEntries>().Last());
        s_badConfigurations[what](envelope.AppendEntries.Entries[0].StationConfig.Config);
        var e = Assert.Throws<WireFormatException>(() => MessageCodec.Decode(Google.Protobuf.MessageExtensions.ToByteArray(envelope)));
        Assert.True(e.Message.Contains("station_config", StringComparison.Ordinal), $"{what}: {e.Message}");

        var missing = MessageCodec.ToEnvelope(Samples.All.OfType<AppendEntries>().Last());
        missing.AppendEntries.Entries[1].StationConfig.Config = null;
        Assert.Throws<WireFormatException>(() => MessageCodec.Decode(Google.Protobuf.MessageExtensions.ToByteArray(missing)));
    }

    [Fact]
    public void Membership_requests_round_trip()
    {
        ControlCommand[] commands =
        [
            new JoinStationCommand("halon-0123456789abcdef", Halon.Core.StationTiming.Lan, Samples.Station),
            new JoinStationCommand("halon-0123456789abcdef", new Halon.Core.StationTiming("custom", 3, 40, 1.25), Halon.Core.Identity.PeerSet.Create([Samples.A])),
            new ChangeStationCommand(new AddPeer(Samples.D)),
            new ChangeStationCommand(new RemovePeer(Samples.C)),
            new ChangeStationCommand(new ReplacePeer(Samples.C, Samples.E)),
        ];
        AssertRequestsRoundTrip(10, commands);
    }

    [Fact]
    public void Bad_membership_requests_are_wire_format_errors()
    {
        var join = ControlCodec.ToRequest(1, new JoinStationCommand("halon-0123456789abcdef", Halon.Core.StationTiming.Lan, Samples.Station));
        Assert.Contains("timing", Reject(join, r => r.JoinStation.Timing = null), StringComparison.Ordinal);
        Assert.Contains("cluster_id", Reject(join, r => r.JoinStation.ClusterId = string.Empty), StringComparison.Ordinal);
        Assert.Contains("cluster_id", Reject(join, r => r.JoinStation.ClusterId = new string('x', WireProtocol.ClusterIdLengthMax + 1)), StringComparison.Ordinal);
        Assert.Contains("contacts", Reject(join, r => r.JoinStation.Contacts.Clear()), StringComparison.Ordinal);
        Assert.Contains("contacts", Reject(join, r => r.JoinStation.Contacts.Add("nowhere")), StringComparison.Ordinal);
        Assert.Contains("clock_drift_factor", Reject(join, r => r.JoinStation.Timing.ClockDriftFactor = double.NaN), StringComparison.Ordinal);

        var change = ControlCodec.ToRequest(2, new ChangeStationCommand(new ReplacePeer(Samples.C, Samples.D)));
        Assert.Contains("no change", Reject(change, r => r.ChangeStation.ClearChange()), StringComparison.Ordinal);
        Assert.Contains("old_node", Reject(change, r => r.ChangeStation.Replace.OldNode = "host:99999"), StringComparison.Ordinal);
        Assert.Contains("new_node", Reject(change, r => r.ChangeStation.Replace.NewNode = string.Empty), StringComparison.Ordinal);
        var add = ControlCodec.ToRequest(3, new ChangeStationCommand(new AddPeer(Samples.D)));
        Assert.Contains("add.node", Reject(add, r => r.ChangeStation.Add.Node = "no port"), StringComparison.Ordinal);
        var remove = ControlCodec.ToRequest(4, new ChangeStationCommand(new RemovePeer(Samples.D)));
        Assert.Contains("remove.node", Reject(remove, r => r.ChangeStation.Remove.Node = ":9070"), StringComparison.Ordinal);
    }

    [Fact]
    public void Membership_results_round_trip()
    {
        MembershipResult[] results =
        [
            new(MembershipOutcome.Appended, "10.0.0.4:9070 joins as a learner", null, 12, Samples.Joining),
            new(MembershipOutcome.Pending, "learner 10.0.0.4:9070 has 3 of 12 committed entries", null, 12, Samples.Joining),
            new(MembershipOutcome.AlreadyDone, "10.0.0.4:9070 is a voter already", null, 0, Samples.Joining.Promote(Samples.D).Without(Samples.C)),
            new(MembershipOutcome.Refused, "refusing to remove [::1]:9072: one change at a time", null, 0, Samples.Joining),
            new(MembershipOutcome.NotCoordinator, "the master is 10.0.0.1:9070", Samples.A, 0, Halon.Core.Identity.StationConfig.Of(Samples.Station)),
            new(MembershipOutcome.NotCoordinator, "no master known", null, 0, null),
            new(MembershipOutcome.NotStation, "not a peer of a station", null, 0, null),
        ];
        foreach (var result in results)
        {
            var response = ControlCodec.DecodeResponse(Google.Protobuf.MessageExtensions.ToByteArray(ControlCodec.ToResponse(9, result)));
            Assert.Equal(9UL, response.RequestId);
            Assert.Equal(result, ControlCodec.FromWire(response.MembershipResult));
        }
    }

    [Fact]
    public void A_bad_membership_result_is_a_wire_format_error()
    {
        var good = ControlCodec.ToResponse(5, new MembershipResult(MembershipOutcome.NotCoordinator, "the master is 10.0.0.1:9070", Samples.A, 3, Samples.Joining));
        Assert.Contains("outcome", RejectResponse(good, r => r.MembershipResult.Outcome = W.MembershipOutcome.Unspecified), StringComparison.Ordinal);
        Assert.Contains("outcome", RejectResponse(good, r => r.MembershipResult.Outcome = (W.MembershipOutcome)42), StringComparison.Ordinal);
        Assert.Contains("log_index", RejectResponse(good, r => r.MembershipResult.LogIndex = -1), StringComparison.Ordinal);
        Assert.Contains("master", RejectResponse(good, r => r.MembershipResult.Master = "nowhere"), StringComparison.Ordinal);
        Assert.Contains("message", RejectResponse(good, r => r.MembershipResult.Message = new string('m', WireProtocol.TextLengthMax + 1)), StringComparison.Ordinal);
        Assert.Contains("config", RejectResponse(good, r => r.MembershipResult.Config.Voters.Clear()), StringComparison.Ordinal);
        Assert.Contains("config", RejectResponse(good, r => r.MembershipResult.Config.Retiring.Add("10.0.0.9:9070")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_removed_peer_status_round_trips()
    {
        AssertStatusRoundTrips(Samples.RemovedPeerStatus(), expectedChunks: 1);
        var back = RoundTripHeader(Samples.RemovedPeerStatus());
        Assert.True(back.LeftStation);
        Assert.Equal("removed", back.State);
        Assert.Equal(15, back.Configuration!.Index);
    }

    [Fact]
    public void A_status_configuration_out_of_bounds_is_a_wire_format_error()
    {
        Assert.Contains("match_index", RejectStatus(h => h.Configuration.Learners[1].MatchIndex = -2), StringComparison.Ordinal);
        Assert.Contains("commit_index", RejectStatus(h => h.Configuration.Learners[0].CommitIndex = -1), StringComparison.Ordinal);
        Assert.Contains("configuration.learners", RejectStatus(h => h.Configuration.Learners.Add(h.Configuration.Learners[0])), StringComparison.Ordinal);
        Assert.Contains("configuration.voters", RejectStatus(h => h.Configuration.Voters.AddRange(Enumerable.Repeat("x:1", 5))), StringComparison.Ordinal);
        Assert.Contains("configuration.index", RejectStatus(h => h.Configuration.Index = -4), StringComparison.Ordinal);
        Assert.Contains("configuration.change", RejectStatus(h => h.Configuration.Change = new string('c', WireProtocol.TextLengthMax + 1)), StringComparison.Ordinal);
    }

    private static string Reject(W.ControlRequest good, Action<W.ControlRequest> spoil)
    {
        var bad = good.Clone();
        spoil(bad);
        return Assert.Throws<WireFormatException>(() => ControlCodec.DecodeRequest(Google.Protobuf.MessageExtensions.ToByteArray(bad))).Message;
    }

    private static string RejectResponse(W.ControlResponse good, Action<W.ControlResponse> spoil)
    {
        var bad = good.Clone();
        spoil(bad);
        return Assert.Throws<WireFormatException>(() => ControlCodec.DecodeResponse(Google.Protobuf.MessageExtensions.ToByteArray(bad))).Message;
    }

    private static string RejectStatus(Action<W.StatusHeader> spoil)
    {
        var header = Assert.Single(ControlCodec.ToStatusResponses(6, Samples.Status(0))).StatusChunk.Header;
        spoil(header);
        return Assert.Throws<WireFormatException>(() => ControlCodec.FromWire(header, [])).Message;
    }

    private static NodeStatus RoundTripHeader(NodeStatus status)
    {
        var response = Assert.Single(ControlCodec.ToStatusResponses(7, status));
        var decoded = ControlCodec.DecodeResponse(Google.Protobuf.MessageExtensions.ToByteArray(response));
        return ControlCodec.FromWire(decoded.StatusChunk.Header, []);
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
        AssertRequestsRoundTrip(1, commands);
    }

    /// <summary>Each command, encoded as a request with ids from <paramref name="firstId"/> on, decodes to itself and its id.</summary>
    private static void AssertRequestsRoundTrip(ulong firstId, ControlCommand[] commands)
    {
        var id = firstId;
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
        Assert.Equal(status with { Peers = back.Peers, Satellites = back.Satellites, Configuration = back.Configuration }, back);
        Assert.Equal(status.Peers, back.Peers);
        Assert.Equal(status.Satellites, back.Satellites);
        AssertSameConfiguration(status.Configuration, back.Configuration);
    }

    private static void AssertSameConfiguration(ConfigurationStatus? expected, ConfigurationStatus? actual)
    {
        if (expected is null)
        {
            Assert.Null(actual);
            return;
        }

        Assert.NotNull(actual);
        Assert.Equal(expected with { Voters = actual.Voters, Learners = actual.Learners, Retiring = actual.Retiring }, actual);
        Assert.Equal(expected.Voters, actual.Voters);
        Assert.Equal(expected.Learners, actual.Learners);
        Assert.Equal(expected.Retiring, actual.Retiring);
    }
}
