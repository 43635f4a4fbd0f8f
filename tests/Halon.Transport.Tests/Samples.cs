using Halon.Core;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Status;

namespace Halon.Transport.Tests;

/// <summary>One or more instances of every message type, with optional fields both set and unset.</summary>
internal static class Samples
{
    public static readonly NodeId A = NodeId.Parse("10.0.0.1:9070");
    public static readonly NodeId B = NodeId.Parse("node-b.example.com:9071");
    public static readonly NodeId C = NodeId.Parse("[::1]:9072");
    public static readonly PeerSet Station = PeerSet.Create([A, B, C]);

    /// <summary>A fourth and a fifth node, joining <see cref="Station"/>.</summary>
    public static readonly NodeId D = NodeId.Parse("10.0.0.4:9070");

    /// <inheritdoc cref="D"/>
    public static readonly NodeId E = NodeId.Parse("ts05.example.com:9070");

    public static readonly HostFacts Facts = new("sat-01", 16, 64_000);

    public static IReadOnlyList<Message> All { get; } =
    [
        new PeerProbe(A, B, Station.ClusterId, 3),
        new PeerProbeReply(B, A, NodeRole.Station, Station.ClusterId, SupervisorState.Master, 7, B),
        new PeerProbeReply(B, A, NodeRole.None, string.Empty, SupervisorState.None, 0, null),
        new PeerProbeReply(C, A, NodeRole.Satellite, string.Empty, SupervisorState.WaitingForQuorum, 1, null),
        new VoteRequest(A, C, Station.ClusterId, 4, 10, 3, PreVote: true),
        new VoteRequest(A, C, Station.ClusterId, 4, 10, 3, PreVote: false),
        new VoteResponse(C, A, Station.ClusterId, 4, Granted: true, PreVote: false),
        new VoteResponse(C, A, Station.ClusterId, 5, Granted: false, PreVote: true),
        new AppendEntries(A, B, Station.ClusterId, 4, 0, 0, Array.Empty<LogEntry>(), 0, 17, 0),
        new AppendEntries(
            A,
            B,
            Station.ClusterId,
            4,
            9,
            3,
            [
                new LogEntry(10, 4, NoOpCommand.Instance),
                new LogEntry(11, 4, new SatelliteAcknowledgedCommand(NodeId.Parse("sat-01:9070"), 2, Facts) { InstallId = 0x5eed_cafe_f00d }),
            ],
            9,
            1234,
            4),
        new AppendEntriesResponse(B, A, Station.ClusterId, 4, Success: true, 11, 0, 1234),
        new AppendEntriesResponse(B, A, Station.ClusterId, 4, Success: false, 0, 5, 1234),
        new NodeUp(NodeId.Parse("sat-01:9070"), A, 2, Facts) { InstallId = 0x5eed_cafe_f00d },
        new NodeUpAck(A, NodeId.Parse("sat-01:9070"), 2, 4),
        new NodeUpRedirect(B, NodeId.Parse("sat-01:9070"), A, 4),
        new NodeUpRedirect(B, NodeId.Parse("sat-01:9070"), null, 0),
        new NodeUpOutdated(A, NodeId.Parse("sat-01:9070"), 0x5eed_cafe_f00d, 7, 0x0dd_ba11, 4),
        new NodeUpRemoved(A, NodeId.Parse("sat-01:9070"), 0x5eed_cafe_f00d, 6),
        new NodeUpRemoved(A, NodeId.Parse("sat-01:9070"), 0x5eed_cafe_f00d, 6, Station),
        new NodeUpAck(A, NodeId.Parse("sat-01:9070"), 2, 4, Station),
        new NodeUpAck(A, NodeId.Parse("sat-01:9070"), 2, 4, Station) { InstallId = 0x3f1e_22aa_0901_7c5 },
        new NodeUpRedirect(B, NodeId.Parse("sat-01:9070"), A, 4, Station),
        new InstallSnapshot(A, C, Station.ClusterId, 6, 400, 5, 65_536, new byte[] { 1, 2, 3, 0, 255 }, false, 2048, 6),
        new InstallSnapshot(A, C, Station.ClusterId, 6, 400, 5, 0, Array.Empty<byte>(), true, 2048, 0),
        new InstallSnapshotResponse(C, A, Station.ClusterId, 6, 400, 65_541, false, 2048),
        new InstallSnapshotResponse(C, A, Station.ClusterId, 6, 400, 0, true, 2048),
        new AppendEntries(
            A,
            D,
            Station.ClusterId,
            5,
            11,
            4,
            [
                new LogEntry(12, 5, new StationConfigCommand(Joining)),
                new LogEntry(13, 5, new StationConfigCommand(Joining.Promote(D))),
                new LogEntry(14, 5, new StationConfigCommand(Joining.Promote(D).Without(C))),
                new LogEntry(15, 5, new StationConfigCommand(StationConfig.Of(Station).WithLearner(D).WithLearner(E))),
            ],
            13,
            4321,
            5),
    ];

    /// <summary><see cref="D"/> replacing <see cref="C"/>: a learner, and a retiring voter.</summary>
    public static StationConfig Joining => StationConfig.Of(Station).WithReplacement(C, D);

    /// <summary>The configuration status of a station in the middle of a replacement, as the master shows it.</summary>
    public static ConfigurationStatus ConfigurationView() => new(
        Station.Members.Select(m => m.Value).ToArray(),
        [new LearnerStatus(D.Value, 9, 12), new LearnerStatus(E.Value, -1, 12)],
        [C.Value],
        12,
        false,
        "learner 10.0.0.4:9070 has 9 of 12 committed entries; [::1]:9072 retires once no learner is left");

    public static NodeStatus Status(int satellites) => new(
        A.Value,
        "station",
        Station.ClusterId,
        4,
        "master",
        A.Value,
        new CoordinatorInfo(A.Value, 4),
        [new PeerStatus(A.Value, true, "master", 0), new PeerStatus(B.Value, false, "connection refused", -1)],
        Enumerable.Range(0, satellites).Select(i => new SatelliteStatus($"sat-{i:D5}:9070", i % 3 != 0, i + 1, $"sat-{i:D5}") { InstallId = i * 7919L, Reinstalls = i % 2 }).ToArray(),
        null,
        12,
        12,
        5000)
    {
        Configuration = ConfigurationView(),
    };

    /// <summary>A station peer that a configuration change left out.</summary>
    public static NodeStatus RemovedPeerStatus() => Status(0) with
    {
        State = "removed",
        Leader = null,
        Coordinator = null,
        Peers = [],
        Configuration = new ConfigurationStatus([A.Value, B.Value, D.Value], [], [], 15, true, string.Empty),
        LeftStation = true,
    };

    /// <summary>A satellite whose station list is not the station's own peer set.</summary>
    public static NodeStatus MismatchedSatelliteStatus() => SatelliteStatus() with
    {
        Announcer = new AnnouncerStatus(Station.ToString(), 3, true, 4, A.Value, 7, PeerSet.Create([A, B]).ToString(), B.Value),
    };

    public static NodeStatus SatelliteStatus() => new(
        "sat-01:9070",
        "satellite",
        Station.ClusterId,
        0,
        "none",
        null,
        null,
        Array.Empty<PeerStatus>(),
        Array.Empty<SatelliteStatus>(),
        new AnnouncerStatus(Station.ToString(), 3, true, 4, A.Value, 7),
        0,
        0,
        99);

    /// <summary>A transport part of a status, with every field set.</summary>
    public static Halon.Transport.Tcp.TransportStatus Transport() => new(
        new Halon.Transport.Tcp.SecurityStatus("cluster-key", [new("1a2b3c4d5e6f7081", "current"), new("9f8e7d6c5b4a3921", "next")], "CN=ts01 (DNS:ts01)", DateTimeOffset.FromUnixTimeSeconds(1_900_000_000)),
        [new("ts01:9070", "127.0.0.1:40000", "inbound", "cluster-key", "1a2b3c4d5e6f7081", 12), new("halonctl", "127.0.0.1:40001", "inbound", "cluster-key", "9f8e7d6c5b4a3921", 0)],
        2,
        [new("cluster-key", "1a2b3c4d5e6f7081", 1), new("cluster-key", "9f8e7d6c5b4a3921", 1)],
        new Halon.Transport.Tcp.TransportCounters(10, 20, 1, 2, 3, 4, 5));
}
