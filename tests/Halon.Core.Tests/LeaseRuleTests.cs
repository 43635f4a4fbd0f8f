using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Protocol;

namespace Halon.Core.Tests;

/// <summary>
/// The withholding rule that the lease argument rests on: no vote at all (a campaign for oneself included) within E
/// ticks of accepting a live master's heartbeat or of restarting, whatever the term of the request.
/// </summary>
public sealed class LeaseRuleTests
{
    private static readonly int s_electionTimeoutTicks = ProtocolOptions.Default.ElectionTimeoutTicks;

    private static TestCluster StationWithCoordinator(int peers = 3)
    {
        var cluster = new TestCluster(peers);
        cluster.BootstrapStation();
        Assert.True(cluster.TickUntil(() => cluster.Master?.CoordinatorRunning == true, 300));
        cluster.Tick(5);
        return cluster;
    }

    private static bool Campaigned(TestCluster cluster, NodeId id) =>
        cluster.EffectsOf(id).OfType<SupervisorStateChanged>().Any(c => c.To is SupervisorState.PreCandidate or SupervisorState.Candidate);

    [Fact]
    public void A_restarted_peer_does_not_campaign_for_itself_within_E_ticks_of_its_restart()
    {
        var cluster = StationWithCoordinator();
        var master = cluster.Master!;
        var follower = cluster.Nodes.Values.First(n => n.Role == NodeRole.Station && !n.Id.Equals(master.Id));
        var other = cluster.Nodes.Values.First(n => n.Role == NodeRole.Station && !n.Id.Equals(master.Id) && !n.Id.Equals(follower.Id));

        // The follower acknowledged the master's last heartbeat; it crashes and comes back at once, while the master is
        // cut off. The other follower answers its probes, so it sees quorum at once and its first-campaign timer is short.
        cluster.Down.Add(master.Id);
        var batchesBefore = cluster.Batches[follower.Id].Count;
        var restarted = cluster.Restart(follower.Id);
        for (var tick = 1; tick < s_electionTimeoutTicks; tick++)
        {
            cluster.Tick();
            Assert.False(
                cluster.Batches[follower.Id].Skip(batchesBefore).SelectMany(b => b.Effects).OfType<SupervisorStateChanged>().Any(c => c.To is SupervisorState.PreCandidate or SupervisorState.Candidate),
                $"the restarted peer campaigned {tick} ticks after its restart, inside the old master's possible lease");
            Assert.NotEqual(SupervisorState.Master, restarted.State);
            Assert.NotEqual(SupervisorState.Master, other.State);
        }

        // Once E ticks have passed it may campaign, and the two of them elect a master.
        Assert.True(cluster.TickUntil(() => cluster.Nodes.Values.Any(n => !cluster.Down.Contains(n.Id) && n.State == SupervisorState.Master), 10 * s_electionTimeoutTicks));
    }

    [Fact]
    public void A_fresh_station_still_elects_by_the_short_first_campaign_timer()
    {
        var cluster = new TestCluster(3);
        cluster.BootstrapStation();
        Assert.True(cluster.TickUntil(() => cluster.Master is not null, s_electionTimeoutTicks - 2), "a fresh station should elect within a few ticks, before E");
    }

    [Fact]
    public void A_vote_in_the_current_term_is_withheld_within_E_of_a_master_heartbeat()
    {
        var cluster = StationWithCoordinator();
        var master = cluster.Master!;
        var follower = cluster.Nodes.Values.First(n => n.Role == NodeRole.Station && !n.Id.Equals(master.Id));
        var candidate = cluster.Nodes.Values.First(n => n.Role == NodeRole.Station && !n.Id.Equals(master.Id) && !n.Id.Equals(follower.Id));
        var term = follower.Term;

        // A late rejection of an old pre-vote carries a higher term: the follower adopts it, with no vote and no master.
        follower.Step(new VoteResponse(candidate.Id, follower.Id, cluster.Peers.ClusterId, term + 1, Granted: false, PreVote: true));
        Assert.Equal(term + 1, follower.Term);
        Assert.Null(follower.Leader);
        cluster.Drain(follower);

        // A pre-vote for a later term is not even answered; a vote in the term it now holds is refused.
        var preVote = follower.Step(new VoteRequest(candidate.Id, follower.Id, cluster.Peers.ClusterId, term + 2, candidate.LastLogIndex, candidate.Log[^1].Term, PreVote: true));
        Assert.False(preVote.Accepted);
        var vote = follower.Step(new VoteRequest(candidate.Id, follower.Id, cluster.Peers.ClusterId, term + 1, candidate.LastLogIndex, candidate.Log[^1].Term, PreVote: false));
        Assert.True(vote.Accepted);
        var ready = follower.GetReady();
        var answer = Assert.Single(ready.Messages.OfType<VoteResponse>());
        Assert.False(answer.Granted, "granted a vote within E of a master's heartbeat, in a term adopted from a late pre-vote rejection");
        Assert.Null(ready.HardState?.VotedFor);
        follower.Advance();

        // After E ticks of silence from the master the same request is granted.
        cluster.Down.Add(master.Id);
        for (var tick = 0; tick < s_electionTimeoutTicks; tick++)
        {
            follower.Tick();
            follower.GetReady();
            follower.Advance();
        }

        if (follower.State == SupervisorState.Follower && follower.Term == term + 1)
        {
            follower.Step(new VoteRequest(candidate.Id, follower.Id, cluster.Peers.ClusterId, term + 1, candidate.LastLogIndex, candidate.Log[^1].Term, PreVote: false));
            Assert.Contains(follower.GetReady().Messages.OfType<VoteResponse>(), r => r.Granted);
        }
    }

    [Fact]
    public void Repeating_a_vote_already_cast_is_not_a_new_vote()
    {
        var cluster = new TestCluster(3);
        cluster.BootstrapStation();
        Assert.True(cluster.TickUntil(() => cluster.Master is not null, 100));
        var master = cluster.Master!;
        cluster.Tick(3);
        var voter = cluster.Nodes.Values.First(n => n.Role == NodeRole.Station && !n.Id.Equals(master.Id) && master.Id.Equals(VotedFor(cluster, n.Id, master.Term)));

        // A duplicate of the winning candidate's request arrives after its heartbeats: the same vote is repeated.
        voter.Step(new VoteRequest(master.Id, voter.Id, cluster.Peers.ClusterId, master.Term, master.LastLogIndex, master.Log[^1].Term, PreVote: false));
        Assert.Contains(voter.GetReady().Messages.OfType<VoteResponse>(), r => r.Granted && r.Term == master.Term);
        voter.Advance();
    }

    private static NodeId? VotedFor(TestCluster cluster, NodeId id, long term) =>
        cluster.Batches[id].Select(b => b.HardState).LastOrDefault(h => h is { } hard && hard.Term == term)?.VotedFor;

    [Fact]
    public void A_master_never_steps_down_into_a_vote_for_a_campaign_its_lease_covers()
    {
        var cluster = StationWithCoordinator(5);
        var master = cluster.Master!;
        var term = master.Term;
        var candidate = cluster.Nodes.Values.First(n => n.Role == NodeRole.Station && !n.Id.Equals(master.Id));
        master.Step(new VoteRequest(candidate.Id, master.Id, cluster.Peers.ClusterId, term + 1, candidate.LastLogIndex + 100, term, PreVote: false));
        Assert.Equal(SupervisorState.Master, master.State);
        Assert.True(master.CoordinatorRunning);
        Assert.DoesNotContain(master.GetReady().Messages.OfType<VoteResponse>(), r => r.Granted);
        master.Advance();
    }
}

/// <summary>Catch-up ticks after a stall: the clock and the lease stay true, and a campaign waits for the messages that waited.</summary>
public sealed class StallTests
{
    [Fact]
    public void A_follower_that_wakes_from_a_stall_steps_the_waiting_heartbeat_before_it_campaigns()
    {
        var cluster = new TestCluster(3);
        cluster.BootstrapStation();
        Assert.True(cluster.TickUntil(() => cluster.Master?.CoordinatorRunning == true, 300));
        cluster.Tick(5);
        var master = cluster.Master!;
        var follower = cluster.Nodes.Values.First(n => n.Role == NodeRole.Station && !n.Id.Equals(master.Id));

        // The follower stalls for 3E ticks; the master's latest heartbeat waits in its socket.
        var stalled = 3 * ProtocolOptions.Default.ElectionTimeoutTicks;
        for (var tick = 0; tick < stalled; tick++)
        {
            follower.TickCatchingUp();
            Assert.True(follower.State == SupervisorState.Follower, $"campaigned on catch-up tick {tick}");
            follower.GetReady();
            follower.Advance();
        }

        var heartbeat = new Messages.AppendEntries(master.Id, follower.Id, cluster.Peers.ClusterId, master.Term, master.LastLogIndex, master.Log[^1].Term, [], master.CommitIndex, master.Now, master.CoordinatorEpoch);
        Assert.True(follower.Step(heartbeat).Accepted);
        follower.GetReady();
        follower.Advance();
        follower.Tick();
        Assert.Equal(SupervisorState.Follower, follower.State);
        Assert.Equal(master.Id, follower.Leader);
    }

    [Fact]
    public void A_deferred_campaign_starts_at_the_next_regular_tick_when_no_heartbeat_came()
    {
        var cluster = new TestCluster(3);
        cluster.BootstrapStation();
        Assert.True(cluster.TickUntil(() => cluster.Master?.CoordinatorRunning == true, 300));
        var master = cluster.Master!;
        var follower = cluster.Nodes.Values.First(n => n.Role == NodeRole.Station && !n.Id.Equals(master.Id));
        for (var tick = 0; tick < 3 * ProtocolOptions.Default.ElectionTimeoutTicks; tick++)
        {
            follower.TickCatchingUp();
        }

        Assert.Equal(SupervisorState.Follower, follower.State);
        follower.Tick();
        Assert.Equal(SupervisorState.PreCandidate, follower.State);
    }

    [Fact]
    public void A_master_that_wakes_from_a_stall_finds_its_lease_lapsed_on_the_catch_up_ticks()
    {
        var cluster = new TestCluster(3);
        cluster.BootstrapStation();
        Assert.True(cluster.TickUntil(() => cluster.Master?.CoordinatorRunning == true, 300));
        var master = cluster.Master!;
        var lease = master.LeaseEndTick;
        while (master.Now < lease)
        {
            Assert.True(master.CoordinatorRunning);
            master.TickCatchingUp();
        }

        Assert.False(master.CoordinatorRunning);
        Assert.Contains(master.GetReady().Effects, e => e is Effects.CoordinatorStopped);
        master.Advance();
    }
}
