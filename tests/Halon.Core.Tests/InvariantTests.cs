using System.Reflection;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;
using static Halon.Core.Tests.NodeDriver;

namespace Halon.Core.Tests;

/// <summary>
/// The node's own invariant checks report a corrupted state, each with its own sentence. No input can corrupt a
/// correct node (that is what the checks assert), so these tests corrupt one private field by reflection, as a bug in
/// the core would, then give the node an input that changes nothing by itself (a message addressed to another node)
/// and expect the check that names the damage. A renamed field fails here loudly, not silently.
/// </summary>
public sealed class InvariantTests
{
    private static void Set(HalonNode node, string field, object? value)
    {
        var info = typeof(HalonNode).GetField(field, BindingFlags.Instance | BindingFlags.NonPublic);
        Assert.NotNull(info);
        info.SetValue(node, value);
    }

    private static T Get<T>(HalonNode node, string field)
    {
        var info = typeof(HalonNode).GetField(field, BindingFlags.Instance | BindingFlags.NonPublic);
        Assert.NotNull(info);
        return (T)info.GetValue(node)!;
    }

    /// <summary>A message for another node: dropped without a change, then the checks run.</summary>
    private static readonly PeerProbe Misaddressed = new(P2, NodeId.Parse("elsewhere:1"), "c", 0);

    /// <summary>The message of the invariant failure the next harmless input reports.</summary>
    private static string Violation(HalonNode node)
    {
        var error = Assert.Throws<HalonInvariantException>(() => node.Step(Misaddressed));
        return error.Message;
    }

    private static HalonNode Follower()
    {
        var node = Peer();
        GiveQuorum(node);
        node.Advance();
        Assert.Equal(SupervisorState.Follower, node.State);
        return node;
    }

    private static HalonNode Satellite()
    {
        var node = Fresh(S1);
        node.BecomeSatellite(Station);
        node.Advance();
        return node;
    }

    [Fact]
    public void A_healthy_node_passes_every_check()
    {
        Fresh().CrashCoordinator();
        Follower().CrashCoordinator();
        Satellite().CrashCoordinator();
        var master = Master();
        Assert.True(master.CoordinatorRunning);
        master.Tick();
        master.Advance();
    }

    [Fact]
    public void Log_and_term_corruption_is_reported()
    {
        var negative = Fresh();
        Set(negative, "_term", -1L);
        Assert.Equal("p1:9070 (term -1, None): term is negative", Violation(negative));

        var beyond = Fresh();
        Set(beyond, "_commitIndex", 1L);
        Assert.Equal("p1:9070 (term 0, None): commit index beyond the log", Violation(beyond));

        var appliedBeyond = Fresh();
        Set(appliedBeyond, "_appliedIndex", 1L);
        Assert.Equal("p1:9070 (term 0, None): applied beyond the commit index", Violation(appliedBeyond));

        var unapplied = Restored(new HardState(1, null, 0), NoOp(1, 1));
        Set(unapplied, "_commitIndex", 1L);
        Assert.Equal("p1:9070 (term 1, WaitingForQuorum): committed entries left unapplied after an input", Violation(unapplied));

        var future = Restored(new HardState(1, null, 0), NoOp(1, 1));
        Set(future, "_term", 0L);
        Assert.Equal("p1:9070 (term 0, WaitingForQuorum): last log entry from a future term", Violation(future));

        var shifted = Restored(new HardState(1, null, 0), NoOp(1, 1));
        Get<List<LogEntry>>(shifted, "_log")[0] = NoOp(2, 1);
        Assert.Equal("p1:9070 (term 1, WaitingForQuorum): log index out of step with its position", Violation(shifted));
    }

    [Fact]
    public void Bounds_of_one_batch_and_of_the_pending_acknowledgements_are_checked()
    {
        var full = Fresh();
        var outbox = Get<List<Message>>(full, "_outbox");
        outbox.AddRange(Enumerable.Repeat<Message>(new PeerProbe(P2, P1, "c", 0), Limits.ReadyMessagesMax));
        Assert.Equal(DropCategory.Misaddressed, full.Step(Misaddressed).DropCategory); // At the limit: fine.
        outbox.Add(new PeerProbe(P2, P1, "c", 0));
        Assert.Equal("p1:9070 (term 0, None): too many messages in one batch", Violation(full));

        var pendingFull = Fresh();
        var pending = Get<Dictionary<NodeId, (long Incarnation, long InstallId, bool IsNew)>>(pendingFull, "_pendingAcknowledgements");
        for (var i = 0; i <= Limits.PendingAcknowledgementsMax; i++)
        {
            pending[NodeId.Parse($"s{i}:1")] = (1, 0, false);
        }

        Assert.Equal("p1:9070 (term 0, None): pending acknowledgements beyond their bound", Violation(pendingFull));

        var negativeNew = Fresh();
        Set(negativeNew, "_pendingNewSatellites", -1);
        Assert.Equal("p1:9070 (term 0, None): pending new satellites out of step with the pending acknowledgements", Violation(negativeNew));
        var tooManyNew = Fresh();
        Set(tooManyNew, "_pendingNewSatellites", 1);
        Assert.Equal("p1:9070 (term 0, None): pending new satellites out of step with the pending acknowledgements", Violation(tooManyNew));
    }

    [Fact]
    public void A_role_out_of_step_with_the_supervisor_is_reported()
    {
        var outside = Follower();
        Set(outside, "_roleConfig", new RoleConfig(NodeRole.Station, PeerSet.Parse("p2:9070,p3:9070"), null, 0));
        Assert.Equal("p1:9070 (term 0, Follower): station peer outside its own bootstrap peer set", Violation(outside));

        var stateless = Follower();
        Set(stateless, "_state", SupervisorState.None);
        Assert.Equal("p1:9070 (term 0, None): station peer whose supervisor runs after it left, or does not run before", Violation(stateless));

        var noStation = Satellite();
        Set(noStation, "_roleConfig", new RoleConfig(NodeRole.Satellite, null, null, 1));
        Assert.Equal("s1:9070 (term 0, None): satellite without a station", Violation(noStation));

        var noIncarnation = Satellite();
        Set(noIncarnation, "_roleConfig", new RoleConfig(NodeRole.Satellite, null, Station, 0));
        Assert.Equal("s1:9070 (term 0, None): satellite without an incarnation", Violation(noIncarnation));

        var supervised = Satellite();
        Set(supervised, "_state", SupervisorState.Follower);
        Assert.Equal("s1:9070 (term 0, Follower): satellite with a supervisor state", Violation(supervised));

        var roleless = Fresh();
        Set(roleless, "_state", SupervisorState.Follower);
        Assert.Equal("p1:9070 (term 0, Follower): supervisor state without a role", Violation(roleless));
    }

    [Fact]
    public void A_master_out_of_step_with_its_term_is_reported()
    {
        var votedElsewhere = Master();
        Set(votedElsewhere, "_votedFor", P2);
        Assert.Equal("p1:9070 (term 1, Master): master that did not vote for itself", Violation(votedElsewhere));

        var otherLeader = Master();
        Set(otherLeader, "_leader", P2);
        Assert.Equal("p1:9070 (term 1, Master): master that does not name itself leader", Violation(otherLeader));

        var noFirstEntry = Master();
        Set(noFirstEntry, "_termStartIndex", 5L);
        Assert.Equal("p1:9070 (term 1, Master): master without its term's first entry", Violation(noFirstEntry));
        var noStart = Master();
        Set(noStart, "_termStartIndex", 0L);
        Assert.Equal("p1:9070 (term 1, Master): master without its term's first entry", Violation(noStart));

        var pendingOnFollower = Follower();
        Get<Dictionary<NodeId, (long Incarnation, long InstallId, bool IsNew)>>(pendingOnFollower, "_pendingAcknowledgements")[S1] = (1, 0, false);
        Assert.Equal("p1:9070 (term 0, Follower): pending acknowledgements on a non-master", Violation(pendingOnFollower));
    }

    [Fact]
    public void A_coordinator_without_authority_is_reported()
    {
        var onFollower = Follower();
        Set(onFollower, "_coordinatorRunning", true);
        Assert.Equal("p1:9070 (term 0, Follower): coordinator running on a non-master", Violation(onFollower));

        var noLease = Master();
        Get<long[]>(noLease, "_ackTick")[Station.IndexOf(P2)] = long.MinValue / 4;
        Assert.Equal("p1:9070 (term 1, Master): coordinator running without a lease", Violation(noLease));

        var early = Master();
        Assert.True(early.Step(new NodeUp(S1, P1, 1, TestCluster.Facts(S1))).Accepted);
        Assert.Equal(2, early.LastLogIndex);
        Assert.Equal(1, early.CommitIndex);
        Set(early, "_termStartIndex", 2L);
        Assert.Equal("p1:9070 (term 1, Master): coordinator running before its term's first entry committed", Violation(early));
    }

    [Fact]
    public void A_tick_in_an_unknown_role_or_a_station_without_a_supervisor_throws()
    {
        var unknown = Fresh();
        Set(unknown, "_roleConfig", new RoleConfig((NodeRole)7, null, null, 0));
        Assert.Equal("unknown role 7", Assert.Throws<HalonInvariantException>(unknown.Tick).Message);

        var stateless = Follower();
        Set(stateless, "_state", SupervisorState.None);
        Assert.Equal("p1:9070: station peer in supervisor state None", Assert.Throws<HalonInvariantException>(stateless.Tick).Message);
    }
}
