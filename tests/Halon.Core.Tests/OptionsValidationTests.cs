using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;
using Halon.Core.Status;

namespace Halon.Core.Tests;

/// <summary>
/// The bounds of <see cref="ProtocolOptions"/>, <see cref="HostFacts"/>, <see cref="StationTiming"/> and the identity
/// types, each at its edge: the value just inside passes and the value just outside is refused with its message.
/// </summary>
public sealed class OptionsValidationTests
{
    private static string Refusal(ProtocolOptions options) => Assert.Throws<ArgumentException>(options.Validate).Message;

    [Fact]
    public void The_defaults_are_valid_and_give_the_legacy_timing()
    {
        ProtocolOptions.Default.Validate();
        Assert.Equal(11, ProtocolOptions.Default.LeaseTicks); // floor((15 - 2) / 1.1)
        Assert.Same(StationTiming.Legacy, ProtocolOptions.Default.Timing);
        Assert.Same(StationTiming.Lan, ProtocolOptions.Default.WithTiming(StationTiming.Lan).Timing);
        var custom = ProtocolOptions.Default with { ElectionTimeoutTicks = 40 };
        Assert.Equal("custom", custom.Timing.Name);
        Assert.Equal(40, custom.Timing.ElectionTimeoutTicks);
        Assert.Equal(1, custom.Timing.HeartbeatIntervalTicks);
        Assert.Equal(1.1, custom.Timing.ClockDriftFactor);
    }

    [Fact]
    public void The_heartbeat_interval_must_be_at_least_one_tick()
    {
        Assert.Equal("HeartbeatIntervalTicks must be at least 1 (is 0)", Refusal(ProtocolOptions.Default with { HeartbeatIntervalTicks = 0 }));
    }

    [Fact]
    public void The_election_timeout_must_be_at_least_five_ticks()
    {
        (ProtocolOptions.Default with { ElectionTimeoutTicks = 5, HeartbeatIntervalTicks = 1, ClockDriftFactor = 1.0 }).Validate();
        Assert.Equal("ElectionTimeoutTicks must be at least 5 (is 4)", Refusal(ProtocolOptions.Default with { ElectionTimeoutTicks = 4 }));
    }

    [Fact]
    public void The_drift_factor_must_lie_in_one_to_two()
    {
        (ProtocolOptions.Default with { ClockDriftFactor = 1.0 }).Validate();
        (ProtocolOptions.Default with { ClockDriftFactor = 2.0, ElectionTimeoutTicks = 30 }).Validate();
        Assert.Equal("ClockDriftFactor must be in [1, 2] (is 0.99)", Refusal(ProtocolOptions.Default with { ClockDriftFactor = 0.99 }));
        Assert.Equal("ClockDriftFactor must be in [1, 2] (is 2.01)", Refusal(ProtocolOptions.Default with { ClockDriftFactor = 2.01, ElectionTimeoutTicks = 30 }));
    }

    [Fact]
    public void The_lease_must_be_longer_than_the_heartbeat_interval()
    {
        // E = 6, ρ = 1: L = 4. A heartbeat of 3 passes, one of 4 (L equal to it) is refused.
        (ProtocolOptions.Default with { ElectionTimeoutTicks = 6, ClockDriftFactor = 1.0, HeartbeatIntervalTicks = 3 }).Validate();
        Assert.Equal(
            "the lease (4 ticks) must be longer than the heartbeat interval (4 ticks); raise ElectionTimeoutTicks",
            Refusal(ProtocolOptions.Default with { ElectionTimeoutTicks = 6, ClockDriftFactor = 1.0, HeartbeatIntervalTicks = 4 }));
    }

    [Fact]
    public void The_probe_intervals_and_reachability_window_are_ordered()
    {
        (ProtocolOptions.Default with { QuorumProbeIntervalTicks = 1, PeerProbeIntervalTicks = 1, PeerReachableTicks = 2 }).Validate();
        Assert.Equal("QuorumProbeIntervalTicks must be at least 1", Refusal(ProtocolOptions.Default with { QuorumProbeIntervalTicks = 0 }));
        Assert.Equal(
            "PeerProbeIntervalTicks must be at least QuorumProbeIntervalTicks",
            Refusal(ProtocolOptions.Default with { QuorumProbeIntervalTicks = 5, PeerProbeIntervalTicks = 4 }));
        Assert.Equal(
            "PeerReachableTicks must exceed PeerProbeIntervalTicks",
            Refusal(ProtocolOptions.Default with { PeerProbeIntervalTicks = 10, PeerReachableTicks = 10 }));
    }

    [Fact]
    public void The_announce_back_off_bounds_are_ordered()
    {
        (ProtocolOptions.Default with { AnnounceBackoffTicksMin = 1, AnnounceBackoffTicksMax = 1 }).Validate();
        Assert.Equal("AnnounceBackoffTicksMin must be at least 1", Refusal(ProtocolOptions.Default with { AnnounceBackoffTicksMin = 0 }));
        Assert.Equal(
            "AnnounceBackoffTicksMax must be at least AnnounceBackoffTicksMin",
            Refusal(ProtocolOptions.Default with { AnnounceBackoffTicksMin = 5, AnnounceBackoffTicksMax = 4 }));
    }

    [Fact]
    public void The_satellite_and_entry_limits_stay_within_the_hard_limits()
    {
        (ProtocolOptions.Default with { SatellitesMax = 1, EntriesPerAppendMax = 1 }).Validate();
        (ProtocolOptions.Default with { SatellitesMax = Limits.SatellitesMax, EntriesPerAppendMax = Limits.AppendEntriesEntriesMax }).Validate();
        Assert.Equal($"SatellitesMax must be in 1..{Limits.SatellitesMax} (is 0)", Refusal(ProtocolOptions.Default with { SatellitesMax = 0 }));
        Assert.Equal(
            $"SatellitesMax must be in 1..{Limits.SatellitesMax} (is {Limits.SatellitesMax + 1})",
            Refusal(ProtocolOptions.Default with { SatellitesMax = Limits.SatellitesMax + 1 }));
        Assert.Equal(
            $"EntriesPerAppendMax must be in 1..{Limits.AppendEntriesEntriesMax} (is 0)",
            Refusal(ProtocolOptions.Default with { EntriesPerAppendMax = 0 }));
        Assert.Equal(
            $"EntriesPerAppendMax must be in 1..{Limits.AppendEntriesEntriesMax} (is {Limits.AppendEntriesEntriesMax + 1})",
            Refusal(ProtocolOptions.Default with { EntriesPerAppendMax = Limits.AppendEntriesEntriesMax + 1 }));
    }

    [Fact]
    public void The_coordinator_restart_delay_may_be_zero_but_not_negative()
    {
        (ProtocolOptions.Default with { CoordinatorRestartDelayTicks = 0 }).Validate();
        Assert.Equal("CoordinatorRestartDelayTicks must not be negative", Refusal(ProtocolOptions.Default with { CoordinatorRestartDelayTicks = -1 }));
    }

    [Fact]
    public void A_node_refuses_options_that_do_not_validate()
    {
        var id = NodeId.Parse("p1:9070");
        var error = Assert.Throws<ArgumentException>(() => new HalonNode(id, ProtocolOptions.Default with { HeartbeatIntervalTicks = 0 }, new TestRandom(1), TestCluster.Facts(id)));
        Assert.StartsWith("HeartbeatIntervalTicks", error.Message);
    }

    [Fact]
    public void Host_facts_are_valid_only_within_their_bounds()
    {
        Assert.True(new HostFacts("h", 1, 0).IsValid);
        Assert.True(new HostFacts(new string('h', Limits.HostnameLengthMax), 999_999, 1).IsValid);
        Assert.False(new HostFacts(string.Empty, 1, 1).IsValid);
        Assert.False(new HostFacts(new string('h', Limits.HostnameLengthMax + 1), 1, 1).IsValid);
        Assert.False(new HostFacts("h", 0, 1).IsValid);
        Assert.False(new HostFacts("h", 1_000_000, 1).IsValid);
        Assert.False(new HostFacts("h", 1, -1).IsValid);
    }

    [Fact]
    public void A_node_refuses_host_facts_out_of_bounds_naming_them()
    {
        var id = NodeId.Parse("s1:9070");
        var facts = new HostFacts("s1", 0, 1);
        var error = Assert.Throws<ArgumentException>(() => new HalonNode(id, ProtocolOptions.Default, new TestRandom(1), facts));
        Assert.Contains("host facts are out of bounds", error.Message);
        Assert.Contains(facts.ToString(), error.Message);
    }

    [Fact]
    public void Timing_profiles_have_their_values_and_compare_by_values_only()
    {
        Assert.Equal("lan (heartbeat=5,election=25,drift=1.1)", StationTiming.Lan.ToString());
        Assert.Equal("wan (heartbeat=20,election=150,drift=1.1)", StationTiming.Wan.ToString());
        Assert.Equal("legacy (heartbeat=1,election=15,drift=1.1)", StationTiming.Legacy.ToString());
        Assert.True(StationTiming.Lan.SameValues(new StationTiming("other", 5, 25, 1.1)));
        Assert.False(StationTiming.Lan.SameValues(new StationTiming("lan", 6, 25, 1.1)));
        Assert.False(StationTiming.Lan.SameValues(new StationTiming("lan", 5, 26, 1.1)));
        Assert.False(StationTiming.Lan.SameValues(new StationTiming("lan", 5, 25, 1.2)));
        Assert.False(StationTiming.Lan.SameValues(null!));
        Assert.Equal(20, StationTiming.Lan.LeaseTicks);
    }

    [Fact]
    public void A_timing_that_breaks_the_lease_argument_is_refused()
    {
        StationTiming.Lan.Validate();
        var error = Assert.Throws<ArgumentException>(new StationTiming("custom", 5, 7, 1.1).Validate);
        Assert.Contains("the lease", error.Message);
    }

    [Fact]
    public void The_cluster_id_folds_in_the_timing_except_for_legacy()
    {
        var peers = PeerSet.Parse("a:1,b:1,c:1");
        Assert.Equal(peers.ClusterId, StationTiming.Legacy.ClusterIdFor(peers));
        var lan = StationTiming.Lan.ClusterIdFor(peers);
        Assert.StartsWith("halon-", lan);
        Assert.Equal(22, lan.Length);
        Assert.NotEqual(peers.ClusterId, lan);
        Assert.NotEqual(lan, StationTiming.Wan.ClusterIdFor(peers));
        Assert.Equal(lan, new StationTiming("renamed", 5, 25, 1.1).ClusterIdFor(peers));
        Assert.Throws<ArgumentNullException>(() => StationTiming.Lan.ClusterIdFor(null!));
    }

    [Fact]
    public void Cluster_ids_are_stable_across_versions()
    {
        // Persisted with every station and compared on the wire: a change here splits existing stations.
        var peers = PeerSet.Parse("p1:9070,p2:9070,p3:9070");
        Assert.Equal("halon-bffed7e973c0f3bb", peers.ClusterId);
        Assert.Equal("halon-3bb357eaf9a9cae7", StationTiming.Lan.ClusterIdFor(peers));
    }

    [Fact]
    public void A_peer_set_is_sorted_deduplicated_and_bounded()
    {
        var set = PeerSet.Parse(" c:1 , a:1,,b:1,a:1 ");
        Assert.Equal("a:1,b:1,c:1", set.ToString());
        Assert.Equal(2, set.Majority);
        Assert.Equal(1, set.IndexOf(NodeId.Parse("b:1")));
        Assert.Equal(-1, set.IndexOf(NodeId.Parse("d:1")));
        Assert.Equal("the peer set is empty", Assert.Throws<ArgumentException>(() => PeerSet.Create(Array.Empty<NodeId>())).Message);
        var most = Enumerable.Range(1, Limits.PeersMax).Select(i => NodeId.Parse($"n{i}:1")).ToArray();
        Assert.Equal(Limits.PeersMax, PeerSet.Create(most).Count);
        var tooMany = most.Append(NodeId.Parse("extra:1"));
        Assert.Equal(
            $"the peer set has {Limits.PeersMax + 1} nodes; at most {Limits.PeersMax} are allowed (odd numbers recommended)",
            Assert.Throws<ArgumentException>(() => PeerSet.Create(tooMany)).Message);
    }

    [Fact]
    public void A_peer_set_id_depends_on_every_character_of_every_member()
    {
        var id = PeerSet.Parse("a:1,b:1").ClusterId;
        Assert.Matches("^halon-[0-9a-f]{16}$", id);
        Assert.Equal("halon-", id[..6]);
        // Characters that differ only in their high byte give different ids.
        Assert.NotEqual(PeerSet.Parse("\u0161:1").ClusterId, PeerSet.Parse("\u0061:1").ClusterId);
        Assert.NotEqual(PeerSet.Parse("\u0261:1").ClusterId, PeerSet.Parse("\u0161:1").ClusterId);
        Assert.NotEqual(id, PeerSet.Parse("a:1,b:2").ClusterId);
    }

    [Fact]
    public void Node_addresses_are_parsed_with_their_errors()
    {
        string Error(string text)
        {
            Assert.False(NodeId.TryParse(text, out var parsed, out var error));
            Assert.Null(parsed);
            return error;
        }

        Assert.Equal("a node address is empty; expected HOST:PORT", Error(" "));
        var longest = new string('h', NodeId.LengthMax - 2) + ":1";
        Assert.True(NodeId.TryParse(longest, out var ok, out var none));
        Assert.Equal(longest, ok!.Value);
        Assert.Equal(string.Empty, none);
        Assert.StartsWith($"node address '{longest[..32]}…' is longer than {NodeId.LengthMax} characters", Error(longest + "0"));
        Assert.Equal("node address ':80' is not HOST:PORT", Error(":80"));
        Assert.Equal("node address 'host:' is not HOST:PORT", Error("host:"));
        Assert.Equal("node address 'host' is not HOST:PORT", Error("host"));
        Assert.Equal("node address 'h:1:' is not HOST:PORT", Error("h:1:"));
        Assert.True(NodeId.TryParse("h:1", out _, out _));
        Assert.Equal("node address '[::1:80' has an unbalanced IPv6 bracket", Error("[::1:80"));
        Assert.Equal("node address 'h:0' has a port outside 1..65535", Error("h:0"));
        Assert.Equal("node address 'h:65536' has a port outside 1..65535", Error("h:65536"));
        Assert.Equal(65535, NodeId.Parse("h:65535").Port);
        Assert.Equal("node address 'a b:1' contains a space, a comma or a control character", Error("a b:1"));
        Assert.Equal("node address 'h:0' has a port outside 1..65535", Assert.Throws<FormatException>(() => NodeId.Parse("h:0")).Message);
        Assert.Equal("[::1]", NodeId.Parse("[::1]:9070").Host);
        Assert.Equal(9070, NodeId.Parse("[::1]:9070").Port);
    }

    [Fact]
    public void Node_ids_compare_ordinally_and_by_value()
    {
        var a = NodeId.Parse("a:1");
        var b = NodeId.Parse("b:1");
        var a2 = NodeId.Parse(" a:1 ");
        Assert.True(a == a2);
        Assert.False(a != a2);
        Assert.True(a != b);
        Assert.False(a == null);
        Assert.True((NodeId?)null == null);
        Assert.True(a < b && a <= b && b > a && b >= a && a <= a2 && a >= a2);
        Assert.False(a > b || a >= b || b < a || b <= a);
        Assert.Equal(1, a.CompareTo(null));
        Assert.True(a.CompareTo(b) < 0);
        Assert.Equal(0, a.CompareTo(a2));
        Assert.False(a.Equals(b));
        Assert.Equal(a.GetHashCode(), a2.GetHashCode());
        Assert.NotEqual(a.StableHash, b.StableHash);
        Assert.Equal(a.StableHash, a2.StableHash);
        Assert.NotEqual(0UL, a.StableHash);
    }

    [Fact]
    public void Command_results_say_whether_they_changed_anything()
    {
        var node = new HalonNode(NodeId.Parse("p1:9070"), ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(NodeId.Parse("p1:9070")));
        var peers = PeerSet.Parse("p1:9070,p2:9070,p3:9070");
        var done = node.BecomeStationPeer(peers);
        Assert.True(done.Succeeded);
        Assert.True(done.Changed);
        var again = node.BecomeStationPeer(peers);
        Assert.True(again.Succeeded);
        Assert.False(again.Changed);
        var refused = node.BecomeSatellite(peers);
        Assert.False(refused.Succeeded);
        Assert.False(refused.Changed);
    }

    [Fact]
    public void Status_texts_name_roles_and_states()
    {
        Assert.Equal("station", NodeStatus.RoleText(NodeRole.Station));
        Assert.Equal("satellite", NodeStatus.RoleText(NodeRole.Satellite));
        Assert.Equal("none", NodeStatus.RoleText(NodeRole.None));
        Assert.Equal("waiting-for-quorum", NodeStatus.StateText(SupervisorState.WaitingForQuorum));
        Assert.Equal("follower", NodeStatus.StateText(SupervisorState.Follower));
        Assert.Equal("candidate", NodeStatus.StateText(SupervisorState.PreCandidate));
        Assert.Equal("candidate", NodeStatus.StateText(SupervisorState.Candidate));
        Assert.Equal("master", NodeStatus.StateText(SupervisorState.Master));
        Assert.Equal("none", NodeStatus.StateText(SupervisorState.None));
    }

    [Fact]
    public void Quorum_tallies_refuse_impossible_counts()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Quorum.Tally(3, -1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Quorum.Tally(3, 0, -1));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Quorum.Tally(3, 2, 2));
        Assert.Contains("2 granted and 2 rejected out of 3", error.Message);
        Assert.Contains("a quorum needs at least one member", Assert.Throws<ArgumentOutOfRangeException>(() => Quorum.MajorityOf(0)).Message);
        Assert.Equal("no values to take a majority of (Parameter 'values')", Assert.Throws<ArgumentException>(() => Quorum.MajorityValue(Span<long>.Empty)).Message);
    }

    [Fact]
    public void Persisted_state_must_be_consistent()
    {
        var id = NodeId.Parse("p1:9070");
        var peers = PeerSet.Parse("p1:9070,p2:9070,p3:9070");
        string Refusal(PersistentState state) =>
            Assert.Throws<ArgumentException>(() => new HalonNode(id, ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(id), state)).Message;
        LogEntry Entry(long index, long term) => new(index, term, NoOpCommand.Instance);

        Assert.Equal("persisted term -1 or commit index 0 is negative", Refusal(new PersistentState(new HardState(-1, null, 0), RoleConfig.None, Array.Empty<LogEntry>())));
        Assert.Equal("persisted term 0 or commit index -1 is negative", Refusal(new PersistentState(new HardState(0, null, -1), RoleConfig.None, Array.Empty<LogEntry>())));
        Assert.Equal(
            "persisted commit index 2 is beyond the persisted log (last index 1): the log lost committed entries",
            Refusal(new PersistentState(new HardState(1, null, 2), RoleConfig.None, [Entry(1, 1)])));
        Assert.Equal("persisted log entry 2 has index 3: the log has a gap", Refusal(new PersistentState(new HardState(1, null, 0), RoleConfig.None, [Entry(1, 1), Entry(3, 1)])));
        Assert.Equal(
            "persisted log entry 2 has term 1, below the term 2 of the entry before it",
            Refusal(new PersistentState(new HardState(2, null, 0), RoleConfig.None, [Entry(1, 2), Entry(2, 1)])));
        Assert.Equal("persisted log entry 1 has term 0, below the term 0 of the entry before it", Refusal(new PersistentState(new HardState(1, null, 0), RoleConfig.None, [Entry(1, 0)])));
        Assert.Equal(
            "persisted station role of p1:9070 has no peer set containing it",
            Refusal(new PersistentState(HardState.Initial, new RoleConfig(NodeRole.Station, PeerSet.Parse("p2:9070,p3:9070"), null, 0), Array.Empty<LogEntry>())));
        Assert.Equal(
            "persisted station role of p1:9070 has no peer set containing it",
            Refusal(new PersistentState(HardState.Initial, new RoleConfig(NodeRole.Station, null, null, 0), Array.Empty<LogEntry>())));
        Assert.Equal(
            "persisted satellite role of p1:9070 has no station or no incarnation",
            Refusal(new PersistentState(HardState.Initial, new RoleConfig(NodeRole.Satellite, null, null, 1), Array.Empty<LogEntry>())));
        Assert.Equal(
            "persisted satellite role of p1:9070 has no station or no incarnation",
            Refusal(new PersistentState(HardState.Initial, new RoleConfig(NodeRole.Satellite, null, peers, 0), Array.Empty<LogEntry>())));
        Assert.Equal(
            "persisted role 7 is unknown",
            Refusal(new PersistentState(HardState.Initial, new RoleConfig((NodeRole)7, null, null, 0), Array.Empty<LogEntry>())));
        // Equal terms in a row are fine.
        var node = new HalonNode(id, ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(id), new PersistentState(new HardState(2, null, 2), RoleConfig.None, [Entry(1, 2), Entry(2, 2)]));
        Assert.Equal(2, node.CommitIndex);
    }
}
