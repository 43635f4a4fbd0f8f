using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;

namespace Halon.Core.Tests;

/// <summary>
/// Drives one node by hand, playing its peers: the tests step exactly the messages a peer would send and read exactly
/// what the node answers. The node under test is <c>p1</c> of the station <c>p1,p2,p3</c> unless said otherwise.
/// </summary>
internal static class NodeDriver
{
    public static readonly NodeId P1 = NodeId.Parse("p1:9070");
    public static readonly NodeId P2 = NodeId.Parse("p2:9070");
    public static readonly NodeId P3 = NodeId.Parse("p3:9070");
    public static readonly NodeId S1 = NodeId.Parse("s1:9070");
    public static readonly PeerSet Station = PeerSet.Create([P1, P2, P3]);

    public static HalonNode Fresh(NodeId? id = null, ProtocolOptions? options = null, ulong seed = 1)
    {
        id ??= P1;
        return new HalonNode(id, options ?? ProtocolOptions.Default, new TestRandom(seed), TestCluster.Facts(id));
    }

    /// <summary>A fresh p1 bootstrapped into <see cref="Station"/>, its first outputs taken.</summary>
    public static HalonNode Peer(ProtocolOptions? options = null, ulong seed = 1)
    {
        var node = Fresh(P1, options, seed);
        Assert.True(node.BecomeStationPeer(Station).Succeeded);
        node.Advance();
        return node;
    }

    /// <summary>p1 restored as a station peer from a hard state and log.</summary>
    public static HalonNode Restored(HardState hard, params LogEntry[] log)
    {
        var role = new RoleConfig(NodeRole.Station, Station, null, 0) { Timing = StationTiming.Legacy };
        var node = new HalonNode(P1, ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(P1), new PersistentState(hard, role, log));
        node.Advance();
        return node;
    }

    public static string ClusterIdOf(HalonNode node) => node.GetStatus().ClusterId!;

    /// <summary>The outputs waiting, taken from the node.</summary>
    public static (Message[] Messages, Effects.Effect[] Effects, Ready Ready) Take(HalonNode node)
    {
        var ready = node.GetReady();
        var result = (ready.Messages.ToArray(), ready.Effects.ToArray(), ready);
        node.Advance();
        return result;
    }

    /// <summary>p2 answers p1's probe as a follower of the station, which gives p1 quorum.</summary>
    public static void GiveQuorum(HalonNode node, NodeId? from = null)
    {
        var result = node.Step(new PeerProbeReply(from ?? P2, node.Id, NodeRole.Station, ClusterIdOf(node), SupervisorState.Follower, node.Term, null));
        Assert.True(result.Accepted);
    }

    /// <summary>Makes a fresh <see cref="Peer"/> the master of term 1 with p2's votes; its coordinator runs when <paramref name="commit"/>.</summary>
    public static HalonNode Master(ProtocolOptions? options = null, bool commit = true)
    {
        var node = Peer(options);
        GiveQuorum(node);
        Assert.Equal(SupervisorState.Follower, node.State);
        for (var i = 0; i < 100 && node.State != SupervisorState.PreCandidate; i++)
        {
            node.Tick();
        }

        Assert.Equal(SupervisorState.PreCandidate, node.State);
        var cluster = ClusterIdOf(node);
        Assert.True(node.Step(new VoteResponse(P2, P1, cluster, node.Term + 1, true, PreVote: true)).Accepted);
        Assert.Equal(SupervisorState.Candidate, node.State);
        Assert.True(node.Step(new VoteResponse(P2, P1, cluster, node.Term, true, PreVote: false)).Accepted);
        Assert.Equal(SupervisorState.Master, node.State);
        if (commit)
        {
            AcknowledgeFrom(node, P2);
            Assert.True(node.CoordinatorRunning);
        }

        node.Advance();
        return node;
    }

    /// <summary><paramref name="peer"/> acknowledges everything the master holds, as of now.</summary>
    public static StepResult AcknowledgeFrom(HalonNode master, NodeId peer, long? leaderTick = null) =>
        master.Step(new AppendEntriesResponse(peer, master.Id, ClusterIdOf(master), master.Term, true, master.LastLogIndex, 0, leaderTick ?? master.Now));

    /// <summary>An AppendEntries from p2, the master of <paramref name="term"/>.</summary>
    public static AppendEntries Append(HalonNode node, long term, long prevIndex, long prevTerm, LogEntry[] entries, long commit, long leaderTick = 1, long coordinatorEpoch = 0) =>
        new(P2, node.Id, ClusterIdOf(node), term, prevIndex, prevTerm, entries, commit, leaderTick, coordinatorEpoch);

    public static LogEntry NoOp(long index, long term) => new(index, term, NoOpCommand.Instance);

    /// <summary>Ticks until <paramref name="condition"/> holds, taking each tick's outputs but the last; fails after <paramref name="ticksMax"/>.</summary>
    public static void TickUntil(HalonNode node, Func<bool> condition, int ticksMax = 200)
    {
        for (var i = 0; i < ticksMax && !condition(); i++)
        {
            node.Advance();
            node.Tick();
        }

        Assert.True(condition(), $"{node.Id}: not reached within {ticksMax} ticks");
    }
}
