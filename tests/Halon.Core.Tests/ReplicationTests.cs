using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;
using static Halon.Core.Tests.NodeDriver;

namespace Halon.Core.Tests;

/// <summary>
/// Replication as one peer sees it: what a new master sends, how it commits and times its lease from answers, and how
/// a follower accepts, rejects (with which hint), truncates and commits AppendEntries.
/// </summary>
public sealed class ReplicationTests
{
    private static HalonNode Follower(params LogEntry[] log)
    {
        var term = log.Length == 0 ? 0 : log[^1].Term;
        var node = log.Length == 0 ? Peer() : Restored(new HardState(term, null, 0), log);
        GiveQuorum(node);
        node.Advance();
        return node;
    }

    private static AppendEntriesResponse Response(HalonNode node) => Assert.IsType<AppendEntriesResponse>(Assert.Single(Take(node).Messages));

    private static SatelliteAcknowledgedCommand Ack(string satellite, long incarnation) =>
        new(NodeId.Parse(satellite + ":9070"), incarnation, TestCluster.Facts(NodeId.Parse(satellite + ":9070")));

    [Fact]
    public void A_new_master_appends_its_term_entry_and_sends_it_to_every_peer_at_once()
    {
        var node = Master(commit: false);
        Assert.Equal(1, node.LastLogIndex);
        Assert.Equal(new LogEntry(1, 1, NoOpCommand.Instance), node.Log[0]);
        // Nobody acknowledged anything of this term yet: the lease has not begun.
        Assert.True(node.LeaseEndTick < node.Now);
        Assert.False(node.CoordinatorRunning);

        var fresh = Peer();
        GiveQuorum(fresh);
        fresh.Advance();
        TickUntil(fresh, () => fresh.State == SupervisorState.PreCandidate);

        fresh.Step(new VoteResponse(P2, P1, Station.ClusterId, 1, true, true));
        fresh.Advance();
        fresh.Step(new VoteResponse(P2, P1, Station.ClusterId, 1, true, false));
        var (messages, _, ready) = Take(fresh);
        Assert.Equal(1, ready.EntriesFromIndex);
        Assert.Equal([new LogEntry(1, 1, NoOpCommand.Instance)], ready.Entries);
        var appends = messages.Cast<AppendEntries>().ToArray();
        Assert.Equal([P2, P3], appends.Select(a => a.To));
        Assert.All(appends, a =>
        {
            Assert.Equal(1, a.Term);
            Assert.Equal(0, a.PrevLogIndex);
            Assert.Equal(0, a.PrevLogTerm);
            Assert.Equal([new LogEntry(1, 1, NoOpCommand.Instance)], a.Entries);
            Assert.Equal(0, a.LeaderCommit);
            Assert.Equal(fresh.Now, a.LeaderTick);
            Assert.Equal(0, a.CoordinatorEpoch);
        });
    }

    [Fact]
    public void A_master_commits_on_a_majority_persists_the_commit_and_starts_its_coordinator()
    {
        var node = Master(commit: false);
        // An answer that carries the lease but not the entry starts nothing.
        Assert.True(node.Step(new AppendEntriesResponse(P2, P1, Station.ClusterId, 1, true, 0, 0, node.Now)).Accepted);
        Assert.False(node.CoordinatorRunning);
        Assert.Equal(0, node.CommitIndex);
        node.Advance();
        Assert.True(AcknowledgeFrom(node, P2).Accepted);
        Assert.Equal(1, node.CommitIndex);
        Assert.True(node.CoordinatorRunning);
        Assert.Equal(1, node.CoordinatorEpoch);
        var (_, effects, ready) = Take(node);
        Assert.Equal(new HardState(1, P1, 1), ready.HardState);
        Assert.Equal([new EntriesCommitted(0, 1), new CoordinatorStarted(1, 0, 0)], effects);
        // The same answer again commits nothing new.
        Assert.True(AcknowledgeFrom(node, P2).Accepted);
        Assert.Empty(Take(node).Effects);
    }

    [Fact]
    public void A_master_does_not_commit_an_earlier_term_entry_by_counting()
    {
        // p1 restarts with an uncommitted entry of term 1 and becomes master of term 3.
        var node = Restored(new HardState(2, null, 0), NoOp(1, 1));
        GiveQuorum(node);
        TickUntil(node, () => node.State == SupervisorState.PreCandidate);

        node.Step(new VoteResponse(P2, P1, Station.ClusterId, 3, true, true));
        node.Step(new VoteResponse(P2, P1, Station.ClusterId, 3, true, false));
        Assert.Equal(SupervisorState.Master, node.State);
        Assert.Equal(2, node.LastLogIndex);
        node.Advance();
        Assert.True(node.Step(new AppendEntriesResponse(P2, P1, Station.ClusterId, 3, true, 1, 0, node.Now)).Accepted);
        Assert.Equal(0, node.CommitIndex);
        Assert.True(node.Step(new AppendEntriesResponse(P2, P1, Station.ClusterId, 3, true, 2, 0, node.Now)).Accepted);
        Assert.Equal(2, node.CommitIndex);
        Assert.Contains(new EntriesCommitted(0, 2), Take(node).Effects);
    }

    [Fact]
    public void A_master_sends_entries_optimistically_and_backs_up_on_a_rejection()
    {
        var options = ProtocolOptions.Default with { EntriesPerAppendMax = 2 };
        var node = Master(options);
        foreach (var name in new[] { "s1", "s2", "s3" })
        {
            var id = NodeId.Parse(name + ":9070");
            Assert.True(node.Step(new NodeUp(id, P1, 1, TestCluster.Facts(id))).Accepted);
        }

        Assert.Equal(4, node.LastLogIndex);
        var sent = Take(node).Messages.OfType<AppendEntries>().Where(a => a.To.Equals(P3)).ToArray();
        // p3 never answered: the master's first append carried entry 1, then each NodeUp sent the entry it added.
        Assert.Equal([1L, 2, 3], sent.Select(a => a.PrevLogIndex));
        Assert.Equal([1, 1, 1], sent.Select(a => a.Entries.Count));
        Assert.Equal(1, sent[1].PrevLogTerm);

        // The next heartbeat assumes delivery: nothing left to send.
        node.Tick();
        var heartbeat = Take(node).Messages.OfType<AppendEntries>().Single(a => a.To.Equals(P3));
        Assert.Equal(4, heartbeat.PrevLogIndex);
        Assert.Empty(heartbeat.Entries);
        Assert.Equal(node.Now, heartbeat.LeaderTick);

        // p3 rejects with hint 0: the master resends from entry 1 at once, two at a time.
        Assert.True(node.Step(new AppendEntriesResponse(P3, P1, Station.ClusterId, 1, false, 0, 0, node.Now)).Accepted);
        var retry = Assert.IsType<AppendEntries>(Assert.Single(Take(node).Messages));
        Assert.Equal(0, retry.PrevLogIndex);
        Assert.Equal([1L, 2], retry.Entries.Select(e => e.Index));

        // A rejection hint beyond the log is capped at the log; a hint below what p2 matched means p2 lost entries it
        // had (a wiped data dir): the master lowers its match to the hint and resends from there.
        Assert.True(node.Step(new AppendEntriesResponse(P3, P1, Station.ClusterId, 1, false, 0, 3, node.Now)).Accepted);
        Assert.Equal(3, Assert.IsType<AppendEntries>(Assert.Single(Take(node).Messages)).PrevLogIndex);
        Assert.True(node.Step(new AppendEntriesResponse(P2, P1, Station.ClusterId, 1, true, 3, 0, node.Now)).Accepted);
        node.Advance();
        Assert.True(node.Step(new AppendEntriesResponse(P2, P1, Station.ClusterId, 1, false, 0, 1, node.Now)).Accepted);
        var lowered = Assert.IsType<AppendEntries>(Assert.Single(Take(node).Messages));
        Assert.Equal(1, lowered.PrevLogIndex);
        Assert.Equal([2L, 3], lowered.Entries.Select(e => e.Index));

        // After p2's success at 4, its heartbeats carry nothing more.
        Assert.True(node.Step(new AppendEntriesResponse(P2, P1, Station.ClusterId, 1, true, 4, 0, node.Now)).Accepted);
        node.Advance();
        node.Tick();
        var p2Heartbeat = Take(node).Messages.OfType<AppendEntries>().Single(a => a.To.Equals(P2));
        Assert.Equal(4, p2Heartbeat.PrevLogIndex);
        Assert.Equal(4, p2Heartbeat.LeaderCommit);
    }

    [Fact]
    public void A_follower_far_behind_gets_up_to_four_batches_in_flight_on_each_success_not_one_per_heartbeat()
    {
        var options = ProtocolOptions.Default with { EntriesPerAppendMax = 1 };
        var node = Master(options);
        for (var i = 1; i <= 10; i++)
        {
            var id = NodeId.Parse($"s{i}:9070");
            Assert.True(node.Step(new NodeUp(id, P1, 1, TestCluster.Facts(id))).Accepted);
        }

        Assert.Equal(11, node.LastLogIndex);
        node.Advance();
        long[] ToP3() => Take(node).Messages.OfType<AppendEntries>().Where(a => a.To.Equals(P3)).Select(a => a.Entries.Single().Index).ToArray();
        bool Answer(bool success, long match, long hint = 0) => node.Step(new AppendEntriesResponse(P3, P1, Station.ClusterId, 1, success, match, hint, node.Now)).Accepted;

        // p3 lost everything it was sent: its rejection brings one probe, entry 1.
        Assert.True(Answer(false, 0, 0));
        Assert.Equal([1L], ToP3());

        // The probe's success fills the window: four batches (here of one entry each) at once.
        Assert.True(Answer(true, 1));
        Assert.Equal([2L, 3, 4, 5], ToP3());

        // A duplicate of that success finds the window full and sends nothing.
        Assert.True(Answer(true, 1));
        Assert.Empty(ToP3());

        // Each later success tops the window up to four in flight, no further.
        Assert.True(Answer(true, 3));
        Assert.Equal([6L, 7], ToP3());
        Assert.True(Answer(true, 7));
        Assert.Equal([8L, 9, 10, 11], ToP3());

        // Caught up: nothing more to send, and the commit follows p3 (with p1, a majority).
        Assert.True(Answer(true, 11));
        Assert.Empty(ToP3());
        Assert.Equal(11, node.CommitIndex);

        // p3 turns out to hold only 4 (a rejection below its match): one probe again, then the window from there.
        Assert.True(Answer(false, 0, 4));
        Assert.Equal([5L], ToP3());
        Assert.True(Answer(true, 5));
        Assert.Equal([6L, 7, 8, 9], ToP3());
    }

    [Fact]
    public void A_master_drops_answers_with_impossible_fields()
    {
        var node = Master();
        var cluster = Station.ClusterId;
        var impossible = new StepResult(false, "AppendEntries response from p2:9070 with impossible fields", DropCategory.Malformed);
        Assert.Equal(impossible, node.Step(new AppendEntriesResponse(P2, P1, cluster, 1, true, 1, 0, node.Now + 1)));
        Assert.Equal(impossible, node.Step(new AppendEntriesResponse(P2, P1, cluster, 1, true, 2, 0, node.Now)));
        Assert.Equal(impossible, node.Step(new AppendEntriesResponse(P2, P1, cluster, 1, true, -1, 0, node.Now)));
        Assert.Equal(impossible, node.Step(new AppendEntriesResponse(P2, P1, cluster, 1, false, 0, -1, node.Now)));
        Assert.True(node.Step(new AppendEntriesResponse(P2, P1, cluster, 1, true, 1, 0, node.Now)).Accepted);
        Assert.True(node.Step(new AppendEntriesResponse(P2, P1, cluster, 1, true, 0, 0, node.Now)).Accepted);

        var follower = Follower();
        Assert.Equal(
            new StepResult(false, "AppendEntries response from p2:9070, but this node is not the master", DropCategory.Outdated),
            follower.Step(new AppendEntriesResponse(P2, P1, cluster, 0, true, 0, 0, 0)));
        Assert.Equal(
            new StepResult(false, "AppendEntries of term 1 from p2:9070, but this node is the master of term 1", DropCategory.Malformed),
            node.Step(new AppendEntries(P2, P1, cluster, 1, 0, 0, [], 0, 0, 0)));
    }

    [Fact]
    public void A_master_that_lost_its_lease_says_why_it_stopped_its_coordinator()
    {
        var node = Master();
        var stopped = new List<CoordinatorStopped>();
        for (var i = 0; i < 20 && node.State == SupervisorState.Master; i++)
        {
            node.Tick();
            stopped.AddRange(Take(node).Effects.OfType<CoordinatorStopped>());
        }

        Assert.Equal(new CoordinatorStopped(1, "lease lapsed: no majority acknowledged a heartbeat in the last 11 ticks"), stopped[0]);
        Assert.Equal(SupervisorState.Follower, node.State);
    }

    [Fact]
    public void A_follower_appends_acknowledges_and_commits_no_further_than_it_holds()
    {
        var node = Follower();
        Assert.True(node.Step(Append(node, 1, 0, 0, [NoOp(1, 1), NoOp(2, 1)], 9, leaderTick: 4)).Accepted);
        Assert.Equal(2, node.CommitIndex);
        Assert.Equal(P2, node.Leader);
        var (messages, effects, ready) = Take(node);
        Assert.Equal(new AppendEntriesResponse(P1, P2, Station.ClusterId, 1, true, 2, 0, 4), Assert.Single(messages));
        Assert.Equal(1, ready.EntriesFromIndex);
        Assert.Equal(2, ready.Entries.Count);
        Assert.Equal(new HardState(1, null, 2), ready.HardState);
        Assert.Equal([new EntriesCommitted(0, 2)], effects);

        // A heartbeat with the same commit commits nothing and persists nothing.
        Assert.True(node.Step(Append(node, 1, 2, 1, [], 2)).Accepted);
        var (_, noEffects, quiet) = Take(node);
        Assert.Empty(noEffects);
        Assert.False(quiet.MustPersist);

        // A repeated entry is not persisted again.
        Assert.True(node.Step(Append(node, 1, 1, 1, [NoOp(2, 1)], 2)).Accepted);
        Assert.Equal(0, Take(node).Ready.EntriesFromIndex);
    }

    [Fact]
    public void A_candidate_of_the_same_term_follows_the_master_that_appends()
    {
        var node = Follower();
        TickUntil(node, () => node.State == SupervisorState.PreCandidate);

        node.Step(new VoteResponse(P3, P1, Station.ClusterId, 1, true, true));
        Assert.Equal(SupervisorState.Candidate, node.State);
        node.Advance();
        Assert.True(node.Step(Append(node, 1, 0, 0, [], 0)).Accepted);
        Assert.Equal(SupervisorState.Follower, node.State);
        Assert.Equal(P2, node.Leader);
        Assert.Contains(Take(node).Effects, e => e is SupervisorStateChanged { Reason: "master p2:9070 of term 1" });
    }

    [Fact]
    public void A_follower_rejects_an_append_beyond_its_log_with_its_length_as_the_hint()
    {
        var node = Follower(NoOp(1, 1));
        Assert.True(node.Step(Append(node, 1, 2, 1, [NoOp(3, 1)], 0, leaderTick: 6)).Accepted);
        Assert.Equal(new AppendEntriesResponse(P1, P2, Station.ClusterId, 1, false, 0, 1, 6), Response(node));
        Assert.Equal(1, node.LastLogIndex);
        Assert.True(node.Step(Append(node, 1, 1, 1, [NoOp(2, 1)], 0)).Accepted);
        Assert.True(Response(node).Success);
        Assert.Equal(2, node.LastLogIndex);
    }

    [Fact]
    public void A_follower_rejects_a_conflicting_previous_entry_with_a_hint_before_that_term()
    {
        // Entries 1-3 of term 1, entry 1 committed. The master of term 2 says entry 3 is of term 2.
        var node = Restored(new HardState(1, null, 1), NoOp(1, 1), NoOp(2, 1), NoOp(3, 1));
        GiveQuorum(node);
        node.Advance();
        Assert.True(node.Step(Append(node, 2, 3, 2, [], 1)).Accepted);
        var response = Response(node);
        Assert.False(response.Success);
        Assert.Equal(1, response.RejectHint); // Entry 2 is of the same term 1, and the hint stops at the commit index.

        var longer = Restored(new HardState(2, null, 1), NoOp(1, 1), NoOp(2, 2), NoOp(3, 2), NoOp(4, 2));
        GiveQuorum(longer);
        longer.Advance();
        Assert.True(longer.Step(Append(longer, 3, 4, 3, [], 1)).Accepted);
        Assert.Equal(1, Response(longer).RejectHint);
        Assert.True(longer.Step(Append(longer, 3, 2, 1, [], 1)).Accepted);
        Assert.Equal(1, Response(longer).RejectHint);

        // A previous index below the commit index is not checked: committed entries match.
        Assert.True(longer.Step(Append(longer, 3, 0, 0, [NoOp(1, 1)], 1)).Accepted);
        Assert.True(Response(longer).Success);
    }

    [Fact]
    public void A_follower_truncates_conflicting_entries_and_persists_from_the_cut()
    {
        var node = Restored(new HardState(1, null, 1), NoOp(1, 1), NoOp(2, 1), NoOp(3, 1));
        GiveQuorum(node);
        node.Advance();
        Assert.True(node.Step(Append(node, 2, 1, 1, [NoOp(2, 1), NoOp(3, 2)], 1)).Accepted);
        Assert.Equal([NoOp(1, 1), NoOp(2, 1), NoOp(3, 2)], node.Log);
        var (_, _, ready) = Take(node);
        Assert.Equal(3, ready.EntriesFromIndex);
        Assert.Equal([NoOp(3, 2)], ready.Entries);

        var two = Restored(new HardState(1, null, 1), NoOp(1, 1), NoOp(2, 1), NoOp(3, 1), NoOp(4, 1));
        GiveQuorum(two);
        two.Advance();
        Assert.True(two.Step(Append(two, 2, 1, 1, [NoOp(2, 2)], 1)).Accepted);
        Assert.Equal([NoOp(1, 1), NoOp(2, 2)], two.Log);
        Assert.Equal(2, Take(two).Ready.EntriesFromIndex);
    }

    [Fact]
    public void A_follower_drops_malformed_appends()
    {
        var node = Follower(NoOp(1, 1));
        var malformed = new StepResult(false, "malformed AppendEntries from p2:9070", DropCategory.Malformed);
        Assert.Equal(malformed, node.Step(Append(node, 1, -1, 0, [], 0)));
        Assert.Equal(malformed, node.Step(Append(node, 1, 0, -1, [], 0)));
        Assert.Equal(malformed, node.Step(Append(node, 1, 0, 0, [], -1)));
        Assert.Equal(malformed, node.Step(Append(node, 1, 0, 0, [NoOp(2, 1)], 0)));
        Assert.Equal(malformed, node.Step(Append(node, 1, 1, 1, [NoOp(3, 1)], 0)));
        Assert.Equal(malformed, node.Step(Append(node, 1, 1, 0, [NoOp(2, 1), NoOp(3, 0)], 0)));
        Assert.Equal(malformed, node.Step(Append(node, 1, 1, 1, [NoOp(2, 2)], 0)));
        Assert.Equal(malformed, node.Step(Append(node, 1, 1, 2, [NoOp(2, 1)], 0)));
        Assert.Equal(malformed, node.Step(Append(node, 1, 1, 1, [new LogEntry(2, 1, null!)], 0)));
        Assert.Equal(malformed, node.Step(Append(node, 1, 1, 1, [null!], 0)));
        var tooMany = Enumerable.Range(2, Limits.AppendEntriesEntriesMax + 1).Select(i => NoOp(i, 1)).ToArray();
        Assert.Equal(malformed, node.Step(Append(node, 1, 1, 1, tooMany, 0)));
        Assert.Equal(1, node.LastLogIndex);
        var most = tooMany[..Limits.AppendEntriesEntriesMax];
        Assert.True(node.Step(Append(node, 1, 1, 1, most, 0)).Accepted);
        Assert.Equal(1 + Limits.AppendEntriesEntriesMax, node.LastLogIndex);
    }
}
