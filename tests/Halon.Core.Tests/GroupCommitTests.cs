using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;

namespace Halon.Core.Tests;

/// <summary>
/// A host may step several inputs before it takes one <see cref="Ready"/> (group commit). That batch must persist
/// exactly what the inputs drained one by one would have left on disk, and carry every message and effect they
/// produced, in order. And a master sends new entries as they are appended, so acknowledgements never wait for a tick.
/// </summary>
public sealed class GroupCommitTests
{
    private static TestCluster SteadyStation(int satellites = 0)
    {
        var cluster = new TestCluster(3, satellites);
        cluster.BootstrapStation();
        Assert.True(cluster.TickUntil(() => cluster.Master?.CoordinatorRunning == true, 300));
        Assert.True(cluster.TickUntil(() => cluster.Nodes.Values.Where(n => n.Role == NodeRole.Station).All(n => n.CommitIndex == n.LastLogIndex), 300));
        return cluster;
    }

    /// <summary>
    /// Two appends for one follower: the first from the master of term T adds two entries, the second from a master of
    /// term T+1 replaces the second of them (a truncation) and moves the commit index.
    /// </summary>
    private static (HalonNode Follower, AppendEntries[] Inputs) FollowerAndConflictingAppends(TestCluster cluster)
    {
        var master = cluster.Master!;
        var follower = cluster.Nodes.Values.First(n => n.State == SupervisorState.Follower);
        var other = cluster.Nodes.Values.First(n => n != master && n != follower);
        var term = master.Term;
        var last = follower.LastLogIndex;
        var lastTerm = follower.Log[^1].Term;
        Assert.Equal(last, follower.CommitIndex);
        var noOp = NoOpCommand.Instance;
        var first = new AppendEntries(master.Id, follower.Id, cluster.Peers.ClusterId, term, last, lastTerm,
            [new LogEntry(last + 1, term, noOp), new LogEntry(last + 2, term, noOp)], last, master.Now, master.CoordinatorEpoch);
        var second = new AppendEntries(other.Id, follower.Id, cluster.Peers.ClusterId, term + 1, last + 1, term,
            [new LogEntry(last + 2, term + 1, noOp)], last + 1, 1, 0);
        return (follower, [first, second]);
    }

    [Fact]
    public void A_batch_of_inputs_persists_what_draining_each_input_would_have_left_on_disk()
    {
        // The same station twice: in one the follower drains after each input, in the other once for both.
        var oneByOne = SteadyStation();
        var batched = SteadyStation();
        var (follower1, inputs1) = FollowerAndConflictingAppends(oneByOne);
        var (follower2, inputs2) = FollowerAndConflictingAppends(batched);
        var batchesBefore = oneByOne.Batches[follower1.Id].Count;

        foreach (var input in inputs1)
        {
            Assert.True(follower1.Step(input).Accepted);
            oneByOne.Drain(follower1);
        }

        foreach (var input in inputs2)
        {
            Assert.True(follower2.Step(input).Accepted);
        }

        var ready = follower2.GetReady();
        var single = new PersistedBatch(ready.HardState, ready.Role, ready.Snapshot, ready.EntriesFromIndex, ready.Entries.ToArray(), ready.Messages.ToArray(), ready.Effects.ToArray());
        follower2.Advance();
        batched.Batches[follower2.Id].Add(single);

        // On disk: the same term, vote, commit index and log, the truncated entry replaced.
        var expected = oneByOne.PersistedStateOf(follower1.Id);
        var actual = batched.PersistedStateOf(follower2.Id);
        Assert.Equal(expected.HardState, actual.HardState);
        Assert.Equal(expected.Role, actual.Role);
        Assert.Equal(expected.Log, actual.Log);
        Assert.Equal(follower2.Term, actual.HardState.Term);
        Assert.Equal(follower2.Term, actual.Log[^1].Term);

        // The batch cuts the log where the earliest change began (the first append's first entry) and rewrites from
        // there, so that a log cut by the second input is never left with the first input's stale tail.
        var drained = oneByOne.Batches[follower1.Id].Skip(batchesBefore).ToArray();
        Assert.Equal(2, drained.Length);
        Assert.Equal(drained[0].EntriesFromIndex, single.EntriesFromIndex);
        Assert.Equal(new HardState(follower2.Term, null, follower2.CommitIndex), single.HardState);

        // Every message of both inputs, in the order they were produced: the answer to the old master, then the new.
        Assert.Equal(drained.SelectMany(b => b.Messages), single.Messages);
        Assert.Equal(drained.SelectMany(b => b.Effects), single.Effects);
        var answers = single.Messages.OfType<AppendEntriesResponse>().ToArray();
        Assert.Equal(2, answers.Length);
        Assert.All(answers, a => Assert.True(a.Success));
        Assert.True(answers[0].Term < answers[1].Term);
    }

    [Fact]
    public void A_truncation_within_a_batch_rewrites_the_persisted_log_from_the_cut()
    {
        var cluster = SteadyStation();
        var (follower, inputs) = FollowerAndConflictingAppends(cluster);
        Assert.True(follower.Step(inputs[0]).Accepted);
        cluster.Drain(follower);
        var lastBefore = follower.LastLogIndex;

        // A master of a later term whose log ends before the follower's last entry, with a conflicting term there.
        var replaced = inputs[1] with { Entries = [new LogEntry(lastBefore - 1, follower.Term + 1, NoOpCommand.Instance)], PrevLogIndex = lastBefore - 2, PrevLogTerm = follower.Log[(int)lastBefore - 3].Term, LeaderCommit = lastBefore - 2 };
        Assert.True(follower.Step(replaced).Accepted);
        var heartbeat = replaced with { Entries = [], PrevLogIndex = lastBefore - 1, PrevLogTerm = follower.Term, LeaderTick = 2 };
        Assert.True(follower.Step(heartbeat).Accepted);
        var ready = follower.GetReady();
        Assert.Equal(lastBefore - 1, ready.EntriesFromIndex);
        Assert.Equal(new[] { new LogEntry(lastBefore - 1, follower.Term, NoOpCommand.Instance) }, ready.Entries);
        Assert.Equal(2, ready.Messages.Count);
        follower.Advance();
        Assert.Equal(lastBefore - 1, follower.LastLogIndex);
    }

    [Fact]
    public void Announcements_stepped_in_one_batch_are_all_acknowledged_without_a_tick()
    {
        const int satellites = 40;
        var cluster = SteadyStation(satellites);
        var master = cluster.Master!;
        // Satellites whose own first announcements are lost; the master receives theirs all at once instead.
        var nodes = Enumerable.Range(1, satellites).Select(i => cluster[$"s{i}"]).ToArray();
        foreach (var node in nodes)
        {
            Assert.True(node.BecomeSatellite(cluster.Peers).Succeeded);
            _ = node.GetReady();
            node.Advance();
        }

        var announcements = nodes
            .Select(s => new NodeUp(s.Id, master.Id, s.Incarnation, TestCluster.Facts(s.Id)) { InstallId = s.InstallId })
            .ToArray();
        var logBefore = master.LastLogIndex;

        // The master steps every announcement before it drains: one batch, one entry per announcement, and each entry
        // already on its way to every follower (pipelined), not held for the next heartbeat.
        foreach (var announcement in announcements)
        {
            Assert.True(master.Step(announcement).Accepted);
        }

        var ready = master.GetReady();
        Assert.Equal(logBefore + 1, ready.EntriesFromIndex);
        Assert.Equal(satellites, ready.Entries.Count);
        var appends = ready.Messages.OfType<AppendEntries>().ToArray();
        Assert.Equal(satellites * 2, appends.Length);
        Assert.Equal(satellites * 2, appends.Sum(a => a.Entries.Count));
        Assert.Empty(ready.Messages.OfType<NodeUpAck>()); // Nothing is acknowledged before it commits.
        var batch = new PersistedBatch(ready.HardState, ready.Role, ready.Snapshot, ready.EntriesFromIndex, ready.Entries.ToArray(), ready.Messages.ToArray(), ready.Effects.ToArray());
        cluster.Batches[master.Id].Add(batch);
        foreach (var message in batch.Messages)
        {
            cluster.Nodes[message.To].Step(message);
        }

        master.Advance();

        // The followers answer (each from one batch too), and the master acknowledges every satellite, all without
        // a single tick.
        foreach (var follower in cluster.Nodes.Values.Where(n => n.State == SupervisorState.Follower))
        {
            cluster.Drain(follower);
        }

        cluster.Deliver();
        Assert.All(announcements, a => Assert.True(cluster.Nodes[a.From].AnnouncementAcknowledged, $"{a.From} was not acknowledged"));
        Assert.Equal(satellites, master.Satellites.Count);
        Assert.Equal(logBefore + satellites, master.CommitIndex);
    }
}
